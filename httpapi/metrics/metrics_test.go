package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/metrics"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/store/jobs"
)

// The metrics satisfy the feature packages' observer interfaces.
var (
	_ jobs.Observer   = (*metrics.Metrics)(nil)
	_ notify.Observer = (*metrics.Metrics)(nil)
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler(nil).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape = %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func wantLines(t *testing.T, body string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(body, l) {
			t.Errorf("metrics lack %s", l)
		}
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer provider.Close()
	c := m.Client("deepgram", 5*time.Second)
	for _, p := range []string{"/ok", "/ok", "/busy"} {
		resp, err := c.Get(provider.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if _, err := m.Client("llm", time.Second).Get("http://127.0.0.1:1/unreachable"); err == nil {
		t.Fatal("a request to a closed port succeeded")
	}
	m.JobWorked("notify.deliver", jobs.OutcomeCompleted, time.Second, 20*time.Millisecond)
	m.JobWorked("notify.deliver", jobs.OutcomeFailed, 0, time.Millisecond)
	m.NotificationAttempt(flux.ChannelWhatsApp, "sent", 300*time.Millisecond)
	m.NotificationAttempt(flux.ChannelPush, "retry", 0)
	m.ObserveRequest("GET", "GET /api/v1/goals/{id}", 200, time.Millisecond)
	m.ObserveRequest("GET", "GET /api/v1/notifications/{$}", 503, time.Millisecond)
	m.ObserveRequest("BREW", "", 405, time.Millisecond)
	m.JobCounts(func(context.Context) (map[string]int, error) {
		return map[string]int{"available": 3, "running": 1}, nil
	})
	m.Pool(func() metrics.PoolStats {
		return metrics.PoolStats{Acquired: 2, Idle: 3, Total: 5, Max: 20, AcquireCount: 7}
	})
	wantLines(t, scrape(t, m),
		`flux_provider_requests_total{outcome="2xx",provider="deepgram"} 2`,
		`flux_provider_requests_total{outcome="4xx",provider="deepgram"} 1`,
		`flux_provider_requests_total{outcome="error",provider="llm"} 1`,
		`flux_provider_request_duration_seconds_count{provider="deepgram"} 3`,
		`flux_job_runs_total{kind="notify.deliver",outcome="completed"} 1`,
		`flux_job_runs_total{kind="notify.deliver",outcome="failed"} 1`,
		`flux_job_wait_seconds_sum{kind="notify.deliver"} 1`,
		`flux_notifications_total{channel="whatsapp",outcome="sent"} 1`,
		`flux_notifications_total{channel="push",outcome="retry"} 1`,
		`flux_notification_send_duration_seconds_count{channel="whatsapp"} 1`,
		`flux_http_requests_total{method="GET",route="/api/v1/goals/{id}",status="2xx"} 1`,
		`flux_http_requests_total{method="GET",route="/api/v1/notifications/",status="5xx"} 1`,
		`flux_http_requests_total{method="other",route="unmatched",status="4xx"} 1`,
		`flux_jobs{state="available"} 3`,
		`flux_db_pool_connections{state="acquired"} 2`,
		`flux_db_pool_acquires_total 7`,
	)

	broken := metrics.New()
	broken.JobCounts(func(context.Context) (map[string]int, error) { return nil, errors.New("database gone") })
	rec := httptest.NewRecorder()
	broken.Handler(nil).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 500 && rec.Code != 200 {
		t.Errorf("scrape with a failing collector = %d", rec.Code)
	}
}

func TestStatusClass(t *testing.T) {
	t.Parallel()
	for code, want := range map[int]string{200: "2xx", 201: "2xx", 404: "4xx", 429: "4xx", 503: "5xx", 0: "other", 1000: "other"} {
		if got := metrics.StatusClass(code); got != want {
			t.Errorf("StatusClass(%d) = %q, want %q", code, got, want)
		}
	}
}
