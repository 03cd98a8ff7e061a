package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

const escalationCols = `id, user_id, coalesce(task_id::text, ''), title, message, priority, speed, status, steps,
	idempotency_key, created_at, updated_at, ended_at`

func scanEscalation(r pgx.Row) (*flux.Escalation, error) {
	var e flux.Escalation
	var steps []byte
	if err := r.Scan(&e.ID, &e.UserID, &e.TaskID, &e.Title, &e.Message, &e.Priority, &e.Speed, &e.Status, &steps,
		&e.IdempotencyKey, &e.CreatedAt, &e.UpdatedAt, &e.EndedAt); err != nil {
		return nil, err
	}
	if err := decodeJSON(steps, &e.Steps, "escalation steps"); err != nil {
		return nil, err
	}
	return &e, nil
}

var escalationList = list[flux.Escalation]{
	op: "list escalations", table: "escalations", cols: escalationCols, col: "created_at", desc: true,
	scan: scanEscalation,
	key:  func(e *flux.Escalation) flux.Cursor { return flux.Cursor{Time: e.CreatedAt, ID: e.ID} },
}

// validateEscalation checks what an escalation's own value decides.
func validateEscalation(e *flux.Escalation, fs fieldErrs) error {
	checkRef(e.TaskID, &fs, "task_id")
	if !e.Priority.Valid() {
		fs.add("priority", "unknown priority %q", e.Priority)
	}
	if e.Speed < 0 || math.IsNaN(e.Speed) || math.IsInf(e.Speed, 0) {
		fs.add("speed", "must be a number not below 0")
	}
	switch e.Status {
	case flux.EscalationRunning, flux.EscalationAcknowledged, flux.EscalationCancelled, flux.EscalationExhausted:
	default:
		fs.add("status", "unknown status %q", e.Status)
	}
	for i, s := range e.Steps {
		prefix := fmt.Sprintf("steps[%d].", i)
		if !validChannel(s.Channel) {
			fs.add(prefix+"channel", "must be push, whatsapp, call or log")
		}
		switch s.Status {
		case flux.StepPending, flux.StepSent, flux.StepDelivered, flux.StepFailed, flux.StepAcknowledged, flux.StepSkipped:
		default:
			fs.add(prefix+"status", "unknown status %q", s.Status)
		}
	}
	return fs.err("invalid escalation")
}

// normEscalation normalises e's times, its steps' included; the steps are
// copied so that the caller's slice is not changed.
func normEscalation(e *flux.Escalation) {
	storeTimeP(&e.EndedAt)
	if e.Steps != nil {
		steps := make([]flux.EscalationStep, len(e.Steps))
		for i, s := range e.Steps {
			s.DueAt = flux.StoreTime(s.DueAt)
			storeTimeP(&s.SentAt)
			storeTimeP(&s.DeliveredAt)
			steps[i] = s
		}
		e.Steps = steps
	}
}

func escalationArgs(e *flux.Escalation) ([]any, error) {
	var steps any
	if e.Steps != nil {
		b, err := jsonArg(e.Steps)
		if err != nil {
			return nil, err
		}
		steps = b
	}
	return []any{e.ID, e.UserID, uuidArg(e.TaskID), e.Title, e.Message, e.Priority, e.Speed, e.Status, steps,
		e.IdempotencyKey, e.CreatedAt, e.UpdatedAt, timeArg(e.EndedAt)}, nil
}

// CreateEscalation stores an escalation and its steps.
func (d *db) CreateEscalation(ctx context.Context, e *flux.Escalation) error {
	v := *e
	var fs fieldErrs
	checkID(&v.ID, &fs, "id")
	if err := validateEscalation(&v, fs); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	normEscalation(&v)
	v.CreatedAt = d.now()
	v.UpdatedAt = v.CreatedAt
	a, err := escalationArgs(&v)
	if err != nil {
		return err
	}
	if _, err := d.q.Exec(ctx, `INSERT INTO escalations (id, user_id, task_id, title, message, priority, speed,
		status, steps, idempotency_key, created_at, updated_at, ended_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, a...); err != nil {
		return mapErr("create escalation", err)
	}
	*e = v
	return nil
}

// GetEscalation returns one of the user's escalations.
func (d *db) GetEscalation(ctx context.Context, userID, id string) (*flux.Escalation, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("escalation")
	}
	return one(ctx, d.q, "get escalation", "escalation", scanEscalation,
		`SELECT `+escalationCols+` FROM escalations WHERE user_id = $1 AND id = $2`, userID, id)
}

// ListEscalations returns the user's escalations, newest first.
func (d *db) ListEscalations(ctx context.Context, userID string, f flux.EscalationFilter, p flux.Page) ([]flux.Escalation, string, error) {
	if !flux.ValidID(userID) || (f.TaskID != "" && !flux.ValidID(f.TaskID)) {
		return emptyList[flux.Escalation](p)
	}
	var a args
	cs := conds{"user_id = " + a.add(userID)}
	if len(f.Statuses) > 0 {
		cs = append(cs, "status = ANY("+a.add(strs(f.Statuses))+")")
	}
	if f.TaskID != "" {
		cs = append(cs, "task_id = "+a.add(f.TaskID))
	}
	if f.IdempotencyKey != "" {
		cs = append(cs, "idempotency_key = "+a.add(f.IdempotencyKey))
	}
	return escalationList.run(ctx, d.q, cs, a, p)
}

// UpdateEscalation edits one of the user's escalations, steps included,
// through fn.
func (d *db) UpdateEscalation(ctx context.Context, userID, id string, fn func(*flux.Escalation) error) (*flux.Escalation, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("escalation")
	}
	var out *flux.Escalation
	err := d.inTx(ctx, func(q querier) error {
		e, err := one(ctx, q, "update escalation", "escalation", scanEscalation,
			`SELECT `+escalationCols+` FROM escalations WHERE user_id = $1 AND id = $2 FOR UPDATE`, userID, id)
		if err != nil {
			return err
		}
		createdAt := e.CreatedAt
		if err := fn(e); err != nil {
			return err
		}
		e.ID, e.UserID, e.CreatedAt = id, userID, createdAt
		if err := validateEscalation(e, nil); err != nil {
			return err
		}
		normEscalation(e)
		e.UpdatedAt = d.now()
		a, err := escalationArgs(e)
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `UPDATE escalations SET task_id = $3, title = $4, message = $5, priority = $6,
			speed = $7, status = $8, steps = $9, idempotency_key = $10, updated_at = $11, ended_at = $12
			WHERE id = $1 AND user_id = $2`, without(a, 10)...); err != nil {
			return mapErr("update escalation", err)
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
