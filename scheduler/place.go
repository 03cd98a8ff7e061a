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
// that does not hold a transaction needs (the voice intents use it).
func (s *Service) PlaceTask(ctx context.Context, u *flux.User, taskID string) (*flux.Task, error) {
	var out *flux.Task
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		var err error
		out, err = s.PlaceTaskIn(ctx, tx, u, taskID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PlaceTaskIn is PlaceTask inside a transaction the caller holds: tx is
// the transaction's stores (see flux.Store.Atomic), so that a caller can
// create a task, schedule it and record what it did as one change. The
// task must be time-triggered and open or missed (EInvalid otherwise).
func (s *Service) PlaceTaskIn(ctx context.Context, tx flux.Stores, u *flux.User, taskID string) (*flux.Task, error) {
	if err := lockUser(ctx, tx, u.ID); err != nil {
		return nil, err
	}
	tasks, err := s.tasksToPlace(ctx, tx, u.ID, []string{taskID})
	if err != nil {
		return nil, err
	}
	t := &tasks[0]
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
	if _, err := s.placeAndSave(ctx, tx, u, tasks, now, now, to, true); err != nil {
		return nil, err
	}
	return tx.Tasks().GetTask(ctx, u.ID, taskID)
}

// MoveTask puts one of the user's tasks at start for its duration (30
// minutes when it has none), refusing only a past or busy slot as Apply
// does: a time the user names wins over their work hours and cutoff.
func (s *Service) MoveTask(ctx context.Context, u *flux.User, taskID string, start time.Time) (*flux.Task, error) {
	var out *flux.Task
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		var err error
		out, err = s.MoveTaskIn(ctx, tx, u, taskID, start)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MoveTaskIn is MoveTask inside a transaction the caller holds (see
// PlaceTaskIn).
func (s *Service) MoveTaskIn(ctx context.Context, tx flux.Stores, u *flux.User, taskID string, start time.Time) (*flux.Task, error) {
	t, err := tx.Tasks().GetTask(ctx, u.ID, taskID)
	if err != nil {
		return nil, err
	}
	minutes := t.DurationMinutes
	if minutes <= 0 {
		minutes = defaultMinutes
	}
	return s.applyIn(ctx, tx, u, taskID, start, start.Add(time.Duration(minutes)*time.Minute))
}
