package scheduler

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// Rules are a user's scheduling rules. All times of day are wall-clock times
// in Location.
type Rules struct {
	// Location is the user's time zone; nil means UTC.
	Location *time.Location
	// WorkHours lists the work windows of each weekday, indexed by
	// time.Weekday (Sunday is 0). A window that wraps midnight (a night shift
	// 22:00–06:00) continues on the next day. A task whose AllowWorkHours is
	// false is never placed in them.
	WorkHours [7][]flux.TimeWindow
	// Sleep is the sleep window; it may wrap midnight (23:00–07:00). Nothing
	// is placed in it. A window whose start equals its end means no sleep
	// window.
	Sleep flux.TimeWindow
	// CutoffHour (0–23) ends the day: nothing is placed from CutoffHour:00
	// until the sleep window starts. With sleep 23:00–07:00 and cutoff 21 the
	// day runs 07:00–21:00. A cutoff that falls inside the sleep window adds
	// nothing (so 0, midnight, adds nothing to a 23:00–07:00 sleep window);
	// with no sleep window the cutoff blocks CutoffHour:00–24:00 (none for 0).
	CutoffHour int
	// BufferMinutes (0–1440) is the gap kept before and after every busy
	// interval and every placed task.
	BufferMinutes int
	// DailyCapMinutes (0–1440) caps the minutes of tasks on one local day:
	// the engine's placements plus fixed tasks in the input (calendar events
	// do not count). 0 means no cap.
	DailyCapMinutes int
}

// Defaults are the values RulesFor falls back to when a user's setting is
// missing or out of range. The zero Defaults is not useful; start from
// DefaultDefaults. (cmd/fluxd reads them from the environment variables
// named in parentheses.)
type Defaults struct {
	// CutoffHour is the default cutoff hour (SCHEDULER_CUTOFF_HOUR, 21).
	CutoffHour int
	// BufferMinutes is the default buffer (SCHEDULER_BUFFER_MINUTES, 15).
	BufferMinutes int
}

// DefaultDefaults returns the original system's defaults: cutoff 21, buffer
// 15 minutes.
func DefaultDefaults() Defaults {
	return Defaults{CutoffHour: flux.DefaultCutoffHour, BufferMinutes: flux.DefaultBufferMinutes}
}

// RulesFor returns the rules of user u with the original defaults
// (DefaultDefaults) for settings that are missing or out of range.
func RulesFor(u *flux.User) Rules { return DefaultDefaults().RulesFor(u) }

// RulesFor returns the rules of user u. It never fails: an unknown time zone
// is UTC, an invalid sleep window is 23:00–07:00, invalid work hours are none,
// and a cutoff or buffer out of range takes the value in d. A nil user gets
// the settings of flux.NewUser with d's cutoff and buffer.
func (d Defaults) RulesFor(u *flux.User) Rules {
	if u == nil {
		u = flux.NewUser("", "", "")
		u.CutoffHour, u.BufferMinutes = d.CutoffHour, d.BufferMinutes
	}
	r := Rules{
		Location:        u.Location(),
		Sleep:           u.SleepWindow,
		CutoffHour:      u.CutoffHour,
		BufferMinutes:   u.BufferMinutes,
		DailyCapMinutes: u.DailyCapMinutes,
	}
	if !validClock(u.SleepWindow.Start) || !validClock(u.SleepWindow.End) || u.SleepWindow.Start == u.SleepWindow.End {
		r.Sleep = flux.TimeWindow{Start: flux.ClockTime{Hour: 23}, End: flux.ClockTime{Hour: 7}}
	}
	if r.CutoffHour < 0 || r.CutoffHour > 23 {
		r.CutoffHour = d.CutoffHour
	}
	if r.BufferMinutes < 0 || r.BufferMinutes > 1440 {
		r.BufferMinutes = d.BufferMinutes
	}
	if r.DailyCapMinutes < 0 || r.DailyCapMinutes > 1440 {
		r.DailyCapMinutes = 0
	}
	wh := u.WorkHours
	if validClock(wh.Start) && validClock(wh.End) && wh.Start.Minutes() < wh.End.Minutes() {
		for _, day := range wh.Days {
			if day >= 0 && day <= 6 && len(r.WorkHours[day]) == 0 {
				r.WorkHours[day] = []flux.TimeWindow{wh.Window()}
			}
		}
	}
	return r
}

