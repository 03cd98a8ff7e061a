package notify_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/notifytest"
	"github.com/fluxlife/flux/store/jobs/jobstest"
)

// attempts is an Observer that counts what it is told.
type attempts struct {
	mu sync.Mutex
	n  map[string]int
}

func (a *attempts) NotificationAttempt(ch flux.Channel, outcome string, took time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n[string(ch)+"/"+outcome]++
}

func (a *attempts) get(k string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n[k]
}

// TestObserver: the Dispatcher tells its Observer each attempt's channel
// and outcome: sent, retry (a temporary failure) and failed.
func TestObserver(t *testing.T) {
	t.Parallel()
	obs := &attempts{n: map[string]int{}}
	push := notifytest.NewRecorder("push")
	e := newEnv(t, jobstest.SQLite, notify.Options{Channels: []notify.Channel{push}, RetryBase: time.Second, Observer: obs})
	u := e.user("+4915112345678")
	push.Fail(notify.Temporary(errors.New("503"), 0))
	if _, err := e.d.Send(e.ctx, notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush, flux.ChannelWhatsApp}, Body: "b"}); err != nil {
		t.Fatal(err)
	}
	jobstest.WaitFor(t, 20*time.Second, "the retry to be sent", func() bool { return obs.get("push/sent") == 1 })
	push.Fail(notify.Permanent(errors.New("410 gone")))
	if _, err := e.d.Send(e.ctx, notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush}, Body: "c"}); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]int{"push/retry": 1, "push/sent": 1, "push/failed": 1, "whatsapp/sent": 1} {
		if got := obs.get(k); got != want {
			t.Errorf("%s = %d, want %d (all: %v)", k, got, want, obs.n)
		}
	}
}
