package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// querier is what the pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// db implements every store interface once, for the pool (tx nil: each
// method runs on its own, several-row writes in their own transaction) and
// for a transaction (inside Atomic: every method runs in tx).
type db struct {
	clock flux.Clock
	q     querier            // pool or tx
	pool  *pgxpool.Pool      // begins transactions when tx is nil
	tx    pgx.Tx             // Atomic's transaction, nil outside Atomic
	jobs  *jobs.Slot[pgx.Tx] // the job queue, shared by every view of one Store
}

var _ flux.Stores = (*db)(nil)

// bound returns the view of d bound to tx.
func (d *db) bound(tx pgx.Tx) *db {
	return &db{clock: d.clock, q: tx, pool: d.pool, tx: tx, jobs: d.jobs}
}

// now returns the store's time, as stored.
func (d *db) now() time.Time { return flux.StoreTime(d.clock.Now()) }

// inTx runs fn in a transaction: Atomic's when there is one (no nesting),
// else a new read-committed one that commits when fn returns nil.
func (d *db) inTx(ctx context.Context, fn func(q querier) error) error {
	if d.tx != nil {
		return fn(d.tx)
	}
	return d.newTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error { return fn(tx) })
}

// readTx runs fn in a consistent read: Atomic's transaction when there is
// one, else a new repeatable-read, read-only transaction.
func (d *db) readTx(ctx context.Context, fn func(q querier) error) error {
	if d.tx != nil {
		return fn(d.tx)
	}
	return d.newTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error { return fn(tx) })
}

// newTx runs fn in a new transaction, which commits when fn returns nil and
// is rolled back when fn returns an error or panics (the panic goes on).
func (d *db) newTx(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx) error) error {
	tx, err := d.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer func() {
		// A no-op after Commit; rolls back on an error or a panic in fn.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tx.Rollback(rctx)
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		if errors.Is(err, pgx.ErrTxCommitRollback) {
			return fmt.Errorf("postgres: commit: the transaction was aborted by an earlier failed statement: %w", err)
		}
		return mapErr("commit", err)
	}
	return nil
}

// Users returns d as the user store.
func (d *db) Users() flux.UserStore { return d }

// Goals returns d as the goal store.
func (d *db) Goals() flux.GoalStore { return d }

// Tasks returns d as the task store.
func (d *db) Tasks() flux.TaskStore { return d }

// Calendar returns d as the calendar store.
func (d *db) Calendar() flux.CalendarStore { return d }

// Conversations returns d as the conversation store.
func (d *db) Conversations() flux.ConversationStore { return d }

// PushSubscriptions returns d as the push subscription store.
func (d *db) PushSubscriptions() flux.PushSubscriptionStore { return d }

// Notifications returns d as the notification log.
func (d *db) Notifications() flux.NotificationStore { return d }

// Escalations returns d as the escalation store.
func (d *db) Escalations() flux.EscalationStore { return d }

// Patterns returns d as the pattern store.
func (d *db) Patterns() flux.PatternStore { return d }

// Tokens returns d as the token store.
func (d *db) Tokens() flux.TokenStore { return d }

// Secrets returns d as the secret store.
func (d *db) Secrets() flux.SecretStore { return d }

// Auth returns d as the local sign-in store.
func (d *db) Auth() flux.AuthStore { return d }

// Errors.