// location returns the rules' location, UTC when unset.
func (r *Rules) location() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

// validClock reports whether c is a time of day between 00:00 and 24:00.
func validClock(c flux.ClockTime) bool {
	m := c.Minutes()
	return c.Hour >= 0 && c.Minute >= 0 && c.Minute < 60 && m >= 0 && m <= 1440
}

// validate lists the problems of r under the field prefix.
func (r *Rules) validate(prefix string) []flux.FieldError {
	var fs []flux.FieldError
	add := func(field, format string, args ...any) {
		fs = append(fs, flux.FieldError{Field: prefix + field, Message: fmt.Sprintf(format, args...)})
	}
	if !validClock(r.Sleep.Start) || !validClock(r.Sleep.End) {
		add("sleep", "times must be between 00:00 and 24:00")
	}
	for d, ws := range r.WorkHours {
		for i, w := range ws {
			f := fmt.Sprintf("work_hours.%s[%d]", flux.Weekday(d), i)
			switch {
			case !validClock(w.Start) || !validClock(w.End):
				add(f, "times must be between 00:00 and 24:00")
			case w.Start.Minutes() == w.End.Minutes():
				add(f, "start and end must differ")
			}
		}
	}
	if r.CutoffHour < 0 || r.CutoffHour > 23 {
		add("cutoff_hour", "must be between 0 and 23")
	}
	if r.BufferMinutes < 0 || r.BufferMinutes > 1440 {
		add("buffer_minutes", "must be between 0 and 1440")
	}
	if r.DailyCapMinutes < 0 || r.DailyCapMinutes > 1440 {
		add("daily_cap_minutes", "must be between 0 and 1440")
	}
	return fs
}

// clockRange is a range of minutes of the day, [s, e) with 0 <= s < e <= 1440.
type clockRange struct{ s, e int }

// windowRanges splits a daily window into ranges of one day; a wrapping
// window gives its evening part and its morning part.
func windowRanges(w flux.TimeWindow) []clockRange {
	s, e := w.Start.Minutes()%1440, w.End.Minutes()
	if e == 1440 {
		return []clockRange{{s, 1440}}
	}
	switch {
	case s == e:
		return nil
	case s < e:
		return []clockRange{{s, e}}
	}
	var out []clockRange
	if e > 0 {
		out = append(out, clockRange{0, e})
	}
	return append(out, clockRange{s, 1440})
}

// inWindow reports whether minute-of-day m lies in the daily window w.
func inWindow(w flux.TimeWindow, m int) bool {
	for _, r := range windowRanges(w) {
		if m >= r.s && m < r.e {
			return true
		}
	}
	return false
}

// cutoffRanges returns the minutes of the day blocked by the cutoff: from
// the cutoff until the sleep window starts.
func (r *Rules) cutoffRanges() []clockRange {
	c := r.CutoffHour * 60
	if windowRanges(r.Sleep) == nil {
		if c == 0 {
			return nil
		}
		return []clockRange{{c, 1440}}
	}
	s := r.Sleep.Start.Minutes() % 1440
	if c == s || inWindow(r.Sleep, c) {
		return nil
	}
	return windowRanges(flux.TimeWindow{
		Start: flux.ClockTime{Hour: r.CutoffHour},
		End:   flux.ClockTime{Hour: s / 60, Minute: s % 60},
	})
}

// workRanges returns the work minutes of a day with weekday wd: its own
// windows and the morning tails of the previous day's wrapping windows.
func (r *Rules) workRanges(wd time.Weekday) []clockRange {
	var out []clockRange
	for _, w := range r.WorkHours[wd] {
		rs := windowRanges(w)
		if w.Wraps() && len(rs) == 2 {
			rs = rs[1:] // the evening part; the morning part belongs to the next day
		}
		out = append(out, rs...)
	}
	for _, w := range r.WorkHours[(wd+6)%7] {
		if rs := windowRanges(w); w.Wraps() && len(rs) == 2 {
			out = append(out, rs[0])
		}
	}
	return out
}

