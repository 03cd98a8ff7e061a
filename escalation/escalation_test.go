package escalation_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/escalation"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/notifytest"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/jobs/jobstest"
	"github.com/google/go-cmp/cmp"
)

// env is Flux's notification machinery over one store: the dispatcher
// with recording channels, the escalation service, the scheduler and the
// notifier watching the store.
type env struct {
	t     testing.TB
	ctx   context.Context
	raw   flux.Store // the store itself
	store flux.Store // the store as the notifier watches it
	clock flux.Clock
	d     *notify.Dispatcher
	esc   *escalation.Service
	n     *escalation.Notifier
	sched *scheduler.Service
	push  *notifytest.Recorder
	wa    *notifytest.Recorder
	call  *notifytest.Recorder
}

type envOptions struct {
	clock flux.Clock // nil: the system clock
	// manual leaves the job queue stopped: the test runs the workers.
	manual bool
}

func newEnv(t testing.TB, kind string, o envOptions) *env {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &env{t: t, ctx: context.Background(), clock: o.clock,
		push: notifytest.NewRecorder("push"), wa: notifytest.NewRecorder("whatsapp"), call: notifytest.NewRecorder("call")}
	if e.clock == nil {
		e.clock = flux.SystemClock{}
	}
	e.raw, _ = jobstest.Open(t, kind, &jobstest.Options{Clock: o.clock, NoStart: o.manual, Register: func(ws *jobs.Workers) error {
		return registerAll(ws, e)
	}})
	e.d = notify.NewDispatcher(e.raw, &notify.Options{Channels: []notify.Channel{e.push, e.wa, e.call}, Clock: e.clock, Logger: quiet})
	e.esc = escalation.NewService(e.raw, e.d, &escalation.Options{Clock: e.clock, Logger: quiet})
	var watched flux.Store
	e.n = escalation.NewNotifier(e.raw, e.esc, closer{&watched}, &escalation.NotifierOptions{Clock: e.clock, Logger: quiet})
	watched = e.n.Watch(e.raw)
	e.store = watched
	e.sched = scheduler.NewService(e.store, &scheduler.ServiceOptions{Clock: e.clock, Logger: quiet})
	return e
}

// closer is the scheduler over the watched store, built after it.
type closer struct{ st *flux.Store }

func (c closer) svc() *scheduler.Service { return scheduler.NewService(*c.st, nil) }
func (c closer) Complete(ctx context.Context, u *flux.User, id string) (*flux.Task, error) {
	return c.svc().Complete(ctx, u, id)
}
func (c closer) Missed(ctx context.Context, u *flux.User, id string) (*flux.Task, error) {
	return c.svc().Missed(ctx, u, id)
}

func registerAll(ws *jobs.Workers, e *env) error {
	if err := jobs.Register(ws, func(ctx context.Context, a notify.DeliverArgs) error { return e.d.Deliver(ctx, a) }); err != nil {
		return err
	}
	if err := jobs.Register(ws, func(ctx context.Context, a escalation.StepArgs) error { return e.esc.Step(ctx, a) }); err != nil {
		return err
	}
	if err := jobs.Register(ws, func(ctx context.Context, a escalation.RemindArgs) error { return e.n.Remind(ctx, a) }); err != nil {
		return err
	}
	return jobs.Register(ws, func(ctx context.Context, a escalation.SweepArgs) error { return e.n.Sweep(ctx, a) })
}

