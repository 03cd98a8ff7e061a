package sqlite

import (
	"database/sql"

	"github.com/fluxlife/flux/store/jobs"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// NewQueue returns a durable job queue in the store's own database file
// (River on its riversqlite driver over WriteDB) and attaches it
// (AttachJobs), so that Jobs enqueues through it, inside Atomic in the same
// transaction as the other changes. Start the queue to work jobs and stop
// it before closing the store. SQLite has no LISTEN/NOTIFY: cfg.PollOnly is
// set, and jobs are picked up within cfg.PollInterval.
func (s *Store) NewQueue(cfg jobs.Config) (*jobs.Queue[*sql.Tx], error) {
	cfg.PollOnly = true
	q, err := jobs.New(riversqlite.New(s.WriteDB()), cfg)
	if err != nil {
		return nil, err
	}
	s.AttachJobs(q)
	return q, nil
}
