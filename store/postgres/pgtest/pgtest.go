// Package pgtest opens PostgreSQL stores for tests, each in a fresh schema
// that is dropped when the test ends, so tests can run in parallel against
// one server and leave nothing behind.
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
	"os"
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

// Open opens a store in a fresh schema of the test server (opts.Schema is
// overridden; the rest of opts applies) and registers a cleanup that closes
// the store and drops the schema with everything in it.
func Open(tb testing.TB, opts *postgres.Options) *postgres.Store {
	tb.Helper()
	url := URL(tb)
	var o postgres.Options
	if opts != nil {
		o = *opts
	}
	o.Schema = Schema()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Registered first so that it runs last, after the store is closed, and
	// also when Open fails half-way.
	tb.Cleanup(func() { DropSchema(tb, url, o.Schema) })
	st, err := postgres.Open(ctx, url, &o)
	if err != nil {
		tb.Fatalf("pgtest: open store in schema %s: %v", o.Schema, err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
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
