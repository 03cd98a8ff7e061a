package planner

import (
	"strings"
	"unicode"
)

// Domains a goal can belong to; Plan.Category is one of them.
const (
	DomainFitness   = "fitness"   // strength, weight, general fitness
	DomainRunning   = "running"   // 5k to marathon
	DomainLanguage  = "language"  // learning a language
	DomainStudy     = "study"     // exams, courses, programming, reading
	DomainCareer    = "career"    // job search, promotion, business
	DomainMoney     = "money"     // saving, debt, budgeting, investing
	DomainCreative  = "creative"  // writing, music, visual arts
	DomainWellbeing = "wellbeing" // sleep, stress, mindfulness, habits
	DomainGeneral   = "general"   // anything else
)

// Domains lists every domain, in the order ClassifyDomain breaks ties.
var Domains = []string{
	DomainRunning, DomainLanguage, DomainFitness, DomainMoney, DomainCareer,
	DomainCreative, DomainWellbeing, DomainStudy, DomainGeneral,
}

// keyword is a word or phrase with its weight for one domain. A word ending
// in "*" matches as a prefix; a phrase (several words) matches whole words
// in sequence. A negative weight counts against the domain ("run for
// office" is not running).
type keyword struct {
	text   string
	weight int
}

var domainKeywords = map[string][]keyword{
	DomainRunning: {
		{"run", 3}, {"runs", 3}, {"running", 3}, {"runner", 3}, {"jog*", 3}, {"5k", 3}, {"10k", 3},
		{"marathon", 4}, {"half marathon", 2}, {"ultra", 2}, {"couch to 5k", 3}, {"parkrun", 4},
		{"race", 1}, {"sprint", 1}, {"trail", 1}, {"km", 1}, {"miles", 1}, {"mile", 1},
		{"run for", -3}, {"run a business", -6}, {"run my own", -6}, {"run the", -2}, {"run out", -3},
	},
	DomainLanguage: {
		{"language", 2}, {"languages", 2}, {"fluent", 3}, {"fluency", 3}, {"conversational", 3},
		{"duolingo", 4}, {"vocabulary", 2}, {"speak", 1}, {"speaking", 1}, {"bilingual", 3},
		{"spanish", 4}, {"french", 4}, {"german", 4}, {"italian", 4}, {"portuguese", 4},
		{"japanese", 4}, {"mandarin", 4}, {"chinese", 4}, {"cantonese", 4}, {"korean", 4},
		{"arabic", 4}, {"russian", 4}, {"hindi", 4}, {"dutch", 4}, {"swedish", 4},
		{"norwegian", 4}, {"danish", 4}, {"greek", 3}, {"turkish", 4}, {"polish", 3},
		{"hebrew", 4}, {"vietnamese", 4}, {"thai", 3}, {"indonesian", 4}, {"ukrainian", 4},
		{"english", 3}, {"latin", 2}, {"sign language", 3}, {"asl", 4}, {"jlpt", 5}, {"dele", 5},
		{"delf", 5}, {"ielts", 5}, {"toefl", 5}, {"hsk", 5},
		{"programming language", -6}, {"body language", -6}, {"love language", -6},
	},
	DomainFitness: {
		{"fitness", 3}, {"fit", 2}, {"fitter", 3}, {"gym", 3}, {"workout*", 3}, {"exercise", 3},
		{"exercising", 3}, {"strength", 3}, {"stronger", 3}, {"muscle*", 3}, {"weight", 2},
		{"lose", 2}, {"loose", 1}, {"pounds", 2}, {"kg", 2}, {"kilo*", 2}, {"lbs", 2}, {"lb", 2},
		{"fat", 2}, {"tone", 2}, {"toned", 3}, {"slim", 2}, {"lean", 2}, {"bulk", 2}, {"abs", 2},
		{"push ups", 3}, {"pushups", 3}, {"pull ups", 3}, {"pullups", 3}, {"squat*", 3},
		{"deadlift*", 3}, {"bench", 2}, {"cardio", 3}, {"hiit", 3}, {"swim*", 2}, {"cycling", 2},
		{"cycle", 1}, {"bike", 1}, {"diet", 2}, {"calories", 2}, {"healthy eating", 2},
		{"in shape", 3}, {"shape", 1}, {"pilates", 3}, {"crossfit", 4}, {"flexib*", 2},
		{"lose weight", 3}, {"weight loss", 3}, {"body", 1}, {"wedding", 0},
		{"work out", 3}, {"working out", 3},
		{"lose money", -4}, {"weight of", -2},
	},
	DomainMoney: {
		{"save", 3}, {"saving", 3}, {"savings", 3}, {"money", 3}, {"budget*", 3}, {"debt", 4},
		{"debts", 4}, {"pay off", 3}, {"loan*", 3}, {"mortgage", 3}, {"invest*", 3},
		{"retirement", 3}, {"emergency fund", 4}, {"credit card", 3}, {"spending", 2},
		{"spend", 1}, {"income", 2}, {"financial*", 3}, {"finance*", 3}, {"down payment", 4},
		{"deposit", 2}, {"$", 2}, {"€", 2}, {"£", 2}, {"dollars", 2}, {"euros", 2},
		{"net worth", 4}, {"stocks", 2}, {"frugal", 3}, {"expenses", 2}, {"bills", 2},
	},
	DomainCareer: {
		{"job", 3}, {"jobs", 3}, {"career", 4}, {"promotion", 4}, {"promoted", 4},
		{"interview*", 3}, {"resume", 3}, {"cv", 3}, {"linkedin", 3}, {"network*", 2},
		{"raise", 2}, {"salary", 2}, {"manager", 2}, {"leadership", 2}, {"business", 3},
		{"startup", 3}, {"clients", 3}, {"client", 2}, {"freelanc*", 3}, {"side hustle", 3},
		{"hired", 3}, {"hire", 1}, {"role", 1}, {"work", 1}, {"work out", -1}, {"professional", 2},
		{"public speaking", 2}, {"run my own", 4}, {"run a business", 4}, {"entrepreneur*", 3},
		{"customers", 2}, {"sales", 2}, {"company", 1}, {"office", 1}, {"council", 2},
		{"election", 2},
	},
	DomainCreative: {
		{"write", 2}, {"writing", 3}, {"novel", 4}, {"poem*", 3}, {"poetry", 3}, {"story", 2},
		{"stories", 2}, {"screenplay", 4}, {"paint*", 3}, {"draw*", 3}, {"sketch*", 3},
		{"illustrat*", 3}, {"guitar", 4}, {"piano", 4}, {"violin", 4}, {"drum*", 3},
		{"ukulele", 4}, {"bass", 2}, {"cello", 4}, {"saxophone", 4}, {"flute", 4}, {"sing*", 3},
		{"music", 3}, {"song*", 3}, {"compose", 3}, {"instrument", 3}, {"photograph*", 3},
		{"photo*", 2}, {"film*", 2}, {"video*", 2}, {"podcast", 3}, {"blog", 3}, {"knit*", 4},
		{"sew*", 3}, {"crochet", 4}, {"pottery", 4}, {"ceramics", 4}, {"craft*", 2},
		{"dance", 3}, {"dancing", 3}, {"art", 2}, {"artist", 3}, {"creative", 3},
		{"design", 1}, {"chord*", 3}, {"book", 1}, {"chapter*", 2}, {"manuscript", 4},
		{"calligraphy", 4}, {"watercolo*", 4},
	},
	DomainWellbeing: {
		{"meditat*", 4}, {"mindful*", 4}, {"stress*", 3}, {"anxiety", 3}, {"anxious", 3},
		{"sleep*", 3}, {"insomnia", 3}, {"calm*", 2}, {"journal*", 2}, {"gratitude", 3},
		{"burnout", 3}, {"mental health", 4}, {"therapy", 2}, {"relax*", 2}, {"screen time", 4},
		{"social media", 3}, {"phone", 1}, {"happier", 3}, {"happiness", 3}, {"self care", 4},
		{"breath*", 2}, {"yoga", 2}, {"balance", 1}, {"digital detox", 4}, {"alcohol", 3},
		{"drink less", 3}, {"sober", 3}, {"smoking", 4}, {"quit", 1}, {"habit*", 1},
		{"wellbeing", 4}, {"well being", 4}, {"wellness", 3}, {"mood", 2}, {"loneli*", 3},
		{"friends", 1}, {"procrastinat*", 2}, {"present", 1}, {"rest", 1},
	},
	DomainStudy: {
		{"study", 3}, {"studying", 3}, {"exam*", 4}, {"test", 2}, {"gre", 4}, {"gmat", 4},
		{"sat", 2}, {"lsat", 4}, {"mcat", 4}, {"bar exam", 4}, {"certif*", 4}, {"course*", 3},
		{"degree", 3}, {"thesis", 4}, {"dissertation", 4}, {"learn", 1}, {"learning", 1},
		{"math*", 3}, {"calculus", 4}, {"algebra", 4}, {"statistics", 3}, {"physics", 4},
		{"chemistry", 4}, {"biology", 4}, {"history", 2}, {"programming", 4}, {"coding", 4},
		{"code", 3}, {"python", 4}, {"javascript", 4}, {"java", 3}, {"golang", 4}, {"rust", 2},
		{"sql", 3}, {"data science", 4}, {"machine learning", 4}, {"aws", 3}, {"read", 2},
		{"reading", 2}, {"books", 2}, {"class", 2}, {"classes", 2}, {"university", 2},
		{"school", 2}, {"grade*", 2}, {"pass", 1}, {"homework", 3}, {"programming language", 6},
		{"skill*", 1}, {"chess", 3},
	},
}

