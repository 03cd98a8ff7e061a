package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/fluxtest/openaifake"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/planner"
	plannerai "github.com/fluxlife/flux/planner/openai"
	"github.com/google/go-cmp/cmp"
)

// goalsNow is the goal tests' server time: a Monday.
var goalsNow = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// withGoalServer replaces e's server by one on the same store and
// authenticator with the goal tests' clock and planner p (nil: the
// default), as a restarted fluxd would be.
func withGoalServer(e *testEnv, p planner.Planner) {
	e.srv = New(Config{Store: e.store, Auth: e.auth, Clock: fluxtest.NewClock(goalsNow), Planner: p,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ExpensivePerMinute: 60000, ExpensiveBurst: 10000})
}

func newGoalEnv(t *testing.T, kind storeKind) *testEnv {
	t.Helper()
	e := newEnv(t, kind, auth.Config{AdminToken: "admin-secret-token"})
	withGoalServer(e, nil)
	return e
}

// checkGoalPlan checks the shape every planned goal view must have.
func checkGoalPlan(t *testing.T, g goalView, milestones int) {
	t.Helper()
	if len(g.Milestones) != milestones {
		t.Fatalf("%d milestones, want %d", len(g.Milestones), milestones)
	}
	for _, m := range g.Milestones {
		if n := len(m.Tasks); n < planner.MinTasks || n > planner.MaxTasks {
			t.Errorf("milestone %d %q has %d tasks", m.Week, m.Title, n)
		}
		for _, task := range m.Tasks {
			// The scheduler places the tasks of a saved plan.
			placed := task.Status == flux.TaskScheduled && task.ScheduledAt != nil || task.Status == flux.TaskPending && task.ScheduledAt == nil
			if task.Title == "" || !placed || task.DurationMinutes < 5 || task.DurationMinutes > 240 ||
				!task.Priority.Valid() || task.TriggerType != "time" || task.GoalID == nil || *task.GoalID != g.ID ||
				task.MilestoneID == nil || *task.MilestoneID != m.ID || task.AllowWorkHours != (g.Category == planner.DomainCareer) {
				t.Errorf("task %+v", task)
			}
		}
	}
}

// byTime orders task views as the task lists do: by scheduled_at, then
// id, unscheduled ones last.
func byTime(a, b taskView) bool {
	switch {
	case a.ScheduledAt == nil || b.ScheduledAt == nil:
		if (a.ScheduledAt == nil) != (b.ScheduledAt == nil) {
			return b.ScheduledAt == nil
		}
	case !a.ScheduledAt.Equal(*b.ScheduledAt):
		return a.ScheduledAt.Before(*b.ScheduledAt)
	}
	return a.ID < b.ID
}

func errorFields(t *testing.T, r response) []string {
	t.Helper()
	var body errorBody
	r.json(t, &body)
	var fs []string
	for _, f := range body.Errors {
		fs = append(fs, f.Field)
	}
	return fs
}

