package escalation

import (
	"context"
	"time"

	"github.com/fluxlife/flux"
)

// Watch returns store with the notifier watching every task write, so that
// a task's reminders follow the task whichever package writes it, in the
// same transaction as the write:
//
//   - a task saved or moved with a time schedules its reminder job (when
//     the reminder is near; the sweep schedules the others);
//   - a task moved stops the ladder of its old time;
//   - a task done acknowledges its ladder; a task missed acknowledges a
//     running one ("missed"); a task cancelled or deleted cancels it;
//   - the Observer, when set, hears of every task done or missed.
//
// A write made outside Atomic runs in a transaction of its own with its
// hooks. Pass the returned store to every service that writes tasks.
func (n *Notifier) Watch(store flux.Store) flux.Store { return &watched{Store: store, n: n} }

type watched struct {
	flux.Store
	n *Notifier
}

func (w *watched) Tasks() flux.TaskStore {
	return &watchedTasks{TaskStore: w.Store.Tasks(), n: w.n, atomic: w.Store.Atomic}
}

func (w *watched) Atomic(ctx context.Context, fn func(ctx context.Context, tx flux.Stores) error) error {
	return w.Store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		return fn(ctx, &watchedTx{Stores: tx, n: w.n})
	})
}

// watchedTx is a transaction's stores with its task writes watched.
type watchedTx struct {
	flux.Stores
	n *Notifier
}

func (w *watchedTx) Tasks() flux.TaskStore {
	return &watchedTasks{TaskStore: w.Stores.Tasks(), n: w.n, tx: w.Stores}
}

// watchedTasks hooks the task writes of one store view: inside a
// transaction (tx set) the hooks run in it; outside (atomic set) each
// write gets a transaction of its own.
type watchedTasks struct {
	flux.TaskStore
	n      *Notifier
	tx     flux.Stores
	atomic func(ctx context.Context, fn func(ctx context.Context, tx flux.Stores) error) error
}

// in runs f with a transaction: the view's own, or a new one.
func (w *watchedTasks) in(ctx context.Context, f func(ctx context.Context, tx flux.Stores) error) error {
	if w.tx != nil {
		return f(ctx, w.tx)
	}
	return w.atomic(ctx, f)
}

func (w *watchedTasks) CreateTask(ctx context.Context, t *flux.Task) error {
	return w.in(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := tx.Tasks().CreateTask(ctx, t); err != nil {
			return err
		}
		return w.n.changed(ctx, tx, nil, t)
	})
}

func (w *watchedTasks) CreateTasks(ctx context.Context, ts []flux.Task) error {
	return w.in(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := tx.Tasks().CreateTasks(ctx, ts); err != nil {
			return err
		}
		for i := range ts {
			if err := w.n.changed(ctx, tx, nil, &ts[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *watchedTasks) UpdateTask(ctx context.Context, userID, id string, fn func(*flux.Task) error) (*flux.Task, error) {
	var out *flux.Task
	err := w.in(ctx, func(ctx context.Context, tx flux.Stores) error {
		var before flux.Task
		t, err := tx.Tasks().UpdateTask(ctx, userID, id, func(t *flux.Task) error {
			before = *t
			return fn(t)
		})
		if err != nil {
			return err
		}
		out = t
		return w.n.changed(ctx, tx, &before, t)
	})
	return out, err
}

func (w *watchedTasks) DeleteTask(ctx context.Context, userID, id string) error {
	return w.in(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := tx.Tasks().DeleteTask(ctx, userID, id); err != nil {
			return err
		}
		return w.n.esc.AcknowledgeTask(ctx, tx, userID, id, flux.EscalationCancelled, "deleted")
	})
}

// changed applies the hooks of one task write, inside tx. before is nil for
// a new task.
func (n *Notifier) changed(ctx context.Context, tx flux.Stores, before, after *flux.Task) error {
	wasOpen := before != nil && before.Status.Open()
	switch {
	case wasOpen && after.Status == flux.TaskDone:
		if err := n.esc.AcknowledgeTask(ctx, tx, after.UserID, after.ID, flux.EscalationAcknowledged, "done"); err != nil {
			return err
		}
	case wasOpen && after.Status == flux.TaskMissed:
		if err := n.esc.stopRunning(ctx, tx, after.UserID, after.ID, flux.EscalationAcknowledged, "missed"); err != nil {
			return err
		}
	case wasOpen && !after.Status.Open():
		if err := n.esc.AcknowledgeTask(ctx, tx, after.UserID, after.ID, flux.EscalationCancelled, string(after.Status)); err != nil {
			return err
		}
	case wasOpen && before.ScheduledAt != nil && !sameTime(before.ScheduledAt, after.ScheduledAt):
		// Moved: the ladder of the old time no longer fits.
		if err := n.esc.stopRunning(ctx, tx, after.UserID, after.ID, flux.EscalationCancelled, "moved"); err != nil {
			return err
		}
	}
	if wasOpen && (after.Status == flux.TaskDone || after.Status == flux.TaskMissed) && n.observer != nil {
		if err := n.observer.TaskClosed(ctx, tx, before, after); err != nil {
			return err
		}
	}
	if before == nil || !before.Status.Open() || !sameTime(before.ScheduledAt, after.ScheduledAt) {
		return n.schedule(ctx, tx, after)
	}
	return nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
