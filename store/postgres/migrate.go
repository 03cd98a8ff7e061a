package postgres

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded SQL file, migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("postgres: list migrations: %w", err)
	}
	var out []migration
	for _, f := range files {
		base := strings.TrimSuffix(path.Base(f), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("postgres: migration file %s: want NNNN_name.sql", f)
		}
		b, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("postgres: read migration %s: %w", f, err)
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("postgres: two migrations with version %d", out[i].version)
		}
	}
	return out, nil
}

// lockKey is the advisory lock that serialises migrators of one schema.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("flux.migrate\x00" + schema))
	return int64(h.Sum64())
}

// Migrate brings the store's schema up to date; it is idempotent and safe
// to run from several processes at once. On a dedicated connection it takes
// a PostgreSQL advisory lock (one per schema), creates the schema when
// Options.Schema names one that is missing, applies every embedded
// migration not yet recorded in flux_schema_migrations (each file with its
// record in its own transaction), then applies River's migrations to the
// same schema with rivermigrate, and releases the lock.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("postgres: migrate: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		// Closing the session releases the advisory lock too.
		_ = conn.Close(cctx)
	}()
	key := lockKey(s.schema)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, key)
	}()

	if s.schema != "" {
		// Inside the lock: concurrent CREATE SCHEMA IF NOT EXISTS can fail.
		if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoteIdent(s.schema)); err != nil {
			return fmt.Errorf("postgres: migrate: create schema: %w", err)
		}
		if _, err := conn.Exec(ctx, `SET search_path TO `+quoteIdent(s.schema)); err != nil {
			return fmt.Errorf("postgres: migrate: set search_path: %w", err)
		}
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS flux_schema_migrations (
		version    integer     NOT NULL PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("postgres: migrate: create flux_schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, `SELECT version FROM flux_schema_migrations`)
	if err != nil {
		return fmt.Errorf("postgres: migrate: read flux_schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: migrate: read flux_schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: migrate: read flux_schema_migrations: %w", err)
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// The simple protocol runs a file of several statements.
			if _, err := tx.Exec(ctx, m.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO flux_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, s.db.now())
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migrate: apply %04d_%s: %w", m.version, m.name, err)
		}
	}

	migrator, err := rivermigrate.New(riverpgxv5.New(s.pool), &rivermigrate.Config{
		Schema: s.schema,
		Logger: slog.New(warnOnly{slog.Default().Handler()}),
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: river: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("postgres: migrate: river: %w", err)
	}
	return nil
}

// warnOnly passes on records of level Warn and above: River logs each
// migration it applies at Info, which is noise at every start.
type warnOnly struct{ slog.Handler }

// Enabled reports whether l is Warn or above and the wrapped handler takes
// it.
func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

// WithAttrs keeps the filter on the derived handler.
func (h warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{h.Handler.WithAttrs(as)} }

// WithGroup keeps the filter on the derived handler.
func (h warnOnly) WithGroup(name string) slog.Handler { return warnOnly{h.Handler.WithGroup(name)} }
