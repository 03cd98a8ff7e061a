package scheduler

import (
	"errors"
	"fmt"
	"time"

	"github.com/teambition/rrule-go"
)

// maxRuleSteps bounds how many occurrences a rule may produce from its start
// up to the end of the horizon.
const maxRuleSteps = 200_000

// ruleSpec is a parsed recurrence rule.
type ruleSpec struct {
	opt rrule.ROption
	// hasTime says the rule fixes a time of day (DTSTART line or BYHOUR).
	hasTime bool
}

// parseRule parses an RRULE (optionally preceded by a DTSTART line) in loc.
func parseRule(s string, loc *time.Location) (*ruleSpec, error) {
	s = canonicalRule(s)
	opt, err := rrule.StrToROptionInLocation(s, loc)
	if err != nil {
		return nil, fmt.Errorf("not a valid RRULE: %w", err)
	}
	switch opt.Freq {
	case rrule.YEARLY, rrule.MONTHLY, rrule.WEEKLY, rrule.DAILY:
	default:
		return nil, errors.New("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
	}
	if opt.Interval < 0 || opt.Interval > 1000 {
		return nil, errors.New("INTERVAL must be between 1 and 1000")
	}
	if opt.Count < 0 {
		return nil, errors.New("COUNT must not be negative")
	}
	if _, err := rrule.NewRRule(*opt); err != nil {
		return nil, fmt.Errorf("not a valid RRULE: %w", err)
	}
	spec := &ruleSpec{opt: *opt, hasTime: !opt.Dtstart.IsZero() || len(opt.Byhour) > 0}
	if !opt.Dtstart.IsZero() {
		spec.opt.Dtstart = opt.Dtstart.In(loc)
	}
	return spec, nil
}

// occurrences returns the rule's occurrences from local midnight of the
// calendar's first day until the end of the horizon, in local wall time.
// anchor is the series start when the rule has no DTSTART; zero means local
// midnight of the first day.
func (s *ruleSpec) occurrences(c *calendar, anchor, horizonEnd time.Time) ([]time.Time, error) {
	if len(c.days) == 0 || !s.anyDayMatches(c) {
		return nil, nil
	}
	opt := s.opt
	switch {
	case !opt.Dtstart.IsZero():
	case !anchor.IsZero():
		opt.Dtstart = anchor.In(c.loc)
	default:
		opt.Dtstart = c.days[0].date
	}
	first, end := c.days[0].date, horizonEnd
	if !opt.Dtstart.Before(end) {
		return nil, nil
	}
	r, err := rrule.NewRRule(opt)
	if err != nil {
		return nil, fmt.Errorf("not a valid RRULE: %w", err)
	}
	next := r.Iterator()
	var out []time.Time
	for n := 0; ; n++ {
		if n >= maxRuleSteps {
			return nil, fmt.Errorf("the rule repeats more than %d times before the horizon ends; move its start closer", maxRuleSteps)
		}
		v, ok := next()
		if !ok || !v.Before(end) {
			break
		}
		if !v.Before(first) {
			out = append(out, v.In(c.loc))
		}
	}
	return out, nil
}

// anyDayMatches reports whether some day of the calendar passes the rule's
// day filters (BYMONTH, BYMONTHDAY, BYYEARDAY, BYDAY weekdays). It is a
// necessary condition for an occurrence in the horizon, checked first
// because rrule-go searches up to the year 9999 for a rule that matches no
// day at all (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30).
func (s *ruleSpec) anyDayMatches(c *calendar) bool {
	o := &s.opt
	for _, d := range c.days {
		y, m, dd := d.date.Date()
		if len(o.Bymonth) > 0 && !containsInt(o.Bymonth, int(m)) {
			continue
		}
		if len(o.Bymonthday) > 0 {
			last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if !containsInt(o.Bymonthday, dd) && !containsInt(o.Bymonthday, dd-last-1) {
				continue
			}
		}
		if len(o.Byyearday) > 0 {
			yd := d.date.YearDay()
			ylen := time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC).YearDay()
			if !containsInt(o.Byyearday, yd) && !containsInt(o.Byyearday, yd-ylen-1) {
				continue
			}
		}
		if len(o.Byweekday) > 0 {
			py := (int(d.wd) + 6) % 7 // rrule-go counts Monday as 0
			match := false
			for _, w := range o.Byweekday {
				if w.Day() == py {
					match = true
					break
				}
			}
			if !match {
				continue
			}
		}
		return true
	}
	return false
}

func containsInt(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}
