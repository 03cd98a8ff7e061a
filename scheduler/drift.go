package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxlife/flux"
)

// DefaultDriftGrace is how long after its slot ended a scheduled task that
// is still undone becomes drifted.
const DefaultDriftGrace = 15 * time.Minute

// DriftArgs is the periodic job that marks overdue scheduled tasks as
// drifted, for every user (cmd/fluxd runs it every minute). Its work
// function is DriftWorker.
type DriftArgs struct {
	// GraceMinutes is how long after its slot ended a task drifts; 0 means
	// DefaultDriftGrace.
	GraceMinutes int `json:"grace_minutes,omitempty"`
}

// Kind implements flux.JobArgs.
func (DriftArgs) Kind() string { return "scheduler.drift" }

// DriftWorker returns the work function of DriftArgs: every task still
// scheduled whose slot ended more than the grace period before now becomes
// drifted, ready to be replanned (Service.ReplanMissed) or rescheduled
// through the original frontend's suggestions. It is idempotent.
func DriftWorker(store interface{ Tasks() flux.TaskStore }, clock flux.Clock) func(context.Context, DriftArgs) error {
	if clock == nil {
		clock = flux.SystemClock{}
	}
	return func(ctx context.Context, args DriftArgs) error {
		grace := DefaultDriftGrace
		if args.GraceMinutes > 0 {
			grace = time.Duration(args.GraceMinutes) * time.Minute
		}
		if _, err := store.Tasks().DriftOverdue(ctx, clock.Now().Add(-grace)); err != nil {
			return fmt.Errorf("scheduler: drift overdue tasks: %w", err)
		}
		return nil
	}
}
