package voice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
	"github.com/teambition/rrule-go"
)

// Spoken answers, as the original service phrased them.
const (
	msgNeedGoal       = "I need a goal statement to create a goal. Could you tell me what you'd like to achieve?"
	msgNeedTitle      = "I need a task title. What should I remind you about?"
	msgNeedTask       = "I need to know which task to reschedule. Could you tell me the task?"
	msgTaskNotFound   = "I couldn't find a task with that ID. Could you double-check?"
	msgFailed         = "Something went wrong while processing your request. Please try again."
	msgUnknownFmt     = "Sorry, I don't know how to handle '%s'."
	msgNoPlan         = " I saved it without a plan for now."
	msgNotChecked     = " I haven't checked it against your calendar."
	msgNotScheduled   = " It doesn't have a time yet."
	msgNoSlot         = " I couldn't find a free slot for it yet."
	msgScheduleFailed = " I couldn't put it in your calendar just now."
)

// maxStoredInput caps the function arguments kept with an intent record.
const maxStoredInput = 8 << 10

// errNoChange rolls back a claim that found the call already handled.
var errNoChange = errors.New("voice: no change")

// SubmitIntent runs one function call of the agent for u, the caller's
// stored user (used as given, not read again; nil is ENotFound), and answers
// the sentence the agent speaks. session_id, function_call_id and
// function_name are required (EInvalid naming each missing one); text with a NUL character
// anywhere, in the arguments too, is EInvalid naming its field. The session must be the
// user's (ENotFound) and open (EConflict), unless the call was handled
// before: a function_call_id already handled answers its recorded result
// without acting again, and a repeat that arrives while the first is still
// running waits for it. Problems with the request itself (a missing goal
// statement, an ambiguous time, an unknown task) are answered with a spoken
// question, not an error.
func (s *Service) SubmitIntent(ctx context.Context, u *flux.User, in IntentInput) (*IntentResult, error) {
	var fs []flux.FieldError
	if strings.TrimSpace(in.SessionID) == "" {
		fs = append(fs, flux.FieldError{Field: "session_id", Message: "is required"})
	}
	switch {
	case strings.TrimSpace(in.FunctionCallID) == "":
		fs = append(fs, flux.FieldError{Field: "function_call_id", Message: "is required"})
	case len(in.FunctionCallID) > 200:
		fs = append(fs, flux.FieldError{Field: "function_call_id", Message: "is longer than 200 characters"})
	}
	switch {
	case strings.TrimSpace(in.FunctionName) == "":
		fs = append(fs, flux.FieldError{Field: "function_name", Message: "is required"})
	case len(in.FunctionName) > 64:
		fs = append(fs, flux.FieldError{Field: "function_name", Message: "is longer than 64 characters"})
	}
	fs = append(fs, flux.TextErrors("", &in)...)
	if len(fs) > 0 {
		return nil, flux.Invalid("invalid function call", fs...)
	}
	userID, err := callerID(u)
	if err != nil {
		return nil, err
	}
	conv, err := session(ctx, s.store, userID, in.SessionID)
	if err != nil {
		return nil, err
	}
	intent, known := s.intents.Lookup(in.FunctionName)
	if !known {
		return &IntentResult{FunctionCallID: in.FunctionCallID, Result: fmt.Sprintf(msgUnknownFmt, flux.OneLine(in.FunctionName, 64))}, nil
	}

	rec, data, err := s.claimOrWait(ctx, conv, in, intent)
	if err != nil {
		return nil, err
	}
	if rec.Status == intentDone {
		return &IntentResult{FunctionCallID: in.FunctionCallID, Result: rec.Result, TaskID: rec.TaskID, GoalID: rec.GoalID, Replayed: true}, nil
	}

	call := &intentCall{s: s, user: u, loc: u.Location(), now: s.clock.Now(), conv: conv, fcid: in.FunctionCallID,
		intent: intent, input: in.Input, rec: *rec, refs: data.Refs}
	out, err := call.run(ctx)
	if err != nil {
		// Nothing was changed: let a repeat try again.
		s.log.ErrorContext(ctx, "voice: intent failed", "user_id", userID, "session_id", conv.ID,
			"function", in.FunctionName, "function_call_id", in.FunctionCallID, "err", err)
		s.release(ctx, conv, in.FunctionCallID)
		return &IntentResult{FunctionCallID: in.FunctionCallID, Result: msgFailed}, nil
	}
	if !out.recorded {
		if err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			return s.finish(ctx, tx, conv, in.FunctionCallID, out)
		}); err != nil {
			return nil, err
		}
	}
	s.log.InfoContext(ctx, "voice: intent handled", "user_id", userID, "session_id", conv.ID,
		"function", in.FunctionName, "function_call_id", in.FunctionCallID, "task_id", out.taskID, "goal_id", out.goalID)
	return &IntentResult{FunctionCallID: in.FunctionCallID, Result: out.result, TaskID: out.taskID, GoalID: out.goalID}, nil
}

