package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/fluxlife/flux/fluxtest/openaifake"
)

// TestMetricsThroughFluxd: after a few calls /metrics shows the
// route-pattern series to the admin token (401 without, 403 to a user), the
// LLM's calls by provider and the job queue; FLUX_METRICS_ADDR serves the
// same without auth.
func TestMetricsThroughFluxd(t *testing.T) {
	t.Parallel()
	fake := openaifake.NewLLM(t)
	metricsPort := freePort(t)
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir(), "FLUX_ADMIN_TOKEN": "admin-secret-token",
		"OPEN_ROUTER_API_KEY": fake.APIKey(), "OPENROUTER_BASE_URL": fake.URL(),
		"FLUX_METRICS_ADDR": "127.0.0.1:" + strconv.Itoa(metricsPort)}
	fake.ReplyStatus(500, `{"error": {"message": "overloaded"}}`) // the offline planner steps in
	f := start(t, vars)
	alice := mintToken(t, vars, "alice@example.com")
	code, g := f.call(t, "POST", "/api/v1/goals", alice, `{"title": "Learn to draw in 4 weeks"}`)
	if code != 201 {
		t.Fatalf("create goal = %d %v", code, g)
	}
	id, _ := g["id"].(string)
	for range 2 {
		if code, _ := f.call(t, "GET", "/api/v1/goals/"+id, alice, ""); code != 200 {
			t.Fatalf("GET goal = %d", code)
		}
	}
	if code, _ := f.call(t, "GET", "/metrics", "", ""); code != 401 {
		t.Errorf("/metrics without a token = %d", code)
	}
	if code, _ := f.call(t, "GET", "/metrics", alice, ""); code != 403 {
		t.Errorf("/metrics as a user = %d", code)
	}
	code, b := f.do(t, "GET", "/metrics", "admin-secret-token", "")
	if code != 200 {
		t.Fatalf("/metrics as admin = %d %s", code, b)
	}
	body := string(b)
	for _, want := range []string{
		`flux_http_requests_total{method="GET",route="/api/v1/goals/{id}",status="2xx"} 2`,
		`flux_http_requests_total{method="POST",route="/api/v1/goals",status="2xx"} 1`,
		`flux_http_request_duration_seconds_count{method="GET",route="/api/v1/goals/{id}",status="2xx"} 2`,
		`flux_provider_requests_total{outcome="5xx",provider="llm"} 1`,
		`flux_jobs{state=`,
		`go_sql_open_connections{db_name="sqlite_write"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, id) {
		t.Errorf("/metrics shows a raw id")
	}
	waitUntil(t, "a job run to be counted", func() bool {
		_, b := f.do(t, "GET", "/metrics", "admin-secret-token", "")
		return strings.Contains(string(b), `flux_job_runs_total{kind=`)
	})

	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(metricsPort) + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	side, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(side), `route="/api/v1/goals/{id}"`) {
		t.Errorf("the metrics listener = %d %.200s", resp.StatusCode, side)
	}
	if !strings.Contains(f.logs.String(), "metrics listening (no auth)") {
		t.Errorf("no log line for the metrics listener:\n%s", f.logs)
	}
}
