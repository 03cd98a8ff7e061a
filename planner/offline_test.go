package planner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
)

// monday is the "now" of the tests: Monday 4 May 2026, 09:00 UTC.
var monday = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

var offlineGoals = []struct {
	statement, domain string
}{
	{"Run a 10k", DomainRunning},
	{"Run my first marathon", DomainRunning},
	{"Start running regularly", DomainRunning},
	{"Learn conversational Spanish", DomainLanguage},
	{"Lose 5 kg", DomainFitness},
	{"Get stronger and build muscle", DomainFitness},
	{"Get fit", DomainFitness},
	{"Pass my AWS certification exam", DomainStudy},
	{"Learn Python programming", DomainStudy},
	{"Read 20 books", DomainStudy},
	{"Understand statistics", DomainStudy},
	{"Find a new job as a designer", DomainCareer},
	{"Get promoted to team lead", DomainCareer},
	{"Start a freelance business", DomainCareer},
	{"Grow my career", DomainCareer},
	{"Pay off my credit card debt", DomainMoney},
	{"Save $5000 for a house deposit", DomainMoney},
	{"Write a novel", DomainCreative},
	{"Learn to play guitar", DomainCreative},
	{"Draw every day", DomainCreative},
	{"Make pottery", DomainCreative},
	{"Sleep better", DomainWellbeing},
	{"Quit smoking", DomainWellbeing},
	{"Meditate and reduce stress", DomainWellbeing},
	{"Declutter my apartment", DomainGeneral},
}

// TestOfflineAcrossDomainsAndHorizons plans every kind of goal for many
// horizons and profiles: each plan must pass Validate, have the expected
// shape, and be the same when planned twice.
func TestOfflineAcrossDomainsAndHorizons(t *testing.T) {
	t.Parallel()
	horizons := []int{1, 2, 3, 6, 10, 12, 13, 17, 26, 40, 52}
	variations := []Request{
		{},
		{CurrentState: "complete beginner, never done this", Preferences: "mornings, 3 days a week, at home", Profile: Profile{Chronotype: flux.ChronotypeMorning}},
		{CurrentState: "I already do this regularly", Preferences: "evenings after work", Feedback: "too much, fewer sessions please\nmake it harder", Profile: Profile{Chronotype: flux.ChronotypeEvening}},
	}
	o := &Offline{}
	for _, g := range offlineGoals {
		for _, weeks := range horizons {
			for vi, v := range variations {
				req := v
				req.Statement = g.statement
				req.Timeline = fmt.Sprintf("in %d weeks", weeks)
				req.Now = monday
				name := fmt.Sprintf("%s/%dw/v%d", g.statement, weeks, vi)
				p, err := o.Plan(context.Background(), req)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if err := Validate(p); err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if p.Category != g.domain || p.Weeks != weeks || p.Planner != NameOffline {
					t.Errorf("%s: category %q weeks %d planner %q", name, p.Category, p.Weeks, p.Planner)
				}
				wantN := weeks
				if weeks > MaxWeeklyMilestones {
					wantN = min(MaxWeeklyMilestones, (weeks+1)/2)
				}
				if len(p.Milestones) != wantN {
					t.Errorf("%s: %d milestones, want %d", name, len(p.Milestones), wantN)
				}
				again, _ := o.Plan(context.Background(), req)
				if diff := cmp.Diff(p, again); diff != "" {
					t.Errorf("%s: not deterministic (-first +second):\n%s", name, diff)
				}
			}
		}
	}
}

func TestOffline10kIn10Weeks(t *testing.T) {
	t.Parallel()
	p, err := (&Offline{}).Plan(context.Background(), Request{Statement: "Run a 10k in 10 weeks", Now: monday})
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(p); err != nil {
		t.Fatal(err)
	}
	if p.Weeks != 10 || len(p.Milestones) != 10 || p.Category != DomainRunning || p.TargetDate != nil {
		t.Fatalf("weeks %d, milestones %d, category %q, target %v", p.Weeks, len(p.Milestones), p.Category, p.TargetDate)
	}
	for i, m := range p.Milestones {
		if m.Week != i+1 || len(m.Tasks) < 3 || len(m.Tasks) > 5 {
			t.Errorf("milestone %d: week %d with %d tasks", i, m.Week, len(m.Tasks))
		}
	}
	longRun := func(m Milestone) int {
		for _, task := range m.Tasks {
			if strings.HasPrefix(task.Title, "Long run") {
				return task.DurationMinutes
			}
		}
		return 0
	}
	if first, peak := longRun(p.Milestones[0]), longRun(p.Milestones[8]); first == 0 || peak <= first {
		t.Errorf("long run does not progress: week 1 %d min, week 9 %d min", first, peak)
	}
	last := p.Milestones[9]
	var race *Task
	for i := range last.Tasks {
		if strings.HasPrefix(last.Tasks[i].Title, "Race day") {
			race = &last.Tasks[i]
		}
	}
	if race == nil || race.Priority != flux.PriorityMustNotMiss || race.Recurrence != "" || !strings.Contains(race.Title, "10k") {
		t.Errorf("last week has no must-not-miss 10k race day: %+v", last.Tasks)
	}
}