// constraintErrors turns a violated constraint (by name) into the error the
// caller sees.
var constraintErrors = map[string]*flux.Error{
	"users_pkey":                         {Code: flux.EConflict, Message: "a user with that id exists"},
	"users_email_key":                    {Code: flux.EConflict, Message: "the e-mail address is taken"},
	"goals_pkey":                         {Code: flux.EConflict, Message: "a goal with that id exists"},
	"milestones_pkey":                    {Code: flux.EConflict, Message: "a milestone with that id exists"},
	"tasks_pkey":                         {Code: flux.EConflict, Message: "a task with that id exists"},
	"calendar_events_pkey":               {Code: flux.EConflict, Message: "an event with that id exists"},
	"conversations_pkey":                 {Code: flux.EConflict, Message: "a conversation with that id exists"},
	"conversations_one_open_voice":       {Code: flux.EConflict, Message: "the user has an open voice session"},
	"messages_pkey":                      {Code: flux.EConflict, Message: "a message with that id exists"},
	"push_subscriptions_pkey":            {Code: flux.EConflict, Message: "a push subscription with that id exists"},
	"notifications_pkey":                 {Code: flux.EConflict, Message: "a notification with that id exists"},
	"notifications_user_idempotency_key": {Code: flux.EConflict, Message: "a notification with that idempotency key exists"},
	"notifications_external_id_key":      {Code: flux.EConflict, Message: "a notification with that external id exists"},
	"escalations_pkey":                   {Code: flux.EConflict, Message: "an escalation with that id exists"},
	"escalations_user_idempotency_key":   {Code: flux.EConflict, Message: "an escalation with that idempotency key exists"},
	"patterns_pkey":                      {Code: flux.EConflict, Message: "a pattern with that id exists"},
	"local_tokens_pkey":                  {Code: flux.EConflict, Message: "a token with that id exists"},
	"push_subscriptions_user_device_key": {Code: flux.EConflict, Message: "the device has a subscription"},
	"goals_user_id_fkey":                 {Code: flux.ENotFound, Message: "user not found"},
	"milestones_user_id_fkey":            {Code: flux.ENotFound, Message: "user not found"},
	"tasks_user_id_fkey":                 {Code: flux.ENotFound, Message: "user not found"},
	"calendar_events_user_id_fkey":       {Code: flux.ENotFound, Message: "user not found"},
	"conversations_user_id_fkey":         {Code: flux.ENotFound, Message: "user not found"},
	"messages_user_id_fkey":              {Code: flux.ENotFound, Message: "user not found"},
	"push_subscriptions_user_id_fkey":    {Code: flux.ENotFound, Message: "user not found"},
	"notifications_user_id_fkey":         {Code: flux.ENotFound, Message: "user not found"},
	"escalations_user_id_fkey":           {Code: flux.ENotFound, Message: "user not found"},
	"patterns_user_id_fkey":              {Code: flux.ENotFound, Message: "user not found"},
	"local_tokens_user_id_fkey":          {Code: flux.ENotFound, Message: "user not found"},
	"milestones_goal_fkey":               {Code: flux.ENotFound, Message: "goal not found"},
	"tasks_goal_fkey":                    {Code: flux.ENotFound, Message: "goal not found"},
	"tasks_milestone_fkey":               {Code: flux.ENotFound, Message: "milestone not found"},
	"messages_conversation_fkey":         {Code: flux.ENotFound, Message: "conversation not found"},
	"tasks_milestone_needs_goal":         {Code: flux.EInvalid, Message: "invalid task", Fields: []flux.FieldError{{Field: "milestone_id", Message: "needs a goal_id"}}},
	"calendar_events_end_after_start":    {Code: flux.EInvalid, Message: "invalid calendar event", Fields: []flux.FieldError{{Field: "end", Message: "must be after start"}}},
	"patterns_confidence_check":          {Code: flux.EInvalid, Message: "invalid pattern", Fields: []flux.FieldError{{Field: "confidence", Message: "must be between 0 and 1"}}},
	"messages_content_check":             {Code: flux.EInvalid, Message: "invalid message", Fields: []flux.FieldError{{Field: "content", Message: "is required"}}},
	"tasks_duration_minutes_check":       {Code: flux.EInvalid, Message: "invalid task", Fields: []flux.FieldError{{Field: "duration_minutes", Message: "must be between 1 and 1440"}}},
	"secrets_pkey":                       {Code: flux.EConflict, Message: "the secret exists"},
	"milestones_goal_id_id_key":          {Code: flux.EConflict, Message: "a milestone with that id exists"},
	"goals_user_id_id_key":               {Code: flux.EConflict, Message: "a goal with that id exists"},
	"conversations_user_id_id_key":       {Code: flux.EConflict, Message: "a conversation with that id exists"},
}

