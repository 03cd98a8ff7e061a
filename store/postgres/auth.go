package postgres

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

func init() {
	maps.Copy(constraintErrors, map[string]*flux.Error{
		"auth_passwords_user_id_fkey":         {Code: flux.ENotFound, Message: "user not found"},
		"auth_sessions_pkey":                  {Code: flux.EConflict, Message: "a session with that id exists"},
		"auth_sessions_user_id_fkey":          {Code: flux.ENotFound, Message: "user not found"},
		"auth_refresh_tokens_pkey":            {Code: flux.EConflict, Message: "a refresh token with that id exists"},
		"auth_refresh_tokens_hash_key":        {Code: flux.EConflict, Message: "a refresh token with that hash exists"},
		"auth_refresh_tokens_session_id_fkey": {Code: flux.ENotFound, Message: "session not found"},
		"auth_refresh_tokens_user_id_fkey":    {Code: flux.ENotFound, Message: "user not found"},
		"local_tokens_session_id_fkey":        {Code: flux.ENotFound, Message: "session not found"},
	})
}

// SetPasswordHash stores the user's password hash, replacing any.
func (d *db) SetPasswordHash(ctx context.Context, userID, hash string) error {
	if hash == "" || !storable(hash) {
		return flux.Invalid("invalid password hash", flux.FieldError{Field: "hash", Message: "is required"})
	}
	if !flux.ValidID(userID) {
		return notFound("user")
	}
	now := d.now()
	_, err := d.q.Exec(ctx, `INSERT INTO auth_passwords (user_id, hash, created_at, updated_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`, userID, hash, now)
	return mapErr("set password hash", err)
}

// PasswordHash returns the user's password hash.
func (d *db) PasswordHash(ctx context.Context, userID string) (string, error) {
	if !flux.ValidID(userID) {
		return "", notFound("password")
	}
	var h string
	err := d.q.QueryRow(ctx, `SELECT hash FROM auth_passwords WHERE user_id = $1`, userID).Scan(&h)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return "", notFound("password")
		}
		return "", mapErr("get password hash", err)
	}
	return h, nil
}

const sessionCols = `id, user_id, refreshed_at, created_at`

func scanSession(r pgx.Row) (*flux.AuthSession, error) {
	var s flux.AuthSession
	if err := r.Scan(&s.ID, &s.UserID, &s.RefreshedAt, &s.CreatedAt); err != nil {
		return nil, err
	}
	return &s, nil
}

// CreateSession stores a new session.
func (d *db) CreateSession(ctx context.Context, s *flux.AuthSession) error {
	v := *s
	var fs fieldErrs
	checkID(&v.ID, &fs, "id")
	if err := fs.err("invalid session"); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	v.CreatedAt = d.now()
	storeTimeP(&v.RefreshedAt)
	if _, err := d.q.Exec(ctx, `INSERT INTO auth_sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4)`,
		v.ID, v.UserID, timeArg(v.RefreshedAt), v.CreatedAt); err != nil {
		return mapErr("create session", err)
	}
	*s = v
	return nil
}

// GetSession returns one of the user's sessions.
func (d *db) GetSession(ctx context.Context, userID, id string) (*flux.AuthSession, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("session")
	}
	return one(ctx, d.q, "get session", "session", scanSession,
		`SELECT `+sessionCols+` FROM auth_sessions WHERE user_id = $1 AND id = $2`, userID, id)
}

// ListSessions returns the user's sessions, oldest first.
func (d *db) ListSessions(ctx context.Context, userID string) ([]flux.AuthSession, error) {
	if !flux.ValidID(userID) {
		return []flux.AuthSession{}, nil
	}
	return collect(ctx, d.q, "list sessions", scanSession,
		`SELECT `+sessionCols+` FROM auth_sessions WHERE user_id = $1 ORDER BY created_at, id`, userID)
}

// DeleteSession deletes one of the user's sessions; its tokens cascade.
func (d *db) DeleteSession(ctx context.Context, userID, id string) error {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return notFound("session")
	}
	return deleteOne(ctx, d.q, "delete session", "session", `DELETE FROM auth_sessions WHERE user_id = $1 AND id = $2`, userID, id)
}

