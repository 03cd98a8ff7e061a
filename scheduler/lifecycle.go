package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// openStatuses are the statuses of a task that still waits to be done.
var openStatuses = []flux.TaskStatus{flux.TaskPending, flux.TaskScheduled, flux.TaskDrifted}

// CreateTask stores a new task of user u. Its ID is filled in when empty;
// with no Status it is scheduled when it has a slot and pending when not; a
// recurring task starts its own series (SeriesID is its id, Occurrence 1).
// Errors: EInvalid listing every problem (flux.Task.Validate and
// CheckTask), ENotFound when its goal or milestone is not the user's.
func (s *Service) CreateTask(ctx context.Context, u *flux.User, t *flux.Task) error {
	t.UserID = u.ID
	if t.ID == "" {
		t.ID = flux.NewID()
	}
	if t.Status == "" {
		t.Status = flux.TaskPending
		if t.ScheduledAt != nil {
			t.Status = flux.TaskScheduled
		}
	}
	startSeries(t)
	if err := validate(t); err != nil {
		return err
	}
	return s.store.Tasks().CreateTask(ctx, t)
}

// UpdateTask edits one of the user's tasks through fn, then keeps its
// status in step with its slot (an open task given a slot is scheduled, one
// whose slot is removed is pending), starts the series of a task that
// became recurring, and validates it as CreateTask does.
func (s *Service) UpdateTask(ctx context.Context, u *flux.User, id string, fn func(*flux.Task) error) (*flux.Task, error) {
	return s.store.Tasks().UpdateTask(ctx, u.ID, id, func(t *flux.Task) error {
		before := *t
		if err := fn(t); err != nil {
			return err
		}
		if t.Status.Open() {
			switch {
			case t.ScheduledAt == nil:
				t.Status = flux.TaskPending
			case !sameTime(t.ScheduledAt, before.ScheduledAt) || t.Status == flux.TaskPending:
				t.Status = flux.TaskScheduled
			}
		}
		startSeries(t)
		return validate(t)
	})
}

// validate runs flux.Task.Validate and CheckTask and lists the problems of
// both in one EInvalid error.
func validate(t *flux.Task) error {
	var fs []flux.FieldError
	for _, err := range []error{t.Validate(), CheckTask(t)} {
		var fe *flux.Error
		if errors.As(err, &fe) {
			fs = append(fs, fe.Fields...)
		}
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid task", fs...)
	}
	return nil
}

