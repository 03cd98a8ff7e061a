package httpapi

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/fluxlife/flux/fluxtest"
)

// TestAnalyticsRoutes: the four routes answer with the field names both the
// original frontend and the original backend read, from the caller's own
// tasks, and refuse a bad weeks.
func TestAnalyticsRoutes(t *testing.T) {
	t.Parallel()
	e := newClockedEnv(t, kindSQLite, fluxtest.NewClock(chatNow), nil)
	ana, _ := e.token("ana@example.com")
	bob, _ := e.token("bob@example.com")
	e.chat(ana, "", onboardingScript...)
	e.chat(ana, "", "I want to run a 10k in 10 weeks", "I can run 3 km", "mornings", "OK")
	var task taskView
	if r := e.do("POST", "/api/v1/tasks", ana, `{"title": "Call the bank", "duration_minutes": 90, "scheduled_at": "2026-03-24T10:00:00Z"}`); r.Code != 201 {
		t.Fatalf("create task = %d %s", r.Code, r.Body)
	} else {
		r.json(t, &task)
	}
	if r := e.do("PATCH", "/api/v1/tasks/"+task.ID+"/complete", ana, nil); r.Code != 200 {
		t.Fatalf("complete = %d %s", r.Code, r.Body)
	}

	keys := func(raw json.RawMessage) []string {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		return slices.Sorted(mapKeys(m))
	}
	r := e.do("GET", "/api/v1/analytics/overview", ana, nil)
	if got := keys(r.Body); r.Code != 200 || !slices.Equal(got, []string{"focus_hours", "heatmap", "insight", "streak_days", "tasks_completed",
		"today_completion_pct", "today_done", "today_total", "week_label"}) {
		t.Errorf("overview = %d %v", r.Code, got)
	}
	var o struct {
		TasksCompleted int     `json:"tasks_completed"`
		FocusHours     float64 `json:"focus_hours"`
		StreakDays     int     `json:"streak_days"`
		TodayDone      int     `json:"today_done"`
		Heatmap        []struct {
			Day       string `json:"day"`
			DoneCount int    `json:"done_count"`
		} `json:"heatmap"`
	}
	r.json(t, &o)
	if o.TasksCompleted != 1 || o.FocusHours != 1.5 || o.StreakDays != 1 || o.TodayDone != 1 || len(o.Heatmap) != 1 || o.Heatmap[0].Day != "2026-03-24" {
		t.Errorf("overview = %s", r.Body)
	}

	var rows []json.RawMessage
	r = e.do("GET", "/api/v1/analytics/weekly?weeks=4", ana, nil)
	r.json(t, &rows)
	if r.Code != 200 || len(rows) != 4 || !slices.Equal(keys(rows[3]), []string{"completed", "completion_pct", "done", "total", "week", "week_start"}) ||
		!strings.Contains(string(rows[3]), `"week":"2026-03-23"`) || !strings.Contains(string(rows[3]), `"completed":1`) {
		t.Errorf("weekly = %d %s", r.Code, r.Body)
	}
	r = e.do("GET", "/api/v1/analytics/missed-by-cat", ana, nil)
	r.json(t, &rows)
	if r.Code != 200 || len(rows) != 2 || !slices.Equal(keys(rows[0]), []string{"category", "count", "missed_count", "total_count"}) {
		t.Errorf("missed-by-cat = %d %s", r.Code, r.Body)
	}
	r = e.do("GET", "/api/v1/analytics/goals", ana, nil)
	r.json(t, &rows)
	if r.Code != 200 || len(rows) != 1 || !slices.Equal(keys(rows[0]), []string{"category", "completion_pct", "goal_id", "tasks_done", "tasks_total", "title"}) {
		t.Errorf("goals = %d %s", r.Code, r.Body)
	}

	for _, q := range []string{"weeks=0", "weeks=53", "weeks=x"} {
		if r := e.do("GET", "/api/v1/analytics/weekly?"+q, ana, nil); r.Code != 422 || !strings.Contains(string(r.Body), "weeks") {
			t.Errorf("weekly?%s = %d %s", q, r.Code, r.Body)
		}
	}
	for _, p := range []string{"/api/v1/analytics/overview", "/api/v1/analytics/weekly", "/api/v1/analytics/missed-by-cat", "/api/v1/analytics/goals"} {
		if r := e.do("GET", p, "", nil); r.Code != 401 {
			t.Errorf("%s without a token = %d", p, r.Code)
		}
		if r := e.do("GET", p, bob, nil); r.Code != 200 || strings.Contains(string(r.Body), "Run a 10k") || strings.Contains(string(r.Body), `"done_count":1`) {
			t.Errorf("bob %s = %d %s", p, r.Code, r.Body)
		}
	}
}
