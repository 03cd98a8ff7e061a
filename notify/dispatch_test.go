package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/notifytest"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/jobs/jobstest"
)

// env is a store with a running job queue and a dispatcher over it.
type env struct {
	t     *testing.T
	ctx   context.Context
	store flux.Store
	d     *notify.Dispatcher
	logs  *fluxtest.Logs
}

func newEnv(t *testing.T, kind string, opts notify.Options) *env {
	t.Helper()
	logs := &fluxtest.Logs{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	var d *notify.Dispatcher
	st, _ := jobstest.Open(t, kind, &jobstest.Options{Clock: opts.Clock, Register: func(ws *jobs.Workers) error {
		return jobs.Register(ws, func(ctx context.Context, a notify.DeliverArgs) error { return d.Deliver(ctx, a) })
	}})
	d = notify.NewDispatcher(st, &opts)
	return &env{t: t, ctx: context.Background(), store: st, d: d, logs: logs}
}

func (e *env) user(phone string) *flux.User {
	e.t.Helper()
	u := flux.NewUser(flux.NewID(), "", "Ada")
	u.PhoneNumber = phone
	if err := e.store.Users().CreateUser(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) log(userID string, f flux.NotificationFilter) []flux.Notification {
	e.t.Helper()
	ns, _, err := e.store.Notifications().ListNotifications(e.ctx, userID, f, flux.Page{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

func (e *env) entry(userID, id string) *flux.Notification {
	e.t.Helper()
	n, err := e.store.Notifications().GetNotification(e.ctx, userID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func eachKind(t *testing.T, f func(t *testing.T, kind string)) {
	for _, k := range jobstest.Kinds {
		t.Run(k, func(t *testing.T) {
			t.Parallel()
			f(t, k)
		})
	}
}

// TestLogChannelsWithNoProviders: with nothing configured, every channel
// "succeeds" through the log channel, visibly, and the log says so.
func TestLogChannelsWithNoProviders(t *testing.T) {
	t.Parallel()
	eachKind(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, notify.Options{})
		u := e.user("+4915112345678")
		dels, err := e.d.Send(e.ctx, notify.Request{
			UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush, flux.ChannelWhatsApp, flux.ChannelCall},
			Title: "Evening run", Body: "5 km easy", Priority: flux.PriorityMustNotMiss,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(dels) != 3 {
			t.Fatalf("%d deliveries, want 3", len(dels))
		}
		for _, del := range dels {
			n := del.Notification
			if del.Err != nil || n.Status != flux.NotificationSent || n.Provider != "log" || n.ExternalID != "log-"+n.ID || n.Attempts != 1 || n.SentAt == nil {
				t.Errorf("%s: err %v, entry %+v", del.Channel, del.Err, n)
			}
			if del.Channel != flux.ChannelPush && n.Recipient != u.PhoneNumber {
				t.Errorf("%s: recipient %q", del.Channel, n.Recipient)
			}
		}
		if got := e.log(u.ID, flux.NotificationFilter{}); len(got) != 3 {
			t.Errorf("the log has %d entries, want 3", len(got))
		}
		logs := e.logs.String()
		if strings.Count(logs, "no provider configured") != 3 || strings.Contains(logs, u.PhoneNumber) {
			t.Errorf("the log lines should show each send and never the full number:\n%s", logs)
		}
	})
}

func TestNoPhoneNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t, jobstest.SQLite, notify.Options{})
	u := e.user("")
	dels, err := e.d.Send(e.ctx, notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelWhatsApp, flux.ChannelCall, flux.ChannelPush}, Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, del := range dels[:2] {
		if del.Err == nil || del.Notification.Status != flux.NotificationFailed || !strings.Contains(del.Notification.Error, "phone") || del.Notification.Attempts != 0 {
			t.Errorf("%s without a phone number: %+v", del.Channel, del)
		}
	}
	if dels[2].Err != nil {
		t.Errorf("push needs no phone number: %v", dels[2].Err)
	}

	// A verified number is required when verification is configured.
	e = newEnv(t, jobstest.SQLite, notify.Options{RequireVerifiedPhone: true})
	u = e.user("+14155550100")
	dels, err = e.d.Send(e.ctx, notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelWhatsApp}, Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if dels[0].Notification.Status != flux.NotificationFailed || !strings.Contains(dels[0].Notification.Error, "verified") {
		t.Errorf("an unverified number: %+v", dels[0].Notification)
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, jobstest.SQLite, notify.Options{})
	u := e.user("")
	for name, req := range map[string]notify.Request{
		"no channel":      {UserID: u.ID, Body: "x"},
		"unknown channel": {UserID: u.ID, Body: "x", Channels: []flux.Channel{"pigeon"}},
		"no text":         {UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush}},
		"bad priority":    {UserID: u.ID, Body: "x", Channels: []flux.Channel{flux.ChannelPush}, Priority: "urgent"},
		"bad number":      {UserID: u.ID, Body: "x", Channels: []flux.Channel{flux.ChannelCall}, To: "0151 1234"},
	} {
		if _, err := e.d.Send(e.ctx, req); !flux.IsCode(err, flux.EInvalid) {
			t.Errorf("%s: %v, want EInvalid", name, err)
		}
	}
	for _, id := range []string{"", "nope", flux.NewID()} {
		if _, err := e.d.Send(e.ctx, notify.Request{UserID: id, Body: "x", Channels: []flux.Channel{flux.ChannelPush}}); !flux.IsCode(err, flux.ENotFound) {
			t.Errorf("user %q: %v, want ENotFound", id, err)
		}
	}
	if n := len(e.log(u.ID, flux.NotificationFilter{})); n != 0 {
		t.Errorf("refused requests left %d entries", n)
	}
}

// TestIdempotentPerChannel: a request repeating its key sends nothing again,
// even when the repeats race.
func TestIdempotentPerChannel(t *testing.T) {
	t.Parallel()
	eachKind(t, func(t *testing.T, kind string) {
		push := notifytest.NewRecorder("push")
		call := notifytest.NewRecorder("call")
		e := newEnv(t, kind, notify.Options{Channels: []notify.Channel{push, call}})
		u := e.user("+14155550100")
		req := notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush, flux.ChannelCall}, Title: "Meds", Body: "8 pm", Key: "med:1"}
		const n = 8
		var wg sync.WaitGroup
		repeated := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dels, err := e.d.Send(e.ctx, req)
				if err != nil {
					t.Error(err)
					return
				}
				for _, d := range dels {
					if d.Repeated {
						repeated[i]++
					}
				}
			}()
		}
		wg.Wait()
		if len(push.Messages()) != 1 || len(call.Messages()) != 1 {
			t.Fatalf("sent %d pushes and %d calls for one key, want 1 each", len(push.Messages()), len(call.Messages()))
		}
		total := 0
		for _, r := range repeated {
			total += r
		}
		if total != 2*(n-1) {
			t.Errorf("%d repeats reported, want %d", total, 2*(n-1))
		}
		if got := e.log(u.ID, flux.NotificationFilter{}); len(got) != 2 {
			t.Errorf("the log has %d entries, want 2", len(got))
		}
		// Another key is another notification.
		req.Key = "med:2"
		if _, err := e.d.Send(e.ctx, req); err != nil {
			t.Fatal(err)
		}
		if len(push.Messages()) != 2 {
			t.Errorf("a new key was not sent")
		}
	})
}

