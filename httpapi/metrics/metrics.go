// Package metrics is fluxd's Prometheus instrumentation
// (github.com/prometheus/client_golang) on a registry of its own: HTTP
// requests by route pattern and status class, the job queue (depth, runs and
// their latency by kind), notifications by channel and outcome, calls to the
// paid providers (LLM, Deepgram, Twilio, push services) by provider, and the
// store's connections.
//
// The feature packages know nothing of Prometheus: *Metrics satisfies their
// small observer interfaces (jobs.Observer, notify.Observer), wraps the
// providers' HTTP clients in an instrumented http.RoundTripper, and is told
// about each HTTP request by httpapi.
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Unmatched is the route label of a request that matched no route (a 404,
// a 405, a CORS preflight).
const Unmatched = "unmatched"

// Metrics holds fluxd's collectors on their own registry; the zero value is
// not usable, call New. It is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	httpInFlight prometheus.Gauge

	jobRuns *prometheus.CounterVec
	jobRun  *prometheus.HistogramVec
	jobWait *prometheus.HistogramVec

	notifications *prometheus.CounterVec
	notifySend    *prometheus.HistogramVec

	providerCalls    *prometheus.CounterVec
	providerDuration *prometheus.HistogramVec
}

// New returns the metrics on a new registry, with the Go runtime's and the
// process's collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	latency := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flux_http_requests_total", Help: "HTTP requests served, by method, route pattern and status class.",
	}, []string{"method", "route", "status"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "flux_http_request_duration_seconds", Help: "HTTP request latency, by method, route pattern and status class.",
		Buckets: latency,
	}, []string{"method", "route", "status"})
	m.httpInFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "flux_http_requests_in_flight", Help: "HTTP requests being served.",
	})
	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flux_job_runs_total", Help: "Job runs, by kind and outcome (completed, failed, snoozed, cancelled, panicked).",
	}, []string{"kind", "outcome"})
	m.jobRun = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "flux_job_run_duration_seconds", Help: "How long a job ran, by kind.", Buckets: latency,
	}, []string{"kind"})
	m.jobWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "flux_job_wait_seconds", Help: "How long a job waited past its scheduled time before it started, by kind.", Buckets: latency,
	}, []string{"kind"})
	m.notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flux_notifications_total", Help: "Notification send attempts, by channel and outcome (sent, retry, failed).",
	}, []string{"channel", "outcome"})
	m.notifySend = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "flux_notification_send_duration_seconds", Help: "How long a channel's provider took to take a notification, by channel.", Buckets: latency,
	}, []string{"channel"})
	m.providerCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flux_provider_requests_total", Help: "HTTP requests to external providers, by provider and outcome (a status class, or error when no answer came).",
	}, []string{"provider", "outcome"})
	m.providerDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "flux_provider_request_duration_seconds", Help: "Latency of HTTP requests to external providers, by provider.", Buckets: latency,
	}, []string{"provider"})
	m.reg.MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration, m.httpInFlight, m.jobRuns, m.jobRun, m.jobWait,
		m.notifications, m.notifySend, m.providerCalls, m.providerDuration,
	)
	return m
}

// Registry is the registry the metrics are on, to add collectors to.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus's exposition format. It checks
// no caller: put it behind the admin check or on a private listener.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	opts := promhttp.HandlerOpts{Registry: m.reg, MaxRequestsInFlight: 4, Timeout: 10 * time.Second}
	if log != nil {
		opts.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	}
	return promhttp.HandlerFor(m.reg, opts)
}

// StatusClass is a status code's class: "2xx", "4xx", ...
func StatusClass(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code/100) + "xx"
}

// RequestStarted counts a request in flight; call the function it returns
// when the request is done.
func (m *Metrics) RequestStarted() func() {
	m.httpInFlight.Inc()
	return m.httpInFlight.Dec
}

// ObserveRequest records one served request. pattern is the ServeMux
// pattern that matched ("GET /api/v1/goals/{id}"), never a raw path, or ""
// for none (labelled Unmatched).
func (m *Metrics) ObserveRequest(method, pattern string, status int, took time.Duration) {
	route := Unmatched
	if pattern != "" {
		route = pattern
		if _, p, ok := strings.Cut(pattern, " "); ok {
			route = p
		}
		route = strings.TrimSuffix(route, "{$}")
	} else if !knownMethod(method) {
		method = "other" // the method label stays a small set
	}
	class := StatusClass(status)
	m.httpRequests.WithLabelValues(method, route, class).Inc()
	m.httpDuration.WithLabelValues(method, route, class).Observe(took.Seconds())
}

func knownMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// JobWorked records a job run (it makes *Metrics a jobs.Observer).
func (m *Metrics) JobWorked(kind, outcome string, wait, run time.Duration) {
	m.jobRuns.WithLabelValues(kind, outcome).Inc()
	m.jobRun.WithLabelValues(kind).Observe(run.Seconds())
	m.jobWait.WithLabelValues(kind).Observe(wait.Seconds())
}

// NotificationAttempt records a send attempt (it makes *Metrics a
// notify.Observer).
func (m *Metrics) NotificationAttempt(channel flux.Channel, outcome string, took time.Duration) {
	m.notifications.WithLabelValues(string(channel), outcome).Inc()
	if took > 0 {
		m.notifySend.WithLabelValues(string(channel)).Observe(took.Seconds())
	}
}

// Transport returns base (http.DefaultTransport when nil) instrumented for
// provider: every request's latency and outcome is recorded under that
// label. Give each provider's client its own.
func (m *Metrics) Transport(provider string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{m: m, provider: provider, base: base}
}

// Client returns an *http.Client for provider with an instrumented
// transport and timeout as a backstop (the calls carry their own
// deadlines).
func (m *Metrics) Client(provider string, timeout time.Duration) *http.Client {
	return &http.Client{Transport: m.Transport(provider, nil), Timeout: timeout}
}

type transport struct {
	m        *Metrics
	provider string
	base     http.RoundTripper
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	outcome := "error"
	if err == nil {
		outcome = StatusClass(resp.StatusCode)
	}
	t.m.providerCalls.WithLabelValues(t.provider, outcome).Inc()
	t.m.providerDuration.WithLabelValues(t.provider).Observe(time.Since(start).Seconds())
	return resp, err
}

// JobCounts registers the queue's depth: a gauge of jobs by state, read by
// count (jobs.Queue.CountByState) on each scrape.
func (m *Metrics) JobCounts(count func(context.Context) (map[string]int, error)) {
	m.reg.MustRegister(&jobCollector{count: count, desc: prometheus.NewDesc("flux_jobs",
		"Jobs in the queue's table, by state (available, scheduled and retryable are waiting to run).", []string{"state"}, nil)})
}

type jobCollector struct {
	count func(context.Context) (map[string]int, error)
	desc  *prometheus.Desc
}

func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for state, v := range n {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(v), state)
	}
}

// DBStats registers the connection statistics of a database/sql pool
// (the SQLite store's) under db_name.
func (m *Metrics) DBStats(db *sql.DB, name string) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// PoolStats are a connection pool's numbers, as PoolStats reads them.
type PoolStats struct {
	Acquired, Idle, Total, Max int32
	AcquireCount               int64
	AcquireWait                time.Duration
}

// Pool registers the statistics of a connection pool (the PostgreSQL
// store's pgxpool), read by stat on each scrape.
func (m *Metrics) Pool(stat func() PoolStats) {
	m.reg.MustRegister(&poolCollector{stat: stat,
		conns:   prometheus.NewDesc("flux_db_pool_connections", "Connections of the PostgreSQL pool, by state (acquired, idle, total, max).", []string{"state"}, nil),
		acquire: prometheus.NewDesc("flux_db_pool_acquires_total", "Connections acquired from the PostgreSQL pool.", nil, nil),
		wait:    prometheus.NewDesc("flux_db_pool_acquire_wait_seconds_total", "Time spent waiting for a PostgreSQL connection.", nil, nil),
	})
}

type poolCollector struct {
	stat                 func() PoolStats
	conns, acquire, wait *prometheus.Desc
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.conns
	ch <- c.acquire
	ch <- c.wait
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stat()
	for state, v := range map[string]int32{"acquired": s.Acquired, "idle": s.Idle, "total": s.Total, "max": s.Max} {
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(v), state)
	}
	ch <- prometheus.MustNewConstMetric(c.acquire, prometheus.CounterValue, float64(s.AcquireCount))
	ch <- prometheus.MustNewConstMetric(c.wait, prometheus.CounterValue, s.AcquireWait.Seconds())
}
