package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"github.com/fluxlife/flux"
)

const escalationColumns = `id, user_id, task_id, title, message, priority, speed, status, steps, idempotency_key,
	created_at, updated_at, ended_at`

func scanEscalation(sc scanner) (flux.Escalation, error) {
	var (
		e                flux.Escalation
		steps            sql.NullString
		created, updated int64
		ended            sql.NullInt64
	)
	if err := sc.Scan(&e.ID, &e.UserID, &e.TaskID, &e.Title, &e.Message, &e.Priority, &e.Speed, &e.Status, &steps,
		&e.IdempotencyKey, &created, &updated, &ended); err != nil {
		return e, err
	}
	if err := fromJSONText(steps, &e.Steps); err != nil {
		return e, fmt.Errorf("steps: %w", err)
	}
	e.CreatedAt, e.UpdatedAt = fromMicros(created), fromMicros(updated)
	e.EndedAt = fromNullMicros(ended)
	return e, nil
}

func normalizeEscalation(e *flux.Escalation) {
	e.CreatedAt = flux.StoreTime(e.CreatedAt)
	e.UpdatedAt = flux.StoreTime(e.UpdatedAt)
	e.EndedAt = storeTimePtr(e.EndedAt)
	if e.Steps != nil {
		steps := make([]flux.EscalationStep, len(e.Steps))
		for i, st := range e.Steps {
			st.DueAt = flux.StoreTime(st.DueAt)
			st.SentAt = storeTimePtr(st.SentAt)
			st.DeliveredAt = storeTimePtr(st.DeliveredAt)
			steps[i] = st
		}
		e.Steps = steps
	}
}

func validEscalationStatus(s flux.EscalationStatus) bool {
	switch s {
	case flux.EscalationRunning, flux.EscalationAcknowledged, flux.EscalationCancelled, flux.EscalationExhausted:
		return true
	}
	return false
}

func validStepStatus(s flux.StepStatus) bool {
	switch s {
	case flux.StepPending, flux.StepSent, flux.StepDelivered, flux.StepFailed, flux.StepAcknowledged, flux.StepSkipped:
		return true
	}
	return false
}

// validateEscalation checks e (which has no Validate method of its own).
func validateEscalation(e *flux.Escalation) error {
	var fs []flux.FieldError
	if !validEscalationStatus(e.Status) {
		fs = append(fs, flux.FieldError{Field: "status", Message: fmt.Sprintf("unknown status %q", e.Status)})
	}
	if !e.Priority.Valid() {
		fs = append(fs, flux.FieldError{Field: "priority", Message: fmt.Sprintf("unknown priority %q", e.Priority)})
	}
	if math.IsNaN(e.Speed) || math.IsInf(e.Speed, 0) || e.Speed < 0 {
		fs = append(fs, flux.FieldError{Field: "speed", Message: "must be a number not below 0"})
	}
	if e.TaskID != "" && !flux.ValidID(e.TaskID) {
		fs = append(fs, flux.FieldError{Field: "task_id", Message: "must be a UUID"})
	}
	for i := range e.Steps {
		st := &e.Steps[i]
		if !validChannel(st.Channel) {
			fs = append(fs, flux.FieldError{Field: fmt.Sprintf("steps[%d].channel", i), Message: fmt.Sprintf("unknown channel %q", st.Channel)})
		}
		if !validStepStatus(st.Status) {
			fs = append(fs, flux.FieldError{Field: fmt.Sprintf("steps[%d].status", i), Message: fmt.Sprintf("unknown status %q", st.Status)})
		}
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid escalation", fs...)
	}
	return nil
}

const escalationKeyTaken = "an escalation with this idempotency key already exists"

func escalationConflict(ctx context.Context, q querier, e *flux.Escalation) error {
	if e.IdempotencyKey == "" {
		return nil
	}
	ok, err := exists(ctx, q, "SELECT 1 FROM escalations WHERE user_id = ? AND idempotency_key = ? AND id <> ?", e.UserID, e.IdempotencyKey, e.ID)
	if err != nil {
		return dbError("check escalation", err)
	}
	if ok {
		return &flux.Error{Code: flux.EConflict, Message: escalationKeyTaken}
	}
	return nil
}

