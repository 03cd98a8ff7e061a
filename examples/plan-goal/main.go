// Command plan-goal shows a team planning goals with Flux: first with the
// offline planner alone (no store, no network: a goal statement in, a plan
// of weekly milestones and tasks out), then with a planner of its own, a
// type with one method, Plan, plugged into planner.Service on the embedded
// SQLite store, with the scheduler placing every task into the person's
// week.
//
//	go run ./examples/plan-goal
//
// A custom planner can be anything that returns a plan passing
// planner.Validate: a template library, a rules engine, another model.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/sqlite"
)

// habitPlanner is the team's own planner: every goal becomes the same
// three-week habit plan, titled after the goal.
type habitPlanner struct{}

// Plan implements planner.Planner.
func (habitPlanner) Plan(ctx context.Context, req planner.Request) (*planner.Plan, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Validate wants three to five tasks a milestone.
	week := func(n int, title string, minutes int, days string) planner.Milestone {
		return planner.Milestone{Week: n, Title: title, Tasks: []planner.Task{
			{Title: fmt.Sprintf("Practice %d minutes", minutes), Description: "Part of " + req.Statement, DurationMinutes: minutes,
				Recurrence: "FREQ=WEEKLY;BYDAY=" + days, TimeOfDay: "evening", Priority: flux.PriorityImportant},
			{Title: "Note how it went", Description: "Two lines in a journal", DurationMinutes: 5,
				Recurrence: "FREQ=WEEKLY;BYDAY=" + days, TimeOfDay: "evening", Priority: flux.PriorityStandard},
			{Title: "Weekly review", Description: "What helped, what got in the way", DurationMinutes: 15,
				Recurrence: "FREQ=WEEKLY;BYDAY=SU", TimeOfDay: "afternoon", Priority: flux.PriorityStandard},
		}}
	}
	p := &planner.Plan{
		Title: req.Statement, Category: planner.DomainWellbeing, Weeks: 3, Planner: "habit-templates",
		Summary: "Start small, then build the habit up over three weeks.",
		Sources: []flux.Source{},
		Milestones: []planner.Milestone{
			week(1, "Ten minutes, three evenings", 10, "MO,WE,FR"),
			week(2, "Twenty minutes, five evenings", 20, "MO,TU,WE,TH,FR"),
			week(3, "Thirty minutes, five evenings", 30, "MO,TU,WE,TH,FR"),
		},
	}
	// The one rule of a planner: return a plan that passes Validate.
	return p, planner.Validate(p)
}

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	now := time.Date(2026, 4, 13, 8, 0, 0, 0, time.UTC)

	// 1. The offline planner on its own.
	off := &planner.Offline{}
	p, err := off.Plan(ctx, planner.Request{Statement: "Run a 10k in 10 weeks", Now: now,
		Profile: planner.Profile{Name: "Ada", Timezone: "Europe/Berlin"}})
	if err != nil {
		return err
	}
	fmt.Printf("offline plan %q (%s, %d weeks, by %s):\n", p.Title, p.Category, p.Weeks, p.Planner)
	for _, m := range p.Milestones[:3] {
		fmt.Printf("  week %d: %s\n", m.Week, m.Title)
		for _, t := range m.Tasks {
			fmt.Printf("    - %s (%s)\n", t.Title, orOnce(t.Recurrence))
		}
	}
	fmt.Printf("  ... %d milestones, %d tasks in all\n\n", len(p.Milestones), p.TaskCount())

	// 2. A custom planner behind planner.Service, which saves the plan in
	// one transaction and has the scheduler place its tasks.
	dir, err := os.MkdirTemp("", "flux-example-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	clock := flux.ClockFunc(func() time.Time { return now })
	st, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), &sqlite.Options{Clock: clock})
	if err != nil {
		return err
	}
	defer st.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sched := scheduler.NewService(st, &scheduler.ServiceOptions{Clock: clock, Logger: quiet})
	goals := planner.NewService(st, habitPlanner{}, &planner.ServiceOptions{Clock: clock, Logger: quiet, Placer: sched})

	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	u.Timezone = "Europe/Berlin"
	if err := st.Users().CreateUser(ctx, u); err != nil {
		return err
	}
	g, err := goals.CreateGoal(ctx, u, planner.CreateGoalInput{Title: "Meditate in the evenings", Plan: true})
	if err != nil {
		return err
	}
	fmt.Printf("saved goal %q, planned by %s: %d milestones, %d tasks\n", g.Goal.Title, g.Goal.Planner, len(g.Milestones), len(g.Tasks))
	tasks, _, err := st.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{GoalID: g.Goal.ID}, flux.Page{})
	if err != nil {
		return err
	}
	for _, t := range tasks {
		when := "not placed"
		if t.ScheduledAt != nil {
			when = t.ScheduledAt.In(u.Location()).Format("Mon 2 Jan 15:04")
		}
		fmt.Printf("  %-22s %-10s %s\n", t.Title, t.Status, when)
	}
	return nil
}

func orOnce(rule string) string {
	if rule == "" {
		return "once"
	}
	return rule
}
