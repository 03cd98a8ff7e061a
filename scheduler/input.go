package scheduler

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/fluxlife/flux"
)

// TaskInput is a task to place.
type TaskInput struct {
	// ID names the task in the result; it must be unique within an Input.
	ID string `json:"id"`
	// Title is used in explanations and suggestions; it may be empty.
	Title string `json:"title,omitempty"`
	// DurationMinutes is how long the task takes (1–1440).
	DurationMinutes int `json:"duration_minutes"`
	// Priority orders placement; empty means standard.
	Priority flux.Priority `json:"priority,omitempty"`
	// Deadline, when not zero, is when the task must be finished by. For a
	// recurring task it ends the series.
	Deadline time.Time `json:"deadline,omitzero"`
	// EarliestStart, when not zero, is the earliest moment the task may
	// start. For a recurring task, occurrences on days before it are skipped.
	EarliestStart time.Time `json:"earliest_start,omitzero"`
	// PreferredTime is "morning" (07:00–12:00), "afternoon" (12:00–17:00),
	// "evening" (17:00–22:00), "HH:MM", or empty for any time.
	PreferredTime string `json:"preferred_time,omitempty"`
	// AllowWorkHours lets the task be placed in work hours.
	AllowWorkHours bool `json:"allow_work_hours,omitempty"`
	// RecurrenceRule, when set, is an RFC 5545 RRULE ("FREQ=WEEKLY;BYDAY=MO");
	// it may be preceded by a "DTSTART:..." line. Each occurrence in the
	// horizon is placed on its own local day. Rules more frequent than daily
	// (HOURLY, MINUTELY, SECONDLY) are refused.
	RecurrenceRule string `json:"recurrence_rule,omitempty"`
	// Anchor is the series start (DTSTART) of a recurring task when the rule
	// has no DTSTART line. Occurrences are placed near the anchor's local time
	// of day unless PreferredTime says otherwise. When zero, the series starts
	// at local midnight of the first day of the horizon and occurrences have
	// no preferred time of their own.
	Anchor time.Time `json:"anchor,omitzero"`
	// Previous is where the task was before: its missed or drifted slot.
	// Replan and Suggest prefer its time of day and mention it.
	Previous time.Time `json:"previous,omitzero"`
}

// FromTask returns the scheduling input of a stored task: its duration,
// priority, deadline, earliest start, preferred time, work-hours permission
// and recurrence rule. For a recurring task the anchor is its ScheduledAt;
// Previous is its ScheduledAt in any case.
func FromTask(t *flux.Task) TaskInput {
	in := TaskInput{
		ID:              t.ID,
		Title:           t.Title,
		DurationMinutes: t.DurationMinutes,
		Priority:        t.Priority,
		PreferredTime:   t.PreferredTime,
		AllowWorkHours:  t.AllowWorkHours,
		RecurrenceRule:  t.RecurrenceRule,
	}
	if t.Deadline != nil {
		in.Deadline = *t.Deadline
	}
	if t.EarliestStart != nil {
		in.EarliestStart = *t.EarliestStart
	}
	if t.ScheduledAt != nil {
		in.Previous = *t.ScheduledAt
		if t.RecurrenceRule != "" {
			in.Anchor = *t.ScheduledAt
		}
	}
	return in
}

// IsDrifted reports whether the task's slot has ended while it is still
// open and scheduled: it should be replanned.
func IsDrifted(t *flux.Task, now time.Time) bool {
	if t.Status != flux.TaskScheduled && t.Status != flux.TaskDrifted {
		return false
	}
	end := t.End()
	return end != nil && !end.After(now)
}

// BusyKind says what a busy interval is.
type BusyKind string

// Busy kinds.
const (
	// BusyEvent is a calendar event: never displaced, not counted in the
	// daily cap.
	BusyEvent BusyKind = "event"
	// BusyTask is a task already fixed in time. It counts in the daily cap
	// and, when Movable, a higher priority task may displace it.
	BusyTask BusyKind = "task"
)