// CreateEscalation stores an escalation with its steps; EConflict on a
// repeated idempotency key of the user.
func (s *stores) CreateEscalation(ctx context.Context, e *flux.Escalation) error {
	v := *e
	if err := prepareNew(&v.ID, "escalation"); err != nil {
		return err
	}
	now := s.now()
	v.CreatedAt, v.UpdatedAt = now, now
	normalizeEscalation(&v)
	if err := validateEscalation(&v); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	steps, err := jsonText(v.Steps)
	if err != nil {
		return dbError("create escalation", err)
	}
	err = s.write(ctx, func(q querier) error {
		if err := escalationConflict(ctx, q, &v); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, "INSERT INTO escalations ("+escalationColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			v.ID, v.UserID, v.TaskID, v.Title, v.Message, string(v.Priority), v.Speed, string(v.Status), steps, v.IdempotencyKey,
			micros(v.CreatedAt), micros(v.UpdatedAt), nullMicros(v.EndedAt)); err != nil {
			return insertError("create escalation", err, escalationKeyTaken)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*e = v
	return nil
}

func getEscalation(ctx context.Context, q querier, userID, id string) (*flux.Escalation, error) {
	if !validIDs(userID, id) {
		return nil, notFound("escalation")
	}
	e, err := scanEscalation(q.QueryRowContext(ctx, "SELECT "+escalationColumns+" FROM escalations WHERE user_id = ? AND id = ?", userID, id))
	if err != nil {
		return nil, rowError("get escalation", "escalation", err)
	}
	return &e, nil
}

// GetEscalation returns one of the user's escalations.
func (s *stores) GetEscalation(ctx context.Context, userID, id string) (*flux.Escalation, error) {
	return getEscalation(ctx, s.r, userID, id)
}

// ListEscalations returns the user's escalations, newest first (CreatedAt,
// then ID, descending).
func (s *stores) ListEscalations(ctx context.Context, userID string, f flux.EscalationFilter, p flux.Page) ([]flux.Escalation, string, error) {
	var w where
	w.add("user_id = ?", userID)
	in(&w, "status", f.Statuses)
	if f.TaskID != "" {
		w.add("task_id = ?", f.TaskID)
	}
	if f.IdempotencyKey != "" {
		w.add("idempotency_key = ?", f.IdempotencyKey)
	}
	if err := newestFirst(&w, p); err != nil {
		return nil, "", err
	}
	if !flux.ValidID(userID) {
		return nil, "", nil
	}
	size := p.Size()
	es, err := queryAll(ctx, s.r, "list escalations", scanEscalation,
		"SELECT "+escalationColumns+" FROM escalations"+w.String()+" ORDER BY created_at DESC, id DESC LIMIT ?", append(w.args, size+1)...)
	if err != nil {
		return nil, "", err
	}
	es, next := page(es, size, func(e *flux.Escalation) flux.Cursor { return flux.Cursor{Time: e.CreatedAt, ID: e.ID} })
	return es, next, nil
}

// UpdateEscalation edits one of the user's escalations, steps included,
// through fn.
func (s *stores) UpdateEscalation(ctx context.Context, userID, id string, fn func(*flux.Escalation) error) (*flux.Escalation, error) {
	if !validIDs(userID, id) {
		return nil, notFound("escalation")
	}
	var out *flux.Escalation
	err := s.write(ctx, func(q querier) error {
		e, err := getEscalation(ctx, q, userID, id)
		if err != nil {
			return err
		}
		orig := *e
		if err := fn(e); err != nil {
			return err
		}
		e.ID, e.UserID, e.CreatedAt = orig.ID, orig.UserID, orig.CreatedAt
		e.UpdatedAt = s.now()
		normalizeEscalation(e)
		if err := validateEscalation(e); err != nil {
			return err
		}
		if err := escalationConflict(ctx, q, e); err != nil {
			return err
		}
		steps, err := jsonText(e.Steps)
		if err != nil {
			return dbError("update escalation", err)
		}
		if _, err := q.ExecContext(ctx, `UPDATE escalations SET task_id = ?, title = ?, message = ?, priority = ?, speed = ?,
			status = ?, steps = ?, idempotency_key = ?, updated_at = ?, ended_at = ? WHERE user_id = ? AND id = ?`,
			e.TaskID, e.Title, e.Message, string(e.Priority), e.Speed, string(e.Status), steps, e.IdempotencyKey,
			micros(e.UpdatedAt), nullMicros(e.EndedAt), userID, id); err != nil {
			return insertError("update escalation", err, escalationKeyTaken)
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