func TestGoalsCreateAndRead(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newGoalEnv(t, kind)
		alice, _ := e.token("alice@example.com")
		bob, _ := e.token("bob@example.com")

		r := e.do("POST", "/api/v1/goals", alice, map[string]any{"title": "Run a 10k in 10 weeks"})
		if r.Code != 201 {
			t.Fatalf("create = %d %s", r.Code, r.Body)
		}
		var run goalView
		r.json(t, &run)
		if run.Category != "running" || run.Status != flux.GoalActive || run.TargetWeeks != 10 || run.Planner != "offline" ||
			run.PlanVersion != 1 || run.Title != "Run a 10k in 10 weeks" || run.Sources == nil || !flux.ValidID(run.ID) {
			t.Errorf("goal = %+v", run)
		}
		checkGoalPlan(t, run, 10)

		r = e.do("POST", "/api/v1/goals", alice, map[string]any{"title": "Learn conversational Spanish by 2027-03-01"})
		if r.Code != 201 {
			t.Fatalf("create = %d %s", r.Code, r.Body)
		}
		var es goalView
		r.json(t, &es)
		if es.Category != "language" || es.TargetDate == nil || *es.TargetDate != "2027-03-01" || es.TargetWeeks != 17 {
			t.Errorf("Spanish goal = %+v", es)
		}
		checkGoalPlan(t, es, len(es.Milestones))
		for _, m := range es.Milestones {
			for _, task := range m.Tasks {
				if l := strings.ToLower(task.Title); strings.Contains(l, "run") || strings.Contains(l, "gym") || strings.Contains(l, "workout") {
					t.Errorf("fitness task in the language plan: %q", task.Title)
				}
			}
		}

		r = e.do("POST", "/api/v1/goals", alice, map[string]any{"title": "Save for a bike", "plan": false, "target_date": "2027-01-31T23:30:00-05:00", "description": "a red one"})
		if r.Code != 201 {
			t.Fatalf("create without plan = %d %s", r.Code, r.Body)
		}
		var bike goalView
		r.json(t, &bike)
		if bike.Category != "money" || bike.Planner != "" || bike.PlanVersion != 0 || len(bike.Milestones) != 0 ||
			bike.TargetDate == nil || *bike.TargetDate != "2027-01-31" || bike.Description != "a red one" {
			t.Errorf("goal without plan = %+v", bike)
		}

		// List: newest first, without milestones; status filter.
		r = e.do("GET", "/api/v1/goals", alice, nil)
		var list []goalView
		r.json(t, &list)
		if r.Code != 200 || len(list) != 3 || list[0].ID != bike.ID || list[2].ID != run.ID || strings.Contains(string(r.Body), `"milestones"`) {
			t.Fatalf("list = %d %s", r.Code, r.Body)
		}
		for q, n := range map[string]int{"active": 3, "abandoned": 0, "active,completed": 3, "ACTIVE": 3} {
			r = e.do("GET", "/api/v1/goals?status="+q, alice, nil)
			var l []goalView
			r.json(t, &l)
			if r.Code != 200 || len(l) != n {
				t.Errorf("status=%s: %d %s", q, r.Code, r.Body)
			}
		}
		r = e.do("GET", "/api/v1/goals?status=done", alice, nil)
		if r.Code != 400 || !slices.Equal(errorFields(t, r), []string{"status"}) {
			t.Errorf("bad status = %d %s", r.Code, r.Body)
		}
		r = e.do("GET", "/api/v1/goals", bob, nil)
		if r.Code != 200 || strings.TrimSpace(string(r.Body)) != "[]" {
			t.Errorf("bob's list = %d %s", r.Code, r.Body)
		}

		// One, with milestones and tasks: what the 201 said.
		r = e.do("GET", "/api/v1/goals/"+run.ID, alice, nil)
		var got goalView
		r.json(t, &got)
		if diff := cmp.Diff(run, got); r.Code != 200 || diff != "" {
			t.Errorf("GET one = %d, differs from the 201 (-201 +get):\n%s", r.Code, diff)
		}

		// Tasks, a bare array by time (placed by the scheduler; unscheduled
		// ones last, by id).
		r = e.do("GET", "/api/v1/goals/"+run.ID+"/tasks", alice, nil)
		var tasks []taskView
		r.json(t, &tasks)
		want := 0
		for _, m := range run.Milestones {
			want += len(m.Tasks)
		}
		if r.Code != 200 || len(tasks) != want || !sort.SliceIsSorted(tasks, func(i, j int) bool { return byTime(tasks[i], tasks[j]) }) {
			t.Errorf("tasks = %d, %d of %d", r.Code, len(tasks), want)
		}

		// Another user's, an unknown and a malformed id: 404.
		for _, id := range []string{run.ID, flux.NewID(), "not-a-uuid"} {
			for _, c := range []struct{ method, path string }{
				{"GET", "/api/v1/goals/" + id}, {"GET", "/api/v1/goals/" + id + "/tasks"},
				{"POST", "/api/v1/goals/" + id + "/replan"}, {"PATCH", "/api/v1/goals/" + id + "/abandon"},
				{"DELETE", "/api/v1/goals/" + id},
			} {
				r := e.do(c.method, c.path, bob, nil)
				var body errorBody
				r.json(t, &body)
				if r.Code != 404 || body.Detail != "goal not found" {
					t.Errorf("bob %s %s = %d %s", c.method, c.path, r.Code, r.Body)
				}
			}
			r := e.do("PATCH", "/api/v1/goals/"+id+"/modify", bob, map[string]any{"message": "fewer sessions"})
			if r.Code != 404 {
				t.Errorf("bob modify %s = %d %s", id, r.Code, r.Body)
			}
		}
		// Alice's goal is untouched.
		if r := e.do("GET", "/api/v1/goals/"+run.ID, alice, nil); r.Code != 200 {
			t.Errorf("alice's goal after bob = %d", r.Code)
		}
	})
}

