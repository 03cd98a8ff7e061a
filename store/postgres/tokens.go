package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

const tokenCols = `id, user_id, coalesce(session_id::text, ''), expires_at, created_at`

func scanToken(r pgx.Row) (*flux.LocalToken, error) {
	var t flux.LocalToken
	if err := r.Scan(&t.ID, &t.UserID, &t.SessionID, &t.ExpiresAt, &t.CreatedAt); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateToken records a token; its user must exist.
func (d *db) CreateToken(ctx context.Context, t *flux.LocalToken) error {
	v := *t
	var fs fieldErrs
	checkID(&v.ID, &fs, "id")
	if v.ExpiresAt.IsZero() {
		fs.add("expires_at", "is required")
	}
	if err := fs.err("invalid token"); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	if v.SessionID != "" && !flux.ValidID(v.SessionID) {
		return notFound("session")
	}
	v.ExpiresAt = flux.StoreTime(v.ExpiresAt)
	v.CreatedAt = d.now()
	// A session, when named, must be the user's.
	tag, err := d.q.Exec(ctx, `INSERT INTO local_tokens (id, user_id, session_id, expires_at, created_at)
		SELECT $1, $2, $3, $4, $5
		WHERE $3::uuid IS NULL OR EXISTS (SELECT 1 FROM auth_sessions WHERE id = $3 AND user_id = $2)`,
		v.ID, v.UserID, uuidArg(v.SessionID), v.ExpiresAt, v.CreatedAt)
	if err != nil {
		return mapErr("create token", err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("session")
	}
	*t = v
	return nil
}

// GetToken returns the token with that id, whoever it belongs to.
func (d *db) GetToken(ctx context.Context, id string) (*flux.LocalToken, error) {
	if !flux.ValidID(id) {
		return nil, notFound("token")
	}
	return one(ctx, d.q, "get token", "token", scanToken, `SELECT `+tokenCols+` FROM local_tokens WHERE id = $1`, id)
}

// DeleteToken revokes one of the user's tokens.
func (d *db) DeleteToken(ctx context.Context, userID, id string) error {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return notFound("token")
	}
	return deleteOne(ctx, d.q, "delete token", "token", `DELETE FROM local_tokens WHERE user_id = $1 AND id = $2`, userID, id)
}

// DeleteExpiredTokens deletes every token that expired before t and
// returns how many.
func (d *db) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	tag, err := d.q.Exec(ctx, `DELETE FROM local_tokens WHERE expires_at < $1`, ceilMicro(before))
	if err != nil {
		return 0, mapErr("delete expired tokens", err)
	}
	return int(tag.RowsAffected()), nil
}

// Secret returns the named secret, creating it with gen on first use. The
// value is inserted only when the name is absent and then read back, so
// concurrent first calls, in any process, all return the one value stored.
func (d *db) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	if name == "" {
		return nil, flux.Invalid("invalid secret", flux.FieldError{Field: "name", Message: "is required"})
	}
	var v []byte
	err := d.q.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, mapErr("read secret", err)
	}
	fresh, err := gen()
	if err != nil {
		return nil, fmt.Errorf("postgres: generate secret %q: %w", name, err)
	}
	if fresh == nil {
		fresh = []byte{}
	}
	if _, err := d.q.Exec(ctx, `INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, fresh, d.now()); err != nil {
		return nil, mapErr("store secret", err)
	}
	if err := d.q.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, mapErr("read secret", err)
	}
	return v, nil
}