// TestTemporaryFailureRetried: a temporary failure leaves the entry pending
// and a job sends it again after the backoff; the message keeps its id.
func TestTemporaryFailureRetried(t *testing.T) {
	t.Parallel()
	eachKind(t, func(t *testing.T, kind string) {
		push := notifytest.NewRecorder("push")
		push.Fail(notify.Temporary(errors.New("503 from the push service"), 0), notify.Temporary(errors.New("429"), 1200*time.Millisecond))
		e := newEnv(t, kind, notify.Options{Channels: []notify.Channel{push}, RetryBase: time.Second})
		u := e.user("")
		dels, err := e.d.Send(e.ctx, notify.Request{UserID: u.ID, TaskID: "", Channels: []flux.Channel{flux.ChannelPush}, Title: "t", Body: "b"})
		if err != nil {
			t.Fatal(err)
		}
		n := dels[0].Notification
		if dels[0].Err == nil || n.Status != flux.NotificationPending || !strings.Contains(n.Error, "503") || n.Attempts != 1 {
			t.Fatalf("after a temporary failure: %+v", dels[0])
		}
		jobstest.WaitFor(t, 20*time.Second, "the retries to send it", func() bool {
			return e.entry(u.ID, n.ID).Status == flux.NotificationSent
		})
		got := e.entry(u.ID, n.ID)
		if got.Attempts != 3 || got.Error != "" || got.ExternalID == "" {
			t.Errorf("after two retries: %+v", got)
		}
		ms := push.Messages()
		if len(ms) != 1 || ms[0].ID != n.ID {
			t.Errorf("sent %+v, want one message with the entry's id", ms)
		}
	})
}

