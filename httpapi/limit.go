package httpapi

import (
	"math"
	"net/http"
	"strconv"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/internal/keyrate"
)

// Default per-user limits of the routes that call an LLM, Deepgram or
// Twilio (see Server.limited).
const (
	DefaultExpensivePerMinute = 30
	DefaultExpensiveBurst     = 10
)

// newUserLimiter returns the per-user limiter of the expensive routes; 0
// means the defaults.
func newUserLimiter(perMinute float64, burst int) *keyrate.Limiter {
	if perMinute <= 0 {
		perMinute = DefaultExpensivePerMinute
	}
	if burst <= 0 {
		burst = DefaultExpensiveBurst
	}
	return keyrate.New(perMinute, burst)
}

// limited wraps a handler of a route that calls a paid or slow provider
// (an LLM, Deepgram, Twilio) with the per-user rate limit: past it the
// caller gets 429 with Retry-After.
func (s *Server) limited(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := ""
		if u := caller(r.Context()); u != nil {
			key = u.ID
		} else if p := principal(r.Context()); p != nil {
			key = "principal:" + p.UserID + p.Role
		}
		if ok, wait := s.limiter.Allow(key, s.now()); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			return &flux.Error{Code: flux.ETooMany, Message: "Rate limit exceeded"}
		}
		return h(w, r)
	}
}
