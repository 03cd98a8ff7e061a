package postgres

import (
	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/jackc/pgx/v5"
)

// AttachJobs makes q the store's job queue: Jobs enqueues through it, and
// inside Atomic in the same transaction as the other changes. q is normally a
// *jobs.Queue[pgx.Tx] on Pool (River's riverpgxv5 driver).
func (s *Store) AttachJobs(q jobs.TxQueue[pgx.Tx]) { s.db.jobs.Attach(q) }

// Jobs returns the job queue; inside Atomic, jobs are written in the
// transaction. Without an attached queue every call fails with
// EUnavailable.
func (d *db) Jobs() flux.JobQueue {
	if d.tx != nil {
		return d.jobs.Queue(&d.tx)
	}
	return d.jobs.Queue(nil)
}

// Jobs returns the job queue (see AttachJobs).
func (s *Store) Jobs() flux.JobQueue { return s.db.Jobs() }
