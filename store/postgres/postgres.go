// Package postgres is Flux's production store: a flux.Store in a PostgreSQL
// database (PostgreSQL 13 or later; Supabase works as is), on
// github.com/jackc/pgx/v5 and its connection pool.
//
// All of Flux's tables live in one schema, by default the first schema of
// the connection's search_path (normally "public"); Options.Schema names
// another, which Open creates when it is missing. Open brings the schema up
// to date from the versioned SQL files embedded in the package and then
// applies River's own migrations (github.com/riverqueue/river) to the same
// schema, so that a job queue on Pool works from the first start. Several
// processes may open one database at once: migrations are serialised with a
// PostgreSQL advisory lock.
//
// The store needs a session of its own on each connection (prepared
// statements, and an advisory lock while migrating): on Supabase use the
// direct connection or the session-mode pooler, not the transaction-mode
// one.
//
// Ids are uuid, times timestamptz (microseconds, returned in UTC), enums
// text with CHECK constraints. Update methods lock the row with SELECT ...
// FOR UPDATE, so concurrent updates of one row serialise. Every write of
// several rows runs in one transaction; inside Store.Atomic every method runs
// in Atomic's transaction.
package postgres

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultConnectTimeout bounds the establishment of each connection when the
// URL does not set connect_timeout.
const DefaultConnectTimeout = 10 * time.Second

// Options configures a Store. A nil *Options means all defaults.
type Options struct {
	// Clock stamps CreatedAt and UpdatedAt; nil means flux.SystemClock.
	Clock flux.Clock
	// Schema is the schema that holds Flux's (and River's) tables; Open
	// creates it when it is missing and makes it the connections'
	// search_path. It must be a plain identifier: a letter or underscore,
	// then letters, digits or underscores, at most 63 bytes. "" means the
	// default: whatever search_path the URL or server gives, normally
	// "public".
	Schema string
	// MaxConns is the largest number of connections the pool opens; 0 means
	// the URL's pool_max_conns, or else pgxpool's default (4 or the number of
	// CPUs, whichever is greater).
	MaxConns int32
}

// Store is a flux.Store in a PostgreSQL database. It is safe for concurrent
// use. Its methods outside Atomic each run on their own: a read on a pooled
// connection, a write of several rows (or an update) in its own transaction.
type Store struct {
	db     *db
	pool   *pgxpool.Pool
	schema string
}

var _ flux.Store = (*Store)(nil)

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as pgx accepts) and brings its schema up to date (see
// Migrate). A URL that cannot be parsed or a malformed Options.Schema is an
// EInvalid error.
func Open(ctx context.Context, url string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Clock == nil {
		o.Clock = flux.SystemClock{}
	}
	if o.Schema != "" && !identRE.MatchString(o.Schema) {
		return nil, flux.Invalid("invalid store options", flux.FieldError{Field: "schema", Message: "must be a plain identifier of at most 63 characters"})
	}
	if o.MaxConns < 0 {
		return nil, flux.Invalid("invalid store options", flux.FieldError{Field: "max_conns", Message: "must not be negative"})
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included: keep it out
		// of the error entirely.
		return nil, flux.Invalid("invalid database URL", flux.FieldError{Field: "url", Message: "is not a PostgreSQL connection URL"})
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	if cfg.ConnConfig.ConnectTimeout <= 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = quoteIdent(o.Schema)
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerTypes(c.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Store{
		pool:   pool,
		schema: o.Schema,
		db:     &db{clock: o.Clock, q: pool, pool: pool, jobs: new(jobs.Slot[pgx.Tx])},
	}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// registerTypes makes timestamptz values scan in UTC.
func registerTypes(m *pgtype.Map) {
	m.RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

// Pool returns the store's connection pool, for a job queue on the same
// database (riverpgxv5.New(s.Pool())). Its connections use the store's
// schema as search_path.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns Options.Schema: the schema of the store's tables, or ""
// when the store uses the connection's default search_path.
func (s *Store) Schema() string { return s.schema }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes every connection of the pool, waiting for the ones in use to
// be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Atomic runs fn in one transaction (read committed). What fn does through
// tx commits when fn returns nil; it is rolled back when fn returns an
// error, which Atomic returns as is, or panics, in which case the panic
// continues after the rollback. Updates inside fn keep their rows locked
// until the transaction ends. Methods of tx that write several rows use this
// transaction; there are no nested ones.
//
// Errors found before a statement runs (EInvalid from validation,
// ENotFound for a malformed id or for another user's goal, an update fn's
// error) leave the transaction usable. A statement PostgreSQL refuses
// aborts it: after a taken e-mail or idempotency key (EConflict), a user id
// that names no user (ENotFound) or a database failure, further calls
// through tx fail, and Atomic returns an error even when fn returns nil.
func (s *Store) Atomic(ctx context.Context, fn func(ctx context.Context, tx flux.Stores) error) error {
	return s.db.newTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error { return fn(ctx, s.db.bound(tx)) })
}

// Users returns the user store.
func (s *Store) Users() flux.UserStore { return s.db }

// Goals returns the goal store.
func (s *Store) Goals() flux.GoalStore { return s.db }

// Tasks returns the task store.
func (s *Store) Tasks() flux.TaskStore { return s.db }

// Calendar returns the calendar store.
func (s *Store) Calendar() flux.CalendarStore { return s.db }

// Conversations returns the conversation store.
func (s *Store) Conversations() flux.ConversationStore { return s.db }

// PushSubscriptions returns the push subscription store.
func (s *Store) PushSubscriptions() flux.PushSubscriptionStore { return s.db }

// Notifications returns the notification log.
func (s *Store) Notifications() flux.NotificationStore { return s.db }

// Escalations returns the escalation store.
func (s *Store) Escalations() flux.EscalationStore { return s.db }

// Patterns returns the pattern store.
func (s *Store) Patterns() flux.PatternStore { return s.db }

// Tokens returns the local token store.
func (s *Store) Tokens() flux.TokenStore { return s.db }

// Secrets returns the secret store.
func (s *Store) Secrets() flux.SecretStore { return s.db }

// Auth returns the local sign-in store.
func (s *Store) Auth() flux.AuthStore { return s.db }