// mapErr wraps a driver error with what was being done, as the *flux.Error
// a caller can act on when it is one (a unique violation is EConflict, a
// missing referenced row ENotFound, a refused value EInvalid). The driver's
// text stays in the cause, never in the Message.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var fe *flux.Error
	if errors.As(err, &fe) {
		return err
	}
	cause := fmt.Errorf("postgres: %s: %w", op, err)
	if errors.Is(err, pgx.ErrNoRows) {
		return &flux.Error{Code: flux.ENotFound, Message: "not found", Err: cause}
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return cause
	}
	if known, ok := constraintErrors[pe.ConstraintName]; ok {
		e := *known
		e.Fields = append([]flux.FieldError(nil), known.Fields...)
		e.Err = cause
		return &e
	}
	switch pe.Code {
	case "23505": // unique_violation
		return &flux.Error{Code: flux.EConflict, Message: "the value clashes with a stored one", Err: cause}
	case "23503": // foreign_key_violation
		return &flux.Error{Code: flux.ENotFound, Message: "a referenced record was not found", Err: cause}
	case "23514", "23502", "22001", "22003", "22007", "22008", "22P02", "22P05", "22021", "22023", "22025", "2202E":
		// check and not-null violations, values out of range, text that
		// PostgreSQL cannot store (NUL characters), malformed JSON.
		return &flux.Error{Code: flux.EInvalid, Message: "a value cannot be stored", Err: cause}
	}
	return cause
}

// storable reports whether PostgreSQL can hold s in a text column: valid
// UTF-8 without NUL characters. A lookup by a string that is not storable
// finds nothing, without asking the database (which would refuse it).
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// notFound is ENotFound for what.
func notFound(what string) error { return flux.NotFound(what) }

// Arguments.

// uuidArg is the argument for a nullable uuid column: NULL for "".
func uuidArg(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeArg is the argument for a nullable timestamptz column.
func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

// storeTimeP normalises an optional time in place.
func storeTimeP(t **time.Time) {
	if *t != nil {
		v := flux.StoreTime(**t)
		*t = &v
	}
}

// rawArg is the argument for a json column holding caller JSON verbatim:
// NULL for an empty value.
func rawArg(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return []byte(m)
}

// jsonArg marshals v for a jsonb column.
func jsonArg(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, flux.Invalid("a value cannot be stored as JSON", flux.FieldError{Field: "json", Message: err.Error()})
	}
	return b, nil
}

// jsonNullArg is jsonArg with NULL for a nil value.
func jsonNullArg[T any](v *T) (any, error) {
	if v == nil {
		return nil, nil
	}
	return jsonArg(v)
}

// decodeJSON reads a jsonb column (NULL leaves v as it is).
func decodeJSON(b []byte, v any, what string) error {
	if b == nil {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("postgres: decode %s: %w", what, err)
	}
	return nil
}