// claimOrWait claims the function call for this submission, or returns the
// record of the submission that handled it. While another submission holds
// the claim it polls, up to intentWait.
func (s *Service) claimOrWait(ctx context.Context, conv *flux.Conversation, in IntentInput, intent Intent) (*intentRecord, *sessionData, error) {
	waitCtx, cancel := context.WithTimeout(ctx, s.intentWait)
	defer cancel()
	wait := 10 * time.Millisecond
	for {
		rec, data, claimed, err := s.claim(ctx, conv, in, intent)
		if err != nil {
			return nil, nil, err
		}
		if claimed || rec.Status == intentDone {
			return rec, data, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-waitCtx.Done():
			t.Stop()
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, flux.Errorf(flux.EConflict, "function call %s is still being handled; try again shortly", in.FunctionCallID)
		case <-t.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// claim records, with the session row locked, that this submission handles
// the call; or, when the call is known, returns its record unchanged.
func (s *Service) claim(ctx context.Context, conv *flux.Conversation, in IntentInput, intent Intent) (*intentRecord, *sessionData, bool, error) {
	now := s.clock.Now()
	var (
		out     intentRecord
		data    *sessionData
		claimed bool
	)
	input, _ := json.Marshal(in.Input)
	if len(input) > maxStoredInput {
		input = nil // kept for the record only; a huge one is not worth storing
	}
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		_, err := tx.Conversations().UpdateConversation(ctx, conv.UserID, conv.ID, func(c *flux.Conversation) error {
			if c.Kind != flux.ConversationVoice {
				return flux.NotFound("voice session")
			}
			d, err := decodeData(c.Data)
			if err != nil {
				return err
			}
			data = d
			prev := d.Intents[in.FunctionCallID]
			if prev != nil {
				if prev.Function != in.FunctionName {
					return flux.Errorf(flux.EConflict, "function call %s was already used for %s", in.FunctionCallID, prev.Function)
				}
				if prev.Status == intentDone || now.Sub(prev.ClaimedAt) < s.claimTTL {
					out = *prev
					return errNoChange
				}
				// The claim was abandoned (its process stopped): take it
				// over, keeping what it had already created.
			}
			if c.EndedAt != nil {
				return flux.Errorf(flux.EConflict, "the voice session is closed")
			}
			if prev == nil && len(d.Intents) >= MaxSessionIntents {
				return flux.Errorf(flux.ETooMany, "the voice session has handled %d requests; start a new one", MaxSessionIntents)
			}
			rec := &intentRecord{Function: in.FunctionName, Route: intent.Route, Status: intentPending, ClaimedAt: now, Input: input}
			if prev != nil {
				rec.TaskID, rec.GoalID = prev.TaskID, prev.GoalID
			}
			d.Intents[in.FunctionCallID] = rec
			c.Data = d.encode()
			out, claimed = *rec, true
			return nil
		})
		return err
	})
	if errors.Is(err, errNoChange) {
		return &out, data, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	return &out, data, claimed, nil
}

// release drops a claim whose handler changed nothing, so that a repeat of
// the call acts. A failure here only delays that repeat until the claim
// times out.
func (s *Service) release(ctx context.Context, conv *flux.Conversation, fcid string) {
	_, err := s.store.Conversations().UpdateConversation(context.WithoutCancel(ctx), conv.UserID, conv.ID, func(c *flux.Conversation) error {
		d, err := decodeData(c.Data)
		if err != nil {
			return err
		}
		if r := d.Intents[fcid]; r != nil && r.Status == intentPending {
			if r.TaskID != "" || r.GoalID != "" {
				return errNoChange // something exists: keep it for the resume
			}
			delete(d.Intents, fcid)
		}
		c.Data = d.encode()
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		s.log.WarnContext(ctx, "voice: could not release an intent claim", "session_id", conv.ID, "function_call_id", fcid, "err", err)
	}
}

// outcome is what a handler did.
type outcome struct {
	result string
	taskID string
	goalID string
	// recorded reports that the handler already recorded the outcome in
	// the transaction that made its change.
	recorded bool
}

// finish records the call as done, inside tx: its result, what it linked,
// a reference for a task it created, and the goal on the session.
func (s *Service) finish(ctx context.Context, tx flux.Stores, conv *flux.Conversation, fcid string, out outcome) error {
	now := s.clock.Now()
	_, err := tx.Conversations().UpdateConversation(ctx, conv.UserID, conv.ID, func(c *flux.Conversation) error {
		d, err := decodeData(c.Data)
		if err != nil {
			return err
		}
		r := d.Intents[fcid]
		if r == nil {
			r = &intentRecord{ClaimedAt: now}
			d.Intents[fcid] = r
		}
		r.Status, r.Result, r.DoneAt = intentDone, out.result, &now
		if out.taskID != "" {
			r.TaskID = out.taskID
			d.addRef(out.taskID)
		}
		if out.goalID != "" {
			r.GoalID = out.goalID
			if c.GoalID == "" {
				c.GoalID = out.goalID
			}
		}
		c.Data = d.encode()
		return nil
	})
	return err
}

// progress records, inside tx, the task a call has created before it calls
// the scheduler, so that a retried claim resumes with it.
func (s *Service) progress(ctx context.Context, tx flux.Stores, conv *flux.Conversation, fcid, taskID string) error {
	_, err := tx.Conversations().UpdateConversation(ctx, conv.UserID, conv.ID, func(c *flux.Conversation) error {
		d, err := decodeData(c.Data)
		if err != nil {
			return err
		}
		if r := d.Intents[fcid]; r != nil {
			r.TaskID = taskID
		}
		d.addRef(taskID)
		c.Data = d.encode()
		return nil
	})
	return err
}

// intentCall is one claimed function call being handled.
type intentCall struct {
	s      *Service
	user   *flux.User
	loc    *time.Location
	now    time.Time
	conv   *flux.Conversation
	fcid   string
	intent Intent
	input  map[string]any
	rec    intentRecord
	refs   map[string]string
}

// run dispatches on the intent's route. A returned error means nothing was
// changed.
func (c *intentCall) run(ctx context.Context) (outcome, error) {
	switch c.intent.Route {
	case RouteGoal:
		return c.goal(ctx)
	case RouteNewTask:
		return c.newTask(ctx)
	case RouteReschedule:
		return c.reschedule(ctx)
	}
	return outcome{result: fmt.Sprintf(msgUnknownFmt, c.intent.Name)}, nil
}

// arg returns a parameter as trimmed text, whatever JSON type the model
// used for it.
func (c *intentCall) arg(name string) string {
	v, ok := c.input[name]
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return strings.TrimSpace(string(b))
}

func (c *intentCall) whenContext() WhenContext {
	sleep := c.user.SleepWindow
	wc := WhenContext{Now: c.now, Location: c.loc}
	if sleep.Start != sleep.End {
		wc.Sleep = &sleep
	}
	return wc
}

// atomicFinish runs fn and records the outcome in one transaction.
func (c *intentCall) atomicFinish(ctx context.Context, fn func(ctx context.Context, tx flux.Stores) (outcome, error)) (outcome, error) {
	var out outcome
	err := c.s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		var err error
		if out, err = fn(ctx, tx); err != nil {
			return err
		}
		return c.s.finish(ctx, tx, c.conv, c.fcid, out)
	})
	out.recorded = err == nil
	return out, err
}

// spokenError turns a planner or scheduler refusal into a sentence; ok is
// false for an unexpected failure.
func spokenError(err error) (string, bool) {
	switch flux.ErrorCode(err) {
	case flux.EInvalid, flux.EUnprocessable, flux.EConflict, flux.ENotFound:
		msg := strings.TrimSpace(flux.ErrorMessage(err))
		msg = strings.TrimSuffix(msg, ".")
		return flux.OneLine(msg, 200), true
	}
	return "", false
}

// goal handles RouteGoal: create the goal and plan it.
func (c *intentCall) goal(ctx context.Context) (outcome, error) {
	stmt := c.arg("goal_statement")
	if stmt == "" {
		return outcome{result: msgNeedGoal}, nil
	}
	if utf8.RuneCountInString(stmt) > 500 {
		return outcome{result: "That goal is a bit long. Could you say it in a shorter way?"}, nil
	}
	timeline, notes := c.arg("timeline"), c.arg("context_notes")
	done := "Goal created: " + stmt + "."
	if timeline != "" {
		done = "Goal created: " + stmt + " with a target of " + timeline + "."
	}
	if c.s.planner != nil {
		g, err := c.s.planner.PlanGoal(ctx, c.user, stmt, timeline, notes)
		if err != nil {
			if msg, ok := spokenError(err); ok {
				return outcome{result: "I couldn't create that goal: " + msg + "."}, nil
			}
			return outcome{}, fmt.Errorf("plan goal: %w", err)
		}
		return outcome{result: done, goalID: g.ID}, nil
	}
	weeks, target := c.timelineTarget(timeline)
	return c.atomicFinish(ctx, func(ctx context.Context, tx flux.Stores) (outcome, error) {
		g := &flux.Goal{UserID: c.user.ID, Title: stmt, Description: notes, Status: flux.GoalActive, TargetWeeks: weeks, TargetDate: target}
		if err := tx.Goals().CreateGoal(ctx, g); err != nil {
			return outcome{}, fmt.Errorf("create goal: %w", err)
		}
		return outcome{result: done + msgNoPlan, goalID: g.ID}, nil
	})
}

var (
	timelineRe   = regexp.MustCompile(`(\d+)\s*(weeks?|wks?|months?|mos?|years?|yrs?|days?)\b`)
	numberWordRe = regexp.MustCompile(`\b(an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty)\b`)
)

// timelineTarget reads a spoken timeline as a horizon in weeks (as the
// original did: the first "<n> week(s)/month(s)" with months as 4 weeks;
// also years and days; 6 when nothing matches) and, when it names a date,
// that date.
func (c *intentCall) timelineTarget(timeline string) (int, *time.Time) {
	const def = 6
	t := strings.ToLower(timeline)
	if t == "" {
		return def, nil
	}
	if w, err := ParseWhen(timeline, c.whenContext()); err == nil && w.Rule == "" {
		days := daysBetween(c.now.In(c.loc), w.Start)
		if days > 0 {
			y, m, d := w.Start.Date()
			date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
			return min(520, max(1, int(math.Ceil(float64(days)/7)))), &date
		}
	}
	t = numberWordRe.ReplaceAllStringFunc(t, func(w string) string {
		if w == "a" || w == "an" {
			return "1"
		}
		return strconv.Itoa(numberWords[w])
	})
	m := timelineRe.FindStringSubmatch(t)
	if m == nil {
		return def, nil
	}
	n, _ := strconv.Atoi(m[1])
	switch unit := m[2]; {
	case strings.HasPrefix(unit, "w"):
	case strings.HasPrefix(unit, "mo"):
		n *= 4
	case strings.HasPrefix(unit, "y"):
		n *= 52
	case strings.HasPrefix(unit, "d"):
		n = int(math.Ceil(float64(n) / 7))
	}
	return min(520, max(1, n)), nil
}

// newTask handles RouteNewTask: create the task and schedule it.
func (c *intentCall) newTask(ctx context.Context) (outcome, error) {
	title := c.arg("title")
	if title == "" {
		return outcome{result: msgNeedTitle}, nil
	}
	if utf8.RuneCountInString(title) > 200 {
		return outcome{result: "That title is a bit long. What's a shorter name for the task?"}, nil
	}
	trigger := strings.ToLower(c.arg("trigger_type"))
	switch trigger {
	case "", "time":
		trigger = string(flux.TriggerTime)
	case "location", "place":
		trigger = string(flux.TriggerLocation)
	default:
		return outcome{result: "Should I remind you at a time, or when you get somewhere?"}, nil
	}
	done := "Task created: " + title + "."
	if trigger == string(flux.TriggerLocation) {
		place := c.arg("location_trigger")
		if place == "" {
			return outcome{result: "Where should I remind you about " + title + "?"}, nil
		}
		return c.atomicFinish(ctx, func(ctx context.Context, tx flux.Stores) (outcome, error) {
			t := &flux.Task{UserID: c.user.ID, Title: title, Status: flux.TaskPending, Priority: flux.PriorityStandard,
				DurationMinutes: defaultTaskMinutes, TriggerType: flux.TriggerLocation, LocationTrigger: flux.OneLine(place, 200)}
			if err := scheduler.ValidateTask(t); err != nil {
				return outcome{}, err
			}
			if err := tx.Tasks().CreateTask(ctx, t); err != nil {
				return outcome{}, fmt.Errorf("create task: %w", err)
			}
			return outcome{result: done, taskID: t.ID}, nil
		})
	}

	w, question := c.taskWhen(title)
	if question != "" {
		return outcome{result: question}, nil
	}
	t := &flux.Task{UserID: c.user.ID, Title: title, Status: flux.TaskPending, Priority: flux.PriorityStandard,
		DurationMinutes: defaultTaskMinutes, TriggerType: flux.TriggerTime, RecurrenceRule: w.Rule,
		PreferredTime: string(w.Period), AllowWorkHours: w.HasTime}
	if w.HasTime {
		t.PreferredTime = fmt.Sprintf("%02d:%02d", w.Start.Hour(), w.Start.Minute())
	}
	if !w.HasTime {
		from, to := w.Window()
		fromUTC := from.UTC()
		t.EarliestStart = &fromUTC
		if w.Rule == "" {
			toUTC := to.UTC()
			t.Deadline = &toUTC
		}
	}
	if w.Rule != "" {
		t.ID = flux.NewID()
		t.SeriesID, t.Occurrence = t.ID, 1
	}
	if err := scheduler.ValidateTask(t); err != nil {
		// Every task, whoever creates it, meets the one task policy
		// (scheduler.ValidateTask); what the person said did not.
		if msg, ok := spokenError(err); ok {
			return outcome{result: "I couldn't create that task: " + msg + "."}, nil
		}
		return outcome{}, err
	}
	created := func(at *time.Time, when When) string {
		if when.Rule != "" {
			return "Task created: " + title + ", " + when.Describe(c.now) + "."
		}
		if at == nil {
			return "Task created: " + title + ", " + when.Describe(c.now) + "."
		}
		return "Task created: " + title + ", " + When{Start: at.In(c.loc), HasTime: true}.Describe(c.now) + "."
	}

	if c.s.scheduler == nil {
		// Reduced form: keep the task at the time the user said.
		return c.atomicFinish(ctx, func(ctx context.Context, tx flux.Stores) (outcome, error) {
			note := msgNotChecked
			if slot := w.Slot(); !slot.IsZero() {
				at := slot.UTC()
				t.ScheduledAt, t.Status = &at, flux.TaskScheduled
			} else {
				note = msgNotScheduled
			}
			if err := tx.Tasks().CreateTask(ctx, t); err != nil {
				return outcome{}, fmt.Errorf("create task: %w", err)
			}
			return outcome{result: created(t.ScheduledAt, w) + note, taskID: t.ID}, nil
		})
	}

	// Create the task (or resume with the one a previous attempt created),
	// recording it before the scheduler runs.
	taskID := c.rec.TaskID
	if taskID == "" {
		err := c.s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			if err := tx.Tasks().CreateTask(ctx, t); err != nil {
				return fmt.Errorf("create task: %w", err)
			}
			return c.s.progress(ctx, tx, c.conv, c.fcid, t.ID)
		})
		if err != nil {
			return outcome{}, err
		}
		taskID = t.ID
	}
	var placed *flux.Task
	var err error
	if w.HasTime {
		placed, err = c.s.scheduler.MoveTask(ctx, c.user, taskID, w.Start)
	} else {
		placed, err = c.s.scheduler.PlaceTask(ctx, c.user, taskID)
	}
	switch {
	case err != nil:
		if msg, ok := spokenError(err); ok {
			return outcome{result: "Task created: " + title + ", but I couldn't schedule it: " + msg + ".", taskID: taskID}, nil
		}
		c.s.log.WarnContext(ctx, "voice: scheduler failed", "user_id", c.user.ID, "task_id", taskID, "err", err)
		return outcome{result: done + msgScheduleFailed, taskID: taskID}, nil
	case placed == nil || placed.ScheduledAt == nil:
		return outcome{result: done + msgNoSlot, taskID: taskID}, nil
	}
	return outcome{result: created(placed.ScheduledAt, w), taskID: taskID}, nil
}