// Complete marks one of the user's tasks done, in one transaction with
// what follows from it. It is idempotent: completing a done task returns
// it unchanged. When the task was open: a recurring task's series advances
// to its next occurrence (exactly once, however often and however
// concurrently it is completed), and when it was its goal's last open task
// the goal is completed.
func (s *Service) Complete(ctx context.Context, u *flux.User, taskID string) (*flux.Task, error) {
	var out *flux.Task
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		now := s.now()
		var before flux.Task
		t, err := tx.Tasks().UpdateTask(ctx, u.ID, taskID, func(t *flux.Task) error {
			before = *t
			if t.Status == flux.TaskDone {
				return errUnchanged
			}
			t.Status, t.CompletedAt = flux.TaskDone, &now
			if before.Status.Open() {
				startSeries(t)
			}
			return nil
		})
		if errors.Is(err, errUnchanged) {
			out = &before
			return nil
		}
		if err != nil {
			return err
		}
		out = t
		if !before.Status.Open() {
			return nil
		}
		if t.RecurrenceRule != "" {
			if err := s.advance(ctx, tx, u, t, now); err != nil {
				return err
			}
		}
		if t.GoalID != "" {
			return completeGoalIfDone(ctx, tx, u.ID, t.GoalID, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Missed marks one of the user's open tasks missed; a recurring task's
// series advances to its next occurrence, as on completion. It is
// idempotent; a done, cancelled or rescheduled task is EConflict.
func (s *Service) Missed(ctx context.Context, u *flux.User, taskID string) (*flux.Task, error) {
	var out *flux.Task
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		now := s.now()
		var before flux.Task
		t, err := tx.Tasks().UpdateTask(ctx, u.ID, taskID, func(t *flux.Task) error {
			before = *t
			switch {
			case t.Status == flux.TaskMissed:
				return errUnchanged
			case !t.Status.Open():
				return flux.Errorf(flux.EConflict, "the task is %s; it cannot be missed", t.Status)
			}
			t.Status = flux.TaskMissed
			startSeries(t)
			return nil
		})
		if errors.Is(err, errUnchanged) {
			out = &before
			return nil
		}
		if err != nil {
			return err
		}
		out = t
		if t.RecurrenceRule != "" {
			return s.advance(ctx, tx, u, t, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// advance creates the next occurrence of the series of t, an occurrence
// that has just been done or missed: the first date of the rule after this
// occurrence (and after now), at the same local time; when t had no slot,
// the engine places the next one on its date. Nothing is created when the
// series has already moved past t, when the rule, the task's deadline or
// the goal's horizon ends the series, or when the goal is over.
func (s *Service) advance(ctx context.Context, tx flux.Stores, u *flux.User, t *flux.Task, now time.Time) error {
	loc := u.Location()
	var goalEnd time.Time
	if t.GoalID != "" {
		g, err := tx.Goals().GetGoal(ctx, u.ID, t.GoalID)
		if err != nil {
			return err
		}
		if g.Status == flux.GoalCompleted || g.Status == flux.GoalAbandoned {
			return nil
		}
		goalEnd = seriesEnd(g, loc)
	}
	occ := max(t.Occurrence, 1)
	// A series advances once from each occurrence: when a later one exists
	// (a repeated or concurrent call got here first, or t is a make-up of a
	// missed occurrence), there is nothing to do.
	series, _, err := listTasks(ctx, tx, u.ID, flux.TaskFilter{SeriesID: t.SeriesID}, maxBusy)
	if err != nil {
		return err
	}
	for _, x := range series {
		if x.ID != t.ID && x.Occurrence > occ {
			return nil
		}
	}
	timed := t.ScheduledAt != nil
	var dtstart, after time.Time
	if timed {
		dtstart, after = *t.ScheduledAt, *t.ScheduledAt
		if now.After(after) {
			after = now
		}
	} else {
		y, m, d := now.In(loc).Date()
		dtstart, after = time.Date(y, m, d, 0, 0, 0, 0, loc), now
	}
	next, ok := nextOccurrence(t.RecurrenceRule, loc, dtstart, occ, after)
	if !ok || (t.Deadline != nil && next.After(*t.Deadline)) || (!goalEnd.IsZero() && !next.Before(goalEnd)) {
		return nil
	}
	n := flux.Task{
		ID: flux.NewID(), UserID: u.ID, GoalID: t.GoalID, MilestoneID: t.MilestoneID,
		Title: t.Title, Description: t.Description, Status: flux.TaskScheduled, Priority: t.Priority,
		DurationMinutes: t.DurationMinutes, Deadline: t.Deadline, PreferredTime: t.PreferredTime,
		RecurrenceRule: t.RecurrenceRule, SeriesID: t.SeriesID, Occurrence: occ + 1,
		TriggerType: t.TriggerType, LocationTrigger: t.LocationTrigger, AllowWorkHours: t.AllowWorkHours,
	}
	if timed {
		n.ScheduledAt = &next
	} else {
		if err := s.placeOnDay(ctx, tx, u, &n, next, now); err != nil {
			return err
		}
	}
	return tx.Tasks().CreateTask(ctx, &n)
}

// placeOnDay puts a new occurrence n on the local day of date: the engine
// places a time-triggered one on that day; when it cannot (or the task is
// triggered by a location) the occurrence stays pending, not before the
// day.
func (s *Service) placeOnDay(ctx context.Context, tx flux.Stores, u *flux.User, n *flux.Task, date, now time.Time) error {
	loc := u.Location()
	y, m, d := date.In(loc).Date()
	day, dayEnd := time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	n.Status, n.ScheduledAt, n.EarliestStart = flux.TaskPending, nil, &day
	if n.TriggerType != flux.TriggerTime || !dayEnd.After(now) {
		return nil
	}
	rules := s.Rules(u)
	busy, err := s.busy(ctx, tx, u.ID, loc, day, dayEnd, nil)
	if err != nil {
		return err
	}
	in := FromTask(n)
	in.RecurrenceRule, in.Anchor = "", time.Time{}
	if in.Deadline.IsZero() || in.Deadline.After(dayEnd) {
		in.Deadline = dayEnd
	}
	res, err := s.engine.Schedule(Input{Now: now, From: day, To: dayEnd, Tasks: []TaskInput{in}, Busy: busy, Rules: rules, Weights: s.userWeights(ctx, tx, u.ID)})
	if err != nil {
		s.log.WarnContext(ctx, "scheduler: the next occurrence could not be placed", "task_id", n.ID, "error", err)
		return nil
	}
	if len(res.Placements) > 0 {
		start := res.Placements[0].Start
		n.Status, n.ScheduledAt = flux.TaskScheduled, &start
	}
	return nil
}

// completeGoalIfDone completes the user's active goal when it has no open
// task left.
func completeGoalIfDone(ctx context.Context, tx flux.Stores, userID, goalID string, now time.Time) error {
	open, _, err := tx.Tasks().ListTasks(ctx, userID, flux.TaskFilter{GoalID: goalID, Statuses: openStatuses}, flux.Page{Limit: 1})
	if err != nil || len(open) > 0 {
		return err
	}
	_, err = tx.Goals().UpdateGoal(ctx, userID, goalID, func(g *flux.Goal) error {
		if g.Status != flux.GoalActive {
			return errUnchanged
		}
		g.Status, g.CompletedAt = flux.GoalCompleted, &now
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// RescheduleRequest asks to move a task.
type RescheduleRequest struct {
	// NewStart, when set, is where the task goes: the slot must be free and
	// in the future (else EConflict) and keep the user's sleep window,
	// cutoff and work hours (else EInvalid naming the rule it breaks).
	NewStart *time.Time
	// Message, used when NewStart is not set, may hint at when: "tomorrow",
	// "morning", "afternoon", "evening" or "tonight". The engine then picks
	// the next suitable slot.
	Message string
}

// Rescheduled is a moved task and why it went there.
type Rescheduled struct {
	Task *flux.Task `json:"task"`
	// Previous is the slot it left, if it had one.
	Previous *time.Time `json:"previous_start"`
	Reason   string     `json:"reason"`
}

// Reschedule moves one of the user's open or missed tasks to req.NewStart,
// or to the next suitable slot within DefaultReplanDays, and schedules it.
// A done or cancelled task is EConflict; so is a task with no free slot
// ahead.
func (s *Service) Reschedule(ctx context.Context, u *flux.User, taskID string, req RescheduleRequest) (*Rescheduled, error) {
	var out *Rescheduled
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := lockUser(ctx, tx, u.ID); err != nil {
			return err
		}
		t, err := tx.Tasks().GetTask(ctx, u.ID, taskID)
		if err != nil {
			return err
		}
		if !t.Status.Open() && t.Status != flux.TaskMissed {
			return flux.Errorf(flux.EConflict, "the task is %s; only open or missed tasks can be moved", t.Status)
		}
		now, rules := s.now(), s.Rules(u)
		loc := rules.location()
		var (
			start  time.Time
			reason string
		)
		if req.NewStart != nil {
			start = *req.NewStart
			end := start.Add(time.Duration(t.DurationMinutes) * time.Minute)
			busy, err := s.busy(ctx, tx, u.ID, loc, start, end, map[string]bool{t.ID: true})
			if err != nil {
				return err
			}
			if err := s.engine.CheckSlot(Input{Now: now, Busy: busy, Rules: rules}, FromTask(t), start, end); err != nil {
				return slotError(err, "new_start")
			}
			reason = fmt.Sprintf("Moved to %s, as you asked.", fmtTime(start.In(loc)))
		} else {
			in := FromTask(t)
			in.RecurrenceRule, in.Anchor = "", time.Time{}
			applyHints(&in, req.Message, now, loc)
			to := now.AddDate(0, 0, DefaultReplanDays)
			busy, err := s.busy(ctx, tx, u.ID, loc, now, to, map[string]bool{t.ID: true})
			if err != nil {
				return err
			}
			res, err := s.engine.Replan(Input{Now: now, From: now, To: to, Tasks: []TaskInput{in}, Busy: busy, Rules: rules, Weights: s.userWeights(ctx, tx, u.ID)})
			if err != nil {
				return err
			}
			if len(res.Placements) == 0 {
				detail := "nothing is free"
				if len(res.Unplaced) > 0 {
					detail = res.Unplaced[0].Detail
				}
				return flux.Errorf(flux.EConflict, "no suitable slot in the next %d days: %s", DefaultReplanDays, detail)
			}
			start, reason = res.Placements[0].Start, res.Placements[0].Explain
		}
		moved, err := tx.Tasks().UpdateTask(ctx, u.ID, t.ID, func(x *flux.Task) error {
			if x.Status != t.Status || !sameTime(x.ScheduledAt, t.ScheduledAt) || x.DurationMinutes != t.DurationMinutes {
				return flux.Errorf(flux.EConflict, "the task changed while it was being moved; try again")
			}
			x.Status, x.ScheduledAt = flux.TaskScheduled, &start
			return nil
		})
		if err != nil {
			return err
		}
		out = &Rescheduled{Task: moved, Previous: t.ScheduledAt, Reason: reason}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// slotError turns CheckSlot's error into the service's: a slot in the past
// or overlapping busy time is EConflict; one breaking a rule (sleep,
// cutoff, work hours, order) is EInvalid listing each rule under field, by
// name.
func slotError(err error, field string) error {
	var se *SlotError
	if !errors.As(err, &se) || flux.IsCode(err, flux.EConflict) {
		return err
	}
	if se.Has(RulePast) {
		return &flux.Error{Code: flux.EConflict, Message: flux.ErrorMessage(err), Err: err}
	}
	fs := make([]flux.FieldError, len(se.Violations))
	names := make([]string, len(se.Violations))
	for i, v := range se.Violations {
		fs[i] = flux.FieldError{Field: field, Message: fmt.Sprintf("%s: %s", v.Rule, v.Message)}
		names[i] = string(v.Rule)
	}
	return &flux.Error{Code: flux.EInvalid, Message: fmt.Sprintf("the slot breaks the %s rule: %s", strings.Join(names, ", "), flux.ErrorMessage(err)), Fields: fs, Err: se}
}

// applyHints narrows a replan by a message's words: "tomorrow" starts the
// search at local midnight, "morning", "afternoon", "evening" or
// "tonight" set the preferred time of day.
func applyHints(in *TaskInput, msg string, now time.Time, loc *time.Location) {
	words := strings.FieldsFunc(strings.ToLower(msg), func(r rune) bool { return !('a' <= r && r <= 'z') })
	for _, w := range words {
		switch w {
		case "tomorrow":
			y, m, d := now.In(loc).Date()
			in.EarliestStart = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		case "morning", "afternoon", "evening":
			in.PreferredTime = w
		case "tonight":
			in.PreferredTime = "evening"
		}
	}
}

// Apply puts one of the user's tasks exactly at [start, end), the original
// frontend's "reschedule" action: the slot must not be in the past nor
// overlap busy time with its buffer (EConflict), and end must follow start
// within a day (EInvalid); sleep, cutoff and work hours are the user's
// choice here. The task takes the slot's length and is scheduled. A done or
// cancelled task is EConflict.
func (s *Service) Apply(ctx context.Context, u *flux.User, taskID string, start, end time.Time) (*flux.Task, error) {
	var out *flux.Task
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		var err error
		out, err = s.applyIn(ctx, tx, u, taskID, start, end)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// applyIn is Apply inside the caller's transaction tx.
func (s *Service) applyIn(ctx context.Context, tx flux.Stores, u *flux.User, taskID string, start, end time.Time) (*flux.Task, error) {
	if !end.After(start) {
		return nil, flux.Invalid("invalid slot", flux.FieldError{Field: "new_end", Message: "must be after new_start"})
	}
	minutes := int((end.Sub(start) + time.Minute - 1) / time.Minute)
	if minutes > 1440 {
		return nil, flux.Invalid("invalid slot", flux.FieldError{Field: "new_end", Message: "the slot is longer than a day"})
	}
	if err := lockUser(ctx, tx, u.ID); err != nil {
		return nil, err
	}
	t, err := tx.Tasks().GetTask(ctx, u.ID, taskID)
	if err != nil {
		return nil, err
	}
	if t.Status == flux.TaskDone || t.Status == flux.TaskCancelled {
		return nil, flux.Errorf(flux.EConflict, "the task is %s", t.Status)
	}
	now, rules := s.now(), s.Rules(u)
	busy, err := s.busy(ctx, tx, u.ID, rules.location(), start, end, map[string]bool{t.ID: true})
	if err != nil {
		return nil, err
	}
	// Only the past and busy time are refused: no sleep window, cutoff
	// or work hours.
	relaxed := Rules{Location: rules.Location, BufferMinutes: rules.BufferMinutes}
	in := FromTask(t)
	in.AllowWorkHours = true
	if err := s.engine.CheckSlot(Input{Now: now, Busy: busy, Rules: relaxed}, in, start, end); err != nil {
		return nil, slotError(err, "new_start")
	}
	return tx.Tasks().UpdateTask(ctx, u.ID, t.ID, func(x *flux.Task) error {
		x.Status, x.ScheduledAt, x.DurationMinutes = flux.TaskScheduled, &start, minutes
		return nil
	})
}

// Moved is a task ReplanMissed moved.
type Moved struct {
	TaskID string `json:"task_id"`
	// Previous is the slot it missed, if it had one.
	Previous *time.Time `json:"previous_start"`
	Start    time.Time  `json:"start"`
	End      time.Time  `json:"end"`
	// Reason says in a sentence why this slot.
	Reason string `json:"reason"`
}

// ReplanResult is what ReplanMissed moved, and what found no slot.
type ReplanResult struct {
	Moved    []Moved    `json:"moved"`
	Unplaced []Unplaced `json:"unplaced"`
}

// ReplanMissed moves the user's drifted tasks and missed one-off tasks of
// the last DefaultReplanDays days to their next suitable slots within the
// next DefaultReplanDays days, in one transaction, and says why each went
// where it did. A missed occurrence of a recurring task is left alone: its
// series has moved on to the next occurrence.
func (s *Service) ReplanMissed(ctx context.Context, u *flux.User) (*ReplanResult, error) {
	out := &ReplanResult{Moved: []Moved{}, Unplaced: []Unplaced{}}
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := lockUser(ctx, tx, u.ID); err != nil {
			return err
		}
		now, rules := s.now(), s.Rules(u)
		loc := rules.location()
		since := now.AddDate(0, 0, -DefaultReplanDays)
		tasks, _, err := listTasks(ctx, tx, u.ID, flux.TaskFilter{From: &since,
			Statuses: []flux.TaskStatus{flux.TaskMissed, flux.TaskDrifted}}, s.maxTasks)
		if err != nil {
			return err
		}
		tasks = slices.DeleteFunc(tasks, func(t flux.Task) bool {
			return t.TriggerType != flux.TriggerTime || (t.Status == flux.TaskMissed && t.RecurrenceRule != "")
		})
		if len(tasks) == 0 {
			return nil
		}
		byID := map[string]*flux.Task{}
		ins := make([]TaskInput, len(tasks))
		for i := range tasks {
			byID[tasks[i].ID] = &tasks[i]
			ins[i] = FromTask(&tasks[i])
			ins[i].RecurrenceRule, ins[i].Anchor = "", time.Time{}
		}
		to := now.AddDate(0, 0, DefaultReplanDays)
		exclude := map[string]bool{}
		for id := range byID {
			exclude[id] = true
		}
		busy, err := s.busy(ctx, tx, u.ID, loc, now, to, exclude)
		if err != nil {
			return err
		}
		res, err := s.engine.Replan(Input{Now: now, From: now, To: to, Tasks: ins, Busy: busy, Rules: rules, Weights: s.userWeights(ctx, tx, u.ID)})
		if err != nil {
			return err
		}
		for _, p := range res.Placements {
			orig, start := byID[p.TaskID], p.Start
			_, err := tx.Tasks().UpdateTask(ctx, u.ID, p.TaskID, func(x *flux.Task) error {
				if x.Status != orig.Status || !sameTime(x.ScheduledAt, orig.ScheduledAt) {
					return flux.Errorf(flux.EConflict, "task %s changed while it was being moved; try again", x.ID)
				}
				x.Status, x.ScheduledAt = flux.TaskScheduled, &start
				return nil
			})
			if err != nil {
				return err
			}
			out.Moved = append(out.Moved, Moved{TaskID: p.TaskID, Previous: orig.ScheduledAt, Start: p.Start, End: p.End, Reason: p.Explain})
		}
		out.Unplaced = append(out.Unplaced, res.Unplaced...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
