// Package jobstest opens stores with a running River job queue for tests
// of the packages whose work runs as durable jobs (notify, escalation, the
// HTTP API): a fresh SQLite file or a fresh PostgreSQL schema (through
// store/postgres/pgtest), with the given workers registered, the queue
// started, and everything stopped and removed when the test ends.
package jobstest

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/fluxlife/flux/store/sqlite"
)

// Kinds are the stores a test can run on.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Kinds lists both, for tests that run on each.
var Kinds = []string{SQLite, Postgres}

// Options tune Open. A nil *Options means the defaults.
type Options struct {
	// Clock is the store's clock; nil means the system clock.
	Clock flux.Clock
	// Register adds the workers the test needs; nil registers none (the
	// queue can still enqueue).
	Register func(ws *jobs.Workers) error
	// Periodic jobs; their kinds must be registered.
	Periodic []jobs.Periodic
	// NoStart leaves the queue stopped (jobs wait until Start).
	NoStart bool
}

// Queue is a started (or startable) queue.
type Queue interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Open opens a store of kind (SQLite or Postgres; Postgres skips the test
// when no server answers, as pgtest does) with a River queue attached that
// works the registered jobs, polling every 100ms. The queue is started
// unless opts.NoStart, and stopped when the test ends.
func Open(tb testing.TB, kind string, opts *Options) (flux.Store, Queue) {
	tb.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	ws := jobs.NewWorkers()
	if o.Register != nil {
		if err := o.Register(ws); err != nil {
			tb.Fatal(err)
		}
	}
	cfg := jobs.Config{
		Workers: ws, Periodic: o.Periodic, PollInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	var (
		st flux.Store
		q  Queue
	)
	switch kind {
	case SQLite:
		s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "flux.db"), &sqlite.Options{Clock: o.Clock})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { s.Close() })
		jq, err := s.NewQueue(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		st, q = s, jq
	case Postgres:
		s := pgtest.Open(tb, &postgres.Options{Clock: o.Clock})
		jq, err := s.NewQueue(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		st, q = s, jq
	default:
		tb.Fatalf("jobstest: unknown store kind %q", kind)
	}
	if !o.NoStart {
		Start(tb, q)
	}
	return st, q
}

// Start starts q and registers a cleanup that stops it.
func Start(tb testing.TB, q Queue) {
	tb.Helper()
	if err := q.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			tb.Errorf("jobstest: stop the queue: %v", err)
		}
	})
}

// WaitFor polls cond every 20ms until it holds, failing tb after timeout.
func WaitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
