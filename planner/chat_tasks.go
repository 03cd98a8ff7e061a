package planner

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// TimeContext is what a TimeParser needs besides the phrase.
type TimeContext struct {
	// Now is the current time.
	Now time.Time
	// Location is the user's time zone; nil means UTC.
	Location *time.Location
	// Sleep, when set, is the user's sleep window: it may settle whether a
	// bare hour is morning or evening.
	Sleep *flux.TimeWindow
}

// When is a time phrase understood, in the user's time zone.
type When struct {
	// Start is the moment meant when Exact; otherwise local midnight of the
	// day meant (the first day of a recurrence).
	Start time.Time
	// Exact reports that a time of day (or a relative time such as "in 2
	// hours") was given.
	Exact bool
	// From and To are where to look when the time is not exact: the part
	// of the day named ("tomorrow evening"), or the whole day.
	From, To time.Time
	// Slot is the one moment to use for a part of the day (its usual time:
	// "evening" is 19:00); Start when Exact; zero for a bare day.
	Slot time.Time
	// Period names the part of the day ("morning", "evening"), if any.
	Period string
	// Rule is an RFC 5545 RRULE without DTSTART for a recurrence, "" for
	// once.
	Rule string
	// Text says the time back: "tomorrow at 6 PM", "every weekday at 8 AM".
	Text string
}

// TimeParser understands natural-language times. Flux's is the voice
// package's parser (httpapi.ChatTimes adapts it).
type TimeParser interface {
	// ParseTime reads a time phrase. When the phrase cannot be acted on it
	// returns a *TimeQuestion saying what to ask.
	ParseTime(phrase string, c TimeContext) (When, error)
	// DescribeTime says a moment back to the user, relative to c.Now
	// ("tomorrow at 6 PM").
	DescribeTime(t time.Time, c TimeContext) string
}

// TimeQuestion is a TimeParser's answer to a phrase it cannot act on:
// Question is what to ask the user. Unknown is set when the phrase was not
// read as a time at all, as opposed to one that is ambiguous ("at 6") or
// has passed.
type TimeQuestion struct {
	Question string
	Unknown  bool
}

// Error returns the question.
func (q *TimeQuestion) Error() string { return q.Question }

// Kinds of pendingAsk.
const (
	askTaskTime = "task_time" // when should a new task be
	askMoveTime = "move_time" // where should a task move to
)

// pendingAsk is a question the chat asked about a task, which the next
// message may answer.
type pendingAsk struct {
	Kind     string        `json:"kind"`
	Title    string        `json:"title,omitempty"`
	Minutes  int           `json:"minutes,omitempty"`
	Priority flux.Priority `json:"priority,omitempty"`
	TaskID   string        `json:"task_id,omitempty"`
	// Phrase is a time phrase the answer completes ("tomorrow at 6", asked
	// "6 AM or 6 PM?").
	Phrase string `json:"phrase,omitempty"`
}

// Defaults and bounds of the tasks the chat creates.
const (
	chatTaskMinutes  = 30
	maxChatTitleRune = 200
)

var (
	anytimeRe  = regexp.MustCompile(`^(whenever|any ?time|no preference|doesn'?t matter|it doesn'?t matter|you (pick|choose|decide)|up to you|not sure|no idea|no|nope|skip|later|sometime|find (a|me a) (slot|time))\b`)
	durationRe = regexp.MustCompile(`\bfor (an?|one|two|three|four|half an|\d{1,4}(?:\.\d)?) ?(minutes?|mins?|hours?|hrs?|h|m)\b`)
	mustRe     = regexp.MustCompile(`\b(don'?t let me forget|must not miss|mustn'?t miss|can'?t miss|cannot miss|critical|very important)\b`)
	importRe   = regexp.MustCompile(`\b(important|urgent|asap)\b`)
)

