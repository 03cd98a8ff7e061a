package escalation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fluxlife/flux"
)

// Defaults of the notifier, as the original system had them.
const (
	// DefaultLead is how long before a task its first reminder goes out
	// (REMINDER_LEAD_MINUTES).
	DefaultLead = 10 * time.Minute
	// DefaultGrace is how long after its time an unanswered task is marked
	// missed (AUTO_MISS_GRACE_MINUTES).
	DefaultGrace = 90 * time.Minute
	// DefaultSweep is how often the sweep runs.
	DefaultSweep = 30 * time.Second
	// horizon is how far ahead the sweep, and a task's save, schedule
	// reminder jobs: a reminder further away is scheduled by a later sweep.
	horizon = 2 * time.Minute
	// MaxLearntLead caps the lead a ReminderTiming may ask for.
	MaxLearntLead = time.Hour
)

// TaskCloser marks tasks done or missed with all that follows (a recurring
// series advanced once, a goal completed); *scheduler.Service is one.
type TaskCloser interface {
	Complete(ctx context.Context, u *flux.User, taskID string) (*flux.Task, error)
	Missed(ctx context.Context, u *flux.User, taskID string) (*flux.Task, error)
}

// Observer learns from what becomes of tasks (the pattern observer). It is
// told inside the transaction that closes a task, so what it records or
// enqueues commits with it.
type Observer interface {
	TaskClosed(ctx context.Context, tx flux.Stores, before, after *flux.Task) error
}

// ReminderTiming tells when a user tends to act on a task, so that the
// first reminder goes out then: the lead before the task's time (0 when
// nothing is known). The notifier uses it when it is longer than its own
// lead, up to MaxLearntLead. The pattern observer
// (*scheduler.PatternService) is one.
type ReminderTiming interface {
	ReminderLead(ctx context.Context, st flux.Stores, userID string) (time.Duration, error)
}

