package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fluxlife/flux"
)

// Defaults of the authentication cache (see Config.CacheTTL).
const (
	// DefaultCacheTTL is how long a verified token and a user row
	// are trusted without asking the store again. It bounds how long a
	// revocation or a change made where this replica does not hear of it
	// (a peer whose notification was lost, a write by another process on
	// SQLite) takes to be seen.
	DefaultCacheTTL = 10 * time.Second
	// DefaultCacheSize is the most tokens, and separately the most users,
	// the cache holds.
	DefaultCacheSize = 10000
)

// Peers carries the cache invalidations of one replica to the others that
// share its store: Publish announces that the named user's tokens or row
// changed (a sign-out, a revoked session, an account deleted or edited).
// The receiving side calls Authenticator.Forget with the user id, and
// Authenticator.ForgetAll when it may have missed announcements (its
// connection was lost). store/postgres's Notify and Listen carry them
// across PostgreSQL replicas.
type Peers interface {
	Publish(ctx context.Context, userID string) error
}

// cache holds verified tokens (by their text, with their caller) and user
// rows (by id) for a
// short TTL, so that a request of a known caller makes no store round trip
// before its handler. Every entry is dropped when its user is forgotten.
// An entry read from the store is kept only when nothing was forgotten
// while it was being read (epoch), so a revocation racing a lookup is never
// overwritten by the lookup's stale answer.
type cache struct {
	ttl   time.Duration
	size  int
	clock flux.Clock

	// latest is the latest time seen (unix nanoseconds), to notice the
	// clock stepping back.
	latest atomic.Int64

	mu     sync.Mutex
	epoch  uint64
	tokens map[string]tokenEntry
	users  map[string]*userEntry
}

// An entry is trusted from its at (when it was read) until its until; a
// clock that went back before at (a clock step) does not trust it either.
type tokenEntry struct {
	p         Principal
	at, until time.Time
}

type userEntry struct {
	user      *flux.User // nil when only tokens of the user are held
	at, until time.Time
	tokens    map[string]struct{}
}

func fresh(now, at, until time.Time) bool { return !now.Before(at) && now.Before(until) }

func newCache(ttl time.Duration, size int, clock flux.Clock) *cache {
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	if ttl < 0 {
		return nil
	}
	if size <= 0 {
		size = DefaultCacheSize
	}
	return &cache{ttl: ttl, size: size, clock: clock, tokens: map[string]tokenEntry{}, users: map[string]*userEntry{}}
}

// clockStep is how far the clock may go back between two requests before
// the cache stops trusting what it holds.
const clockStep = time.Second

// observe notes the time of a request. The TTL is measured on the clock,
// so a clock that steps back by more than clockStep empties the cache.
func (c *cache) observe(now time.Time) {
	n := now.UnixNano()
	for {
		l := c.latest.Load()
		switch {
		case n > l:
			if c.latest.CompareAndSwap(l, n) {
				return
			}
		case n < l-int64(clockStep):
			if c.latest.CompareAndSwap(l, n) {
				c.forgetAll()
				return
			}
		default:
			return
		}
	}
}

// snapshot returns the epoch to pass to a later put.
func (c *cache) snapshot() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// token returns a copy of the caller of a token verified within the TTL
// (and before its expiry), or nil.
func (c *cache) token(raw string) *Principal {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.tokens[raw]
	if !ok || !fresh(now, e.at, e.until) {
		return nil
	}
	p := e.p
	return &p
}

// putToken remembers a verified token (raw, its text) and its caller,
// unless something was forgotten since epoch. expires is the token's own
// expiry: past it, the token is verified again (and refused).
func (c *cache) putToken(epoch uint64, raw string, p *Principal, expires time.Time) {
	userID := p.UserID
	at := c.clock.Now()
	until := at.Add(c.ttl)
	if expires.Before(until) {
		until = expires
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return
	}
	if len(c.tokens) >= c.size {
		c.evictLocked()
	}
	ue := c.users[userID]
	if ue == nil {
		if len(c.users) >= c.size {
			c.evictLocked()
		}
		ue = &userEntry{}
		c.users[userID] = ue
	}
	if ue.tokens == nil {
		ue.tokens = map[string]struct{}{}
	}
	ue.tokens[raw] = struct{}{}
	c.tokens[raw] = tokenEntry{p: *p, at: at, until: until}
}

