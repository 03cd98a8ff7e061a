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
	"github.com/fluxlife/flux/store/jobs/jobstest"
)

// fixedTiming is a ReminderTiming with one lead for everyone.
type fixedTiming time.Duration

func (f fixedTiming) ReminderLead(context.Context, flux.Stores, string) (time.Duration, error) {
	return time.Duration(f), nil
}

// TestReminderTiming: with a Timing, the first reminder of a user who
// tends to start 40 minutes early goes out 40 minutes ahead instead of the
// notifier's 10; a lead beyond MaxLearntLead is capped.
func TestReminderTiming(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		lead  time.Duration
		first time.Duration // before the task
	}{
		{"learnt lead", 40 * time.Minute, 40 * time.Minute},
		{"capped", 3 * time.Hour, escalation.MaxLearntLead},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			T := time.Date(2026, 12, 3, 18, 30, 0, 0, time.UTC)
			clock := fluxtest.NewClock(T.Add(-c.first))
			e := newEnv(t, jobstest.SQLite, envOptions{clock: clock})
			u := e.user("+4915112345678")
			x := e.task(u, T, flux.PriorityStandard)
			if len(e.escalations(u, x.ID)) != 0 {
				t.Fatal("a reminder before the learnt lead")
			}
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			n := escalation.NewNotifier(e.raw, e.esc, closer{&e.store}, &escalation.NotifierOptions{Clock: clock, Logger: quiet, Timing: fixedTiming(c.lead)})
			if err := n.Sweep(e.ctx, escalation.SweepArgs{}); err != nil {
				t.Fatal(err)
			}
			var escs []flux.Escalation
			jobstest.WaitFor(t, 20*time.Second, "the early reminder", func() bool {
				escs = e.escalations(u, x.ID)
				return len(escs) == 1
			})
			if got := escs[0].Steps[0].DueAt; !got.Equal(T.Add(-c.first)) {
				t.Errorf("first step due %s, want %s", got, T.Add(-c.first))
			}
		})
	}
}
