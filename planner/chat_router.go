package planner

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// Router decides what a chat message asks for. The OfflineRouter does it
// with rules; an LLMRouter asks a model and falls back to the rules.
type Router interface {
	// Route returns the message's intent. It fails only when ctx ends.
	Route(ctx context.Context, in RouteInput) (Intent, error)
}

// RouteInput is a message to route with what the router may look at.
type RouteInput struct {
	// Message is the user's message.
	Message string
	// Now is the current time; Location the user's time zone; Sleep their
	// sleep window, when they have one.
	Now      time.Time
	Location *time.Location
	Sleep    *flux.TimeWindow
	// Tasks are the user's open tasks, soonest first: the ones a message
	// may ask to move.
	Tasks []flux.Task
	// Goals are the user's active goals, newest first: the ones a message
	// may ask to change.
	Goals []flux.Goal
	// GoalDraft is true while a new goal's clarifying conversation is in
	// progress: its questions are being answered or its plan reviewed.
	GoalDraft bool
	// ConversationGoalID is the goal this conversation last saved or
	// changed, if any.
	ConversationGoalID string
}

// Intent is what a message asks for. Node is one of NodeGoal, NodeNewTask,
// NodeReschedule, NodeModifyGoal and NodeClarify; the other fields are
// those the node uses.
type Intent struct {
	Node string
	// Goal is the goal statement (NodeGoal); the message when empty.
	Goal string
	// Title is what to do (NodeNewTask): "Call mom".
	Title string
	// Minutes is how long it takes (NodeNewTask); 0 for the default 30.
	Minutes int
	// When is the time phrase as the user said it ("tomorrow at 6pm",
	// "every weekday at 8am", "Friday evening"), for NodeNewTask and
	// NodeReschedule; empty when they named none.
	When string
	// TaskID is the task to move (NodeReschedule), one of RouteInput.Tasks;
	// empty when no task matched.
	TaskID string
	// GoalID is the goal to change (NodeModifyGoal), one of
	// RouteInput.Goals; empty for the conversation's or the newest goal.
	GoalID string
	// Change is the change asked for (NodeModifyGoal); the message when
	// empty.
	Change string
	// Question is what to ask back (NodeClarify); a default when empty.
	Question string
}

// OfflineRouter routes English messages with rules, deterministically:
//
//   - while a goal is being discussed, every message belongs to it, unless
//     it asks for a reminder ("remind me to ...");
//   - "remind me", "add a task", "to-do", "don't let me forget" make a new
//     task;
//   - "move", "reschedule", "postpone", "push" naming one of the user's
//     tasks by words of its title ("move my run to Friday evening") move
//     it;
//   - "change", "make", "adjust" with "goal", "plan" or a change such as
//     "easier", "fewer", "mornings" change one of their goals;
//   - a wish ("I want to", "learn", "get fit"), a measurable target or a
//     horizon ("in 10 weeks") starts a new goal;
//   - anything else that names a time ("call mom tomorrow at 6pm") is a new
//     task, and the rest is a question back.
//
// Times are found with Times: the longest run of words it reads as a time
// is the time phrase, the other words the task. Without Times no time is
// found.
type OfflineRouter struct {
	Times TimeParser
}

var _ Router = (*OfflineRouter)(nil)

