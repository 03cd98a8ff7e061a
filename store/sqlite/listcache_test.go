package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/sqlite"
)

// listTitles lists the user's tasks on the day of at and returns their
// titles by id.
func listTitles(t *testing.T, s flux.TaskStore, userID string, at time.Time) map[string]string {
	t.Helper()
	from, to := at.Truncate(24*time.Hour), at.Truncate(24*time.Hour).Add(24*time.Hour)
	ts, _, err := s.ListTasks(context.Background(), userID, flux.TaskFilter{From: &from, To: &to}, flux.Page{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, x := range ts {
		out[x.ID] = x.Title
	}
	return out
}

// createUser stores a new user through s.
func createUser(t *testing.T, s flux.Store, email string) *flux.User {
	t.Helper()
	u := flux.NewUser(flux.NewID(), email, "")
	if err := s.Users().CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func newTask(userID, title string, at time.Time) *flux.Task {
	return &flux.Task{UserID: userID, Title: title, Status: flux.TaskScheduled, Priority: flux.PriorityStandard,
		DurationMinutes: 30, ScheduledAt: &at, TriggerType: flux.TriggerTime}
}

// TestListCacheSeesEveryWrite: a cached task list is never older than a
// write that has returned, made through this Store, through Atomic, or
// through another Store of the process on the same file; and what a caller
// does to a returned list does not reach the next caller.
func TestListCacheSeesEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flux.db")
	a, b := openAt(t, path, nil), openAt(t, path, nil)
	u := createUser(t, a, "cache@example.com")
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	t1 := newTask(u.ID, "one", at)
	if err := a.Tasks().CreateTask(ctx, t1); err != nil {
		t.Fatal(err)
	}
	if got := listTitles(t, a.Tasks(), u.ID, at); got[t1.ID] != "one" || len(got) != 1 {
		t.Fatalf("after create: %v", got)
	}
	listTitles(t, a.Tasks(), u.ID, at) // now from the cache

	// A write through another Store on the same file.
	if _, err := b.Tasks().UpdateTask(ctx, u.ID, t1.ID, func(x *flux.Task) error { x.Title = "renamed"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := listTitles(t, a.Tasks(), u.ID, at); got[t1.ID] != "renamed" {
		t.Fatalf("after an update through another Store: %v", got)
	}

	// A write inside Atomic.
	t2 := newTask(u.ID, "two", at.Add(time.Hour))
	if err := a.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := tx.Tasks().CreateTask(ctx, t2); err != nil {
			return err
		}
		// Inside the transaction the list is read, not cached.
		if got := listTitles(t, tx.Tasks(), u.ID, at); len(got) != 2 {
			t.Errorf("inside Atomic: %v", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := listTitles(t, a.Tasks(), u.ID, at); got[t2.ID] != "two" || len(got) != 2 {
		t.Fatalf("after Atomic: %v", got)
	}

	// Changing a returned list, and the times it points to, changes no
	// later result.
	from, to := at.Truncate(24*time.Hour), at.Truncate(24*time.Hour).Add(24*time.Hour)
	ts, _, err := a.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{From: &from, To: &to}, flux.Page{})
	if err != nil {
		t.Fatal(err)
	}
	ts[0].Title = "scribbled"
	*ts[0].ScheduledAt = at.Add(100 * time.Hour)
	again, _, err := a.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{From: &from, To: &to}, flux.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Title == "scribbled" || !again[0].ScheduledAt.Equal(at) {
		t.Fatalf("a caller's change reached the cache: %+v", again[0])
	}

	// Deleting the user empties the list.
	if err := b.Users().DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if got := listTitles(t, a.Tasks(), u.ID, at); len(got) != 0 {
		t.Fatalf("after deleting the user: %v", got)
	}
}

// TestListCacheReadYourWrites: goroutines each rename their own task over
// and over and list it straight after each rename, while the others write:
// every list shows the name just written.
func TestListCacheReadYourWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "flux.db"), nil)
	u := createUser(t, s, "ryw@example.com")
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	const workers, rounds = 4, 40
	ids := make([]string, workers)
	for i := range ids {
		x := newTask(u.ID, "start", at.Add(time.Duration(i)*time.Hour))
		if err := s.Tasks().CreateTask(ctx, x); err != nil {
			t.Fatal(err)
		}
		ids[i] = x.ID
	}
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for r := range rounds {
				name := fmt.Sprintf("w%d-r%d", i, r)
				if _, err := s.Tasks().UpdateTask(ctx, u.ID, ids[i], func(x *flux.Task) error { x.Title = name; return nil }); err != nil {
					t.Error(err)
					return
				}
				for range 3 {
					if got := listTitles(t, s.Tasks(), u.ID, at)[ids[i]]; got != name {
						t.Errorf("worker %d listed %q right after writing %q", i, got, name)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestNoListCache: with the cache off, a write made straight through
// WriteDB is seen at once.
func TestNoListCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "flux.db"), &sqlite.Options{NoListCache: true})
	u := createUser(t, s, "nocache@example.com")
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	x := newTask(u.ID, "one", at)
	if err := s.Tasks().CreateTask(ctx, x); err != nil {
		t.Fatal(err)
	}
	listTitles(t, s.Tasks(), u.ID, at)
	if _, err := s.WriteDB().ExecContext(ctx, "UPDATE tasks SET title = 'raw' WHERE id = ?", x.ID); err != nil {
		t.Fatal(err)
	}
	if got := listTitles(t, s.Tasks(), u.ID, at)[x.ID]; got != "raw" {
		t.Fatalf("listed %q after a raw update", got)
	}
}
