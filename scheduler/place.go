package scheduler

import (
	"context"
	"time"

	"github.com/fluxlife/flux"
)

// PlaceDays is the window in which PlaceTask looks for a slot, unless the
// task's own window reaches further.
const PlaceDays = 14

// defaultMinutes is the length given to a task without a duration.
const defaultMinutes = 30

// PlaceTask schedules one of the user's unscheduled tasks at the best free
// slot of its window: the next PlaceDays days, or up to its deadline or
// earliest start when later (at most the service's longest horizon). A task
// no slot fits is returned unscheduled, not as an error. It is what a caller
// that has only ids needs (the voice intents use it).
func (s *Service) PlaceTask(ctx context.Context, userID, taskID string) (*flux.Task, error) {
	u, err := s.store.Users().GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	t, err := s.store.Tasks().GetTask(ctx, userID, taskID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	to := now.AddDate(0, 0, PlaceDays)
	if t.Deadline != nil && t.Deadline.After(to) {
		to = *t.Deadline
	}
	if t.EarliestStart != nil && t.EarliestStart.AddDate(0, 0, 1).After(to) {
		to = t.EarliestStart.AddDate(0, 0, 1)
	}
	if limit := now.AddDate(0, 0, s.maxDays); limit.Before(to) {
		to = limit
	}
	if _, err := s.Schedule(ctx, u, ScheduleRequest{From: now, To: to, TaskIDs: []string{taskID}}); err != nil {
		return nil, err
	}
	return s.store.Tasks().GetTask(ctx, userID, taskID)
}

// MoveTask puts one of the user's tasks at start for its duration (30
// minutes when it has none), refusing only a past or busy slot as Apply
// does: a time the user names wins over their work hours and cutoff.
func (s *Service) MoveTask(ctx context.Context, userID, taskID string, start time.Time) (*flux.Task, error) {
	u, err := s.store.Users().GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	t, err := s.store.Tasks().GetTask(ctx, userID, taskID)
	if err != nil {
		return nil, err
	}
	minutes := t.DurationMinutes
	if minutes <= 0 {
		minutes = defaultMinutes
	}
	return s.Apply(ctx, u, taskID, start, start.Add(time.Duration(minutes)*time.Minute))
}