func TestOfflineSpanishIsALanguagePlan(t *testing.T) {
	t.Parallel()
	p, err := (&Offline{}).Plan(context.Background(), Request{Statement: "Learn conversational Spanish by 2027-03-01", Now: monday})
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(p); err != nil {
		t.Fatal(err)
	}
	if p.Category != DomainLanguage || p.Weeks != 43 || p.TargetDate == nil || !p.TargetDate.Equal(*date(2027, 3, 1)) {
		t.Fatalf("category %q weeks %d target %v", p.Category, p.Weeks, p.TargetDate)
	}
	spanish := 0
	for _, m := range p.Milestones {
		for _, task := range m.Tasks {
			l := strings.ToLower(task.Title + " " + task.Description)
			for _, bad := range []string{"run", "workout", "gym", "weigh", "strength"} {
				if strings.Contains(l, bad) {
					t.Errorf("fitness advice in a language plan: %q", task.Title)
				}
			}
			if strings.Contains(task.Title, "Spanish") {
				spanish++
			}
		}
	}
	if spanish < len(p.Milestones) {
		t.Errorf("only %d tasks name Spanish in %d milestones", spanish, len(p.Milestones))
	}
	if !strings.HasPrefix(p.Milestones[1].Title, "Weeks 5–8") {
		t.Errorf("phase title %q", p.Milestones[1].Title)
	}
}

func TestOfflineFeedbackChangesThePlan(t *testing.T) {
	t.Parallel()
	base := Request{Statement: "Lose 5 kg in 6 weeks", Preferences: "evenings", Now: monday}
	o := &Offline{}
	before, _ := o.Plan(context.Background(), base)

	lighter := base
	lighter.Feedback = "This is too much. Fewer sessions please, and mornings instead."
	lighter.Previous = before
	after, err := o.Plan(context.Background(), lighter)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(after); err != nil {
		t.Fatal(err)
	}
	b, a := before.Milestones[5].Tasks[0], after.Milestones[5].Tasks[0] // brisk walk
	if b.TimeOfDay != Evening || a.TimeOfDay != Morning {
		t.Errorf("time of day %q -> %q, want evening -> morning", b.TimeOfDay, a.TimeOfDay)
	}
	if a.DurationMinutes >= b.DurationMinutes {
		t.Errorf("duration %d -> %d, want lighter", b.DurationMinutes, a.DurationMinutes)
	}
	if strings.Count(a.Recurrence, ",") >= strings.Count(b.Recurrence, ",") {
		t.Errorf("recurrence %q -> %q, want fewer days", b.Recurrence, a.Recurrence)
	}
	for _, s := range []string{"lighter sessions", "fewer sessions a week", "in the morning"} {
		if !strings.Contains(after.Summary, s) {
			t.Errorf("summary %q does not mention %q", after.Summary, s)
		}
	}

	harder := base
	harder.Feedback = "too easy, make it harder"
	h, _ := o.Plan(context.Background(), harder)
	if h.Milestones[5].Tasks[0].DurationMinutes <= b.DurationMinutes {
		t.Errorf("harder: %d min, before %d", h.Milestones[5].Tasks[0].DurationMinutes, b.DurationMinutes)
	}

	unknown := base
	unknown.Feedback = "hmm, purple"
	u, _ := o.Plan(context.Background(), unknown)
	if !strings.Contains(u.Summary, "couldn't turn your feedback") {
		t.Errorf("summary for unusable feedback: %q", u.Summary)
	}
}

func TestOfflineStartingLevel(t *testing.T) {
	t.Parallel()
	plan := func(current string) int {
		p, _ := (&Offline{}).Plan(context.Background(), Request{Statement: "Run a 5k in 8 weeks", CurrentState: current, Now: monday})
		return p.Milestones[0].Tasks[1].DurationMinutes // week 1 long run
	}
	beginner, neutral, experienced := plan("never run before"), plan(""), plan("I already run regularly")
	if beginner >= neutral || neutral >= experienced {
		t.Errorf("week-1 long run: beginner %d, neutral %d, experienced %d", beginner, neutral, experienced)
	}
}

func TestOfflineTimeOfDay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		chrono, prefs, want string
	}{
		{"", "", Morning},
		{flux.ChronotypeEvening, "", Evening},
		{flux.ChronotypeMorning, "evenings work best", Evening},
		{"", "at 6:30am", "06:30"},
		{"", "around 18:15", "18:15"},
		{"", "at lunch", "12:30"},
		{"", "mornings or evenings", Morning}, // mixed: no override
	}
	for _, tt := range tests {
		p, _ := (&Offline{}).Plan(context.Background(), Request{Statement: "Run a 5k", Preferences: tt.prefs, Profile: Profile{Chronotype: tt.chrono}, Now: monday})
		if got := p.Milestones[0].Tasks[0].TimeOfDay; got != tt.want {
			t.Errorf("chronotype %q prefs %q: %q, want %q", tt.chrono, tt.prefs, got, tt.want)
		}
	}
}