// NotifierOptions tune a Notifier. A nil *NotifierOptions means the
// defaults.
type NotifierOptions struct {
	// Lead is DefaultLead when 0.
	Lead time.Duration
	// Grace is DefaultGrace when 0.
	Grace time.Duration
	// Observer, when set, hears of every task that is done or missed.
	Observer Observer
	// Timing, when set, moves a user's first reminder earlier, to when they
	// tend to act.
	Timing ReminderTiming
	// Clock tells the time; nil means the system clock.
	Clock flux.Clock
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Notifier turns tasks coming due into escalations: a reminder job per
// task at its lead time (scheduled when the task is saved or moved, and by
// a periodic sweep as the safety net), a ladder from the task's priority
// that sends nothing after the first step before the task's time, and an
// automatic miss when the task stays unanswered past its grace.
type Notifier struct {
	store    flux.Store
	esc      *Service
	tasks    TaskCloser
	observer Observer
	timing   ReminderTiming
	lead     time.Duration
	grace    time.Duration
	clock    flux.Clock
	log      *slog.Logger
}

// NewNotifier returns a Notifier over store. Register Notifier.Remind and
// Notifier.Sweep as the workers of RemindArgs and SweepArgs, and run
// SweepArgs periodically (every DefaultSweep).
func NewNotifier(store flux.Store, esc *Service, tasks TaskCloser, opts *NotifierOptions) *Notifier {
	var o NotifierOptions
	if opts != nil {
		o = *opts
	}
	n := &Notifier{store: store, esc: esc, tasks: tasks, observer: o.Observer, timing: o.Timing, lead: o.Lead, grace: o.Grace, clock: o.Clock, log: o.Logger}
	if n.lead <= 0 {
		n.lead = DefaultLead
	}
	if n.grace <= 0 {
		n.grace = DefaultGrace
	}
	if n.clock == nil {
		n.clock = flux.SystemClock{}
	}
	if n.log == nil {
		n.log = slog.Default()
	}
	return n
}

// Lead returns how long before a task its first reminder goes out.
func (n *Notifier) Lead() time.Duration { return n.lead }

// Grace returns how long after its time an unanswered task becomes missed.
func (n *Notifier) Grace() time.Duration { return n.grace }

// RemindArgs is the job that starts a task's reminder ladder at its lead
// time. ScheduledAt is the task's time when the job was made: a task moved
// since has a job of its own, and this one does nothing.
type RemindArgs struct {
	UserID      string    `json:"user_id" river:"unique"`
	TaskID      string    `json:"task_id" river:"unique"`
	ScheduledAt time.Time `json:"scheduled_at" river:"unique"`
	// RemindAt is when the reminder goes out; zero means the notifier's
	// lead before ScheduledAt.
	RemindAt time.Time `json:"remind_at,omitzero"`
}

// Kind implements flux.JobArgs.
func (RemindArgs) Kind() string { return "notifier.remind" }

// SweepArgs is the periodic job of the notifier.
type SweepArgs struct{}

// Kind implements flux.JobArgs.
func (SweepArgs) Kind() string { return "notifier.sweep" }

// reminderKey is the idempotency key of a task's ladder at one time.
func reminderKey(taskID string, at time.Time) string {
	return fmt.Sprintf("task:%s:%d", taskID, at.Unix())
}

// remindAt is when the reminder of a task at t goes out by default.
func (n *Notifier) remindAt(t time.Time) time.Time { return t.Add(-n.lead) }

// userLead is the lead of a user's first reminder: the notifier's, or the
// Timing's when longer (at most MaxLearntLead). A failing Timing is logged
// and the notifier's lead used.
func (n *Notifier) userLead(ctx context.Context, st flux.Stores, userID string) time.Duration {
	if n.timing == nil {
		return n.lead
	}
	l, err := n.timing.ReminderLead(ctx, st, userID)
	if err != nil {
		n.log.WarnContext(ctx, "notifier: reminder timing unavailable", "user_id", userID, "error", err)
		return n.lead
	}
	return max(n.lead, min(l, MaxLearntLead))
}

// maxLead is the longest lead any reminder may have.
func (n *Notifier) maxLead() time.Duration {
	if n.timing == nil {
		return n.lead
	}
	return max(n.lead, MaxLearntLead)
}

// due reports whether t is a task whose reminder the notifier sends: open,
// triggered by time, with a time.
func due(t *flux.Task) bool {
	return t != nil && t.Status.Open() && t.TriggerType == flux.TriggerTime && t.ScheduledAt != nil
}

// schedule enqueues, inside tx, the reminder job of task t when its
// reminder time is within the horizon (a later one is left to the sweep)
// and its task has not been missed already. The job is unique per (task,
// time), so scheduling again adds nothing.
func (n *Notifier) schedule(ctx context.Context, tx flux.Stores, t *flux.Task) error {
	if !due(t) {
		return nil
	}
	now := n.clock.Now()
	if t.ScheduledAt.After(now.Add(n.maxLead()+horizon)) || t.ScheduledAt.Add(n.grace).Before(now) {
		return nil
	}
	at := t.ScheduledAt.Add(-n.userLead(ctx, tx, t.UserID))
	if at.After(now.Add(horizon)) {
		return nil
	}
	opts := &flux.JobOptions{Unique: true}
	if at.After(now) {
		opts.RunAt = at
	}
	args := RemindArgs{UserID: t.UserID, TaskID: t.ID, ScheduledAt: flux.StoreTime(*t.ScheduledAt)}
	if !at.Equal(n.remindAt(*t.ScheduledAt)) {
		args.RemindAt = flux.StoreTime(at)
	}
	_, err := tx.Jobs().Enqueue(ctx, args, opts)
	return err
}

// Remind is the worker of RemindArgs: it starts the task's ladder (once per
// task and time) when the task is still open at that time.
func (n *Notifier) Remind(ctx context.Context, a RemindArgs) error {
	now := n.clock.Now()
	at := a.RemindAt
	if at.IsZero() {
		at = n.remindAt(a.ScheduledAt)
	}
	if d := at.Sub(now); d > time.Second {
		return flux.SnoozeJob(d)
	}
	err := n.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		t, err := tx.Tasks().GetTask(ctx, a.UserID, a.TaskID)
		if err != nil {
			return err
		}
		if !due(t) || !t.ScheduledAt.Equal(a.ScheduledAt) {
			return nil // done, missed, deleted or moved since
		}
		_, _, err = n.esc.StartTx(ctx, tx, Request{
			UserID: t.UserID, TaskID: t.ID, Title: t.Title, Message: reminderText(t, n.userLocation(ctx, tx, t.UserID)),
			Priority: t.Priority, Start: now, Anchor: *t.ScheduledAt, Key: reminderKey(t.ID, *t.ScheduledAt),
		})
		return err
	})
	if flux.IsCode(err, flux.ENotFound) {
		return nil
	}
	return err
}

func (n *Notifier) userLocation(ctx context.Context, tx flux.Stores, userID string) *time.Location {
	u, err := tx.Users().GetUser(ctx, userID)
	if err != nil {
		return time.UTC
	}
	return u.Location()
}

// reminderText is the body of a task's reminder.
func reminderText(t *flux.Task, loc *time.Location) string {
	return fmt.Sprintf("Your task is due at %s.", t.ScheduledAt.In(loc).Format("15:04"))
}