// preference is a parsed time-of-day preference.
type preference struct {
	kind   prefKind
	name   string // "morning", "afternoon", "evening", or "HH:MM"
	at     int    // kind prefAt: the minute of the day
	ws, we int    // kind prefWindow: the window [ws, we)
}

type prefKind int

const (
	prefNone prefKind = iota
	prefAt
	prefWindow
)

// Named preferred times of day and their windows.
var namedWindows = map[string][2]int{
	"morning":   {7 * 60, 12 * 60},
	"afternoon": {12 * 60, 17 * 60},
	"evening":   {17 * 60, 22 * 60},
}

// parsePreference reads "", "morning" (07:00–12:00), "afternoon"
// (12:00–17:00), "evening" (17:00–22:00) or "HH:MM".
func parsePreference(s string) (preference, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "any" || s == "anytime" {
		return preference{}, nil
	}
	if w, ok := namedWindows[s]; ok {
		return preference{kind: prefWindow, name: s, ws: w[0], we: w[1]}, nil
	}
	c, err := flux.ParseClockTime(s)
	if err != nil {
		return preference{}, fmt.Errorf("want morning, afternoon, evening or HH:MM")
	}
	m := c.Minutes() % 1440
	return preference{kind: prefAt, name: fmt.Sprintf("%02d:%02d", m/60, m%60), at: m}, nil
}

// penalty returns how many minutes a start at minute-of-day m, for a task of
// d minutes, is away from the preference (0 inside a named window; at most
// 720, measured around the clock).
func (p preference) penalty(m, d int) int {
	switch p.kind {
	case prefAt:
		return circDist(m, p.at)
	case prefWindow:
		lo, hi := p.ws, max(p.ws, p.we-d)
		if m >= lo && m <= hi {
			return 0
		}
		return min(circDist(m, lo), circDist(m, hi))
	}
	return 0
}

// targets returns the minutes of the day a start is best at.
func (p preference) targets(d int) []int {
	switch p.kind {
	case prefAt:
		return []int{p.at}
	case prefWindow:
		return []int{p.ws, max(p.ws, p.we-d)}
	}
	return nil
}

// circDist is the distance between two minutes of the day around the clock.
func circDist(a, b int) int {
	x := a - b
	if x < 0 {
		x = -x
	}
	x %= 1440
	return min(x, 1440-x)
}

// rulesJSON is the JSON form of Rules.
type rulesJSON struct {
	Timezone        string                       `json:"timezone"`
	WorkHours       map[string][]flux.TimeWindow `json:"work_hours,omitempty"`
	Sleep           flux.TimeWindow              `json:"sleep"`
	CutoffHour      int                          `json:"cutoff_hour"`
	BufferMinutes   int                          `json:"buffer_minutes"`
	DailyCapMinutes int                          `json:"daily_cap_minutes"`
}

// MarshalJSON writes the rules with the time zone's IANA name and work hours
// keyed by weekday ("Mon": [{"start": "09:00", "end": "17:00"}]).
func (r Rules) MarshalJSON() ([]byte, error) {
	j := rulesJSON{
		Timezone: r.location().String(), Sleep: r.Sleep, CutoffHour: r.CutoffHour,
		BufferMinutes: r.BufferMinutes, DailyCapMinutes: r.DailyCapMinutes,
	}
	for d, ws := range r.WorkHours {
		if len(ws) > 0 {
			if j.WorkHours == nil {
				j.WorkHours = map[string][]flux.TimeWindow{}
			}
			j.WorkHours[flux.Weekday(d).String()] = ws
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes; an empty time zone is UTC.
func (r *Rules) UnmarshalJSON(b []byte) error {
	var j rulesJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	loc := time.UTC
	if j.Timezone != "" {
		l, err := flux.LoadLocation(j.Timezone)
		if err != nil {
			return fmt.Errorf("timezone %q: not an IANA time zone name", j.Timezone)
		}
		loc = l
	}
	out := Rules{Location: loc, Sleep: j.Sleep, CutoffHour: j.CutoffHour, BufferMinutes: j.BufferMinutes, DailyCapMinutes: j.DailyCapMinutes}
	for name, ws := range j.WorkHours {
		d, err := flux.ParseWeekday(name)
		if err != nil {
			return err
		}
		out.WorkHours[d] = ws
	}
	*r = out
	return nil
}