// ClassifyDomain returns the domain of a goal statement, one of Domains:
// the domain whose keywords weigh most in the text, ties broken in the
// order of Domains, and DomainGeneral when nothing matches. Words match
// whole (a "run" inside "brunch" does not count) and phrases override
// single words ("run my own business" is career, "programming language" is
// study).
func ClassifyDomain(text string) string {
	words := tokenize(text)
	if len(words) == 0 {
		return DomainGeneral
	}
	best, bestScore := DomainGeneral, 0
	for _, d := range Domains {
		score := 0
		for _, kw := range domainKeywords[d] {
			score += kw.weight * countMatches(words, kw.text)
		}
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// tokenize lower-cases text and splits it into words of letters and digits;
// currency symbols are words of their own and hyphens, apostrophes and
// other punctuation separate words.
func tokenize(text string) []string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur.WriteRune(r)
		case r == '$' || r == '€' || r == '£':
			flush()
			words = append(words, string(r))
		default:
			flush()
		}
	}
	flush()
	return words
}

// countMatches counts the occurrences of a keyword (a word, a "prefix*",
// or a phrase of several words) in words, capped at 2 so one repeated word
// cannot dominate.
func countMatches(words []string, kw string) int {
	parts := strings.Fields(kw)
	n := 0
	for i := 0; i+len(parts) <= len(words); i++ {
		ok := true
		for j, p := range parts {
			if !wordMatches(words[i+j], p) {
				ok = false
				break
			}
		}
		if ok {
			n++
		}
	}
	return min(n, 2)
}

func wordMatches(w, p string) bool {
	if prefix, ok := strings.CutSuffix(p, "*"); ok {
		return strings.HasPrefix(w, prefix)
	}
	return w == p
}

// languageNames maps the lower-case language names ClassifyDomain knows to
// how they are written.
var languageNames = []string{
	"Spanish", "French", "German", "Italian", "Portuguese", "Japanese", "Mandarin", "Chinese",
	"Cantonese", "Korean", "Arabic", "Russian", "Hindi", "Dutch", "Swedish", "Norwegian",
	"Danish", "Greek", "Turkish", "Polish", "Hebrew", "Vietnamese", "Thai", "Indonesian",
	"Ukrainian", "English", "Latin",
}

// languageName returns the language a statement names ("Spanish"), or "".
func languageName(text string) string {
	words := tokenize(text)
	for _, w := range words {
		for _, n := range languageNames {
			if w == strings.ToLower(n) {
				return n
			}
		}
	}
	if countMatches(words, "sign language") > 0 || countMatches(words, "asl") > 0 {
		return "sign language"
	}
	return ""
}