// Busy is time the engine must keep free (plus the buffer on both sides).
type Busy struct {
	// ID names the event or task; a BusyTask whose ID is also in
	// Input.Tasks is ignored (the task is being placed again).
	ID    string    `json:"id"`
	Kind  BusyKind  `json:"kind"`
	Title string    `json:"title,omitempty"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Priority of a BusyTask; empty means standard.
	Priority flux.Priority `json:"priority,omitempty"`
	// Movable lets a higher priority task displace this BusyTask. The
	// displaced task is placed again near its old slot (within its Deadline,
	// outside work hours unless AllowWorkHours) or reported unplaced.
	Movable        bool      `json:"movable,omitempty"`
	AllowWorkHours bool      `json:"allow_work_hours,omitempty"`
	Deadline       time.Time `json:"deadline,omitzero"`
}

// BusyFromEvent returns a calendar event as busy time.
func BusyFromEvent(e *flux.CalendarEvent) Busy {
	return Busy{ID: e.ID, Kind: BusyEvent, Title: e.Title, Start: e.Start, End: e.End}
}

// BusyFromTask returns a scheduled task as busy time; movable says whether a
// higher priority task may displace it. It reports false when the task has
// no slot.
func BusyFromTask(t *flux.Task, movable bool) (Busy, bool) {
	if t.ScheduledAt == nil || t.DurationMinutes <= 0 {
		return Busy{}, false
	}
	b := Busy{
		ID: t.ID, Kind: BusyTask, Title: t.Title, Start: *t.ScheduledAt, End: *t.End(),
		Priority: t.Priority, Movable: movable, AllowWorkHours: t.AllowWorkHours,
	}
	if t.Deadline != nil {
		b.Deadline = *t.Deadline
	}
	return b, true
}

// Input is everything the engine decides from.
type Input struct {
	// Now is the current instant; nothing is placed before it. Required.
	Now time.Time `json:"now"`
	// From and To bound the horizon [From, To). A zero From means Now; a
	// zero To means From plus Options.DefaultHorizon.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Tasks are placed by Schedule and Replan.
	Tasks []TaskInput `json:"tasks,omitempty"`
	// Busy is time already taken.
	Busy []Busy `json:"busy,omitempty"`
	// Rules are the user's rules.
	Rules Rules `json:"rules"`
	// Weights, when set, are preference weights per local weekday
	// (time.Weekday, Sunday 0) and hour, in [-1, 1] (values outside are
	// clamped): 1 marks an hour the user reliably gets things done in, -1 one
	// they avoid, 0 is neutral. They only choose among feasible slots.
	Weights *[7][24]float64 `json:"weights,omitempty"`
}

// lazyField names a field of one element of a list, e.g.
// "tasks[3].duration_minutes", built only when an error needs it.
type lazyField struct {
	list  string
	index int
}

func (f lazyField) name(field string) string {
	return f.list + "[" + strconv.Itoa(f.index) + "]." + field
}

// prepared is a validated Input with its defaults filled in.
type prepared struct {
	in       Input
	loc      *time.Location
	now      int64 // minutes, rounded up
	lower    int64 // max(now, from), rounded up
	upper    int64 // to, rounded down
	tasks    []TaskInput
	prefs    []preference
	taskIDs  map[string]bool
	occRules []*ruleSpec // per task; nil for a one-off task
}

// prepare validates in and fills its defaults. With expand set, recurrence
// rules are parsed; horizon bounds are checked against the options.
func (o *Options) prepare(in Input, expand bool) (*prepared, error) {
	var fs []flux.FieldError
	add := func(field, format string, args ...any) {
		fs = append(fs, flux.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if in.Now.IsZero() {
		add("now", "is required")
	}
	if in.From.IsZero() {
		in.From = in.Now
	}
	if in.To.IsZero() && !in.From.IsZero() {
		in.To = in.From.Add(o.DefaultHorizon)
	}
	switch {
	case !in.To.After(in.From):
		add("to", "must be after from")
	case in.To.Sub(in.From) > o.MaxHorizon:
		add("to", "the horizon is longer than %d days", int(o.MaxHorizon/(24*time.Hour)))
	}
	for _, t := range []struct {
		name string
		v    time.Time
	}{{"now", in.Now}, {"from", in.From}, {"to", in.To}} {
		if !t.v.IsZero() && (t.v.Year() < 1900 || t.v.Year() > 9000) {
			add(t.name, "must be between the years 1900 and 9000")
		}
	}
	fs = append(fs, in.Rules.validate("rules.")...)
	if in.Weights != nil {
	weights:
		for d := range in.Weights {
			for h, w := range in.Weights[d] {
				if math.IsNaN(w) || math.IsInf(w, 0) {
					add("weights", "%s %02d:00 is not a number", flux.Weekday(d), h)
					break weights
				}
			}
		}
	}
	p := &prepared{in: in, loc: in.Rules.location(), taskIDs: make(map[string]bool, len(in.Tasks)),
		prefs: make([]preference, 0, len(in.Tasks)), occRules: make([]*ruleSpec, 0, len(in.Tasks))}
	prefCache := map[string]preference{} // tasks share a few preferred times
	for i, t := range in.Tasks {
		f := lazyField{"tasks", i}
		if t.ID == "" {
			add(f.name("id"), "is required")
		} else if p.taskIDs[t.ID] {
			add(f.name("id"), "%q is listed twice", t.ID)
		}
		p.taskIDs[t.ID] = true
		if t.DurationMinutes < 1 || t.DurationMinutes > 1440 {
			add(f.name("duration_minutes"), "must be between 1 and 1440")
		}
		if t.Priority != "" && !t.Priority.Valid() {
			add(f.name("priority"), "unknown priority %q", t.Priority)
		}
		pref, cached := prefCache[t.PreferredTime]
		var err error
		if !cached {
			if pref, err = parsePreference(t.PreferredTime); err == nil {
				prefCache[t.PreferredTime] = pref
			}
		}
		if err != nil {
			add(f.name("preferred_time"), "%v", err)
		}
		p.prefs = append(p.prefs, pref)
		var spec *ruleSpec
		if t.RecurrenceRule != "" && expand {
			spec, err = parseRule(t.RecurrenceRule, p.loc)
			if err != nil {
				add(f.name("recurrence_rule"), "%v", err)
			}
		}
		p.occRules = append(p.occRules, spec)
	}
	if len(in.Tasks)+len(in.Busy) > o.MaxItems {
		add("tasks", "more than %d tasks and busy intervals", o.MaxItems)
	}
	for i, b := range in.Busy {
		f := lazyField{"busy", i}
		switch b.Kind {
		case BusyEvent, BusyTask:
		default:
			add(f.name("kind"), "must be %q or %q", BusyEvent, BusyTask)
		}
		if b.Start.IsZero() || b.End.IsZero() {
			add(f.name("start"), "start and end are required")
		} else if !b.End.After(b.Start) {
			add(f.name("end"), "must be after start")
		} else if b.Start.Year() < 1900 || b.End.Year() > 9000 {
			add(f.name("start"), "must be between the years 1900 and 9000")
		}
		if b.Priority != "" && !b.Priority.Valid() {
			add(f.name("priority"), "unknown priority %q", b.Priority)
		}
	}
	if len(fs) > 0 {
		return nil, flux.Invalid("invalid scheduler input", fs...)
	}
	p.tasks = in.Tasks
	p.now = ceilMin(in.Now)
	p.lower = max(p.now, ceilMin(in.From))
	p.upper = floorMin(in.To)
	return p, nil
}
