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

	subtest(t, open, "Sync", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		types := []string{"best_time", "avoidance"}
		mk := func(typ, key string, conf float64) flux.Pattern {
			p := newPattern("", typ)
			p.Key, p.Confidence = key, conf
			p.Data = json.RawMessage(fmt.Sprintf(`{"key": %q, "confidence": %v}`, key, conf))
			return p
		}
		// a pattern of another type, and another user's, are never touched
		keep := e.pattern(u.ID, "user_note")
		theirs := e.pattern(other.ID, "avoidance")
		all := func(userID string) map[string]flux.Pattern {
			ps, _, err := e.s.Patterns().ListPatterns(e.ctx, userID, flux.PatternFilter{}, flux.Page{Limit: flux.MaxPageLimit})
			must(t, err, "ListPatterns")
			out := map[string]flux.Pattern{}
			for _, p := range ps {
				out[p.Type+"/"+p.Key] = p
			}
			return out
		}
		must(t, e.s.Patterns().SyncPatterns(e.ctx, u.ID, types, []flux.Pattern{
			mk("best_time", "07:00-08:00", 0.9), mk("avoidance", "Monday 19:00-20:00", 0.6), mk("avoidance", "Friday 17:00-18:00", 0.5),
		}), "SyncPatterns")
		got := all(u.ID)
		if len(got) != 4 {
			t.Fatalf("after the first SyncPatterns: %d patterns, want 4: %v", len(got), got)
		}
		first := got["avoidance/Monday 19:00-20:00"]
		if first.Confidence != 0.6 || first.UserID != u.ID || !flux.ValidID(first.ID) {
			t.Errorf("synced pattern = %+v", first)
		}
		// the user corrects one; a recomputation keeps it, updates the
		// matching one in place, deletes the one no longer found, adds one
		fri := got["avoidance/Friday 17:00-18:00"]
		_, err := e.s.Patterns().UpdatePattern(e.ctx, u.ID, fri.ID, func(p *flux.Pattern) error {
			p.UserOverride = json.RawMessage(`{"dismissed": true}`)
			return nil
		})
		must(t, err, "UpdatePattern")
		e.clock.Advance(time.Minute)
		must(t, e.s.Patterns().SyncPatterns(e.ctx, u.ID, types, []flux.Pattern{
			mk("avoidance", "Monday 19:00-20:00", 0.7), mk("avoidance", "Tuesday 08:00-09:00", 0.5),
		}), "SyncPatterns again")
		got = all(u.ID)
		if _, ok := got["best_time/07:00-08:00"]; ok {
			t.Errorf("a pattern no longer found was kept")
		}
		mon := got["avoidance/Monday 19:00-20:00"]
		if mon.ID != first.ID || mon.Confidence != 0.7 || !mon.CreatedAt.Equal(first.CreatedAt) || !mon.UpdatedAt.After(first.UpdatedAt) {
			t.Errorf("matching pattern not updated in place: before %+v, after %+v", first, mon)
		}
		if f := got["avoidance/Friday 17:00-18:00"]; f.ID != fri.ID || string(f.UserOverride) != `{"dismissed": true}` || f.Confidence != fri.Confidence {
			t.Errorf("the overridden pattern changed: %+v", f)
		}
		if _, ok := got["avoidance/Tuesday 08:00-09:00"]; !ok {
			t.Errorf("a new pattern was not created")
		}
		if _, ok := got["user_note/"]; !ok || len(got) != 4 {
			t.Errorf("patterns after the second SyncPatterns: %v", got)
		}
		wantEqual(t, "a pattern of another type", *keep, *mustGet[*flux.Pattern](t, "GetPattern")(e.s.Patterns().GetPattern(e.ctx, u.ID, keep.ID)))
		wantEqual(t, "another user's pattern", *theirs, *mustGet[*flux.Pattern](t, "GetPattern")(e.s.Patterns().GetPattern(e.ctx, other.ID, theirs.ID)))

		// nothing found any more: only the override and the other type stay
		must(t, e.s.Patterns().SyncPatterns(e.ctx, u.ID, types, nil), "SyncPatterns with nothing")
		if got = all(u.ID); len(got) != 2 {
			t.Errorf("after an empty SyncPatterns: %v", got)
		}
		wantInvalidFields(t, e.s.Patterns().SyncPatterns(e.ctx, u.ID, types, []flux.Pattern{mk("other", "k", 0.5)}), "SyncPatterns of a type not listed", "patterns[0].pattern_type")
		wantInvalidFields(t, e.s.Patterns().SyncPatterns(e.ctx, u.ID, types, []flux.Pattern{mk("avoidance", "k", 2)}), "SyncPatterns with a bad confidence", "confidence")
		for _, userID := range append([]string{flux.NewID()}, malformedIDs...) {
			wantNotFound(t, e.s.Patterns().SyncPatterns(e.ctx, userID, types, []flux.Pattern{mk("avoidance", "k", 0.5)}), fmt.Sprintf("SyncPatterns for user %q", userID))
		}
	})
}