// taskWhen reads scheduled_at and recurrence_rule together; question is a
// spoken clarification when they cannot be used.
func (c *intentCall) taskWhen(title string) (When, string) {
	at, rule := c.arg("scheduled_at"), c.arg("recurrence_rule")
	if at == "" && rule == "" {
		return When{}, "When should I remind you about " + title + "?"
	}
	wc := c.whenContext()
	if looksLikeRule(rule) {
		r, err := ParseRule(rule)
		if err != nil {
			return When{}, "I couldn't use that repeat pattern. How often should " + title + " repeat?"
		}
		w := When{Start: time.Date(c.now.In(c.loc).Year(), c.now.In(c.loc).Month(), c.now.In(c.loc).Day(), 0, 0, 0, 0, c.loc)}
		if at != "" {
			var err error
			if w, err = ParseWhen(at, wc); err != nil {
				return When{}, question(err)
			}
			if w.Rule != "" {
				return When{}, "Should " + title + " repeat " + w.Repeat + ", or as you said before?"
			}
		}
		first, ok := firstOccurrence(r, w, c.now)
		if !ok {
			return When{}, "That repeat pattern has no dates left. How often should " + title + " repeat?"
		}
		w.Start, w.Rule, w.Repeat = first, r, "on a repeating schedule"
		if strings.Contains(r, "BYHOUR=") {
			w.HasTime = true // the rule itself fixes the time of day
		}
		return w, ""
	}
	w, err := ParseWhen(strings.TrimSpace(at+" "+rule), wc)
	if err != nil {
		return When{}, question(err)
	}
	if rule != "" && w.Rule == "" {
		return When{}, "How often should " + title + " repeat?"
	}
	return w, ""
}

