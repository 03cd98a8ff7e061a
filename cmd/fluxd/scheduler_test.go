package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestSchedulerThroughFluxd: FLUX_DEMO_USER_ID lets the original
// frontend's /scheduler/* routes work without a token, and the scheduler's
// settings are read from the environment.
func TestSchedulerThroughFluxd(t *testing.T) {
	t.Parallel()
	const demo = "A1000000-0000-0000-0000-000000000001" // any case
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir(), "FLUX_DEMO_USER_ID": demo,
		"SCHEDULER_CUTOFF_HOUR": "22", "SCHEDULER_BUFFER_MINUTES": "10"}
	f := start(t, vars)
	code, body := f.call(t, "GET", "/scheduler/tasks", "", "")
	if tasks, ok := body["tasks"].([]any); code != 200 || !ok || len(tasks) != 0 {
		t.Fatalf("GET /scheduler/tasks without a token = %d %v", code, body)
	}
	if !strings.Contains(f.logs.String(), "demo user") {
		t.Errorf("the startup log does not warn about the demo user:\n%s", f.logs)
	}
	if code, _ := f.call(t, "GET", "/api/v1/tasks", "", ""); code != 401 {
		t.Errorf("GET /api/v1/tasks without a token = %d", code)
	}
	alice := mintToken(t, vars, "alice@example.com")
	code, task := f.call(t, "POST", "/api/v1/tasks", alice, `{"title": "Read", "duration_minutes": 20}`)
	if code != 201 || task["status"] != "pending" {
		t.Fatalf("POST /api/v1/tasks = %d %v", code, task)
	}
	code, res := f.call(t, "POST", "/api/v1/schedule", alice, `{}`)
	if ps, _ := res["placements"].([]any); code != 200 || len(ps) != 1 {
		t.Fatalf("POST /api/v1/schedule = %d %v", code, res)
	}
}

// TestDemoUserByEmail: FLUX_DEMO_USER may name a user by e-mail who signs
// up after fluxd started; until then the timeline is empty.
func TestDemoUserByEmail(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir(), "FLUX_DEMO_USER": "demo@example.com"}
	f := start(t, vars)
	code, body := f.call(t, "GET", "/scheduler/tasks", "", "")
	if tasks, ok := body["tasks"].([]any); code != 200 || !ok || len(tasks) != 0 {
		t.Fatalf("GET /scheduler/tasks before the demo user signs up = %d %v", code, body)
	}
	code, s := f.call(t, "POST", "/auth/v1/signup", "", `{"email": "demo@example.com", "password": "s3cret-pass", "data": {"name": "Demo"}}`)
	if code != 200 {
		t.Fatalf("sign-up = %d %v", code, s)
	}
	tok, _ := s["access_token"].(string)
	code, task := f.call(t, "POST", "/api/v1/tasks", tok, `{"title": "Stretch", "duration_minutes": 20}`)
	if code != 201 {
		t.Fatalf("POST /api/v1/tasks = %d %v", code, task)
	}
	if code, res := f.call(t, "POST", "/api/v1/schedule", tok, `{}`); code != 200 {
		t.Fatalf("POST /api/v1/schedule = %d %v", code, res)
	}
	code, body = f.call(t, "GET", "/scheduler/tasks", "", "")
	tasks, _ := body["tasks"].([]any)
	if code != 200 {
		t.Fatalf("GET /scheduler/tasks after sign-up = %d %v", code, body)
	}
	// The task is placed somewhere in the next days; the timeline shows 48
	// hours, so it may or may not be on it, but the user is the signed-up one.
	for _, x := range tasks {
		if m, _ := x.(map[string]any); m["title"] != "Stretch" {
			t.Errorf("the timeline shows another user's task: %v", m)
		}
	}
	// `fluxd token` keeps working for the same store.
	if tok := mintToken(t, vars, "demo@example.com"); tok == "" {
		t.Error("no token")
	}
}

func TestSchedulerConfigRefused(t *testing.T) {
	t.Parallel()
	if _, err := loadConfig(newFlagSet(), nil, env(map[string]string{"FLUX_DEMO_USER": "alice"})); err == nil || !strings.Contains(err.Error(), "FLUX_DEMO_USER") {
		t.Errorf("a demo user that is neither an id nor an e-mail: %v", err)
	}
	if _, err := loadConfig(newFlagSet(), nil, env(map[string]string{"FLUX_DEMO_USER_ID": "alice"})); err == nil || !strings.Contains(err.Error(), "FLUX_DEMO_USER_ID") {
		t.Errorf("a demo user id that is not a UUID: %v", err)
	}
	cfg, err := loadConfig(newFlagSet(), nil, env(map[string]string{"FLUX_DATA_DIR": t.TempDir(), "SCHEDULER_CUTOFF_HOUR": "25"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := serve(context.Background(), cfg, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "SCHEDULER_CUTOFF_HOUR") {
		t.Errorf("serve with SCHEDULER_CUTOFF_HOUR=25: %v", err)
	}
}
