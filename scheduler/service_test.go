package scheduler_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/google/go-cmp/cmp"
)

// svcEnv is a Service on a real SQLite store with a fake clock and one
// user in Berlin who works 09:00–17:00 Monday to Friday.
type svcEnv struct {
	t     *testing.T
	ctx   context.Context
	store flux.Store
	clock *fluxtest.Clock
	svc   *scheduler.Service
	user  *flux.User
	loc   *time.Location
}

func newSvcEnv(t *testing.T, now string) *svcEnv {
	t.Helper()
	ctx := context.Background()
	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	u.Timezone = "Europe/Berlin"
	u.WorkHours.End = flux.ClockTime{Hour: 17}
	e := &svcEnv{t: t, ctx: ctx, user: u, loc: u.Location()}
	e.clock = fluxtest.NewClock(e.at(now))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "flux.db"), &sqlite.Options{Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Users().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	e.store = st
	e.svc = scheduler.NewService(st, &scheduler.ServiceOptions{Clock: e.clock})
	return e
}

// at parses "2006-01-02 15:04" in Berlin.
func (e *svcEnv) at(s string) time.Time {
	e.t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, e.loc)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// task stores a task of the user through the service.
func (e *svcEnv) task(edit func(*flux.Task)) *flux.Task {
	e.t.Helper()
	t := &flux.Task{Title: "Read", Priority: flux.PriorityStandard, DurationMinutes: 30, TriggerType: flux.TriggerTime}
	if edit != nil {
		edit(t)
	}
	if err := e.svc.CreateTask(e.ctx, e.user, t); err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *svcEnv) get(id string) *flux.Task {
	e.t.Helper()
	t, err := e.store.Tasks().GetTask(e.ctx, e.user.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *svcEnv) series(id string) []flux.Task {
	e.t.Helper()
	ts, _, err := e.store.Tasks().ListTasks(e.ctx, e.user.ID, flux.TaskFilter{SeriesID: id}, flux.Page{})
	if err != nil {
		e.t.Fatal(err)
	}
	return ts
}

func (e *svcEnv) event(title, start, end string) *flux.CalendarEvent {
	e.t.Helper()
	ev := &flux.CalendarEvent{UserID: e.user.ID, Title: title, Start: e.at(start), End: e.at(end)}
	if err := e.store.Calendar().CreateEvent(e.ctx, ev); err != nil {
		e.t.Fatal(err)
	}
	return ev
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !flux.IsCode(err, code) {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

// checkRules fails when a slot breaks the user's rules: Berlin work hours
// 09:00–17:00 Monday to Friday, sleep 23:00–07:00, cutoff 21:00.
func checkRules(t *testing.T, loc *time.Location, what string, start, end time.Time) {
	t.Helper()
	if start.Location().String() != loc.String() {
		t.Errorf("%s: start %s is not in %s", what, start, loc)
	}
	s, en := start.In(loc), end.In(loc)
	if s.YearDay() != en.Add(-time.Nanosecond).YearDay() {
		t.Errorf("%s: %s–%s spans midnight", what, s, en)
	}
	from, to := s.Hour()*60+s.Minute(), en.Hour()*60+en.Minute()
	if to == 0 {
		to = 1440
	}
	if from < 7*60 || to > 21*60 {
		t.Errorf("%s: %s–%s is outside 07:00–21:00", what, s.Format("Mon 15:04"), en.Format("15:04"))
	}
	if wd := s.Weekday(); wd != time.Saturday && wd != time.Sunday && from < 17*60 && to > 9*60 {
		t.Errorf("%s: %s–%s is in work hours", what, s.Format("Mon 15:04"), en.Format("15:04"))
	}
}

func TestServiceCompleteAdvancesSeriesOnce(t *testing.T) {
	t.Parallel()
	// Saturday before the clocks change in Berlin (Sunday 29 March 2026).
	e := newSvcEnv(t, "2026-03-28 10:00")
	x := e.task(func(x *flux.Task) {
		x.RecurrenceRule = "FREQ=DAILY"
		x.ScheduledAt = ptr(e.at("2026-03-28 18:00"))
	})
	if x.SeriesID != x.ID || x.Occurrence != 1 || x.Status != flux.TaskScheduled {
		t.Fatalf("a new recurring task: series %q occurrence %d status %s", x.SeriesID, x.Occurrence, x.Status)
	}
	e.clock.Set(e.at("2026-03-28 18:40"))
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			got, err := e.svc.Complete(e.ctx, e.user, x.ID)
			if err == nil && got.Status != flux.TaskDone {
				err = errors.New("status " + string(got.Status))
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Complete %d: %v", i, err)
		}
	}
	ts := e.series(x.ID)
	if len(ts) != 2 {
		t.Fatalf("after 10 concurrent completes the series has %d rows, want 2: %+v", len(ts), ts)
	}
	done, next := ts[0], ts[1]
	if done.Status != flux.TaskDone || done.CompletedAt == nil || !done.CompletedAt.Equal(e.at("2026-03-28 18:40")) {
		t.Errorf("the completed occurrence: %s at %v", done.Status, done.CompletedAt)
	}
	// Same local time the next day, across the change to summer time.
	if next.Status != flux.TaskScheduled || next.Occurrence != 2 || next.SeriesID != x.ID ||
		!next.ScheduledAt.Equal(e.at("2026-03-29 18:00")) || next.ScheduledAt.UTC().Hour() != 16 {
		t.Errorf("the next occurrence: %s #%d of %s at %v", next.Status, next.Occurrence, next.SeriesID, next.ScheduledAt)
	}
	if diff := cmp.Diff(x.Title, next.Title); diff != "" {
		t.Error(diff)
	}

	// Completing it again changes nothing.
	again, err := e.svc.Complete(e.ctx, e.user, x.ID)
	if err != nil || !again.CompletedAt.Equal(*done.CompletedAt) {
		t.Fatalf("Complete again = %v, %v", again, err)
	}
	if n := len(e.series(x.ID)); n != 2 {
		t.Errorf("completing again made the series %d rows", n)
	}

	// Missing the next occurrence advances the series too, once.
	e.clock.Set(e.at("2026-03-29 19:00"))
	for range 3 {
		if m, err := e.svc.Missed(e.ctx, e.user, next.ID); err != nil || m.Status != flux.TaskMissed {
			t.Fatalf("Missed = %v, %v", m, err)
		}
	}
	ts = e.series(x.ID)
	if len(ts) != 3 || ts[2].Occurrence != 3 || !ts[2].ScheduledAt.Equal(e.at("2026-03-30 18:00")) {
		t.Fatalf("after a miss the series is %+v", ts)
	}
	// A done task cannot be missed; completing a missed one is allowed and
	// does not advance the series again.
	_, err = e.svc.Missed(e.ctx, e.user, x.ID)
	wantCode(t, err, flux.EConflict)
	if c, err := e.svc.Complete(e.ctx, e.user, next.ID); err != nil || c.Status != flux.TaskDone {
		t.Fatalf("Complete of a missed task = %v, %v", c, err)
	}
	if n := len(e.series(x.ID)); n != 3 {
		t.Errorf("completing a missed occurrence made the series %d rows", n)
	}
	// Another user's task is not found.
	other := flux.NewUser(flux.NewID(), "", "")
	if err := e.store.Users().CreateUser(e.ctx, other); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Complete(e.ctx, other, x.ID)
	wantCode(t, err, flux.ENotFound)
}

func TestServiceSeriesEnds(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 08:00") // a Monday
	// COUNT=2: the second occurrence is the last.
	x := e.task(func(x *flux.Task) {
		x.RecurrenceRule = "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=2"
		x.ScheduledAt = ptr(e.at("2026-04-13 19:00"))
	})
	if _, err := e.svc.Complete(e.ctx, e.user, x.ID); err != nil {
		t.Fatal(err)
	}
	ts := e.series(x.ID)
	if len(ts) != 2 || !ts[1].ScheduledAt.Equal(e.at("2026-04-15 19:00")) {
		t.Fatalf("series after the first = %+v", ts)
	}
	if _, err := e.svc.Complete(e.ctx, e.user, ts[1].ID); err != nil {
		t.Fatal(err)
	}
	if n := len(e.series(x.ID)); n != 2 {
		t.Errorf("COUNT=2 made %d occurrences", n)
	}
	// The task's deadline ends a series.
	y := e.task(func(x *flux.Task) {
		x.RecurrenceRule = "FREQ=DAILY"
		x.ScheduledAt = ptr(e.at("2026-04-13 20:00"))
		x.Deadline = ptr(e.at("2026-04-14 12:00"))
	})
	if _, err := e.svc.Complete(e.ctx, e.user, y.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(e.series(y.ID)); n != 1 {
		t.Errorf("a series past its deadline advanced: %d rows", n)
	}
}

func TestServiceCompleteDateOnlyOccurrence(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 08:00") // a Monday
	e.event("Dinner", "2026-04-20 17:00", "2026-04-20 20:00")
	x := e.task(func(x *flux.Task) { x.RecurrenceRule = "FREQ=WEEKLY;BYDAY=MO"; x.DurationMinutes = 45 })
	if x.Status != flux.TaskPending || x.ScheduledAt != nil {
		t.Fatalf("an unscheduled recurring task is %s at %v", x.Status, x.ScheduledAt)
	}
	if _, err := e.svc.Complete(e.ctx, e.user, x.ID); err != nil {
		t.Fatal(err)
	}
	ts := e.series(x.ID)
	if len(ts) != 2 {
		t.Fatalf("series = %+v", ts)
	}
	n := ts[0]
	if n.ID == x.ID {
		n = ts[1]
	}
	// Placed by the engine on next Monday, around the dinner and outside
	// work hours.
	if n.Status != flux.TaskScheduled || n.ScheduledAt == nil {
		t.Fatalf("next occurrence %s at %v", n.Status, n.ScheduledAt)
	}
	s := n.ScheduledAt.In(e.loc)
	if s.Format("2006-01-02") != "2026-04-20" {
		t.Errorf("next occurrence on %s, want Monday 2026-04-20", s)
	}
	checkRules(t, e.loc, "next occurrence", s, s.Add(45*time.Minute))
	if s.Before(e.at("2026-04-20 20:15")) && s.Add(45*time.Minute).After(e.at("2026-04-20 16:45")) {
		t.Errorf("next occurrence at %s overlaps the dinner with its buffer", s)
	}
}

func TestServiceCompleteGoal(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 08:00")
	g := &flux.Goal{UserID: e.user.ID, Title: "Read more", Status: flux.GoalActive, TargetWeeks: 1, PlanVersion: 1}
	if err := e.store.Goals().CreateGoal(e.ctx, g); err != nil {
		t.Fatal(err)
	}
	a := e.task(func(x *flux.Task) { x.GoalID = g.ID })
	b := e.task(func(x *flux.Task) { x.GoalID = g.ID; x.ScheduledAt = ptr(e.at("2026-04-13 19:00")) })
	c := e.task(func(x *flux.Task) { x.GoalID = g.ID })
	if _, err := e.svc.Missed(e.ctx, e.user, c.ID); err != nil {
		t.Fatal(err)
	}
	goal := func() *flux.Goal {
		g, err := e.store.Goals().GetGoal(e.ctx, e.user.ID, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	if _, err := e.svc.Complete(e.ctx, e.user, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := goal(); got.Status != flux.GoalActive {
		t.Fatalf("goal with an open task left is %s", got.Status)
	}
	e.clock.Set(e.at("2026-04-13 19:31"))
	if _, err := e.svc.Complete(e.ctx, e.user, b.ID); err != nil {
		t.Fatal(err)
	}
	got := goal()
	if got.Status != flux.GoalCompleted || got.CompletedAt == nil || !got.CompletedAt.Equal(e.at("2026-04-13 19:31")) {
		t.Fatalf("goal after its last open task = %s at %v", got.Status, got.CompletedAt)
	}

	// A recurring task of a goal stops at the goal's horizon (one week
	// from its creation) and keeps the goal open until then.
	g2 := &flux.Goal{UserID: e.user.ID, Title: "Stretch", Status: flux.GoalActive, TargetWeeks: 1, PlanVersion: 1}
	if err := e.store.Goals().CreateGoal(e.ctx, g2); err != nil {
		t.Fatal(err)
	}
	start := g2.CreatedAt.In(e.loc)
	first := time.Date(start.Year(), start.Month(), start.Day()+5, 20, 0, 0, 0, e.loc)
	r := e.task(func(x *flux.Task) { x.GoalID = g2.ID; x.RecurrenceRule = "FREQ=DAILY"; x.ScheduledAt = &first })
	id := r.ID
	for i := 0; ; i++ {
		if i > 5 {
			t.Fatal("the series did not stop at the goal's horizon")
		}
		if _, err := e.svc.Complete(e.ctx, e.user, id); err != nil {
			t.Fatal(err)
		}
		ts := e.series(r.ID)
		last := ts[len(ts)-1]
		if last.Status == flux.TaskDone {
			break
		}
		id = last.ID
	}
	if n := len(e.series(r.ID)); n != 2 {
		t.Errorf("the series had %d occurrences before the goal's horizon, want 2", n)
	}
}

func TestServiceSchedule(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 08:00") // a Monday
	e.event("Dentist", "2026-04-13 17:30", "2026-04-13 18:30")
	a := e.task(func(x *flux.Task) {
		x.Title = "Plan the week"
		x.DurationMinutes = 45
		x.Priority = flux.PriorityMustNotMiss
	})
	b := e.task(func(x *flux.Task) { x.Title = "Easy run"; x.DurationMinutes = 40; x.PreferredTime = "evening" })
	r := e.task(func(x *flux.Task) { x.Title = "Stretch"; x.DurationMinutes = 15; x.RecurrenceRule = "FREQ=DAILY" })
	long := e.task(func(x *flux.Task) { x.Title = "Long ride"; x.DurationMinutes = 300 })
	loc := e.task(func(x *flux.Task) { x.TriggerType, x.LocationTrigger = flux.TriggerLocation, "gym" })
	req := scheduler.ScheduleRequest{To: e.at("2026-04-16 00:00"), DryRun: true}

	dry, err := e.svc.Schedule(e.ctx, e.user, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a.ID, b.ID, r.ID, long.ID, loc.ID} {
		if got := e.get(id); got.Status != flux.TaskPending || got.ScheduledAt != nil {
			t.Fatalf("a dry run saved task %s: %s at %v", got.Title, got.Status, got.ScheduledAt)
		}
	}
	if len(dry.Placements) != 3 || len(dry.Unplaced) != 1 || dry.Unplaced[0].TaskID != long.ID || dry.Unplaced[0].Reason != scheduler.ReasonLongerThanAnySlot {
		t.Fatalf("dry run = %+v", dry)
	}
	for _, p := range dry.Placements {
		checkRules(t, e.loc, p.TaskID, p.Start, p.End)
	}

	req.DryRun = false
	res, err := e.svc.Schedule(e.ctx, e.user, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dry, res); diff != "" {
		t.Errorf("saved placements differ from the dry run (-dry +saved):\n%s", diff)
	}
	for _, p := range res.Placements {
		got := e.get(p.TaskID)
		if got.Status != flux.TaskScheduled || !got.ScheduledAt.Equal(p.Start) {
			t.Errorf("task %s: %s at %v, placed at %v", got.Title, got.Status, got.ScheduledAt, p.Start)
		}
	}
	if got := e.get(r.ID); got.SeriesID != r.ID || got.Occurrence != 1 {
		t.Errorf("the recurring task: series %q #%d", got.SeriesID, got.Occurrence)
	}
	if got := e.get(long.ID); got.Status != flux.TaskPending {
		t.Errorf("the unplaced task is %s", got.Status)
	}

	// Nothing is left to place; scheduled tasks are busy time now: placing
	// a new task avoids them and the projected stretches of the series.
	again, err := e.svc.Schedule(e.ctx, e.user, req)
	if err != nil || len(again.Placements) != 0 || len(again.Unplaced) != 1 {
		t.Fatalf("second run = %+v, %v", again, err)
	}
	c := e.task(func(x *flux.Task) { x.Title = "Call mum"; x.DurationMinutes = 30 })
	res, err = e.svc.Schedule(e.ctx, e.user, scheduler.ScheduleRequest{From: e.at("2026-04-14 00:00"), To: e.at("2026-04-15 00:00"), TaskIDs: []string{c.ID}})
	if err != nil || len(res.Placements) != 1 {
		t.Fatalf("placing one more = %+v, %v", res, err)
	}
	st := e.get(r.ID).ScheduledAt.In(e.loc)
	proj := time.Date(2026, 4, 14, st.Hour(), st.Minute(), 0, 0, e.loc)
	p := res.Placements[0]
	if p.Start.Before(proj.Add(30*time.Minute)) && p.End.After(proj.Add(-15*time.Minute)) {
		t.Errorf("%s–%s overlaps the series' next occurrence at %s", p.Start, p.End, proj)
	}
}

func TestServiceScheduleRefuses(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 08:00")
	done := e.task(nil)
	if _, err := e.svc.Complete(e.ctx, e.user, done.ID); err != nil {
		t.Fatal(err)
	}
	other := flux.NewUser(flux.NewID(), "", "")
	if err := e.store.Users().CreateUser(e.ctx, other); err != nil {
		t.Fatal(err)
	}
	foreign := &flux.Task{Title: "Theirs", Priority: flux.PriorityStandard, DurationMinutes: 30, TriggerType: flux.TriggerTime}
	if err := e.svc.CreateTask(e.ctx, other, foreign); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	for _, tc := range []struct {
		name string
		req  scheduler.ScheduleRequest
		code string
	}{
		{"to before from", scheduler.ScheduleRequest{From: now, To: now.Add(-time.Hour)}, flux.EInvalid},
		{"horizon too long", scheduler.ScheduleRequest{To: now.AddDate(0, 0, 93)}, flux.EInvalid},
		{"another user's task", scheduler.ScheduleRequest{TaskIDs: []string{foreign.ID}}, flux.ENotFound},
		{"a malformed id", scheduler.ScheduleRequest{TaskIDs: []string{"nope"}}, flux.ENotFound},
		{"a done task", scheduler.ScheduleRequest{TaskIDs: []string{done.ID}}, flux.EInvalid},
		{"twice", scheduler.ScheduleRequest{TaskIDs: []string{done.ID, done.ID}}, flux.EInvalid},
	} {
		_, err := e.svc.Schedule(e.ctx, e.user, tc.req)
		if !flux.IsCode(err, tc.code) {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if got, _ := e.store.Tasks().GetTask(e.ctx, other.ID, foreign.ID); got.Status != flux.TaskPending {
		t.Errorf("another user's task became %s", got.Status)
	}
}

func TestServiceReschedule(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 08:00") // a Monday
	e.event("Dentist", "2026-04-13 18:00", "2026-04-13 19:00")
	x := e.task(func(x *flux.Task) { x.ScheduledAt = ptr(e.at("2026-04-13 07:00")) })
	for _, tc := range []struct {
		at   string
		code string
		rule string
	}{
		{"2026-04-13 18:30", flux.EConflict, "busy"},
		{"2026-04-13 17:50", flux.EConflict, "busy"}, // the buffer
		{"2026-04-13 06:00", flux.EConflict, "past"},
		{"2026-04-13 23:30", flux.EInvalid, "sleep"},
		{"2026-04-13 20:45", flux.EInvalid, "cutoff"},
		{"2026-04-14 10:00", flux.EInvalid, "work_hours"},
	} {
		start := e.at(tc.at)
		_, err := e.svc.Reschedule(e.ctx, e.user, x.ID, scheduler.RescheduleRequest{NewStart: &start})
		var fe *flux.Error
		if !errors.As(err, &fe) || fe.Code != tc.code {
			t.Errorf("to %s: %v, want %s", tc.at, err, tc.code)
			continue
		}
		var se *scheduler.SlotError
		if !errors.As(err, &se) || !se.Has(scheduler.Rule(tc.rule)) {
			t.Errorf("to %s: %v does not name the %s rule", tc.at, err, tc.rule)
		}
		if tc.code == flux.EInvalid && (len(fe.Fields) == 0 || fe.Fields[0].Field != "new_start") {
			t.Errorf("to %s: fields %+v", tc.at, fe.Fields)
		}
	}
	if got := e.get(x.ID); !got.ScheduledAt.Equal(e.at("2026-04-13 07:00")) {
		t.Fatalf("a refused reschedule moved the task to %v", got.ScheduledAt)
	}
	start := e.at("2026-04-13 19:30")
	res, err := e.svc.Reschedule(e.ctx, e.user, x.ID, scheduler.RescheduleRequest{NewStart: &start})
	if err != nil || !res.Task.ScheduledAt.Equal(start) || res.Task.Status != flux.TaskScheduled ||
		!res.Previous.Equal(e.at("2026-04-13 07:00")) || res.Reason == "" {
		t.Fatalf("Reschedule to a free slot = %+v, %v", res, err)
	}
	// Without a time, the next suitable slot, with the message's hints.
	res, err = e.svc.Reschedule(e.ctx, e.user, x.ID, scheduler.RescheduleRequest{Message: "Can we do this tomorrow evening?"})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Task.ScheduledAt.In(e.loc)
	if s.Day() != 14 || s.Hour() < 17 || res.Reason == "" {
		t.Errorf("moved to %s (%s), want tomorrow evening", s, res.Reason)
	}
	checkRules(t, e.loc, "rescheduled", s, s.Add(30*time.Minute))
	// A done task cannot be moved.
	if _, err := e.svc.Complete(e.ctx, e.user, x.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Reschedule(e.ctx, e.user, x.ID, scheduler.RescheduleRequest{})
	wantCode(t, err, flux.EConflict)
}

func TestServiceApply(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 08:00")
	e.event("Dentist", "2026-04-13 18:00", "2026-04-13 19:00")
	x := e.task(func(x *flux.Task) { x.ScheduledAt = ptr(e.at("2026-04-13 07:00")); x.Status = flux.TaskDrifted })
	_, err := e.svc.Apply(e.ctx, e.user, x.ID, e.at("2026-04-13 18:30"), e.at("2026-04-13 19:30"))
	wantCode(t, err, flux.EConflict)
	_, err = e.svc.Apply(e.ctx, e.user, x.ID, e.at("2026-04-13 07:30"), e.at("2026-04-13 08:30"))
	wantCode(t, err, flux.EConflict)
	_, err = e.svc.Apply(e.ctx, e.user, x.ID, e.at("2026-04-13 22:30"), e.at("2026-04-13 22:00"))
	wantCode(t, err, flux.EInvalid)
	// Late at night and in work hours are the user's choice.
	got, err := e.svc.Apply(e.ctx, e.user, x.ID, e.at("2026-04-13 23:30"), e.at("2026-04-14 00:20"))
	if err != nil || got.Status != flux.TaskScheduled || got.DurationMinutes != 50 || !got.ScheduledAt.Equal(e.at("2026-04-13 23:30")) {
		t.Fatalf("Apply = %+v, %v", got, err)
	}
}

func TestServiceDriftAndReplan(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 20:00")                                                                   // a Monday evening
	old := e.task(func(x *flux.Task) { x.Title = "Old"; x.ScheduledAt = ptr(e.at("2026-04-13 19:00")) })    // ended 19:30
	recent := e.task(func(x *flux.Task) { x.Title = "Now"; x.ScheduledAt = ptr(e.at("2026-04-13 19:20")) }) // ended 19:50
	missed := e.task(func(x *flux.Task) { x.Title = "Missed"; x.ScheduledAt = ptr(e.at("2026-04-12 10:00")) })
	series := e.task(func(x *flux.Task) {
		x.Title = "Series"
		x.RecurrenceRule = "FREQ=DAILY"
		x.ScheduledAt = ptr(e.at("2026-04-12 18:00"))
	})
	for _, id := range []string{missed.ID, series.ID} {
		if _, err := e.svc.Missed(e.ctx, e.user, id); err != nil {
			t.Fatal(err)
		}
	}
	work := scheduler.DriftWorker(e.store, e.clock)
	if err := work(e.ctx, scheduler.DriftArgs{}); err != nil {
		t.Fatal(err)
	}
	if got := e.get(old.ID).Status; got != flux.TaskDrifted {
		t.Errorf("a task 30 minutes past its slot is %s", got)
	}
	if got := e.get(recent.ID).Status; got != flux.TaskScheduled {
		t.Errorf("a task 10 minutes past its slot is %s", got)
	}
	if err := work(e.ctx, scheduler.DriftArgs{GraceMinutes: 5}); err != nil {
		t.Fatal(err)
	}
	if got := e.get(recent.ID).Status; got != flux.TaskDrifted {
		t.Errorf("with a 5-minute grace a task 10 minutes past its slot is %s", got)
	}
	if (scheduler.DriftArgs{}).Kind() != "scheduler.drift" {
		t.Error("DriftArgs kind")
	}

	res, err := e.svc.ReplanMissed(e.ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	moved := map[string]scheduler.Moved{}
	for _, m := range res.Moved {
		moved[m.TaskID] = m
		checkRules(t, e.loc, m.TaskID, m.Start, m.End)
		if m.Reason == "" || m.Previous == nil || m.Start.Before(e.clock.Now()) {
			t.Errorf("moved %+v", m)
		}
		if got := e.get(m.TaskID); got.Status != flux.TaskScheduled || !got.ScheduledAt.Equal(m.Start) {
			t.Errorf("task %s after the replan: %s at %v", got.Title, got.Status, got.ScheduledAt)
		}
	}
	if len(res.Moved) != 3 || moved[old.ID].TaskID == "" || moved[recent.ID].TaskID == "" || moved[missed.ID].TaskID == "" {
		t.Errorf("ReplanMissed moved %+v", res.Moved)
	}
	if got := e.get(series.ID); got.Status != flux.TaskMissed {
		t.Errorf("a missed occurrence of a series was moved: %s", got.Status)
	}
}

func TestServicePlaceGoalAndViews(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 08:00")
	g := flux.Goal{ID: flux.NewID(), UserID: e.user.ID, Title: "Run a 10k", Status: flux.GoalActive, TargetWeeks: 2, PlanVersion: 1}
	m := flux.Milestone{ID: flux.NewID(), Week: 1, Title: "Week 1", Status: flux.MilestonePending}
	p := &flux.GoalPlan{Goal: g, Milestones: []flux.Milestone{m}}
	for i, d := range []int{30, 40, 50} {
		p.Tasks = append(p.Tasks, flux.Task{ID: flux.NewID(), MilestoneID: m.ID, Title: "Run " + string(rune('A'+i)), Status: flux.TaskPending,
			Priority: flux.PriorityStandard, DurationMinutes: d, TriggerType: flux.TriggerTime, Deadline: ptr(e.at("2026-04-20 00:00"))})
	}
	if err := e.store.Goals().CreateGoalPlan(e.ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.PlaceGoal(e.ctx, e.user, g.ID); err != nil {
		t.Fatal(err)
	}
	for _, x := range p.Tasks {
		got := e.get(x.ID)
		if got.Status != flux.TaskScheduled || got.ScheduledAt == nil {
			t.Fatalf("after PlaceGoal %s is %s", got.Title, got.Status)
		}
		checkRules(t, e.loc, got.Title, got.ScheduledAt.In(e.loc), got.End().In(e.loc))
	}
	err := e.svc.PlaceGoal(e.ctx, e.user, flux.NewID())
	wantCode(t, err, flux.ENotFound)

	// Today and the timeline are the user's local days.
	e.clock.Set(e.at("2026-04-13 23:30"))
	today, err := e.svc.Today(e.ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range today {
		if x.ScheduledAt.In(e.loc).Day() != 13 {
			t.Errorf("today lists a task at %v", x.ScheduledAt.In(e.loc))
		}
	}
	tl, err := e.svc.Timeline(e.ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range tl {
		if d := x.ScheduledAt.In(e.loc).Day(); d != 13 && d != 14 {
			t.Errorf("the timeline lists a task at %v", x.ScheduledAt.In(e.loc))
		}
	}
	slots, err := e.svc.Availability(e.ctx, e.user, e.at("2026-04-14 00:00"), e.at("2026-04-15 00:00"))
	if err != nil || len(slots) == 0 {
		t.Fatalf("Availability = %v, %v", slots, err)
	}
	for _, s := range slots {
		checkRules(t, e.loc, "free slot", s.Start, s.End)
	}
	_, err = e.svc.Availability(e.ctx, e.user, e.at("2026-04-14 00:00"), e.at("2026-05-20 00:00"))
	wantCode(t, err, flux.EInvalid)
}

func TestServiceSuggest(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 16:00")
	x := e.task(func(x *flux.Task) {
		x.Title = "Write"
		x.ScheduledAt = ptr(e.at("2026-04-13 07:30"))
		x.DurationMinutes = 60
	})
	_, err := e.svc.Suggest(e.ctx, e.user, x.ID)
	if !flux.IsCode(err, flux.EInvalid) || flux.ErrorMessage(err) != "Task "+x.ID+" is 'scheduled', not 'drifted'. Only drifted tasks can be rescheduled via suggestions." {
		t.Fatalf("Suggest of a scheduled task = %v", err)
	}
	if err := scheduler.DriftWorker(e.store, e.clock)(e.ctx, scheduler.DriftArgs{}); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Suggest(e.ctx, e.user, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []scheduler.SuggestedSlot{
		{NewStart: e.at("2026-04-13 17:00").UTC(), NewEnd: e.at("2026-04-13 18:00").UTC(), Label: "5:00 PM Today",
			Rationale: "Suggested 5:00 PM — it's your outside work hours today."},
		// 07:00 and 07:30 are both near the old 07:30: the earlier wins.
		{NewStart: e.at("2026-04-14 07:00").UTC(), NewEnd: e.at("2026-04-14 08:00").UTC(), Label: "7:00 AM Tuesday",
			Rationale: "Suggested 7:00 AM Tuesday — same time as originally planned."},
	}
	if diff := cmp.Diff(want, res.Suggestions); diff != "" || res.AIMessage != "Write drifted. I can do:" {
		t.Errorf("suggestions (-want +got):\n%s\n%s", diff, res.AIMessage)
	}
	_, err = e.svc.Suggest(e.ctx, e.user, flux.NewID())
	wantCode(t, err, flux.ENotFound)
}

func TestServiceCreateAndUpdateTask(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 08:00")
	bad := &flux.Task{Title: "", Priority: flux.PriorityStandard, DurationMinutes: 0, TriggerType: flux.TriggerTime,
		RecurrenceRule: "FREQ=HOURLY", PreferredTime: "soon", Deadline: ptr(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))}
	err := e.svc.CreateTask(e.ctx, e.user, bad)
	var fe *flux.Error
	if !errors.As(err, &fe) || fe.Code != flux.EInvalid {
		t.Fatalf("CreateTask of a bad task = %v", err)
	}
	fields := map[string]bool{}
	for _, f := range fe.Fields {
		fields[f.Field] = true
	}
	for _, f := range []string{"title", "duration_minutes", "recurrence_rule", "preferred_time", "deadline"} {
		if !fields[f] {
			t.Errorf("CreateTask does not name %s: %+v", f, fe.Fields)
		}
	}
	x := e.task(nil)
	got, err := e.svc.UpdateTask(e.ctx, e.user, x.ID, func(t *flux.Task) error { t.ScheduledAt = ptr(e.at("2026-04-13 19:00")); return nil })
	if err != nil || got.Status != flux.TaskScheduled {
		t.Fatalf("giving a slot = %+v, %v", got, err)
	}
	got, err = e.svc.UpdateTask(e.ctx, e.user, x.ID, func(t *flux.Task) error { t.ScheduledAt = nil; t.RecurrenceRule = "FREQ=WEEKLY"; return nil })
	if err != nil || got.Status != flux.TaskPending || got.SeriesID != x.ID || got.Occurrence != 1 {
		t.Fatalf("removing the slot = %+v, %v", got, err)
	}
	_, err = e.svc.UpdateTask(e.ctx, e.user, x.ID, func(t *flux.Task) error { t.RecurrenceRule = "FREQ=SOMETIMES"; return nil })
	wantCode(t, err, flux.EInvalid)
}

func ptr[T any](v T) *T { return &v }
