package planner

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// Offline is the deterministic planner: it needs no network and no key,
// and is the embedded default and the LLM planner's fallback.
//
// It recognises the goal's domain (ClassifyDomain) and a variant within it
// (a race distance, weight loss or strength, an exam or programming, a job
// search or a promotion, ...), reads the horizon (ParseTimeline; 6 weeks
// when none is given) and builds a progressive plan from per-domain task
// templates scaled to the horizon: one milestone per week up to 12 weeks,
// phases of 2–5 weeks beyond, durations and amounts growing from the first
// milestone to the last and a closing task (race day, exam day, a final
// check-in) in the last one. The user's starting level (from CurrentState),
// preferences (time of day, "3 days a week", gym or home) and re-plan
// Feedback ("fewer sessions", "harder", "mornings instead") adjust it, and
// the chronotype picks times of day. The same request always gives the
// same plan.
type Offline struct {
	// Retriever, when set, is asked for articles about the goal (with a
	// 30-second timeout); they are cited as Sources and the best one
	// becomes a reading task in the first milestone. A retrieval error
	// leaves the plan without sources.
	Retriever Retriever
	// Clock supplies the time when Request.Now is zero; nil means the
	// system clock.
	Clock flux.Clock
}

var _ Planner = (*Offline)(nil)

// Plan builds the plan for req. It fails only when ctx has ended or the
// statement is empty.
func (o *Offline) Plan(ctx context.Context, req Request) (*Plan, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("offline planner: %w", err)
	}
	if strings.TrimSpace(req.Statement) == "" {
		return nil, flux.Invalid("the goal is empty", flux.FieldError{Field: "statement", Message: "is required"})
	}
	if req.Now.IsZero() {
		clock := o.Clock
		if clock == nil {
			clock = flux.SystemClock{}
		}
		req.Now = clock.Now()
	}
	var passages []Passage
	if o.Retriever != nil {
		rctx, cancel := context.WithTimeout(ctx, offlineRetrievalTimeout)
		ps, err := o.Retriever.Retrieve(rctx, retrievalQuery(req), 3)
		cancel()
		if err == nil {
			passages = ps
		} else if ctx.Err() != nil {
			return nil, fmt.Errorf("offline planner: %w", ctx.Err())
		}
	}
	return buildOffline(req, passages), nil
}

// offlineRetrievalTimeout bounds the offline planner's retrieval.
const offlineRetrievalTimeout = 30 * time.Second

// planCtx is what the offline planner derived from a request.
type planCtx struct {
	tpl       *template
	weeks     int
	level     float64 // start multiplier from the current state
	intensity float64 // overall multiplier from feedback
	fewer     bool    // feedback asked for fewer sessions
	maxPerWk  int     // sessions a week at most (0: no cap)
	tod       string  // time-of-day override ("" none)
	chrono    string
	race      raceInfo
	repl      *strings.Replacer
	notes     []string // what was adjusted, for the summary
	reading   bool     // a reading task was added to week 1
}

type raceInfo struct {
	label              string // "10k", "" when no race
	easy, long, racing int    // minutes: easy run and long run at the end, the race
	minWeeks           int    // a comfortable build-up
}

