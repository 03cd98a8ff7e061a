package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

const patternCols = `id, user_id, pattern_type, pattern_key, description, data, user_override, confidence, created_at, updated_at`

func scanPattern(r pgx.Row) (*flux.Pattern, error) {
	var p flux.Pattern
	var data, override []byte
	if err := r.Scan(&p.ID, &p.UserID, &p.Type, &p.Key, &p.Description, &data, &override, &p.Confidence,
		&p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.Data, p.UserOverride = raw(data), raw(override)
	return &p, nil
}

var patternList = list[flux.Pattern]{
	op: "list patterns", table: "patterns", cols: patternCols, col: "created_at", desc: true,
	scan: scanPattern,
	key:  func(p *flux.Pattern) flux.Cursor { return flux.Cursor{Time: p.CreatedAt, ID: p.ID} },
}

// validatePattern checks what a pattern's own value decides.
func validatePattern(p *flux.Pattern, fs fieldErrs) error {
	if math.IsNaN(p.Confidence) || p.Confidence < 0 || p.Confidence > 1 {
		fs.add("confidence", "must be between 0 and 1")
	}
	checkJSON(p.Data, &fs, "data")
	checkJSON(p.UserOverride, &fs, "user_override")
	return fs.err("invalid pattern")
}

func patternArgs(p *flux.Pattern) []any {
	return []any{p.ID, p.UserID, p.Type, p.Key, p.Description, rawArg(p.Data), rawArg(p.UserOverride), p.Confidence,
		p.CreatedAt, p.UpdatedAt}
}

// CreatePattern stores a pattern.
func (d *db) CreatePattern(ctx context.Context, p *flux.Pattern) error {
	v := *p
	var fs fieldErrs
	checkID(&v.ID, &fs, "id")
	if err := validatePattern(&v, fs); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	v.CreatedAt = d.now()
	v.UpdatedAt = v.CreatedAt
	if _, err := d.q.Exec(ctx, `INSERT INTO patterns (`+patternCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		patternArgs(&v)...); err != nil {
		return mapErr("create pattern", err)
	}
	*p = v
	return nil
}

// GetPattern returns one of the user's patterns.
func (d *db) GetPattern(ctx context.Context, userID, id string) (*flux.Pattern, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("pattern")
	}
	return one(ctx, d.q, "get pattern", "pattern", scanPattern,
		`SELECT `+patternCols+` FROM patterns WHERE user_id = $1 AND id = $2`, userID, id)
}

// ListPatterns returns the user's patterns, newest first.
func (d *db) ListPatterns(ctx context.Context, userID string, f flux.PatternFilter, p flux.Page) ([]flux.Pattern, string, error) {
	if !flux.ValidID(userID) {
		return emptyList[flux.Pattern](p)
	}
	var a args
	cs := conds{"user_id = " + a.add(userID)}
	if f.Type != "" {
		cs = append(cs, "pattern_type = "+a.add(f.Type))
	}
	return patternList.run(ctx, d.q, cs, a, p)
}

// UpdatePattern edits one of the user's patterns through fn.
func (d *db) UpdatePattern(ctx context.Context, userID, id string, fn func(*flux.Pattern) error) (*flux.Pattern, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("pattern")
	}
	var out *flux.Pattern
	err := d.inTx(ctx, func(q querier) error {
		p, err := one(ctx, q, "update pattern", "pattern", scanPattern,
			`SELECT `+patternCols+` FROM patterns WHERE user_id = $1 AND id = $2 FOR UPDATE`, userID, id)
		if err != nil {
			return err
		}
		createdAt := p.CreatedAt
		if err := fn(p); err != nil {
			return err
		}
		p.ID, p.UserID, p.CreatedAt = id, userID, createdAt
		if err := validatePattern(p, nil); err != nil {
			return err
		}
		p.UpdatedAt = d.now()
		if _, err := q.Exec(ctx, `UPDATE patterns SET pattern_type = $3, pattern_key = $4, description = $5, data = $6,
			user_override = $7, confidence = $8, updated_at = $9 WHERE id = $1 AND user_id = $2`,
			without(patternArgs(p), 8)...); err != nil {
			return mapErr("update pattern", err)
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
func (d *db) DeletePattern(ctx context.Context, userID, id string) error {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return notFound("pattern")
	}
	return deleteOne(ctx, d.q, "delete pattern", "pattern", `DELETE FROM patterns WHERE user_id = $1 AND id = $2`, userID, id)
}

// SyncPatterns replaces the user's patterns of types with ps, in one
// transaction, keeping those the user overrode. The user's row is locked
// first, so two synchronisations of one user run one after the other.
func (d *db) SyncPatterns(ctx context.Context, userID string, types []string, ps []flux.Pattern) error {
	if !flux.ValidID(userID) {
		return notFound("user")
	}
	if len(types) == 0 {
		return nil
	}
	now := d.now()
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
		if err := validatePattern(&p, nil); err != nil {
			return err
		}
		news[i] = p
	}
	return d.inTx(ctx, func(q querier) error {
		var one int
		if err := q.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, userID).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return notFound("user")
		} else if err != nil {
			return mapErr("sync patterns", err)
		}
		old, err := collect(ctx, q, "sync patterns", scanPattern,
			`SELECT `+patternCols+` FROM patterns WHERE user_id = $1 AND pattern_type = ANY($2)`, userID, types)
		if err != nil {
			return err
		}
		plan := flux.PlanPatternSync(old, news)
		b := &pgx.Batch{}
		for _, u := range plan.Update {
			b.Queue(`UPDATE patterns SET description = $3, data = $4, confidence = $5, updated_at = $6 WHERE user_id = $1 AND id = $2`,
				userID, u.ID, u.Pattern.Description, rawArg(u.Pattern.Data), u.Pattern.Confidence, now)
		}
		for _, p := range plan.Create {
			b.Queue(`INSERT INTO patterns (`+patternCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, patternArgs(p)...)
		}
		if len(plan.Delete) > 0 {
			b.Queue(`DELETE FROM patterns WHERE user_id = $1 AND id = ANY($2)`, userID, plan.Delete)
		}
		if b.Len() == 0 {
			return nil
		}
		if err := q.SendBatch(ctx, b).Close(); err != nil {
			return mapErr("sync patterns", err)
		}
		return nil
	})
}
