package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// Outcomes of a job run, as an Observer is told them.
const (
	OutcomeCompleted = "completed" // the work function returned nil
	OutcomeFailed    = "failed"    // it returned an error: River retries it later, or discards it past its attempts
	OutcomeSnoozed   = "snoozed"   // it asked to run again later (flux.JobSnooze)
	OutcomeCancelled = "cancelled" // it cancelled itself for good
	OutcomePanicked  = "panicked"  // it panicked (River records it as failed)
)

// Observer is told about every job run of a queue, for metrics: the job's
// kind, how long it waited past its scheduled time before it started, how
// long it ran, and its outcome (one of the Outcome constants). It is called
// on the job's goroutine and must be quick.
type Observer interface {
	JobWorked(kind, outcome string, wait, run time.Duration)
}

// observeMiddleware reports each job run to an Observer.
type observeMiddleware struct {
	river.MiddlewareDefaults
	obs Observer
}

func (m *observeMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) (err error) {
	start := time.Now()
	wait := max(0, start.Sub(job.ScheduledAt))
	outcome := OutcomePanicked
	defer func() { m.obs.JobWorked(job.Kind, outcome, wait, time.Since(start)) }()
	err = doInner(ctx)
	var (
		snooze *rivertype.JobSnoozeError
		cancel *rivertype.JobCancelError
	)
	switch {
	case err == nil:
		outcome = OutcomeCompleted
	case errors.As(err, &snooze):
		outcome = OutcomeSnoozed
	case errors.As(err, &cancel):
		outcome = OutcomeCancelled
	default:
		outcome = OutcomeFailed
	}
	return err
}

// counter counts the jobs of a queue by state.
type counter interface {
	JobCountByAllStates(ctx context.Context, params *riverdriver.JobCountByAllStatesParams) (map[rivertype.JobState]int, error)
}

// CountByState returns how many jobs the queue's table holds in each state
// (available, scheduled, running, retryable, completed, discarded,
// cancelled, pending): the queue's depth is available + scheduled +
// retryable. One query.
func (q *Queue[TTx]) CountByState(ctx context.Context) (map[string]int, error) {
	if q.counter == nil {
		return nil, errors.New("jobs: this driver cannot count jobs")
	}
	byState, err := q.counter.JobCountByAllStates(ctx, &riverdriver.JobCountByAllStatesParams{Schema: q.schema})
	if err != nil {
		return nil, fmt.Errorf("jobs: count: %w", err)
	}
	out := make(map[string]int, len(byState))
	for s, n := range byState {
		out[string(s)] = n
	}
	return out, nil
}
