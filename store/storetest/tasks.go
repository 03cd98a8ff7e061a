package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testTasks specifies flux.TaskStore.
func testTasks(t *testing.T, open Opener) {
	subtest(t, open, "CreateAndGet", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		p := e.plan(u.ID, 2, 0)
		kolkata := zone("Asia/Kolkata")
		series := flux.NewID()
		build := func() flux.Task {
			return flux.Task{
				UserID:          u.ID,
				GoalID:          p.Goal.ID,
				MilestoneID:     p.Milestones[1].ID,
				Title:           "Long run",
				Description:     "Zone 2, keep it easy",
				Status:          flux.TaskScheduled,
				Priority:        flux.PriorityMustNotMiss,
				DurationMinutes: 95,
				ScheduledAt:     ptr(time.Date(2026, 4, 5, 6, 30, 0, 123456789, kolkata)),
				Deadline:        ptr(time.Date(2026, 4, 5, 23, 59, 59, 999999999, kolkata)),
				EarliestStart:   ptr(time.Date(2026, 4, 4, 0, 0, 0, 1, kolkata)),
				PreferredTime:   "06:30",
				RecurrenceRule:  "FREQ=WEEKLY;BYDAY=SU",
				SeriesID:        series,
				Occurrence:      3,
				TriggerType:     flux.TriggerLocation,
				LocationTrigger: "park entrance",
				AllowWorkHours:  true,
				CompletedAt:     ptr(time.Date(2026, 4, 5, 8, 10, 0, 5000, kolkata)),
			}
		}
		x := build()
		must(t, e.s.Tasks().CreateTask(e.ctx, &x), "CreateTask")
		if !flux.ValidID(x.ID) {
			t.Fatalf("CreateTask wrote back id %q, want a new UUID", x.ID)
		}
		want := build()
		want.ID, want.CreatedAt, want.UpdatedAt = x.ID, e.clock.stored(), e.clock.stored()
		want.ScheduledAt, want.Deadline, want.EarliestStart, want.CompletedAt = stp(want.ScheduledAt), stp(want.Deadline), stp(want.EarliestStart), stp(want.CompletedAt)
		wantEqual(t, "CreateTask writes the stored task back", want, x)
		wantEqual(t, "GetTask", want, *mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, u.ID, x.ID)))
		wantGetNotFound(e, "GetTask", e.s.Tasks().GetTask, u.ID, other.ID, x.ID)

		// A minimal standalone task, with a caller's id.
		m := newTask(u.ID, "Stretch")
		m.ID = flux.NewID()
		id := m.ID
		must(t, e.s.Tasks().CreateTask(e.ctx, &m), "CreateTask of a standalone task")
		if m.ID != id {
			t.Errorf("CreateTask changed the given id %s to %s", id, m.ID)
		}
		wantEqual(t, "GetTask of a standalone task", m, *mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, u.ID, id)))
	})

	subtest(t, open, "CreateRefused", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		own := e.plan(u.ID, 1, 0)
		foreign := e.plan(other.ID, 1, 1)
		otherBefore := e.export(other.ID)

		invalid := []func(*flux.Task){
			func(x *flux.Task) { x.Title = "" },
			func(x *flux.Task) { x.Status = flux.TaskScheduled },        // without ScheduledAt
			func(x *flux.Task) { x.MilestoneID = own.Milestones[0].ID }, // without GoalID
			func(x *flux.Task) { x.TriggerType, x.LocationTrigger = flux.TriggerLocation, " " },
			func(x *flux.Task) {
				x.Title, x.Status, x.Priority, x.DurationMinutes, x.TriggerType = strings.Repeat("x", 501), "", "urgent", 1441, ""
			},
		}
		for i, edit := range invalid {
			x := newTask(u.ID, "Task")
			edit(&x)
			wantInvalid(t, e.s.Tasks().CreateTask(e.ctx, &x), x.Validate(), fmt.Sprintf("CreateTask of invalid task %d", i))
		}
		refs := []struct {
			name string
			edit func(*flux.Task)
		}{
			{"another user's goal", func(x *flux.Task) { x.GoalID = foreign.Goal.ID }},
			{"another user's milestone", func(x *flux.Task) { x.GoalID, x.MilestoneID = own.Goal.ID, foreign.Milestones[0].ID }},
			{"another user's goal and milestone", func(x *flux.Task) { x.GoalID, x.MilestoneID = foreign.Goal.ID, foreign.Milestones[0].ID }},
			{"an unknown goal", func(x *flux.Task) { x.GoalID = flux.NewID() }},
			{"an unknown milestone", func(x *flux.Task) { x.GoalID, x.MilestoneID = own.Goal.ID, flux.NewID() }},
			{"a malformed goal id", func(x *flux.Task) { x.GoalID = "goal-1" }},
			{"a malformed milestone id", func(x *flux.Task) { x.GoalID, x.MilestoneID = own.Goal.ID, "1" }},
			{"an unknown user", func(x *flux.Task) { x.UserID = flux.NewID() }},
			{"a malformed user id", func(x *flux.Task) { x.UserID = "" }},
			{"another user's goal for an unknown user", func(x *flux.Task) { x.UserID, x.GoalID = flux.NewID(), foreign.Goal.ID }},
		}
		for _, r := range refs {
			x := newTask(u.ID, "Task")
			r.edit(&x)
			wantNotFound(t, e.s.Tasks().CreateTask(e.ctx, &x), "CreateTask naming "+r.name)
		}
		x := e.export(u.ID)
		wantEqual(t, "the user's tasks after refused creates", []flux.Task(nil), x.Tasks)
		wantEqual(t, "the other user's data after refused creates", *otherBefore, *e.export(other.ID))
	})

	subtest(t, open, "CreateTasks", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		own := e.plan(u.ID, 1, 0)
		foreign := e.plan(other.ID, 1, 0)
		must(t, e.s.Tasks().CreateTasks(e.ctx, nil), "CreateTasks of no tasks")

		batch := func() []flux.Task {
			var ts []flux.Task
			for i := range 5 {
				ts = append(ts, scheduledTask(u.ID, fmt.Sprintf("Batch %d", i), tm("2026-05-01T10:00:00Z").Add(time.Duration(i)*time.Hour)))
			}
			ts[1].GoalID, ts[1].MilestoneID = own.Goal.ID, own.Milestones[0].ID
			ts[2].ID = flux.NewID()
			return ts
		}
		refused := []struct {
			name  string
			edit  func([]flux.Task)
			check func(ts []flux.Task, err error)
		}{
			{"one invalid task", func(ts []flux.Task) { ts[3].DurationMinutes = 0 }, func(ts []flux.Task, err error) {
				wantInvalid(t, err, ts[3].Validate(), "CreateTasks with one invalid task")
			}},
			{"one task naming another user's goal", func(ts []flux.Task) { ts[4].GoalID = foreign.Goal.ID }, nil},
			{"one task naming another user's milestone", func(ts []flux.Task) { ts[4].MilestoneID = foreign.Milestones[0].ID; ts[4].GoalID = own.Goal.ID }, nil},
			{"one task of an unknown user", func(ts []flux.Task) { ts[0].UserID = flux.NewID() }, nil},
		}
		for _, r := range refused {
			ts := batch()
			r.edit(ts)
			err := e.s.Tasks().CreateTasks(e.ctx, ts)
			if r.check != nil {
				r.check(ts, err)
			} else {
				wantNotFound(t, err, "CreateTasks with "+r.name)
			}
			got, _, err := e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{}, flux.Page{})
			must(t, err, "ListTasks")
			wantIDs(t, "ListTasks after CreateTasks with "+r.name, nil, idsOf(got))
		}

		ts := batch()
		given := ts[2].ID
		e.clock.Advance(time.Minute)
		must(t, e.s.Tasks().CreateTasks(e.ctx, ts), "CreateTasks")
		seen := map[string]bool{}
		for i, x := range ts {
			if !flux.ValidID(x.ID) || seen[x.ID] || !x.CreatedAt.Equal(e.clock.stored()) || !x.UpdatedAt.Equal(e.clock.stored()) {
				t.Errorf("CreateTasks wrote back task %d as %+v", i, x)
			}
			seen[x.ID] = true
		}
		if ts[2].ID != given {
			t.Errorf("CreateTasks changed the given id %s to %s", given, ts[2].ID)
		}
		wantList(t, "ListTasks after CreateTasks", ts, func(p flux.Page) ([]flux.Task, string, error) {
			return e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{}, p)
		}, 0)
	})

	subtest(t, open, "CreateConcurrent", func(t *testing.T, e *env) {
		u := e.user()
		const n = 20
		tasks := make([]flux.Task, n)
		parallel(n, func(i int) {
			tasks[i] = scheduledTask(u.ID, fmt.Sprint("Parallel ", i), tm("2026-05-01T00:00:00Z").Add(time.Duration(i)*time.Minute))
			if err := e.s.Tasks().CreateTask(e.ctx, &tasks[i]); err != nil {
				t.Errorf("CreateTask %d: %v", i, err)
			}
		})
		wantList(t, "ListTasks after parallel creates", tasks, func(p flux.Page) ([]flux.Task, string, error) {
			return e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{}, p)
		}, 7)
	})

	subtest(t, open, "ListOrder", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		base := tm("2026-05-04T09:00:00Z")
		// Equal instants written in different zones, neighbours one
		// microsecond apart, times before 1970, and unscheduled tasks.
		instants := []*time.Time{
			ptr(base),
			ptr(base.In(zone("Asia/Kolkata"))),
			ptr(base.In(zone("America/St_Johns"))),
			ptr(base.Add(time.Microsecond)),
			ptr(base.Add(-time.Microsecond)),
			ptr(base.Add(time.Microsecond + 999*time.Nanosecond)), // stored as base+1µs
			ptr(tm("1969-07-20T20:17:40Z")),
			ptr(tm("1969-07-20T20:17:40Z")),
			ptr(tm("2026-05-04T09:00:00.000001Z")),
			nil, nil, nil, nil,
		}
		var all []flux.Task
		for i, at := range instants {
			x := newTask(u.ID, fmt.Sprint("Task ", i))
			x.ID = randomID()
			if at != nil {
				x.Status, x.ScheduledAt = flux.TaskScheduled, at
			}
			must(t, e.s.Tasks().CreateTask(e.ctx, &x), "CreateTask")
			all = append(all, x)
			y := newTask(other.ID, "Other's task")
			y.ScheduledAt = at
			must(t, e.s.Tasks().CreateTask(e.ctx, &y), "CreateTask")
		}
		list := func(p flux.Page) ([]flux.Task, string, error) {
			return e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{}, p)
		}
		wantList(t, "ListTasks: by ScheduledAt, unscheduled last, then by ID", sorted(all, taskOrder), list, 1, 2, 3, 4, 7, 0, 200)
		wantBadCursors(t, "ListTasks", list)
	})

	subtest(t, open, "ListPageSize", func(t *testing.T, e *env) {
		u := e.user()
		var all []flux.Task
		for batch := range 5 {
			var ts []flux.Task
			for i := range 46 {
				n := batch*46 + i
				x := newTask(u.ID, fmt.Sprint("Task ", n))
				if n%3 != 0 {
					x.Status, x.ScheduledAt = flux.TaskScheduled, ptr(tm("2026-01-01T00:00:00Z").Add(time.Duration(n%97)*time.Hour))
				}
				ts = append(ts, x)
			}
			must(t, e.s.Tasks().CreateTasks(e.ctx, ts), "CreateTasks")
			all = append(all, ts...)
		}
		want := sorted(all, taskOrder) // 230 tasks
		for _, c := range []struct{ limit, size int }{{0, 50}, {-3, 50}, {1, 1}, {200, 200}, {201, 200}, {1000, 200}} {
			got, next, err := e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{}, flux.Page{Limit: c.limit})
			must(t, err, "ListTasks")
			if len(got) != c.size || next == "" {
				t.Errorf("ListTasks with limit %d: %d tasks and next cursor %q, want %d and a cursor", c.limit, len(got), next, c.size)
			}
			wantIDs(t, fmt.Sprintf("ListTasks with limit %d", c.limit), idsOf(want[:min(c.size, len(got))]), idsOf(got))
		}
		wantList(t, "ListTasks of 230 tasks", want, func(p flux.Page) ([]flux.Task, string, error) {
			return e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{}, p)
		}, 1000, 0, 230, 229, 23)
	})

	subtest(t, open, "ListKeyset", func(t *testing.T, e *env) {
		u := e.user()
		list := func(p flux.Page) ([]flux.Task, string, error) {
			return e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{}, p)
		}
		base := tm("2026-05-04T09:00:00Z")
		var all []flux.Task
		for i := range 6 {
			all = append(all, *e.task(u.ID, func(x *flux.Task) {
				x.Status, x.ScheduledAt = flux.TaskScheduled, ptr(base.Add(time.Duration(i)*time.Hour))
			}))
		}
		mid := "80000000-0000-4000-8000-000000000000"
		for _, id := range []string{mid, "40000000-0000-4000-8000-000000000000", "c0000000-0000-4000-8000-000000000000"} {
			all = append(all, *e.task(u.ID, func(x *flux.Task) { x.ID = id }))
		}
		all = sorted(all, taskOrder)

		// A cursor in the scheduled part, after S2: a task added before it
		// is not listed after it; one after it is, and so is one at the same
		// time with a greater id; a deleted one is gone.
		first, next, err := list(flux.Page{Limit: 3})
		must(t, err, "ListTasks")
		wantIDs(t, "first page", idsOf(all[:3]), idsOf(first))
		e.task(u.ID, func(x *flux.Task) { x.Status, x.ScheduledAt = flux.TaskScheduled, ptr(base.Add(-time.Hour)) })
		after := e.task(u.ID, func(x *flux.Task) { x.Status, x.ScheduledAt = flux.TaskScheduled, ptr(base.Add(150*time.Minute)) })
		tie := e.task(u.ID, func(x *flux.Task) {
			x.ID, x.Status, x.ScheduledAt = "ffffffff-ffff-4fff-bfff-ffffffffffff", flux.TaskScheduled, all[2].ScheduledAt
		})
		must(t, e.s.Tasks().DeleteTask(e.ctx, u.ID, all[4].ID), "DeleteTask")
		rest := walk(t, "ListTasks after a cursor in the scheduled part", 3, func(p flux.Page) ([]flux.Task, string, error) {
			if p.Cursor == "" {
				p.Cursor = next
			}
			return list(p)
		})
		wantRest := sorted(slices.Concat(all[3:4], all[5:], []flux.Task{*after, *tie}), taskOrder)
		wantIDs(t, "ListTasks after a cursor in the scheduled part", idsOf(wantRest), idsOf(rest))

		// A cursor in the unscheduled part, at the task with id mid: only
		// unscheduled tasks with a greater id follow it.
		var cursor string
		for {
			page, n, err := list(flux.Page{Limit: 1, Cursor: cursor})
			must(t, err, "ListTasks")
			if len(page) != 1 || n == "" {
				t.Fatalf("ListTasks one by one: a page of %d tasks and cursor %q before reaching task %s", len(page), n, mid)
			}
			cursor = n
			if page[0].ID == mid {
				break
			}
		}
		e.task(u.ID, func(x *flux.Task) { x.ID = "00000000-0000-4000-8000-000000000001" })
		high := e.task(u.ID, func(x *flux.Task) { x.ID = "90000000-0000-4000-8000-000000000000" })
		e.task(u.ID, func(x *flux.Task) { x.Status, x.ScheduledAt = flux.TaskScheduled, ptr(base.Add(100*time.Hour)) })
		rest = walk(t, "ListTasks after a cursor in the unscheduled part", 2, func(p flux.Page) ([]flux.Task, string, error) {
			if p.Cursor == "" {
				p.Cursor = cursor
			}
			return list(p)
		})
		wantIDs(t, "ListTasks after a cursor in the unscheduled part", []string{high.ID, "c0000000-0000-4000-8000-000000000000"}, idsOf(rest))
	})

	subtest(t, open, "ListFilter", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		g1 := e.plan(u.ID, 2, 0)
		g2 := e.plan(u.ID, 1, 0)
		foreign := e.plan(other.ID, 1, 2)
		series := flux.NewID()
		base := tm("2026-05-04T00:00:00Z") // a Monday
		statuses := []flux.TaskStatus{flux.TaskScheduled, flux.TaskDone, flux.TaskMissed, flux.TaskDrifted, flux.TaskCancelled, flux.TaskRescheduled}
		var all []flux.Task
		add := func(x flux.Task) {
			must(t, e.s.Tasks().CreateTask(e.ctx, &x), "CreateTask")
			all = append(all, x)
		}
		for i := range 30 {
			x := scheduledTask(u.ID, fmt.Sprint("Task ", i), base.Add(time.Duration(i)*9*time.Hour))
			x.Status = statuses[i%len(statuses)]
			switch i % 5 {
			case 0:
				x.GoalID, x.MilestoneID = g1.Goal.ID, g1.Milestones[i%2].ID
			case 1:
				x.GoalID = g2.Goal.ID
			case 2:
				x.SeriesID, x.RecurrenceRule, x.Occurrence = series, "FREQ=DAILY", i
			}
			add(x)
		}
		for i := range 6 {
			x := newTask(u.ID, fmt.Sprint("Someday ", i))
			if i%2 == 0 {
				x.GoalID = g1.Goal.ID
			}
			if i == 5 {
				x.Status = flux.TaskDone
			}
			add(x)
		}
		for i := range 10 {
			e.task(other.ID, func(x *flux.Task) {
				x.Status, x.ScheduledAt, x.SeriesID = flux.TaskScheduled, ptr(base.Add(time.Duration(i)*5*time.Hour)), series
			})
		}
		from, to := base.Add(27*time.Hour), base.Add(99*time.Hour) // exactly tasks 3 and 11 are on the bounds
		in := func(x flux.Task, f, t *time.Time) bool {
			if f == nil && t == nil {
				return true
			}
			return x.ScheduledAt != nil && (f == nil || !x.ScheduledAt.Before(*f)) && (t == nil || x.ScheduledAt.Before(*t))
		}
		stJohns, kolkata := zone("America/St_Johns"), zone("Asia/Kolkata")
		cases := []struct {
			name string
			f    flux.TaskFilter
			keep func(flux.Task) bool
		}{
			{"no filter", flux.TaskFilter{}, func(flux.Task) bool { return true }},
			{"From and To: [From, To)", flux.TaskFilter{From: &from, To: &to}, func(x flux.Task) bool { return in(x, &from, &to) }},
			{"From and To in other zones", flux.TaskFilter{From: ptr(from.In(stJohns)), To: ptr(to.In(kolkata))}, func(x flux.Task) bool { return in(x, &from, &to) }},
			{"From only", flux.TaskFilter{From: &from}, func(x flux.Task) bool { return in(x, &from, nil) }},
			{"To only", flux.TaskFilter{To: &to}, func(x flux.Task) bool { return in(x, nil, &to) }},
			{"From equal to To", flux.TaskFilter{From: &from, To: &from}, func(flux.Task) bool { return false }},
			{"one status", flux.TaskFilter{Statuses: []flux.TaskStatus{flux.TaskDone}}, func(x flux.Task) bool { return x.Status == flux.TaskDone }},
			{"two statuses", flux.TaskFilter{Statuses: []flux.TaskStatus{flux.TaskPending, flux.TaskMissed}}, func(x flux.Task) bool {
				return x.Status == flux.TaskPending || x.Status == flux.TaskMissed
			}},
			{"a goal", flux.TaskFilter{GoalID: g1.Goal.ID}, func(x flux.Task) bool { return x.GoalID == g1.Goal.ID }},
			{"another goal", flux.TaskFilter{GoalID: g2.Goal.ID}, func(x flux.Task) bool { return x.GoalID == g2.Goal.ID }},
			{"another user's goal", flux.TaskFilter{GoalID: foreign.Goal.ID}, func(flux.Task) bool { return false }},
			{"an unknown goal", flux.TaskFilter{GoalID: flux.NewID()}, func(flux.Task) bool { return false }},
			{"a malformed goal id", flux.TaskFilter{GoalID: "nope"}, func(flux.Task) bool { return false }},
			{"a series", flux.TaskFilter{SeriesID: series}, func(x flux.Task) bool { return x.SeriesID == series }},
			{"a malformed series id", flux.TaskFilter{SeriesID: "nope"}, func(flux.Task) bool { return false }},
			{"unscheduled", flux.TaskFilter{Unscheduled: true}, func(x flux.Task) bool { return x.ScheduledAt == nil }},
			{"unscheduled of a goal", flux.TaskFilter{Unscheduled: true, GoalID: g1.Goal.ID}, func(x flux.Task) bool {
				return x.ScheduledAt == nil && x.GoalID == g1.Goal.ID
			}},
			{"everything at once", flux.TaskFilter{From: &from, To: &to, GoalID: g1.Goal.ID, Statuses: []flux.TaskStatus{flux.TaskScheduled, flux.TaskMissed, flux.TaskCancelled}},
				func(x flux.Task) bool {
					return in(x, &from, &to) && x.GoalID == g1.Goal.ID && slices.Contains([]flux.TaskStatus{flux.TaskScheduled, flux.TaskMissed, flux.TaskCancelled}, x.Status)
				}},
		}
		if n := len(filter(all, func(x flux.Task) bool { return in(x, &from, &to) })); n != 8 {
			t.Fatalf("test setup: %d tasks in [from, to), want 8", n)
		}
		for _, c := range cases {
			want := sorted(filter(all, c.keep), taskOrder)
			wantList(t, "ListTasks with "+c.name, want, func(p flux.Page) ([]flux.Task, string, error) {
				return e.s.Tasks().ListTasks(e.ctx, u.ID, c.f, p)
			}, 2, 0)
		}
	})

	subtest(t, open, "Update", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		p := e.plan(u.ID, 2, 3)
		x := p.Tasks[0]
		checkUpdate(e, updateCase[flux.Task]{
			what:    "UpdateTask",
			update:  e.s.Tasks().UpdateTask,
			get:     e.s.Tasks().GetTask,
			ownerID: u.ID, otherID: other.ID, id: x.ID,
			edit: func(x *flux.Task) {
				x.Title, x.Description = "Lesson 1 (moved)", "Pronunciation"
				x.Status, x.Priority, x.DurationMinutes = flux.TaskDone, flux.PriorityImportant, 50
				x.MilestoneID = p.Milestones[1].ID
				x.ScheduledAt = st(time.Date(2026, 4, 2, 19, 0, 0, 777, zone("America/St_Johns")))
				x.Deadline, x.EarliestStart = st(tm("2026-04-03T00:00:00Z")), nil
				x.PreferredTime, x.RecurrenceRule, x.SeriesID, x.Occurrence = "evening", "FREQ=WEEKLY", x.ID, 1
				x.TriggerType, x.LocationTrigger, x.AllowWorkHours = flux.TriggerLocation, "home", true
				x.CompletedAt = st(tm("2026-04-02T23:00:00.5Z"))
			},
			invalid: func(x *flux.Task) { x.Status, x.ScheduledAt, x.DurationMinutes = flux.TaskScheduled, nil, 0 },
		})
	})

	subtest(t, open, "UpdateReferences", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		own, own2 := e.plan(u.ID, 1, 1), e.plan(u.ID, 1, 0)
		foreign := e.plan(other.ID, 1, 1)
		x := e.task(u.ID)
		before, otherBefore := e.export(u.ID), e.export(other.ID)
		refs := []struct {
			name string
			edit func(*flux.Task)
		}{
			{"another user's goal", func(x *flux.Task) { x.GoalID = foreign.Goal.ID }},
			{"another user's milestone", func(x *flux.Task) { x.GoalID, x.MilestoneID = own.Goal.ID, foreign.Milestones[0].ID }},
			{"an unknown goal", func(x *flux.Task) { x.GoalID = flux.NewID() }},
			{"an unknown milestone", func(x *flux.Task) { x.GoalID, x.MilestoneID = own.Goal.ID, flux.NewID() }},
			{"a malformed goal id", func(x *flux.Task) { x.GoalID = "g" }},
		}
		for _, r := range refs {
			_, err := e.s.Tasks().UpdateTask(e.ctx, u.ID, x.ID, func(x *flux.Task) error { r.edit(x); return nil })
			wantNotFound(t, err, "UpdateTask attaching the task to "+r.name)
		}
		// Nor can another user's task be moved under one's own goal.
		_, err := e.s.Tasks().UpdateTask(e.ctx, u.ID, foreign.Tasks[0].ID, func(x *flux.Task) error {
			t.Errorf("UpdateTask called fn for another user's task")
			x.GoalID, x.MilestoneID = own.Goal.ID, own.Milestones[0].ID
			return nil
		})
		wantNotFound(t, err, "UpdateTask of another user's task")
		wantEqual(t, "the user's data after refused updates", *before, *e.export(u.ID))
		wantEqual(t, "the other user's data after refused updates", *otherBefore, *e.export(other.ID))

		// Moving a task to one's own goal and back out works.
		got, err := e.s.Tasks().UpdateTask(e.ctx, u.ID, x.ID, func(x *flux.Task) error {
			x.GoalID, x.MilestoneID = own2.Goal.ID, own2.Milestones[0].ID
			return nil
		})
		must(t, err, "UpdateTask moving a task under the user's goal")
		if got.GoalID != own2.Goal.ID || got.MilestoneID != own2.Milestones[0].ID {
			t.Errorf("UpdateTask moving a task: got goal %q milestone %q", got.GoalID, got.MilestoneID)
		}
		got, err = e.s.Tasks().UpdateTask(e.ctx, u.ID, x.ID, func(x *flux.Task) error {
			x.GoalID, x.MilestoneID = "", ""
			return nil
		})
		must(t, err, "UpdateTask detaching a task from its goal")
		wantEqual(t, "a detached task", *got, *mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, u.ID, x.ID)))
		if got.GoalID != "" || got.MilestoneID != "" {
			t.Errorf("UpdateTask detaching a task: got goal %q milestone %q", got.GoalID, got.MilestoneID)
		}
	})

	subtest(t, open, "UpdateConcurrent", func(t *testing.T, e *env) {
		u := e.user()
		x := e.task(u.ID, func(x *flux.Task) { x.Description = "log:" })
		const n = 20
		parallel(n, func(i int) {
			_, err := e.s.Tasks().UpdateTask(e.ctx, u.ID, x.ID, func(x *flux.Task) error {
				x.Description += fmt.Sprintf("[%d]", i)
				x.Occurrence++
				return nil
			})
			if err != nil {
				t.Errorf("UpdateTask %d: %v", i, err)
			}
		})
		got := mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, u.ID, x.ID))
		for i := range n {
			if c := strings.Count(got.Description, fmt.Sprintf("[%d]", i)); c != 1 {
				t.Errorf("after %d concurrent updates, update %d appears %d times in %q (a lost update)", n, i, c, got.Description)
			}
		}
		if got.Occurrence != n {
			t.Errorf("after %d concurrent increments, Occurrence = %d", n, got.Occurrence)
		}
	})

	subtest(t, open, "Delete", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		x, y := e.task(u.ID), e.task(u.ID)
		// The notification log and the escalations are history: they stay,
		// still naming the task.
		n := e.notification(u.ID, func(n *flux.Notification) { n.TaskID = x.ID })
		esc := e.escalation(u.ID, func(esc *flux.Escalation) { esc.TaskID = x.ID })
		checkDelete(e, "DeleteTask", e.s.Tasks().DeleteTask, e.s.Tasks().GetTask, u.ID, other.ID, x.ID)
		wantEqual(t, "the other task after DeleteTask", *y, *mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, u.ID, y.ID)))
		wantEqual(t, "a notification about a deleted task", *n, *mustGet[*flux.Notification](t, "GetNotification")(e.s.Notifications().GetNotification(e.ctx, u.ID, n.ID)))
		wantEqual(t, "an escalation about a deleted task", *esc, *mustGet[*flux.Escalation](t, "GetEscalation")(e.s.Escalations().GetEscalation(e.ctx, u.ID, esc.ID)))

		// Deleting a plan's task leaves its goal and milestone.
		p := e.plan(u.ID, 1, 2)
		must(t, e.s.Tasks().DeleteTask(e.ctx, u.ID, p.Tasks[0].ID), "DeleteTask of a plan's task")
		wantEqual(t, "the milestones after DeleteTask", p.Milestones, mustGet[[]flux.Milestone](t, "ListMilestones")(e.s.Goals().ListMilestones(e.ctx, u.ID, p.Goal.ID)))
		wantEqual(t, "the other task of the plan", p.Tasks[1], *mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, u.ID, p.Tasks[1].ID)))
	})

	subtest(t, open, "DriftOverdue", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		// The cut-off is not a whole microsecond and not in UTC: a slot that
		// ends at its stored value has ended "at or before" it.
		cut := time.Date(2026, 3, 14, 18, 40, 10, 123456789, zone("Asia/Kolkata"))
		end := flux.StoreTime(cut)
		at := func(userID string, endsAt time.Time, minutes int, status flux.TaskStatus) *flux.Task {
			return e.task(userID, func(x *flux.Task) {
				x.DurationMinutes = minutes
				x.ScheduledAt = ptr(endsAt.Add(-time.Duration(minutes) * time.Minute))
				x.Status = status
			})
		}
		drift := []*flux.Task{
			at(u.ID, end, 30, flux.TaskScheduled),                            // ends exactly at the cut-off
			at(u.ID, end.Add(-26*time.Hour), 60, flux.TaskScheduled),         // long past
			at(u.ID, end, 1440, flux.TaskScheduled),                          // the longest slot, ending at the cut-off
			at(u.ID, end, 1, flux.TaskScheduled),                             // the shortest slot, ending at the cut-off
			at(other.ID, end.Add(-time.Minute), 45, flux.TaskScheduled),      // another user's
			at(other.ID, end.Add(-400*24*time.Hour), 20, flux.TaskScheduled), // over a year ago
		}
		keep := []*flux.Task{
			at(u.ID, end.Add(time.Microsecond), 30, flux.TaskScheduled),   // ends a microsecond later
			at(u.ID, end.Add(time.Microsecond), 1440, flux.TaskScheduled), // started a day before, still running
			at(u.ID, end.Add(time.Microsecond), 1, flux.TaskScheduled),    // started a minute before, still running
			at(u.ID, end.Add(3*time.Hour), 30, flux.TaskScheduled),        // in the future
			at(u.ID, end.Add(-2*time.Hour), 30, flux.TaskDrifted),         // already drifted
			at(u.ID, end.Add(-2*time.Hour), 30, flux.TaskDone),            // done
			at(u.ID, end.Add(-2*time.Hour), 30, flux.TaskMissed),          // missed
			at(other.ID, end.Add(-2*time.Hour), 30, flux.TaskCancelled),   // cancelled
			at(other.ID, end.Add(-2*time.Hour), 30, flux.TaskPending),     // pending with a slot
			at(other.ID, end.Add(-2*time.Hour), 30, flux.TaskRescheduled), // rescheduled
			e.task(u.ID), // pending, no slot
		}
		e.clock.Advance(time.Hour)
		n, err := e.s.Tasks().DriftOverdue(e.ctx, cut)
		must(t, err, "DriftOverdue")
		if n != len(drift) {
			t.Errorf("DriftOverdue = %d, want %d", n, len(drift))
		}
		for _, x := range drift {
			want := *x
			want.Status, want.UpdatedAt = flux.TaskDrifted, e.clock.stored()
			wantEqual(t, "a task DriftOverdue drifted", want, *mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, x.UserID, x.ID)))
		}
		for _, x := range keep {
			wantEqual(t, "a task DriftOverdue must leave", *x, *mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, x.UserID, x.ID)))
		}
		n, err = e.s.Tasks().DriftOverdue(e.ctx, cut)
		must(t, err, "DriftOverdue again")
		if n != 0 {
			t.Errorf("DriftOverdue again = %d, want 0", n)
		}

		// Inside Atomic it is part of the transaction: rolled back, it
		// leaves every task as it was.
		late := at(u.ID, end.Add(time.Hour), 30, flux.TaskScheduled)
		rollback := fmt.Errorf("roll back")
		err = e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			n, err := tx.Tasks().DriftOverdue(ctx, cut.Add(time.Hour))
			if err != nil {
				return err
			}
			if n != 4 { // late and the three that ended a microsecond after cut
				t.Errorf("DriftOverdue in Atomic = %d, want 4", n)
			}
			return rollback
		})
		if err != rollback {
			t.Fatalf("Atomic = %v, want the rollback error", err)
		}
		for _, x := range append(keep[:3:3], late) {
			wantEqual(t, "a task drifted in a rolled back transaction", *x, *mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, x.UserID, x.ID)))
		}
	})

	subtest(t, open, "DueTasks", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		from := time.Date(2026, 3, 14, 18, 0, 0, 500, zone("Asia/Kolkata"))
		to := from.Add(10 * time.Minute)
		at := func(userID string, when time.Time, status flux.TaskStatus, edit ...func(*flux.Task)) *flux.Task {
			return e.task(userID, append([]func(*flux.Task){func(x *flux.Task) {
				x.ScheduledAt, x.Status = ptr(when), status
			}}, edit...)...)
		}
		var due []flux.Task
		for i, when := range []time.Time{from, from.Add(time.Minute), to.Add(-time.Microsecond), from.Add(time.Minute)} {
			userID := u.ID
			if i%2 == 1 {
				userID = other.ID
			}
			due = append(due, *at(userID, when, flux.TaskScheduled))
		}
		due = append(due, *at(u.ID, from.Add(2*time.Minute), flux.TaskDrifted), *at(other.ID, from.Add(3*time.Minute), flux.TaskPending))
		// Not due: outside [from, to), closed, location-triggered, no slot.
		at(u.ID, from.Add(-time.Microsecond), flux.TaskScheduled)
		at(u.ID, to, flux.TaskScheduled)
		for _, st := range []flux.TaskStatus{flux.TaskDone, flux.TaskMissed, flux.TaskCancelled, flux.TaskRescheduled} {
			at(u.ID, from.Add(time.Minute), st)
		}
		at(u.ID, from.Add(time.Minute), flux.TaskScheduled, func(x *flux.Task) {
			x.TriggerType, x.LocationTrigger = flux.TriggerLocation, "away from home"
		})
		e.task(u.ID)
		want := sorted(due, func(a, b flux.Task) int {
			if c := a.ScheduledAt.Compare(*b.ScheduledAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		wantList(t, "DueTasks", want, func(p flux.Page) ([]flux.Task, string, error) {
			return e.s.Tasks().DueTasks(e.ctx, from, to, p)
		}, 1, 2, 4, 0)
		_, _, err := e.s.Tasks().DueTasks(e.ctx, from, to, flux.Page{Cursor: "not-a-cursor"})
		wantCode(t, err, flux.EInvalid, "DueTasks with a bad cursor")
	})
}
