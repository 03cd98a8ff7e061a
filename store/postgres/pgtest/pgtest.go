// Package pgtest opens PostgreSQL stores for tests, each in a schema of its
// own for the length of the test, so tests can run in parallel against one
// server.
//
// Migrating a schema costs about a second; emptying one costs a few
// milliseconds. So, as River's test database manager does, Open does not
// migrate a schema per test: it hands out pre-migrated schemas from a
// small pool, flux_test_<fingerprint>_<NN>, where the fingerprint
// (postgres.Fingerprint) names the migrations that built them. A test
// claims a schema with a PostgreSQL advisory lock held for its whole
// length (so tests of several processes, or of several checkouts with the
// same migrations, never share one), finds it migrated once by an earlier
// test and emptied, and releases it at cleanup. The pool grows to the
// number of tests that run at once and stays for the next run; a pooled
// schema of other migrations that has not been used for a day is dropped
// by the next test process. A test that needs a schema nobody reuses takes
// Schema and DropSchema.
//
// The server is named by FLUX_TEST_DATABASE_URL; when it is unset the
// tests try postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
// When nothing answers there the test is skipped with a message saying so,
// unless FLUX_TEST_REQUIRE_POSTGRES=1, in which case it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux/store/postgres"
	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server tried when FLUX_TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Environment variables read by the package.
const (
	EnvURL     = "FLUX_TEST_DATABASE_URL"
	EnvRequire = "FLUX_TEST_REQUIRE_POSTGRES"
)

// timeout bounds each connection attempt and the schema set-up and
// tear-down of one test.
const timeout = 60 * time.Second

var (
	probeOnce sync.Once
	probeErr  error
)

// URL returns the test server's URL, after checking once per process that
// the server answers. When it does not, URL skips tb (or fails it when
// FLUX_TEST_REQUIRE_POSTGRES=1).
func URL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv(EnvURL)
	source := EnvURL
	if url == "" {
		url, source = DefaultURL, "the default URL (set "+EnvURL+" to use another server)"
	}
	probeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			probeErr = err
			return
		}
		defer conn.Close(ctx)
		probeErr = conn.Ping(ctx)
	})
	if probeErr != nil {
		msg := fmt.Sprintf("pgtest: no PostgreSQL server answers at %s: %v", source, probeErr)
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatal(msg + " (" + EnvRequire + "=1)")
		}
		tb.Skip(msg + "; skipping (set " + EnvRequire + "=1 to fail instead)")
	}
	return url
}

// Schema returns a new random schema name, flux_test_<16 hex digits>.
func Schema() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "flux_test_" + hex.EncodeToString(b)
}

