package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/fluxlife/flux"
	"golang.org/x/time/rate"
)

// Default per-user limits of the routes that call an LLM, Deepgram or
// Twilio (see Server.limited).
const (
	DefaultExpensivePerMinute = 30
	DefaultExpensiveBurst     = 10
)

// userLimiter keeps one token bucket per user, forgetting users idle long
// enough for their bucket to be full again.
type userLimiter struct {
	mu      sync.Mutex
	perMin  float64
	burst   int
	idle    time.Duration
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newUserLimiter(perMinute float64, burst int) *userLimiter {
	if perMinute <= 0 {
		perMinute = DefaultExpensivePerMinute
	}
	if burst <= 0 {
		burst = DefaultExpensiveBurst
	}
	// A bucket is forgotten only once it would have refilled: forgetting it
	// earlier would hand out a fresh burst.
	refill := time.Duration(float64(burst) / perMinute * float64(time.Minute))
	return &userLimiter{perMin: perMinute, burst: burst, idle: max(10*time.Minute, refill), buckets: map[string]*bucket{}}
}

// allow takes a token of key's bucket at now; when none is left it returns
// how long until one is.
func (l *userLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > 10*time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > l.idle {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.perMin/60), l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
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
		if ok, wait := s.limiter.allow(key, s.now()); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			return &flux.Error{Code: flux.ETooMany, Message: "Rate limit exceeded"}
		}
		return h(w, r)
	}
}