func buildOffline(req Request, passages []Passage) *Plan {
	text := strings.Join([]string{req.Statement, req.Target}, " ")
	domain := ClassifyDomain(req.Statement)
	if domain == DomainGeneral {
		domain = ClassifyDomain(text)
	}
	weeks, target := horizon(req)
	c := &planCtx{weeks: weeks, level: 1, intensity: 1, chrono: req.Profile.Chronotype}
	c.tpl = pickTemplate(domain, tokenize(text))
	c.race = raceOf(tokenize(text))

	// Starting level, preferences, then feedback (latest wins).
	c.level = levelOf(req.CurrentState)
	if tod := timeOfDayIn(req.Preferences); tod != "" {
		c.tod = tod
	}
	c.maxPerWk = perWeekIn(req.Preferences)
	place := placeIn(req.Preferences)
	// Feedback: one request per line, applied in order.
	for _, fb := range strings.Split(req.Feedback, "\n") {
		if strings.TrimSpace(fb) != "" {
			place = c.applyFeedback(fb, place)
		}
	}
	equipment := "At home or at the gym."
	switch place {
	case "home":
		equipment = "At home: bodyweight moves, plus dumbbells or a loaded backpack if you have them."
	case "gym":
		equipment = "At the gym: free weights or machines."
	}
	lang := languageName(text)
	if lang == "" {
		lang = "Target-language"
	}
	c.repl = strings.NewReplacer(
		"{lang}", lang,
		"{instrument}", instrumentOf(tokenize(text)),
		"{race}", c.race.label,
		"{equipment}", equipment,
		"{pace}", savingPace(text, weeks),
	)

	starts := milestoneStarts(weeks)
	p := &Plan{
		Title:      cleanTitle(req.Statement),
		Category:   domain,
		Weeks:      weeks,
		TargetDate: target,
		Sources:    []flux.Source{},
		Planner:    NameOffline,
	}
	for i, w := range starts {
		p.Milestones = append(p.Milestones, c.milestone(i, len(starts), w, endOf(starts, i, weeks)))
	}
	if len(passages) > 0 {
		p.Sources = sourcesOf(passages)
		if m := &p.Milestones[0]; len(m.Tasks) < MaxTasks && len(p.Sources) > 0 {
			best := p.Sources[0]
			c.reading = true
			m.Tasks = append(m.Tasks, Task{
				Title:           truncate("Read: "+best.Title, maxTitleRunes),
				Description:     strings.TrimSpace("Expert background for this plan. " + best.Source),
				DurationMinutes: 15,
				TimeOfDay:       c.timeOfDay(slotLight),
				Priority:        flux.PriorityStandard,
			})
		}
	}
	p.Summary = c.summary(p, req)
	return p
}

// applyFeedback applies one change request and returns the training place.
func (c *planCtx) applyFeedback(fb, place string) string {
	w := tokenize(fb)
	switch {
	case hasAny(w, "easier", "lighter", "less", "shorter", "exhausting", "tired", "overwhelming", "too much", "too hard", "too long", "too many", "reduce", "busy", "gentler"):
		c.intensity = 0.8
		c.note("lighter sessions")
	case hasAny(w, "harder", "more intense", "challenging", "too easy", "longer", "push me", "increase", "tougher", "more volume", "step it up"):
		c.intensity = 1.2
		c.note("more challenging sessions")
	}
	if hasAny(w, "fewer", "less often", "too many", "not every day", "fewer days") {
		c.fewer = true
		c.note("fewer sessions a week")
	}
	if tod := timeOfDayIn(fb); tod != "" {
		c.tod = tod
		c.note("sessions " + describeTOD(tod))
	}
	if p := placeIn(fb); p != "" {
		place = p
		c.note(map[string]string{"home": "workouts at home", "gym": "workouts at the gym"}[p])
	}
	if n := perWeekIn(fb); n > 0 {
		c.maxPerWk = n
		c.note(fmt.Sprintf("at most %d days a week per activity", n))
	}
	return place
}

// note records an adjustment for the summary, once.
func (c *planCtx) note(s string) {
	if !slices.Contains(c.notes, s) {
		c.notes = append(c.notes, s)
	}
}

// milestoneStarts returns the first week of each milestone: every week up
// to 12 weeks; beyond, at most 12 phases of near-equal length (longer
// phases first) of at least 2 weeks.
func milestoneStarts(weeks int) []int {
	if weeks <= MaxWeeklyMilestones {
		out := make([]int, weeks)
		for i := range out {
			out[i] = i + 1
		}
		return out
	}
	n := min(MaxWeeklyMilestones, (weeks+1)/2)
	base, rem := weeks/n, weeks%n
	out := make([]int, 0, n)
	w := 1
	for i := range n {
		out = append(out, w)
		w += base
		if i < rem {
			w++
		}
	}
	return out
}

