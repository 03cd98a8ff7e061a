package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// Limits of the Service, by default.
const (
	// DefaultMaxScheduleDays is the longest horizon Service.Schedule accepts.
	DefaultMaxScheduleDays = 92
	// DefaultMaxScheduleTasks is the most tasks one Service.Schedule call
	// places.
	DefaultMaxScheduleTasks = 500
	// DefaultMaxAvailabilityDays is the longest window Service.Availability
	// answers.
	DefaultMaxAvailabilityDays = 31
	// DefaultReplanDays is how far ahead Reschedule and ReplanMissed look for
	// a new slot.
	DefaultReplanDays = 14
	// defaultScheduleDays is the horizon of Schedule when no end is given.
	defaultScheduleDays = 14
	// maxGoalDays caps the horizon of PlaceGoal.
	maxGoalDays = 366
	// maxBusy caps the calendar events and tasks read as busy time.
	maxBusy = 10000
	// maxProjected caps the projected occurrences of one series.
	maxProjected = 400
)

// ServiceOptions tune a Service. A nil *ServiceOptions means all defaults;
// a zero field takes its default.
type ServiceOptions struct {
	// Engine places tasks; nil means New(nil).
	Engine Engine
	// Clock tells the time; nil means the system clock.
	Clock flux.Clock
	// Defaults are the cutoff and buffer of users whose own are missing;
	// nil means DefaultDefaults (cmd/fluxd reads them from the environment).
	Defaults *Defaults
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// MaxScheduleDays caps the horizon of Schedule (DefaultMaxScheduleDays).
	MaxScheduleDays int
	// MaxScheduleTasks caps the tasks of one Schedule call
	// (DefaultMaxScheduleTasks).
	MaxScheduleTasks int
	// MaxAvailabilityDays caps the window of Availability
	// (DefaultMaxAvailabilityDays).
	MaxAvailabilityDays int
	// Weights, when set, gives the per-hour-of-week preference weights of
	// every placement made for a user (Schedule, PlaceGoal, rescheduling,
	// Suggest); *PatternService is one. nil means no weights.
	Weights WeightSource
}

// WeightSource gives the preference weights learnt for a user (see
// Input.Weights), read through st: the transaction's stores or the store.
// nil weights mean none.
type WeightSource interface {
	Weights(ctx context.Context, st PatternReader, userID string) (*[7][24]float64, error)
}

// Service is the scheduler over a Flux store: it reads a user's tasks,
// calendar events and settings, asks the Engine, and saves what it decided,
// each change in one transaction. It also keeps the task lifecycle the
// scheduler depends on: completing a recurring task advances its series
// exactly once, completing a goal's last open task completes the goal, and
// missed or drifted tasks are moved to their next suitable slot. All times
// of day are the user's, in their time zone.
type Service struct {
	store     Store
	engine    Engine
	clock     flux.Clock
	defaults  Defaults
	log       *slog.Logger
	maxDays   int
	maxTasks  int
	maxAvDays int
	weights   WeightSource
}

