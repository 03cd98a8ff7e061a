package scheduler

import (
	"errors"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// ParseRule checks a recurrence rule against Flux's one recurrence policy
// and returns it in canonical form. Every path that creates or changes a
// task (the scheduler Service, the planner, the voice intents, the HTTP
// layer) applies this policy, through ParseRule itself or through CheckTask
// and ValidateTask, which call it.
//
// The policy: an RFC 5545 RRULE, optionally prefixed "RRULE:" and
// optionally preceded by a DTSTART line; FREQ DAILY, WEEKLY, MONTHLY or
// YEARLY (a task repeats at most once a day, so HOURLY, MINUTELY and
// SECONDLY are refused); INTERVAL between 1 and 1000; COUNT not negative.
// The canonical form drops the "RRULE:" prefix and upper-cases the rule
// line(s) other than DTSTART. The error, when there is one, says what is
// wrong in words fit for a field error.
func ParseRule(rule string) (string, error) {
	canon := canonicalRule(rule)
	if canon == "" {
		return "", errors.New("is empty")
	}
	if _, err := parseRule(canon, time.UTC); err != nil {
		return "", err
	}
	return canon, nil
}

// canonicalRule trims rule, drops an "RRULE:" prefix of its rule line and
// upper-cases every line but DTSTART.
func canonicalRule(rule string) string {
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(rule, "\r\n", "\n")), "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if !strings.HasPrefix(strings.ToUpper(l), "DTSTART") {
			l = strings.ToUpper(l)
			l = strings.TrimPrefix(l, "RRULE:")
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// ValidateTask runs flux.Task.Validate and CheckTask and lists the problems
// of both in one EInvalid error. Every path that stores a new task calls it
// (Service.CreateTask does), so that a task is held to one set of rules
// whoever creates it.
func ValidateTask(t *flux.Task) error { return validate(t) }
