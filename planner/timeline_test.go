package planner

import (
	"testing"
	"time"
)

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func TestParseTimeline(t *testing.T) {
	t.Parallel()
	// Monday 4 May 2026, 09:00 UTC.
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		text   string
		weeks  int
		target *time.Time
		ok     bool
	}{
		{"in 3 months", 13, nil, true},
		{"in 10 weeks", 10, nil, true},
		{"Run a 10k in 10 weeks", 10, nil, true},
		{"for 8 weeks", 8, nil, true},
		{"in six weeks", 6, nil, true},
		{"within twenty-four weeks", 24, nil, true},
		{"in a month", 4, nil, true},
		{"A month", 4, nil, true},
		{"next month", 4, nil, true},
		{"next week", 1, nil, true},
		{"in half a year", 26, nil, true},
		{"in a couple of weeks", 2, nil, true},
		{"in 2 years", 52, nil, true},
		{"in 10 days", 2, nil, true},
		{"in 99999999999999999999 weeks", 52, nil, true},
		{"90 days", 13, nil, true},
		{"a 12-week program", 12, nil, true},
		{"3 months", 13, nil, true},
		{"6 mos", 26, nil, true},
		{"run 3 times a week for 2 months", 9, nil, true},
		{"train 4 days a week for 6 weeks", 6, nil, true},
		{"every 2 weeks, for a month", 4, nil, true},
		{"by June 1", 4, date(2026, 6, 1), true},
		{"by June 1st", 4, date(2026, 6, 1), true},
		{"before the 1st of June", 4, date(2026, 6, 1), true},
		{"by 1 June 2027", 56 - 4, date(2027, 6, 1), true},
		{"by March 3", 44, date(2027, 3, 3), true}, // already past this year
		{"by May 4", 52, date(2027, 5, 4), true},   // today: the next one
		{"before my wedding on 2027-05-02", 52, date(2027, 5, 2), true},
		{"Learn conversational Spanish by 2027-03-01", 43, date(2027, 3, 1), true},
		{"on 2026-05-18", 2, date(2026, 5, 18), true},
		{"2026/06/15", 6, date(2026, 6, 15), true},
		{"by June", 4, date(2026, 6, 1), true},
		{"by the end of June", 9, date(2026, 6, 30), true},
		{"end of june 2026", 9, date(2026, 6, 30), true},
		{"in September 2026", 18, date(2026, 9, 1), true},
		{"mid August", 15, date(2026, 8, 15), true},
		{"by Christmas", 34, date(2026, 12, 25), true},
		{"by the end of the year", 35, date(2026, 12, 31), true},
		{"by summer", 7, date(2026, 6, 21), true},
		{"by the end of the month", 4, date(2026, 5, 31), true},
		{"before 2020-01-01", 0, nil, false},
		{"February 30", 0, nil, false},
		{"whenever", 0, nil, false},
		{"no rush", 0, nil, false},
		{"3 times a week", 0, nil, false},
		{"I may run more", 0, nil, false},
		{"", 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			weeks, target, ok := ParseTimeline(tt.text, now, time.UTC)
			if ok != tt.ok || weeks != tt.weeks {
				t.Errorf("ParseTimeline(%q) = %d, %v, %v; want %d, %v", tt.text, weeks, target, ok, tt.weeks, tt.ok)
			}
			switch {
			case tt.target == nil && target != nil:
				t.Errorf("ParseTimeline(%q) target = %v, want nil", tt.text, target)
			case tt.target != nil && (target == nil || !target.Equal(*tt.target)):
				t.Errorf("ParseTimeline(%q) target = %v, want %v", tt.text, target, tt.target)
			}
		})
	}
}

func TestParseTimelineUsesTheUsersDay(t *testing.T) {
	t.Parallel()
	// 23:30 UTC on 31 May is already 1 June in Berlin: "by June 1" is then
	// next year's.
	now := time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	_, target, ok := ParseTimeline("by June 1", now, berlin)
	if !ok || !target.Equal(*date(2027, 6, 1)) {
		t.Errorf("in Berlin: got %v %v, want 2027-06-01", target, ok)
	}
	_, target, ok = ParseTimeline("by June 1", now, nil)
	if !ok || !target.Equal(*date(2026, 6, 1)) {
		t.Errorf("in UTC: got %v %v, want 2026-06-01", target, ok)
	}
}
