// Package keyrate is a token bucket per key (a user, an e-mail address, a
// client address) for the HTTP layer's rate limits.
package keyrate

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter keeps a token bucket per key, forgetting keys idle long enough
// for their bucket to be full again (at least ten minutes): forgetting one
// earlier would hand out a fresh burst. It is safe for concurrent use.
type Limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	idle    time.Duration
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a limiter of perMinute tokens a minute with bursts of burst
// (both above zero).
func New(perMinute float64, burst int) *Limiter {
	refill := time.Duration(float64(burst) / perMinute * float64(time.Minute))
	return &Limiter{every: rate.Limit(perMinute / 60), burst: burst, idle: max(10*time.Minute, refill), buckets: map[string]*bucket{}}
}

// Allow takes a token of key's bucket at now; when none is left it returns
// how long until one is.
func (l *Limiter) Allow(key string, now time.Time) (bool, time.Duration) {
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
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
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