// DeleteSessions deletes the user's sessions except keep.
func (d *db) DeleteSessions(ctx context.Context, userID, keep string) (int, error) {
	if !flux.ValidID(userID) {
		return 0, nil
	}
	if keep != "" && !flux.ValidID(keep) {
		keep = "" // names no session: keeps none
	}
	tag, err := d.q.Exec(ctx, `DELETE FROM auth_sessions WHERE user_id = $1 AND ($2::uuid IS NULL OR id <> $2)`, userID, uuidArg(keep))
	if err != nil {
		return 0, mapErr("delete sessions", err)
	}
	return int(tag.RowsAffected()), nil
}

const refreshCols = `id, user_id, session_id, token_hash, parent_id, revoked, created_at, updated_at`

func scanRefresh(r pgx.Row) (*flux.RefreshToken, error) {
	var t flux.RefreshToken
	if err := r.Scan(&t.ID, &t.UserID, &t.SessionID, &t.Hash, &t.ParentID, &t.Revoked, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateRefreshToken stores a refresh token of one of the user's sessions.
func (d *db) CreateRefreshToken(ctx context.Context, t *flux.RefreshToken) error {
	v := *t
	var fs fieldErrs
	checkID(&v.ID, &fs, "id")
	if v.Hash == "" || !storable(v.Hash) {
		fs.add("hash", "is required")
	}
	if !storable(v.ParentID) {
		fs.add("parent_id", "cannot be stored")
	}
	if err := fs.err("invalid refresh token"); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) || !flux.ValidID(v.SessionID) {
		return notFound("session")
	}
	v.CreatedAt = d.now()
	v.UpdatedAt = v.CreatedAt
	err := d.inTx(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, `INSERT INTO auth_refresh_tokens (`+refreshCols+`)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8
			WHERE EXISTS (SELECT 1 FROM auth_sessions WHERE id = $3 AND user_id = $2)`,
			v.ID, v.UserID, v.SessionID, v.Hash, v.ParentID, v.Revoked, v.CreatedAt, v.UpdatedAt)
		if err != nil {
			return mapErr("create refresh token", err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("session")
		}
		if v.ParentID != "" {
			if _, err := q.Exec(ctx, `UPDATE auth_sessions SET refreshed_at = $2 WHERE id = $1`, v.SessionID, v.CreatedAt); err != nil {
				return mapErr("create refresh token", err)
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
func (d *db) RefreshTokenByHash(ctx context.Context, hash string) (*flux.RefreshToken, error) {
	if hash == "" || !storable(hash) {
		return nil, notFound("refresh token")
	}
	return one(ctx, d.q, "get refresh token", "refresh token", scanRefresh,
		`SELECT `+refreshCols+` FROM auth_refresh_tokens WHERE token_hash = $1`, hash)
}

// RevokeRefreshToken marks one of the user's tokens revoked; true when this
// call did.
func (d *db) RevokeRefreshToken(ctx context.Context, userID, id string) (bool, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return false, notFound("refresh token")
	}
	var revoked bool
	err := d.inTx(ctx, func(q querier) error {
		// The row lock of FOR UPDATE serialises concurrent revocations: the
		// second sees the first's write.
		err := q.QueryRow(ctx, `SELECT revoked FROM auth_refresh_tokens WHERE user_id = $1 AND id = $2 FOR UPDATE`, userID, id).Scan(&revoked)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("refresh token")
		}
		if err != nil {
			return mapErr("revoke refresh token", err)
		}
		if revoked {
			return nil
		}
		_, err = q.Exec(ctx, `UPDATE auth_refresh_tokens SET revoked = true, updated_at = $2 WHERE id = $1`, id, d.now())
		return mapErr("revoke refresh token", err)
	})
	if err != nil {
		return false, err
	}
	return !revoked, nil
}

// DeleteRevokedRefreshTokens deletes the tokens revoked before t.
func (d *db) DeleteRevokedRefreshTokens(ctx context.Context, before time.Time) (int, error) {
	tag, err := d.q.Exec(ctx, `DELETE FROM auth_refresh_tokens WHERE revoked AND updated_at < $1`, ceilMicro(before))
	if err != nil {
		return 0, mapErr("delete revoked refresh tokens", err)
	}
	return int(tag.RowsAffected()), nil
}
