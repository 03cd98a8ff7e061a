package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/httpapi/auth"
)

// schedNow is the task and scheduler tests' server time: Monday 13 April
// 2026, 08:00 in Berlin.
var schedNow = time.Date(2026, 4, 13, 6, 0, 0, 0, time.UTC)

// schedEnv is a test environment whose server reads a fake clock.
type schedEnv struct {
	*testEnv
	clock *fluxtest.Clock
}

// newSchedEnv returns a server on a fresh store of kind with a fake clock
// at schedNow; demoUserID configures the demo user ("" for none).
func newSchedEnv(t *testing.T, kind storeKind, demoUserID string) *schedEnv {
	t.Helper()
	e := newEnv(t, kind, auth.Config{})
	c := fluxtest.NewClock(schedNow)
	e.srv = New(Config{Store: e.store, Auth: e.auth, Clock: c, DemoUserID: demoUserID,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return &schedEnv{testEnv: e, clock: c}
}

// berlin sets the user's time zone to Europe/Berlin and work hours to
// 09:00–17:00 Monday to Friday, through the API.
func (e *schedEnv) berlin(token string) {
	e.t.Helper()
	r := e.do("PATCH", "/api/v1/account/me", token, map[string]any{"timezone": "Europe/Berlin",
		"work_hours": map[string]any{"start": "09:00", "end": "17:00", "days": []string{"Mon", "Tue", "Wed", "Thu", "Fri"}}})
	if r.Code != 200 {
		e.t.Fatalf("PATCH account = %d %s", r.Code, r.Body)
	}
}

// at parses "2006-01-02 15:04" in the zone named.
func at(t *testing.T, zone, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// bt parses "2006-01-02 15:04" in Berlin.
func bt(t *testing.T, s string) time.Time { t.Helper(); return at(t, "Europe/Berlin", s) }

// createTask creates a task through the API and returns its view.
func (e *schedEnv) createTask(token string, body map[string]any) taskView {
	e.t.Helper()
	r := e.do("POST", "/api/v1/tasks", token, body)
	if r.Code != http.StatusCreated {
		e.t.Fatalf("POST /api/v1/tasks %v = %d %s", body, r.Code, r.Body)
	}
	var v taskView
	r.json(e.t, &v)
	return v
}

// wantStatus checks an error response's status, code and named fields.
func wantStatus(t *testing.T, what string, r response, status int, fields ...string) {
	t.Helper()
	var body errorBody
	r.json(t, &body)
	var got []string
	for _, f := range body.Errors {
		got = append(got, f.Field)
	}
	if r.Code != status || body.Detail == "" {
		t.Errorf("%s = %d %s, want %d", what, r.Code, r.Body, status)
		return
	}
	for _, f := range fields {
		if !slices.Contains(got, f) {
			t.Errorf("%s = %d %s: does not name %s", what, r.Code, r.Body, f)
		}
	}
}

func (e *schedEnv) countTasks(userID string) int {
	e.t.Helper()
	ts, _, err := e.store.Tasks().ListTasks(context.Background(), userID, flux.TaskFilter{}, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ts)
}

func TestTasksCRUD(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, "")
		alice, a := e.token("alice@example.com")
		bob, b := e.token("bob@example.com")
		ctx := context.Background()

		min := e.createTask(alice, map[string]any{"title": "  Read a chapter "})
		if min.Title != "Read a chapter" || min.DurationMinutes != 30 || min.Status != flux.TaskPending || min.Priority != flux.PriorityStandard ||
			min.TriggerType != "time" || min.AllowWorkHours || min.ScheduledAt != nil || min.GoalID != nil || !flux.ValidID(min.ID) {
			t.Errorf("minimal task = %+v", min)
		}
		full := e.createTask(alice, map[string]any{"title": "Long run", "description": "Easy pace", "duration_minutes": 90,
			"priority": "must-not-miss", "deadline": "2026-05-01T00:00:00Z", "scheduled_at": "2026-04-18T09:00:00+02:00",
			"recurrence_rule": "FREQ=WEEKLY;BYDAY=SA", "preferred_time": "morning", "allow_work_hours": true})
		if full.Status != flux.TaskScheduled || full.Priority != flux.PriorityMustNotMiss || full.SeriesID == nil || *full.SeriesID != full.ID ||
			!full.ScheduledAt.Equal(bt(t, "2026-04-18 09:00")) || full.RecurrenceRule == nil || !full.AllowWorkHours ||
			full.PreferredTime == nil || *full.PreferredTime != "morning" || full.DurationMinutes != 90 {
			t.Errorf("full task = %+v", full)
		}
		place := e.createTask(alice, map[string]any{"title": "Buy milk", "trigger_type": "location", "location_trigger": "supermarket"})
		if place.TriggerType != "location" || place.LocationTrigger == nil || *place.LocationTrigger != "supermarket" {
			t.Errorf("location task = %+v", place)
		}

		// Under goals: a career goal allows work hours by default; another
		// user's goal or milestone is not found.
		career := &flux.Goal{UserID: a.ID, Title: "Get promoted", Category: "career", Status: flux.GoalActive, PlanVersion: 1}
		fitness := &flux.Goal{UserID: a.ID, Title: "Run", Category: "running", Status: flux.GoalActive, PlanVersion: 1}
		theirs := &flux.GoalPlan{Goal: flux.Goal{UserID: b.ID, Title: "Theirs", Status: flux.GoalActive, PlanVersion: 1},
			Milestones: []flux.Milestone{{ID: flux.NewID(), Week: 1, Title: "W1", Status: flux.MilestonePending}}}
		for _, g := range []*flux.Goal{career, fitness} {
			if err := e.store.Goals().CreateGoal(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.store.Goals().CreateGoalPlan(ctx, theirs); err != nil {
			t.Fatal(err)
		}
		if v := e.createTask(alice, map[string]any{"title": "Update CV", "goal_id": career.ID}); !v.AllowWorkHours || *v.GoalID != career.ID {
			t.Errorf("a career goal's task = %+v", v)
		}
		if v := e.createTask(alice, map[string]any{"title": "Intervals", "goal_id": fitness.ID}); v.AllowWorkHours {
			t.Errorf("a running goal's task allows work hours")
		}
		before := e.countTasks(a.ID)
		wantStatus(t, "a task under another user's goal", e.do("POST", "/api/v1/tasks", alice, map[string]any{"title": "x", "goal_id": theirs.Goal.ID}), 404)
		wantStatus(t, "a task under another user's milestone", e.do("POST", "/api/v1/tasks", alice,
			map[string]any{"title": "x", "goal_id": fitness.ID, "milestone_id": theirs.Milestones[0].ID}), 404)

		// Bad input: 400 naming every field, nothing stored.
		for _, tc := range []struct {
			body   any
			fields []string
		}{
			{map[string]any{"title": "x", "recurrence_rule": "FREQ=SOMETIMES"}, []string{"recurrence_rule"}},
			{map[string]any{"title": "x", "recurrence_rule": "FREQ=HOURLY"}, []string{"recurrence_rule"}},
			{map[string]any{"title": "x", "priority": "urgent", "scheduled_at": "tomorrow", "deadline": "2026-13-01"}, []string{"priority", "scheduled_at", "deadline"}},
			{map[string]any{"title": " ", "duration_minutes": 0, "preferred_time": "soon"}, []string{"title", "duration_minutes", "preferred_time"}},
			{map[string]any{"title": "x", "trigger_type": "location"}, []string{"location_trigger"}},
			{map[string]any{"title": "x", "trigger_type": "mood"}, []string{"trigger_type"}},
			{map[string]any{"title": "x", "scheduled_at": "0001-01-01T00:00:00Z"}, []string{"scheduled_at"}},
			{map[string]any{"title": "x", "milestone_id": theirs.Milestones[0].ID}, []string{"milestone_id"}},
			{map[string]any{"title": "x", "colour": "red"}, []string{"colour"}},
			{map[string]any{"title": 5}, []string{"title"}},
		} {
			wantStatus(t, fmt.Sprintf("POST %v", tc.body), e.do("POST", "/api/v1/tasks", alice, tc.body), 400, tc.fields...)
		}
		if n := e.countTasks(a.ID); n != before {
			t.Errorf("refused creations stored tasks: %d, want %d", n, before)
		}

		// Get: the owner only; another user's, unknown and malformed ids 404.
		r := e.do("GET", "/api/v1/tasks/"+full.ID, alice, nil)
		var got taskView
		r.json(t, &got)
		if r.Code != 200 || got.ID != full.ID || got.Title != "Long run" {
			t.Errorf("GET = %d %s", r.Code, r.Body)
		}
		for _, path := range []string{"/api/v1/tasks/" + full.ID, "/api/v1/tasks/" + flux.NewID(), "/api/v1/tasks/not-an-id"} {
			r := e.do("GET", path, bob, nil)
			var body errorBody
			r.json(t, &body)
			if r.Code != 404 || body.Detail != "Task not found" {
				t.Errorf("bob GET %s = %d %s", path, r.Code, r.Body)
			}
		}

		// Patch: any subset; the slot decides the status; null clears.
		r = e.do("PATCH", "/api/v1/tasks/"+min.ID, alice, map[string]any{"scheduled_at": "2026-04-13T19:00:00+02:00", "priority": "important", "duration_minutes": 45})
		r.json(t, &got)
		if r.Code != 200 || got.Status != flux.TaskScheduled || got.Priority != flux.PriorityImportant || got.DurationMinutes != 45 || got.Title != "Read a chapter" {
			t.Errorf("PATCH scheduling = %d %s", r.Code, r.Body)
		}
		r = e.do("PATCH", "/api/v1/tasks/"+min.ID, alice, map[string]any{"scheduled_at": nil, "recurrence_rule": "FREQ=DAILY", "deadline": nil})
		r.json(t, &got)
		if r.Code != 200 || got.Status != flux.TaskPending || got.ScheduledAt != nil || got.SeriesID == nil || *got.SeriesID != min.ID {
			t.Errorf("PATCH unscheduling = %d %s", r.Code, r.Body)
		}
		wantStatus(t, "PATCH a bad rule and time", e.do("PATCH", "/api/v1/tasks/"+min.ID, alice,
			map[string]any{"recurrence_rule": "FREQ=NEVER", "deadline": "soon", "priority": "x"}), 400, "recurrence_rule", "deadline", "priority")
		wantStatus(t, "PATCH a title to blank", e.do("PATCH", "/api/v1/tasks/"+min.ID, alice, map[string]any{"title": ""}), 400, "title")
		wantStatus(t, "PATCH an unknown field", e.do("PATCH", "/api/v1/tasks/"+min.ID, alice, map[string]any{"status": "done"}), 400, "status")
		wantStatus(t, "PATCH to another user's goal", e.do("PATCH", "/api/v1/tasks/"+min.ID, alice, map[string]any{"goal_id": theirs.Goal.ID}), 404)
		wantStatus(t, "bob PATCH", e.do("PATCH", "/api/v1/tasks/"+min.ID, bob, map[string]any{"title": "mine"}), 404)
		if x, _ := e.store.Tasks().GetTask(ctx, a.ID, min.ID); x.Title != "Read a chapter" || x.RecurrenceRule != "FREQ=DAILY" {
			t.Errorf("refused patches changed the task: %+v", x)
		}

		// Delete.
		wantStatus(t, "bob DELETE", e.do("DELETE", "/api/v1/tasks/"+place.ID, bob, nil), 404)
		if r := e.do("DELETE", "/api/v1/tasks/"+place.ID, alice, nil); r.Code != 204 {
			t.Errorf("DELETE = %d %s", r.Code, r.Body)
		}
		wantStatus(t, "DELETE again", e.do("DELETE", "/api/v1/tasks/"+place.ID, alice, nil), 404)
	})
}

func TestTasksList(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, "")
		alice, a := e.token("alice@example.com")
		bob, _ := e.token("bob@example.com")
		g := &flux.Goal{UserID: a.ID, Title: "Run", Status: flux.GoalActive, PlanVersion: 1}
		if err := e.store.Goals().CreateGoal(context.Background(), g); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := range 5 {
			body := map[string]any{"title": fmt.Sprintf("T%d", i), "scheduled_at": schedNow.Add(time.Duration(i) * 24 * time.Hour).Format(time.RFC3339)}
			if i%2 == 0 {
				body["goal_id"] = g.ID
			}
			ids = append(ids, e.createTask(alice, body).ID)
		}
		open := e.createTask(alice, map[string]any{"title": "Unscheduled"})
		e.createTask(bob, map[string]any{"title": "Bob's"})
		if r := e.do("PATCH", "/api/v1/tasks/"+ids[1]+"/complete", alice, nil); r.Code != 200 {
			t.Fatalf("complete = %d %s", r.Code, r.Body)
		}
		list := func(query string) ([]string, string) {
			t.Helper()
			r := e.do("GET", "/api/v1/tasks"+query, alice, nil)
			if r.Code != 200 {
				t.Fatalf("GET /api/v1/tasks%s = %d %s", query, r.Code, r.Body)
			}
			var l taskList
			r.json(t, &l)
			var out []string
			for _, v := range l.Tasks {
				out = append(out, v.ID)
			}
			return out, l.NextCursor
		}
		check := func(query string, want ...string) {
			t.Helper()
			if got, _ := list(query); !slices.Equal(got, want) {
				t.Errorf("GET /api/v1/tasks%s = %v, want %v", query, got, want)
			}
		}
		check("", append(slices.Clone(ids), open.ID)...)
		check("?status=done", ids[1])
		check("?status=scheduled,pending", ids[0], ids[2], ids[3], ids[4], open.ID)
		check("?status=scheduled&status=done", ids[:5]...)
		check("?goal_id="+g.ID, ids[0], ids[2], ids[4])
		check("?goal_id=" + flux.NewID())
		check("?from="+schedNow.Add(24*time.Hour).Format(time.RFC3339)+"&to="+schedNow.Add(72*time.Hour).Format(time.RFC3339), ids[1], ids[2])
		// Paging.
		var all []string
		cursor := ""
		for range 10 {
			page, next := list("?limit=2&cursor=" + cursor)
			if len(page) > 2 {
				t.Fatalf("page of %d", len(page))
			}
			all = append(all, page...)
			if next == "" {
				break
			}
			cursor = next
		}
		if !slices.Equal(all, append(slices.Clone(ids), open.ID)) {
			t.Errorf("paged = %v", all)
		}
		for _, q := range []struct{ query, field string }{
			{"?status=finished", "status"}, {"?from=yesterday", "from"}, {"?to=2026-04-13", "to"},
			{"?limit=0", "limit"}, {"?limit=201", "limit"}, {"?limit=x", "limit"}, {"?goal_id=nope", "goal_id"}, {"?cursor=zzz", "cursor"},
		} {
			wantStatus(t, "GET /api/v1/tasks"+q.query, e.do("GET", "/api/v1/tasks"+q.query, alice, nil), 400, q.field)
		}
	})
}

