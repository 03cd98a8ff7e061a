package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestSweepDropsStalePools: a pooled schema of other migrations unused for
// a day goes; a recent one, and one somebody holds, stay.
func TestSweepDropsStalePools(t *testing.T) {
	url := URL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	fake := Schema()[len("flux_test_"):][:12] // a fingerprint nobody has
	stale, recent, held := "flux_test_"+fake+"_00", "flux_test_"+fake+"_01", "flux_test_"+fake+"_02"
	old := quoteLiteral(usedPrefix + time.Now().Add(-2*staleAfter).UTC().Format(time.RFC3339))
	now := quoteLiteral(usedPrefix + time.Now().UTC().Format(time.RFC3339))
	for name, comment := range map[string]string{stale: old, recent: now, held: old} {
		t.Cleanup(func() { DropSchema(t, url, name) })
		if _, err := conn.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{name}.Sanitize()+`; COMMENT ON SCHEMA `+pgx.Identifier{name}.Sanitize()+` IS `+comment); err != nil {
			t.Fatal(err)
		}
	}
	holder, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, claimKey(held)); err != nil {
		t.Fatal(err)
	}

	sweep(ctx, conn, "ffffffffffff")

	for name, want := range map[string]bool{stale: false, recent: true, held: true} {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if (n == 1) != want {
			t.Errorf("schema %s exists: %v, want %v", name, n == 1, want)
		}
	}
}
