package planner

import (
	"context"

	"github.com/fluxlife/flux"
)

// PlanGoal creates u's goal from a statement, a timeline in words ("in 3
// months") and notes, and plans it, as CreateGoal does with Plan set. It
// is what the voice agent's goal intent needs: *Service satisfies
// voice.GoalPlanner directly.
func (s *Service) PlanGoal(ctx context.Context, u *flux.User, statement, timeline, notes string) (*flux.Goal, error) {
	d, err := s.CreateGoal(ctx, u, CreateGoalInput{Title: statement, Description: notes, Timeline: timeline, Plan: true})
	if err != nil {
		return nil, err
	}
	return &d.Goal, nil
}
