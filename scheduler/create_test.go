package scheduler_test

import (
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

// TestCreateTaskWithDefaults: the task defaults live in the service, so
// every caller gets the same: 30 minutes, time-triggered, and work hours
// allowed under a career goal unless the creator says otherwise.
func TestCreateTaskWithDefaults(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-13 08:00")
	career := &flux.Goal{UserID: e.user.ID, Title: "Get promoted", Category: scheduler.CareerCategory, Status: flux.GoalActive}
	fitness := &flux.Goal{UserID: e.user.ID, Title: "Run a 10k", Category: "running", Status: flux.GoalActive}
	for _, g := range []*flux.Goal{career, fitness} {
		if err := e.store.Goals().CreateGoal(e.ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	no := false
	for _, tc := range []struct {
		name      string
		goalID    string
		opts      scheduler.CreateOptions
		workHours bool
	}{
		{"no goal", "", scheduler.CreateOptions{}, false},
		{"career goal", career.ID, scheduler.CreateOptions{}, true},
		{"career goal, creator says no", career.ID, scheduler.CreateOptions{AllowWorkHours: &no}, false},
		{"other goal", fitness.ID, scheduler.CreateOptions{}, false},
	} {
		task := &flux.Task{Title: "Prepare " + tc.name, Priority: flux.PriorityStandard, GoalID: tc.goalID}
		if err := e.svc.CreateTaskWith(e.ctx, e.user, task, tc.opts); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := e.get(task.ID)
		if got.DurationMinutes != scheduler.DefaultTaskMinutes || got.TriggerType != flux.TriggerTime || got.AllowWorkHours != tc.workHours {
			t.Errorf("%s: duration %d trigger %s work hours %v; want %d, time, %v", tc.name,
				got.DurationMinutes, got.TriggerType, got.AllowWorkHours, scheduler.DefaultTaskMinutes, tc.workHours)
		}
	}
	err := e.svc.CreateTaskWith(e.ctx, e.user, &flux.Task{Title: "Lost", Priority: flux.PriorityStandard, GoalID: flux.NewID()}, scheduler.CreateOptions{})
	if !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("a goal that is not the user's: %v, want not_found", err)
	}
}