// user returns a copy of the cached row of the user, or nil.
func (c *cache) user(id string) *flux.User {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.users[id]
	if e == nil || e.user == nil || !fresh(now, e.at, e.until) {
		return nil
	}
	u := *e.user
	return &u
}

// putUser remembers a user row read from the store, unless something was
// forgotten since epoch.
func (c *cache) putUser(epoch uint64, u *flux.User) {
	at := c.clock.Now()
	until := at.Add(c.ttl)
	cp := *u
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return
	}
	e := c.users[u.ID]
	if e == nil {
		if len(c.users) >= c.size {
			c.evictLocked()
		}
		e = &userEntry{}
		c.users[u.ID] = e
	}
	e.user, e.at, e.until = &cp, at, until
}

// forget drops the user's row and every token of theirs.
func (c *cache) forget(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if e := c.users[userID]; e != nil {
		for id := range e.tokens {
			delete(c.tokens, id)
		}
		delete(c.users, userID)
	}
}

// forgetAll empties the cache.
func (c *cache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	clear(c.tokens)
	clear(c.users)
}

// evictLocked makes room: it drops the entries that outlived the TTL, and
// when none did, everything (a full cache of live entries means more
// callers within one TTL than the cache is sized for; they are looked up
// again).
func (c *cache) evictLocked() {
	now := c.clock.Now()
	for id, e := range c.tokens {
		if !fresh(now, e.at, e.until) {
			delete(c.tokens, id)
			if ue := c.users[e.p.UserID]; ue != nil {
				delete(ue.tokens, id)
			}
		}
	}
	for id, e := range c.users {
		if (e.user == nil || !fresh(now, e.at, e.until)) && len(e.tokens) == 0 {
			delete(c.users, id)
		}
	}
	if len(c.tokens) >= c.size || len(c.users) >= c.size {
		clear(c.tokens)
		clear(c.users)
	}
}

// Forget drops what the cache holds of the user: their row and their
// verified tokens, so that the next request of theirs asks the store. It
// is called on this replica's own revocations, and by the receiver of
// Peers' announcements for the other replicas'.
func (a *Authenticator) Forget(userID string) {
	if a.cache != nil {
		a.cache.forget(userID)
	}
}

// ForgetAll empties the cache: the receiver of Peers' announcements calls
// it when it (re)connects, since it may have missed some.
func (a *Authenticator) ForgetAll() {
	if a.cache != nil {
		a.cache.forgetAll()
	}
}

// revoked forgets the user here and announces it to the peers. The store
// already holds the change; a failed announcement is logged, and the other
// replicas see the change within the cache TTL.
func (a *Authenticator) revoked(ctx context.Context, userID string) {
	a.Forget(userID)
	if a.cfg.Peers == nil {
		return
	}
	if err := a.cfg.Peers.Publish(context.WithoutCancel(ctx), userID); err != nil {
		a.log.WarnContext(ctx, "auth: announcing a revocation to the other replicas failed; they see it within the cache TTL",
			"user_id", userID, "error", err)
	}
}

// Revoked tells the authenticator that the user's tokens were revoked or
// their row changed or was deleted by someone else than the Authenticator
// (an account deleted): it forgets them here and announces it to the peers.
func (a *Authenticator) Revoked(ctx context.Context, userID string) { a.revoked(ctx, userID) }

// User returns the user with userID: from the cache, or through load
// (which reads or creates the row), remembered for the cache TTL. It
// returns a copy the caller may keep.
func (a *Authenticator) User(ctx context.Context, userID string, load func(ctx context.Context) (*flux.User, error)) (*flux.User, error) {
	if a.cache == nil {
		return load(ctx)
	}
	if u := a.cache.user(userID); u != nil {
		return u, nil
	}
	epoch := a.cache.snapshot()
	u, err := load(ctx)
	if err != nil {
		return nil, err
	}
	if u.ID == userID {
		a.cache.putUser(epoch, u)
	}
	return u, nil
}
