package sqlite

import (
	"path/filepath"
	"testing"
)

// TestReadPoolIsReadOnly checks that the pool serving reads outside a
// transaction cannot write, so that no write can bypass the writer.
func TestReadPoolIsReadOnly(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "flux.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var on int
	if err := s.read.QueryRowContext(ctx, "PRAGMA query_only").Scan(&on); err != nil {
		t.Fatal(err)
	}
	if on != 1 {
		t.Errorf("read pool: query_only = %d, want 1", on)
	}
	if _, err := s.read.ExecContext(ctx, "INSERT INTO secrets (name, value, created_at) VALUES ('x', x'00', 0)"); err == nil {
		t.Error("a write through the read pool succeeded")
	}
	var mode string
	if err := s.read.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("read pool: journal_mode = %q, want wal", mode)
	}
}