// NewService returns a Service over store. opts may be nil.
func NewService(store Store, opts *ServiceOptions) *Service {
	var o ServiceOptions
	if opts != nil {
		o = *opts
	}
	s := &Service{
		store: store, engine: o.Engine, clock: o.Clock, defaults: DefaultDefaults(), log: o.Logger,
		maxDays: o.MaxScheduleDays, maxTasks: o.MaxScheduleTasks, maxAvDays: o.MaxAvailabilityDays,
		weights: o.Weights,
	}
	if o.Defaults != nil {
		s.defaults = *o.Defaults
	}
	if s.engine == nil {
		s.engine = New(nil)
	}
	if s.clock == nil {
		s.clock = flux.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxDays <= 0 {
		s.maxDays = DefaultMaxScheduleDays
	}
	if s.maxTasks <= 0 {
		s.maxTasks = DefaultMaxScheduleTasks
	}
	if s.maxAvDays <= 0 {
		s.maxAvDays = DefaultMaxAvailabilityDays
	}
	return s
}

// Rules returns the scheduling rules of user u under the service's
// defaults.
func (s *Service) Rules(u *flux.User) Rules { return s.defaults.RulesFor(u) }

// now returns the current time.
func (s *Service) now() time.Time { return s.clock.Now() }

// ScheduleRequest asks Service.Schedule to place tasks in [From, To).
type ScheduleRequest struct {
	// From and To bound the horizon. A zero From means now; a zero To means
	// From plus 14 days. At most MaxScheduleDays.
	From, To time.Time
	// TaskIDs, when not empty, are the tasks to place (pending, scheduled,
	// drifted or missed; time-triggered): already scheduled ones are placed
	// again. When empty, every unscheduled pending time-triggered task of
	// the user is placed.
	TaskIDs []string
	// DryRun returns the placements without saving them.
	DryRun bool
}

// ScheduleResult is what Service.Schedule placed: one placement per task
// (for a recurring task, its series' first placed occurrence, the one the
// store keeps), and the tasks it could not place with the reason.
// Placements are in the user's time zone, by start; Unplaced by task id.
type ScheduleResult struct {
	Placements []Placement `json:"placements"`
	Unplaced   []Unplaced  `json:"unplaced"`
}

// Schedule places the user's unscheduled tasks (or the given ones) around
// their calendar events and scheduled tasks, and, unless req.DryRun, saves
// every placement (status scheduled, ScheduledAt) in one transaction.
// Errors: EInvalid for a bad horizon or task list, ENotFound for a task id
// that is not the user's.
func (s *Service) Schedule(ctx context.Context, u *flux.User, req ScheduleRequest) (*ScheduleResult, error) {
	now := s.now()
	from, to := req.From, req.To
	if from.IsZero() {
		from = now
	}
	if to.IsZero() {
		to = from.AddDate(0, 0, defaultScheduleDays)
	}
	var fs []flux.FieldError
	switch {
	case !to.After(from):
		fs = append(fs, flux.FieldError{Field: "to", Message: "must be after from"})
	case to.Sub(from) > time.Duration(s.maxDays)*24*time.Hour:
		fs = append(fs, flux.FieldError{Field: "to", Message: fmt.Sprintf("the horizon is longer than %d days", s.maxDays)})
	}
	if from.Year() < 1970 || to.Year() > 9000 {
		fs = append(fs, flux.FieldError{Field: "from", Message: "must be between the years 1970 and 9000"})
	}
	if len(req.TaskIDs) > s.maxTasks {
		fs = append(fs, flux.FieldError{Field: "task_ids", Message: fmt.Sprintf("lists more than %d tasks", s.maxTasks)})
	}
	seen := map[string]bool{}
	for _, id := range req.TaskIDs {
		if seen[id] {
			fs = append(fs, flux.FieldError{Field: "task_ids", Message: fmt.Sprintf("%q is listed twice", id)})
		}
		seen[id] = true
	}
	if len(fs) > 0 {
		return nil, flux.Invalid("invalid schedule request", fs...)
	}
	run := func(ctx context.Context, st Stores) (*ScheduleResult, error) {
		tasks, err := s.tasksToPlace(ctx, st, u.ID, req.TaskIDs)
		if err != nil {
			return nil, err
		}
		return s.placeAndSave(ctx, st, u, tasks, now, from, to, !req.DryRun)
	}
	if req.DryRun {
		return run(ctx, s.store)
	}
	var res *ScheduleResult
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := lockUser(ctx, tx, u.ID); err != nil {
			return err
		}
		var err error
		res, err = run(ctx, tx)
		return err
	})
	return res, err
}

