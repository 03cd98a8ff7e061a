package postgres

import (
	"github.com/fluxlife/flux/store/jobs"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// NewQueue returns a durable job queue in the store's database and schema
// (River on its riverpgxv5 driver over Pool; River's tables were migrated
// by Open) and attaches it (AttachJobs), so that Jobs enqueues through it,
// inside Atomic in the same transaction as the other changes. Start the
// queue to work jobs and stop it before closing the store. cfg.Schema,
// when empty, is the store's schema. Several processes on one database
// share the work: River elects a leader and locks each job it works.
func (s *Store) NewQueue(cfg jobs.Config) (*jobs.Queue[pgx.Tx], error) {
	if cfg.Schema == "" {
		cfg.Schema = s.schema
	}
	q, err := jobs.New(riverpgxv5.New(s.pool), cfg)
	if err != nil {
		return nil, err
	}
	s.AttachJobs(q)
	return q, nil
}