// durationIn finds "for 45 minutes" or "for an hour" in s and returns the
// minutes (0 when none is named) and s without the phrase.
func durationIn(s string) (int, string) {
	l := normalizeQuotes(strings.ToLower(s))
	m := durationRe.FindStringSubmatchIndex(l)
	if m == nil || len(l) != len(s) {
		return 0, s
	}
	num, unit := l[m[2]:m[3]], l[m[4]:m[5]]
	var n float64
	switch num {
	case "a", "an", "one":
		n = 1
	case "two":
		n = 2
	case "three":
		n = 3
	case "four":
		n = 4
	case "half an":
		n = 0.5
	default:
		n, _ = strconv.ParseFloat(num, 64)
	}
	if strings.HasPrefix(unit, "h") {
		n *= 60
	}
	minutes := int(n)
	if minutes < 1 || minutes > 1440 {
		return 0, s
	}
	return minutes, strings.Join(strings.Fields(s[:m[0]]+" "+s[m[1]:]), " ")
}

// priorityIn reads how much a reminder matters from its wording.
func priorityIn(s string) flux.Priority {
	l := normalizeQuotes(strings.ToLower(s))
	switch {
	case mustRe.MatchString(l):
		return flux.PriorityMustNotMiss
	case importRe.MatchString(l):
		return flux.PriorityImportant
	}
	return flux.PriorityStandard
}

// explainable reports whether err is a refusal to tell the user about (a
// busy or past slot, an invalid one), rather than a failure.
func explainable(err error) bool {
	switch flux.ErrorCode(err) {
	case flux.EInvalid, flux.EConflict, flux.ENotFound, flux.EUnprocessable:
		return true
	}
	return false
}

// reason is a refusal as a clause of a sentence.
func reason(err error) string {
	return strings.TrimSuffix(strings.TrimSpace(flux.ErrorMessage(err)), ".")
}

// parseWhen reads a time phrase of a message. When the phrase itself is
// not read as a time (a model may quote it loosely), the message is
// searched for one. It returns the question to ask when there is none to
// act on.
func (c *Chat) parseWhen(phrase string, in RouteInput) (When, string, bool) {
	if c.times == nil {
		return When{}, "", false
	}
	w, err := c.times.ParseTime(phrase, in.timeContext())
	if err == nil {
		return w, "", true
	}
	var q *TimeQuestion
	if !errors.As(err, &q) {
		return When{}, "Sorry, when should that be?", false
	}
	if q.Unknown {
		if sp := findTimeSpan(c.times, in.Message, in.timeContext()); sp.ok {
			return sp.when, "", true
		} else if sp.question != "" {
			return When{}, sp.question, false
		}
	}
	return When{}, q.Question, false
}

// describe says a moment back to the user.
func (c *Chat) describe(t time.Time, in RouteInput) string {
	if c.times == nil {
		return t.In(in.location()).Format("Mon 2 Jan at 15:04")
	}
	return c.times.DescribeTime(t, in.timeContext())
}

// locationClause finds a reminder tied to a place rather than a time:
// "... when I'm near the store", "... when I leave home", "... once I get
// to the office". Its first group is the place as the person said it.
var locationClause = regexp.MustCompile(`(?i)\s*\b(?:when|once|as soon as|whenever)\s+(?:i\s*['’]?m\s+|i\s+am\s+|i\s+)?((?:near|at|close to|next to|by|passing|leaving|leave|out(?:side)?|get to|arrive at|reach|get home|get back)\b[^.?!]*)`)

// locationIn splits a place-tied reminder's phrase into what to do and the
// place ("" when the phrase names no place).
func locationIn(s string) (rest, place string) {
	m := locationClause.FindStringSubmatchIndex(s)
	if m == nil {
		return s, ""
	}
	place = strings.TrimSpace(strings.TrimRight(s[m[2]:m[3]], " ,;"))
	return strings.TrimSpace(s[:m[0]] + " " + s[m[1]:]), place
}

