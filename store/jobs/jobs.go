// Package jobs runs Flux's durable jobs on River (github.com/riverqueue/river)
// over either store: riverpgxv5 on PostgreSQL, riversqlite on the embedded
// SQLite store. It is the one place that knows River's generic types; feature
// packages define plain job arguments (flux.JobArgs) and work functions, and
// cmd/fluxd registers them here.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/fluxlife/flux"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// Workers is the set of job kinds a Queue can work.
type Workers struct {
	w *river.Workers
}

// NewWorkers returns an empty set.
func NewWorkers() *Workers { return &Workers{w: river.NewWorkers()} }

// Register makes fn the worker of the jobs whose arguments have type T. An
// error returned by fn makes River retry the job with backoff; the work must
// therefore be idempotent. A *flux.JobSnooze runs it again after its wait
// without counting an attempt. It fails when T's kind is already
// registered.
func Register[T flux.JobArgs](ws *Workers, fn func(ctx context.Context, args T) error) error {
	return river.AddWorkerSafely(ws.w, river.WorkFunc(func(ctx context.Context, job *river.Job[T]) error {
		err := fn(ctx, job.Args)
		var sn *flux.JobSnooze
		if errors.As(err, &sn) {
			return river.JobSnooze(sn.After)
		}
		return err
	}))
}

// JobTimeout bounds one run of a job; its context is cancelled then.
const JobTimeout = time.Minute

// RescueAfter is how long a job may stay "running" before it is taken for
// stuck (its process died) and run again: a job runs at most JobTimeout,
// so a longer wait means its worker is gone.
const RescueAfter = 2 * time.Minute

// promptHook makes a job inserted for a later time available at once.
// River's fetch takes only available jobs whose scheduled_at has come, so
// such a job runs within the fetch poll interval of its time, instead of
// waiting for the leader's periodic sweep (every 5 seconds) that turns
// scheduled jobs into available ones. Escalation steps and reminders are
// due at exact times; this is what makes them punctual.
type promptHook struct{ river.HookDefaults }

func (*promptHook) InsertBegin(_ context.Context, p *rivertype.JobInsertParams) error {
	if p.State == rivertype.JobStateScheduled {
		p.State = rivertype.JobStateAvailable
	}
	return nil
}

// Periodic is a job enqueued every Interval.
type Periodic struct {
	Interval time.Duration
	// Args builds the job's arguments each time.
	Args func() flux.JobArgs
	// RunOnStart also enqueues it when the queue starts.
	RunOnStart bool
}

// Config configures a Queue.
type Config struct {
	// Workers are the kinds this process works; nil makes an insert-only
	// queue (it can enqueue but works nothing).
	Workers *Workers
	// Periodic jobs; their kinds must be registered in Workers.
	Periodic []Periodic
	// MaxWorkers is the number of jobs worked at once; default 10.
	MaxWorkers int
	// PollInterval is how often to look for new jobs when not notified;
	// default 1s, at least 100ms.
	PollInterval time.Duration
	// Schema is the PostgreSQL schema of River's tables; "" for the default.
	Schema string
	// Logger receives River's logs; nil means slog.Default().
	Logger *slog.Logger
	// PollOnly disables LISTEN/NOTIFY (always on for SQLite).
	PollOnly bool
	// Observer, when set, is told about every job run (for metrics).
	Observer Observer
}

// Queue is the durable job queue over one database; TTx is the driver's
// transaction type (pgx.Tx or *sql.Tx).
type Queue[TTx any] struct {
	client  *river.Client[TTx]
	working bool
	counter counter
	schema  string
}

// New returns a queue on driver. Start it to work jobs.
func New[TTx any](driver riverdriver.Driver[TTx], cfg Config) (*Queue[TTx], error) {
	rc := &river.Config{
		Logger:            cfg.Logger,
		Schema:            cfg.Schema,
		FetchPollInterval: cfg.PollInterval,
		PollOnly:          cfg.PollOnly,
		// Job rows are small; keep finished ones a day for inspection.
		CompletedJobRetentionPeriod: 24 * time.Hour,
		JobTimeout:                  JobTimeout,
		RescueStuckJobsAfter:        RescueAfter,
		Hooks:                       []rivertype.Hook{&promptHook{}},
	}
	if rc.Logger == nil {
		rc.Logger = slog.Default()
	}
	if cfg.Observer != nil {
		rc.Middleware = []rivertype.Middleware{&observeMiddleware{obs: cfg.Observer}}
	}
	if cfg.Workers != nil {
		n := cfg.MaxWorkers
		if n <= 0 {
			n = 10
		}
		rc.Workers = cfg.Workers.w
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
		for i, p := range cfg.Periodic {
			if p.Interval <= 0 || p.Args == nil {
				return nil, fmt.Errorf("jobs: periodic job %d: interval and args are required", i)
			}
			build := p.Args
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(
				river.PeriodicInterval(p.Interval),
				func() (river.JobArgs, *river.InsertOpts) { return build(), nil },
				&river.PeriodicJobOpts{RunOnStart: p.RunOnStart},
			))
		}
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: new river client: %w", err)
	}
	return &Queue[TTx]{client: client, working: cfg.Workers != nil, counter: driver.GetExecutor(), schema: cfg.Schema}, nil
}

