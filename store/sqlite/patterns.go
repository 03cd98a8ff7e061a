package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"

	"github.com/fluxlife/flux"
)

const patternColumns = `id, user_id, pattern_type, pattern_key, description, data, user_override, confidence, created_at, updated_at`

func scanPattern(sc scanner) (flux.Pattern, error) {
	var (
		p                flux.Pattern
		data, override   sql.NullString
		created, updated int64
	)
	if err := sc.Scan(&p.ID, &p.UserID, &p.Type, &p.Key, &p.Description, &data, &override, &p.Confidence, &created, &updated); err != nil {
		return p, err
	}
	p.Data, p.UserOverride = fromRawText(data), fromRawText(override)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

func validatePattern(p *flux.Pattern) error {
	var fs []flux.FieldError
	if math.IsNaN(p.Confidence) || p.Confidence < 0 || p.Confidence > 1 {
		fs = append(fs, flux.FieldError{Field: "confidence", Message: "must be between 0 and 1"})
	}
	fs = checkRaw(fs, "data", p.Data)
	fs = checkRaw(fs, "user_override", p.UserOverride)
	if len(fs) > 0 {
		return flux.Invalid("invalid pattern", fs...)
	}
	return nil
}

// CreatePattern stores a pattern (Confidence in [0, 1]).
func (s *stores) CreatePattern(ctx context.Context, p *flux.Pattern) error {
	v := *p
	if err := prepareNew(&v.ID, "pattern"); err != nil {
		return err
	}
	now := s.now()
	v.CreatedAt, v.UpdatedAt = now, now
	if err := validatePattern(&v); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	err := s.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, "INSERT INTO patterns ("+patternColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			v.ID, v.UserID, v.Type, v.Key, v.Description, rawText(v.Data), rawText(v.UserOverride), v.Confidence,
			micros(v.CreatedAt), micros(v.UpdatedAt)); err != nil {
			return insertError("create pattern", err, "a pattern with this id already exists")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*p = v
	return nil
}

func getPattern(ctx context.Context, q querier, userID, id string) (*flux.Pattern, error) {
	if !validIDs(userID, id) {
		return nil, notFound("pattern")
	}
	p, err := scanPattern(q.QueryRowContext(ctx, "SELECT "+patternColumns+" FROM patterns WHERE user_id = ? AND id = ?", userID, id))
	if err != nil {
		return nil, rowError("get pattern", "pattern", err)
	}
	return &p, nil
}

// GetPattern returns one of the user's patterns.
func (s *stores) GetPattern(ctx context.Context, userID, id string) (*flux.Pattern, error) {
	return getPattern(ctx, s.r, userID, id)
}

// ListPatterns returns the user's patterns, newest first (CreatedAt, then
// ID, descending).
func (s *stores) ListPatterns(ctx context.Context, userID string, f flux.PatternFilter, p flux.Page) ([]flux.Pattern, string, error) {
	var w where
	w.add("user_id = ?", userID)
	if f.Type != "" {
		w.add("pattern_type = ?", f.Type)
	}
	if err := newestFirst(&w, p); err != nil {
		return nil, "", err
	}
	if !flux.ValidID(userID) {
		return nil, "", nil
	}
	size := p.Size()
	ps, err := queryAll(ctx, s.r, "list patterns", scanPattern,
		"SELECT "+patternColumns+" FROM patterns"+w.String()+" ORDER BY created_at DESC, id DESC LIMIT ?", append(w.args, size+1)...)
	if err != nil {
		return nil, "", err
	}
	ps, next := page(ps, size, func(p *flux.Pattern) flux.Cursor { return flux.Cursor{Time: p.CreatedAt, ID: p.ID} })
	return ps, next, nil
}

// UpdatePattern edits one of the user's patterns through fn.
func (s *stores) UpdatePattern(ctx context.Context, userID, id string, fn func(*flux.Pattern) error) (*flux.Pattern, error) {
	if !validIDs(userID, id) {
		return nil, notFound("pattern")
	}
	var out *flux.Pattern
	err := s.write(ctx, func(q querier) error {
		p, err := getPattern(ctx, q, userID, id)
		if err != nil {
			return err
		}
		orig := *p
		if err := fn(p); err != nil {
			return err
		}
		p.ID, p.UserID, p.CreatedAt = orig.ID, orig.UserID, orig.CreatedAt
		p.UpdatedAt = s.now()
		if err := validatePattern(p); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE patterns SET pattern_type = ?, pattern_key = ?, description = ?, data = ?, user_override = ?,
			confidence = ?, updated_at = ? WHERE user_id = ? AND id = ?`,
			p.Type, p.Key, p.Description, rawText(p.Data), rawText(p.UserOverride), p.Confidence, micros(p.UpdatedAt), userID, id); err != nil {
			return dbError("update pattern", err)
		}
		out = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeletePattern deletes one of the user's patterns.
func (s *stores) DeletePattern(ctx context.Context, userID, id string) error {
	return s.deleteOwned(ctx, "patterns", "pattern", userID, id)
}

// SyncPatterns replaces the user's patterns of types with ps, in one
// transaction, keeping those the user overrode.
func (s *stores) SyncPatterns(ctx context.Context, userID string, types []string, ps []flux.Pattern) error {
	if !flux.ValidID(userID) {
		return notFound("user")
	}
	if len(types) == 0 {
		return nil
	}
	now := s.now()
	want := make(map[string]bool, len(types))
	for _, t := range types {
		want[t] = true
	}
	news := make([]flux.Pattern, len(ps))
	for i, p := range ps {
		if !want[p.Type] {
			return flux.Invalid("invalid pattern", flux.FieldError{Field: fmt.Sprintf("patterns[%d].pattern_type", i), Message: fmt.Sprintf("%q is not one of the synchronised types", p.Type)})
		}
		p.ID, p.UserID, p.CreatedAt, p.UpdatedAt = flux.NewID(), userID, now, now
		if err := validatePattern(&p); err != nil {
			return err
		}
		news[i] = p
	}
	return s.write(ctx, func(q querier) error {
		if ok, err := exists(ctx, q, "SELECT 1 FROM users WHERE id = ?", userID); err != nil {
			return dbError("sync patterns", err)
		} else if !ok {
			return notFound("user")
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(types)), ", ")
		args := []any{userID}
		for _, t := range types {
			args = append(args, t)
		}
		old, err := queryAll(ctx, q, "sync patterns", scanPattern,
			"SELECT "+patternColumns+" FROM patterns WHERE user_id = ? AND pattern_type IN ("+marks+")", args...)
		if err != nil {
			return err
		}
		plan := flux.PlanPatternSync(old, news)
		for _, u := range plan.Update {
			if _, err := q.ExecContext(ctx, "UPDATE patterns SET description = ?, data = ?, confidence = ?, updated_at = ? WHERE user_id = ? AND id = ?",
				u.Pattern.Description, rawText(u.Pattern.Data), u.Pattern.Confidence, micros(now), userID, u.ID); err != nil {
				return dbError("sync patterns", err)
			}
		}
		for _, p := range plan.Create {
			if _, err := q.ExecContext(ctx, "INSERT INTO patterns ("+patternColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				p.ID, userID, p.Type, p.Key, p.Description, rawText(p.Data), rawText(p.UserOverride), p.Confidence,
				micros(now), micros(now)); err != nil {
				return insertError("sync patterns", err, "a pattern with this id already exists")
			}
		}
		for _, id := range plan.Delete {
			if _, err := q.ExecContext(ctx, "DELETE FROM patterns WHERE user_id = ? AND id = ?", userID, id); err != nil {
				return dbError("sync patterns", err)
			}
		}
		return nil
	})
}