var (
	cancelRe   = regexp.MustCompile(`^(cancel|stop|never ?mind|forget (it|that|about it)|scratch that|quit)\b`)
	taskRe     = regexp.MustCompile(`\b(remind me|reminder|add (a |an |the )?(task|reminder|to-?do)|new (task|reminder|to-?do)|to-?do|don'?t let me forget|make sure i)\b`)
	moveRe     = regexp.MustCompile(`\b(move|moving|reschedule|re-schedule|postpone|push|shift|bring forward|delay|defer)\b`)
	changeToRe = regexp.MustCompile(`\b(change|switch)\b`)
	modifyRe   = regexp.MustCompile(`\b(change|modify|adjust|update|tweak|edit|rework|redo|revise|make|switch)\b`)
	planRefRe  = regexp.MustCompile(`\b(my|the|this|that|our|current)\s+(?:[\w'-]+\s+){0,2}(goal|goals|plan|plans|program|programme|routine|training)\b`)
	changeRe   = regexp.MustCompile(`\b(easier|harder|fewer|more|less|lighter|heavier|shorter|longer|instead|only|mornings|evenings|weekends|intense|slower|faster|gentler)\b`)
	goalWishRe = regexp.MustCompile(`\b(i want|i'?d like to|i would like to|i wanna|i hope to|i plan to|i'?m planning to|my goal|a goal|new goal|goal is|help me (to )?(get|become|learn|build|lose|gain|save|run|finish|improve|start|write|read|train|prepare|pass|quit|stop|eat|sleep|find|grow|launch)|learn(ing)? (to|how)|get better at|train(ing)? for|become|improve my|build a habit|get (fit|stronger|healthier|in shape)|lose weight|save (up|money))\b`)
	// leadRe is what precedes a task's title.
	leadRe = regexp.MustCompile(`^(please\s+|can you\s+|could you\s+|hey\s+|flux,?\s+)*(remind me (to |about |that i need to |that i have to |that )?|add (a |an |the )?(task|reminder|to-?do)( for me)?( to| for)?[:,]?\s*|new (task|reminder|to-?do)[:,]?\s*|create (a |an )?(task|reminder)( to| for)?[:,]?\s*|set (a |an )?reminder (to |for )?|don'?t let me forget (to )?|make sure i |to-?do[:,]?\s*|i need to |i have to |i must |i should |i've got to |i gotta )`)
)

// Route implements Router.
func (r *OfflineRouter) Route(ctx context.Context, in RouteInput) (Intent, error) {
	if err := ctx.Err(); err != nil {
		return Intent{}, err
	}
	msg := strings.TrimSpace(in.Message)
	l := normalizeQuotes(strings.ToLower(msg))
	if in.GoalDraft && !taskRe.MatchString(l) {
		return Intent{Node: NodeGoal, Goal: msg}, nil
	}
	minutes, text := durationIn(msg)
	span := findTimeSpan(r.Times, text, in.timeContext())
	rest := text
	if span.ok || span.question != "" {
		rest = span.rest
	}
	if taskRe.MatchString(l) {
		return Intent{Node: NodeNewTask, Title: taskTitle(rest), Minutes: minutes, When: span.phrase}, nil
	}
	if moveRe.MatchString(l) || (changeToRe.MatchString(l) && span.ok) {
		if t := matchTask(in.Tasks, rest, in.Now); t != nil {
			return Intent{Node: NodeReschedule, TaskID: t.ID, When: span.phrase}, nil
		}
		if !planRefRe.MatchString(l) || len(in.Goals) == 0 {
			return Intent{Node: NodeReschedule, When: span.phrase}, nil
		}
	}
	if (modifyRe.MatchString(l) || moveRe.MatchString(l)) && planRefRe.MatchString(l) ||
		len(in.Goals) > 0 && changeRe.MatchString(l) && (modifyRe.MatchString(l) || namedGoal(in.Goals, l) != nil) {
		id := ""
		if g := namedGoal(in.Goals, l); g != nil {
			id = g.ID
		}
		return Intent{Node: NodeModifyGoal, GoalID: id, Change: msg}, nil
	}
	if goalWishRe.MatchString(l) || measurableRe.MatchString(l) {
		return Intent{Node: NodeGoal, Goal: msg}, nil
	}
	if _, _, ok := ParseTimeline(msg, in.Now, in.location()); ok && !span.exact && ClassifyDomain(msg) != DomainGeneral {
		return Intent{Node: NodeGoal, Goal: msg}, nil
	}
	if (span.ok || span.question != "") && len(contentWords(span.rest)) > 0 {
		return Intent{Node: NodeNewTask, Title: taskTitle(span.rest), Minutes: minutes, When: span.phrase}, nil
	}
	return Intent{Node: NodeClarify}, nil
}

