package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/fluxlife/flux/fluxtest/openaifake"
)

func TestPlannerDesc(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "offline (set OPEN_ROUTER_API_KEY for the LLM planner)"},
		{map[string]string{"OPEN_ROUTER_API_KEY": "sk-secret"}, "llm (openai/gpt-4o-mini) via openrouter.ai/api/v1"},
		{map[string]string{"OPEN_ROUTER_API_KEY": "sk-secret", "GOAL_PLANNER_MODEL": "m/x", "OPENROUTER_BASE_URL": "https://u:p@llm.test/v1?k=1"},
			"llm (m/x) via llm.test/v1"},
	} {
		if got := plannerDesc(plannerConfigFromEnv(env(tc.env))); got != tc.want {
			t.Errorf("plannerDesc(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
	if got := plannerDesc(plannerConfigFromEnv((&config{}).env)); !strings.HasPrefix(got, "offline") {
		t.Errorf("without an environment: %q", got)
	}
}

// TestGoalsThroughFluxd plans a goal with the LLM planner the environment
// selects, and continues a goal conversation after fluxd restarts.
func TestGoalsThroughFluxd(t *testing.T) {
	t.Parallel()
	fake := openaifake.NewLLM(t)
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir(), "OPEN_ROUTER_API_KEY": fake.APIKey(), "OPENROUTER_BASE_URL": fake.URL()}
	var ms []map[string]any
	for w := 1; w <= 4; w++ {
		ms = append(ms, map[string]any{"week": w, "title": fmt.Sprintf("Week %d", w), "tasks": []map[string]any{
			{"title": "Sketch", "description": "Any subject.", "duration_minutes": 20, "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE", "time_of_day": "evening", "priority": "standard"},
			{"title": "Study a master", "description": "One drawing.", "duration_minutes": 30, "recurrence": "", "time_of_day": "", "priority": "standard"},
			{"title": "Draw from life", "description": "Outdoors.", "duration_minutes": 45, "recurrence": "FREQ=WEEKLY;BYDAY=SA", "time_of_day": "morning", "priority": "important"},
		}})
	}
	fake.ReplyJSON(map[string]any{"title": "Learn to draw", "category": "creative", "summary": "Draw often.", "milestones": ms, "sources": []any{}})

	f := start(t, vars)
	if logs := f.logs.String(); !strings.Contains(logs, "name=planner") || !strings.Contains(logs, "llm (openai/gpt-4o-mini) via 127.0.0.1") ||
		strings.Contains(logs, fake.APIKey()) {
		t.Errorf("planner capability line:\n%s", logs)
	}
	alice := mintToken(t, vars, "alice@example.com")
	code, g := f.call(t, "POST", "/api/v1/goals", alice, `{"title": "Learn to draw in 4 weeks"}`)
	if code != 201 || g["planner"] != "llm" || g["category"] != "creative" {
		t.Fatalf("create goal = %d %v", code, g)
	}
	if ms, _ := g["milestones"].([]any); len(ms) != 4 {
		t.Errorf("%d milestones", len(ms))
	}

	code, c := f.call(t, "POST", "/goals/start", alice, `{"message": "Meditate daily for 3 weeks"}`)
	cid, _ := c["conversation_id"].(string)
	if code != 200 || cid == "" || c["state"] != "GATHERING_CURRENT_STATE" {
		t.Fatalf("start = %d %v", code, c)
	}
	f.stop()

	// The same data directory, a new process: the conversation goes on.
	f = start(t, map[string]string{"FLUX_DATA_DIR": vars["FLUX_DATA_DIR"]})
	if !strings.Contains(f.logs.String(), "offline (set OPEN_ROUTER_API_KEY") {
		t.Errorf("offline capability line missing:\n%s", f.logs)
	}
	code, c = f.call(t, "GET", "/goals/"+cid, alice, "")
	if code != 200 || c["state"] != "GATHERING_CURRENT_STATE" || c["goal_id"] != nil {
		t.Fatalf("GET after restart = %d %v", code, c)
	}
	for _, msg := range []string{"I never meditated", "10 calm minutes a day", "mornings", "yes"} {
		body, _ := json.Marshal(map[string]string{"message": msg})
		if code, c = f.call(t, "POST", "/goals/"+cid+"/respond", alice, string(body)); code != 200 {
			t.Fatalf("respond %q = %d %v", msg, code, c)
		}
	}
	goalID, _ := c["goal_id"].(string)
	if c["state"] != "CONFIRMED" || goalID == "" {
		t.Fatalf("confirmation = %v", c)
	}
	code, _ = f.call(t, "GET", "/api/v1/goals/"+goalID+"/tasks", alice, "")
	if code != 200 {
		t.Errorf("tasks of the confirmed goal = %d", code)
	}
}