// newTask handles NodeNewTask: create the task and schedule it, or ask
// when it should be; a reminder tied to a place becomes a
// location-triggered task, reminded when the place is reached.
func (c *Chat) newTask(u *flux.User, st *chatState, in RouteInput, intent Intent) *chatTurn {
	if rest, place := locationIn(strings.TrimSpace(intent.Title)); place != "" {
		return c.createLocationTask(u, rest, place, in)
	}
	if _, place := locationIn(in.Message); place != "" && intent.When == "" {
		rest, _ := locationIn(strings.TrimSpace(intent.Title))
		return c.createLocationTask(u, rest, place, in)
	}
	minutes, title := durationIn(strings.TrimSpace(intent.Title))
	if intent.Minutes > 0 && intent.Minutes <= 1440 {
		minutes = intent.Minutes
	}
	if minutes == 0 {
		minutes, _ = durationIn(in.Message)
	}
	if minutes == 0 {
		minutes = chatTaskMinutes
	}
	title = clipRunes(taskTitle(title), maxChatTitleRune)
	if title == "" {
		return &chatTurn{node: NodeNewTask, reply: "What should I remind you about, and when? For example: \"remind me to call mom tomorrow at 6pm\"."}
	}
	prio := priorityIn(in.Message)
	ask := &pendingAsk{Kind: askTaskTime, Title: title, Minutes: minutes, Priority: prio}
	if intent.When == "" {
		if c.times == nil {
			return c.createTask(u, ask, nil, in)
		}
		st.Pending = ask
		return &chatTurn{node: NodeNewTask, reply: fmt.Sprintf("When should I remind you about \"%s\"? For example \"tomorrow at 6pm\" or \"every weekday at 8am\", or say \"whenever\" and I'll find a free slot.", title)}
	}
	w, q, ok := c.parseWhen(intent.When, in)
	if !ok {
		ask.Phrase = intent.When
		st.Pending = ask
		return &chatTurn{node: NodeNewTask, reply: q}
	}
	return c.createTask(u, ask, &w, in)
}

// createTask stores a new task and schedules it: at the time said when it
// is exact, else in the best free slot of the day or part of the day said
// (or of the next two weeks when w is nil).
func (c *Chat) createTask(u *flux.User, a *pendingAsk, w *When, in RouteInput) *chatTurn {
	prio := a.Priority
	if !prio.Valid() {
		prio = flux.PriorityStandard
	}
	t := &flux.Task{ID: flux.NewID(), UserID: u.ID, Title: a.Title, Status: flux.TaskPending, Priority: prio,
		DurationMinutes: max(a.Minutes, 1), TriggerType: flux.TriggerTime}
	if w != nil {
		if w.Rule != "" {
			t.RecurrenceRule, t.SeriesID, t.Occurrence = w.Rule, t.ID, 1
		}
		if w.Exact {
			local := w.Start.In(in.location())
			t.PreferredTime = fmt.Sprintf("%02d:%02d", local.Hour(), local.Minute())
			t.AllowWorkHours = true
		} else {
			t.PreferredTime = w.Period
			from := w.From.UTC()
			t.EarliestStart = &from
			if w.Rule == "" {
				to := w.To.UTC()
				t.Deadline = &to
			}
		}
	}
	turn := &chatTurn{node: NodeNewTask, taskID: t.ID}
	turn.write = func(ctx context.Context, tx flux.Stores, turn *chatTurn) error {
		exact := w != nil && w.Exact
		if c.sched == nil && exact {
			at := w.Start.UTC()
			t.ScheduledAt, t.Status = &at, flux.TaskScheduled
		}
		if err := createTask(ctx, tx.Tasks(), t); err != nil {
			return fmt.Errorf("create task: %w", err)
		}
		if c.sched == nil {
			if t.ScheduledAt != nil {
				turn.reply = c.added(t, w, *t.ScheduledAt, in)
			} else {
				turn.reply = fmt.Sprintf("I added \"%s\" to your list.", t.Title)
			}
			return nil
		}
		var (
			placed *flux.Task
			err    error
		)
		if exact {
			placed, err = c.sched.MoveTaskIn(ctx, tx, u, t.ID, w.Start)
		} else {
			placed, err = c.sched.PlaceTaskIn(ctx, tx, u, t.ID)
		}
		switch {
		case err != nil && explainable(err):
			when := "there"
			if w != nil {
				when = w.Text
			}
			turn.reply = fmt.Sprintf("I added \"%s\", but couldn't put it %s: %s. It's on your list without a time for now.", t.Title, when, reason(err))
		case err != nil:
			return fmt.Errorf("schedule task: %w", err)
		case placed.ScheduledAt == nil:
			turn.reply = fmt.Sprintf("I added \"%s\" to your list, but couldn't find a free slot for it yet.", t.Title)
		default:
			turn.reply = c.added(placed, w, *placed.ScheduledAt, in)
		}
		return nil
	}
	return turn
}