func TestGoalsCreateInvalid(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newGoalEnv(t, kind)
		alice, _ := e.token("alice@example.com")
		for _, tc := range []struct {
			body   string
			fields []string
		}{
			{`{}`, []string{"title"}},
			{`{"title": "   "}`, []string{"title"}},
			{`{"title": "` + strings.Repeat("a", 501) + `"}`, []string{"title"}},
			{`{"title": "Read more", "target_date": "01/03/2027"}`, []string{"target_date"}},
			{`{"title": "Read more", "target_date": "2026-11-01"}`, []string{"target_date"}},
			{`{"title": "Read more", "target_date": "2040-01-01"}`, []string{"target_date"}},
			{`{"title": "", "target_date": "soon", "timeline": "` + strings.Repeat("t", 201) + `"}`, []string{"title", "timeline", "target_date"}},
			{`{"title": "Read more", "colour": "red"}`, []string{"colour"}},
			{`{"title": 5}`, []string{"title"}},
			{`{"title": "Read more", "plan": "yes"}`, []string{"plan"}},
		} {
			r := e.do("POST", "/api/v1/goals", alice, tc.body)
			if got := errorFields(t, r); r.Code != 400 || !slices.Equal(got, tc.fields) {
				t.Errorf("%s = %d %s, want 400 naming %v", tc.body, r.Code, r.Body, tc.fields)
			}
		}
		if r := e.do("POST", "/api/v1/goals", alice, `not json`); r.Code != 400 {
			t.Errorf("not json = %d", r.Code)
		}
		r := e.do("GET", "/api/v1/goals", alice, nil)
		if strings.TrimSpace(string(r.Body)) != "[]" {
			t.Errorf("goals stored after bad input: %s", r.Body)
		}
		// Today is not in the past.
		if r := e.do("POST", "/api/v1/goals", alice, `{"title": "Tidy the garage", "target_date": "2026-11-02"}`); r.Code != 201 {
			t.Errorf("target date today = %d %s", r.Code, r.Body)
		}
	})
}

