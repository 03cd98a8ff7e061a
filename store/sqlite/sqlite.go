// Package sqlite is Flux's embedded store: a flux.Store in one SQLite file,
// on the pure-Go driver modernc.org/sqlite (no cgo).
//
// The file is opened in WAL mode with two connection pools: a writer pool
// of exactly one connection, whose transactions start with BEGIN IMMEDIATE
// so that writers (in this process and in others) queue on the database's
// write lock instead of failing half-way, and a pool of read-only
// connections for reads outside a transaction, which WAL lets run while a
// write is in progress. Every write, every update (read, edit, write) and
// every Atomic transaction runs on the writer; an update therefore sees and
// locks the latest row, and concurrent updates of one row serialise.
//
// Times are stored as INTEGER unix microseconds in UTC (flux.StoreTime),
// JSON as TEXT and ids as TEXT. The schema is created and upgraded by Open
// from the versioned SQL files embedded in the package, followed by River's
// own migrations (github.com/riverqueue/river), so that a job queue on
// WriteDB works from the first start.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/jobs"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultBusyTimeout is how long a connection waits for a lock held by
// another connection before giving up, unless Options.BusyTimeout says
// otherwise.
const DefaultBusyTimeout = 5 * time.Second

// Options configures a Store. A nil *Options means all defaults.
type Options struct {
	// Clock stamps CreatedAt and UpdatedAt; nil means flux.SystemClock.
	Clock flux.Clock
	// BusyTimeout is how long a statement waits for a lock held by another
	// connection or process (SQLite's busy_timeout); 0 means
	// DefaultBusyTimeout (5s).
	BusyTimeout time.Duration
	// NoListCache turns off the cache of task lists (see ListTasks), for a
	// file that another process writes too: the cache sees only the writes
	// made through the Stores of this process.
	NoListCache bool
}

// Store is a flux.Store in one SQLite file. It is safe for concurrent use.
// Its methods outside Atomic each run on their own: a read on the read
// pool, a write in its own short transaction on the writer.
type Store struct {
	*stores // the non-transactional view: reads on the read pool

	write *sql.DB
	read  *sql.DB
	path  string
}

var _ flux.Store = (*Store)(nil)

// Open opens (creating when missing) the SQLite database at path, a file
// name, and brings its schema up to date (see Migrate). In-memory databases
// are not supported: the store's two pools must see the same file.
func Open(ctx context.Context, path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Clock == nil {
		o.Clock = flux.SystemClock{}
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open: want a file name, got %q", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	busy := fmt.Sprintf("busy_timeout(%d)", o.BusyTimeout.Milliseconds())
	writeDSN := dsn(abs, url.Values{
		"_pragma": {busy, "foreign_keys(1)", "synchronous(NORMAL)"},
		"_txlock": {"immediate"},
	})
	readDSN := dsn(abs, url.Values{
		"_pragma": {busy, "foreign_keys(1)", "query_only(1)"},
	})

	write, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	read, err := sql.Open("sqlite", readDSN)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(5 * time.Minute)

	s := &Store{
		write: write,
		read:  read,
		path:  abs,
		stores: &stores{
			clock:      o.Clock,
			readDB:     read,
			writeDB:    write,
			jobs:       new(jobs.Slot[*sql.Tx]),
			readStmts:  newStmtCache(read),
			writeStmts: newStmtCache(write),
			gen:        generationOf(abs),
		},
	}
	if !o.NoListCache {
		s.stores.lists = newListCache(s.stores.gen)
	}
	s.stores.r = cachedDB{read, s.stores.readStmts}
	// The writer goes first: it turns the file into WAL mode, which the
	// read-only connections cannot do.
	if err := setWAL(ctx, write, o.BusyTimeout); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := read.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// setWAL switches the database to WAL mode, which is persistent: every
// later connection uses it. The switch needs an exclusive lock, and SQLite
// answers SQLITE_BUSY at once, without waiting out busy_timeout, when
// another connection holds the file (two processes opening a fresh file
// together), so setWAL retries until timeout.
func setWAL(ctx context.Context, db *sql.DB, timeout time.Duration) error {
	retry, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	wait := time.Millisecond
	for {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		switch {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("journal_mode is %q, want wal", mode)
		case sqliteCode(err)&0xff != sqlite3.SQLITE_BUSY:
			return fmt.Errorf("set journal_mode=WAL: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-retry.Done():
			t.Stop()
			return fmt.Errorf("set journal_mode=WAL: %w", err)
		case <-t.C:
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// dsn returns the driver's name for the file at abs with the driver
// parameters q, in SQLite's URI form so that any file name works: '%', '?'
// and '#' in the name are escaped.
func dsn(abs string, q url.Values) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:///C:/...
	}
	p = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
	return "file://" + p + "?" + q.Encode()
}

// WriteDB returns the writer pool: one connection, transactions that begin
// IMMEDIATE. River's riversqlite driver runs on it. Closing the store closes
// it.
func (s *Store) WriteDB() *sql.DB { return s.write }

// Path returns the absolute name of the database file.
func (s *Store) Path() string { return s.path }

// Atomic runs fn in one transaction on the writer. What fn does through tx
// commits when fn returns nil; it is rolled back when fn returns an error,
// which Atomic returns as is, or panics, in which case the panic continues
// with the same value after the rollback. Each method of tx that writes runs
// under a savepoint, so one that fails leaves nothing behind even if fn
// carries on. Inside fn use only tx: a write through s would wait for the
// writer connection that fn holds.
func (s *Store) Atomic(ctx context.Context, fn func(ctx context.Context, tx flux.Stores) error) (err error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer s.stores.wrote()
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback()
		}
	}()
	if err := fn(ctx, s.inTx(tx)); err != nil {
		done = true
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("sqlite: rollback: %w", rerr))
		}
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	s.stores.writeStmts.preparePending(ctx)
	return nil
}

// Ping checks that both pools answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes both pools. It does not wait for a job queue on WriteDB:
// stop that first.
func (s *Store) Close() error {
	s.stores.readStmts.close()
	s.stores.writeStmts.close()
	return errors.Join(s.read.Close(), s.write.Close())
}
