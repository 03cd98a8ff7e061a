package gotrue

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps a token bucket per key, forgetting keys idle long enough
// for their bucket to be full again (at least ten minutes).
type limiter struct {
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

func newLimiter(perMinute float64, burst int) *limiter {
	refill := time.Duration(float64(burst) / perMinute * float64(time.Minute))
	return &limiter{every: rate.Limit(perMinute / 60), burst: burst, idle: max(10*time.Minute, refill), buckets: map[string]*bucket{}}
}

// allow takes a token of key's bucket at now; when none is left it returns
// how long until one is.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
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

// taker returns a check of key's bucket for Handler.limit; an empty key is
// not limited (there is nothing to key it by).
func (l *limiter) taker(key string) func(time.Time) (bool, time.Duration) {
	return func(now time.Time) (bool, time.Duration) {
		if key == "" {
			return true, 0
		}
		return l.allow(key, now)
	}
}