func endOf(starts []int, i, weeks int) int {
	if i+1 < len(starts) {
		return starts[i+1] - 1
	}
	return weeks
}

// milestone builds milestone i of n, covering weeks from..to.
func (c *planCtx) milestone(i, n, from, to int) Milestone {
	final := i == n-1
	first := i == 0
	prog := 1.0
	if n > 1 {
		prog = float64(i) / float64(n-1)
	}
	stages := c.tpl.stages
	stage := stages[len(stages)-1]
	if !final {
		stage = stages[min(len(stages)-2, int(prog*float64(len(stages)-1)))]
	}
	title := stage
	if c.weeks > MaxWeeklyMilestones {
		if from == to {
			title = fmt.Sprintf("Week %d: %s", from, stage)
		} else {
			title = fmt.Sprintf("Weeks %d–%d: %s", from, to, stage)
		}
	}
	var tasks []Task
	var prios []int
	for _, tr := range c.tpl.tracks {
		switch tr.when {
		case notFinal:
			if final {
				continue
			}
		case finalOnly:
			if !final {
				continue
			}
		case firstOnly:
			if !first {
				continue
			}
		}
		if hi := cmp.Or(tr.to, 1); prog < tr.from || prog > hi {
			continue
		}
		tasks = append(tasks, c.task(tr, prog, final))
		prios = append(prios, tr.prio.Rank())
	}
	// Keep 3–5 tasks: drop the least important (latest first) beyond 5.
	for len(tasks) > MaxTasks {
		drop := len(tasks) - 1
		for j := len(tasks) - 1; j >= 0; j-- {
			if prios[j] < prios[drop] {
				drop = j
			}
		}
		tasks = append(tasks[:drop], tasks[drop+1:]...)
		prios = append(prios[:drop], prios[drop+1:]...)
	}
	for _, extra := range []Task{
		{Title: "Weekly review: what went well and what to change", Description: "Look back at the week and adjust next week's plan.", DurationMinutes: 15, Recurrence: "FREQ=WEEKLY;BYDAY=SU", Priority: flux.PriorityStandard},
		{Title: "Prepare for next week: put sessions in your calendar", Description: "Block the times now so the week starts decided.", DurationMinutes: 10, Recurrence: "FREQ=WEEKLY;BYDAY=SU", Priority: flux.PriorityStandard},
	} {
		if len(tasks) >= MinTasks {
			break
		}
		extra.TimeOfDay = c.timeOfDay(slotLight)
		tasks = append(tasks, extra)
	}
	return Milestone{Week: from, Title: title, Tasks: tasks}
}

// task instantiates a track at plan progress prog.
func (c *planCtx) task(tr track, prog float64, final bool) Task {
	lo, hi := tr.min[0], tr.min[1]
	if c.tpl.domain == DomainRunning {
		switch {
		case strings.HasPrefix(tr.title, "Easy run"):
			hi = c.race.easy
		case strings.HasPrefix(tr.title, "Long run"):
			hi = c.race.long
		case strings.HasPrefix(tr.title, "Race day"):
			lo, hi = c.race.racing, c.race.racing
		}
	}
	if hi == 0 {
		hi = lo
	}
	minutes := scale(lo, hi, prog, c.level) * c.intensity
	if final && tr.taper > 0 {
		minutes *= tr.taper
	}
	mins := roundMinutes(minutes)
	amount := 0
	if tr.n != [2]int{} {
		amount = max(1, int(math.Round(scale(tr.n[0], tr.n[1], prog, c.level)*c.intensity)))
		if tr.n[1] >= 100 {
			amount = int(math.Round(float64(amount)/50)) * 50
			amount = max(50, amount)
		}
	}
	title, desc := tr.title, tr.desc
	if c.tpl.domain == DomainRunning && c.race.label == "" && strings.HasPrefix(title, "Race day") {
		title = "Benchmark run: {min} min without stopping"
		desc = "Run continuously at an easy pace for the whole time, walking only if you must. Compare with how week 1 felt."
		mins = roundMinutes(float64(c.race.long) * 0.6)
	}
	r := strings.NewReplacer("{min}", fmt.Sprint(mins), "{n}", fmt.Sprint(amount))
	title = c.repl.Replace(r.Replace(title))
	desc = c.repl.Replace(r.Replace(desc))
	days := tr.days
	if tr.days2 != "" && prog >= 0.5 {
		days = tr.days2
	}
	days = c.capDays(days)
	if f := frequencyPhrase(days); f != "" {
		desc += " " + f + "."
	}
	return Task{
		Title:           truncate(title, maxTitleRunes),
		Description:     desc,
		DurationMinutes: mins,
		Recurrence:      ruleOf(days),
		TimeOfDay:       c.timeOfDay(tr.slot),
		Priority:        tr.prio,
	}
}

