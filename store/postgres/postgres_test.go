package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/fluxlife/flux/store/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
)

// open is the storetest.Opener of the package: a store in a fresh schema,
// dropped when the test ends.
func open(tb testing.TB, clock flux.Clock) flux.Store {
	return pgtest.Open(tb, &postgres.Options{Clock: clock})
}

// TestConformance runs the store conformance suite.
func TestConformance(t *testing.T) { storetest.Run(t, open) }

// BenchmarkListTasksWindow lists one week of a user with ~2000 tasks.
func BenchmarkListTasksWindow(b *testing.B) { storetest.BenchmarkListTasksWindow(b, open) }

// BenchmarkCreateGoalPlan saves a goal with 12 milestones and 60 tasks.
func BenchmarkCreateGoalPlan(b *testing.B) { storetest.BenchmarkCreateGoalPlan(b, open) }

// TestConcurrentMigrate opens two stores on one fresh schema at once: both
// migrations succeed, every migration is recorded once, and both stores
// work.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	schema := pgtest.Schema()
	t.Cleanup(func() { pgtest.DropSchema(t, url, schema) })

	ctx := t.Context()
	const n = 2
	var (
		wg     sync.WaitGroup
		stores [n]*postgres.Store
		errs   [n]error
		start  = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = postgres.Open(ctx, url, &postgres.Options{Schema: schema, MaxConns: 2})
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	// Once more, concurrently, on the open stores: nothing left to do.
	for i := range n {
		wg.Go(func() { errs[i] = stores[i].Migrate(ctx) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Migrate %d again: %v", i, errs[i])
		}
	}

	var versions, distinct int
	if err := stores[0].Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM flux_schema_migrations`).Scan(&versions, &distinct); err != nil {
		t.Fatal(err)
	}
	if versions == 0 || versions != distinct {
		t.Errorf("flux_schema_migrations: %d rows, %d versions; want each version once", versions, distinct)
	}
	var riverTables int
	if err := stores[0].Pool().QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = $1 AND table_name IN ('river_job', 'river_migration')`, schema).Scan(&riverTables); err != nil {
		t.Fatal(err)
	}
	if riverTables != 2 {
		t.Errorf("River's tables in %s: %d of 2", schema, riverTables)
	}

	// Each store sees what the other wrote.
	u := flux.NewUser(flux.NewID(), "migrate@example.com", "M")
	if err := stores[0].Users().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[1].Users().GetUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
}

// TestDefaultSchema opens a store without Options.Schema, in a fresh
// database: Flux's and River's tables go to the default schema (public),
// and Migrate again is a no-op.
func TestDefaultSchema(t *testing.T) {
	t.Parallel()
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Skip("the test server's address is not a postgres:// URL")
	}
	ctx := t.Context()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	dbName := pgtest.Schema() // a fresh name
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+dbName); err != nil {
		t.Skipf("cannot create a database on the test server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS `+dbName+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	u.Path = "/" + dbName
	st, err := postgres.Open(ctx, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Schema() != "" {
		t.Errorf("Schema() = %q, want \"\"", st.Schema())
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	var tables []string
	rows, err := st.Pool().Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_name IN ('users', 'flux_schema_migrations', 'river_job') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"flux_schema_migrations", "river_job", "users"}, tables); d != "" {
		t.Errorf("tables in public (-want +got):\n%s", d)
	}
	if err := st.Users().CreateUser(ctx, flux.NewUser(flux.NewID(), "", "")); err != nil {
		t.Fatal(err)
	}
}

// TestOpenOptions checks the errors of bad options: no connection is tried.
func TestOpenOptions(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, url string
		opts      *postgres.Options
		field     string
	}{
		{"bad schema", "postgres://localhost/x", &postgres.Options{Schema: `a"; DROP TABLE users; --`}, "schema"},
		{"schema too long", "postgres://localhost/x", &postgres.Options{Schema: "s" + string(make([]byte, 63))}, "schema"},
		{"negative max conns", "postgres://localhost/x", &postgres.Options{MaxConns: -1}, "max_conns"},
		{"bad url", "postgres://user:secret@[::1/x", nil, "url"},
	} {
		_, err := postgres.Open(t.Context(), c.url, c.opts)
		var fe *flux.Error
		if !errors.As(err, &fe) || fe.Code != flux.EInvalid || len(fe.Fields) != 1 || fe.Fields[0].Field != c.field {
			t.Errorf("%s: error = %v, want EInvalid naming %s", c.name, err, c.field)
			continue
		}
		if c.name == "bad url" && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the password: %v", c.name, err)
		}
	}
}