func TestPermanentFailureAndGivingUp(t *testing.T) {
	t.Parallel()
	push := notifytest.NewRecorder("push")
	e := newEnv(t, jobstest.SQLite, notify.Options{Channels: []notify.Channel{push}, RetryBase: time.Second, MaxAttempts: 2})
	u := e.user("")
	push.Fail(notify.Permanent(errors.New("400 bad subscription")))
	dels, err := e.d.Send(e.ctx, notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush}, Body: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if n := dels[0].Notification; n.Status != flux.NotificationFailed || !strings.Contains(n.Error, "400") {
		t.Errorf("a permanent failure: %+v", n)
	}
	push.Fail(notify.Temporary(errors.New("500 once"), 0), notify.Temporary(errors.New("500 twice"), 0))
	dels, err = e.d.Send(e.ctx, notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush}, Body: "c"})
	if err != nil {
		t.Fatal(err)
	}
	id := dels[0].Notification.ID
	jobstest.WaitFor(t, 20*time.Second, "the entry to fail after two attempts", func() bool {
		return e.entry(u.ID, id).Status == flux.NotificationFailed
	})
	if n := e.entry(u.ID, id); n.Attempts != 2 || !strings.Contains(n.Error, "twice") {
		t.Errorf("gave up with %+v", n)
	}
	if len(push.Messages()) != 0 {
		t.Errorf("sent %d messages", len(push.Messages()))
	}
}

// TestCrashBetweenSendAndRecord: an attempt that counted itself but recorded
// no outcome (its process died mid-send) is left alone while it may still
// be running, then sent again with the same message id, so the provider can
// recognise the repeat.
func TestCrashBetweenSendAndRecord(t *testing.T) {
	t.Parallel()
	clock := fluxtest.NewClock(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	push := notifytest.NewRecorder("push")
	e := newEnv(t, jobstest.SQLite, notify.Options{Channels: []notify.Channel{push}, Clock: clock, SendTimeout: 10 * time.Second})
	u := e.user("")
	ns, err := func() ([]flux.Notification, error) {
		var out []flux.Notification
		err := e.store.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			var err error
			out, err = e.d.Enqueue(ctx, tx, notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush}, Body: "b", Key: "k"})
			return err
		})
		return out, err
	}()
	if err != nil {
		t.Fatal(err)
	}
	id := ns[0].ID
	jobstest.WaitFor(t, 20*time.Second, "the job to send it", func() bool { return e.entry(u.ID, id).Status == flux.NotificationSent })
	// Make it look like an attempt that died after claiming: pending,
	// counted, no outcome.
	if _, err := e.store.Notifications().UpdateNotification(e.ctx, u.ID, id, func(n *flux.Notification) error {
		n.Status, n.Error, n.ExternalID, n.SentAt = flux.NotificationPending, "", "", nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err = e.d.Deliver(e.ctx, notify.DeliverArgs{UserID: u.ID, NotificationID: id})
	var sn *flux.JobSnooze
	if !errors.As(err, &sn) || sn.After <= 0 || sn.After > 20*time.Second {
		t.Fatalf("Deliver during a possible attempt = %v, want a snooze of at most 20s", err)
	}
	if len(push.Messages()) != 1 {
		t.Fatalf("sent again while the first attempt may still run")
	}
	clock.Advance(21 * time.Second)
	if err := e.d.Deliver(e.ctx, notify.DeliverArgs{UserID: u.ID, NotificationID: id}); err != nil {
		t.Fatal(err)
	}
	ms := push.Messages()
	if len(ms) != 2 || ms[1].ID != id {
		t.Fatalf("after the window: %d sends, last id %q, want 2 with id %s", len(ms), ms[len(ms)-1].ID, id)
	}
	if n := e.entry(u.ID, id); n.Status != flux.NotificationSent || n.Attempts != 2 {
		t.Errorf("after the repeat: %+v", n)
	}
	// Sent entries are never sent again; unknown ones end the job.
	for _, a := range []notify.DeliverArgs{{UserID: u.ID, NotificationID: id}, {UserID: u.ID, NotificationID: flux.NewID()}, {UserID: flux.NewID(), NotificationID: id}} {
		if err := e.d.Deliver(e.ctx, a); err != nil {
			t.Errorf("Deliver(%+v) = %v", a, err)
		}
	}
	if len(push.Messages()) != 2 {
		t.Errorf("a sent entry was sent again")
	}
}

// TestEnqueueFollowsTheTransaction: entries enqueued in a rolled-back
// transaction neither exist nor send.
func TestEnqueueFollowsTheTransaction(t *testing.T) {
	t.Parallel()
	eachKind(t, func(t *testing.T, kind string) {
		push := notifytest.NewRecorder("push")
		e := newEnv(t, kind, notify.Options{Channels: []notify.Channel{push}})
		u := e.user("")
		boom := errors.New("boom")
		err := e.store.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			if _, err := e.d.Enqueue(ctx, tx, notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush}, Body: "rolled back"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var id string
		err = e.store.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			ns, err := e.d.Enqueue(ctx, tx, notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush}, Body: "committed", EscalationID: flux.NewID()})
			if err == nil {
				id = ns[0].ID
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		jobstest.WaitFor(t, 20*time.Second, "the committed entry to be sent", func() bool { return e.entry(u.ID, id).Status == flux.NotificationSent })
		time.Sleep(300 * time.Millisecond)
		ms := push.Messages()
		if len(ms) != 1 || ms[0].Body != "committed" || ms[0].EscalationID == "" {
			t.Errorf("sent %+v, want only the committed message", ms)
		}
		if got := e.log(u.ID, flux.NotificationFilter{}); len(got) != 1 {
			t.Errorf("the log has %d entries, want 1", len(got))
		}
	})
}