// scale interpolates from lo (scaled by the starting level, never past hi
// when rising) to hi at progress p.
func scale(lo, hi int, p, level float64) float64 {
	start := float64(lo) * level
	if hi > lo && start > float64(hi) {
		start = float64(hi)
	}
	return start + (float64(hi)-start)*p
}

func roundMinutes(m float64) int {
	v := int(math.Round(m/5)) * 5
	return max(MinDurationMinutes, min(MaxDurationMinutes, v))
}

var weekdayOrder = []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}

var weekdayLong = map[string]string{"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}

var weekdayFull = map[string]string{"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday", "SU": "Sunday"}

// capDays applies the per-week cap and the "fewer sessions" feedback.
func (c *planCtx) capDays(days string) string {
	if days == "" {
		return ""
	}
	list := weekdayOrder
	if days != "DAILY" {
		list = strings.Split(days, ",")
	}
	limit := len(list)
	if c.fewer && limit > 1 {
		limit--
		if days == "DAILY" {
			limit = 5
		}
	}
	if c.maxPerWk > 0 && c.maxPerWk < limit {
		limit = c.maxPerWk
	}
	if limit >= len(list) {
		return days
	}
	out := make([]string, 0, limit)
	for i := range limit {
		out = append(out, list[i*len(list)/limit])
	}
	return strings.Join(out, ",")
}

func ruleOf(days string) string {
	switch days {
	case "":
		return ""
	case "DAILY":
		return "FREQ=DAILY"
	}
	return "FREQ=WEEKLY;BYDAY=" + days
}

func frequencyPhrase(days string) string {
	switch days {
	case "":
		return ""
	case "DAILY":
		return "Every day"
	}
	list := strings.Split(days, ",")
	names := make([]string, len(list))
	for i, d := range list {
		names[i] = weekdayLong[d]
	}
	if len(list) == 1 {
		return "Weekly on " + weekdayFull[list[0]]
	}
	return fmt.Sprintf("%d× a week (%s)", len(list), strings.Join(names, ", "))
}

func (c *planCtx) timeOfDay(s slot) string {
	switch s {
	case slotWork:
		return Afternoon
	case slotMorning:
		return Morning
	case slotEvening:
		return Evening
	}
	if c.tod != "" {
		return c.tod
	}
	switch s {
	case slotActive:
		if c.chrono == flux.ChronotypeEvening {
			return Evening
		}
		return Morning
	case slotFocus:
		if c.chrono == flux.ChronotypeMorning {
			return Morning
		}
		return Evening
	case slotWeekend:
		if c.chrono == flux.ChronotypeEvening {
			return Afternoon
		}
		return Morning
	}
	return Evening
}

func describeTOD(tod string) string {
	switch tod {
	case Morning, Afternoon, Evening:
		return "in the " + tod
	}
	return "at " + tod
}

func (c *planCtx) summary(p *Plan, req Request) string {
	var b strings.Builder
	label := c.tpl.label
	if label != "" {
		label += " "
	}
	unit := "one milestone per week"
	if p.Weeks > MaxWeeklyMilestones {
		unit = fmt.Sprintf("%d phases", len(p.Milestones))
	}
	fmt.Fprintf(&b, "A %d-week %splan (%s) that starts with %q and builds gradually to %q.",
		p.Weeks, label, unit, c.tpl.stages[0], c.tpl.stages[len(c.tpl.stages)-1])
	switch {
	case c.level < 1:
		b.WriteString(" It starts gently because you are starting out.")
	case c.level > 1:
		b.WriteString(" It starts a step up because you already have a base.")
	}
	if c.tpl.domain == DomainRunning && c.race.label != "" && p.Weeks < c.race.minWeeks {
		fmt.Fprintf(&b, " %d weeks is short for a %s (about %d is comfortable): listen to your body, walk breaks are fine, and a later race is a good option.", p.Weeks, c.race.label, c.race.minWeeks)
	}
	if len(c.notes) > 0 {
		fmt.Fprintf(&b, " Updated for your feedback: %s.", strings.Join(c.notes, ", "))
	} else if strings.TrimSpace(req.Feedback) != "" {
		b.WriteString(" I couldn't turn your feedback into a specific change offline; tell me what to make lighter, harder, fewer, or move to mornings or evenings.")
	}
	if c.reading {
		b.WriteString(" Background reading from the article library is in week 1.")
	}
	return b.String()
}

// pickTemplate chooses the template of a domain's variant.
func pickTemplate(domain string, words []string) *template {
	variant := ""
	switch domain {
	case DomainFitness:
		switch {
		case hasAny(words, "lose", "loose", "weight", "fat", "kg", "kilo*", "lbs", "lb", "pounds", "slim", "diet", "calories"):
			variant = "weightloss"
		case hasAny(words, "strength", "stronger", "muscle*", "lift*", "deadlift*", "squat*", "bench", "bulk", "pull ups", "pullups", "powerlifting"):
			variant = "strength"
		}
	case DomainStudy:
		switch {
		case hasAny(words, "exam*", "test", "certif*", "gre", "gmat", "lsat", "mcat", "sat", "bar exam", "pass", "finals"):
			variant = "exam"
		case hasAny(words, "programming", "coding", "code", "python", "javascript", "java", "golang", "rust", "sql", "developer", "app", "web", "software"):
			variant = "coding"
		case hasAny(words, "read", "reading", "books", "book"):
			variant = "reading"
		}
	case DomainCareer:
		switch {
		case hasAny(words, "job", "jobs", "interview*", "resume", "cv", "hired", "apply", "applications", "new role", "switch careers", "career change"):
			variant = "jobsearch"
		case hasAny(words, "business", "startup", "clients", "client", "freelanc*", "customers", "side hustle", "entrepreneur*", "launch", "shop"):
			variant = "business"
		case hasAny(words, "promot*", "raise", "manager", "leadership", "senior", "lead", "principal"):
			variant = "promotion"
		}
	case DomainMoney:
		if hasAny(words, "debt*", "pay off", "loan*", "credit card", "overdraft") {
			variant = "debt"
		}
	case DomainCreative:
		switch {
		case hasAny(words, "guitar", "piano", "violin", "drum*", "ukulele", "bass", "cello", "saxophone", "flute", "sing*", "music", "song*", "compose", "chord*", "instrument"):
			variant = "music"
		case hasAny(words, "writ*", "novel", "poem*", "poetry", "story", "stories", "screenplay", "book", "blog", "chapter*", "manuscript"):
			variant = "writing"
		case hasAny(words, "paint*", "draw*", "sketch*", "illustrat*", "photograph*", "watercolo*", "calligraphy", "art", "artist"):
			variant = "visual"
		}
	case DomainWellbeing:
		switch {
		case hasAny(words, "sleep*", "insomnia", "bed", "bedtime", "rested"):
			variant = "sleep"
		case hasAny(words, "quit", "smoking", "alcohol", "drink less", "drinking", "sober", "screen time", "social media", "phone", "digital detox", "vaping", "cut down"):
			variant = "habit"
		}
	}
	var fallback *template
	for i := range templates {
		t := &templates[i]
		if t.domain != domain {
			continue
		}
		if t.variant == variant {
			return t
		}
		if t.variant == "" || fallback == nil {
			fallback = t
		}
	}
	if fallback == nil {
		return pickTemplate(DomainGeneral, nil)
	}
	return fallback
}

func hasAny(words []string, kws ...string) bool {
	for _, k := range kws {
		if countMatches(words, k) > 0 {
			return true
		}
	}
	return false
}

func raceOf(words []string) raceInfo {
	switch {
	case hasAny(words, "half marathon", "halfmarathon", "21k", "21km", "13 1 miles"):
		return raceInfo{label: "half marathon", easy: 45, long: 120, racing: 180, minWeeks: 10}
	case hasAny(words, "marathon", "42k", "42km", "26 2"):
		return raceInfo{label: "marathon", easy: 50, long: 180, racing: 240, minWeeks: 16}
	case hasAny(words, "10k", "10km", "10 km", "10 k", "10 kilometers", "10 kilometres", "6 miles"):
		return raceInfo{label: "10k", easy: 40, long: 70, racing: 90, minWeeks: 8}
	case hasAny(words, "5k", "5km", "5 km", "5 k", "5 kilometers", "5 kilometres", "3 miles", "parkrun"):
		return raceInfo{label: "5k", easy: 30, long: 40, racing: 45, minWeeks: 6}
	}
	return raceInfo{easy: 35, long: 60}
}

var instruments = []string{"guitar", "piano", "violin", "drums", "ukulele", "bass", "cello", "saxophone", "flute", "keyboard"}

func instrumentOf(words []string) string {
	for _, w := range words {
		for _, in := range instruments {
			if w == in || w+"s" == in {
				return strings.ToUpper(in[:1]) + in[1:]
			}
		}
	}
	if hasAny(words, "sing*", "voice", "vocal*") {
		return "Vocal"
	}
	return "Instrument"
}

var amountRe = regexp.MustCompile(`([$€£])\s?(\d[\d,]*(?:\.\d+)?)\s*(k)?\b|\b(\d[\d,]*(?:\.\d+)?)\s*(k)?\s*(dollars|euros|pounds|usd|eur|gbp)\b`)

// savingPace returns " About $193 a week reaches $5,000 in 26 weeks." for a
// statement naming an amount, or "".
func savingPace(text string, weeks int) string {
	m := amountRe.FindStringSubmatch(strings.ToLower(text))
	if m == nil || weeks < 1 {
		return ""
	}
	sym, num, k := m[1], m[2], m[3]
	if sym == "" {
		num, k = m[4], m[5]
		sym = map[string]string{"dollars": "$", "usd": "$", "euros": "€", "eur": "€", "pounds": "£", "gbp": "£"}[m[6]]
	}
	var v float64
	if _, err := fmt.Sscan(strings.ReplaceAll(num, ",", ""), &v); err != nil || v <= 0 {
		return ""
	}
	if k != "" {
		v *= 1000
	}
	return fmt.Sprintf(" About %s%s a week reaches %s%s in %d weeks.", sym, thousands(math.Ceil(v/float64(weeks))), sym, thousands(v), weeks)
}

// thousands formats a whole amount with thousands separators.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// levelOf reads the starting level from the current state: 0.8 for a
// beginner, 1.2 for someone with a base, 1 otherwise.
func levelOf(current string) float64 {
	w := tokenize(current)
	switch {
	case len(w) == 0:
		return 1
	case hasAny(w, "never", "beginner", "haven t", "have not", "can t", "cannot", "no experience", "out of shape",
		"not at all", "zero", "nothing", "new to", "just starting", "couch", "sedentary", "none", "unfit", "rusty", "don t"):
		return 0.8
	case hasAny(w, "already", "regularly", "experienced", "advanced", "intermediate", "every week", "years", "fluent", "often", "daily"):
		return 1.2
	}
	return 1
}

var (
	clockRe   = regexp.MustCompile(`\b([01]?\d|2[0-3]):([0-5]\d)\b`)
	ampmRe    = regexp.MustCompile(`\b(1[0-2]|0?[1-9])(?::([0-5]\d))?\s*(am|pm|a\.m\.|p\.m\.)`)
	perWeekRe = regexp.MustCompile(`\b(\d|one|two|three|four|five|six)\s*(?:days?|times|x|×|sessions?)\s*(?:a|per|each|every|/)\s*week\b`)
)

// timeOfDayIn reads a time-of-day preference: "HH:MM" for an explicit
// time, else morning, afternoon or evening, else "" (none, or mixed).
func timeOfDayIn(s string) string {
	l := strings.ToLower(s)
	if m := ampmRe.FindStringSubmatch(l); m != nil {
		var h, mm int
		fmt.Sscan(m[1], &h)
		if m[2] != "" {
			fmt.Sscan(m[2], &mm)
		}
		if strings.HasPrefix(m[3], "p") && h != 12 {
			h += 12
		} else if strings.HasPrefix(m[3], "a") && h == 12 {
			h = 0
		}
		return fmt.Sprintf("%02d:%02d", h, mm)
	}
	if m := clockRe.FindStringSubmatch(l); m != nil {
		var h, mm int
		fmt.Sscan(m[1], &h)
		fmt.Sscan(m[2], &mm)
		return fmt.Sprintf("%02d:%02d", h, mm)
	}
	w := tokenize(l)
	morning := hasAny(w, "morning", "mornings", "before work", "early", "sunrise")
	afternoon := hasAny(w, "afternoon", "afternoons")
	evening := hasAny(w, "evening", "evenings", "after work", "night", "nights", "tonight")
	lunch := hasAny(w, "lunch", "lunchtime", "midday", "noon")
	switch {
	case morning && !afternoon && !evening && !lunch:
		return Morning
	case evening && !morning && !afternoon && !lunch:
		return Evening
	case afternoon && !morning && !evening && !lunch:
		return Afternoon
	case lunch && !morning && !evening && !afternoon:
		return "12:30"
	}
	return ""
}

// perWeekIn reads "3 days a week", "twice a week" and the like.
func perWeekIn(s string) int {
	l := strings.ToLower(s)
	if strings.Contains(l, "twice a week") {
		return 2
	}
	if strings.Contains(l, "once a week") {
		return 1
	}
	m := perWeekRe.FindStringSubmatch(l)
	if m == nil {
		return 0
	}
	if n, ok := numberWords[m[1]]; ok {
		return int(n)
	}
	var n int
	fmt.Sscan(m[1], &n)
	if n < 1 || n > 7 {
		return 0
	}
	return n
}

// placeIn reads where the user wants to train: "home", "gym" or "".
func placeIn(s string) string {
	w := tokenize(s)
	switch {
	case hasAny(w, "no gym", "without a gym", "don t have a gym", "hate the gym", "home", "bodyweight", "no equipment"):
		return "home"
	case hasAny(w, "gym"):
		return "gym"
	}
	return ""
}

var leadIns = []string{"i want to ", "i'd like to ", "i would like to ", "i wanna ", "my goal is to ", "help me ", "i need to ", "i will ", "i'm going to ", "i am going to ", "goal: "}

// cleanTitle turns a statement into a goal title: single-spaced, without a
// lead-in such as "I want to", capitalised, without trailing punctuation, at
// most 120 characters.
func cleanTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for {
		l := strings.ToLower(s)
		cut := false
		for _, p := range leadIns {
			if strings.HasPrefix(l, p) && len(s) > len(p) {
				s = s[len(p):]
				cut = true
			}
		}
		if !cut {
			break
		}
	}
	s = strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsPunct(r) && r != ')' && r != '"' })
	if s == "" {
		return "My goal"
	}
	r, size := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[size:]
	return truncate(s, 120)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
