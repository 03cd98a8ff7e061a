package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
)

// TestMetrics: after a few calls GET /metrics shows requests by route
// pattern and status class (never a raw id or path), to an admin only.
func TestMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{AdminToken: "admin-secret-token"})
	alice, a := e.token("alice@example.com")
	g := &flux.Goal{UserID: a.ID, Title: "Run a 10k", Status: flux.GoalActive, PlanVersion: 1}
	if err := e.store.Goals().CreateGoal(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if r := e.do("GET", "/api/v1/goals/"+g.ID, alice, nil); r.Code != 200 {
			t.Fatalf("GET goal = %d %s", r.Code, r.Body)
		}
	}
	missing := flux.NewID()
	e.do("GET", "/api/v1/goals/"+missing, alice, nil)
	e.do("GET", "/no/such/path/"+missing, alice, nil)
	e.do("PATCH", "/api/v1/tasks/"+missing+"/complete", alice, `{"task_id": 1`)

	for _, tc := range []struct {
		token string
		code  int
	}{{"", 401}, {alice, 403}} {
		if r := e.do("GET", "/metrics", tc.token, nil); r.Code != tc.code {
			t.Errorf("GET /metrics with token %q = %d, want %d", tc.token, r.Code, tc.code)
		}
	}
	r := e.do("GET", "/metrics", "admin-secret-token", nil)
	if r.Code != 200 {
		t.Fatalf("GET /metrics as admin = %d %s", r.Code, r.Body)
	}
	body := string(r.Body)
	for _, want := range []string{
		`flux_http_requests_total{method="GET",route="/api/v1/goals/{id}",status="2xx"} 3`,
		`flux_http_requests_total{method="GET",route="/api/v1/goals/{id}",status="4xx"} 1`,
		`flux_http_requests_total{method="GET",route="unmatched",status="4xx"} 1`,
		`flux_http_requests_total{method="PATCH",route="/api/v1/tasks/{id}/complete",status="4xx"} 1`,
		`flux_http_requests_total{method="GET",route="/metrics",status="4xx"} 2`,
		`flux_http_request_duration_seconds_bucket{method="GET",route="/api/v1/goals/{id}",status="2xx",le="+Inf"} 3`,
		`flux_http_requests_in_flight 1`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, leak := range []string{g.ID, missing, "/no/such/path"} {
		if strings.Contains(body, leak) {
			t.Errorf("/metrics shows a raw path or id: %s", leak)
		}
	}
}