func TestTasksToday(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, "")
		// 20:00 UTC on Monday 13 April: Tuesday 08:00 in Auckland, Monday
		// 13:00 in Los Angeles.
		e.clock.Set(time.Date(2026, 4, 13, 20, 0, 0, 0, time.UTC))
		for _, tc := range []struct {
			zone     string
			in, out  []string // slot starts in UTC
			statuses string
		}{
			{"Pacific/Auckland",
				[]string{"2026-04-13T12:00:00Z", "2026-04-14T11:29:00Z"},
				[]string{"2026-04-13T11:59:00Z", "2026-04-14T12:00:00Z"}, ""},
			{"America/Los_Angeles",
				[]string{"2026-04-13T07:00:00Z", "2026-04-14T06:59:00Z"},
				[]string{"2026-04-13T06:59:00Z", "2026-04-14T07:00:00Z"}, ""},
		} {
			tok, _ := e.token(strings.ToLower(strings.ReplaceAll(tc.zone, "/", "-")) + "@example.com")
			if r := e.do("PATCH", "/api/v1/account/me", tok, map[string]any{"timezone": tc.zone}); r.Code != 200 {
				t.Fatalf("PATCH = %d %s", r.Code, r.Body)
			}
			var want []string
			for _, s := range tc.in {
				want = append(want, e.createTask(tok, map[string]any{"title": "in " + s, "scheduled_at": s}).ID)
			}
			for _, s := range tc.out {
				e.createTask(tok, map[string]any{"title": "out " + s, "scheduled_at": s})
			}
			done := e.createTask(tok, map[string]any{"title": "done today", "scheduled_at": tc.in[0]})
			e.do("PATCH", "/api/v1/tasks/"+done.ID+"/complete", tok, nil)
			e.createTask(tok, map[string]any{"title": "unscheduled"})

			r := e.do("GET", "/api/v1/tasks/today", tok, nil)
			var got []taskView
			r.json(t, &got)
			var ids []string
			for _, v := range got {
				ids = append(ids, v.ID)
			}
			if r.Code != 200 || !slices.Equal(ids, want) {
				t.Errorf("%s today = %d %s, want %v", tc.zone, r.Code, r.Body, want)
			}
		}
	})
}

