package scheduler

import (
	"context"

	"github.com/fluxlife/flux"
)

// The defaults of a new task that leaves them unset, shared by every
// creation path (CreateTaskWith applies them).
const (
	// DefaultTaskMinutes is the length of a task created without one.
	DefaultTaskMinutes = defaultMinutes
	// CareerCategory is the goal category (planner.DomainCareer) whose
	// tasks may be placed in work hours unless their creator says
	// otherwise, as a career plan's tasks are.
	CareerCategory = "career"
)

// CreateOptions are the choices the creator of a task may leave to the
// Service. The zero value leaves them all to it.
type CreateOptions struct {
	// AllowWorkHours, when set, says whether the task may be placed in the
	// user's work hours. When nil it may be if it is under one of the
	// user's career goals (CareerCategory), and otherwise as t says.
	AllowWorkHours *bool
}

// CreateTaskWith is CreateTask with the task defaults applied first: a
// DurationMinutes of 0 becomes DefaultTaskMinutes, an empty TriggerType
// time, and AllowWorkHours follows opts. ENotFound when t.GoalID names no
// goal of u's.
func (s *Service) CreateTaskWith(ctx context.Context, u *flux.User, t *flux.Task, opts CreateOptions) error {
	if t.DurationMinutes == 0 {
		t.DurationMinutes = DefaultTaskMinutes
	}
	if t.TriggerType == "" {
		t.TriggerType = flux.TriggerTime
	}
	switch {
	case opts.AllowWorkHours != nil:
		t.AllowWorkHours = *opts.AllowWorkHours
	case t.GoalID != "":
		g, err := s.store.Goals().GetGoal(ctx, u.ID, t.GoalID)
		if err != nil {
			return err
		}
		t.AllowWorkHours = t.AllowWorkHours || g.Category == CareerCategory
	}
	return s.CreateTask(ctx, u, t)
}
