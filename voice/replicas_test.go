package voice

import (
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// TestCreateOneOpenAcrossReplicas: two services on one store (two fluxd on
// one database, each with its own per-process lock) starting sessions for
// one user at once create exactly one; the store's index refuses the rest.
func TestCreateOneOpenAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other, err := New(e.store, e.cfg, &e.opts)
	if err != nil {
		t.Fatal(err)
	}
	replicas := []*Service{e.svc, other}
	errs := make(chan error, 6)
	for i := range 6 {
		go func() {
			_, err := replicas[i%2].Create(e.ctx, e.user)
			errs <- err
		}()
	}
	ok := 0
	for range 6 {
		if err := <-errs; err == nil {
			ok++
		} else if !flux.IsCode(err, flux.EConflict) {
			t.Fatal(err)
		}
	}
	if ok != 1 || len(e.voiceSessions(e.user)) != 1 {
		t.Fatalf("%d creates succeeded, %d sessions", ok, len(e.voiceSessions(e.user)))
	}
	// The other replica names the open session too.
	open := e.voiceSessions(e.user)[0]
	_, err = replicas[1].Create(e.ctx, e.user)
	if !flux.IsCode(err, flux.EConflict) || !strings.Contains(flux.ErrorMessage(err), open.ID) {
		t.Fatalf("second session through the other replica: %v", err)
	}
}

// TestCreateClosesAnOldOpenSession: a session left open for longer than
// Create's scan (a day) is closed as stale, not a lasting conflict.
func TestCreateClosesAnOldOpenSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.create()
	e.clock.Advance(3 * 24 * time.Hour)
	second := e.create()
	if c := e.conversation(first.SessionID); c.EndedAt == nil {
		t.Fatal("the old session is still open")
	}
	if d := e.data(first.SessionID); d.ClosedReason != closedAsStale {
		t.Fatalf("closed reason %q", d.ClosedReason)
	}
	if e.conversation(second.SessionID).EndedAt != nil {
		t.Fatal("the new session is closed")
	}
}
