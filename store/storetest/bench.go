package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// BenchmarkListTasksWindow measures ListTasks of one week of a user who has
// 2000 tasks spread over a year, in a store that also holds 2000 tasks of
// four other users. Each iteration lists one of the 52 weeks (about 38
// tasks) in one page.
func BenchmarkListTasksWindow(b *testing.B, open Opener) {
	ctx := b.Context()
	s := open(b, nil)
	start := time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC) // a Monday
	year := 365 * 24 * time.Hour
	var userID string
	for i := range 5 {
		u := newUser()
		if err := s.Users().CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		n := 2000
		if i > 0 {
			n = 500
		} else {
			userID = u.ID
		}
		var batch []flux.Task
		for j := range n {
			x := newTask(u.ID, fmt.Sprint("Task ", j))
			if j%10 != 9 { // one in ten is unscheduled
				x.Status, x.ScheduledAt = flux.TaskScheduled, ptr(start.Add(time.Duration(j)*(year/time.Duration(n))))
			}
			batch = append(batch, x)
			if len(batch) == 250 {
				if err := s.Tasks().CreateTasks(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = nil
			}
		}
		if err := s.Tasks().CreateTasks(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	week := 7 * 24 * time.Hour
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		from := start.Add(time.Duration(i%52) * week)
		to := from.Add(week)
		tasks, _, err := s.Tasks().ListTasks(ctx, userID, flux.TaskFilter{From: &from, To: &to}, flux.Page{Limit: flux.MaxPageLimit})
		if err != nil {
			b.Fatal(err)
		}
		if len(tasks) < 30 {
			b.Fatalf("week %d: %d tasks, want about 35", i%52, len(tasks))
		}
		i++
	}
}

// BenchmarkCreateGoalPlan measures CreateGoalPlan of a goal with 12
// milestones and 60 scheduled tasks, all in one transaction.
func BenchmarkCreateGoalPlan(b *testing.B, open Opener) {
	ctx := b.Context()
	s := open(b, nil)
	u := newUser()
	if err := s.Users().CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p := newPlan(u.ID, 12, 60, time.Date(2026, time.April, 1, 7, 0, 0, 0, time.UTC))
		if err := s.Goals().CreateGoalPlan(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}
