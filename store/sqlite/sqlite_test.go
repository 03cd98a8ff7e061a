package sqlite_test

import (
	"context"

	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/google/go-cmp/cmp"
)

// open opens a fresh store in tb's temporary directory.
func open(tb testing.TB, clock flux.Clock) flux.Store {
	tb.Helper()
	return openAt(tb, filepath.Join(tb.TempDir(), "flux.db"), &sqlite.Options{Clock: clock})
}

// openAt opens the store at path with o, closed when tb ends.
func openAt(tb testing.TB, path string, o *sqlite.Options) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), path, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// TestConcurrentOpen opens one fresh file from several goroutines at once:
// every Open (and so every Migrate) must succeed, and the schema must be
// applied exactly once.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flux.db")
	const n = 3
	stores := make([]*sqlite.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = sqlite.Open(ctx, path, nil)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}

	// And Migrate again from all of them at once.
	for i := range n {
		wg.Go(func() { errs[i] = stores[i].Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Migrate %d: %v", i, err)
		}
	}

	db := stores[0].WriteDB()
	var versions, riverVersions int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM flux_schema_migrations").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM river_migration").Scan(&riverVersions); err != nil {
		t.Fatal(err)
	}
	if versions != migrationFiles(t) || riverVersions == 0 {
		t.Errorf("flux_schema_migrations has %d rows (want %d), river_migration %d (want > 0)", versions, migrationFiles(t), riverVersions)
	}

	// Every store works on the shared file.
	for i, s := range stores {
		u := flux.NewUser(flux.NewID(), "", "user")
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatalf("store %d: CreateUser: %v", i, err)
		}
		if _, err := stores[(i+1)%n].GetUser(ctx, u.ID); err != nil {
			t.Fatalf("store %d: GetUser: %v", (i+1)%n, err)
		}
	}
}

func migrationFiles(t *testing.T) int {
	t.Helper()
	m, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// TestReopen checks that opening an existing file keeps its rows and that
// Migrate is idempotent.
func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flux.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := flux.NewUser(flux.NewID(), "someone@example.com", "Someone")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("user after reopen (-want +got):\n%s", diff)
	}
	var n int
	if err := s.WriteDB().QueryRowContext(ctx, "SELECT count(*) FROM flux_schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != migrationFiles(t) {
		t.Errorf("flux_schema_migrations has %d rows, want %d", n, migrationFiles(t))
	}
}

func TestOpenFileNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for _, name := range []string{"with space.db", "q?mark.db", "hash#and%percent.db", "ünï©ødé.db"} {
		path := filepath.Join(dir, name)
		s, err := sqlite.Open(ctx, path, nil)
		if err != nil {
			t.Errorf("Open(%q): %v", name, err)
			continue
		}
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("Open(%q) did not create that file: %v", name, err)
		}
	}
	for _, bad := range []string{"", ":memory:", "file:x.db"} {
		if s, err := sqlite.Open(ctx, bad, nil); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", bad)
		}
	}
}

func TestPragmas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "flux.db"), &sqlite.Options{BusyTimeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := s.WriteDB()
	if got := db.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool MaxOpenConnections = %d, want 1", got)
	}
	for _, tc := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "1"}, // NORMAL
		{"busy_timeout", "1500"},
		{"query_only", "0"},
	} {
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
		}
	}
}

// TestAtomicPanic checks the documented behaviour: a panic inside Atomic
// rolls the transaction back and continues, and the store stays usable.
func TestAtomicPanic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, nil)
	u := flux.NewUser(flux.NewID(), "", "")
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic to continue", p)
			}
		}()
		_ = s.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			if err := tx.Users().CreateUser(ctx, u); err != nil {
				t.Error(err)
			}
			panic("boom")
		})
	}()
	if _, err := s.Users().GetUser(ctx, u.ID); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("GetUser after the panic: %v, want not_found", err)
	}
	// The writer connection was released.
	done := make(chan error, 1)
	go func() { done <- s.Users().CreateUser(ctx, u) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("CreateUser after a panic in Atomic did not return: the writer is stuck")
	}
}

// TestAtomicError checks that an error from fn comes back as is and that
// nothing fn wrote remains.
func TestAtomicError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, nil)
	u := flux.NewUser(flux.NewID(), "", "")
	errBoom := errors.New("boom")
	err := s.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := tx.Users().CreateUser(ctx, u); err != nil {
			return err
		}
		g := &flux.Goal{UserID: u.ID, Title: "g", Status: flux.GoalActive}
		if err := tx.Goals().CreateGoal(ctx, g); err != nil {
			return err
		}
		// The transaction sees its own writes.
		if _, err := tx.Goals().GetGoal(ctx, u.ID, g.ID); err != nil {
			return err
		}
		return errBoom
	})
	if err != errBoom {
		t.Fatalf("Atomic returned %v, want errBoom itself", err)
	}
	if _, err := s.Users().GetUser(ctx, u.ID); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("GetUser after rollback: %v, want not_found", err)
	}
}

// TestReadersDuringWrite checks that reads outside a transaction do not
// wait for a write transaction in progress (WAL and the read pool).
func TestReadersDuringWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, nil)
	u := flux.NewUser(flux.NewID(), "", "reader")
	if err := s.Users().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	err := s.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		if _, err := tx.Users().UpdateUser(ctx, u.ID, func(u *flux.User) error { u.Name = "changed"; return nil }); err != nil {
			return err
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		got, err := s.Users().GetUser(rctx, u.ID)
		if err != nil {
			return err
		}
		if got.Name != "reader" {
			t.Errorf("a read outside the transaction saw %q before commit", got.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSecretAcrossStores checks that first calls of Secret from two stores
// on one file (as from two processes) agree.
func TestSecretAcrossStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flux.db")
	var stores [2]*sqlite.Store
	for i := range stores {
		s, err := sqlite.Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	var (
		wg  sync.WaitGroup
		got [8][]byte
	)
	for i := range got {
		wg.Go(func() {
			v, err := stores[i%2].Secret(ctx, "signing-key", func() ([]byte, error) { return []byte{byte(i)}, nil })
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	for i := range got {
		if !cmp.Equal(got[i], got[0]) {
			t.Fatalf("Secret results differ: %v", got)
		}
	}
}