func TestGoalsReplanModifyAbandonDelete(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newGoalEnv(t, kind)
		alice, a := e.token("alice@example.com")
		ctx := context.Background()

		var g goalView
		e.do("POST", "/api/v1/goals", alice, map[string]any{"title": "Run a 10k in 10 weeks"}).json(t, &g)
		done := g.Milestones[0].Tasks[0]
		if _, err := e.store.Tasks().UpdateTask(ctx, a.ID, done.ID, func(t *flux.Task) error {
			t.Status = flux.TaskDone
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		// Replan with feedback, then with no body at all.
		r := e.do("POST", "/api/v1/goals/"+g.ID+"/replan", alice, map[string]any{"feedback": "fewer sessions, evenings instead"})
		var v2 goalView
		r.json(t, &v2)
		if r.Code != 200 || v2.PlanVersion != 2 || v2.ID != g.ID {
			t.Fatalf("replan = %d %s", r.Code, r.Body)
		}
		kept := false
		evening := false
		for _, m := range v2.Milestones {
			for _, task := range m.Tasks {
				if task.ID == done.ID && task.Status == flux.TaskDone {
					kept = true
				}
				if task.PreferredTime != nil && *task.PreferredTime == "evening" {
					evening = true
				}
			}
		}
		if !kept || !evening {
			t.Errorf("replan: done task kept %v, evenings %v", kept, evening)
		}
		r = e.do("POST", "/api/v1/goals/"+g.ID+"/replan", alice, nil)
		var v3 goalView
		r.json(t, &v3)
		if r.Code != 200 || v3.PlanVersion != 3 {
			t.Errorf("replan without body = %d %s", r.Code, r.Body)
		}
		for _, body := range []string{`{"feedback": "` + strings.Repeat("f", 2001) + `"}`, `{"feedback": 1}`, `{"note": "x"}`} {
			r = e.do("POST", "/api/v1/goals/"+g.ID+"/replan", alice, body)
			if r.Code != 400 {
				t.Errorf("replan %.20s = %d %s", body, r.Code, r.Body)
			}
		}

		// Modify: 422 without a message, else the ChatMessageResponse.
		for _, body := range []string{`{}`, `{"message": "  "}`} {
			r = e.do("PATCH", "/api/v1/goals/"+g.ID+"/modify", alice, body)
			if r.Code != 422 || !slices.Equal(errorFields(t, r), []string{"message"}) {
				t.Errorf("modify %s = %d %s", body, r.Code, r.Body)
			}
		}
		r = e.do("PATCH", "/api/v1/goals/"+g.ID+"/modify", alice, map[string]any{"message": "Make it easier please"})
		var mod map[string]any
		r.json(t, &mod)
		plan, _ := mod["proposed_plan"].([]any)
		if r.Code != 200 || mod["conversation_id"] != g.ID || mod["agent_node"] != "MODIFY_GOAL" || mod["requires_user_action"] != false ||
			len(plan) != 10 || len(mod) != 5 {
			t.Fatalf("modify = %d %s", r.Code, r.Body)
		}
		first, _ := plan[0].(map[string]any)
		if tasks, _ := first["tasks"].([]any); first["week"] != float64(1) || first["milestone"] == "" || len(tasks) < 3 {
			t.Errorf("proposed_plan[0] = %v", first)
		}
		var v4 goalView
		e.do("GET", "/api/v1/goals/"+g.ID, alice, nil).json(t, &v4)
		if v4.PlanVersion != 4 {
			t.Errorf("plan version after modify = %d", v4.PlanVersion)
		}

		// Abandon: open tasks cancelled, the done one stays.
		r = e.do("PATCH", "/api/v1/goals/"+g.ID+"/abandon", alice, nil)
		var ab goalView
		r.json(t, &ab)
		if r.Code != 200 || ab.Status != flux.GoalAbandoned {
			t.Fatalf("abandon = %d %s", r.Code, r.Body)
		}
		var tasks []taskView
		e.do("GET", "/api/v1/goals/"+g.ID+"/tasks", alice, nil).json(t, &tasks)
		for _, task := range tasks {
			want := flux.TaskCancelled
			if task.ID == done.ID {
				want = flux.TaskDone
			}
			if task.Status != want {
				t.Errorf("task %q after abandon: %s, want %s", task.Title, task.Status, want)
			}
		}
		if r = e.do("POST", "/api/v1/goals/"+g.ID+"/replan", alice, nil); r.Code != 409 {
			t.Errorf("replan abandoned = %d %s", r.Code, r.Body)
		}
		r = e.do("GET", "/api/v1/goals?status=abandoned", alice, nil)
		var l []goalView
		r.json(t, &l)
		if len(l) != 1 || l[0].ID != g.ID {
			t.Errorf("abandoned list = %s", r.Body)
		}

		// Delete.
		if r = e.do("DELETE", "/api/v1/goals/"+g.ID, alice, nil); r.Code != 204 || len(r.Body) != 0 {
			t.Fatalf("delete = %d %s", r.Code, r.Body)
		}
		if r = e.do("GET", "/api/v1/goals/"+g.ID, alice, nil); r.Code != 404 {
			t.Errorf("GET deleted = %d", r.Code)
		}
		if r = e.do("DELETE", "/api/v1/goals/"+g.ID, alice, nil); r.Code != 404 {
			t.Errorf("delete twice = %d", r.Code)
		}
	})
}

