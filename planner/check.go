package planner

import (
	"context"
	"errors"
	"fmt"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

// checkTasks holds new tasks to the one task policy,
// scheduler.ValidateTask (the recurrence policy of scheduler.ParseRule
// included), which every path that creates tasks applies. It returns one
// EInvalid error naming each problem as tasks[i].field.
func checkTasks(ts []flux.Task) error {
	var fs []flux.FieldError
	for i := range ts {
		var fe *flux.Error
		if err := scheduler.ValidateTask(&ts[i]); errors.As(err, &fe) {
			for _, f := range fe.Fields {
				fs = append(fs, flux.FieldError{Field: fmt.Sprintf("tasks[%d].%s", i, f.Field), Message: f.Message})
			}
		} else if err != nil {
			return err
		}
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid plan", fs...)
	}
	return nil
}

// createGoalPlan checks the plan's tasks and stores the plan.
func createGoalPlan(ctx context.Context, goals flux.GoalStore, gp *flux.GoalPlan) error {
	if err := checkTasks(gp.Tasks); err != nil {
		return err
	}
	return goals.CreateGoalPlan(ctx, gp)
}

// replacePlan checks the plan's tasks and installs the plan.
func replacePlan(ctx context.Context, goals flux.GoalStore, gp *flux.GoalPlan) error {
	if err := checkTasks(gp.Tasks); err != nil {
		return err
	}
	return goals.ReplacePlan(ctx, gp)
}

// createTask checks a new task and stores it.
func createTask(ctx context.Context, tasks flux.TaskStore, t *flux.Task) error {
	if err := scheduler.ValidateTask(t); err != nil {
		return err
	}
	return tasks.CreateTask(ctx, t)
}
