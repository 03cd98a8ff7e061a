package httpapi

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/scheduler"
)

// TestPatternsBerlinThroughTheAPI tries the pattern observer as a new user
// would: a user in Europe/Berlin records four weeks of history through the
// API (a run at 07:30 every morning, done; a review every Monday at 19:00,
// missed), consults the observer, finds the best time and the avoid slot
// stored among their patterns, and a new task preferring 19:00 is then not
// placed on Monday 19:00-20:00 by /api/v1/schedule, while for a user
// without that history it is.
func TestPatternsBerlinThroughTheAPI(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newEnv(t, kind, auth.Config{})
		tok, u := e.token("ada@example.com")
		freshTok, _ := e.token("bo@example.com")
		for _, k := range []string{tok, freshTok} {
			if r := e.do("PATCH", "/api/v1/account/me", k, `{"timezone": "Europe/Berlin"}`); r.Code != 200 {
				t.Fatalf("set time zone = %d %s", r.Code, r.Body)
			}
		}
		berlin, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().In(berlin)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, berlin)
		// the Monday of this week, and the one after
		monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
		nextMonday := monday.AddDate(0, 0, 7)

		record := func(title string, at time.Time, minutes int, outcome string) {
			t.Helper()
			var task taskView
			r := e.do("POST", "/api/v1/tasks", tok, fmt.Sprintf(`{"title": %q, "scheduled_at": %q, "duration_minutes": %d}`, title, at.Format(time.RFC3339), minutes))
			if r.Code != 201 {
				t.Fatalf("create %s at %s = %d %s", title, at, r.Code, r.Body)
			}
			r.json(t, &task)
			if r := e.do("PATCH", "/api/v1/tasks/"+task.ID+"/"+outcome, tok, nil); r.Code != 200 {
				t.Fatalf("%s %s = %d %s", outcome, title, r.Code, r.Body)
			}
		}
		for d := 28; d >= 1; d-- {
			day := monday.AddDate(0, 0, -d)
			record("Morning run", time.Date(day.Year(), day.Month(), day.Day(), 7, 30, 0, 0, berlin), 30, "complete")
			if day.Weekday() == time.Monday {
				record("Weekly review", time.Date(day.Year(), day.Month(), day.Day(), 19, 0, 0, 0, berlin), 60, "missed")
			}
		}

		// Each completion and miss enqueued the debounced recomputation:
		// the patterns appear without anyone asking.
		waitFor(t, "the recomputation job to store the patterns", func() bool {
			ps, _, err := e.store.Patterns().ListPatterns(context.Background(), u.ID, flux.PatternFilter{Type: scheduler.PatternAvoidance}, flux.Page{})
			return err == nil && len(ps) == 1
		})

		var c scheduler.Consultation
		r := e.do("POST", "/api/pattern-observer/consult", tok, `{}`)
		if r.Code != 200 {
			t.Fatalf("consult = %d %s", r.Code, r.Body)
		}
		r.json(t, &c)
		if c.UserID != u.ID || c.DataPointsAnalysed != 32 || c.PatternSummary.LowConfidence {
			t.Errorf("consultation = %+v", c)
		}
		covers := false
		for _, b := range c.PatternSummary.BestTimes {
			var h1, m1, h2, m2 int
			if n, _ := fmt.Sscanf(b, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); n == 4 && h1*60+m1 <= 7*60+30 && 7*60+30 < h2*60+m2 {
				covers = true
			}
		}
		if !covers {
			t.Errorf("best times %v do not cover 07:30", c.PatternSummary.BestTimes)
		}
		want := scheduler.AvoidSlot{Day: "Monday", TimeRange: "19:00-20:00", Confidence: 0.6,
			Reason: "4 misses detected in slot Monday 19:00-20:00 across 4 consecutive weeks."}
		if len(c.PatternSummary.AvoidSlots) != 1 || c.PatternSummary.AvoidSlots[0] != want {
			t.Errorf("avoid slots = %+v, want [%+v]", c.PatternSummary.AvoidSlots, want)
		}

		// Both are stored, and the owner (only) sees them.
		var list patternList
		if r := e.do("GET", "/api/v1/patterns", tok, nil); r.Code != 200 {
			t.Fatalf("list patterns = %d %s", r.Code, r.Body)
		} else {
			r.json(t, &list)
		}
		var keys []string
		var avoidID string
		for _, p := range list.Patterns {
			keys = append(keys, p.Type+"/"+p.Key)
			if p.Type == scheduler.PatternAvoidance {
				avoidID = p.ID
				if p.Data["day"] != "Monday" || p.Data["time_range"] != "19:00-20:00" || p.Confidence != 0.6 {
					t.Errorf("stored avoid slot = %+v", p)
				}
			}
		}
		for _, k := range []string{"best_time/07:00-08:00", "avoidance/Monday 19:00-20:00", "user_preference/hour_of_week"} {
			if !slices.Contains(keys, k) {
				t.Errorf("pattern %s not in /api/v1/patterns: %v", k, keys)
			}
		}
		if r := e.do("GET", "/api/pattern-observer/patterns/"+u.ID, tok, nil); r.Code != 200 || !strings.Contains(string(r.Body), "Monday 19:00-20:00") {
			t.Errorf("own patterns by user id = %d %s", r.Code, r.Body)
		}
		if r := e.do("GET", "/api/pattern-observer/patterns/"+u.ID, freshTok, nil); r.Code != 404 {
			t.Errorf("another user's patterns = %d %s", r.Code, r.Body)
		}

		// A new task preferring 19:00, placed on next Monday only.
		place := func(k string) scheduler.Placement {
			t.Helper()
			var task taskView
			r := e.do("POST", "/api/v1/tasks", k, `{"title": "Plan the week", "duration_minutes": 60, "preferred_time": "19:00"}`)
			if r.Code != 201 {
				t.Fatalf("create = %d %s", r.Code, r.Body)
			}
			r.json(t, &task)
			var res scheduler.ScheduleResult
			r = e.do("POST", "/api/v1/schedule", k, fmt.Sprintf(`{"from": %q, "to": %q, "task_ids": [%q]}`,
				nextMonday.Format(time.RFC3339), nextMonday.AddDate(0, 0, 1).Format(time.RFC3339), task.ID))
			if r.Code != 200 {
				t.Fatalf("schedule = %d %s", r.Code, r.Body)
			}
			r.json(t, &res)
			if len(res.Placements) != 1 {
				t.Fatalf("schedule = %s", r.Body)
			}
			return res.Placements[0]
		}
		avoidStart := time.Date(nextMonday.Year(), nextMonday.Month(), nextMonday.Day(), 19, 0, 0, 0, berlin)
		avoidEnd := avoidStart.Add(time.Hour)
		if p := place(tok); p.Start.Before(avoidEnd) && p.End.After(avoidStart) {
			t.Errorf("with the history the task was placed %s–%s, in the avoided Monday 19:00-20:00", p.Start, p.End)
		}
		if p := place(freshTok); !p.Start.Equal(avoidStart) {
			t.Errorf("without history the task was placed at %s, want %s", p.Start, avoidStart)
		}

		// The user dismisses the avoid slot: it is kept through a
		// recomputation, and no longer keeps tasks away.
		if r := e.do("PATCH", "/api/v1/patterns/"+avoidID, tok, `{"user_override": {"dismissed": true}}`); r.Code != 200 ||
			!strings.Contains(string(r.Body), `"user_overridden":true`) || !strings.Contains(string(r.Body), `"dismissed":true`) {
			t.Fatalf("dismiss = %d %s", r.Code, r.Body)
		}
		if r := e.do("POST", "/api/pattern-observer/consult", tok, `{}`); r.Code != 200 {
			t.Fatalf("consult again = %d %s", r.Code, r.Body)
		}
		var p patternView
		if r := e.do("GET", "/api/v1/patterns/"+avoidID, tok, nil); r.Code != 200 {
			t.Fatalf("get pattern = %d %s", r.Code, r.Body)
		} else {
			r.json(t, &p)
		}
		if p.Data["dismissed"] != true {
			t.Errorf("the override was lost: %+v", p)
		}
		// (the first task holds 18:00-19:00 and its buffer)
		if pl := place(tok); !pl.Start.Before(avoidEnd) || !pl.End.After(avoidStart) {
			t.Errorf("after dismissal the task was placed %s–%s, want it in Monday 19:00-20:00", pl.Start, pl.End)
		}
		if r := e.do("DELETE", "/api/v1/patterns/"+avoidID, tok, nil); r.Code != 204 {
			t.Errorf("delete = %d %s", r.Code, r.Body)
		}
	})
}