func TestTasksCompleteAndMissed(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, "")
		alice, a := e.token("alice@example.com")
		bob, _ := e.token("bob@example.com")
		e.berlin(alice)
		ctx := context.Background()

		// Ten parallel completions of a recurring task advance its series
		// once.
		x := e.createTask(alice, map[string]any{"title": "Stretch", "scheduled_at": "2026-04-13T07:30:00+02:00", "recurrence_rule": "FREQ=DAILY"})
		var wg sync.WaitGroup
		codes := make([]response, 10)
		for i := range codes {
			wg.Go(func() { codes[i] = e.do("PATCH", "/api/v1/tasks/"+x.ID+"/complete", alice, nil) })
		}
		wg.Wait()
		for i, r := range codes {
			var st taskStatus
			r.json(t, &st)
			if r.Code != 200 || st.TaskID != x.ID || st.Status != flux.TaskDone {
				t.Errorf("complete %d = %d %s", i, r.Code, r.Body)
			}
		}
		series, _, err := e.store.Tasks().ListTasks(ctx, a.ID, flux.TaskFilter{SeriesID: x.ID}, flux.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 2 || series[1].Occurrence != 2 || series[1].Status != flux.TaskScheduled ||
			!series[1].ScheduledAt.Equal(bt(t, "2026-04-14 07:30")) {
			t.Fatalf("after 10 parallel completes the series is %+v", series)
		}

		// Missed: the series advances again; idempotent; bob gets 404.
		next := series[1].ID
		for range 2 {
			r := e.do("PATCH", "/api/v1/tasks/"+next+"/missed", alice, nil)
			var st taskStatus
			r.json(t, &st)
			if r.Code != 200 || st.Status != flux.TaskMissed {
				t.Errorf("missed = %d %s", r.Code, r.Body)
			}
		}
		if n := len(mustList(t, e, a.ID, flux.TaskFilter{SeriesID: x.ID})); n != 3 {
			t.Errorf("after a miss the series has %d rows", n)
		}
		wantStatus(t, "missing a done task", e.do("PATCH", "/api/v1/tasks/"+x.ID+"/missed", alice, nil), 409)
		for _, path := range []string{x.ID + "/complete", x.ID + "/missed", flux.NewID() + "/complete", "nope/missed"} {
			wantStatus(t, "bob PATCH "+path, e.do("PATCH", "/api/v1/tasks/"+path, bob, nil), 404)
		}

		// Completing a goal's last open task completes the goal.
		g := &flux.Goal{UserID: a.ID, Title: "Read", Status: flux.GoalActive, PlanVersion: 1}
		if err := e.store.Goals().CreateGoal(ctx, g); err != nil {
			t.Fatal(err)
		}
		t1 := e.createTask(alice, map[string]any{"title": "Chapter 1", "goal_id": g.ID})
		t2 := e.createTask(alice, map[string]any{"title": "Chapter 2", "goal_id": g.ID})
		e.do("PATCH", "/api/v1/tasks/"+t1.ID+"/complete", alice, nil)
		if got, _ := e.store.Goals().GetGoal(ctx, a.ID, g.ID); got.Status != flux.GoalActive {
			t.Errorf("goal with an open task is %s", got.Status)
		}
		e.do("PATCH", "/api/v1/tasks/"+t2.ID+"/complete", alice, nil)
		if got, _ := e.store.Goals().GetGoal(ctx, a.ID, g.ID); got.Status != flux.GoalCompleted || got.CompletedAt == nil || !got.CompletedAt.Equal(schedNow) {
			t.Errorf("goal after its last task = %s %v", got.Status, got.CompletedAt)
		}
	})
}

