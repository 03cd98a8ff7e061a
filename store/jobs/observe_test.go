package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// recorder is an Observer that keeps what it was told.
type recorder struct {
	mu   sync.Mutex
	runs map[string]int // kind/outcome → runs
}

func (r *recorder) JobWorked(kind, outcome string, wait, run time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if wait < 0 || run < 0 {
		panic("negative duration")
	}
	r.runs[kind+"/"+outcome]++
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[key]
}

// TestObserverAndCounts: a queue with an Observer reports every run with
// its kind and outcome, and CountByState counts its jobs by state, on both
// stores.
func TestObserverAndCounts(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		rec := &recorder{runs: map[string]int{}}
		ws := jobs.NewWorkers()
		if err := jobs.Register(ws, func(ctx context.Context, a pingArgs) error {
			switch a.Note {
			case "fail":
				return errors.New("no")
			case "snooze":
				return flux.SnoozeJob(time.Hour)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		cfg := jobs.Config{Workers: ws, PollInterval: 200 * time.Millisecond, Logger: quiet, Observer: rec}
		var (
			st    flux.Store
			q     runner
			count func(context.Context) (map[string]int, error)
		)
		if kind == "sqlite" {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "flux.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			cfg.PollOnly = true
			jq, err := jobs.New(riversqlite.New(s.WriteDB()), cfg)
			if err != nil {
				t.Fatal(err)
			}
			s.AttachJobs(jq)
			st, q, count = s, jq, jq.CountByState
		} else {
			s := pgtest.Open(t, nil)
			cfg.Schema = s.Schema()
			jq, err := jobs.New(riverpgxv5.New(s.Pool()), cfg)
			if err != nil {
				t.Fatal(err)
			}
			s.AttachJobs(jq)
			st, q, count = s, jq, jq.CountByState
		}
		ctx := context.Background()
		if _, err := st.Jobs().Enqueue(ctx, pingArgs{Note: "later"}, &flux.JobOptions{RunAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		n, err := count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n["available"]+n["scheduled"] != 1 {
			t.Errorf("counts before start = %v, want one job waiting", n)
		}
		startQueue(t, q)
		for _, note := range []string{"ok", "ok", "fail", "snooze"} {
			if _, err := st.Jobs().Enqueue(ctx, pingArgs{Note: note}, &flux.JobOptions{MaxAttempts: 1}); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "the runs to be observed", func() bool {
			return rec.count("test.ping/completed") == 2 && rec.count("test.ping/failed") == 1 && rec.count("test.ping/snoozed") == 1
		})
		waitFor(t, "the counts to show the finished jobs", func() bool {
			n, err := count(ctx)
			return err == nil && n["completed"] == 2 && n["discarded"] == 1
		})
	})
}
