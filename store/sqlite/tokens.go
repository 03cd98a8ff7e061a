package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// CreateToken records a local-mode token; its user must exist (ENotFound).
func (s *stores) CreateToken(ctx context.Context, t *flux.LocalToken) error {
	v := *t
	if err := prepareNew(&v.ID, "token"); err != nil {
		return err
	}
	v.CreatedAt = s.now()
	v.ExpiresAt = flux.StoreTime(v.ExpiresAt)
	if v.ExpiresAt.IsZero() {
		return flux.Invalid("invalid token", flux.FieldError{Field: "expires_at", Message: "is required"})
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	if v.SessionID != "" && !flux.ValidID(v.SessionID) {
		return notFound("session")
	}
	err := s.write(ctx, func(q querier) error {
		ok, err := exists(ctx, q, "SELECT 1 FROM users WHERE id = ?", v.UserID)
		if err != nil {
			return dbError("create token", err)
		}
		if !ok {
			return notFound("user")
		}
		if v.SessionID != "" {
			if err := checkOwned(ctx, q, "auth_sessions", "session", v.UserID, v.SessionID); err != nil {
				return err
			}
		}
		if _, err := q.ExecContext(ctx, "INSERT INTO local_tokens (id, user_id, session_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
			v.ID, v.UserID, nullString(v.SessionID), micros(v.ExpiresAt), micros(v.CreatedAt)); err != nil {
			return insertError("create token", err, "a token with this id already exists")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// GetToken returns the token with that id, whoever it belongs to.
func (s *stores) GetToken(ctx context.Context, id string) (*flux.LocalToken, error) {
	if !flux.ValidID(id) {
		return nil, notFound("token")
	}
	var (
		t                flux.LocalToken
		expires, created int64
	)
	err := s.r.QueryRowContext(ctx, "SELECT id, user_id, coalesce(session_id, ''), expires_at, created_at FROM local_tokens WHERE id = ?", id).
		Scan(&t.ID, &t.UserID, &t.SessionID, &expires, &created)
	if err != nil {
		return nil, rowError("get token", "token", err)
	}
	t.ExpiresAt, t.CreatedAt = fromMicros(expires), fromMicros(created)
	return &t, nil
}

// DeleteToken revokes one of the user's tokens.
func (s *stores) DeleteToken(ctx context.Context, userID, id string) error {
	return s.deleteOwned(ctx, "local_tokens", "token", userID, id)
}

// DeleteExpiredTokens deletes every token that expired before t and returns
// how many.
func (s *stores) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, "DELETE FROM local_tokens WHERE expires_at < ?", micros(before))
		if err != nil {
			return dbError("delete expired tokens", err)
		}
		n, err = res.RowsAffected()
		return dbError("delete expired tokens", err)
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// Secret returns the named secret, creating it with gen on first use. The
// value is inserted only when absent and then read back, so concurrent
// first calls, in any process, all return the one stored value.
func (s *stores) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	if strings.TrimSpace(name) == "" {
		return nil, flux.Invalid("invalid secret name", flux.FieldError{Field: "name", Message: "is required"})
	}
	var v []byte
	err := s.r.QueryRowContext(ctx, "SELECT value FROM secrets WHERE name = ?", name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if err := rowError("get secret", "secret", err); !flux.IsCode(err, flux.ENotFound) {
		return nil, err
	}
	fresh, err := gen()
	if err != nil {
		return nil, fmt.Errorf("sqlite: generate secret %q: %w", name, err)
	}
	if fresh == nil {
		fresh = []byte{}
	}
	err = s.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, "INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
			name, fresh, micros(s.now())); err != nil {
			return dbError("store secret", err)
		}
		return q.QueryRowContext(ctx, "SELECT value FROM secrets WHERE name = ?", name).Scan(&v)
	})
	if err != nil {
		return nil, dbError("read secret", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}