// createLocationTask stores a task reminded when the person reaches a
// place (the demo's location triggers fire it), with no time of its own.
func (c *Chat) createLocationTask(u *flux.User, phrase, place string, in RouteInput) *chatTurn {
	minutes, title := durationIn(phrase)
	if minutes == 0 {
		minutes = chatTaskMinutes
	}
	title = clipRunes(taskTitle(title), maxChatTitleRune)
	if title == "" {
		return &chatTurn{node: NodeNewTask, reply: "What should I remind you about " + place + "?"}
	}
	t := &flux.Task{ID: flux.NewID(), UserID: u.ID, Title: title, Status: flux.TaskPending, Priority: priorityIn(in.Message),
		DurationMinutes: max(minutes, 1), TriggerType: flux.TriggerLocation, LocationTrigger: clipRunes(place, 200)}
	if !t.Priority.Valid() {
		t.Priority = flux.PriorityStandard
	}
	turn := &chatTurn{node: NodeNewTask, taskID: t.ID}
	turn.write = func(ctx context.Context, tx flux.Stores, turn *chatTurn) error {
		if err := createTask(ctx, tx.Tasks(), t); err != nil {
			return fmt.Errorf("create task: %w", err)
		}
		turn.reply = fmt.Sprintf("Done! I'll remind you about \"%s\" %s.", t.Title, youAre(place))
		return nil
	}
	return turn
}

// youAre turns the place as the person said it ("near the store", "leave
// home") into the reminder's words ("when you're near the store", "when you
// leave home").
func youAre(place string) string {
	l := strings.ToLower(place)
	for _, verb := range []string{"leaving", "leave", "get ", "arrive", "reach", "pass"} {
		if strings.HasPrefix(l, verb) {
			return "when you " + place
		}
	}
	return "when you're " + place
}

// added is the reply to a scheduled new task.
func (c *Chat) added(t *flux.Task, w *When, at time.Time, in RouteInput) string {
	when := c.describe(at, in)
	if w != nil && w.Rule != "" {
		return fmt.Sprintf("Done! \"%s\" repeats %s, starting %s.", t.Title, w.Text, when)
	}
	return fmt.Sprintf("Done! \"%s\" is set for %s.", t.Title, when)
}

// reschedule handles NodeReschedule: move one of the user's tasks, or ask
// which or when.
func (c *Chat) reschedule(u *flux.User, st *chatState, in RouteInput, intent Intent) *chatTurn {
	t := findTask(in.Tasks, intent.TaskID)
	if t == nil {
		return &chatTurn{node: NodeReschedule, reply: c.whichTask(in)}
	}
	ask := &pendingAsk{Kind: askMoveTime, TaskID: t.ID, Title: t.Title}
	if intent.When == "" {
		if c.times == nil {
			return c.moveTask(u, st, t, nil, in)
		}
		st.Pending = ask
		return &chatTurn{node: NodeReschedule, reply: fmt.Sprintf("When should I move \"%s\" to? Or say \"whenever\" and I'll find the next free slot.", t.Title)}
	}
	w, q, ok := c.parseWhen(intent.When, in)
	if !ok {
		ask.Phrase = intent.When
		st.Pending = ask
		return &chatTurn{node: NodeReschedule, reply: q}
	}
	return c.moveTask(u, st, t, &w, in)
}

// whichTask asks which task to move, naming the next few.
func (c *Chat) whichTask(in RouteInput) string {
	if len(in.Tasks) == 0 {
		return "You don't have any open tasks to move."
	}
	var names []string
	for i := range in.Tasks {
		if len(names) == 3 {
			break
		}
		t := &in.Tasks[i]
		if t.ScheduledAt != nil && !t.ScheduledAt.Before(in.Now) {
			names = append(names, fmt.Sprintf("\"%s\" (%s)", t.Title, c.describe(*t.ScheduledAt, in)))
		}
	}
	if len(names) == 0 {
		return "Which task should I move? Tell me a word of its title, like \"move my run to Friday evening\"."
	}
	return "Which task should I move? Your next ones are " + strings.Join(names, ", ") + "."
}