// Open opens a store in a schema of the test server that the test has to
// itself, empty and migrated (opts.Schema is overridden; the rest of opts
// applies), and registers a cleanup that closes the store and gives the
// schema back to the pool.
func Open(tb testing.TB, opts *postgres.Options) *postgres.Store {
	tb.Helper()
	url := URL(tb)
	var o postgres.Options
	if opts != nil {
		o = *opts
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	schema, release, err := claim(ctx, url)
	if err != nil {
		tb.Fatalf("pgtest: claim a schema: %v", err)
	}
	o.Schema = schema
	// Registered first so that it runs last, after the store is closed, and
	// also when Open fails half-way.
	tb.Cleanup(release)
	st, err := postgres.Open(ctx, url, &o)
	if err != nil {
		tb.Fatalf("pgtest: open store in schema %s: %v", o.Schema, err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// claim takes the first schema of the pool that no test holds, empties it
// when an earlier test left rows in it, and returns it with the function
// that releases it. The claim is a session advisory lock on a connection
// of its own, so it also ends when the process dies.
func claim(ctx context.Context, url string) (string, func(), error) {
	fp, err := postgres.Fingerprint()
	if err != nil {
		return "", nil, err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", nil, err
	}
	sweepOnce.Do(func() { sweep(ctx, conn, fp) })
	var claimed string
	release := func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if claimed != "" {
			// When it was last used is what sweep goes by.
			_, _ = conn.Exec(cctx, `COMMENT ON SCHEMA `+pgx.Identifier{claimed}.Sanitize()+` IS `+
				quoteLiteral(usedPrefix+time.Now().UTC().Format(time.RFC3339)))
		}
		// Closing the session releases its advisory lock.
		_ = conn.Close(cctx)
	}
	for n := 0; n < maxPool; n++ {
		schema := fmt.Sprintf("flux_test_%s_%02d", fp, n)
		var got bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, claimKey(schema)).Scan(&got); err != nil {
			release()
			return "", nil, err
		}
		if !got {
			continue
		}
		if err := empty(ctx, conn, schema); err != nil {
			release()
			return "", nil, fmt.Errorf("empty schema %s: %w", schema, err)
		}
		claimed = schema
		return schema, release, nil
	}
	release()
	return "", nil, fmt.Errorf("all %d pooled schemas are in use", maxPool)
}

// maxPool bounds the pool: more tests than this at once against one server
// is a leak, not parallelism.
const maxPool = 100

// usedPrefix starts the comment release leaves on a pooled schema,
// followed by the time (RFC 3339, UTC).
const usedPrefix = "pgtest: last used "

// staleAfter is how long a pooled schema of other migrations (another
// checkout, or an older state of this one) may go unused before a test
// process drops it.
const staleAfter = 24 * time.Hour

var sweepOnce sync.Once

// sweep drops, once per process, the pooled schemas of fingerprints other
// than fp that nobody holds and nobody has used for staleAfter, so that
// changing the migrations does not leave old pools behind for ever. A
// failure only leaves them for the next process.
func sweep(ctx context.Context, conn *pgx.Conn, fp string) {
	rows, err := conn.Query(ctx, `SELECT nspname, coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace
		WHERE nspname ~ '^flux_test_[0-9a-f]{12}_[0-9]{2}$' AND nspname NOT LIKE $1`, "flux_test_"+fp+"_%")
	if err != nil {
		return
	}
	type schema struct{ name, comment string }
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (schema, error) {
		var s schema
		err := row.Scan(&s.name, &s.comment)
		return s, err
	})
	if err != nil {
		return
	}
	for _, s := range found {
		used, err := time.Parse(time.RFC3339, strings.TrimPrefix(s.comment, usedPrefix))
		if err != nil || time.Since(used) < staleAfter {
			continue // in use for the first time, or recently
		}
		var got bool
		if conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, claimKey(s.name)).Scan(&got) != nil || !got {
			continue
		}
		_, _ = conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{s.name}.Sanitize()+` CASCADE`)
		_, _ = conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, claimKey(s.name))
	}
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// claimKey is the advisory lock that claims a pooled schema.
func claimKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("flux.pgtest\x00" + schema))
	return int64(h.Sum64())
}

// empty deletes every row of the schema's tables but the two migration
// records, and restarts its sequences, so the schema is as Migrate left
// it. A schema that does not exist yet is left for postgres.Open to
// create. Deleting with triggers off (session_replication_role, which
// needs a superuser) is much faster than TRUNCATE, which the function
// falls back to.
func empty(ctx context.Context, conn *pgx.Conn, schema string) error {
	rows, err := conn.Query(ctx, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables
		WHERE schemaname = $1 AND tablename NOT IN ('flux_schema_migrations', 'river_migration') ORDER BY tablename`, schema)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) == 0 {
		return err
	}
	rows, err = conn.Query(ctx, `SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences WHERE schemaname = $1`, schema)
	if err != nil {
		return err
	}
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("SET LOCAL session_replication_role = replica;\n")
	for _, t := range tables {
		b.WriteString("DELETE FROM " + t + ";\n")
	}
	for _, q := range seqs {
		b.WriteString("ALTER SEQUENCE " + q + " RESTART;\n")
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, b.String(), pgx.QueryExecModeSimpleProtocol)
		return err
	})
	if err == nil {
		return nil
	}
	_, err = conn.Exec(ctx, `TRUNCATE `+strings.Join(tables, ", ")+` RESTART IDENTITY CASCADE`)
	return err
}

// DropSchema drops the schema with everything in it, reporting a failure
// as a test error.
func DropSchema(tb testing.TB, url, schema string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Errorf("pgtest: drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
		tb.Errorf("pgtest: drop schema %s: %v", schema, err)
	}
}
