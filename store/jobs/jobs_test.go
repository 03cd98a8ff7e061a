package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// pingArgs is a job that counts its runs.
type pingArgs struct {
	Note string `json:"note"`
}

func (pingArgs) Kind() string { return "test.ping" }

type runner interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Ping(ctx context.Context) error
}

// openQueue opens a store of the given kind with a queue working ws.
func openQueue(t *testing.T, kind string, ws *jobs.Workers, periodic []jobs.Periodic) (flux.Store, runner) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := jobs.Config{Workers: ws, Periodic: periodic, PollInterval: 200 * time.Millisecond, Logger: quiet}
	switch kind {
	case "sqlite":
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "flux.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		cfg.PollOnly = true
		q, err := jobs.New(riversqlite.New(st.WriteDB()), cfg)
		if err != nil {
			t.Fatal(err)
		}
		st.AttachJobs(q)
		return st, q
	default:
		st := pgtest.Open(t, nil)
		cfg.Schema = st.Schema()
		q, err := jobs.New(riverpgxv5.New(st.Pool()), cfg)
		if err != nil {
			t.Fatal(err)
		}
		st.AttachJobs(q)
		return st, q
	}
}

func startQueue(t *testing.T, q runner) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func eachStore(t *testing.T, f func(t *testing.T, kind string)) {
	for _, k := range []string{"sqlite", "postgres"} {
		t.Run(k, func(t *testing.T) {
			t.Parallel()
			f(t, k)
		})
	}
}

// TestPeriodicPruneRuns proves the queue runs a periodic job on both
// stores: the token-pruning job deletes an expired local token.
func TestPeriodicPruneRuns(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		var runs atomic.Int32
		ws := jobs.NewWorkers()
		var st flux.Store
		prune := func(ctx context.Context, a auth.PruneTokensArgs) error {
			defer runs.Add(1)
			return auth.PruneTokens(st, flux.SystemClock{}, nil)(ctx, a)
		}
		if err := jobs.Register(ws, prune); err != nil {
			t.Fatal(err)
		}
		st, q := openQueue(t, kind, ws, []jobs.Periodic{{Interval: 200 * time.Millisecond, RunOnStart: true,
			Args: func() flux.JobArgs { return auth.PruneTokensArgs{} }}})
		ctx := context.Background()
		u := flux.NewUser(flux.NewID(), "", "")
		if err := st.Users().CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		old := &flux.LocalToken{ID: flux.NewID(), UserID: u.ID, ExpiresAt: time.Now().Add(-time.Minute)}
		live := &flux.LocalToken{ID: flux.NewID(), UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour)}
		for _, tok := range []*flux.LocalToken{old, live} {
			if err := st.Tokens().CreateToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		startQueue(t, q)
		if err := q.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "two runs of the periodic job", func() bool { return runs.Load() >= 2 })
		if _, err := st.Tokens().GetToken(ctx, old.ID); !flux.IsCode(err, flux.ENotFound) {
			t.Fatalf("expired token still there: %v", err)
		}
		if _, err := st.Tokens().GetToken(ctx, live.ID); err != nil {
			t.Fatalf("live token pruned: %v", err)
		}
	})
}