// firstOccurrence returns the first occurrence of rule at or after the
// start w names (and not before now for a timed start).
func firstOccurrence(rule string, w When, now time.Time) (time.Time, bool) {
	opt, err := rrule.StrToROption(rule)
	if err != nil {
		return time.Time{}, false
	}
	opt.Dtstart = w.Start
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return time.Time{}, false
	}
	after := w.Start
	if w.HasTime && now.After(after) {
		after = now
	}
	first := r.After(after, true)
	return first, !first.IsZero()
}

// question returns the sentence of a *Clarification, or a generic question.
func question(err error) string {
	var q *Clarification
	if errors.As(err, &q) {
		return q.Question
	}
	return "Sorry, when should that be?"
}

// reschedule handles RouteReschedule: move one of the user's tasks.
func (c *intentCall) reschedule(ctx context.Context) (outcome, error) {
	ref := c.arg("task_id")
	if ref == "" {
		return outcome{result: msgNeedTask}, nil
	}
	t, err := c.findTask(ctx, ref)
	if err != nil {
		return outcome{}, err
	}
	if t == nil {
		return outcome{result: msgTaskNotFound}, nil
	}
	title := flux.OneLine(t.Title, maxPromptTitle)
	if !t.Status.Open() {
		if t.Status == flux.TaskDone {
			return outcome{result: "'" + title + "' is already done, so there is nothing to move."}, nil
		}
		return outcome{result: "'" + title + "' is no longer open, so I can't move it."}, nil
	}
	phrase := c.arg("preferred_new_time")
	var start time.Time
	var when When
	if phrase != "" {
		w, err := ParseWhen(phrase, c.whenContext())
		if err != nil {
			return outcome{result: question(err)}, nil
		}
		if w.Rule != "" {
			return outcome{result: "I can move '" + title + "' to one time. When should it be?"}, nil
		}
		when = w
		switch {
		case w.HasTime:
			start = w.Start
		case w.Period != PeriodNone:
			start = w.Slot()
		case t.ScheduledAt != nil:
			// A day without a time keeps the task's time of day.
			old := t.ScheduledAt.In(c.loc)
			start = time.Date(w.Start.Year(), w.Start.Month(), w.Start.Day(), old.Hour(), old.Minute(), 0, 0, c.loc)
			if start.Before(c.now) {
				return outcome{result: "That would be in the past. When should '" + title + "' be instead?"}, nil
			}
		}
	}
	if c.s.scheduler == nil {
		if start.IsZero() {
			return outcome{result: "When would you like to move '" + title + "' to?"}, nil
		}
		return c.atomicFinish(ctx, func(ctx context.Context, tx flux.Stores) (outcome, error) {
			at := start.UTC()
			_, err := tx.Tasks().UpdateTask(ctx, c.user.ID, t.ID, func(x *flux.Task) error {
				x.ScheduledAt, x.Status = &at, flux.TaskScheduled
				return nil
			})
			if err != nil {
				return outcome{}, fmt.Errorf("move task: %w", err)
			}
			return outcome{result: c.moved(title, start) + msgNotChecked, taskID: t.ID}, nil
		})
	}
	var placed *flux.Task
	if !start.IsZero() {
		placed, err = c.s.scheduler.MoveTask(ctx, c.user, t.ID, start)
		if err != nil {
			if msg, ok := spokenError(err); ok {
				return outcome{result: "I couldn't move '" + title + "': " + msg + ".", taskID: t.ID}, nil
			}
			return outcome{}, fmt.Errorf("reschedule: %w", err)
		}
	} else {
		// No time, or a day for an unscheduled task: let the scheduler find
		// a slot, from that day on.
		_, err = c.s.store.Tasks().UpdateTask(ctx, c.user.ID, t.ID, func(x *flux.Task) error {
			x.ScheduledAt, x.Status = nil, flux.TaskPending
			if !when.Start.IsZero() {
				from := when.Start.UTC()
				x.EarliestStart = &from
			}
			return nil
		})
		if err != nil {
			return outcome{}, fmt.Errorf("reschedule: %w", err)
		}
		// The task has left its old slot: from here on every answer is final.
		placed, err = c.s.scheduler.PlaceTask(ctx, c.user, t.ID)
		if err != nil {
			if msg, ok := spokenError(err); ok {
				return outcome{result: "I took '" + title + "' off its old time, but couldn't find a new one: " + msg + ".", taskID: t.ID}, nil
			}
			c.s.log.WarnContext(ctx, "voice: scheduler failed", "user_id", c.user.ID, "task_id", t.ID, "err", err)
			return outcome{result: "I took '" + title + "' off its old time, but couldn't find a new one just now.", taskID: t.ID}, nil
		}
	}
	if placed == nil || placed.ScheduledAt == nil {
		return outcome{result: "I took '" + title + "' off its old time, but couldn't find a new one yet.", taskID: t.ID}, nil
	}
	return outcome{result: c.moved(title, placed.ScheduledAt.In(c.loc)), taskID: t.ID}, nil
}

