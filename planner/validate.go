package planner

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// The rules Validate enforces.
const (
	MinTasks            = 3   // tasks per milestone, at least
	MaxTasks            = 5   // tasks per milestone, at most
	MinDurationMinutes  = 5   // a task's duration, at least
	MaxDurationMinutes  = 240 // a task's duration, at most
	MinWeeks            = 1   // a plan's horizon, at least
	MaxWeeks            = 52  // a plan's horizon, at most
	MaxWeeklyMilestones = 12  // up to this horizon, one milestone per week
	MaxPhaseWeeks       = 6   // beyond it, phases of at most this many weeks
	maxTitleRunes       = 200
)

// Validate checks a plan against the rules and returns nil or a
// *flux.Error with code flux.EInvalid whose Fields list every violation,
// not only the first:
//
//   - a non-empty title and a known category (one of Domains);
//   - 1–52 weeks; up to 12 weeks exactly one milestone per week, numbered
//     1, 2, …; beyond that at most 12 phases starting at week 1, in order,
//     none longer than 6 weeks;
//   - every milestone titled, with 3–5 tasks;
//   - every task with a non-empty title unique within its milestone, a
//     duration of 5–240 minutes, an empty or parseable RRULE (DAILY, WEEKLY
//     or MONTHLY, without DTSTART), a time of day that is empty, "morning",
//     "afternoon", "evening" or "HH:MM", and a known priority;
//   - every source titled.
func Validate(p *Plan) error {
	fs := Violations(p)
	if len(fs) == 0 {
		return nil
	}
	return flux.Invalid(fmt.Sprintf("the plan breaks %d rule(s)", len(fs)), fs...)
}

// Violations returns every rule p breaks (see Validate), in a stable order.
func Violations(p *Plan) []flux.FieldError {
	if p == nil {
		return []flux.FieldError{{Field: "plan", Message: "is required"}}
	}
	var fs []flux.FieldError
	add := func(field, format string, args ...any) {
		fs = append(fs, flux.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}

	if strings.TrimSpace(p.Title) == "" {
		add("title", "is required")
	} else if utf8.RuneCountInString(p.Title) > 500 {
		add("title", "is longer than 500 characters")
	}
	if !slices.Contains(Domains, p.Category) {
		add("category", "must be one of %s", strings.Join(Domains, ", "))
	}
	weeksOK := p.Weeks >= MinWeeks && p.Weeks <= MaxWeeks
	if !weeksOK {
		add("weeks", "must be between %d and %d", MinWeeks, MaxWeeks)
	}

	n := len(p.Milestones)
	switch {
	case n == 0:
		add("milestones", "at least one milestone is required")
	case weeksOK && p.Weeks <= MaxWeeklyMilestones && n != p.Weeks:
		add("milestones", "want %d milestones, one per week, got %d", p.Weeks, n)
	case weeksOK && p.Weeks > MaxWeeklyMilestones && n > MaxWeeklyMilestones:
		add("milestones", "want at most %d phases for a %d-week plan, got %d", MaxWeeklyMilestones, p.Weeks, n)
	}
	for i, m := range p.Milestones {
		f := fmt.Sprintf("milestones[%d]", i)
		switch {
		case weeksOK && p.Weeks <= MaxWeeklyMilestones:
			if m.Week != i+1 {
				add(f+".week", "must be %d (one milestone per week, in order)", i+1)
			}
		case i == 0:
			if m.Week != 1 {
				add(f+".week", "must be 1")
			}
		case m.Week <= p.Milestones[i-1].Week:
			add(f+".week", "must be after week %d", p.Milestones[i-1].Week)
		}
		if weeksOK && (m.Week < 1 || m.Week > p.Weeks) {
			add(f+".week", "must be between 1 and %d", p.Weeks)
		}
		if weeksOK && p.Weeks > MaxWeeklyMilestones && m.Week >= 1 {
			if span := p.EndWeek(i) - m.Week + 1; span > MaxPhaseWeeks {
				add(f+".week", "phase spans %d weeks, at most %d allowed", span, MaxPhaseWeeks)
			}
		}
		if strings.TrimSpace(m.Title) == "" {
			add(f+".title", "is required")
		} else if utf8.RuneCountInString(m.Title) > maxTitleRunes {
			add(f+".title", "is longer than %d characters", maxTitleRunes)
		}
		if len(m.Tasks) < MinTasks || len(m.Tasks) > MaxTasks {
			add(f+".tasks", "want %d–%d tasks, got %d", MinTasks, MaxTasks, len(m.Tasks))
		}
		seen := map[string]int{}
		for j, t := range m.Tasks {
			tf := fmt.Sprintf("%s.tasks[%d]", f, j)
			title := strings.ToLower(strings.Join(strings.Fields(t.Title), " "))
			switch {
			case title == "":
				add(tf+".title", "is required")
			case utf8.RuneCountInString(t.Title) > maxTitleRunes:
				add(tf+".title", "is longer than %d characters", maxTitleRunes)
			}
			if title != "" {
				if k, dup := seen[title]; dup {
					add(tf+".title", "repeats the title of task %d of this milestone", k)
				} else {
					seen[title] = j
				}
			}
			if t.DurationMinutes < MinDurationMinutes || t.DurationMinutes > MaxDurationMinutes {
				add(tf+".duration_minutes", "must be between %d and %d, got %d", MinDurationMinutes, MaxDurationMinutes, t.DurationMinutes)
			}
			if t.Recurrence != "" {
				if _, err := parseRule(t.Recurrence); err != nil {
					add(tf+".recurrence", "%q is not a usable RRULE: %v", t.Recurrence, err)
				}
			}
			if !validTimeOfDay(t.TimeOfDay) {
				add(tf+".time_of_day", "must be morning, afternoon, evening or HH:MM, got %q", t.TimeOfDay)
			}
			if !t.Priority.Valid() {
				add(tf+".priority", "must be standard, important or must_not_miss, got %q", t.Priority)
			}
		}
	}
	for i, s := range p.Sources {
		if strings.TrimSpace(s.Title) == "" {
			add(fmt.Sprintf("sources[%d].title", i), "is required")
		}
	}
	return fs
}

// Times of day a task may name besides "HH:MM".
const (
	Morning   = "morning"
	Afternoon = "afternoon"
	Evening   = "evening"
)

func validTimeOfDay(s string) bool {
	switch s {
	case "", Morning, Afternoon, Evening:
		return true
	}
	c, err := flux.ParseClockTime(s)
	return err == nil && c.Hour < 24
}
