package voice

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// burstLimiter allows each user n session starts per window, with a token
// bucket per user kept in memory. Buckets that are full again are dropped
// once the map grows, so memory stays bounded by the active users.
type burstLimiter struct {
	mu     sync.Mutex
	limit  rate.Limit
	burst  int
	users  map[string]*rate.Limiter
	pruneN int
}

// newBurstLimiter returns nil (no limit) when n is not positive.
func newBurstLimiter(n int, window time.Duration) *burstLimiter {
	if n <= 0 || window <= 0 {
		return nil
	}
	return &burstLimiter{limit: rate.Every(window / time.Duration(n)), burst: n, users: map[string]*rate.Limiter{}, pruneN: 1024}
}

// allow takes one token of user's bucket at now, and reports whether there
// was one; when there was not, it says how long until there is.
func (b *burstLimiter) allow(user string, now time.Time) (bool, time.Duration) {
	if b == nil {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	l, ok := b.users[user]
	if !ok {
		if len(b.users) >= b.pruneN {
			b.prune(now)
		}
		l = rate.NewLimiter(b.limit, b.burst)
		b.users[user] = l
	}
	r := l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// prune drops the buckets that have refilled completely: forgetting them
// changes nothing.
func (b *burstLimiter) prune(now time.Time) {
	for u, l := range b.users {
		if l.TokensAt(now) >= float64(b.burst) {
			delete(b.users, u)
		}
	}
	if len(b.users) >= b.pruneN {
		b.pruneN *= 2
	}
}

// keyedMutex serialises work per key (a user id) within this process.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

// lock locks key and returns its unlock.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedEntry{}
	}
	e := k.locks[key]
	if e == nil {
		e = &keyedEntry{}
		k.locks[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
