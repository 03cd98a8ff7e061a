package httpapi

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/escalation"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/twilio"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/jobs/jobstest"
)

// machinery is Flux's notification machinery over one store, as fluxd
// wires it: the store watched by the notifier, a dispatcher, escalations,
// the notifier, and the scheduler over the watched store.
type machinery struct {
	raw   flux.Store
	store flux.Store
	sched *scheduler.Service
	n     *Notify
	// patterns is the pattern observer: the notifier's Observer, the
	// scheduler's weights and the notifier's timing, as fluxd wires it.
	patterns *scheduler.PatternService
}

type machineryOptions struct {
	clock    flux.Clock
	channels []notify.Channel
	twilio   *twilio.Client
	allowed  []string
	vapid    string
	paid     map[flux.Channel]bool
}

// newMachinery opens a store of kind with a running job queue working the
// notification jobs.
func newMachinery(t testing.TB, kind storeKind, o machineryOptions) *machinery {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &machinery{}
	var d *notify.Dispatcher
	var esc *escalation.Service
	var nt *escalation.Notifier
	var ps *scheduler.PatternService
	m.raw, _ = jobstest.Open(t, string(kind), &jobstest.Options{Clock: o.clock, Register: func(ws *jobs.Workers) error {
		for _, err := range []error{
			jobs.Register(ws, func(ctx context.Context, a notify.DeliverArgs) error { return d.Deliver(ctx, a) }),
			jobs.Register(ws, func(ctx context.Context, a escalation.StepArgs) error { return esc.Step(ctx, a) }),
			jobs.Register(ws, func(ctx context.Context, a escalation.RemindArgs) error { return nt.Remind(ctx, a) }),
			jobs.Register(ws, func(ctx context.Context, a escalation.SweepArgs) error { return nt.Sweep(ctx, a) }),
			jobs.Register(ws, func(ctx context.Context, a scheduler.PatternArgs) error { return ps.Work(ctx, a) }),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	}})
	d = notify.NewDispatcher(m.raw, &notify.Options{Channels: o.channels, Clock: o.clock, Logger: quiet})
	esc = escalation.NewService(m.raw, d, &escalation.Options{Clock: o.clock, Logger: quiet})
	closer := &lateCloser{}
	ps = scheduler.NewPatternService(m.raw, &scheduler.PatternOptions{Clock: o.clock, Logger: quiet, Debounce: time.Second})
	m.patterns = ps
	nt = escalation.NewNotifier(m.raw, esc, closer, &escalation.NotifierOptions{Clock: o.clock, Logger: quiet, Observer: ps, Timing: ps})
	m.store = nt.Watch(m.raw)
	m.sched = scheduler.NewService(m.store, &scheduler.ServiceOptions{Clock: o.clock, Logger: quiet, Weights: ps})
	closer.s = m.sched
	vapid := o.vapid
	if vapid == "" {
		vapid = "BNbXV1UpNAaHFc7jyHg9dlS8AFZ0yXFm0jQq0K5F4v2C4xVWnJ2kMHVfC1fKuyfa0kVh2dYw0bJcyHzfG9eZ7dM"
	}
	m.n = &Notify{Dispatcher: d, Escalations: esc, Notifier: nt, VAPIDPublicKey: vapid, PushAllowedHosts: o.allowed, Twilio: o.twilio, Paid: o.paid}
	return m
}

// lateCloser is the scheduler, set once it exists.
type lateCloser struct{ s *scheduler.Service }

func (c *lateCloser) Complete(ctx context.Context, u *flux.User, id string) (*flux.Task, error) {
	return c.s.Complete(ctx, u, id)
}

func (c *lateCloser) Missed(ctx context.Context, u *flux.User, id string) (*flux.Task, error) {
	return c.s.Missed(ctx, u, id)
}

// waitFor polls cond until it holds, failing t after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	jobstest.WaitFor(t, 20*time.Second, what, cond)
}

// openStore opens a store of kind with the notification machinery around
// it (its job queue running), as newEnv's servers have it.
func openStore(t *testing.T, kind storeKind) flux.Store {
	t.Helper()
	return newMachinery(t, kind, machineryOptions{}).store
}
