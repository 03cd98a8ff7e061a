package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded schema file, "NNNN_name.sql".
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded files in version order.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		base := strings.TrimSuffix(e.Name(), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlite: migration file %q: want NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlite: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("sqlite: two migrations with version %d", ms[i].version)
		}
	}
	return ms, nil
}

// Migrate brings the schema up to date: it applies the embedded migrations
// not yet recorded in flux_schema_migrations, each in its own transaction,
// then River's migrations in one more. It is idempotent, and safe when
// several stores (or processes) migrate one file at once: every step runs
// in a BEGIN IMMEDIATE transaction that first checks, under the database's
// write lock, whether another migrator got there first.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return s.migrateRiver(ctx)
}

func (s *Store) applyMigration(ctx context.Context, m migration) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS flux_schema_migrations (
			version    INTEGER NOT NULL PRIMARY KEY,
			name       TEXT    NOT NULL,
			applied_at INTEGER NOT NULL
		) STRICT`); err != nil {
			return fmt.Errorf("sqlite: migrate: create flux_schema_migrations: %w", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM flux_schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: migrate: read applied versions: %w", err)
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("sqlite: migrate: apply %04d_%s: %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO flux_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, micros(s.clock.Now())); err != nil {
			return fmt.Errorf("sqlite: migrate: record %04d_%s: %w", m.version, m.name, err)
		}
		return nil
	})
}

// migrateRiver applies River's SQLite migrations inside one BEGIN IMMEDIATE
// transaction, so that concurrent migrators serialise on the write lock and
// the second finds nothing left to do. River deprecates MigrateTx because
// some PostgreSQL migrations cannot share a transaction; SQLite's DDL is
// fully transactional, so that concern does not apply here, and without the
// outer transaction two migrators could both see an empty river_migration
// table and both try to create it.
func (s *Store) migrateRiver(ctx context.Context) error {
	migrator, err := rivermigrate.New(riversqlite.New(s.write), &rivermigrate.Config{
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return fmt.Errorf("sqlite: migrate river: %w", err)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		//lint:ignore SA1019 see the function's comment.
		if _, err := migrator.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil { //nolint:staticcheck // see the function's comment.
			return fmt.Errorf("sqlite: migrate river: %w", err)
		}
		return nil
	})
}

// writeTx runs fn in a transaction on the writer and commits when it
// returns nil.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer s.stores.wrote()
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}
