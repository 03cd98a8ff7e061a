package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testLifecycle specifies Ping and Close, and the default clock.
func testLifecycle(t *testing.T, open Opener) {
	subtest(t, open, "Ping", func(t *testing.T, e *env) {
		must(t, e.s.Ping(e.ctx), "Ping")
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		if err := e.s.Ping(ctx); err == nil {
			t.Errorf("Ping with a cancelled context: no error")
		}
		must(t, e.s.Ping(e.ctx), "Ping after a cancelled Ping")
	})

	subtest(t, open, "Close", func(t *testing.T, e *env) {
		e.user()
		must(t, e.s.Close(), "Close")
		if err := e.s.Ping(e.ctx); err == nil {
			t.Errorf("Ping after Close: no error")
		}
	})

	t.Run("SystemClock", func(t *testing.T) {
		t.Parallel()
		s := open(t, nil) // nil: the store reads the system clock
		before := flux.StoreTime(time.Now())
		u := newUser()
		must(t, s.Users().CreateUser(t.Context(), u), "CreateUser")
		after := time.Now()
		if u.CreatedAt.Before(before) || u.CreatedAt.After(after) || u.CreatedAt.Location() != time.UTC {
			t.Errorf("with a nil clock, CreatedAt = %s, want UTC in [%s, %s]", u.CreatedAt, before, after)
		}
	})
}