// tasksToPlace loads the given tasks, or the user's unscheduled pending
// time-triggered tasks.
func (s *Service) tasksToPlace(ctx context.Context, st Stores, userID string, ids []string) ([]flux.Task, error) {
	if len(ids) == 0 {
		all, more, err := listTasks(ctx, st, userID, flux.TaskFilter{Statuses: []flux.TaskStatus{flux.TaskPending}, Unscheduled: true}, s.maxTasks)
		if err != nil {
			return nil, err
		}
		if more {
			return nil, flux.Invalid("too many tasks", flux.FieldError{Field: "task_ids",
				Message: fmt.Sprintf("there are more than %d unscheduled tasks: name the ones to place", s.maxTasks)})
		}
		return slices.DeleteFunc(all, func(t flux.Task) bool { return t.TriggerType != flux.TriggerTime }), nil
	}
	var (
		tasks []flux.Task
		fs    []flux.FieldError
	)
	for _, id := range ids {
		t, err := st.Tasks().GetTask(ctx, userID, id)
		if err != nil {
			if flux.IsCode(err, flux.ENotFound) {
				return nil, flux.Errorf(flux.ENotFound, "task %s not found", id)
			}
			return nil, err
		}
		switch {
		case t.TriggerType != flux.TriggerTime:
			fs = append(fs, flux.FieldError{Field: "task_ids", Message: fmt.Sprintf("task %s is triggered by a location, not placed in time", id)})
		case !t.Status.Open() && t.Status != flux.TaskMissed:
			fs = append(fs, flux.FieldError{Field: "task_ids", Message: fmt.Sprintf("task %s is %s", id, t.Status)})
		}
		tasks = append(tasks, *t)
	}
	if len(fs) > 0 {
		return nil, flux.Invalid("these tasks cannot be scheduled", fs...)
	}
	return tasks, nil
}