func (e *env) user(phone string) *flux.User {
	e.t.Helper()
	u := flux.NewUser(flux.NewID(), "", "Ada")
	u.PhoneNumber, u.Timezone = phone, "Europe/Berlin"
	if err := e.store.Users().CreateUser(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) task(u *flux.User, at time.Time, p flux.Priority) *flux.Task {
	e.t.Helper()
	x := &flux.Task{Title: "Take the evening pills", Priority: p, DurationMinutes: 15, ScheduledAt: &at, TriggerType: flux.TriggerTime}
	if err := e.sched.CreateTask(e.ctx, u, x); err != nil {
		e.t.Fatal(err)
	}
	return x
}

func (e *env) escalation(u *flux.User, id string) *flux.Escalation {
	e.t.Helper()
	x, err := e.raw.Escalations().GetEscalation(e.ctx, u.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return x
}

func (e *env) escalations(u *flux.User, taskID string) []flux.Escalation {
	e.t.Helper()
	xs, _, err := e.raw.Escalations().ListEscalations(e.ctx, u.ID, flux.EscalationFilter{TaskID: taskID}, flux.Page{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	return xs
}

// deliverAll runs the deliver job of every pending notification of u.
func (e *env) deliverAll(u *flux.User) {
	e.t.Helper()
	ns, _, err := e.raw.Notifications().ListNotifications(e.ctx, u.ID, flux.NotificationFilter{}, flux.Page{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, n := range ns {
		if n.Status == flux.NotificationPending {
			if err := e.d.Deliver(e.ctx, notify.DeliverArgs{UserID: u.ID, NotificationID: n.ID}); err != nil {
				e.t.Fatal(err)
			}
		}
	}
}

func (e *env) step(u *flux.User, escID string, i int) error {
	return e.esc.Step(e.ctx, escalation.StepArgs{UserID: u.ID, EscalationID: escID, Step: i})
}

func statuses(x *flux.Escalation) []flux.StepStatus {
	var out []flux.StepStatus
	for _, s := range x.Steps {
		out = append(out, s.Status)
	}
	return out
}

func sent(rs ...*notifytest.Recorder) int {
	n := 0
	for _, r := range rs {
		n += len(r.Messages())
	}
	return n
}

func snoozed(t *testing.T, err error, what string) time.Duration {
	t.Helper()
	sn, ok := err.(*flux.JobSnooze)
	if !ok {
		t.Fatalf("%s: %v, want a snooze", what, err)
	}
	return sn.After
}

// TestTaskReminderInSimulatedTime is case (d): a task coming due gets its
// reminder at the lead time, and none of its later steps fire before the
// task's time.
func TestTaskReminderInSimulatedTime(t *testing.T) {
	t.Parallel()
	for _, kind := range jobstest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			T := time.Date(2026, 12, 3, 18, 30, 0, 0, time.UTC)
			clock := fluxtest.NewClock(T.Add(-30 * time.Minute))
			e := newEnv(t, kind, envOptions{clock: clock, manual: true})
			u := e.user("+4915112345678")
			x := e.task(u, T, flux.PriorityMustNotMiss)

			args := escalation.RemindArgs{UserID: u.ID, TaskID: x.ID, ScheduledAt: T}
			// Too early: the job waits until the lead time.
			if d := snoozed(t, e.n.Remind(e.ctx, args), "Remind at T−30m"); d != 20*time.Minute {
				t.Errorf("Remind at T−30m snoozed %s, want 20m", d)
			}
			if len(e.escalations(u, x.ID)) != 0 {
				t.Fatal("an escalation started before the lead time")
			}
			clock.Set(T.Add(-10 * time.Minute))
			if err := e.n.Remind(e.ctx, args); err != nil {
				t.Fatal(err)
			}
			if err := e.n.Remind(e.ctx, args); err != nil { // a repeated job
				t.Fatal(err)
			}
			escs := e.escalations(u, x.ID)
			if len(escs) != 1 {
				t.Fatalf("%d escalations for the task, want 1", len(escs))
			}
			esc := escs[0]
			var due []time.Time
			for _, s := range esc.Steps {
				due = append(due, s.DueAt)
			}
			// The push at the lead time; WhatsApp 120 s and the call 420 s
			// after that, counted from the task's time, never before it.
			want := []time.Time{T.Add(-10 * time.Minute), T.Add(2 * time.Minute), T.Add(9 * time.Minute)}
			if diff := cmp.Diff(want, due); diff != "" {
				t.Fatalf("step times (-want +got):\n%s", diff)
			}
			if err := e.step(u, esc.ID, 0); err != nil {
				t.Fatal(err)
			}
			e.deliverAll(u)
			if p := e.push.Messages(); len(p) != 1 || p[0].TaskID != x.ID || p[0].Title != x.Title || p[0].Body != "Your task is due at 19:30." {
				t.Fatalf("the push: %+v", p)
			}
			// The later steps' jobs running early send nothing.
			for _, at := range []time.Time{T.Add(-5 * time.Minute), T, T.Add(time.Minute)} {
				clock.Set(at)
				for _, i := range []int{1, 2} {
					snoozed(t, e.step(u, esc.ID, i), "a later step before its time")
				}
			}
			e.deliverAll(u)
			if sent(e.wa, e.call) != 0 {
				t.Fatal("a later step was sent before its time")
			}
			clock.Set(T.Add(2 * time.Minute))
			if err := e.step(u, esc.ID, 1); err != nil {
				t.Fatal(err)
			}
			e.deliverAll(u)
			if len(e.wa.Messages()) != 1 || e.wa.Messages()[0].To != u.PhoneNumber {
				t.Fatalf("WhatsApp at T+2m: %+v", e.wa.Messages())
			}
			// The user completes the task: the call is never made.
			if _, err := e.sched.Complete(e.ctx, u, x.ID); err != nil {
				t.Fatal(err)
			}
			got := e.escalation(u, esc.ID)
			if got.Status != flux.EscalationAcknowledged {
				t.Errorf("after completing the task the escalation is %s", got.Status)
			}
			clock.Set(T.Add(9 * time.Minute))
			if err := e.step(u, esc.ID, 2); err != nil {
				t.Fatal(err)
			}
			e.deliverAll(u)
			if len(e.call.Messages()) != 0 {
				t.Error("the call was made after the task was done")
			}
			if diff := cmp.Diff([]flux.StepStatus{flux.StepSent, flux.StepAcknowledged, flux.StepSkipped}, statuses(e.escalation(u, esc.ID))); diff != "" {
				t.Errorf("step statuses (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAcknowledgeBetweenSteps is case (c) on the real job queue: after the
// push, an acknowledgement stops the ladder and nothing more is sent.
func TestAcknowledgeBetweenSteps(t *testing.T) {
	t.Parallel()
	for _, kind := range jobstest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, kind, envOptions{})
			u := e.user("+4915112345678")
			policy := []flux.PolicyStep{{Channel: flux.ChannelPush}, {Channel: flux.ChannelWhatsApp, WaitSeconds: 2}, {Channel: flux.ChannelCall, WaitSeconds: 1}}
			esc, created, err := e.esc.Start(e.ctx, escalation.Request{UserID: u.ID, Title: "Stand-up", Message: "in 5 minutes", Priority: flux.PriorityMustNotMiss, Policy: policy})
			if err != nil || !created {
				t.Fatal(created, err)
			}
			jobstest.WaitFor(t, 20*time.Second, "the push", func() bool { return len(e.push.Messages()) == 1 })
			got, err := e.esc.Acknowledge(e.ctx, u.ID, esc.ID, "acknowledged")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != flux.EscalationAcknowledged || got.EndedAt == nil {
				t.Errorf("acknowledged: %+v", got)
			}
			if diff := cmp.Diff([]flux.StepStatus{flux.StepAcknowledged, flux.StepSkipped, flux.StepSkipped}, statuses(got)); diff != "" {
				t.Errorf("step statuses (-want +got):\n%s", diff)
			}
			time.Sleep(4 * time.Second) // past both later steps' times
			if n := sent(e.wa, e.call); n != 0 {
				t.Errorf("%d sends after the acknowledgement", n)
			}
			// Acknowledging again, or cancelling, changes nothing.
			again, err := e.esc.Acknowledge(e.ctx, u.ID, esc.ID, "again")
			if err != nil || again.Status != flux.EscalationAcknowledged {
				t.Errorf("acknowledging again: %v %+v", err, again)
			}
			if c, err := e.esc.Cancel(e.ctx, u.ID, esc.ID); err != nil || c.Status != flux.EscalationAcknowledged {
				t.Errorf("cancelling an acknowledged escalation: %v %+v", err, c)
			}
			// Another user cannot touch it.
			other := e.user("")
			if _, err := e.esc.Acknowledge(e.ctx, other.ID, esc.ID, "x"); !flux.IsCode(err, flux.ENotFound) {
				t.Errorf("another user's acknowledgement: %v", err)
			}
		})
	}
}

// TestLadderRunsToTheEnd: with no answer, every step is sent once, at or
// after its time, and the escalation ends exhausted; an ad-hoc escalation
// started twice with one key runs once.
func TestLadderRunsToTheEnd(t *testing.T) {
	t.Parallel()
	for _, kind := range jobstest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, kind, envOptions{})
			u := e.user("+14155550100")
			req := escalation.Request{UserID: u.ID, Title: "Demo", Message: "a real escalation", Priority: flux.PriorityMustNotMiss,
				Speed: 10, Key: "demo-1", Policy: []flux.PolicyStep{{Channel: flux.ChannelPush}, {Channel: flux.ChannelWhatsApp, WaitSeconds: 10}, {Channel: flux.ChannelCall, WaitSeconds: 10}}}
			start := time.Now()
			esc, created, err := e.esc.Start(e.ctx, req)
			if err != nil || !created {
				t.Fatal(created, err)
			}
			again, created, err := e.esc.Start(e.ctx, req)
			if err != nil || created || again.ID != esc.ID {
				t.Fatalf("a repeated key: %v %v %+v", created, err, again)
			}
			jobstest.WaitFor(t, 20*time.Second, "every step", func() bool { return sent(e.push, e.wa, e.call) == 3 })
			got := e.escalation(u, esc.ID)
			if got.Status != flux.EscalationExhausted || got.EndedAt == nil {
				t.Errorf("after the last step: %s", got.Status)
			}
			for i, s := range got.Steps {
				if s.Status != flux.StepSent || s.NotificationID == "" || s.SentAt == nil || s.SentAt.Before(s.DueAt) {
					t.Errorf("step %d: %+v", i, s)
				}
			}
			if d := got.Steps[2].DueAt.Sub(start); d < 2*time.Second {
				t.Errorf("the call was due %s after the start, want 2 s at 10x", d)
			}
			ns, _, err := e.raw.Notifications().ListNotifications(e.ctx, u.ID, flux.NotificationFilter{EscalationID: esc.ID}, flux.Page{})
			if err != nil || len(ns) != 3 {
				t.Fatalf("the log of the escalation: %d entries, %v", len(ns), err)
			}
			time.Sleep(time.Second)
			if n := sent(e.push, e.wa, e.call); n != 3 {
				t.Errorf("%d sends, want 3", n)
			}
		})
	}
}
