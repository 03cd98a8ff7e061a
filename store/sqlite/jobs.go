package sqlite

import (
	"database/sql"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/jobs"
)

// AttachJobs makes q the store's job queue: Jobs enqueues through it, and
// inside Atomic in the same transaction as the other changes. q is normally a
// *jobs.Queue[*sql.Tx] on WriteDB (River's riversqlite driver).
func (s *Store) AttachJobs(q jobs.TxQueue[*sql.Tx]) { s.jobs.Attach(q) }

// Jobs returns the job queue; inside Atomic, jobs are written in the
// transaction. Without an attached queue every call fails with
// EUnavailable.
func (s *stores) Jobs() flux.JobQueue {
	if s.tx != nil {
		return s.jobs.Queue(&s.tx)
	}
	return s.jobs.Queue(nil)
}