func (in RouteInput) location() *time.Location {
	if in.Location == nil {
		return time.UTC
	}
	return in.Location
}

func (in RouteInput) timeContext() TimeContext {
	return TimeContext{Now: in.Now, Location: in.location(), Sleep: in.Sleep}
}

// normalizeQuotes turns typographic apostrophes into ASCII ones.
func normalizeQuotes(s string) string {
	return strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`).Replace(s)
}

// timeSpan is the time phrase found in a message.
type timeSpan struct {
	// ok is set when phrase reads as a time (when is what it means).
	ok   bool
	when When
	// question is set when the phrase reads as a time that cannot be used
	// as it is (ambiguous, passed): what to ask.
	question string
	// phrase is the words of the time, rest the message without them.
	phrase, rest string
	// exact is set when the time has a time of day.
	exact bool
}

// maxSpanWords bounds the words of a time phrase; maxSearchWords the
// words of a message searched for one (a reminder is said in a few words,
// and each run of words tried costs a parse).
const (
	maxSpanWords   = 8
	maxSearchWords = 40
)

// findTimeSpan finds the longest run of words of msg (of its first
// maxSearchWords) that p reads as a time; failing that, the longest it
// reads as a time it must ask about.
func findTimeSpan(p TimeParser, msg string, c TimeContext) timeSpan {
	if p == nil {
		return timeSpan{rest: msg}
	}
	words := strings.Fields(msg)
	searched := min(len(words), maxSearchWords)
	clean := make([]string, len(words))
	for i, w := range words {
		clean[i] = strings.TrimRightFunc(w, func(r rune) bool { return strings.ContainsRune(".,!?;:", r) })
	}
	var best, asked timeSpan
	bestLen, askedLen := 0, 0
	for n := min(maxSpanWords, searched); n >= 1; n-- {
		for i := 0; i+n <= searched; i++ {
			if n <= bestLen {
				break
			}
			phrase := strings.Join(clean[i:i+n], " ")
			if !hasTimeWord(phrase) {
				continue
			}
			w, err := p.ParseTime(phrase, c)
			rest := strings.Join(slices.Concat(words[:i], words[i+n:]), " ")
			if err == nil {
				best, bestLen = timeSpan{ok: true, when: w, phrase: phrase, rest: rest, exact: w.Exact}, n
				continue
			}
			var q *TimeQuestion
			if errors.As(err, &q) && !q.Unknown && n > askedLen {
				asked, askedLen = timeSpan{question: q.Question, phrase: phrase, rest: rest}, n
			}
		}
	}
	switch {
	case askedLen > bestLen:
		// "on Thursday at 8": the longer phrase needs a question; the
		// shorter "on Thursday" would drop the time said.
		return asked
	case bestLen > 0:
		return best
	}
	return timeSpan{rest: msg}
}

// hasTimeWord reports whether a phrase could name a time at all: it has a
// digit or one of the words times are made of. It spares the parser most
// runs of words.
func hasTimeWord(phrase string) bool {
	for _, w := range tokenize(phrase) {
		if timeWords[w] {
			return true
		}
		for _, r := range w {
			if unicode.IsDigit(r) {
				return true
			}
		}
	}
	return false
}

var timeWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`today tonight tomorrow yesterday morning afternoon evening night noon midnight
		monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
		weekday weekdays weekend weekends daily weekly monthly every each next week month year hour hours minute minutes
		january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
		am pm one two three four five six seven eight nine ten eleven twelve half quarter twice`) {
		m[w] = true
	}
	return m
}()

// taskTitle turns what is left of a message once its time is taken out
// into a task title: no lead-in ("remind me to"), no dangling "at" or "on",
// the first letter capitalised.
func taskTitle(rest string) string {
	s := strings.TrimSpace(normalizeQuotes(rest))
	for {
		l := strings.ToLower(s)
		if len(l) != len(s) {
			s = l // lower-casing changed the length: keep the indexes valid
		}
		loc := leadRe.FindStringIndex(l)
		if loc == nil || loc[1] == 0 {
			break
		}
		s = strings.TrimSpace(s[loc[1]:])
	}
	fields := strings.Fields(strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) }))
	for len(fields) > 0 {
		first, last := strings.ToLower(fields[0]), strings.ToLower(fields[len(fields)-1])
		if first == "to" || first == "please" {
			fields = fields[1:]
		} else if slices.Contains(danglingWords, last) {
			fields = fields[:len(fields)-1]
		} else {
			break
		}
	}
	s = strings.TrimFunc(strings.Join(fields, " "), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	if r, size := utf8.DecodeRuneInString(s); size > 0 {
		s = string(unicode.ToUpper(r)) + s[size:]
	}
	return s
}

// danglingWords are left at the end of a title when its time is taken out.
var danglingWords = []string{"at", "on", "by", "for", "in", "to", "from", "please", "and", "until", "around", "about"}

// stopWords say nothing about which task a message means.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the my our your this that these those it its to on at for from in into of and or
		please can could would you i me we us let lets task tasks session move moving reschedule postpone push back shift
		bring forward delay defer change switch make put do time slot instead later earlier next upcoming just also up`) {
		m[w] = true
	}
	return m
}()