// conversationKeys are the fields of the original GoalConversationResponse
// plus sources.
var conversationKeys = []string{"conversation_id", "goal_id", "message", "plan", "sources", "state", "suggested_action"}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestGoalConversation(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newGoalEnv(t, kind)
		alice, a := e.token("alice@example.com")
		bob, _ := e.token("bob@example.com")
		ctx := context.Background()

		// Missing message: 422 before anything is stored.
		r := e.do("POST", "/goals/start", alice, `{"user_id": "x"}`)
		if r.Code != 422 || !slices.Equal(errorFields(t, r), []string{"message"}) {
			t.Errorf("start without message = %d %s", r.Code, r.Body)
		}
		r = e.do("POST", "/goals/start", alice, map[string]any{"message": strings.Repeat("m", 4001)})
		if r.Code != 422 {
			t.Errorf("start with a long message = %d %s", r.Code, r.Body)
		}
		if cs, _, _ := e.store.Conversations().ListConversations(ctx, a.ID, flux.ConversationFilter{}, flux.Page{}); len(cs) != 0 {
			t.Fatalf("%d conversations stored after bad input", len(cs))
		}

		// The original frontend sends user_id; for a user it is ignored.
		r = e.do("POST", "/goals/start", alice, map[string]any{"user_id": flux.NewID(), "message": "Run a 10k in 10 weeks"})
		var m map[string]any
		r.json(t, &m)
		if r.Code != 200 || !slices.Equal(keysOf(m), conversationKeys) || m["state"] != "GATHERING_CURRENT_STATE" ||
			m["plan"] != nil || m["goal_id"] != nil || m["suggested_action"] != nil || fmt.Sprint(m["sources"]) != "[]" {
			t.Fatalf("start = %d %s", r.Code, r.Body)
		}
		cid, _ := m["conversation_id"].(string)
		if !flux.ValidID(cid) {
			t.Fatalf("conversation_id %q", cid)
		}

		// Another user's, unknown and malformed ids: the original's 404.
		for _, id := range []string{cid, flux.NewID(), "nope"} {
			for _, c := range []struct {
				method, path string
				body         any
			}{{"GET", "/goals/" + id, nil}, {"POST", "/goals/" + id + "/respond", map[string]any{"message": "hi"}}} {
				r := e.do(c.method, c.path, bob, c.body)
				if r.Code != 404 || !strings.Contains(string(r.Body), `"detail":"Conversation not found"`) {
					t.Errorf("bob %s %s = %d %s", c.method, c.path, r.Code, r.Body)
				}
			}
		}
		if r = e.do("POST", "/goals/"+cid+"/respond", alice, `{}`); r.Code != 422 {
			t.Errorf("respond without message = %d %s", r.Code, r.Body)
		}

		step := func(msg, wantState string) map[string]any {
			t.Helper()
			r := e.do("POST", "/goals/"+cid+"/respond", alice, map[string]any{"message": msg})
			var m map[string]any
			r.json(t, &m)
			if r.Code != 200 || m["state"] != wantState || !slices.Equal(keysOf(m), conversationKeys) || m["conversation_id"] != cid {
				t.Fatalf("respond %q = %d %s", msg, r.Code, r.Body)
			}
			return m
		}
		step("I jog 3 km twice a week", "GATHERING_PREFERENCES")

		// fluxd restarts: a new Server on the same store continues.
		withGoalServer(e, nil)
		m = step("weekday mornings", "AWAITING_CONFIRMATION")
		plan, _ := m["plan"].([]any)
		if len(plan) != 10 || m["suggested_action"] != "Looks good!" || m["goal_id"] != nil {
			t.Fatalf("plan turn = %v", m)
		}
		first, _ := plan[0].(map[string]any)
		if tasks, _ := first["tasks"].([]any); first["week"] != float64(1) || first["title"] == "" || len(tasks) < 3 || len(first) != 3 {
			t.Errorf("plan[0] = %v", first)
		}
		if _, ok := tasksOf(first)[0].(string); !ok {
			t.Errorf("plan tasks are not strings: %v", first["tasks"])
		}
		step("Fewer sessions please", "AWAITING_CONFIRMATION")
		m = step("Looks good!", "CONFIRMED")
		goalID, _ := m["goal_id"].(string)
		if !flux.ValidID(goalID) || m["plan"] == nil {
			t.Fatalf("confirmation = %v", m)
		}

		// The goal's tasks are listed.
		r = e.do("GET", "/api/v1/goals/"+goalID+"/tasks", alice, nil)
		var tasks []taskView
		r.json(t, &tasks)
		if r.Code != 200 || len(tasks) < 30 || *tasks[0].GoalID != goalID {
			t.Errorf("tasks of the confirmed goal = %d, %d tasks", r.Code, len(tasks))
		}
		var g goalView
		e.do("GET", "/api/v1/goals/"+goalID, alice, nil).json(t, &g)
		checkGoalPlan(t, g, 10)

		// Confirming again saves nothing more.
		m = step("yes", "CONFIRMED")
		if m["goal_id"] != nil || m["plan"] != nil || !strings.Contains(m["message"].(string), "already been completed") {
			t.Errorf("after confirmation = %v", m)
		}
		var goals []goalView
		e.do("GET", "/api/v1/goals", alice, nil).json(t, &goals)
		if len(goals) != 1 {
			t.Errorf("%d goals", len(goals))
		}

		// GET after another restart: current state, goal_id null, the plan.
		withGoalServer(e, nil)
		r = e.do("GET", "/goals/"+cid, alice, nil)
		r.json(t, &m)
		if r.Code != 200 || m["state"] != "CONFIRMED" || m["goal_id"] != nil || m["plan"] == nil || m["suggested_action"] != nil ||
			!strings.Contains(m["message"].(string), "already been completed") {
			t.Errorf("GET conversation = %d %s", r.Code, r.Body)
		}
	})
}

