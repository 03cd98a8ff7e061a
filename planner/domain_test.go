package planner

import "testing"

func TestClassifyDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text, want string
	}{
		// One or more per domain.
		{"Run a 10k in 10 weeks", DomainRunning},
		{"Finish my first half marathon", DomainRunning},
		{"Start jogging three times a week", DomainRunning},
		{"Learn conversational Spanish by 2027-03-01", DomainLanguage},
		{"Pass the JLPT N4", DomainLanguage},
		{"Become fluent in German", DomainLanguage},
		{"Lose 5 kg before my wedding", DomainFitness},
		{"Get fit for my wedding", DomainFitness},
		{"Do 20 push-ups in a row", DomainFitness},
		{"Build muscle and get stronger", DomainFitness},
		{"Pass my AWS Solutions Architect certification", DomainStudy},
		{"Learn Python programming", DomainStudy},
		{"Read 20 books this year", DomainStudy},
		{"Ace my calculus exam", DomainStudy},
		{"Get promoted to senior engineer", DomainCareer},
		{"Find a new job in product management", DomainCareer},
		{"Run my own business", DomainCareer},
		{"Save $5000 for a house deposit", DomainMoney},
		{"Pay off my credit card debt", DomainMoney},
		{"Save money for my wedding", DomainMoney},
		{"Write a novel", DomainCreative},
		{"Learn to play guitar", DomainCreative},
		{"Paint a watercolour every week", DomainCreative},
		{"Meditate every day", DomainWellbeing},
		{"Sleep better and stop scrolling at night", DomainWellbeing},
		{"Quit smoking", DomainWellbeing},
		{"Reduce my stress at work", DomainWellbeing},
		{"Declutter my apartment", DomainGeneral},
		{"", DomainGeneral},
		// Tricky ones.
		{"Learn the Rust programming language", DomainStudy},     // not a spoken language
		{"Run for city council", DomainCareer},                   // not running
		{"I want to go to brunch more often", DomainGeneral},     // "run" inside a word
		{"Stop losing money on takeaways", DomainMoney},          // "lose" is not weight here
		{"Swim a mile without stopping", DomainFitness},          // miles but not a run
		{"Learn Spanish to get a job in Madrid", DomainLanguage}, // the goal is the language
		{"Work out 4 times a week", DomainFitness},               // not career "work"
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			if got := ClassifyDomain(tt.text); got != tt.want {
				t.Errorf("ClassifyDomain(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestDomainsHaveTemplatesAndQuestions(t *testing.T) {
	t.Parallel()
	for _, d := range Domains {
		if tpl := pickTemplate(d, nil); tpl.domain != d {
			t.Errorf("domain %q: default template is %q", d, tpl.domain)
		}
		if currentQuestions[d] == nil {
			t.Errorf("domain %q: no current-state question", d)
		}
		if _, ok := targetExamples[d]; !ok {
			t.Errorf("domain %q: no target examples", d)
		}
	}
}
