package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/jobs"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// querier is what both a pool and a transaction offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// stores implements every store interface of flux once, for both the
// Store (reads on the read pool, each write in its own transaction on the
// writer) and the transaction Atomic hands out (everything on tx).
type stores struct {
	clock flux.Clock
	// r serves reads: the read pool, or tx.
	r querier
	// readDB is the read pool, for consistent multi-query reads outside a
	// transaction (ExportUser); nil inside one.
	readDB *sql.DB
	// writeDB is the writer pool; nil inside a transaction.
	writeDB *sql.DB
	// tx is the transaction of Atomic; nil outside one.
	tx *sql.Tx
	// jobs is the job queue, shared by every view of one Store.
	jobs *jobs.Slot[*sql.Tx]
	// readStmts and writeStmts keep the statements of each pool prepared.
	readStmts, writeStmts *stmtCache
	// gen counts the write transactions ended on the file (see wrote).
	gen *atomic.Uint64
	// lists caches task lists; nil inside a transaction or when turned off.
	lists *listCache
}

var _ flux.Stores = (*stores)(nil)

// inTx returns the view of s bound to tx.
func (s *stores) inTx(tx *sql.Tx) *stores {
	return &stores{clock: s.clock, r: cachedTx{tx, s.writeStmts}, tx: tx, jobs: s.jobs, readStmts: s.readStmts, writeStmts: s.writeStmts, gen: s.gen}
}

// wrote is called once a write transaction on the file has ended, committed
// or not (after the commit, so that a list read at the new count sees it):
// it makes every cached task list stale.
func (s *stores) wrote() { s.gen.Add(1) }

// write runs fn in a new transaction on the writer (BEGIN IMMEDIATE: it
// holds the write lock from the start, so what fn reads stays current until
// it commits), or inside Atomic in the current transaction, under a
// savepoint: a method that fails half-way leaves nothing behind even when
// the caller goes on and commits. fn's error is returned as is.
func (s *stores) write(ctx context.Context, fn func(q querier) error) error {
	if s.tx != nil {
		if _, err := s.tx.ExecContext(ctx, "SAVEPOINT flux_method"); err != nil {
			return fmt.Errorf("sqlite: savepoint: %w", err)
		}
		if err := fn(cachedTx{s.tx, s.writeStmts}); err != nil {
			if _, rerr := s.tx.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO flux_method; RELEASE flux_method"); rerr != nil {
				return errors.Join(err, fmt.Errorf("sqlite: rollback to savepoint: %w", rerr))
			}
			return err
		}
		if _, err := s.tx.ExecContext(ctx, "RELEASE flux_method"); err != nil {
			return fmt.Errorf("sqlite: release savepoint: %w", err)
		}
		return nil
	}
	tx, err := s.writeDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer s.wrote()
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(cachedTx{tx, s.writeStmts}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	s.writeStmts.preparePending(ctx)
	return nil
}

// readConsistent runs fn on one snapshot of the database: the current
// transaction, or a read transaction on the read pool.
func (s *stores) readConsistent(ctx context.Context, fn func(q querier) error) error {
	if s.tx != nil {
		return fn(cachedTx{s.tx, s.writeStmts})
	}
	tx, err := s.readDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer s.readStmts.preparePending(ctx)
	defer tx.Rollback() //nolint:errcheck // read-only
	return fn(cachedTx{tx, s.readStmts})
}

func (s *stores) now() time.Time { return flux.StoreTime(s.clock.Now()) }

// Users returns the user store.
func (s *stores) Users() flux.UserStore { return s }

// Goals returns the goal store.
func (s *stores) Goals() flux.GoalStore { return s }

// Tasks returns the task store.
func (s *stores) Tasks() flux.TaskStore { return s }

// Calendar returns the calendar store.
func (s *stores) Calendar() flux.CalendarStore { return s }

// Conversations returns the conversation store.
func (s *stores) Conversations() flux.ConversationStore { return s }

// PushSubscriptions returns the push subscription store.
func (s *stores) PushSubscriptions() flux.PushSubscriptionStore { return s }

// Notifications returns the notification log.
func (s *stores) Notifications() flux.NotificationStore { return s }

// Escalations returns the escalation store.
func (s *stores) Escalations() flux.EscalationStore { return s }

// Patterns returns the pattern store.
func (s *stores) Patterns() flux.PatternStore { return s }

// Tokens returns the local token store.
func (s *stores) Tokens() flux.TokenStore { return s }

// Secrets returns the secret store.
func (s *stores) Secrets() flux.SecretStore { return s }

// Auth returns the local sign-in store.
func (s *stores) Auth() flux.AuthStore { return s }

// --- errors ---