func tasksOf(m map[string]any) []any {
	ts, _ := m["tasks"].([]any)
	if len(ts) == 0 {
		return []any{nil}
	}
	return ts
}

func TestGoalConversationAdmin(t *testing.T) {
	t.Parallel()
	e := newGoalEnv(t, kindSQLite)
	alice, a := e.token("alice@example.com")
	const admin = "admin-secret-token"

	// An admin acts for the user_id it names.
	r := e.do("POST", "/goals/start", admin, map[string]any{"user_id": a.ID, "message": "I want to meditate every day"})
	var m map[string]any
	r.json(t, &m)
	if r.Code != 200 || m["state"] != "GATHERING_TIMELINE" {
		t.Fatalf("admin start = %d %s", r.Code, r.Body)
	}
	cid := m["conversation_id"].(string)
	if r = e.do("GET", "/goals/"+cid, alice, nil); r.Code != 200 {
		t.Errorf("alice GET her conversation = %d %s", r.Code, r.Body)
	}
	if r = e.do("POST", "/goals/"+cid+"/respond", admin, map[string]any{"user_id": a.ID, "message": "in 4 weeks"}); r.Code != 200 ||
		!strings.Contains(string(r.Body), "GATHERING_CURRENT_STATE") {
		t.Errorf("admin respond = %d %s", r.Code, r.Body)
	}
	if r = e.do("GET", "/goals/"+cid+"?user_id="+a.ID, admin, nil); r.Code != 200 {
		t.Errorf("admin GET = %d %s", r.Code, r.Body)
	}
	// Without a user_id an admin is nobody.
	if r = e.do("POST", "/goals/start", admin, map[string]any{"message": "Run a 5k"}); r.Code != 400 {
		t.Errorf("admin start without user_id = %d %s", r.Code, r.Body)
	}
}

func TestGoalsWithLLMPlanner(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	fake := openaifake.NewLLM(t)
	withGoalServer(e, plannerai.NewPlanner(
		plannerai.Config{BaseURL: fake.URL(), APIKey: fake.APIKey(), HTTPClient: fake.HTTPClient(), Model: "test/model"},
		planner.LLMConfig{Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)},
	))
	alice, _ := e.token("alice@example.com")

	var ms []map[string]any
	for w := 1; w <= 10; w++ {
		ms = append(ms, map[string]any{"week": w, "title": fmt.Sprintf("Week %d: build up", w), "tasks": []map[string]any{
			{"title": "Easy run", "description": "Conversational pace.", "duration_minutes": 25 + w, "recurrence": "FREQ=WEEKLY;BYDAY=TU,TH", "time_of_day": "morning", "priority": "important"},
			{"title": "Long run", "description": "Slow.", "duration_minutes": 40 + 3*w, "recurrence": "FREQ=WEEKLY;BYDAY=SA", "time_of_day": "07:30", "priority": "standard"},
			{"title": "Strength", "description": "Squats.", "duration_minutes": 20, "recurrence": "FREQ=WEEKLY;BYDAY=MO", "time_of_day": "evening", "priority": "standard"},
		}})
	}
	fake.ReplyJSON(map[string]any{"title": "Run a 10k", "category": "running", "summary": "Steady build.", "milestones": ms, "sources": []any{}})

	r := e.do("POST", "/api/v1/goals", alice, map[string]any{"title": "Run a 10k in 10 weeks"})
	var g goalView
	r.json(t, &g)
	if r.Code != 201 || g.Planner != "llm" || g.Category != "running" {
		t.Fatalf("create = %d %s", r.Code, r.Body)
	}
	checkGoalPlan(t, g, 10)
	// A milestone's tasks come by time (the scheduler placed them).
	titles := map[string]bool{}
	for _, task := range g.Milestones[0].Tasks {
		titles[task.Title] = true
	}
	if g.Milestones[0].Title != "Week 1: build up" || !titles["Easy run"] || !titles["Long run"] || !titles["Strength"] {
		t.Errorf("the model's plan was not saved: %+v", g.Milestones[0])
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d model requests", n)
	}
}
