package scheduler_test

import (
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
	"github.com/google/go-cmp/cmp"
)

// TestAnalyticsInLocalDaysAcrossDST: a user in Berlin, on the Tuesday after
// summer time began (Sunday 29 March 2026, a 23-hour day). Several tasks
// fall on a different date in UTC than in Berlin; every figure must use
// Berlin's dates and weeks.
func TestAnalyticsInLocalDaysAcrossDST(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-03-31 10:00")
	goal := &flux.Goal{UserID: e.user.ID, Title: "Run a 10k", Category: "running", Status: flux.GoalActive}
	old := &flux.Goal{UserID: e.user.ID, Title: "Save money", Category: "money", Status: flux.GoalAbandoned}
	for _, g := range []*flux.Goal{goal, old} {
		if err := e.store.Goals().CreateGoal(e.ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	add := func(title string, status flux.TaskStatus, local string, minutes int, goalID string, completed string) {
		t.Helper()
		x := &flux.Task{UserID: e.user.ID, GoalID: goalID, Title: title, Status: status, Priority: flux.PriorityStandard,
			DurationMinutes: minutes, TriggerType: flux.TriggerTime}
		if local != "" {
			at := e.at(local)
			x.ScheduledAt = &at
		}
		if status == flux.TaskDone {
			if completed == "" {
				completed = local
			}
			c := e.at(completed)
			x.CompletedAt = &c
		}
		if err := e.store.Tasks().CreateTask(e.ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	add("A", flux.TaskDone, "2026-03-28 23:30", 30, goal.ID, "")        // Sat 22:30Z
	add("B", flux.TaskDone, "2026-03-29 00:30", 30, goal.ID, "")        // Sat 23:30Z, but Sunday in Berlin
	add("C", flux.TaskDone, "2026-03-29 23:30", 30, "", "")             // Sun 21:30Z (CEST)
	add("D", flux.TaskDone, "2026-03-30 00:30", 30, goal.ID, "")        // Sun 22:30Z, but Monday in Berlin
	add("E", flux.TaskDone, "", 30, "", "2026-03-30 23:50")             // no slot: the day it was done
	add("F", flux.TaskDone, "2026-03-31 08:00", 45, "", "")             // today
	add("G", flux.TaskScheduled, "2026-03-31 18:00", 30, goal.ID, "")   // today, open
	add("H", flux.TaskMissed, "2026-03-31 07:00", 30, "", "")           // today, missed
	add("I", flux.TaskCancelled, "2026-03-31 12:00", 30, "", "")        // never counted
	add("J", flux.TaskMissed, "2026-03-27 19:00", 30, goal.ID, "")      //
	add("K", flux.TaskDone, "2026-03-18 10:00", 30, "", "")             // two weeks ago
	add("L", flux.TaskPending, "", 30, goal.ID, "")                     // no day
	add("M", flux.TaskMissed, "2026-03-26 09:00", 30, old.ID, "")       // an abandoned goal's
	add("N", flux.TaskDone, "2025-03-30 12:00", 30, "", "")             // more than a year ago
	add("O", flux.TaskRescheduled, "2026-03-30 12:00", 30, goal.ID, "") // replaced: never counted

	o, err := e.svc.Overview(e.ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	half := 0.5
	want := &scheduler.Overview{
		TasksCompleted: 3, FocusHours: 1.8, StreakDays: 4, WeekLabel: "This week (Mar 30 – Apr 5)",
		Insight:   "4 days in a row with a task done. Keep the streak going!",
		TodayDone: 1, TodayTotal: 2, TodayCompletionPct: &half,
		Heatmap: []scheduler.HeatmapDay{{"2026-03-18", 1}, {"2026-03-28", 1}, {"2026-03-29", 2}, {"2026-03-30", 2}, {"2026-03-31", 1}},
	}
	if d := cmp.Diff(want, o); d != "" {
		t.Errorf("overview (-want +got):\n%s", d)
	}

	weeks, err := e.svc.Weekly(e.ctx, e.user, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantWeeks := []scheduler.WeekStats{
		{Week: "2026-03-16", WeekStart: "2026-03-16", Completed: 1, Done: 1, Total: 1, CompletionPct: 1},
		{Week: "2026-03-23", WeekStart: "2026-03-23", Completed: 3, Done: 3, Total: 5, CompletionPct: 0.6},
		{Week: "2026-03-30", WeekStart: "2026-03-30", Completed: 3, Done: 3, Total: 5, CompletionPct: 0.6},
	}
	if d := cmp.Diff(wantWeeks, weeks); d != "" {
		t.Errorf("weekly (-want +got):\n%s", d)
	}
	if all, err := e.svc.Weekly(e.ctx, e.user, 0); err != nil || len(all) != scheduler.DefaultWeeks || all[0].Week != "2026-01-12" {
		t.Errorf("default weeks = %d from %v, %v", len(all), all[0], err)
	}
	for _, n := range []int{-1, scheduler.MaxWeeks + 1} {
		if _, err := e.svc.Weekly(e.ctx, e.user, n); !flux.IsCode(err, flux.EInvalid) {
			t.Errorf("Weekly(%d) = %v", n, err)
		}
	}

	cats, err := e.svc.MissedByCategory(e.ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	wantCats := []scheduler.CategoryStats{
		{Category: "personal", Count: 1, MissedCount: 1, TotalCount: 5},
		{Category: "running", Count: 1, MissedCount: 1, TotalCount: 5},
		{Category: "money", Count: 1, MissedCount: 1, TotalCount: 1},
	}
	if d := cmp.Diff(wantCats, cats); d != "" {
		t.Errorf("missed by category (-want +got):\n%s", d)
	}

	goals, err := e.svc.GoalProgress(e.ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	wantGoals := []scheduler.GoalStats{{GoalID: goal.ID, Title: "Run a 10k", Category: "running", TasksDone: 3, TasksTotal: 6, CompletionPct: 0.5}}
	if d := cmp.Diff(wantGoals, goals); d != "" {
		t.Errorf("goal progress (-want +got):\n%s", d)
	}

	// The next morning, nothing done yet: the streak still counts up to
	// yesterday, and today has no tasks.
	e.clock.Set(e.at("2026-04-01 09:00"))
	o, err = e.svc.Overview(e.ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	if o.StreakDays != 4 || o.TodayTotal != 0 || o.TodayCompletionPct != nil || o.TasksCompleted != 3 {
		t.Errorf("next day: %+v", o)
	}
	// A week later the streak is broken and the week is empty.
	e.clock.Set(e.at("2026-04-08 09:00"))
	o, err = e.svc.Overview(e.ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	if o.StreakDays != 0 || o.TasksCompleted != 0 || o.Insight != "You completed 3 tasks last week. Start this week with one small win." {
		t.Errorf("a week later: %+v", o)
	}
}

// TestAnalyticsOfANewUser: no tasks, no goals: zeros and empty lists.
func TestAnalyticsOfANewUser(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-10-25 12:00") // the day summer time ends
	o, err := e.svc.Overview(e.ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	want := &scheduler.Overview{WeekLabel: "This week (Oct 19 – Oct 25)", Heatmap: []scheduler.HeatmapDay{},
		Insight: "Nothing completed yet this week. Pick one small task for today and build from there."}
	if d := cmp.Diff(want, o); d != "" {
		t.Errorf("overview (-want +got):\n%s", d)
	}
	cats, err := e.svc.MissedByCategory(e.ctx, e.user)
	if err != nil || len(cats) != 0 {
		t.Errorf("categories = %v, %v", cats, err)
	}
	goals, err := e.svc.GoalProgress(e.ctx, e.user)
	if err != nil || len(goals) != 0 {
		t.Errorf("goals = %v, %v", goals, err)
	}
	weeks, err := e.svc.Weekly(e.ctx, e.user, 1)
	if err != nil || len(weeks) != 1 || weeks[0] != (scheduler.WeekStats{Week: "2026-10-19", WeekStart: "2026-10-19"}) {
		t.Errorf("weeks = %v, %v", weeks, err)
	}
}