// moved is the original's answer: "Rescheduled '<title>' to <time>."
func (c *intentCall) moved(title string, at time.Time) string {
	return "Rescheduled '" + title + "' to " + When{Start: at.In(c.loc), HasTime: true}.Describe(c.now) + "."
}

// findTask resolves what the model passed as task_id: a short reference
// ("T2"), a full task id, or the exact title of a task the session knows.
// It returns nil when no task of the user matches.
func (c *intentCall) findTask(ctx context.Context, ref string) (*flux.Task, error) {
	get := func(id string) (*flux.Task, error) {
		t, err := c.s.store.Tasks().GetTask(ctx, c.user.ID, id)
		if flux.IsCode(err, flux.ENotFound) {
			return nil, nil
		}
		return t, err
	}
	if r, ok := normalizeRef(ref); ok {
		if id, ok := c.refs[r]; ok {
			return get(id)
		}
		return nil, nil
	}
	if flux.ValidID(strings.ToLower(ref)) {
		return get(strings.ToLower(ref))
	}
	var match *flux.Task
	for _, id := range c.refs {
		t, err := get(id)
		if err != nil {
			return nil, err
		}
		if t != nil && strings.EqualFold(strings.TrimSpace(t.Title), ref) {
			if match != nil {
				return nil, nil // two tasks share the title: ask for the reference
			}
			match = t
		}
	}
	return match, nil
}
