package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"
)

// DrainQuiet is how long no new request must arrive before a draining
// server may close its listener.
const DrainQuiet = 300 * time.Millisecond

// Drain lets a server stop without losing a request: wrap the handler with
// Handler and add Ready to Config.Checks; on the stop signal call Wait, then
// http.Server.Shutdown. While draining, the server keeps serving the
// requests that still arrive, tells their clients to close their
// connections (Connection: close) and the load balancer (/ready answers
// 503) to send no more. Closing the listener at once instead resets the
// connections waiting to be accepted and drops the requests arriving on
// idle keep-alive connections. The zero value is ready to use.
type Drain struct {
	draining atomic.Bool
	last     atomic.Int64 // when the last request started, in Unix nanoseconds
}

// Handler notes each request's start and, once draining, answers it with
// Connection: close, so that its client opens a new connection for the
// next one (after the listener is gone: to another replica).
func (d *Drain) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.last.Store(time.Now().UnixNano())
		if d.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// Ready is a readiness check (Config.Checks): unavailable once draining.
func (d *Drain) Ready(context.Context) error {
	if d.draining.Load() {
		return errors.New("shutting down")
	}
	return nil
}

// Wait starts draining and returns once no request has started for quiet,
// or after max.
func (d *Drain) Wait(quiet, max time.Duration) {
	d.draining.Store(true)
	start := time.Now()
	for time.Since(start) < max {
		if time.Since(time.Unix(0, d.last.Load())) >= quiet {
			return
		}
		time.Sleep(quiet / 6)
	}
}
