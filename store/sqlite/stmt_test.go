package sqlite_test

import (
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