func findTask(tasks []flux.Task, id string) *flux.Task {
	for i := range tasks {
		if id != "" && tasks[i].ID == id {
			return &tasks[i]
		}
	}
	return nil
}

// moveTask moves a task to the time w names: the exact time, the usual
// time of the part of the day named, or the task's own time of day on the
// day named; a day for an unscheduled task, or no time at all (w nil),
// lets the scheduler find the slot, and the task keeps its old slot when
// there is none.
func (c *Chat) moveTask(u *flux.User, st *chatState, t *flux.Task, w *When, in RouteInput) *chatTurn {
	turn := &chatTurn{node: NodeReschedule, taskID: t.ID}
	if w != nil && w.Rule != "" {
		st.Pending = &pendingAsk{Kind: askMoveTime, TaskID: t.ID, Title: t.Title}
		turn.reply = fmt.Sprintf("I can move \"%s\" to one time. When should it be?", t.Title)
		return turn
	}
	var start time.Time
	var from *time.Time
	if w != nil {
		switch {
		case w.Exact:
			start = w.Start
		case !w.Slot.IsZero():
			start = w.Slot
		case t.ScheduledAt != nil:
			old := t.ScheduledAt.In(in.location())
			start = time.Date(w.Start.Year(), w.Start.Month(), w.Start.Day(), old.Hour(), old.Minute(), 0, 0, in.location())
			if start.Before(in.Now) {
				st.Pending = &pendingAsk{Kind: askMoveTime, TaskID: t.ID, Title: t.Title}
				turn.reply = fmt.Sprintf("That would be in the past. When should \"%s\" be instead?", t.Title)
				return turn
			}
		default:
			f := w.From.UTC()
			from = &f
		}
	}
	turn.write = func(ctx context.Context, tx flux.Stores, turn *chatTurn) error {
		if !start.IsZero() {
			if c.sched == nil {
				at := start.UTC()
				if _, err := tx.Tasks().UpdateTask(ctx, u.ID, t.ID, func(x *flux.Task) error {
					x.ScheduledAt, x.Status = &at, flux.TaskScheduled
					return nil
				}); err != nil {
					return fmt.Errorf("move task: %w", err)
				}
				turn.reply = c.moved(t.Title, at, in)
				return nil
			}
			moved, err := c.sched.MoveTaskIn(ctx, tx, u, t.ID, start)
			switch {
			case err != nil && explainable(err):
				turn.reply = fmt.Sprintf("I couldn't move \"%s\" to %s: %s.", t.Title, c.describe(start, in), reason(err))
				return nil
			case err != nil:
				return fmt.Errorf("move task: %w", err)
			}
			turn.reply = c.moved(t.Title, *moved.ScheduledAt, in)
			return nil
		}
		if c.sched == nil {
			turn.reply = fmt.Sprintf("When should I move \"%s\" to? Name a time, like \"Friday at 7pm\".", t.Title)
			return nil
		}
		before, err := tx.Tasks().GetTask(ctx, u.ID, t.ID)
		if err != nil {
			return fmt.Errorf("move task: %w", err)
		}
		if _, err := tx.Tasks().UpdateTask(ctx, u.ID, t.ID, func(x *flux.Task) error {
			x.ScheduledAt, x.Status = nil, flux.TaskPending
			if from != nil {
				x.EarliestStart = from
			}
			return nil
		}); err != nil {
			return fmt.Errorf("move task: %w", err)
		}
		placed, err := c.sched.PlaceTaskIn(ctx, tx, u, t.ID)
		if err != nil && !explainable(err) {
			return fmt.Errorf("move task: %w", err)
		}
		if err == nil && placed.ScheduledAt != nil {
			turn.reply = c.moved(t.Title, *placed.ScheduledAt, in)
			return nil
		}
		// No slot: the task keeps the one it had.
		if _, err := tx.Tasks().UpdateTask(ctx, u.ID, t.ID, func(x *flux.Task) error {
			x.ScheduledAt, x.Status, x.EarliestStart = before.ScheduledAt, before.Status, before.EarliestStart
			return nil
		}); err != nil {
			return fmt.Errorf("move task: %w", err)
		}
		turn.reply = fmt.Sprintf("I couldn't find a free slot for \"%s\" then, so it stays where it was.", t.Title)
		return nil
	}
	return turn
}

