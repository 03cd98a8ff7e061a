package scheduler

import (
	"time"

	"github.com/fluxlife/flux"
	"github.com/teambition/rrule-go"
)

// CheckTask checks what the engine needs of a task beyond flux.Task's own
// Validate: a recurrence rule the engine accepts (RFC 5545, DAILY or less
// frequent), a preferred time it understands, and times between the years
// 1900 and 9000. It returns an EInvalid error listing every problem.
func CheckTask(t *flux.Task) error {
	var fs []flux.FieldError
	if t.RecurrenceRule != "" {
		if _, err := parseRule(t.RecurrenceRule, time.UTC); err != nil {
			fs = append(fs, flux.FieldError{Field: "recurrence_rule", Message: err.Error()})
		}
	}
	if _, err := parsePreference(t.PreferredTime); err != nil {
		fs = append(fs, flux.FieldError{Field: "preferred_time", Message: err.Error()})
	}
	for _, f := range []struct {
		name string
		v    *time.Time
	}{{"scheduled_at", t.ScheduledAt}, {"deadline", t.Deadline}, {"earliest_start", t.EarliestStart}} {
		if f.v != nil && (f.v.Year() < 1900 || f.v.Year() > 9000) {
			fs = append(fs, flux.FieldError{Field: f.name, Message: "must be between the years 1900 and 9000"})
		}
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid task", fs...)
	}
	return nil
}

// nextOccurrence returns the first occurrence of rule strictly after
// after, for a series whose occurrence number occurrence starts at
// dtstart; the occurrences keep dtstart's local time of day in loc unless
// the rule sets its own (a DTSTART line, BYHOUR). It reports false when the
// series has ended (UNTIL, or COUNT reached) or the rule does not parse.
func nextOccurrence(rule string, loc *time.Location, dtstart time.Time, occurrence int, after time.Time) (time.Time, bool) {
	spec, err := parseRule(rule, loc)
	if err != nil {
		return time.Time{}, false
	}
	opt := spec.opt
	if opt.Count > 0 {
		// COUNT counts from the series' first occurrence; the iteration
		// below starts at this one.
		if occurrence >= opt.Count {
			return time.Time{}, false
		}
		opt.Count = 0
	}
	if opt.Dtstart.IsZero() {
		opt.Dtstart = dtstart.In(loc)
	}
	r, err := rrule.NewRRule(opt)
	if err != nil {
		return time.Time{}, false
	}
	next := r.After(after, false)
	if next.IsZero() {
		return time.Time{}, false
	}
	return next.In(loc), true
}
