package sqlite_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// BenchmarkRequestQueries measures the short statements one API request
// makes: a user read, a task read and an event insert, each a statement
// that is the same text every time (the prepared-statement cache's case).
func BenchmarkRequestQueries(b *testing.B) {
	ctx := b.Context()
	s := open(b, nil)
	u := flux.NewUser(flux.NewID(), "bench@example.com", "Bench")
	if err := s.Users().CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	t := &flux.Task{UserID: u.ID, Title: "Read", DurationMinutes: 30, Priority: flux.PriorityStandard, Status: flux.TaskPending, TriggerType: flux.TriggerTime}
	if err := s.Tasks().CreateTask(ctx, t); err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b.Run("GetUser", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Users().GetUser(ctx, u.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetTask", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Tasks().GetTask(ctx, u.ID, t.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CreateEvent", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			e := &flux.CalendarEvent{UserID: u.ID, Title: "Meeting", Start: start.Add(time.Duration(i) * time.Hour), End: start.Add(time.Duration(i)*time.Hour + 30*time.Minute)}
			if err := s.Calendar().CreateEvent(ctx, e); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// TestStatementCacheUnderConcurrentWrites: writers that queue for the one
// writer connection while statements are first prepared all finish (the
// first version deadlocked: a preparation held the cache's lock while
// waiting for the connection a transaction held, and the transaction
// waited for the lock).
func TestStatementCacheUnderConcurrentWrites(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := open(t, nil)
	u := flux.NewUser(flux.NewID(), "w@example.com", "W")
	if err := s.Users().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				at := start.Add(time.Duration(g*100+i) * time.Hour)
				e := &flux.CalendarEvent{UserID: u.ID, Title: "E", Start: at, End: at.Add(time.Hour)}
				err := s.Calendar().CreateEvent(ctx, e)
				if err == nil {
					err = s.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
						_, err := tx.Calendar().GetEvent(ctx, u.ID, e.ID)
						return err
					})
				}
				if err == nil {
					_, err = s.Users().GetUser(ctx, u.ID)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