func TestOfflineSavingPace(t *testing.T) {
	t.Parallel()
	p, _ := (&Offline{}).Plan(context.Background(), Request{Statement: "Save $5,000 for a deposit in 6 months", Now: monday})
	if d := p.Milestones[0].Tasks[0].Description; !strings.Contains(d, "About $193 a week reaches $5,000 in 26 weeks.") {
		t.Errorf("no saving pace in %q", d)
	}
}

func TestOfflineRetrieverSources(t *testing.T) {
	t.Parallel()
	var gotQuery string
	r := RetrieverFunc(func(_ context.Context, q string, k int) ([]Passage, error) {
		gotQuery = q
		return []Passage{
			{Title: "Couch to 5K", Source: "https://www.nhs.uk/c25k", Text: "Run three times a week.", Score: 0.8},
			{Title: "couch to 5k", Source: "https://www.nhs.uk/c25k", Text: "Rest days matter.", Score: 0.7},
			{Title: "Physical activity guidelines", Source: "https://www.cdc.gov/pa", Text: "150 minutes a week.", Score: 0.5},
		}, nil
	})
	p, err := (&Offline{Retriever: r}).Plan(context.Background(), Request{Statement: "Run a 5k", Target: "finish", Preferences: "mornings", Now: monday})
	if err != nil {
		t.Fatal(err)
	}
	want := []flux.Source{{Title: "Couch to 5K", Source: "https://www.nhs.uk/c25k"}, {Title: "Physical activity guidelines", Source: "https://www.cdc.gov/pa"}}
	if diff := cmp.Diff(want, p.Sources); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	if gotQuery != "Run a 5k finish mornings" {
		t.Errorf("query %q", gotQuery)
	}
	found := false
	for _, task := range p.Milestones[0].Tasks {
		found = found || task.Title == "Read: Couch to 5K"
	}
	if !found || Validate(p) != nil {
		t.Errorf("no reading task in week 1, or invalid: %v", Validate(p))
	}

	failing := RetrieverFunc(func(context.Context, string, int) ([]Passage, error) { return nil, errors.New("index down") })
	p, err = (&Offline{Retriever: failing}).Plan(context.Background(), Request{Statement: "Run a 5k", Now: monday})
	if err != nil || len(p.Sources) != 0 {
		t.Errorf("failing retriever: %v, sources %v", err, p.Sources)
	}
}

func TestOfflineErrors(t *testing.T) {
	t.Parallel()
	if _, err := (&Offline{}).Plan(context.Background(), Request{Statement: "  "}); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("empty statement: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Offline{}).Plan(ctx, Request{Statement: "Run"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestOfflineUsesClockWhenNowIsZero(t *testing.T) {
	t.Parallel()
	o := &Offline{Clock: flux.ClockFunc(func() time.Time { return monday })}
	p, _ := o.Plan(context.Background(), Request{Statement: "Run a 5k by June 1"})
	if p.Weeks != 4 || !p.TargetDate.Equal(*date(2026, 6, 1)) {
		t.Errorf("weeks %d target %v", p.Weeks, p.TargetDate)
	}
}

func TestMilestoneStarts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		weeks int
		want  []int
	}{
		{1, []int{1}},
		{12, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{13, []int{1, 3, 5, 7, 9, 11, 13}},
		{26, []int{1, 4, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25}},
		{52, []int{1, 6, 11, 16, 21, 25, 29, 33, 37, 41, 45, 49}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, milestoneStarts(tt.weeks)); diff != "" {
			t.Errorf("%d weeks (-want +got):\n%s", tt.weeks, diff)
		}
	}
}

func TestRaceOf(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"Run a 10k in half a year":         "10k",
		"Run a half marathon":              "half marathon",
		"run my first half-marathon":       "half marathon",
		"Finish the Berlin marathon":       "marathon",
		"Couch to 5k":                      "5k",
		"run 10 km without stopping":       "10k",
		"start running three times a week": "",
	} {
		if got := raceOf(tokenize(text)).label; got != want {
			t.Errorf("raceOf(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestCleanTitle(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"i want to run a 10k!":     "Run a 10k",
		"  Learn   Spanish.  ":     "Learn Spanish",
		"Help me save money":       "Save money",
		"???":                      "My goal",
		strings.Repeat("a", 200):   strings.Repeat("a", 119) + "…",
		"I'd like to write a book": "Write a book",
	} {
		if got := cleanTitle(in); got != strings.ToUpper(want[:1])+want[1:] {
			t.Errorf("cleanTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkOfflinePlan12Weeks(b *testing.B) {
	o := &Offline{}
	req := Request{Statement: "Run a half marathon in 12 weeks", CurrentState: "I run 5k twice a week", Preferences: "mornings, 4 days a week", Now: monday}
	for b.Loop() {
		if _, err := o.Plan(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