// placeAndSave runs the engine for tasks in [from, to) and, with save,
// stores each task's first placement through st.
func (s *Service) placeAndSave(ctx context.Context, st Stores, u *flux.User, tasks []flux.Task, now, from, to time.Time, save bool) (*ScheduleResult, error) {
	res := &ScheduleResult{Placements: []Placement{}, Unplaced: []Unplaced{}}
	if len(tasks) == 0 {
		return res, nil
	}
	rules := s.Rules(u)
	exclude := make(map[string]bool, len(tasks))
	ins := make([]TaskInput, len(tasks))
	byID := make(map[string]*flux.Task, len(tasks))
	for i := range tasks {
		exclude[tasks[i].ID] = true
		ins[i] = FromTask(&tasks[i])
		byID[tasks[i].ID] = &tasks[i]
	}
	busy, err := s.busy(ctx, st, u.ID, rules.location(), from, to, exclude)
	if err != nil {
		return nil, err
	}
	out, err := s.engine.Schedule(Input{Now: now, From: from, To: to, Tasks: ins, Busy: busy, Rules: rules, Weights: s.userWeights(ctx, st, u.ID)})
	if err != nil {
		return nil, err
	}
	placed := map[string]bool{}
	for _, p := range out.Placements {
		if placed[p.TaskID] {
			continue // a later occurrence of a series: the store keeps the first
		}
		placed[p.TaskID] = true
		res.Placements = append(res.Placements, p)
	}
	noted := map[string]bool{}
	for _, x := range out.Unplaced {
		if placed[x.TaskID] || noted[x.TaskID] {
			continue
		}
		noted[x.TaskID] = true
		res.Unplaced = append(res.Unplaced, x)
	}
	// A recurring task none of whose occurrences falls in the horizon gets
	// no item from the engine: say so.
	for i := range tasks {
		if id := tasks[i].ID; !placed[id] && !noted[id] {
			res.Unplaced = append(res.Unplaced, Unplaced{TaskID: id, Reason: ReasonOutsideHorizon,
				Detail: "no occurrence of its recurrence rule falls in the horizon"})
		}
	}
	slices.SortFunc(res.Unplaced, func(a, b Unplaced) int { return strings.Compare(a.TaskID, b.TaskID) })
	if !save {
		return res, nil
	}
	for _, p := range res.Placements {
		orig := byID[p.TaskID]
		start := p.Start
		_, err := st.Tasks().UpdateTask(ctx, u.ID, p.TaskID, func(t *flux.Task) error {
			if t.Status != orig.Status || !sameTime(t.ScheduledAt, orig.ScheduledAt) || t.DurationMinutes != orig.DurationMinutes {
				return flux.Errorf(flux.EConflict, "task %s changed while it was being scheduled; try again", t.ID)
			}
			t.Status, t.ScheduledAt = flux.TaskScheduled, &start
			startSeries(t)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// startSeries makes a recurring task without a series the first occurrence
// of its own.
func startSeries(t *flux.Task) {
	if t.RecurrenceRule == "" || t.SeriesID != "" {
		return
	}
	t.SeriesID = t.ID
	if t.Occurrence < 1 {
		t.Occurrence = 1
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// PlaceGoal places the goal's unscheduled pending tasks from now over the
// goal's horizon (to its target date, or its target weeks from now) and
// saves the placements in one transaction. A goal that is not active is
// left alone. It satisfies the planner's TaskPlacer: a saved plan's tasks
// are scheduled.
func (s *Service) PlaceGoal(ctx context.Context, u *flux.User, goalID string) error {
	userID := u.ID
	return s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := lockUser(ctx, tx, userID); err != nil {
			return err
		}
		g, err := tx.Goals().GetGoal(ctx, userID, goalID)
		if err != nil {
			return err
		}
		if g.Status != flux.GoalActive {
			return nil
		}
		tasks, _, err := listTasks(ctx, tx, userID, flux.TaskFilter{GoalID: goalID, Statuses: []flux.TaskStatus{flux.TaskPending}, Unscheduled: true}, maxBusy)
		if err != nil {
			return err
		}
		tasks = slices.DeleteFunc(tasks, func(t flux.Task) bool { return t.TriggerType != flux.TriggerTime })
		now := s.now()
		res, err := s.placeAndSave(ctx, tx, u, tasks, now, now, goalEnd(g, u.Location(), now), true)
		if err != nil {
			return err
		}
		if len(res.Unplaced) > 0 {
			s.log.InfoContext(ctx, "scheduler: some of a goal's tasks found no slot", "goal_id", goalID, "placed", len(res.Placements), "unplaced", len(res.Unplaced))
		}
		return nil
	})
}

// goalEnd is the end of a goal's horizon as seen from now: the day after
// its target date, else its target weeks from now (two weeks when it has
// none), at most a year.
func goalEnd(g *flux.Goal, loc *time.Location, now time.Time) time.Time {
	end := now.AddDate(0, 0, 7*max(g.TargetWeeks, 2))
	if g.TargetDate != nil {
		y, m, d := g.TargetDate.UTC().Date()
		end = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	if limit := now.AddDate(0, 0, maxGoalDays); end.After(limit) {
		end = limit
	}
	if !end.After(now) {
		end = now.Add(24 * time.Hour)
	}
	return end
}

// seriesEnd is when a goal's recurring tasks stop: the end of its target
// date, else its creation plus its target weeks; zero when it has neither.
func seriesEnd(g *flux.Goal, loc *time.Location) time.Time {
	if g.TargetDate != nil {
		y, m, d := g.TargetDate.UTC().Date()
		return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	if g.TargetWeeks > 0 {
		return g.CreatedAt.AddDate(0, 0, 7*g.TargetWeeks)
	}
	return time.Time{}
}

// Availability returns the user's free slots in [from, to): outside work
// hours, sleep and the cutoff, away from calendar events and scheduled
// tasks by the buffer, not before now. A zero from means now, a zero to
// from plus 7 days; the window is at most MaxAvailabilityDays.
func (s *Service) Availability(ctx context.Context, u *flux.User, from, to time.Time) ([]Slot, error) {
	now := s.now()
	if from.IsZero() {
		from = now
	}
	if to.IsZero() {
		to = from.AddDate(0, 0, 7)
	}
	switch {
	case !to.After(from):
		return nil, flux.Invalid("invalid window", flux.FieldError{Field: "to", Message: "must be after from"})
	case to.Sub(from) > time.Duration(s.maxAvDays)*24*time.Hour:
		return nil, flux.Invalid("invalid window", flux.FieldError{Field: "to", Message: fmt.Sprintf("the window is longer than %d days", s.maxAvDays)})
	case from.Year() < 1970 || to.Year() > 9000:
		return nil, flux.Invalid("invalid window", flux.FieldError{Field: "from", Message: "must be between the years 1970 and 9000"})
	}
	rules := s.Rules(u)
	busy, err := s.busy(ctx, s.store, u.ID, rules.location(), from, to, nil)
	if err != nil {
		return nil, err
	}
	slots, err := s.engine.Availability(Input{Now: now, Busy: busy, Rules: rules}, from, to)
	if err != nil {
		return nil, err
	}
	if slots == nil {
		slots = []Slot{}
	}
	return slots, nil
}

// Today returns the user's open tasks (pending, scheduled, drifted) whose
// slot starts in their local today, by time.
func (s *Service) Today(ctx context.Context, u *flux.User) ([]flux.Task, error) {
	loc := u.Location()
	y, m, d := s.now().In(loc).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	to := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	ts, _, err := listTasks(ctx, s.store, u.ID, flux.TaskFilter{From: &from, To: &to,
		Statuses: []flux.TaskStatus{flux.TaskPending, flux.TaskScheduled, flux.TaskDrifted}}, maxBusy)
	return ts, err
}

// Timeline returns the user's scheduled and drifted tasks from their local
// today 00:00 for two days, by time: the original frontend's timeline.
func (s *Service) Timeline(ctx context.Context, u *flux.User) ([]flux.Task, error) {
	loc := u.Location()
	y, m, d := s.now().In(loc).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	to := time.Date(y, m, d+2, 0, 0, 1, 0, loc) // both ends inclusive, as the original
	ts, _, err := listTasks(ctx, s.store, u.ID, flux.TaskFilter{From: &from, To: &to,
		Statuses: []flux.TaskStatus{flux.TaskScheduled, flux.TaskDrifted}}, maxBusy)
	return ts, err
}

// Suggest answers the original frontend's reschedule dialog for one of the
// user's drifted tasks: the best slot today and tomorrow, in their time
// zone. ENotFound when the task is not theirs; EInvalid, with the
// original's message, when it is not drifted.
func (s *Service) Suggest(ctx context.Context, u *flux.User, taskID string) (*SuggestResult, error) {
	t, err := s.store.Tasks().GetTask(ctx, u.ID, taskID)
	if err != nil {
		return nil, err
	}
	if t.Status != flux.TaskDrifted {
		state := t.LegacyState()
		if t.Status == flux.TaskRescheduled {
			state = string(t.Status)
		}
		return nil, flux.Errorf(flux.EInvalid, "Task %s is '%s', not 'drifted'. Only drifted tasks can be rescheduled via suggestions.", t.ID, state)
	}
	now := s.now()
	rules := s.Rules(u)
	loc := rules.location()
	y, m, d := now.In(loc).Date()
	busy, err := s.busy(ctx, s.store, u.ID, loc, now, time.Date(y, m, d+2, 0, 0, 0, 0, loc), map[string]bool{t.ID: true})
	if err != nil {
		return nil, err
	}
	req := SuggestRequest{Task: FromTask(t)}
	if t.ScheduledAt != nil {
		req.Start, req.End = *t.ScheduledAt, *t.End()
	}
	res, err := s.engine.Suggest(Input{Now: now, Busy: busy, Rules: rules, Weights: s.userWeights(ctx, s.store, u.ID)}, req)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// busy returns the user's calendar events and scheduled or drifted tasks
// around [from, to) as busy time, with the later occurrences of their
// recurring series projected at the same local time. Tasks in exclude are
// left out (they are being placed).
func (s *Service) busy(ctx context.Context, st Stores, userID string, loc *time.Location, from, to time.Time, exclude map[string]bool) ([]Busy, error) {
	// Buffers are at most a day and tasks at most a day long, so two days
	// either side hold everything that can touch the horizon.
	lo, hi := from.Add(-48*time.Hour), to.Add(48*time.Hour)
	var out []Busy
	p := flux.Page{Limit: flux.MaxPageLimit}
	for {
		evs, next, err := st.Calendar().ListEvents(ctx, userID, flux.EventFilter{From: &lo, To: &hi}, p)
		if err != nil {
			return nil, err
		}
		for i := range evs {
			out = append(out, BusyFromEvent(&evs[i]))
		}
		if next == "" || len(out) >= maxBusy {
			break
		}
		p.Cursor = next
	}
	tasks, _, err := listTasks(ctx, st, userID, flux.TaskFilter{From: &lo, To: &hi,
		Statuses: []flux.TaskStatus{flux.TaskScheduled, flux.TaskDrifted}}, maxBusy)
	if err != nil {
		return nil, err
	}
	for i := range tasks {
		t := &tasks[i]
		if exclude[t.ID] {
			continue
		}
		if b, ok := BusyFromTask(t, false); ok {
			out = append(out, b)
		}
		for _, at := range projectSeries(t, loc, hi) {
			b, _ := BusyFromTask(t, false)
			b.ID = t.ID + "@" + at.UTC().Format(time.RFC3339)
			b.Start, b.End = at, at.Add(time.Duration(t.DurationMinutes)*time.Minute)
			out = append(out, b)
		}
	}
	return out, nil
}

// projectSeries returns the occurrences of a scheduled recurring task's
// series after its own slot and before end, at the same local time: where
// the series will go when it advances.
func projectSeries(t *flux.Task, loc *time.Location, end time.Time) []time.Time {
	if t.RecurrenceRule == "" || t.ScheduledAt == nil {
		return nil
	}
	var out []time.Time
	at := *t.ScheduledAt
	for n := t.Occurrence; len(out) < maxProjected; n++ {
		next, ok := nextOccurrence(t.RecurrenceRule, loc, at, n, at)
		if !ok || !next.Before(end) || (t.Deadline != nil && next.After(*t.Deadline)) {
			break
		}
		out = append(out, next)
		at = next
	}
	return out
}

// listTasks reads up to max of the user's tasks matching f, and reports
// whether there were more.
func listTasks(ctx context.Context, st Stores, userID string, f flux.TaskFilter, max int) ([]flux.Task, bool, error) {
	var out []flux.Task
	p := flux.Page{Limit: flux.MaxPageLimit}
	for {
		ts, next, err := st.Tasks().ListTasks(ctx, userID, f, p)
		if err != nil {
			return nil, false, err
		}
		if out == nil {
			out = ts // the first page is the caller's to keep: no copy
		} else {
			out = append(out, ts...)
		}
		if len(out) > max {
			return out[:max], true, nil
		}
		if next == "" {
			return out, false, nil
		}
		p.Cursor = next
	}
}

// errUnchanged aborts an update that has nothing to do.
var errUnchanged = errors.New("scheduler: unchanged")

// lockUser serialises the transactions of tx that place the user's tasks:
// it locks the user's row until tx ends (an update that writes nothing), so
// two concurrent placements cannot both take the same free slot.
func lockUser(ctx context.Context, tx flux.Stores, userID string) error {
	_, err := tx.Users().UpdateUser(ctx, userID, func(*flux.User) error { return errUnchanged })
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// userWeights returns the user's preference weights from the WeightSource,
// or nil: without a source, or when it fails (logged; a placement does not
// fail for want of preferences).
func (s *Service) userWeights(ctx context.Context, st PatternReader, userID string) *[7][24]float64 {
	if s.weights == nil {
		return nil
	}
	w, err := s.weights.Weights(ctx, st, userID)
	if err != nil {
		s.log.WarnContext(ctx, "scheduler: preference weights unavailable", "user_id", userID, "error", err)
		return nil
	}
	return w
}
