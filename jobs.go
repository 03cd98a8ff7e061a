package flux

import (
	"context"
	"time"
)

// JobArgs is the payload of a durable job. Kind names the job type and must
// be unique; the value is stored as JSON, so its fields must be exported.
// Feature packages define their own job arguments and the functions that work
// them; cmd/fluxd registers those with the job engine.
type JobArgs interface {
	Kind() string
}

// JobOptions tunes one enqueued job. A nil *JobOptions means: run now, on the
// default queue, with the engine's default retries.
type JobOptions struct {
	// RunAt delays the job until then.
	RunAt time.Time
	// MaxAttempts caps retries; 0 means the engine's default (25).
	MaxAttempts int
	// Unique makes the job unique among the unfinished jobs of its kind with
	// equal arguments: a second Enqueue while the first is still waiting or
	// running adds nothing and returns the first job's id. Fields tagged
	// `river:"unique"` narrow the comparison to those fields.
	Unique bool
}

// JobQueue puts jobs on the durable queue. Through a Stores value inside
// Store.Atomic, Enqueue writes the job in the same transaction as the other
// changes: the job exists if and only if the transaction commits.
type JobQueue interface {
	// Enqueue adds a job and returns its id.
	Enqueue(ctx context.Context, args JobArgs, opts *JobOptions) (int64, error)
	// Cancel cancels a job that has not finished; cancelling a finished or
	// unknown job is not an error.
	Cancel(ctx context.Context, id int64) error
}

// JobSnooze is the error a job's work function returns to be run again
// after After, without it counting as a failed attempt: a job that finds
// it ran too early (its time has not come by the Clock) snoozes.
type JobSnooze struct {
	After time.Duration
}

// Error implements error.
func (e *JobSnooze) Error() string { return "job snoozed for " + e.After.String() }

// SnoozeJob returns a *JobSnooze asking to run the job again after d (at
// least a second).
func SnoozeJob(d time.Duration) error {
	return &JobSnooze{After: max(d, time.Second)}
}