// TestPatternRoutesValidate: bad input is a 4xx naming the field.
func TestPatternRoutesValidate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	tok, u := e.token("ada@example.com")
	for _, c := range []struct{ method, path, body, field string }{
		{"POST", "/api/pattern-observer/consult", `{"lookback_days": 0}`, "lookback_days"},
		{"POST", "/api/pattern-observer/consult", `{"lookback_days": 366}`, "lookback_days"},
		{"POST", "/api/pattern-observer/consult", `{"lookback_days": "many"}`, "lookback_days"},
		{"POST", "/api/pattern-observer/consult", `{"lookback": 3}`, "lookback"},
		{"POST", "/api/pattern-observer/miss-signal", `{"task_id": "x", "scheduled_at": "2026-04-13T19:00:00Z"}`, "task_id"},
		{"POST", "/api/pattern-observer/miss-signal", `{"task_id": "` + flux.NewID() + `", "scheduled_at": "monday"}`, "scheduled_at"},
		{"POST", "/api/pattern-observer/miss-signal", `{"task_id": "` + flux.NewID() + `", "scheduled_at": "2026-04-13T19:00:00Z", "consecutive_miss_count": 0}`, "consecutive_miss_count"},
		{"GET", "/api/v1/patterns?limit=0", ``, "limit"},
	} {
		var b any
		if c.body != "" {
			b = c.body
		}
		r := e.do(c.method, c.path, tok, b)
		if r.Code < 400 || r.Code >= 500 || !strings.Contains(string(r.Body), c.field) {
			t.Errorf("%s %s %s = %d %s, want a 4xx naming %s", c.method, c.path, c.body, r.Code, r.Body, c.field)
		}
	}
	pat := flux.Pattern{UserID: u.ID, Type: "avoidance", Key: "k", Confidence: 0.5}
	if err := e.store.Patterns().CreatePattern(context.Background(), &pat); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"confidence": 2}`, `{"user_override": [1]}`, `{"user_override": "x"}`} {
		if r := e.do("PATCH", "/api/v1/patterns/"+pat.ID, tok, body); r.Code != 400 && r.Code != 422 {
			t.Errorf("PATCH %s = %d %s", body, r.Code, r.Body)
		}
	}
	// a cold start: the original's defaults, nothing stored
	var c scheduler.Consultation
	if r := e.do("POST", "/api/pattern-observer/consult", tok, nil); r.Code != 200 {
		t.Fatalf("consult without a body = %d %s", r.Code, r.Body)
	} else {
		r.json(t, &c)
	}
	if !c.PatternSummary.LowConfidence || len(c.PatternSummary.BestTimes) != 2 || c.PatternSummary.AvoidSlots[0].Confidence != 0.3 {
		t.Errorf("cold start = %+v", c.PatternSummary)
	}
	if r := e.do("GET", "/api/pattern-observer/health", tok, nil); r.Code != 200 || !strings.Contains(string(r.Body), `"service":"Pattern Observer Agent"`) {
		t.Errorf("health = %d %s", r.Code, r.Body)
	}
	if r := e.do("GET", "/api/pattern-observer/health", "", nil); r.Code != 401 {
		t.Errorf("health without a token = %d", r.Code)
	}
}