// dbError wraps a driver error with the operation; a *flux.Error (from
// validation or an update fn) passes through unchanged.
func dbError(op string, err error) error {
	if err == nil {
		return nil
	}
	var fe *flux.Error
	if errors.As(err, &fe) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// sqliteCode returns the extended result code of a driver error, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isUniqueViolation(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// insertError maps a failed insert or update: a unique violation is
// EConflict with conflictMsg, a foreign key violation (the user is missing)
// is ENotFound, anything else is wrapped with op.
func insertError(op string, err error, conflictMsg string) error {
	switch {
	case isUniqueViolation(err):
		return &flux.Error{Code: flux.EConflict, Message: conflictMsg, Err: fmt.Errorf("sqlite: %s: %w", op, err)}
	case isForeignKeyViolation(err):
		return &flux.Error{Code: flux.ENotFound, Message: "user not found", Err: fmt.Errorf("sqlite: %s: %w", op, err)}
	}
	return dbError(op, err)
}

// notFound returns the ENotFound error for a missing row of kind what.
func notFound(what string) error { return flux.NotFound(what) }

// rowError turns sql.ErrNoRows into ENotFound.
func rowError(op, what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(what)
	}
	return dbError(op, err)
}

// --- value conversions ---

// micros returns t as stored: unix microseconds, UTC.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros returns a stored time.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullMicros returns a nullable time as stored.
func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// fromNullMicros returns a nullable stored time.
func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// storeTimePtr normalises a nullable time to flux.StoreTime.
func storeTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := flux.StoreTime(*t)
	return &v
}

// nullString stores "" as NULL (for columns with a foreign key).
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonText returns v as JSON text, or NULL when v is nil.
func jsonText(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return string(b), nil
}

// rawText stores raw JSON verbatim; empty is NULL.
func rawText(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

// fromRawText returns stored raw JSON.
func fromRawText(v sql.NullString) json.RawMessage {
	if !v.Valid {
		return nil
	}
	return json.RawMessage(v.String)
}

// checkRaw adds a field error when m is set and is not valid JSON.
func checkRaw(fs []flux.FieldError, field string, m json.RawMessage) []flux.FieldError {
	if len(m) > 0 && !json.Valid(m) {
		fs = append(fs, flux.FieldError{Field: field, Message: "is not valid JSON"})
	}
	return fs
}

// fromJSONText decodes stored JSON into dst; NULL leaves dst zero.
func fromJSONText(v sql.NullString, dst any) error {
	if !v.Valid {
		return nil
	}
	return json.Unmarshal([]byte(v.String), dst)
}

// validIDs reports whether every id is a valid flux id.
func validIDs(ids ...string) bool {
	for _, id := range ids {
		if !flux.ValidID(id) {
			return false
		}
	}
	return true
}

// --- query building ---

// where accumulates a WHERE clause.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (?, ?, ...)" for a non-empty set.
func in[T ~string](w *where, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = "?"
		w.args = append(w.args, string(v))
	}
	w.conds = append(w.conds, col+" IN ("+strings.Join(ph, ", ")+")")
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// decodeCursor reads p.Cursor; ok is false for the first page.
func decodeCursor(p flux.Page) (c flux.Cursor, ok bool, err error) {
	if p.Cursor == "" {
		return flux.Cursor{}, false, nil
	}
	c, err = flux.DecodeCursor(p.Cursor)
	if err != nil {
		return flux.Cursor{}, false, err
	}
	return c, true, nil
}

// newestFirst adds the keyset condition of a list ordered by (created_at,
// id) descending, after the cursor.
func newestFirst(w *where, p flux.Page) error {
	c, ok, err := decodeCursor(p)
	if err != nil || !ok {
		return err
	}
	if c.Null {
		return flux.Invalid("invalid cursor", flux.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
	}
	w.add("(created_at, id) < (?, ?)", micros(c.Time), c.ID)
	return nil
}

// oldestFirst adds the keyset condition of a list ordered by (col, id)
// ascending, after the cursor.
func oldestFirst(w *where, col string, p flux.Page) error {
	c, ok, err := decodeCursor(p)
	if err != nil || !ok {
		return err
	}
	if c.Null {
		return flux.Invalid("invalid cursor", flux.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
	}
	w.add("("+col+", id) > (?, ?)", micros(c.Time), c.ID)
	return nil
}

// page trims items fetched with LIMIT size+1 to size and returns the next
// cursor, built by key from the last item kept.
func page[T any](items []T, size int, key func(*T) flux.Cursor) ([]T, string) {
	if len(items) <= size {
		return items, ""
	}
	items = items[:size]
	return items, flux.EncodeCursor(key(&items[size-1]))
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q querier, op string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}

// exists reports whether query returns a row.
func exists(ctx context.Context, q querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// deleteOwned deletes the row of table with id owned by userID; ENotFound
// when there is none.
func (s *stores) deleteOwned(ctx context.Context, table, what, userID, id string) error {
	if !validIDs(userID, id) {
		return notFound(what)
	}
	op := "delete " + what
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, "DELETE FROM "+table+" WHERE user_id = ? AND id = ?", userID, id)
		if err != nil {
			return dbError(op, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return dbError(op, err)
		}
		if n == 0 {
			return notFound(what)
		}
		return nil
	})
}

// checkOwned returns ENotFound (saying what) unless table has a row id
// owned by userID.
func checkOwned(ctx context.Context, q querier, table, what, userID, id string) error {
	if !validIDs(userID, id) {
		return notFound(what)
	}
	ok, err := exists(ctx, q, "SELECT 1 FROM "+table+" WHERE user_id = ? AND id = ?", userID, id)
	if err != nil {
		return dbError("check "+what, err)
	}
	if !ok {
		return notFound(what)
	}
	return nil
}
