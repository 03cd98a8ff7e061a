package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux/httpapi"
	"github.com/fluxlife/flux/httpapi/metrics"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/sqlite"
)

// rateLimit reads FLUX_RATE_PER_MINUTE and FLUX_RATE_BURST as
// httpapi.Config wants them: 0 in either turns the limits off (-1).
func (c *config) rateLimit() (perMinute float64, burst int, err error) {
	perMinute, err = strconv.ParseFloat(strings.TrimSpace(c.RatePerMinute), 64)
	if err != nil || perMinute < 0 || perMinute > 1e6 {
		return 0, 0, fmt.Errorf("FLUX_RATE_PER_MINUTE %q: want a number of calls a minute, 0 for no limit", c.RatePerMinute)
	}
	burst, err = strconv.Atoi(strings.TrimSpace(c.RateBurst))
	if err != nil || burst < 0 || burst > 1e6 {
		return 0, 0, fmt.Errorf("FLUX_RATE_BURST %q: want a whole number of calls, 0 for no limit", c.RateBurst)
	}
	if perMinute == 0 || burst == 0 {
		return -1, -1, nil
	}
	return perMinute, burst, nil
}

// paidProviders lists the paid providers configured, whose routes are rate
// limited (Twilio's come from the notification wiring, httpapi.Notify.Paid).
func paidProviders(llm, deepgram bool) []httpapi.Provider {
	var p []httpapi.Provider
	if llm {
		p = append(p, httpapi.ProviderLLM)
	}
	if deepgram {
		p = append(p, httpapi.ProviderDeepgram)
	}
	return p
}

// rateDesc is the capability line of the rate limits.
func rateDesc(c *config, paid []httpapi.Provider, twilio bool) string {
	perMinute, burst, _ := c.rateLimit()
	if perMinute < 0 {
		return "off (FLUX_RATE_PER_MINUTE or FLUX_RATE_BURST is 0)"
	}
	names := make([]string, 0, len(paid)+1)
	for _, p := range paid {
		names = append(names, string(p))
	}
	if twilio {
		names = append(names, string(httpapi.ProviderTwilio))
	}
	if len(names) == 0 {
		return "none needed (no paid provider configured)"
	}
	return fmt.Sprintf("%g a minute, burst %d, per user on each of %s", perMinute, burst, strings.Join(names, ", "))
}

// paidTwilio reports whether a notification channel costs money.
func paidTwilio(n *httpapi.Notify) bool {
	if n == nil {
		return false
	}
	for _, p := range n.Paid {
		if p {
			return true
		}
	}
	return false
}

// providerBackstop bounds a request to a provider whose calls carry their
// own, shorter deadlines (the LLM's, Deepgram's).
const providerBackstop = 3 * time.Minute

// observeBackend adds the store's connection pool and the job queue's
// depth to m.
func observeBackend(m *metrics.Metrics, b *backend) {
	switch s := b.store.(type) {
	case *sqlite.Store:
		m.DBStats(s.WriteDB(), "sqlite_write")
	case *postgres.Store:
		pool := s.Pool()
		m.Pool(func() metrics.PoolStats {
			st := pool.Stat()
			return metrics.PoolStats{Acquired: st.AcquiredConns(), Idle: st.IdleConns(), Total: st.TotalConns(), Max: st.MaxConns(),
				AcquireCount: st.AcquireCount(), AcquireWait: st.AcquireDuration()}
		})
	}
	if c, ok := b.queue.(interface {
		CountByState(context.Context) (map[string]int, error)
	}); ok {
		m.JobCounts(c.CountByState)
	}
}

// drain is FLUX_SHUTDOWN_DRAIN (checked by loadConfig).
func (c *config) drain() time.Duration {
	d, _ := time.ParseDuration(strings.TrimSpace(c.ShutdownDrain))
	return d
}

// serveMetrics serves /metrics without auth on FLUX_METRICS_ADDR, when
// set, and returns how to stop it.
func serveMetrics(cfg *config, m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	if strings.TrimSpace(cfg.MetricsAddr) == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", strings.TrimSpace(cfg.MetricsAddr))
	if err != nil {
		return nil, fmt.Errorf("FLUX_METRICS_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler(log))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() { _ = hs.Serve(ln) }()
	log.Info("metrics listening (no auth)", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}