// TestSmoke exercises one of each kind of method against a real server.
func TestSmoke(t *testing.T) {
	t.Parallel()
	st := pgtest.Open(t, nil)
	ctx := t.Context()

	u := flux.NewUser(flux.NewID(), "Smoke@Example.com", "Smoke")
	if err := st.Users().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := st.Users().GetUserByEmail(ctx, "smoke@example.COM")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(u, got); d != "" {
		t.Errorf("GetUserByEmail (-want +got):\n%s", d)
	}

	plan := &flux.GoalPlan{Goal: flux.Goal{UserID: u.ID, Title: "G", Status: flux.GoalActive, PlanVersion: 1,
		Sources: []flux.Source{{Title: "a", Source: "b"}}}}
	for i := range 3 {
		plan.Milestones = append(plan.Milestones, flux.Milestone{ID: flux.NewID(), Week: i + 1, Title: "W", Status: flux.MilestonePending})
	}
	base := time.Date(2026, 4, 1, 7, 0, 0, 0, time.UTC)
	for i := range 10 {
		at := base.Add(time.Duration(i) * time.Hour)
		tk := flux.Task{Title: fmt.Sprint("T", i), Status: flux.TaskScheduled, Priority: flux.PriorityStandard,
			DurationMinutes: 30, TriggerType: flux.TriggerTime, ScheduledAt: &at, MilestoneID: plan.Milestones[i%3].ID}
		if i%4 == 0 {
			tk.Status, tk.ScheduledAt = flux.TaskPending, nil
		}
		plan.Tasks = append(plan.Tasks, tk)
	}
	if err := st.Goals().CreateGoalPlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	var all []flux.Task
	cursor := ""
	for {
		page, next, err := st.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{}, flux.Page{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) != 10 {
		t.Fatalf("ListTasks walked %d tasks, want 10", len(all))
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.ScheduledAt == nil && b.ScheduledAt != nil {
			t.Errorf("unscheduled task before a scheduled one at %d", i)
		}
	}

	// Another user cannot attach a task to the goal.
	other := flux.NewUser(flux.NewID(), "", "Other")
	if err := st.Users().CreateUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	bad := flux.Task{UserID: other.ID, GoalID: plan.Goal.ID, Title: "x", Status: flux.TaskPending,
		Priority: flux.PriorityStandard, DurationMinutes: 5, TriggerType: flux.TriggerTime}
	if err := st.Tasks().CreateTask(ctx, &bad); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("CreateTask on another user's goal: %v, want ENotFound", err)
	}

	// Replace the plan: done tasks stay.
	_, err = st.Tasks().UpdateTask(ctx, u.ID, plan.Tasks[1].ID, func(tk *flux.Task) error {
		tk.Status = flux.TaskDone
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	np := &flux.GoalPlan{Goal: plan.Goal}
	np.Goal.PlanVersion = 2
	np.Milestones = []flux.Milestone{{Week: 1, Title: "new", Status: flux.MilestonePending}}
	if err := st.Goals().ReplacePlan(ctx, np); err != nil {
		t.Fatal(err)
	}
	ms, err := st.Goals().ListMilestones(ctx, u.ID, plan.Goal.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Errorf("milestones after ReplacePlan: %d, want 2 (the done task's and the new one)", len(ms))
	}

	// Conversations and JSON kept verbatim.
	c := flux.Conversation{UserID: u.ID, Kind: flux.ConversationChat, Data: json.RawMessage(`{"b": 1,  "a":"🙂"}`)}
	if err := st.Conversations().CreateConversation(ctx, &c); err != nil {
		t.Fatal(err)
	}
	m := flux.Message{UserID: u.ID, ConversationID: c.ID, Role: flux.RoleUser, Content: "héllo"}
	if err := st.Conversations().AddMessage(ctx, &m); err != nil {
		t.Fatal(err)
	}
	gc, err := st.Conversations().GetConversation(ctx, u.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(gc.Data) != string(c.Data) || gc.MessageCount != 1 || gc.LastMessageAt == nil {
		t.Errorf("conversation after AddMessage: %+v", gc)
	}

	// Atomic rolls back.
	errBoom := errors.New("boom")
	err = st.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := tx.Users().CreateUser(ctx, flux.NewUser(flux.NewID(), "", "")); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Errorf("Atomic: %v", err)
	}

	// Secrets agree.
	var wg sync.WaitGroup
	vals := make([][]byte, 8)
	for i := range vals {
		wg.Go(func() {
			vals[i], _ = st.Secrets().Secret(ctx, "k", func() ([]byte, error) { return []byte(fmt.Sprint(i)), nil })
		})
	}
	wg.Wait()
	for i := range vals {
		if string(vals[i]) != string(vals[0]) || len(vals[i]) == 0 {
			t.Errorf("Secret %d = %q, first = %q", i, vals[i], vals[0])
		}
	}

	x, err := st.Users().ExportUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Goals) != 1 || len(x.Messages) != 1 || len(x.Conversations) != 1 {
		t.Errorf("export: %d goals, %d messages, %d conversations", len(x.Goals), len(x.Messages), len(x.Conversations))
	}
	if err := st.Users().DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
}
