package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testPatterns specifies flux.PatternStore.
func testPatterns(t *testing.T, open Opener) {
	subtest(t, open, "CreateAndGet", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		build := func() flux.Pattern {
			p := newPattern(u.ID, "time_avoidance")
			p.UserOverride = json.RawMessage(`{"hour": 8, "note": "not on Mondays"}`)
			p.Confidence = 0.625
			return p
		}
		p := build()
		must(t, e.s.Patterns().CreatePattern(e.ctx, &p), "CreatePattern")
		if !flux.ValidID(p.ID) {
			t.Fatalf("CreatePattern wrote back id %q, want a new UUID", p.ID)
		}
		want := build()
		want.ID, want.CreatedAt, want.UpdatedAt = p.ID, e.clock.stored(), e.clock.stored()
		wantEqual(t, "CreatePattern writes the stored pattern back", want, p)
		wantEqual(t, "GetPattern", want, *mustGet[*flux.Pattern](t, "GetPattern")(e.s.Patterns().GetPattern(e.ctx, u.ID, p.ID)))
		wantGetNotFound(e, "GetPattern", e.s.Patterns().GetPattern, u.ID, other.ID, p.ID)

		// JSON comes back as the same value, whatever its layout; no
		// override stays none.
		q := newPattern(u.ID, "best_time")
		q.Data = json.RawMessage("{\n  \"z\": [1, 2.5, -3e2, true, null],\n  \"a\": {\"nested\": {\"deep\": \"x\"}},\n  \"s\": \"tab\\tquote\\\"\"\n}")
		must(t, e.s.Patterns().CreatePattern(e.ctx, &q), "CreatePattern with laid-out JSON")
		wantEqual(t, "GetPattern with laid-out JSON", q, *mustGet[*flux.Pattern](t, "GetPattern")(e.s.Patterns().GetPattern(e.ctx, u.ID, q.ID)))
	})

	subtest(t, open, "Confidence", func(t *testing.T, e *env) {
		u := e.user()
		for _, c := range []float64{0, 1, 0.5, 1e-9} {
			p := newPattern(u.ID, "completion_streak")
			p.Confidence = c
			must(t, e.s.Patterns().CreatePattern(e.ctx, &p), fmt.Sprintf("CreatePattern with confidence %v", c))
			got := mustGet[*flux.Pattern](t, "GetPattern")(e.s.Patterns().GetPattern(e.ctx, u.ID, p.ID))
			if got.Confidence != c {
				t.Errorf("confidence %v came back as %v", c, got.Confidence)
			}
		}
		for _, c := range []float64{-0.01, 1.0000001, 2} {
			p := newPattern(u.ID, "completion_streak")
			p.Confidence = c
			wantInvalidFields(t, e.s.Patterns().CreatePattern(e.ctx, &p), fmt.Sprintf("CreatePattern with confidence %v", c), "confidence")
		}
		for _, userID := range append([]string{flux.NewID()}, malformedIDs...) {
			p := newPattern(userID, "x")
			wantNotFound(t, e.s.Patterns().CreatePattern(e.ctx, &p), fmt.Sprintf("CreatePattern for user %q", userID))
		}
	})

	subtest(t, open, "List", func(t *testing.T, e *env) {
		checkNewestFirst(e, "ListPatterns",
			func(userID, id string) flux.Pattern {
				p := newPattern(userID, "best_time")
				p.ID = id
				must(t, e.s.Patterns().CreatePattern(e.ctx, &p), "CreatePattern")
				return p
			},
			func(userID string) lister[flux.Pattern] {
				return func(p flux.Page) ([]flux.Pattern, string, error) {
					return e.s.Patterns().ListPatterns(e.ctx, userID, flux.PatternFilter{}, p)
				}
			})
	})

	subtest(t, open, "ListFilter", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		types := []string{"time_avoidance", "best_time", "completion_streak", "best%", "best_"}
		var all []flux.Pattern
		for i := range 15 {
			e.clock.Advance(time.Second)
			all = append(all, *e.pattern(u.ID, types[i%len(types)]))
			e.pattern(other.ID, types[i%len(types)])
		}
		for _, typ := range []string{"", "best_time", "completion_streak", "best%", "best_", "BEST_TIME", "unknown"} {
			want := sorted(filter(all, func(p flux.Pattern) bool { return typ == "" || p.Type == typ }), newestFirst(createdAt[flux.Pattern]))
			wantList(t, fmt.Sprintf("ListPatterns of type %q", typ), want, func(p flux.Page) ([]flux.Pattern, string, error) {
				return e.s.Patterns().ListPatterns(e.ctx, u.ID, flux.PatternFilter{Type: typ}, p)
			}, 2, 0)
		}
	})

	subtest(t, open, "Update", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		p := e.pattern(u.ID, "time_avoidance")
		checkUpdate(e, updateCase[flux.Pattern]{
			what:    "UpdatePattern",
			update:  e.s.Patterns().UpdatePattern,
			get:     e.s.Patterns().GetPattern,
			ownerID: u.ID, otherID: other.ID, id: p.ID,
			edit: func(p *flux.Pattern) {
				p.Type, p.Description, p.Confidence = "best_time", "Gets things done at 07:00", 1
				p.Data = json.RawMessage(`{"hour": 7}`)
				p.UserOverride = json.RawMessage(`{"hour": 6, "by": "user"}`)
			},
			invalid:       func(p *flux.Pattern) { p.Confidence = 1.5 },
			invalidFields: []string{"confidence"},
		})
	})

	subtest(t, open, "Delete", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		a, b := e.pattern(u.ID, "x"), e.pattern(u.ID, "x")
		checkDelete(e, "DeletePattern", e.s.Patterns().DeletePattern, e.s.Patterns().GetPattern, u.ID, other.ID, a.ID)
		wantEqual(t, "the other pattern after DeletePattern", *b, *mustGet[*flux.Pattern](t, "GetPattern")(e.s.Patterns().GetPattern(e.ctx, u.ID, b.ID)))
	})
}