// Start begins working jobs; it returns at once. A queue without workers
// needs no Start.
func (q *Queue[TTx]) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop waits for running jobs to finish, until ctx ends; then it cancels
// what is still running and waits for that.
func (q *Queue[TTx]) Stop(ctx context.Context) error {
	if !q.working {
		return nil
	}
	err := q.client.Stop(ctx)
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := q.client.StopAndCancel(hard); err != nil {
			return fmt.Errorf("jobs: stop and cancel: %w", err)
		}
		return nil
	}
	return fmt.Errorf("jobs: stop: %w", err)
}

// Enqueue adds a job outside any transaction.
func (q *Queue[TTx]) Enqueue(ctx context.Context, args flux.JobArgs, opts *flux.JobOptions) (int64, error) {
	res, err := q.client.Insert(ctx, args, insertOpts(opts))
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return res.Job.ID, nil
}

// EnqueueTx adds a job inside tx: it exists if and only if tx commits.
func (q *Queue[TTx]) EnqueueTx(ctx context.Context, tx TTx, args flux.JobArgs, opts *flux.JobOptions) (int64, error) {
	res, err := q.client.InsertTx(ctx, tx, args, insertOpts(opts))
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return res.Job.ID, nil
}

// Cancel cancels a job that has not finished.
func (q *Queue[TTx]) Cancel(ctx context.Context, id int64) error {
	if _, err := q.client.JobCancel(ctx, id); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("jobs: cancel %d: %w", id, err)
	}
	return nil
}

// CancelTx cancels a job inside tx.
func (q *Queue[TTx]) CancelTx(ctx context.Context, tx TTx, id int64) error {
	if _, err := q.client.JobCancelTx(ctx, tx, id); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("jobs: cancel %d: %w", id, err)
	}
	return nil
}

// Ping checks that River's tables answer.
func (q *Queue[TTx]) Ping(ctx context.Context) error {
	if _, err := q.client.QueueList(ctx, river.NewQueueListParams().First(1)); err != nil {
		return fmt.Errorf("jobs: ping: %w", err)
	}
	return nil
}

// Bound returns the flux.JobQueue view of q bound to tx, for a store's
// transaction.
func (q *Queue[TTx]) Bound(tx TTx) flux.JobQueue { return txQueue[TTx]{q: q, tx: tx} }

type txQueue[TTx any] struct {
	q  *Queue[TTx]
	tx TTx
}

func (t txQueue[TTx]) Enqueue(ctx context.Context, args flux.JobArgs, opts *flux.JobOptions) (int64, error) {
	return t.q.EnqueueTx(ctx, t.tx, args, opts)
}

func (t txQueue[TTx]) Cancel(ctx context.Context, id int64) error {
	return t.q.CancelTx(ctx, t.tx, id)
}

func insertOpts(o *flux.JobOptions) *river.InsertOpts {
	if o == nil {
		return nil
	}
	io := &river.InsertOpts{ScheduledAt: o.RunAt, MaxAttempts: o.MaxAttempts}
	if o.Unique {
		io.UniqueOpts = river.UniqueOpts{ByArgs: true}
	}
	return io
}

// TxQueue is a queue that can also enqueue inside a store's transaction of
// type TTx; *Queue[TTx] is one.
type TxQueue[TTx any] interface {
	flux.JobQueue
	Bound(tx TTx) flux.JobQueue
}

// Slot holds the queue a store hands out through flux.Stores.Jobs. A store
// keeps one Slot shared by its plain and transaction-bound views, and fills
// it when cmd/fluxd (or an embedder) attaches a queue. It is safe for
// concurrent use.
type Slot[TTx any] struct {
	mu sync.RWMutex
	q  TxQueue[TTx]
}

// Attach sets the queue.
func (s *Slot[TTx]) Attach(q TxQueue[TTx]) {
	s.mu.Lock()
	s.q = q
	s.mu.Unlock()
}

// Queue returns the queue, bound to tx when tx is not nil; without an
// attached queue, one whose every call is an EUnavailable error.
func (s *Slot[TTx]) Queue(tx *TTx) flux.JobQueue {
	s.mu.RLock()
	q := s.q
	s.mu.RUnlock()
	switch {
	case q == nil:
		return unavailable{}
	case tx != nil:
		return q.Bound(*tx)
	}
	return q
}

type unavailable struct{}

var errNoQueue = &flux.Error{Code: flux.EUnavailable, Message: "no job queue is attached to this store"}

func (unavailable) Enqueue(context.Context, flux.JobArgs, *flux.JobOptions) (int64, error) {
	return 0, errNoQueue
}

func (unavailable) Cancel(context.Context, int64) error { return errNoQueue }