// moved is the original's answer: "Rescheduled '<title>' to <time>."
func (c *Chat) moved(title string, at time.Time, in RouteInput) string {
	return fmt.Sprintf("Rescheduled \"%s\" to %s.", title, c.describe(at, in))
}

// resume takes the message as the answer to a pending question about a
// task. ok is false when it is not an answer: the message is then routed
// as any other.
func (c *Chat) resume(ctx context.Context, u *flux.User, st *chatState, p *pendingAsk, in RouteInput) (*chatTurn, bool, error) {
	t, ok := c.answer(u, st, p, in)
	if ok || p.Kind != askMoveTime || findTask(in.Tasks, p.TaskID) != nil {
		return t, ok, nil
	}
	// The task is not among those the router was shown: look it up.
	task, err := c.svc.store.Tasks().GetTask(ctx, u.ID, p.TaskID)
	switch {
	case flux.IsCode(err, flux.ENotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("chat: %w", err)
	case !task.Status.Open():
		return nil, false, nil // done or dropped meanwhile
	}
	in.Tasks = append([]flux.Task{*task}, in.Tasks...)
	t, ok = c.answer(u, st, p, in)
	return t, ok, nil
}

// answer is resume once the task of a move is among in.Tasks.
func (c *Chat) answer(u *flux.User, st *chatState, p *pendingAsk, in RouteInput) (*chatTurn, bool) {
	l := normalizeQuotes(strings.ToLower(strings.TrimSpace(in.Message)))
	node := NodeNewTask
	var task *flux.Task
	if p.Kind == askMoveTime {
		node = NodeReschedule
		if task = findTask(in.Tasks, p.TaskID); task == nil {
			return nil, false
		}
	}
	if cancelRe.MatchString(l) {
		return &chatTurn{node: node, reply: "OK, I'll leave it."}, true
	}
	act := func(w *When) *chatTurn {
		if task != nil {
			return c.moveTask(u, st, task, w, in)
		}
		return c.createTask(u, p, w, in)
	}
	if anytimeRe.MatchString(l) {
		return act(nil), true
	}
	if c.times == nil {
		return nil, false
	}
	var question, asked string
	for _, cand := range answerCandidates(p.Phrase, in.Message) {
		w, err := c.times.ParseTime(cand, in.timeContext())
		if err == nil {
			return act(&w), true
		}
		var q *TimeQuestion
		if errors.As(err, &q) && !q.Unknown && question == "" {
			question, asked = q.Question, cand
		}
	}
	if question == "" {
		if sp := findTimeSpan(c.times, in.Message, in.timeContext()); sp.ok && len(contentWords(sp.rest)) <= 2 {
			return act(&sp.when), true
		} else if sp.question != "" && len(contentWords(sp.rest)) <= 2 {
			question, asked = sp.question, sp.phrase
		}
	}
	if question != "" {
		next := *p
		next.Phrase = asked
		st.Pending = &next
		return &chatTurn{node: node, reply: question}, true
	}
	return nil, false
}

// answerCandidates are the phrases an answer to a time question may mean:
// the earlier phrase completed by it ("tomorrow at 6" + "pm"), the
// earlier day with the new time ("tomorrow at" + "6:30 pm"), and the
// answer alone.
func answerCandidates(phrase, answer string) []string {
	answer = strings.TrimSpace(strings.TrimRight(answer, ".!?"))
	var out []string
	if phrase != "" {
		out = append(out, phrase+" "+answer)
		if i := strings.LastIndex(strings.ToLower(phrase), " at "); i >= 0 {
			out = append(out, phrase[:i]+" at "+strings.TrimPrefix(strings.ToLower(answer), "at "))
		}
	}
	if utf8.RuneCountInString(answer) <= 100 {
		out = append(out, answer)
	}
	return out
}