// TestMessageCarriesTheRequest: what a channel receives is what was asked,
// after a store round trip (the retry path rebuilds it from the log).
func TestMessageCarriesTheRequest(t *testing.T) {
	t.Parallel()
	wa := notifytest.NewRecorder("whatsapp")
	e := newEnv(t, jobstest.SQLite, notify.Options{Channels: []notify.Channel{wa}, AppURL: "https://app.example/"})
	u := e.user("+4915112345678")
	inbound := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	if _, err := e.store.Users().UpdateUser(e.ctx, u.ID, func(x *flux.User) error { x.WhatsAppLastInboundAt = &inbound; return nil }); err != nil {
		t.Fatal(err)
	}
	taskID := flux.NewID()
	_, err := e.d.Send(e.ctx, notify.Request{
		UserID: u.ID, TaskID: taskID, Channels: []flux.Channel{flux.ChannelWhatsApp}, Priority: flux.PriorityImportant,
		Title: "Call <Mom> & \"Dad\"", Body: "due 18:00 ✓", Data: map[string]string{"k": "v"}, TTL: time.Hour,
		To: "+14155550100",
	})
	if err != nil {
		t.Fatal(err)
	}
	ms := wa.Messages()
	if len(ms) != 1 {
		t.Fatalf("sent %d", len(ms))
	}
	m := ms[0]
	if m.To != "+14155550100" || m.Title != "Call <Mom> & \"Dad\"" || m.Body != "due 18:00 ✓" || m.URL != "https://app.example/tasks/"+taskID ||
		m.Data["k"] != "v" || m.TTL != time.Hour || m.Priority != flux.PriorityImportant || m.TaskID != taskID ||
		m.LastInboundAt == nil || !m.LastInboundAt.Equal(inbound) || m.UserID != u.ID {
		t.Errorf("the channel received %+v", m)
	}
}

// TestRecordStatus: provider status callbacks move an entry forwards only.
func TestRecordStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, jobstest.SQLite, notify.Options{})
	u := e.user("+4915112345678")
	send := func() *flux.Notification {
		dels, err := e.d.Send(e.ctx, notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelWhatsApp}, Body: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return &dels[0].Notification
	}
	for _, c := range []struct {
		statuses []string
		want     flux.NotificationStatus
		failed   bool
	}{
		{[]string{"queued", "sent"}, flux.NotificationSent, false},
		{[]string{"delivered"}, flux.NotificationDelivered, false},
		{[]string{"delivered", "undelivered"}, flux.NotificationDelivered, false},
		{[]string{"delivered", "read", "delivered"}, flux.NotificationRead, false},
		{[]string{"no-answer"}, flux.NotificationFailed, true},
		{[]string{"answered", "completed", "busy"}, flux.NotificationDelivered, false},
	} {
		n := send()
		for _, s := range c.statuses {
			if err := e.d.RecordStatus(e.ctx, n, s); err != nil {
				t.Fatal(err)
			}
		}
		got := e.entry(u.ID, n.ID)
		reached := c.want == flux.NotificationDelivered || c.want == flux.NotificationRead
		if got.Status != c.want || (got.DeliveredAt != nil) != reached || (c.failed && got.Error == "") {
			t.Errorf("after %v: %s, delivered at %v, error %q; want %s", c.statuses, got.Status, got.DeliveredAt, got.Error, c.want)
		}
	}
}
