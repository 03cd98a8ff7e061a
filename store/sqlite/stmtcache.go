package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// maxCachedStmts caps the statements one pool keeps prepared. The store's
// statements are a fixed set of texts, well under the cap; the few built at
// run time (IN lists of varying length) fill it no further than that.
const maxCachedStmts = 512

// stmtCache keeps the statements run on one pool prepared: a *sql.Stmt per
// statement text, which database/sql prepares once on each connection it
// runs on and keeps there, so that SQLite parses each statement once per
// connection instead of on every call. Statements with several parts
// (";") are not cached.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
	// pending are statements first run inside a transaction, to prepare
	// once it has ended: preparing needs a connection of the pool, and the
	// transaction holds one (the writer's only one).
	pending map[string]struct{}
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]struct{}{}}
}

func cacheable(query string) bool { return !strings.Contains(query, ";") }

// get returns the prepared statement of query, preparing it on first use,
// or nil when it is not to be cached (or preparing failed: running it
// unprepared reports the error as before). It needs a free connection of
// the pool: not for use inside a transaction (see lookup).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[query]
	c.mu.RUnlock()
	if ok || !cacheable(query) {
		return st
	}
	return c.prepare(ctx, query)
}

// prepare prepares query on the pool and keeps it, or returns nil when the
// cache is full or preparing failed. The lock is not held while preparing,
// which waits for a connection: a transaction holding one may be waiting
// for the lock.
func (c *stmtCache) prepare(ctx context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	full := len(c.m) >= maxCachedStmts
	c.mu.RUnlock()
	if full {
		return nil
	}
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[query]; ok {
		_ = st.Close()
		return old
	}
	if len(c.m) >= maxCachedStmts {
		_ = st.Close()
		return nil
	}
	c.m[query] = st
	return st
}

// lookup returns the prepared statement of query, or nil; a miss is noted
// for preparePending.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[query]
	_, wanted := c.pending[query]
	c.mu.RUnlock()
	if ok || wanted || !cacheable(query) {
		return st
	}
	c.mu.Lock()
	if len(c.pending) < maxCachedStmts {
		c.pending[query] = struct{}{}
	}
	c.mu.Unlock()
	return nil
}

// preparePending prepares the statements lookup missed; it is called after
// a transaction has ended.
func (c *stmtCache) preparePending(ctx context.Context) {
	c.mu.RLock()
	n := len(c.pending)
	c.mu.RUnlock()
	if n == 0 {
		return
	}
	c.mu.Lock()
	var qs []string
	for q := range c.pending {
		qs = append(qs, q)
		delete(c.pending, q)
	}
	c.mu.Unlock()
	for _, q := range qs {
		c.prepare(ctx, q)
	}
}

// close closes every cached statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		_ = st.Close()
		delete(c.m, q)
	}
}

// cachedDB is a pool whose statements come from its cache.
type cachedDB struct {
	*sql.DB
	c *stmtCache
}

func (d cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := d.c.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.DB.ExecContext(ctx, query, args...)
}

func (d cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.c.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.DB.QueryContext(ctx, query, args...)
}

func (d cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.c.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.DB.QueryRowContext(ctx, query, args...)
}

// cachedTx is a transaction of a pool whose statements come from the
// pool's cache (Tx.StmtContext uses the statement already prepared on the
// transaction's connection). QueryContext is left unprepared: all of a
// transaction's statements share its one connection, and a prepared
// statement is one cursor, so the same query run again while the rows of
// the first are still open would reset them; Exec and QueryRow finish
// with their statement before they return (a Row is scanned at once).
type cachedTx struct {
	*sql.Tx
	c *stmtCache
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.c.lookup(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.c.lookup(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}