// TestEnqueueInTransaction: a job enqueued inside Atomic exists only if the
// transaction commits.
func TestEnqueueInTransaction(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		seen := make(chan string, 10)
		ws := jobs.NewWorkers()
		if err := jobs.Register(ws, func(ctx context.Context, a pingArgs) error {
			seen <- a.Note
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		st, q := openQueue(t, kind, ws, nil)
		ctx := context.Background()
		u := flux.NewUser(flux.NewID(), "", "")
		if err := st.Users().CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		injected := errors.New("injected failure")
		err := st.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			if _, err := tx.Jobs().Enqueue(ctx, pingArgs{Note: "rolled back"}, nil); err != nil {
				return err
			}
			if err := tx.Goals().CreateGoal(ctx, &flux.Goal{UserID: u.ID, Title: "g", Status: flux.GoalActive}); err != nil {
				return err
			}
			return injected
		})
		if !errors.Is(err, injected) {
			t.Fatalf("Atomic = %v", err)
		}
		err = st.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			_, err := tx.Jobs().Enqueue(ctx, pingArgs{Note: "committed"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Jobs().Enqueue(ctx, pingArgs{Note: "later"}, &flux.JobOptions{RunAt: time.Now().Add(300 * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		id, err := st.Jobs().Enqueue(ctx, pingArgs{Note: "cancelled"}, &flux.JobOptions{RunAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Jobs().Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := st.Jobs().Cancel(ctx, 987654321); err != nil {
			t.Fatalf("cancelling an unknown job: %v", err)
		}
		startQueue(t, q)
		got := map[string]bool{}
		timeout := time.After(20 * time.Second)
		for len(got) < 2 {
			select {
			case n := <-seen:
				got[n] = true
			case <-timeout:
				t.Fatalf("jobs run: %v", got)
			}
		}
		select {
		case n := <-seen:
			got[n] = true
		case <-time.After(500 * time.Millisecond):
		}
		if !got["committed"] || !got["later"] || got["rolled back"] || got["cancelled"] {
			t.Fatalf("jobs run: %v", got)
		}
	})
}

func TestStoreWithoutQueue(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "flux.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Jobs().Enqueue(context.Background(), pingArgs{}, nil); !flux.IsCode(err, flux.EUnavailable) {
		t.Fatalf("enqueue without a queue: %v", err)
	}
}

// Keep the driver types referenced so the test documents what each store
// pairs with.
var (
	_ jobs.TxQueue[*sql.Tx] = (*jobs.Queue[*sql.Tx])(nil)
	_ jobs.TxQueue[pgx.Tx]  = (*jobs.Queue[pgx.Tx])(nil)
	_                       = postgres.Open
)

// TestRunAtAndSnooze proves, on both stores, that a job enqueued for a
// later time does not run before it, and that a work function returning
// flux.SnoozeJob runs again after the wait without using up its attempts.
func TestRunAtAndSnooze(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		type run struct {
			note string
			at   time.Time
		}
		runs := make(chan run, 10)
		var snoozed atomic.Int32
		ws := jobs.NewWorkers()
		if err := jobs.Register(ws, func(ctx context.Context, a pingArgs) error {
			runs <- run{a.Note, time.Now()}
			if a.Note == "snooze" && snoozed.Add(1) == 1 {
				return flux.SnoozeJob(time.Second)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		st, q := openQueue(t, kind, ws, nil)
		ctx := context.Background()
		startQueue(t, q)
		runAt := time.Now().Add(1500 * time.Millisecond)
		if _, err := st.Jobs().Enqueue(ctx, pingArgs{Note: "later"}, &flux.JobOptions{RunAt: runAt}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Jobs().Enqueue(ctx, pingArgs{Note: "snooze"}, &flux.JobOptions{MaxAttempts: 1}); err != nil {
			t.Fatal(err)
		}
		var later, snoozes []time.Time
		timeout := time.After(20 * time.Second)
		for len(later) < 1 || len(snoozes) < 2 {
			select {
			case r := <-runs:
				if r.note == "later" {
					later = append(later, r.at)
				} else {
					snoozes = append(snoozes, r.at)
				}
			case <-timeout:
				t.Fatalf("runs: later %v, snooze %v", later, snoozes)
			}
		}
		if later[0].Before(runAt) {
			t.Errorf("a job for %s ran at %s, before its time", runAt.Format(time.StampMilli), later[0].Format(time.StampMilli))
		}
		if d := snoozes[1].Sub(snoozes[0]); d < time.Second {
			t.Errorf("a job snoozed for 1s ran again after %s", d)
		}
	})
}
