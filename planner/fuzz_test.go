package planner

import (
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzOffline checks that any input gives a valid plan (or, for an empty
// statement, an error) and never panics.
func FuzzOffline(f *testing.F) {
	for _, s := range []string{
		"Run a 10k in 10 weeks", "", "🏃‍♀️🏃‍♀️", "by 31/02", "in 99999999999999999999 weeks", "in -3 weeks",
		"Lerne Deutsch bis 2027-13-45", "жить лучше", "save $ for k", "in 0 days", "by Feb 29",
		strings.Repeat("run ", 500), "at 25:99pm", "\x00\xff", "in 1.5 months", "0 days a week",
	} {
		f.Add(s, s, s, s)
	}
	f.Fuzz(func(t *testing.T, statement, timeline, prefs, feedback string) {
		req := Request{Statement: statement, Timeline: timeline, Preferences: prefs, Feedback: feedback, CurrentState: prefs, Now: monday}
		p, err := (&Offline{}).Plan(context.Background(), req)
		if strings.TrimSpace(statement) == "" {
			if err == nil {
				t.Fatal("empty statement planned")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(p); err != nil {
			t.Fatalf("%q: %v", statement, err)
		}
	})
}

// FuzzParseTimeline checks the horizon stays within bounds.
func FuzzParseTimeline(f *testing.F) {
	for _, s := range []string{"in 3 months", "by June 1", "2027-05-02", "in twenty-four weeks", "end of december 9999", "by 0001-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		weeks, target, ok := ParseTimeline(s, monday, time.UTC)
		if ok && (weeks < MinWeeks || weeks > MaxWeeks) {
			t.Fatalf("%q: %d weeks", s, weeks)
		}
		if !ok && (weeks != 0 || target != nil) {
			t.Fatalf("%q: not ok but %d %v", s, weeks, target)
		}
	})
}

// FuzzConversation drives a conversation with arbitrary messages.
func FuzzConversation(f *testing.F) {
	f.Add("Run a 10k", "in 3 months", "beginner", "suggest", "mornings", "fewer please", "yes")
	f.Add("hi", "", "?", "no", "🙂", "but", "ok")
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g, h string) {
		conv := newConv(&Offline{})
		if _, err := conv.Start(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{b, c, d, e, g, h} {
			turn, err := conv.Respond(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if turn.Plan != nil && Validate(turn.Plan) != nil {
				t.Fatalf("invalid plan: %v", Validate(turn.Plan))
			}
		}
	})
}