// raw returns a json column's bytes as a RawMessage (nil for NULL).
func raw(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// fieldErrs collects field problems.
type fieldErrs []flux.FieldError

func (f *fieldErrs) add(field, format string, args ...any) {
	*f = append(*f, flux.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (f fieldErrs) err(message string) error {
	if len(f) == 0 {
		return nil
	}
	return flux.Invalid(message, f...)
}

// checkID checks an id a caller supplied for a new row: empty is filled
// with a new one, anything else must be a UUID.
func checkID(id *string, fs *fieldErrs, field string) {
	switch {
	case *id == "":
		*id = flux.NewID()
	case !flux.ValidID(*id):
		fs.add(field, "must be a UUID")
	}
}

// checkRef checks an optional reference to another row: empty or a UUID.
func checkRef(id string, fs *fieldErrs, field string) {
	if id != "" && !flux.ValidID(id) {
		fs.add(field, "must be a UUID")
	}
}

// checkJSON checks caller JSON kept verbatim.
func checkJSON(m json.RawMessage, fs *fieldErrs, field string) {
	if len(m) > 0 && !json.Valid(m) {
		fs.add(field, "is not valid JSON")
	}
}

// Lists.

// args builds positional query arguments.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	if n := len(*a); n < len(placeholders) {
		return placeholders[n]
	}
	return "$" + strconv.Itoa(len(*a))
}

// placeholders are "$1" to "$63", made once.
var placeholders = func() (p [64]string) {
	for i := 1; i < len(p); i++ {
		p[i] = "$" + strconv.Itoa(i)
	}
	return p
}()

// conds is a list of SQL conditions joined by AND.
type conds []string

func (c conds) sql() string { return strings.Join(c, " AND ") }

// keyset adds the condition for the page after cursor in a list ordered by
// (col, id), ascending or descending, and returns the ORDER BY clause. An
// empty cursor adds nothing.
func keyset(cs *conds, a *args, col, cursor string, desc bool) (string, error) {
	dir, op := "ASC", ">"
	if desc {
		dir, op = "DESC", "<"
	}
	order := fmt.Sprintf("%s %s, id %s", col, dir, dir)
	if cursor == "" {
		return order, nil
	}
	c, err := flux.DecodeCursor(cursor)
	if err != nil {
		return "", err
	}
	if c.Null {
		return "", flux.Invalid("invalid cursor", flux.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
	}
	*cs = append(*cs, fmt.Sprintf("(%s, id) %s (%s, %s)", col, op, a.add(c.Time), a.add(c.ID)))
	return order, nil
}

// page trims rows fetched with limit size+1 to size and returns the cursor
// of the next page ("" when there is none).
func page[T any](rows []T, size int, key func(*T) flux.Cursor) ([]T, string) {
	if len(rows) <= size {
		return rows, ""
	}
	rows = rows[:size]
	return rows, flux.EncodeCursor(key(&rows[size-1]))
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, q querier, op string, scan func(pgx.Row) (*T, error), sql string, a ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, a...)
	if err != nil {
		return nil, mapErr(op, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(op, err)
		}
		out = append(out, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// one runs a query expected to return one row; no row is ENotFound for what.
func one[T any](ctx context.Context, q querier, op, what string, scan func(pgx.Row) (*T, error), sql string, a ...any) (*T, error) {
	v, err := scan(q.QueryRow(ctx, sql, a...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(what)
	}
	if err != nil {
		return nil, mapErr(op, err)
	}
	return v, nil
}

// exists reports whether a query returns a row.
func exists(ctx context.Context, q querier, op, sql string, a ...any) (bool, error) {
	var one int
	err := q.QueryRow(ctx, sql, a...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(op, err)
	}
	return true, nil
}

// deleteOne runs a DELETE expected to remove one row; none is ENotFound.
func deleteOne(ctx context.Context, q querier, op, what, sql string, a ...any) error {
	tag, err := q.Exec(ctx, sql, a...)
	if err != nil {
		return mapErr(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(what)
	}
	return nil
}

// without returns a copy of a without its element i (an argument an UPDATE
// does not set: PostgreSQL refuses a parameter it cannot type).
func without(a []any, i int) []any {
	out := make([]any, 0, len(a)-1)
	out = append(out, a[:i]...)
	return append(out, a[i+1:]...)
}

// list is a keyset-paginated list over one table.
type list[T any] struct {
	op, table, cols string
	// col is the sort column; rows are ordered by (col, id).
	col  string
	desc bool
	scan func(pgx.Row) (*T, error)
	// key returns a row's sort time and id.
	key func(*T) flux.Cursor
}

// run returns the page p of the rows matching cs (with arguments a).
func (l list[T]) run(ctx context.Context, q querier, cs conds, a args, p flux.Page) ([]T, string, error) {
	order, err := keyset(&cs, &a, l.col, p.Cursor, l.desc)
	if err != nil {
		return nil, "", err
	}
	size := p.Size()
	limit := a.add(size + 1)
	rows, err := collect(ctx, q, l.op, l.scan, fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %s`,
		l.cols, l.table, cs.sql(), order, limit), a...)
	if err != nil {
		return nil, "", err
	}
	out, next := page(rows, size, l.key)
	return out, next, nil
}

// emptyList is the answer of a list that need not run (a malformed user
// id names nobody): no rows, but a bad cursor is still EInvalid.
func emptyList[T any](p flux.Page) ([]T, string, error) {
	if p.Cursor != "" {
		c, err := flux.DecodeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		if c.Null {
			return nil, "", flux.Invalid("invalid cursor", flux.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
		}
	}
	return []T{}, "", nil
}

// strs converts a list of string-kinded values for an ANY($n) argument.
func strs[S ~string](v []S) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

// ceilMicro returns t in store form, rounded up to the next whole
// microsecond when it has a finer part. For a stored (whole-microsecond)
// time s, s >= t and s < t hold exactly when they hold for ceilMicro(t).
func ceilMicro(t time.Time) time.Time {
	s := flux.StoreTime(t)
	if s.Before(t) {
		s = s.Add(flux.TimePrecision)
	}
	return s
}