func mustList(t *testing.T, e *schedEnv, userID string, f flux.TaskFilter) []flux.Task {
	t.Helper()
	ts, _, err := e.store.Tasks().ListTasks(context.Background(), userID, f, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestTasksReschedule(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, "")
		alice, _ := e.token("alice@example.com")
		bob, _ := e.token("bob@example.com")
		e.berlin(alice)
		if r := e.do("POST", "/api/v1/calendar/events", alice, map[string]any{"title": "Dentist", "start": "2026-04-13T18:00:00+02:00", "end": "2026-04-13T19:00:00+02:00"}); r.Code != 201 {
			t.Fatalf("event = %d %s", r.Code, r.Body)
		}
		x := e.createTask(alice, map[string]any{"title": "Write", "scheduled_at": "2026-04-13T07:00:00+02:00"})
		path := "/api/v1/tasks/" + x.ID + "/reschedule"

		wantStatus(t, "into the dentist", e.do("POST", path, alice, map[string]any{"new_start": "2026-04-13T18:30:00+02:00"}), 409)
		wantStatus(t, "into the past", e.do("POST", path, alice, map[string]any{"new_start": "2026-04-13T07:30:00+02:00"}), 409)
		r := e.do("POST", path, alice, map[string]any{"new_start": "2026-04-13T23:30:00+02:00"})
		wantStatus(t, "into the night", r, 400, "new_start")
		if !strings.Contains(string(r.Body), "sleep") {
			t.Errorf("a slot in the night does not name the sleep rule: %s", r.Body)
		}
		wantStatus(t, "a bad time", e.do("POST", path, alice, map[string]any{"new_start": "at six"}), 400, "new_start")
		wantStatus(t, "an unknown field", e.do("POST", path, alice, map[string]any{"when": "later"}), 400, "when")
		wantStatus(t, "bob", e.do("POST", path, bob, map[string]any{"message": "later"}), 404)

		r = e.do("POST", path, alice, map[string]any{"new_start": "2026-04-13T19:30:00+02:00"})
		var res rescheduleResponse
		r.json(t, &res)
		if r.Code != 200 || !res.Task.ScheduledAt.Equal(bt(t, "2026-04-13 19:30")) || res.Reason == "" ||
			res.PreviousStart == nil || !res.PreviousStart.Equal(bt(t, "2026-04-13 07:00")) {
			t.Errorf("reschedule to a time = %d %s", r.Code, r.Body)
		}
		r = e.do("POST", path, alice, map[string]any{"message": "Can we do this tomorrow evening?"})
		r.json(t, &res)
		s := res.Task.ScheduledAt.In(bt(t, "2026-04-13 00:00").Location())
		if r.Code != 200 || s.Day() != 14 || s.Hour() < 17 || s.Hour() >= 21 || res.Task.Status != flux.TaskScheduled || res.Reason == "" {
			t.Errorf("reschedule by message = %d %s", r.Code, r.Body)
		}
	})
}
