package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
)

// TestTaskRowsMatchScan lists varied tasks through the task decoder and
// through pgx's Scan: the same tasks, times in the same location, under
// the prepared and the simple protocol; a value pgx refuses is refused
// by both.
func TestTaskRowsMatchScan(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t, &postgres.Options{})
	u := flux.NewUser(flux.NewID(), "rows@example.com", "Rows")
	if err := s.Users().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 8, 30, 15, 123456000, time.UTC)
	plan := &flux.GoalPlan{
		Goal:       flux.Goal{UserID: u.ID, Title: "Run 5k", Category: "health", Status: flux.GoalActive, TargetWeeks: 6},
		Milestones: []flux.Milestone{{ID: flux.NewID(), Week: 1, Title: "Week 1", Status: flux.MilestonePending}},
	}
	texts := []string{"", "Morning run", "héllo ✓ 🏃 \"quoted\" <b>", "tab\tnew\nline", "same"}
	for i, text := range texts {
		sched := at.Add(time.Duration(i) * time.Hour)
		task := flux.Task{
			Title: fmt.Sprintf("Task %d %s", i, text), Description: text, Status: flux.TaskScheduled,
			Priority: flux.PriorityImportant, DurationMinutes: 15 + i, TriggerType: flux.TriggerTime,
			PreferredTime: text, LocationTrigger: text, AllowWorkHours: i%2 == 0, ScheduledAt: &sched,
		}
		if i%2 == 1 {
			task.MilestoneID = plan.Milestones[0].ID
			task.Deadline, task.EarliestStart = &sched, &sched
			task.RecurrenceRule, task.SeriesID, task.Occurrence = "FREQ=DAILY", flux.NewID(), i
		}
		plan.Tasks = append(plan.Tasks, task)
	}
	if err := s.Goals().CreateGoalPlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	alone := &flux.Task{UserID: u.ID, Title: "No goal", Status: flux.TaskPending, Priority: flux.PriorityStandard,
		DurationMinutes: 30, TriggerType: flux.TriggerLocation, LocationTrigger: "home"}
	if err := s.Tasks().CreateTask(ctx, alone); err != nil {
		t.Fatal(err)
	}
	// Times at the edges of what a task may hold.
	if _, err := s.Pool().Exec(ctx, `UPDATE tasks SET completed_at = '0001-01-01 00:00:00+00', deadline = '9999-12-31 23:59:59.999999+00' WHERE id = $1`, alone.ID); err != nil {
		t.Fatal(err)
	}
	sql := `SELECT ` + postgres.TaskCols + ` FROM tasks WHERE user_id = $1 ORDER BY id`
	compare := func(t *testing.T, a ...any) {
		t.Helper()
		want, err := postgres.CollectTasksScan(ctx, s, sql, a...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := postgres.CollectTasks(ctx, s, sql, a...)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) != len(texts)+1 {
			t.Fatalf("%d tasks, want %d", len(want), len(texts)+1)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("decoder differs from Scan (-scan +decoder):\n%s", d)
		}
		for i := range want {
			if w, g := want[i].CreatedAt.Location(), got[i].CreatedAt.Location(); w != g {
				t.Fatalf("task %d: created_at in %v, Scan gives %v", i, g, w)
			}
			if w, g := want[i].ScheduledAt, got[i].ScheduledAt; w != nil && w.Location() != g.Location() {
				t.Fatalf("task %d: scheduled_at in %v, Scan gives %v", i, g.Location(), w.Location())
			}
		}
	}
	decoded := func(t *testing.T, want bool, a ...any) {
		t.Helper()
		if got, err := postgres.TaskRowsDecoded(ctx, s, sql, a...); err != nil || got != want {
			t.Fatalf("rows decoded by the decoder: %v (%v), want %v", got, err, want)
		}
	}
	t.Run("prepared", func(t *testing.T) {
		decoded(t, true, u.ID)
		compare(t, u.ID)
	})
	t.Run("simple protocol", func(t *testing.T) {
		decoded(t, false, pgx.QueryExecModeSimpleProtocol, u.ID) // text values: Scan reads them
		compare(t, pgx.QueryExecModeSimpleProtocol, u.ID)
	})
	t.Run("through ListTasks", func(t *testing.T) {
		ts, _, err := s.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{}, flux.Page{})
		if err != nil || len(ts) != len(texts)+1 {
			t.Fatalf("ListTasks: %d tasks, %v", len(ts), err)
		}
	})
	t.Run("infinity", func(t *testing.T) {
		if _, err := s.Pool().Exec(ctx, `UPDATE tasks SET deadline = 'infinity' WHERE id = $1`, alone.ID); err != nil {
			t.Fatal(err)
		}
		_, errScan := postgres.CollectTasksScan(ctx, s, sql, u.ID)
		_, errDec := postgres.CollectTasks(ctx, s, sql, u.ID)
		if errScan == nil || errDec == nil || errScan.Error() != errDec.Error() {
			t.Fatalf("an infinite deadline: Scan %v, decoder %v", errScan, errDec)
		}
	})
}
