package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

// patternHealth is the answer of GET /api/pattern-observer/health, as the
// original's.
type patternHealth struct {
	Status    string    `json:"status"`
	Service   string    `json:"service"`
	Version   string    `json:"version"`
	Timestamp time.Time `json:"timestamp"`
}

// consultBody is the body of POST /api/pattern-observer/consult.
type consultBody struct {
	// UserID is honoured for an admin; anyone else may name only themself.
	UserID string `json:"user_id,omitempty"`
	// LookbackDays is 1 to 365; default 90. With the default the result is
	// also stored as the caller's patterns.
	LookbackDays *int `json:"lookback_days,omitempty"`
}

// missSignalBody is the body of POST /api/pattern-observer/miss-signal.
type missSignalBody struct {
	TaskID string `json:"task_id"`
	// UserID is honoured for an admin; anyone else may name only themself.
	UserID string `json:"user_id,omitempty"`
	// ScheduledAt is an RFC 3339 time.
	ScheduledAt          string `json:"scheduled_at"`
	Category             string `json:"category,omitempty"`
	ConsecutiveMissCount *int   `json:"consecutive_miss_count,omitempty"`
}

// patternView is a stored pattern: data is the computed data with the
// user's override merged over it (and user_overridden set).
type patternView struct {
	ID           string          `json:"id"`
	UserID       string          `json:"user_id"`
	Type         string          `json:"pattern_type"`
	Key          string          `json:"pattern_key"`
	Description  string          `json:"description"`
	Data         map[string]any  `json:"data"`
	UserOverride json.RawMessage `json:"user_override"`
	Confidence   float64         `json:"confidence"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

func newPatternView(p *flux.Pattern) patternView {
	o := p.UserOverride
	if len(o) == 0 {
		o = json.RawMessage("null")
	}
	return patternView{ID: p.ID, UserID: p.UserID, Type: p.Type, Key: p.Key, Description: p.Description,
		Data: scheduler.EffectiveData(p), UserOverride: o, Confidence: p.Confidence, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func newPatternViews(ps []flux.Pattern) []patternView {
	out := make([]patternView, 0, len(ps))
	for i := range ps {
		out = append(out, newPatternView(&ps[i]))
	}
	return out
}

// patternList is the answer of GET /api/v1/patterns.
type patternList struct {
	Patterns   []patternView `json:"patterns"`
	NextCursor string        `json:"next_cursor"`
}

// patternPatch is the body of PATCH /api/v1/patterns/{id}.
type patternPatch struct {
	// UserOverride is merged over the pattern's current override (its
	// keys win over the computed data, and recomputations keep the
	// pattern as it is); null removes the override. {"dismissed": true}
	// on an avoidance pattern stops it keeping tasks away.
	UserOverride json.RawMessage `json:"user_override,omitempty"`
	Description  *string         `json:"description,omitempty"`
	Confidence   *float64        `json:"confidence,omitempty"`
}

// patternUser is the user a pattern-observer request acts for: the caller,
// or the user named by id, which only an admin may name when it is not the
// caller. Anyone else naming another user gets notOwn.
func (s *Server) patternUser(r *http.Request, id string, notOwn error) (*flux.User, error) {
	id = strings.TrimSpace(id)
	p := principal(r.Context())
	if id == "" || (p != nil && p.Admin) {
		return s.user(r, id)
	}
	u := caller(r.Context())
	if u == nil || !strings.EqualFold(u.ID, id) {
		return nil, notOwn
	}
	return u, nil
}

// notYours answers a body's user_id naming someone else.
var notYours = &flux.Error{Code: flux.EForbidden, Message: "user_id: you may only act for yourself",
	Fields: []flux.FieldError{{Field: "user_id", Message: "must be your own id"}}}

func (s *Server) patternRoutes() {
	s.handle(Route{Method: "GET", Path: "/api/pattern-observer/health", Summary: "Health of the pattern observer", Tag: "patterns",
		Response: patternHealth{}}, func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, patternHealth{Status: "ok", Service: "Pattern Observer Agent", Version: "1.0.0", Timestamp: s.clock.Now().UTC()})
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/api/pattern-observer/consult", Summary: "The caller's patterns computed from their done and missed tasks (best times, avoid slots, category completion, notes, low_confidence); stored with the default lookback", Tag: "patterns",
		Request: consultBody{}, Response: scheduler.Consultation{}, OptionalBody: true}, func(w http.ResponseWriter, r *http.Request) error {
		var body consultBody
		if r.ContentLength != 0 {
			if err := decode(w, r, &body); err != nil {
				return err
			}
		}
		days := 0
		if body.LookbackDays != nil {
			if *body.LookbackDays < 1 || *body.LookbackDays > 365 {
				return flux.Invalid("invalid consultation", flux.FieldError{Field: "lookback_days", Message: "must be between 1 and 365"})
			}
			days = *body.LookbackDays
		}
		u, err := s.patternUser(r, body.UserID, notYours)
		if err != nil {
			return err
		}
		c, err := s.patterns.Consult(r.Context(), u, days)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/api/pattern-observer/miss-signal", Summary: "A missed task: flags its slot as avoided at 3 misses on the same weekday within an hour over 3 distinct weeks", Tag: "patterns",
		Request: missSignalBody{}, Response: scheduler.MissSignalResult{}}, func(w http.ResponseWriter, r *http.Request) error {
		var body missSignalBody
		if err := decode(w, r, &body); err != nil {
			return err
		}
		var fs fieldErrs
		sig := scheduler.MissSignal{TaskID: strings.TrimSpace(body.TaskID), Category: strings.TrimSpace(body.Category), ConsecutiveMissCount: 1}
		if !flux.ValidID(sig.TaskID) {
			fs.add("task_id", "must be a UUID")
		}
		if t, ok := parseTime(body.ScheduledAt); ok {
			sig.ScheduledAt = t
		} else {
			fs.add("scheduled_at", "must be an RFC 3339 time such as 2026-04-13T19:00:00+02:00")
		}
		if c := body.ConsecutiveMissCount; c != nil {
			if *c < 1 {
				fs.add("consecutive_miss_count", "must be at least 1")
			}
			sig.ConsecutiveMissCount = *c
		}
		if err := fs.err("invalid miss signal"); err != nil {
			return err
		}
		u, err := s.patternUser(r, body.UserID, notYours)
		if err != nil {
			return err
		}
		res, err := s.patterns.Signal(r.Context(), u, sig)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/pattern-observer/patterns/{user_id}", Summary: "A user's stored patterns, newest first (a bare array); the caller's own, or anyone's for an admin", Tag: "patterns",
		Response: []patternView{}}, func(w http.ResponseWriter, r *http.Request) error {
		// another user's patterns are not found, whether the user exists or not
		u, err := s.patternUser(r, r.PathValue("user_id"), &flux.Error{Code: flux.ENotFound, Message: "patterns not found"})
		if err != nil {
			return err
		}
		var out []flux.Pattern
		p := flux.Page{Limit: flux.MaxPageLimit}
		for {
			ps, next, err := s.store.Patterns().ListPatterns(r.Context(), u.ID, flux.PatternFilter{}, p)
			if err != nil {
				return err
			}
			out = append(out, ps...)
			if next == "" {
				break
			}
			p.Cursor = next
		}
		writeJSON(w, http.StatusOK, newPatternViews(out))
		return nil
	})

	s.handle(Route{Method: "GET", Path: "/api/v1/patterns", Summary: "The caller's patterns, newest first; pattern_type filter, limit and cursor", Tag: "patterns",
		Response: patternList{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var fs fieldErrs
		pg := queryPage(r, &fs)
		if err := fs.err("invalid query"); err != nil {
			return err
		}
		ps, next, err := s.store.Patterns().ListPatterns(r.Context(), u.ID, flux.PatternFilter{Type: r.URL.Query().Get("pattern_type")}, pg)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, patternList{Patterns: newPatternViews(ps), NextCursor: next})
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/patterns/{id}", Summary: "One of the caller's patterns", Tag: "patterns",
		Response: patternView{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		p, err := s.store.Patterns().GetPattern(r.Context(), u.ID, r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPatternView(p))
		return nil
	})
	s.handle(Route{Method: "PATCH", Path: "/api/v1/patterns/{id}", Summary: "Correct one of the caller's patterns: user_override (merged into data, kept by recomputations; null removes it), description, confidence", Tag: "patterns",
		Request: patternPatch{}, Response: patternView{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body patternPatch
		if err := decode(w, r, &body); err != nil {
			return err
		}
		var fs fieldErrs
		var override map[string]json.RawMessage
		dropOverride := false
		switch o := strings.TrimSpace(string(body.UserOverride)); {
		case o == "":
		case o == "null":
			dropOverride = true
		default:
			if err := json.Unmarshal(body.UserOverride, &override); err != nil || override == nil {
				fs.add("user_override", "must be a JSON object or null")
			}
		}
		if c := body.Confidence; c != nil && (math.IsNaN(*c) || *c < 0 || *c > 1) {
			fs.add("confidence", "must be between 0 and 1")
		}
		if d := body.Description; d != nil && len([]rune(*d)) > 2000 {
			fs.add("description", "is longer than 2000 characters")
		}
		if err := fs.err("invalid pattern"); err != nil {
			return err
		}
		p, err := s.store.Patterns().UpdatePattern(r.Context(), u.ID, r.PathValue("id"), func(p *flux.Pattern) error {
			switch {
			case dropOverride:
				p.UserOverride = nil
			case override != nil:
				merged := map[string]json.RawMessage{}
				if len(p.UserOverride) > 0 {
					_ = json.Unmarshal(p.UserOverride, &merged)
				}
				for k, v := range override {
					merged[k] = v
				}
				raw, err := json.Marshal(merged)
				if err != nil {
					return err
				}
				p.UserOverride = raw
			}
			if body.Description != nil {
				p.Description = *body.Description
			}
			if body.Confidence != nil {
				p.Confidence = *body.Confidence
			}
			return nil
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPatternView(p))
		return nil
	})
	s.handle(Route{Method: "DELETE", Path: "/api/v1/patterns/{id}", Summary: "Delete one of the caller's patterns (a recomputation may learn it again)", Tag: "patterns",
		Status: http.StatusNoContent}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		if err := s.store.Patterns().DeletePattern(r.Context(), u.ID, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
