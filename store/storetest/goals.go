package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testGoals specifies flux.GoalStore: goals, plans and milestones.
func testGoals(t *testing.T, open Opener) {
	subtest(t, open, "CreateAndGet", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		build := func() flux.Goal {
			g := newGoal(u.ID, "Run a marathon")
			g.Status = flux.GoalPipeline
			g.TargetDate = ptr(time.Date(2026, time.October, 4, 0, 0, 0, 0, time.UTC))
			g.Planner = "llm"
			g.Sources = []flux.Source{{Title: "Couch to 42k", Source: "articles/c2m.md"}, {Title: "Tapering", Source: "https://example.com/taper"}}
			g.PlanVersion = 3
			g.CompletedAt = ptr(time.Date(2026, 3, 1, 10, 0, 0, 123456789, zone("Asia/Kolkata")))
			return g
		}
		g := build()
		must(t, e.s.Goals().CreateGoal(e.ctx, &g), "CreateGoal")
		if !flux.ValidID(g.ID) {
			t.Fatalf("CreateGoal wrote back id %q, want a new UUID", g.ID)
		}
		want := build()
		want.ID, want.CreatedAt, want.UpdatedAt = g.ID, e.clock.stored(), e.clock.stored()
		want.CompletedAt = stp(want.CompletedAt)
		wantEqual(t, "CreateGoal writes the stored goal back", want, g)
		wantEqual(t, "GetGoal", want, *mustGet[*flux.Goal](t, "GetGoal")(e.s.Goals().GetGoal(e.ctx, u.ID, g.ID)))
		wantGetNotFound(e, "GetGoal", e.s.Goals().GetGoal, u.ID, other.ID, g.ID)

		// A caller's id is kept.
		id := flux.NewID()
		g2 := newGoal(u.ID, "Read 12 books")
		g2.ID = id
		must(t, e.s.Goals().CreateGoal(e.ctx, &g2), "CreateGoal with an id")
		if g2.ID != id {
			t.Errorf("CreateGoal changed the given id %s to %s", id, g2.ID)
		}
		wantEqual(t, "GetGoal of a goal created with an id", g2, *mustGet[*flux.Goal](t, "GetGoal")(e.s.Goals().GetGoal(e.ctx, u.ID, id)))
	})

	subtest(t, open, "CreateRefused", func(t *testing.T, e *env) {
		u := e.user()
		invalid := []func(*flux.Goal){
			func(g *flux.Goal) { g.Title = "   " },
			func(g *flux.Goal) { g.Status = "paused" },
			func(g *flux.Goal) { g.Title, g.Status, g.TargetWeeks = "", "", 521 },
		}
		for i, edit := range invalid {
			g := newGoal(u.ID, "Goal")
			edit(&g)
			wantInvalid(t, e.s.Goals().CreateGoal(e.ctx, &g), g.Validate(), fmt.Sprintf("CreateGoal of invalid goal %d", i))
		}
		for _, userID := range append([]string{flux.NewID()}, malformedIDs...) {
			g := newGoal(userID, "Goal")
			wantNotFound(t, e.s.Goals().CreateGoal(e.ctx, &g), fmt.Sprintf("CreateGoal for user %q", userID))
		}
		goals, _, err := e.s.Goals().ListGoals(e.ctx, u.ID, flux.GoalFilter{}, flux.Page{})
		must(t, err, "ListGoals")
		wantIDs(t, "ListGoals after refused creates", nil, idsOf(goals))
	})

	subtest(t, open, "List", func(t *testing.T, e *env) {
		checkNewestFirst(e, "ListGoals",
			func(userID, id string) flux.Goal {
				g := newGoal(userID, "Goal "+id[:8])
				g.ID = id
				must(t, e.s.Goals().CreateGoal(e.ctx, &g), "CreateGoal")
				return g
			},
			func(userID string) lister[flux.Goal] {
				return func(p flux.Page) ([]flux.Goal, string, error) {
					return e.s.Goals().ListGoals(e.ctx, userID, flux.GoalFilter{}, p)
				}
			})
	})

	subtest(t, open, "ListFilter", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		statuses := []flux.GoalStatus{flux.GoalActive, flux.GoalCompleted, flux.GoalAbandoned, flux.GoalPipeline}
		var all []flux.Goal
		for i := range 12 {
			e.clock.Advance(time.Second)
			st := statuses[i%len(statuses)]
			all = append(all, *e.goal(u.ID, func(g *flux.Goal) { g.Status = st }))
			e.goal(other.ID, func(g *flux.Goal) { g.Status = st })
		}
		cases := [][]flux.GoalStatus{
			nil,
			{flux.GoalActive},
			{flux.GoalCompleted, flux.GoalPipeline},
			statuses,
		}
		for _, sts := range cases {
			want := sorted(filter(all, func(g flux.Goal) bool { return len(sts) == 0 || slices.Contains(sts, g.Status) }), newestFirst(createdAt[flux.Goal]))
			wantList(t, fmt.Sprintf("ListGoals with statuses %q", sts), want, func(p flux.Page) ([]flux.Goal, string, error) {
				return e.s.Goals().ListGoals(e.ctx, u.ID, flux.GoalFilter{Statuses: sts}, p)
			}, 2, 0)
		}
	})

	subtest(t, open, "Update", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		g := e.goal(u.ID)
		checkUpdate(e, updateCase[flux.Goal]{
			what:    "UpdateGoal",
			update:  e.s.Goals().UpdateGoal,
			get:     e.s.Goals().GetGoal,
			ownerID: u.ID, otherID: other.ID, id: g.ID,
			edit: func(g *flux.Goal) {
				g.Title, g.Description, g.Category = "Run a half marathon", "Changed my mind", "health"
				g.Status, g.TargetWeeks = flux.GoalCompleted, 8
				g.TargetDate = ptr(time.Date(2026, time.July, 1, 0, 0, 0, 0, time.UTC))
				g.Planner, g.PlanVersion = "offline", 2
				g.Sources = []flux.Source{{Title: "Half marathon plan", Source: "articles/half.md"}}
				g.CompletedAt = st(time.Date(2026, 6, 30, 18, 0, 0, 1, zone("America/St_Johns")))
			},
			invalid: func(g *flux.Goal) { g.Title, g.Status = "", "bogus" },
		})
	})

	subtest(t, open, "Delete", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		p := e.plan(u.ID, 3, 6)
		kept := e.plan(u.ID, 2, 2)
		standalone := e.task(u.ID)
		checkDelete(e, "DeleteGoal", e.s.Goals().DeleteGoal, e.s.Goals().GetGoal, u.ID, other.ID, p.Goal.ID)

		// Its milestones and tasks went with it.
		_, err := e.s.Goals().ListMilestones(e.ctx, u.ID, p.Goal.ID)
		wantNotFound(t, err, "ListMilestones of a deleted goal")
		for _, m := range p.Milestones {
			_, err := e.s.Goals().UpdateMilestone(e.ctx, u.ID, m.ID, func(*flux.Milestone) error { return nil })
			wantNotFound(t, err, "UpdateMilestone of a deleted goal's milestone")
		}
		for _, x := range p.Tasks {
			_, err := e.s.Tasks().GetTask(e.ctx, u.ID, x.ID)
			wantNotFound(t, err, "GetTask of a deleted goal's task")
		}
		// The rest stays.
		x := e.export(u.ID)
		wantEqual(t, "goals after DeleteGoal", []flux.Goal{kept.Goal}, x.Goals)
		wantEqual(t, "milestones after DeleteGoal", byID(kept.Milestones), x.Milestones)
		wantEqual(t, "tasks after DeleteGoal", byID(append(slices.Clone(kept.Tasks), *standalone)), x.Tasks)
	})

	subtest(t, open, "CreateGoalPlan", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		p := newPlan(u.ID, 3, 7, tm("2026-04-01T07:00:00Z"))
		p.Goal.PlanVersion = 1
		// Rows take the goal's user, goal id and plan version, whatever they say.
		p.Milestones[0].UserID, p.Milestones[0].GoalID, p.Milestones[0].PlanVersion = other.ID, flux.NewID(), 9
		p.Tasks[0].UserID, p.Tasks[0].GoalID = other.ID, flux.NewID()
		// A milestone without an id gets one; a task without a milestone is fine.
		p.Milestones = append(p.Milestones, flux.Milestone{Week: 4, Title: "Week 4", Status: flux.MilestonePending})
		p.Tasks = append(p.Tasks, newTask("", "Find a tandem partner"))
		p.Tasks[len(p.Tasks)-1].MilestoneID = ""
		msIDs := make([]string, 3)
		for i := range 3 {
			msIDs[i] = p.Milestones[i].ID
		}
		e.clock.Advance(time.Minute)
		must(t, e.s.Goals().CreateGoalPlan(e.ctx, p), "CreateGoalPlan")

		now := e.clock.stored()
		g := p.Goal
		if !flux.ValidID(g.ID) || g.UserID != u.ID || !g.CreatedAt.Equal(now) || !g.UpdatedAt.Equal(now) || g.PlanVersion != 1 {
			t.Errorf("CreateGoalPlan wrote back goal %+v", g)
		}
		wantEqual(t, "GetGoal of a saved plan", g, *mustGet[*flux.Goal](t, "GetGoal")(e.s.Goals().GetGoal(e.ctx, u.ID, g.ID)))
		for i, m := range p.Milestones {
			if i < 3 && m.ID != msIDs[i] {
				t.Errorf("CreateGoalPlan changed milestone %d's id from %s to %s", i, msIDs[i], m.ID)
			}
			if !flux.ValidID(m.ID) || m.UserID != u.ID || m.GoalID != g.ID || m.PlanVersion != 1 || !m.CreatedAt.Equal(now) {
				t.Errorf("CreateGoalPlan wrote back milestone %d as %+v", i, m)
			}
		}
		ms := mustGet[[]flux.Milestone](t, "ListMilestones")(e.s.Goals().ListMilestones(e.ctx, u.ID, g.ID))
		wantEqual(t, "ListMilestones of a saved plan", sorted(p.Milestones, milestoneOrder), ms)
		for i, x := range p.Tasks {
			if !flux.ValidID(x.ID) || x.UserID != u.ID || x.GoalID != g.ID || !x.CreatedAt.Equal(now) || !x.UpdatedAt.Equal(now) {
				t.Errorf("CreateGoalPlan wrote back task %d as %+v", i, x)
			}
			if i < 7 && x.MilestoneID != msIDs[i%3] {
				t.Errorf("task %d: MilestoneID = %s, want %s", i, x.MilestoneID, msIDs[i%3])
			}
		}
		wantList(t, "the plan's tasks", sorted(p.Tasks, taskOrder), func(pg flux.Page) ([]flux.Task, string, error) {
			return e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{GoalID: g.ID}, pg)
		}, 0)
		wantExportEmpty(e, mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, other.ID)))

		// A goal with no milestones and no tasks is a plan too.
		empty := &flux.GoalPlan{Goal: newGoal(u.ID, "Just a goal")}
		must(t, e.s.Goals().CreateGoalPlan(e.ctx, empty), "CreateGoalPlan of a goal alone")
		wantEqual(t, "GetGoal of a plan with no milestones", empty.Goal, *mustGet[*flux.Goal](t, "GetGoal")(e.s.Goals().GetGoal(e.ctx, u.ID, empty.Goal.ID)))
	})

	subtest(t, open, "CreateGoalPlanAllOrNothing", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		foreign := e.plan(other.ID, 1, 1)
		otherBefore := e.export(other.ID)
		cases := []struct {
			name string
			edit func(p *flux.GoalPlan)
			code string
			// invalidTask, when >= 0, is the task whose Validate fields the
			// EInvalid error lists.
			invalidTask int
		}{
			{"one invalid task among 60", func(p *flux.GoalPlan) {
				p.Tasks[37].Title, p.Tasks[37].DurationMinutes = "", 0
			}, flux.EInvalid, 37},
			{"an invalid goal", func(p *flux.GoalPlan) { p.Goal.Status = "someday" }, flux.EInvalid, -1},
			{"a task naming another user's milestone", func(p *flux.GoalPlan) {
				p.Tasks[59].MilestoneID = foreign.Milestones[0].ID
			}, flux.ENotFound, -1},
			{"a task naming an unknown milestone", func(p *flux.GoalPlan) { p.Tasks[0].MilestoneID = flux.NewID() }, flux.ENotFound, -1},
			{"a task naming a malformed milestone", func(p *flux.GoalPlan) { p.Tasks[1].MilestoneID = "week-1" }, flux.ENotFound, -1},
			{"an unknown user", func(p *flux.GoalPlan) { p.Goal.UserID = flux.NewID() }, flux.ENotFound, -1},
			{"a malformed user", func(p *flux.GoalPlan) { p.Goal.UserID = "me" }, flux.ENotFound, -1},
		}
		for _, c := range cases {
			p := newPlan(u.ID, 12, 60, tm("2026-04-01T07:00:00Z"))
			p.Goal.ID = flux.NewID()
			c.edit(p)
			err := e.s.Goals().CreateGoalPlan(e.ctx, p)
			if c.invalidTask >= 0 {
				bad := p.Tasks[c.invalidTask]
				bad.GoalID, bad.UserID = p.Goal.ID, u.ID
				wantInvalid(t, err, bad.Validate(), "CreateGoalPlan with "+c.name)
			} else if c.code == flux.EInvalid {
				wantInvalid(t, err, p.Goal.Validate(), "CreateGoalPlan with "+c.name)
			} else {
				wantCode(t, err, c.code, "CreateGoalPlan with "+c.name)
			}
			_, err = e.s.Goals().GetGoal(e.ctx, u.ID, p.Goal.ID)
			wantNotFound(t, err, "GetGoal after a refused CreateGoalPlan with "+c.name)
		}
		wantExportEmpty(e, mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, u.ID)))
		wantEqual(t, "the other user's data after refused plans", *otherBefore, *e.export(other.ID))
	})

	subtest(t, open, "ReplacePlan", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		p := newPlan(u.ID, 5, 0, time.Time{})
		// Milestone i gets tasks in these statuses; ReplacePlan deletes the
		// open ones (pending, scheduled, drifted) and the milestones left
		// with none.
		statuses := [][]flux.TaskStatus{
			{flux.TaskDone, flux.TaskPending},      // keeps the done task and the milestone
			{flux.TaskScheduled, flux.TaskDrifted}, // left empty: deleted
			{flux.TaskMissed, flux.TaskCancelled},  // kept
			{flux.TaskRescheduled},                 // not open: kept
			{},                                     // no tasks at all: deleted
		}
		at := tm("2026-04-06T07:00:00Z")
		for i, sts := range statuses {
			for j, s := range sts {
				x := scheduledTask("", fmt.Sprintf("v1 task %d.%d", i, j), at.Add(time.Duration(10*i+j)*time.Hour))
				x.Status, x.MilestoneID = s, p.Milestones[i].ID
				p.Tasks = append(p.Tasks, x)
			}
		}
		loose := []flux.TaskStatus{flux.TaskPending, flux.TaskDone} // goal tasks with no milestone
		for _, s := range loose {
			x := newTask("", "v1 loose task "+string(s))
			x.Status = s
			p.Tasks = append(p.Tasks, x)
		}
		must(t, e.s.Goals().CreateGoalPlan(e.ctx, p), "CreateGoalPlan")
		sibling := e.plan(u.ID, 1, 2) // another goal of the user: untouched
		standalone := e.task(u.ID)
		otherBefore := e.export(other.ID)

		keptMs := []flux.Milestone{p.Milestones[0], p.Milestones[2], p.Milestones[3]}
		keptTasks := filter(p.Tasks, func(x flux.Task) bool { return !x.Status.Open() })

		e.clock.Advance(24 * time.Hour)
		goal := *mustGet[*flux.Goal](t, "GetGoal")(e.s.Goals().GetGoal(e.ctx, u.ID, p.Goal.ID))
		goal.PlanVersion = 2
		goal.Planner = "llm"
		goal.Sources = []flux.Source{{Title: "Immersion", Source: "articles/immersion.md"}}
		goal.Title = "Learn Portuguese (B1)"
		goal.TargetWeeks = 20
		np := &flux.GoalPlan{
			Goal: goal,
			Milestones: []flux.Milestone{
				{ID: randomID(), Week: 1, Title: "Restart", Status: flux.MilestonePending},
				{Week: 2, Title: "Conversation", Status: flux.MilestonePending},
			},
		}
		for i := range 3 {
			x := scheduledTask("", fmt.Sprintf("v2 task %d", i), at.Add(time.Duration(i)*time.Hour))
			x.MilestoneID = np.Milestones[0].ID
			np.Tasks = append(np.Tasks, x)
		}
		must(t, e.s.Goals().ReplacePlan(e.ctx, np), "ReplacePlan")

		now := e.clock.stored()
		wantGoal := goal
		wantGoal.UpdatedAt = now
		wantEqual(t, "ReplacePlan writes the stored goal back", wantGoal, np.Goal)
		wantEqual(t, "GetGoal after ReplacePlan", wantGoal, *mustGet[*flux.Goal](t, "GetGoal")(e.s.Goals().GetGoal(e.ctx, u.ID, goal.ID)))
		for i, m := range np.Milestones {
			if !flux.ValidID(m.ID) || m.UserID != u.ID || m.GoalID != goal.ID || m.PlanVersion != 2 || !m.CreatedAt.Equal(now) {
				t.Errorf("ReplacePlan wrote back milestone %d as %+v", i, m)
			}
		}
		for i, x := range np.Tasks {
			if !flux.ValidID(x.ID) || x.UserID != u.ID || x.GoalID != goal.ID || x.MilestoneID != np.Milestones[0].ID || !x.CreatedAt.Equal(now) {
				t.Errorf("ReplacePlan wrote back task %d as %+v", i, x)
			}
		}
		wantMs := sorted(append(slices.Clone(keptMs), np.Milestones...), milestoneOrder)
		wantEqual(t, "ListMilestones after ReplacePlan: the kept ones, then the new plan's",
			wantMs, mustGet[[]flux.Milestone](t, "ListMilestones")(e.s.Goals().ListMilestones(e.ctx, u.ID, goal.ID)))
		wantList(t, "the goal's tasks after ReplacePlan: done, missed, cancelled and rescheduled ones, then the new plan's",
			sorted(append(slices.Clone(keptTasks), np.Tasks...), taskOrder),
			func(pg flux.Page) ([]flux.Task, string, error) {
				return e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{GoalID: goal.ID}, pg)
			}, 0)

		// Nothing else changed.
		x := e.export(u.ID)
		wantEqual(t, "the other goal after ReplacePlan", sibling.Goal, *mustGet[*flux.Goal](t, "GetGoal")(e.s.Goals().GetGoal(e.ctx, u.ID, sibling.Goal.ID)))
		wantEqual(t, "all the user's tasks after ReplacePlan",
			byID(slices.Concat(keptTasks, np.Tasks, sibling.Tasks, []flux.Task{*standalone})), x.Tasks)
		wantEqual(t, "all the user's milestones after ReplacePlan", byID(slices.Concat(wantMs, sibling.Milestones)), x.Milestones)
		wantEqual(t, "the other user's data after ReplacePlan", *otherBefore, *e.export(other.ID))
	})

	subtest(t, open, "ReplacePlanAllOrNothing", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		p := e.plan(u.ID, 3, 9)
		foreign := e.plan(other.ID, 1, 1)
		before, otherBefore := e.export(u.ID), e.export(other.ID)
		e.clock.Advance(time.Hour)

		next := func() *flux.GoalPlan {
			np := newPlan(u.ID, 4, 20, tm("2026-06-01T07:00:00Z"))
			np.Goal = p.Goal
			np.Goal.PlanVersion = 2
			return np
		}
		cases := []struct {
			name string
			edit func(np *flux.GoalPlan)
			want func(np *flux.GoalPlan, err error)
		}{
			{"an invalid task", func(np *flux.GoalPlan) { np.Tasks[13].TriggerType = "telepathy" }, func(np *flux.GoalPlan, err error) {
				bad := np.Tasks[13]
				bad.GoalID, bad.UserID = np.Goal.ID, u.ID
				wantInvalid(t, err, bad.Validate(), "ReplacePlan with an invalid task")
			}},
			{"an invalid goal", func(np *flux.GoalPlan) { np.Goal.Title = "" }, func(np *flux.GoalPlan, err error) {
				wantInvalid(t, err, np.Goal.Validate(), "ReplacePlan with an invalid goal")
			}},
			{"a task naming another user's milestone", func(np *flux.GoalPlan) { np.Tasks[19].MilestoneID = foreign.Milestones[0].ID }, nil},
			{"another user's goal", func(np *flux.GoalPlan) { np.Goal = foreign.Goal; np.Goal.UserID = u.ID }, nil},
			{"another user asking", func(np *flux.GoalPlan) { np.Goal.UserID = other.ID }, nil},
			{"an unknown goal", func(np *flux.GoalPlan) { np.Goal.ID = flux.NewID() }, nil},
			{"a malformed goal id", func(np *flux.GoalPlan) { np.Goal.ID = "" }, nil},
			{"a malformed user id", func(np *flux.GoalPlan) { np.Goal.UserID = "" }, nil},
		}
		for _, c := range cases {
			np := next()
			c.edit(np)
			err := e.s.Goals().ReplacePlan(e.ctx, np)
			if c.want != nil {
				c.want(np, err)
			} else {
				wantNotFound(t, err, "ReplacePlan with "+c.name)
			}
			wantEqual(t, "the user's data after ReplacePlan with "+c.name, *before, *e.export(u.ID))
		}
		wantEqual(t, "the other user's data after refused ReplacePlans", *otherBefore, *e.export(other.ID))
	})

	subtest(t, open, "ListMilestones", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		p := &flux.GoalPlan{Goal: newGoal(u.ID, "Write a novel")}
		p.Goal.PlanVersion = 3
		for _, week := range []int{3, 1, 2, 1, 1, 0, 2} {
			m := newMilestone(week, fmt.Sprintf("Week %d", week))
			m.ID = randomID()
			p.Milestones = append(p.Milestones, m)
		}
		must(t, e.s.Goals().CreateGoalPlan(e.ctx, p), "CreateGoalPlan")
		e.plan(u.ID, 2, 0) // another goal's milestones are not listed
		wantEqual(t, "ListMilestones: by PlanVersion, Week, then ID", sorted(p.Milestones, milestoneOrder),
			mustGet[[]flux.Milestone](t, "ListMilestones")(e.s.Goals().ListMilestones(e.ctx, u.ID, p.Goal.ID)))

		none := e.goal(u.ID)
		ms, err := e.s.Goals().ListMilestones(e.ctx, u.ID, none.ID)
		must(t, err, "ListMilestones of a goal without milestones")
		wantIDs(t, "ListMilestones of a goal without milestones", nil, idsOf(ms))

		list := func(ctx context.Context, userID, goalID string) (*[]flux.Milestone, error) {
			ms, err := e.s.Goals().ListMilestones(ctx, userID, goalID)
			return &ms, err
		}
		wantGetNotFound(e, "ListMilestones", list, u.ID, other.ID, p.Goal.ID)
	})

	subtest(t, open, "UpdateMilestone", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		p := e.plan(u.ID, 2, 2)
		m := p.Milestones[1]
		checkUpdate(e, updateCase[flux.Milestone]{
			what:   "UpdateMilestone",
			update: e.s.Goals().UpdateMilestone,
			get: func(ctx context.Context, userID, id string) (*flux.Milestone, error) {
				ms, err := e.s.Goals().ListMilestones(ctx, userID, p.Goal.ID)
				if err != nil {
					return nil, err
				}
				for _, m := range ms {
					if m.ID == id {
						return &m, nil
					}
				}
				return nil, flux.NotFound("milestone")
			},
			ownerID: u.ID, otherID: other.ID, id: m.ID,
			edit: func(m *flux.Milestone) {
				m.Title, m.Status, m.Week = "Week 2: long run 🏃", flux.MilestoneCompleted, 5
			},
			invalid:       func(m *flux.Milestone) { m.Status = "bogus" },
			invalidFields: []string{"status"},
		})
	})
}
