package scheduler_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// TestPlaceAndMoveTask: MoveTask refuses the past and busy time but not the
// user's work hours; PlaceTask finds a slot in the task's window, beyond
// the default two weeks when the window lies later, and leaves a task
// unscheduled when its window is out of reach.
func TestPlaceAndMoveTask(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-11-02 08:00") // a Monday

	// Work hours are the user's to give up.
	noon := e.at("2026-11-03 12:00")
	lunch := e.task(func(x *flux.Task) { x.Title = "Lunch call" })
	got, err := e.svc.MoveTask(e.ctx, e.user, lunch.ID, noon)
	if err != nil || got.Status != flux.TaskScheduled || !got.ScheduledAt.Equal(noon) || got.DurationMinutes != 30 {
		t.Fatalf("MoveTask = %+v, %v", got, err)
	}
	// The same time again is busy; the past is refused too.
	other := e.task(func(x *flux.Task) { x.Title = "Dentist" })
	wantCode(t, func() error {
		_, err := e.svc.MoveTask(e.ctx, e.user, other.ID, noon.Add(10*time.Minute))
		return err
	}(), flux.EConflict)
	wantCode(t, func() error {
		_, err := e.svc.MoveTask(e.ctx, e.user, other.ID, e.clock.Now().Add(-time.Hour))
		return err
	}(), flux.EConflict)
	wantCode(t, func() error { _, err := e.svc.MoveTask(e.ctx, e.user, flux.NewID(), noon); return err }(), flux.ENotFound)
	// Another user's task is not found.
	wantCode(t, func() error {
		_, err := e.svc.MoveTask(e.ctx, flux.NewUser(flux.NewID(), "", "Other"), other.ID, noon)
		return err
	}(), flux.ENotFound)

	// An evening window three weeks ahead: beyond the default PlaceDays.
	from, to := e.at("2026-11-23 17:00").UTC(), e.at("2026-11-23 21:00").UTC()
	later := e.task(func(x *flux.Task) {
		x.Title, x.EarliestStart, x.Deadline, x.PreferredTime = "Book the venue", &from, &to, "evening"
	})
	got, err = e.svc.PlaceTask(e.ctx, e.user, later.ID)
	if err != nil || got.ScheduledAt == nil || got.ScheduledAt.Before(from) || got.ScheduledAt.After(to) {
		t.Fatalf("PlaceTask = %+v, %v", got, err)
	}
	// A window beyond the longest horizon is left unscheduled, not an error.
	far := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	farEnd := far.Add(24 * time.Hour)
	never := e.task(func(x *flux.Task) { x.Title, x.EarliestStart, x.Deadline = "Far away", &far, &farEnd })
	got, err = e.svc.PlaceTask(e.ctx, e.user, never.ID)
	if err != nil || got.ScheduledAt != nil {
		t.Errorf("PlaceTask far ahead = %+v, %v", got, err)
	}
}

// TestPlaceAndMoveInCallersTransaction: PlaceTaskIn and MoveTaskIn work
// inside a transaction the caller holds, so a task created, placed and
// recorded together is rolled back together.
func TestPlaceAndMoveInCallersTransaction(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-11-02 08:00") // a Monday
	errAbort := errors.New("abort")
	var id string
	err := e.store.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
		x := &flux.Task{UserID: e.user.ID, Title: "Call mom", Status: flux.TaskPending, Priority: flux.PriorityStandard,
			DurationMinutes: 30, TriggerType: flux.TriggerTime}
		if err := tx.Tasks().CreateTask(ctx, x); err != nil {
			return err
		}
		id = x.ID
		placed, err := e.svc.PlaceTaskIn(ctx, tx, e.user, x.ID)
		if err != nil || placed.ScheduledAt == nil || placed.Status != flux.TaskScheduled {
			t.Errorf("PlaceTaskIn = %+v, %v", placed, err)
		}
		moved, err := e.svc.MoveTaskIn(ctx, tx, e.user, x.ID, e.at("2026-11-03 18:00"))
		if err != nil || !moved.ScheduledAt.Equal(e.at("2026-11-03 18:00")) {
			t.Errorf("MoveTaskIn = %+v, %v", moved, err)
		}
		_, err = e.svc.MoveTaskIn(ctx, tx, e.user, x.ID, e.at("2026-11-01 18:00"))
		wantCode(t, err, flux.EConflict) // the past, refused without harm to tx
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Atomic = %v", err)
	}
	if _, err := e.store.Tasks().GetTask(e.ctx, e.user.ID, id); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("the rolled-back task is there: %v", err)
	}
}
