package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/fluxlife/flux"
)

// SetPasswordHash stores the user's password hash, replacing any.
func (s *stores) SetPasswordHash(ctx context.Context, userID, hash string) error {
	if hash == "" {
		return flux.Invalid("invalid password hash", flux.FieldError{Field: "hash", Message: "is required"})
	}
	if !flux.ValidID(userID) {
		return notFound("user")
	}
	now := micros(s.now())
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO auth_passwords (user_id, hash, created_at, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`, userID, hash, now, now)
		return insertError("set password hash", err, "the password exists")
	})
}

// PasswordHash returns the user's password hash.
func (s *stores) PasswordHash(ctx context.Context, userID string) (string, error) {
	if !flux.ValidID(userID) {
		return "", notFound("password")
	}
	var h string
	if err := s.r.QueryRowContext(ctx, "SELECT hash FROM auth_passwords WHERE user_id = ?", userID).Scan(&h); err != nil {
		return "", rowError("get password hash", "password", err)
	}
	return h, nil
}

const sessionColumns = `id, user_id, refreshed_at, created_at`

func scanSession(sc scanner) (flux.AuthSession, error) {
	var (
		v         flux.AuthSession
		refreshed sql.NullInt64
		created   int64
	)
	if err := sc.Scan(&v.ID, &v.UserID, &refreshed, &created); err != nil {
		return v, err
	}
	v.RefreshedAt, v.CreatedAt = fromNullMicros(refreshed), fromMicros(created)
	return v, nil
}

// CreateSession stores a new session.
func (s *stores) CreateSession(ctx context.Context, x *flux.AuthSession) error {
	v := *x
	if err := prepareNew(&v.ID, "session"); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	v.CreatedAt = s.now()
	v.RefreshedAt = storeTimePtr(v.RefreshedAt)
	err := s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, "INSERT INTO auth_sessions ("+sessionColumns+") VALUES (?, ?, ?, ?)",
			v.ID, v.UserID, nullMicros(v.RefreshedAt), micros(v.CreatedAt))
		return insertError("create session", err, "a session with this id already exists")
	})
	if err != nil {
		return err
	}
	*x = v
	return nil
}

// GetSession returns one of the user's sessions.
func (s *stores) GetSession(ctx context.Context, userID, id string) (*flux.AuthSession, error) {
	if !validIDs(userID, id) {
		return nil, notFound("session")
	}
	v, err := scanSession(s.r.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM auth_sessions WHERE user_id = ? AND id = ?", userID, id))
	if err != nil {
		return nil, rowError("get session", "session", err)
	}
	return &v, nil
}

// ListSessions returns the user's sessions, oldest first.
func (s *stores) ListSessions(ctx context.Context, userID string) ([]flux.AuthSession, error) {
	if !flux.ValidID(userID) {
		return nil, nil
	}
	return queryAll(ctx, s.r, "list sessions", scanSession,
		"SELECT "+sessionColumns+" FROM auth_sessions WHERE user_id = ? ORDER BY created_at, id", userID)
}

// DeleteSession deletes one of the user's sessions; its tokens cascade.
func (s *stores) DeleteSession(ctx context.Context, userID, id string) error {
	return s.deleteOwned(ctx, "auth_sessions", "session", userID, id)
}

// DeleteSessions deletes the user's sessions except keep.
func (s *stores) DeleteSessions(ctx context.Context, userID, keep string) (int, error) {
	if !flux.ValidID(userID) {
		return 0, nil
	}
	var n int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, "DELETE FROM auth_sessions WHERE user_id = ? AND id <> ?", userID, keep)
		if err != nil {
			return dbError("delete sessions", err)
		}
		n, err = res.RowsAffected()
		return dbError("delete sessions", err)
	})
	return int(n), err
}

const refreshColumns = `id, user_id, session_id, token_hash, parent_id, revoked, created_at, updated_at`

func scanRefresh(sc scanner) (flux.RefreshToken, error) {
	var (
		t                flux.RefreshToken
		created, updated int64
	)
	if err := sc.Scan(&t.ID, &t.UserID, &t.SessionID, &t.Hash, &t.ParentID, &t.Revoked, &created, &updated); err != nil {
		return t, err
	}
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return t, nil
}

// CreateRefreshToken stores a refresh token of one of the user's sessions.
func (s *stores) CreateRefreshToken(ctx context.Context, t *flux.RefreshToken) error {
	v := *t
	if err := prepareNew(&v.ID, "refresh token"); err != nil {
		return err
	}
	if v.Hash == "" {
		return flux.Invalid("invalid refresh token", flux.FieldError{Field: "hash", Message: "is required"})
	}
	if !validIDs(v.UserID, v.SessionID) {
		return notFound("session")
	}
	v.CreatedAt = s.now()
	v.UpdatedAt = v.CreatedAt
	err := s.write(ctx, func(q querier) error {
		if err := checkOwned(ctx, q, "auth_sessions", "session", v.UserID, v.SessionID); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, "INSERT INTO auth_refresh_tokens ("+refreshColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			v.ID, v.UserID, v.SessionID, v.Hash, v.ParentID, v.Revoked, micros(v.CreatedAt), micros(v.UpdatedAt)); err != nil {
			return insertError("create refresh token", err, "a refresh token with this id or hash already exists")
		}
		if v.ParentID != "" {
			if _, err := q.ExecContext(ctx, "UPDATE auth_sessions SET refreshed_at = ? WHERE id = ?", micros(v.CreatedAt), v.SessionID); err != nil {
				return dbError("create refresh token", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// RefreshTokenByHash returns the token with that hash.
func (s *stores) RefreshTokenByHash(ctx context.Context, hash string) (*flux.RefreshToken, error) {
	if hash == "" {
		return nil, notFound("refresh token")
	}
	t, err := scanRefresh(s.r.QueryRowContext(ctx, "SELECT "+refreshColumns+" FROM auth_refresh_tokens WHERE token_hash = ?", hash))
	if err != nil {
		return nil, rowError("get refresh token", "refresh token", err)
	}
	return &t, nil
}

// RevokeRefreshToken marks one of the user's tokens revoked; true when this
// call did. The writer's lock serialises concurrent calls.
func (s *stores) RevokeRefreshToken(ctx context.Context, userID, id string) (bool, error) {
	if !validIDs(userID, id) {
		return false, notFound("refresh token")
	}
	var did bool
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, "UPDATE auth_refresh_tokens SET revoked = 1, updated_at = ? WHERE user_id = ? AND id = ? AND revoked = 0",
			micros(s.now()), userID, id)
		if err != nil {
			return dbError("revoke refresh token", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return dbError("revoke refresh token", err)
		}
		if n == 1 {
			did = true
			return nil
		}
		return checkOwned(ctx, q, "auth_refresh_tokens", "refresh token", userID, id)
	})
	if err != nil {
		return false, err
	}
	return did, nil
}

// DeleteRevokedRefreshTokens deletes the tokens revoked before t.
func (s *stores) DeleteRevokedRefreshTokens(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(q querier) error {
		// updated_at < before, in microseconds: a token revoked within the
		// microsecond before a non-aligned t counts as before it.
		cut := before.UnixMicro()
		if before.Sub(time.UnixMicro(cut)) > 0 {
			cut++
		}
		res, err := q.ExecContext(ctx, "DELETE FROM auth_refresh_tokens WHERE revoked = 1 AND updated_at < ?", cut)
		if err != nil {
			return dbError("delete revoked refresh tokens", err)
		}
		n, err = res.RowsAffected()
		return dbError("delete revoked refresh tokens", err)
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}
