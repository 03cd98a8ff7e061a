package voice

import (
	"errors"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/teambition/rrule-go"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

var sleep2307 = &flux.TimeWindow{Start: flux.ClockTime{Hour: 23}, End: flux.ClockTime{Hour: 7}}

func TestParseWhen(t *testing.T) {
	t.Parallel()
	type tc struct {
		phrase  string
		start   string // RFC 3339 in the zone
		hasTime bool
		period  Period
		rule    string
		spoken  string
	}
	zones := []struct {
		zone  string
		now   string // local
		sleep *flux.TimeWindow
		cases []tc
	}{
		{
			zone: "America/New_York", now: "2026-03-04T15:20:00-05:00", sleep: sleep2307, // a Wednesday
			cases: []tc{
				{"at 7pm", "2026-03-04T19:00:00-05:00", true, "", "", "today at 7 PM"},
				{"7 p.m.", "2026-03-04T19:00:00-05:00", true, "", "", "today at 7 PM"},
				{"7pm tomorrow", "2026-03-05T19:00:00-05:00", true, "", "", "tomorrow at 7 PM"},
				{"tomorrow at 7:30 PM", "2026-03-05T19:30:00-05:00", true, "", "", "tomorrow at 7:30 PM"},
				{"tomorrow morning", "2026-03-05T00:00:00-05:00", false, PeriodMorning, "", "tomorrow morning"},
				{"tomorrow evening at 8", "2026-03-05T20:00:00-05:00", true, "", "", "tomorrow at 8 PM"},
				{"8 tonight", "2026-03-04T20:00:00-05:00", true, "", "", "today at 8 PM"},
				{"tonight", "2026-03-04T00:00:00-05:00", false, PeriodNight, "", "tonight"},
				{"this evening", "2026-03-04T00:00:00-05:00", false, PeriodEvening, "", "this evening"},
				{"in the morning", "2026-03-05T00:00:00-05:00", false, PeriodMorning, "", "tomorrow morning"},
				{"next Friday at 3", "2026-03-06T15:00:00-05:00", true, "", "", "Friday at 3 PM"},
				{"Friday at 3", "2026-03-06T15:00:00-05:00", true, "", "", "Friday at 3 PM"},
				{"next wednesday", "2026-03-11T00:00:00-04:00", false, "", "", "Wednesday, March 11"},
				{"wednesday at 9am", "2026-03-11T09:00:00-04:00", true, "", "", "Wednesday, March 11 at 9 AM"},
				{"wednesday at 8", "2026-03-04T20:00:00-05:00", true, "", "", "today at 8 PM"},
				{"on monday", "2026-03-09T00:00:00-04:00", false, "", "", "Monday"},
				{"next week", "2026-03-09T00:00:00-04:00", false, "", "", "Monday"},
				{"this weekend", "2026-03-07T00:00:00-05:00", false, "", "", "Saturday"},
				{"the day after tomorrow at 10am", "2026-03-06T10:00:00-05:00", true, "", "", "Friday at 10 AM"},
				{"in 2 hours", "2026-03-04T17:20:00-05:00", true, "", "", "today at 5:20 PM"},
				{"in half an hour", "2026-03-04T15:50:00-05:00", true, "", "", "today at 3:50 PM"},
				{"in an hour and a half", "2026-03-04T16:50:00-05:00", true, "", "", "today at 4:50 PM"},
				{"in 45 minutes", "2026-03-04T16:05:00-05:00", true, "", "", "today at 4:05 PM"},
				{"in 3 days", "2026-03-07T00:00:00-05:00", false, "", "", "Saturday"},
				{"in a week at noon", "2026-03-11T12:00:00-04:00", true, "", "", "Wednesday, March 11 at noon"},
				{"19:30", "2026-03-04T19:30:00-05:00", true, "", "", "today at 7:30 PM"},
				{"08:00", "2026-03-05T08:00:00-05:00", true, "", "", "tomorrow at 8 AM"},
				{"at 3", "2026-03-05T15:00:00-05:00", true, "", "", "tomorrow at 3 PM"}, // 3 AM is asleep; 3 PM today has passed
				{"at 12", "2026-03-05T12:00:00-05:00", true, "", "", "tomorrow at noon"},
				{"today at 7", "2026-03-04T19:00:00-05:00", true, "", "", "today at 7 PM"}, // 7 AM today has passed
				{"half past 7 tonight", "2026-03-04T19:30:00-05:00", true, "", "", "today at 7:30 PM"},
				{"quarter to 9 pm", "2026-03-04T20:45:00-05:00", true, "", "", "today at 8:45 PM"},
				{"noon", "2026-03-05T12:00:00-05:00", true, "", "", "tomorrow at noon"},
				{"midnight", "2026-03-05T00:00:00-05:00", true, "", "", "tonight at midnight"},
				{"friday at midnight", "2026-03-07T00:00:00-05:00", true, "", "", "Friday at midnight"},
				{"March 15", "2026-03-15T00:00:00-04:00", false, "", "", "Sunday, March 15"},
				{"15th of March at 10am", "2026-03-15T10:00:00-04:00", true, "", "", "Sunday, March 15 at 10 AM"},
				{"march 1", "2027-03-01T00:00:00-05:00", false, "", "", "Monday, March 1, 2027"},
				{"on the 2nd", "2026-04-02T00:00:00-04:00", false, "", "", "Thursday, April 2"},
				{"2026-03-05T19:00:00Z", "2026-03-05T14:00:00-05:00", true, "", "", "tomorrow at 2 PM"},
				{"2026-03-05 08:00", "2026-03-05T08:00:00-05:00", true, "", "", "tomorrow at 8 AM"},
				{"2026-03-10", "2026-03-10T00:00:00-04:00", false, "", "", "Tuesday"},
				{"now", "2026-03-04T15:20:00-05:00", true, "", "", "today at 3:20 PM"},
				// Recurrences.
				{"every weekday at 8am", "2026-03-05T08:00:00-05:00", true, "", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0", "every weekday at 8 AM"},
				{"every Monday and Thursday", "2026-03-05T00:00:00-05:00", false, "", "FREQ=WEEKLY;BYDAY=MO,TH", "every Monday and Thursday"},
				{"mondays and thursdays at 6:30pm", "2026-03-05T18:30:00-05:00", true, "", "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=18;BYMINUTE=30", "every Monday and Thursday at 6:30 PM"},
				{"every mon, wed & fri at 7am", "2026-03-06T07:00:00-05:00", true, "", "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=7;BYMINUTE=0", "every Monday, Wednesday and Friday at 7 AM"},
				{"daily", "2026-03-04T00:00:00-05:00", false, "", "FREQ=DAILY", "every day"},
				{"every day at 7pm", "2026-03-04T19:00:00-05:00", true, "", "FREQ=DAILY;BYHOUR=19;BYMINUTE=0", "every day at 7 PM"},
				{"every day at 7am starting tomorrow", "2026-03-05T07:00:00-05:00", true, "", "FREQ=DAILY;BYHOUR=7;BYMINUTE=0", "every day at 7 AM"},
				{"weekly", "2026-03-04T00:00:00-05:00", false, "", "FREQ=WEEKLY;BYDAY=WE", "every Wednesday"},
				{"weekly on friday", "2026-03-06T00:00:00-05:00", false, "", "FREQ=WEEKLY;BYDAY=FR", "every Friday"},
				{"every other week", "2026-03-04T00:00:00-05:00", false, "", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", "every other Wednesday"},
				{"every 3 days", "2026-03-04T00:00:00-05:00", false, "", "FREQ=DAILY;INTERVAL=3", "every 3 days"},
				{"monthly", "2026-03-04T00:00:00-05:00", false, "", "FREQ=MONTHLY;BYMONTHDAY=4", "every month"},
				{"3 times a week", "2026-03-04T00:00:00-05:00", false, "", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "every Monday, Wednesday and Friday"},
				{"twice a week", "2026-03-05T00:00:00-05:00", false, "", "FREQ=WEEKLY;BYDAY=TU,TH", "every Tuesday and Thursday"},
				{"once a week", "2026-03-04T00:00:00-05:00", false, "", "FREQ=WEEKLY;BYDAY=WE", "every Wednesday"},
				{"every morning", "2026-03-05T00:00:00-05:00", false, PeriodMorning, "FREQ=DAILY", "every day in the morning"},
				{"every weekend", "2026-03-07T00:00:00-05:00", false, "", "FREQ=WEEKLY;BYDAY=SA,SU", "every weekend"},
			},
		},
		{
			// The night before the spring change (March 8, 02:00 → 03:00).
			zone: "America/New_York", now: "2026-03-07T22:00:00-05:00", sleep: sleep2307,
			cases: []tc{
				{"tomorrow at 9am", "2026-03-08T09:00:00-04:00", true, "", "", "tomorrow at 9 AM"},
				{"in 5 hours", "2026-03-08T04:00:00-04:00", true, "", "", "tomorrow at 4 AM"}, // elapsed time, not wall clock
				{"in 3 hours", "2026-03-08T01:00:00-05:00", true, "", "", "tomorrow at 1 AM"},
				{"tomorrow at 2:30am", "2026-03-08T03:30:00-04:00", true, "", "", "tomorrow at 3:30 AM"},
				{"every day at 9am", "2026-03-08T09:00:00-04:00", true, "", "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "every day at 9 AM"},
				{"sunday evening", "2026-03-08T00:00:00-05:00", false, PeriodEvening, "", "tomorrow evening"},
			},
		},
		{
			// The autumn change (November 1, 02:00 → 01:00).
			zone: "America/New_York", now: "2026-10-31T12:00:00-04:00",
			cases: []tc{
				{"tomorrow at 1:30 am", "2026-11-01T01:30:00-04:00", true, "", "", "tomorrow at 1:30 AM"},
				{"tomorrow at 9 am", "2026-11-01T09:00:00-05:00", true, "", "", "tomorrow at 9 AM"},
				{"in 24 hours", "2026-11-01T11:00:00-05:00", true, "", "", "tomorrow at 11 AM"},
			},
		},
		{
			zone: "Europe/Berlin", now: "2026-03-28T20:00:00+01:00", sleep: sleep2307, // Saturday before the change (March 29)
			cases: []tc{
				{"tomorrow at 09:00", "2026-03-29T09:00:00+02:00", true, "", "", "tomorrow at 9 AM"},
				{"morgen", "", false, "", "", ""}, // not English: a question
				{"Monday morning", "2026-03-30T00:00:00+02:00", false, PeriodMorning, "", "Monday morning"},
				{"next Friday at 15:00", "2026-04-03T15:00:00+02:00", true, "", "", "Friday at 3 PM"},
				{"every weekday at 7:30am", "2026-03-30T07:30:00+02:00", true, "", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=30", "every weekday at 7:30 AM"},
				{"at 9", "", false, "", "", ""}, // 9 PM today or 9 AM tomorrow: asks
				{"today at 9", "2026-03-28T21:00:00+01:00", true, "", "", "today at 9 PM"},
				{"in 2 days at 6pm", "2026-03-30T18:00:00+02:00", true, "", "", "Monday at 6 PM"},
			},
		},
		{
			zone: "Europe/Berlin", now: "2026-10-24T12:00:00+02:00",
			cases: []tc{
				{"tomorrow at 10am", "2026-10-25T10:00:00+01:00", true, "", "", "tomorrow at 10 AM"},
				{"daily at 8am", "2026-10-25T08:00:00+01:00", true, "", "FREQ=DAILY;BYHOUR=8;BYMINUTE=0", "every day at 8 AM"},
			},
		},
		{
			zone: "Asia/Kolkata", now: "2026-03-04T23:50:00+05:30", sleep: sleep2307,
			cases: []tc{
				{"tomorrow at 7pm", "2026-03-05T19:00:00+05:30", true, "", "", "tomorrow at 7 PM"},
				{"at 3", "2026-03-05T15:00:00+05:30", true, "", "", "tomorrow at 3 PM"},
				{"in 15 minutes", "2026-03-05T00:05:00+05:30", true, "", "", "tomorrow at 12:05 AM"},
				{"tonight", "2026-03-04T00:00:00+05:30", false, PeriodNight, "", "tonight"},
				{"every day at 6:30 am", "2026-03-05T06:30:00+05:30", true, "", "FREQ=DAILY;BYHOUR=6;BYMINUTE=30", "every day at 6:30 AM"},
				{"2026-03-05T12:00:00Z", "2026-03-05T17:30:00+05:30", true, "", "", "tomorrow at 5:30 PM"},
			},
		},
	}
	for _, z := range zones {
		loc := mustLoc(t, z.zone)
		now, err := time.Parse(time.RFC3339, z.now)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range z.cases {
			w, err := ParseWhen(c.phrase, WhenContext{Now: now, Location: loc, Sleep: z.sleep})
			if c.start == "" {
				var q *Clarification
				if !errors.As(err, &q) {
					t.Errorf("%s %s %q: got %+v, %v; want a clarification", z.zone, z.now, c.phrase, w, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %s %q: %v", z.zone, z.now, c.phrase, err)
				continue
			}
			want, _ := time.Parse(time.RFC3339, c.start)
			if !w.Start.Equal(want) || w.Start.Location() != loc || w.Start.Format(time.RFC3339) != c.start {
				t.Errorf("%s %s %q: start %s, want %s", z.zone, z.now, c.phrase, w.Start.Format(time.RFC3339), c.start)
			}
			if w.HasTime != c.hasTime || w.Period != c.period || w.Rule != c.rule {
				t.Errorf("%s %q: hasTime %v period %q rule %q; want %v %q %q", z.zone, c.phrase, w.HasTime, w.Period, w.Rule, c.hasTime, c.period, c.rule)
			}
			if got := w.Describe(now); got != c.spoken {
				t.Errorf("%s %q: spoken %q, want %q", z.zone, c.phrase, got, c.spoken)
			}
			if w.Rule != "" {
				if _, err := rrule.StrToRRule(w.Rule); err != nil {
					t.Errorf("%q: rule %q does not parse: %v", c.phrase, w.Rule, err)
				}
			}
		}
	}
}

func TestParseWhenClarifies(t *testing.T) {
	t.Parallel()
	loc := mustLoc(t, "America/New_York")
	now := time.Date(2026, 3, 4, 15, 20, 0, 0, loc) // Wednesday
	tests := []struct {
		phrase string
		sleep  *flux.TimeWindow
		want   string
	}{
		{"at 7", sleep2307, "Did you mean 7 AM or 7 PM?"},
		{"every weekday at 8", sleep2307, "Did you mean 8 AM or 8 PM?"},
		{"at 3", nil, "Did you mean 3 AM or 3 PM?"},
		{"tomorrow at 7:30", sleep2307, "Did you mean 7:30 AM or 7:30 PM?"},
		{"wednesday", sleep2307, "Do you mean today, or next Wednesday?"},
		{"today at 9am", sleep2307, "Today at 9 AM has already passed. When should it be instead?"},
		{"this morning", sleep2307, "This morning has already passed. Did you mean tomorrow morning?"},
		{"yesterday", sleep2307, "That sounds like a time in the past. When should it be?"},
		{"every hour", sleep2307, "I can repeat a task daily, weekly or monthly, but not every hour. How often should it repeat?"},
		{"twice a day", sleep2307, "I can set one time a day for a task. What time should it be?"},
		{"february 30", sleep2307, "February doesn't have a day 30. Which day did you mean?"},
		{"2025-12-01", sleep2307, "That date has already passed. Which day did you mean?"},
		{"2026-03-01T10:00:00Z", sleep2307, "That time has already passed. When should it be instead?"},
		{"at 25", sleep2307, notUnderstood("at 25").Question},
		{"13pm", sleep2307, `"13pm" isn't a time of day I can use. What time did you mean?`},
		{"", sleep2307, "When should it be?"},
		{"remind me later", sleep2307, notUnderstood("remind me later").Question},
		{"tomorrow today", sleep2307, notUnderstood("tomorrow today").Question},
		{"at 7pm at 8pm", sleep2307, notUnderstood("at 7pm at 8pm").Question},
		{"in 2 hours every day", sleep2307, notUnderstood("in 2 hours every day").Question},
		{"daily monthly", sleep2307, notUnderstood("daily monthly").Question},
	}
	for _, tc := range tests {
		w, err := ParseWhen(tc.phrase, WhenContext{Now: now, Location: loc, Sleep: tc.sleep})
		var q *Clarification
		if !errors.As(err, &q) {
			t.Errorf("%q: got %+v, %v; want a clarification", tc.phrase, w, err)
			continue
		}
		if q.Question != tc.want {
			t.Errorf("%q: asks %q, want %q", tc.phrase, q.Question, tc.want)
		}
		// Unknown tells a phrase that is no time from one to ask about.
		if unknown := tc.phrase == "" || q.Question == notUnderstood(tc.phrase).Question; q.Unknown != unknown {
			t.Errorf("%q: Unknown = %v, want %v", tc.phrase, q.Unknown, unknown)
		}
	}
}

// TestRecurrenceKeepsWallClockAcrossDST checks that a timed daily rule
// stays at 9 AM local across the spring change, in the two DST zones.
func TestRecurrenceKeepsWallClockAcrossDST(t *testing.T) {
	t.Parallel()
	for _, tz := range []struct{ zone, now string }{
		{"America/New_York", "2026-03-06T12:00:00-05:00"},
		{"Europe/Berlin", "2026-03-27T12:00:00+01:00"},
		{"Asia/Kolkata", "2026-03-27T12:00:00+05:30"},
	} {
		loc := mustLoc(t, tz.zone)
		now, _ := time.Parse(time.RFC3339, tz.now)
		w, err := ParseWhen("every day at 9am", WhenContext{Now: now, Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		opt, err := rrule.StrToROption(w.Rule)
		if err != nil {
			t.Fatal(err)
		}
		opt.Dtstart = w.Start
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			t.Fatal(err)
		}
		occ := r.Between(w.Start, w.Start.AddDate(0, 0, 4), true)
		if len(occ) != 5 {
			t.Fatalf("%s: %d occurrences", tz.zone, len(occ))
		}
		for _, o := range occ {
			if l := o.In(loc); l.Hour() != 9 || l.Minute() != 0 {
				t.Errorf("%s: occurrence at %s", tz.zone, l.Format(time.RFC3339))
			}
		}
	}
}

func TestParseRule(t *testing.T) {
	t.Parallel()
	if r, err := ParseRule("RRULE:freq=weekly;byday=mo,we"); err != nil || r != "FREQ=WEEKLY;BYDAY=MO,WE" {
		t.Fatalf("%q %v", r, err)
	}
	for _, bad := range []string{"FREQ=SOMETIMES", "FREQ=MINUTELY", "FREQ=HOURLY;INTERVAL=2", "FREQ=DAILY;INTERVAL=5000"} {
		if _, err := ParseRule(bad); err == nil {
			t.Errorf("%s passed; the scheduler refuses it", bad)
		}
	}
	if !looksLikeRule(" freq=daily") || looksLikeRule("every day") {
		t.Fatal("looksLikeRule")
	}
}

func TestWhenWindowAndSlot(t *testing.T) {
	t.Parallel()
	loc := mustLoc(t, "Europe/Berlin")
	day := time.Date(2026, 3, 29, 0, 0, 0, 0, loc) // the spring-forward day: 23 hours long
	w := When{Start: day, Period: PeriodMorning}
	from, to := w.Window()
	if !from.Equal(time.Date(2026, 3, 29, 6, 0, 0, 0, loc)) || !to.Equal(time.Date(2026, 3, 29, 12, 0, 0, 0, loc)) {
		t.Fatalf("window %v %v", from, to)
	}
	if s := w.Slot(); !s.Equal(time.Date(2026, 3, 29, 9, 0, 0, 0, loc)) {
		t.Fatalf("slot %v", s)
	}
	from, to = When{Start: day}.Window()
	if to.Sub(from) != 23*time.Hour {
		t.Fatalf("whole day %v", to.Sub(from))
	}
	if !(When{Start: day}).Slot().IsZero() {
		t.Fatal("a date has a slot")
	}
	at := time.Date(2026, 3, 29, 15, 0, 0, 0, loc)
	if from, to := (When{Start: at, HasTime: true}).Window(); !from.Equal(at) || to.Sub(from) != time.Minute {
		t.Fatal("exact window")
	}
}

func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"at 7pm", "every weekday at 8", "in 2 and a half hours", "march 15th 2027", "quarter to 9", "2026-03-05T19:00:00Z", "half"} {
		f.Add(s)
	}
	loc, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 3, 28, 20, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWhen(s, WhenContext{Now: now, Location: loc, Sleep: sleep2307})
		if err != nil {
			var q *Clarification
			if !errors.As(err, &q) || q.Question == "" {
				t.Fatalf("%q: error %v is not a clarification", s, err)
			}
			return
		}
		if w.Start.IsZero() {
			t.Fatalf("%q: zero start", s)
		}
		if w.Rule != "" {
			if _, err := rrule.StrToRRule(w.Rule); err != nil {
				t.Fatalf("%q: rule %q: %v", s, w.Rule, err)
			}
		}
		_ = w.Describe(now)
	})
}

func BenchmarkParseWhen(b *testing.B) {
	loc, _ := time.LoadLocation("America/New_York")
	c := WhenContext{Now: time.Date(2026, 3, 4, 15, 20, 0, 0, loc), Location: loc, Sleep: sleep2307}
	for b.Loop() {
		for _, s := range []string{"tomorrow at 7pm", "every weekday at 8am", "next Friday at 3"} {
			if _, err := ParseWhen(s, c); err != nil {
				b.Fatal(err)
			}
		}
	}
}