// Sweep is the worker of SweepArgs, the safety net: it schedules the
// reminder jobs of tasks coming due within the horizon (the unique jobs
// make this idempotent) and marks missed the open tasks past their grace,
// through the TaskCloser, so that a recurring series advances once and the
// task's ladder stops in the same transaction.
func (n *Notifier) Sweep(ctx context.Context, _ SweepArgs) error {
	now := n.clock.Now()
	var errs []error
	// Reminders: tasks at [now − grace, now + lead + horizon), one
	// transaction a page.
	err := eachPage(ctx, n.store, now.Add(-n.grace), now.Add(n.maxLead()+horizon), func(ts []flux.Task) error {
		return n.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			for i := range ts {
				if err := n.schedule(ctx, tx, &ts[i]); err != nil {
					return err
				}
			}
			return nil
		})
	})
	errs = append(errs, err)
	// Misses: open tasks whose time is more than grace ago. A ladder still
	// running ends unanswered (exhausted) first.
	missed := 0
	err = eachPage(ctx, n.store, time.Time{}, now.Add(-n.grace), func(ts []flux.Task) error {
		for _, t := range ts {
			u, err := n.store.Users().GetUser(ctx, t.UserID)
			if err != nil {
				return err
			}
			if err := n.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
				return n.esc.stopRunning(ctx, tx, t.UserID, t.ID, flux.EscalationExhausted, "no answer")
			}); err != nil {
				return err
			}
			if _, err := n.tasks.Missed(ctx, u, t.ID); err != nil && !flux.IsCode(err, flux.EConflict) && !flux.IsCode(err, flux.ENotFound) {
				return err
			}
			missed++
		}
		return nil
	})
	errs = append(errs, err)
	if missed > 0 {
		n.log.InfoContext(ctx, "tasks marked missed after their grace", "count", missed, "grace", n.grace.String())
	}
	return errors.Join(errs...)
}

// eachPage calls f with every page of the due tasks in [from, to).
func eachPage(ctx context.Context, st flux.Store, from, to time.Time, f func([]flux.Task) error) error {
	p := flux.Page{Limit: flux.MaxPageLimit}
	for {
		ts, next, err := st.Tasks().DueTasks(ctx, from, to, p)
		if err != nil {
			return err
		}
		if len(ts) > 0 {
			if err := f(ts); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		p.Cursor = next
	}
}

// Tracked is one task the notifier follows for a user, as the original
// notifier's status reported it.
type Tracked struct {
	Task *flux.Task
	// Escalation is the task's newest ladder; nil before its reminder.
	Escalation *flux.Escalation
}

// StatusReport is what the notifier follows for one user.
type StatusReport struct {
	// Due are the open tasks whose reminder time has come or comes
	// within the lead time, and that are not past their grace.
	Due []Tracked
	// Escalating are the ladders still climbing.
	Escalating []flux.Escalation
	// Missed are the tasks missed in the last day.
	Missed []flux.Task
}

// Status reports the user's due, escalating and missed tasks.
func (n *Notifier) Status(ctx context.Context, u *flux.User) (*StatusReport, error) {
	now := n.clock.Now()
	out := &StatusReport{}
	from, to := now.Add(-n.grace), now.Add(n.lead)
	ts, _, err := n.store.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{From: &from, To: &to,
		Statuses: []flux.TaskStatus{flux.TaskPending, flux.TaskScheduled, flux.TaskDrifted}}, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		return nil, err
	}
	for i := range ts {
		if ts[i].TriggerType != flux.TriggerTime {
			continue
		}
		tr := Tracked{Task: &ts[i]}
		escs, _, err := n.store.Escalations().ListEscalations(ctx, u.ID, flux.EscalationFilter{TaskID: ts[i].ID}, flux.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(escs) > 0 {
			tr.Escalation = &escs[0]
		}
		out.Due = append(out.Due, tr)
	}
	out.Escalating, _, err = n.store.Escalations().ListEscalations(ctx, u.ID, flux.EscalationFilter{
		Statuses: []flux.EscalationStatus{flux.EscalationRunning}}, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		return nil, err
	}
	since := now.Add(-24 * time.Hour)
	out.Missed, _, err = n.store.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{From: &since, To: &now,
		Statuses: []flux.TaskStatus{flux.TaskMissed}}, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FireLocation starts the reminder ladder of each of the user's open
// location-triggered tasks that has none running (the person left home, or
// came near a store), and returns how many it started.
func (n *Notifier) FireLocation(ctx context.Context, u *flux.User) (int, error) {
	started := 0
	p := flux.Page{Limit: flux.MaxPageLimit}
	for {
		ts, next, err := n.store.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{
			Statuses: []flux.TaskStatus{flux.TaskPending, flux.TaskScheduled, flux.TaskDrifted}}, p)
		if err != nil {
			return started, err
		}
		for _, t := range ts {
			if t.TriggerType != flux.TriggerLocation {
				continue
			}
			running, _, err := n.store.Escalations().ListEscalations(ctx, u.ID, flux.EscalationFilter{
				TaskID: t.ID, Statuses: []flux.EscalationStatus{flux.EscalationRunning}}, flux.Page{Limit: 1})
			if err != nil {
				return started, err
			}
			if len(running) > 0 {
				continue
			}
			msg := "You're out: " + t.LocationTrigger
			if t.LocationTrigger == "" {
				msg = "You're out!"
			}
			if _, _, err := n.esc.Start(ctx, Request{UserID: u.ID, TaskID: t.ID, Title: t.Title, Message: msg, Priority: t.Priority}); err != nil {
				return started, err
			}
			started++
		}
		if next == "" {
			return started, nil
		}
		p.Cursor = next
	}
}