// contentWords returns the words of s that may name a task.
func contentWords(s string) []string {
	var out []string
	for _, w := range tokenize(s) {
		if !stopWords[w] && !timeWords[w] && strings.TrimFunc(w, unicode.IsDigit) != "" {
			out = append(out, w)
		}
	}
	return out
}

// stem reduces an English word to a rough stem: "running" and "runs" to
// "run".
func stem(w string) string {
	switch {
	case len(w) > 5 && strings.HasSuffix(w, "ing"):
		w = strings.TrimSuffix(w, "ing")
		if n := len(w); n >= 2 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouls", rune(w[n-1])) {
			w = w[:n-1]
		}
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		w = strings.TrimSuffix(w, "ies") + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		w = strings.TrimSuffix(w, "s")
	}
	return w
}

// matchTask returns the task whose title shares the most words with desc;
// among equals the soonest scheduled (unscheduled last). nil when no title
// shares a word.
func matchTask(tasks []flux.Task, desc string, now time.Time) *flux.Task {
	want := contentWords(desc)
	if len(want) == 0 {
		return nil
	}
	var best *flux.Task
	bestScore := 0
	for i := range tasks {
		t := &tasks[i]
		score := 0
		title := tokenize(t.Title)
		for _, w := range want {
			for _, tw := range title {
				if tw == w || stem(tw) == stem(w) {
					score++
					break
				}
			}
		}
		if score == 0 {
			continue
		}
		if score > bestScore || (score == bestScore && sooner(t, best, now)) {
			best, bestScore = t, score
		}
	}
	return best
}

// sooner orders tasks for a reference: upcoming ones by time, then past
// ones, then unscheduled ones.
func sooner(a, b *flux.Task, now time.Time) bool {
	rank := func(t *flux.Task) int {
		switch {
		case t.ScheduledAt == nil:
			return 2
		case t.ScheduledAt.Before(now):
			return 1
		}
		return 0
	}
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra < rb
	}
	if ra == 2 {
		return a.Title < b.Title
	}
	if ra == 1 {
		return a.ScheduledAt.After(*b.ScheduledAt)
	}
	return a.ScheduledAt.Before(*b.ScheduledAt)
}

// namedGoal returns the active goal a message names by words of its
// title, if any.
func namedGoal(goals []flux.Goal, l string) *flux.Goal {
	words := contentWords(l)
	var best *flux.Goal
	bestScore := 0
	for i := range goals {
		g := &goals[i]
		score := 0
		for _, tw := range contentWords(g.Title) {
			for _, w := range words {
				if tw == w || stem(tw) == stem(w) || (g.Category != "" && w == g.Category) {
					score++
					break
				}
			}
		}
		if score > bestScore {
			best, bestScore = g, score
		}
	}
	return best
}
