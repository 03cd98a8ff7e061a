package scheduler

import (
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
)

// Monday 13 April 2026, Berlin. With officeRules the free time of a weekday
// is 07:00–09:00 and 17:00–21:00.

func TestSchedule(t *testing.T) {
	t.Parallel()
	noBuffer := officeRules()
	noBuffer.BufferMinutes = 0
	capped := officeRules()
	capped.DailyCapMinutes = 60
	nightOwl := officeRules()
	nightOwl.Sleep = flux.TimeWindow{Start: flux.ClockTime{Hour: 1}, End: flux.ClockTime{Hour: 9}}
	nightOwl.CutoffHour = 1
	nightOwl.WorkHours = [7][]flux.TimeWindow{}
	var eveningWeights [7][24]float64
	eveningWeights[time.Monday][19] = 1
	eveningWeights[time.Monday][7] = -1

	tests := []struct {
		name string
		in   Input
		want []string
	}{
		{
			name: "priorities: must_not_miss, then important, then standard",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-13 09:00"), Rules: noBuffer, Tasks: []TaskInput{
				{ID: "a-standard", DurationMinutes: 60},
				{ID: "b-important", DurationMinutes: 60, Priority: flux.PriorityImportant},
				{ID: "c-must", DurationMinutes: 60, Priority: flux.PriorityMustNotMiss},
			}},
			want: []string{"c-must Mon 13 07:00–08:00", "b-important Mon 13 08:00–09:00", "a-standard: no_slot_in_horizon"},
		},
		{
			name: "within a priority, earliest deadline first",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-13 09:00"), Rules: noBuffer, Tasks: []TaskInput{
				{ID: "later", DurationMinutes: 60, Deadline: bt("2026-04-20 09:00")},
				{ID: "sooner", DurationMinutes: 60, Deadline: bt("2026-04-13 09:00")},
				{ID: "none", DurationMinutes: 60},
			}},
			want: []string{"sooner Mon 13 07:00–08:00", "later Mon 13 08:00–09:00", "none: no_slot_in_horizon"},
		},
		{
			name: "buffers around busy time and between tasks",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-13 09:00"), Rules: officeRules(),
				Busy:  []Busy{{ID: "ev", Kind: BusyEvent, Start: bt("2026-04-13 07:00"), End: bt("2026-04-13 07:30")}},
				Tasks: []TaskInput{{ID: "a", DurationMinutes: 30}, {ID: "b", DurationMinutes: 30}, {ID: "c", DurationMinutes: 5}},
			},
			// a 07:45–08:15, b 08:30–09:00; c (5 min) fits nowhere: 08:15+15 is b's buffer.
			want: []string{"a Mon 13 07:45–08:15", "b Mon 13 08:30–09:00", "c: no_slot_in_horizon"},
		},
		{
			name: "cutoff: a task preferring 20:30 ends by 21:00",
			in: Input{Now: bt("2026-04-13 17:00"), To: bt("2026-04-14 00:00"), Rules: officeRules(),
				Tasks: []TaskInput{{ID: "run", DurationMinutes: 60, PreferredTime: "20:30"}}},
			want: []string{"run Mon 13 20:00–21:00"},
		},
		{
			name: "sleep 23:00–07:00: nothing before 07:00",
			in: Input{Now: bt("2026-04-13 02:00"), To: bt("2026-04-14 00:00"), Rules: officeRules(),
				Tasks: []TaskInput{{ID: "early", DurationMinutes: 30, PreferredTime: "05:00"}}},
			want: []string{"early Mon 13 07:00–07:30"},
		},
		{
			name: "sleep window 01:00–09:00: a task may run across midnight",
			in: Input{Now: bt("2026-04-13 12:00"), To: bt("2026-04-15 00:00"), Rules: nightOwl,
				Tasks: []TaskInput{{ID: "late", DurationMinutes: 60, PreferredTime: "23:45"}, {ID: "later", DurationMinutes: 60, PreferredTime: "00:30"}}},
			// late goes first (id order) and runs across midnight; later
			// cannot start at 00:30 (late and its buffer, then sleep), so it
			// takes 22:30, two hours early, rather than a day later.
			want: []string{"later Mon 13 22:30–23:30", "late Mon 13 23:45–00:45"},
		},
		{
			name: "work hours: kept out unless allowed",
			in: Input{Now: bt("2026-04-13 08:30"), To: bt("2026-04-14 00:00"), Rules: officeRules(), Tasks: []TaskInput{
				{ID: "personal", DurationMinutes: 60},
				{ID: "work", DurationMinutes: 60, AllowWorkHours: true},
			}},
			want: []string{"work Mon 13 08:30–09:30", "personal Mon 13 17:00–18:00"},
		},
		{
			name: "daily cap moves the second task to the next day",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-15 00:00"), Rules: capped, Tasks: []TaskInput{
				{ID: "a", DurationMinutes: 45}, {ID: "b", DurationMinutes: 45},
			}},
			want: []string{"a Mon 13 07:00–07:45", "b Tue 14 07:00–07:45"},
		},
		{
			name: "daily cap counts fixed tasks, not events",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-14 00:00"), Rules: capped,
				Busy: []Busy{
					{ID: "fixed", Kind: BusyTask, Start: bt("2026-04-13 17:00"), End: bt("2026-04-13 17:30")},
					{ID: "ev", Kind: BusyEvent, Start: bt("2026-04-13 18:00"), End: bt("2026-04-13 20:00")},
				},
				Tasks: []TaskInput{{ID: "small", DurationMinutes: 30}, {ID: "big", DurationMinutes: 45}},
			},
			want: []string{"small Mon 13 07:00–07:30", "big: daily_cap"},
		},
		{
			name: "deadline reasons",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-15 00:00"), Rules: officeRules(),
				Busy: []Busy{{ID: "ev", Kind: BusyEvent, Start: bt("2026-04-13 07:00"), End: bt("2026-04-13 08:00")}},
				Tasks: []TaskInput{
					{ID: "blocked", DurationMinutes: 60, Deadline: bt("2026-04-13 08:30")},
					{ID: "passed", DurationMinutes: 30, Deadline: bt("2026-04-13 05:00")},
					{ID: "empty", DurationMinutes: 30, EarliestStart: bt("2026-04-14 07:00"), Deadline: bt("2026-04-13 20:00")},
					{ID: "beyond", DurationMinutes: 30, EarliestStart: bt("2026-04-16 07:00")},
					{ID: "huge", DurationMinutes: 300},
					{ID: "ok", DurationMinutes: 30, Deadline: bt("2026-04-14 08:00"), EarliestStart: bt("2026-04-14 07:00")},
				},
			},
			want: []string{
				"ok Tue 14 07:00–07:30",
				"beyond: outside_horizon", "blocked: no_slot_before_deadline", "empty: empty_window",
				"huge: longer_than_any_slot", "passed: deadline_passed",
			},
		},
		{
			name: "preferred times of day",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-15 00:00"), Rules: officeRules(), Tasks: []TaskInput{
				{ID: "morning", DurationMinutes: 30, PreferredTime: "morning"},
				{ID: "afternoon", DurationMinutes: 30, PreferredTime: "afternoon"},
				{ID: "evening", DurationMinutes: 30, PreferredTime: "evening"},
				{ID: "at", DurationMinutes: 30, PreferredTime: "19:10"},
			}},
			// afternoon (12:00–17:00) is work time: 17:00 is 30 min off the
			// window, closer than tomorrow; evening then follows the buffer.
			want: []string{"morning Mon 13 07:00–07:30", "afternoon Mon 13 17:00–17:30", "evening Mon 13 17:45–18:15", "at Mon 13 19:10–19:40"},
		},
		{
			name: "a morning task late in the day waits for tomorrow morning",
			in: Input{Now: bt("2026-04-13 10:00"), To: bt("2026-04-15 00:00"), Rules: officeRules(),
				Tasks: []TaskInput{{ID: "read", DurationMinutes: 30, PreferredTime: "morning"}}},
			want: []string{"read Tue 14 07:00–07:30"},
		},
		{
			name: "weights choose among feasible slots",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-14 00:00"), Rules: officeRules(), Weights: &eveningWeights,
				Tasks: []TaskInput{{ID: "study", DurationMinutes: 30}}},
			want: []string{"study Mon 13 19:00–19:30"},
		},
		{
			name: "recurring task: one placement per occurrence at its time",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-27 00:00"), Rules: officeRules(), Tasks: []TaskInput{
				{ID: "gym", DurationMinutes: 60, RecurrenceRule: "FREQ=WEEKLY;BYDAY=MO,WE,FR", Anchor: bt("2026-04-06 18:00")},
			}},
			want: []string{
				"gym Mon 13 18:00–19:00", "gym Wed 15 18:00–19:00", "gym Fri 17 18:00–19:00",
				"gym Mon 20 18:00–19:00", "gym Wed 22 18:00–19:00", "gym Fri 24 18:00–19:00",
			},
		},
		{
			name: "recurring with COUNT and UNTIL",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-27 00:00"), Rules: officeRules(), Tasks: []TaskInput{
				{ID: "count", DurationMinutes: 30, RecurrenceRule: "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=4", Anchor: bt("2026-04-06 07:00")},
				{ID: "until", DurationMinutes: 30, RecurrenceRule: "RRULE:FREQ=DAILY;UNTIL=20260415T235959Z", Anchor: bt("2026-04-10 20:00")},
			}},
			want: []string{"count Mon 13 07:00–07:30", "until Mon 13 20:00–20:30", "until Tue 14 20:00–20:30", "until Wed 15 20:00–20:30"},
		},
		{
			name: "recurring occurrence with a full day is unplaced, the others are not",
			in: Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-15 00:00"), Rules: officeRules(),
				Busy: []Busy{
					{ID: "m", Kind: BusyEvent, Start: bt("2026-04-14 06:00"), End: bt("2026-04-14 09:00")},
					{ID: "e", Kind: BusyEvent, Start: bt("2026-04-14 17:00"), End: bt("2026-04-14 21:00")},
				},
				Tasks: []TaskInput{{ID: "walk", DurationMinutes: 20, RecurrenceRule: "FREQ=DAILY", Anchor: bt("2026-04-01 07:30")}},
			},
			want: []string{"walk Mon 13 07:30–07:50", "walk: no_slot_on_day"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := schedule(t, tc.in)
			if d := cmp.Diff(tc.want, summary(res)); d != "" {
				t.Errorf("result (-want +got):\n%s\nexplanations: %+v", d, res)
			}
		})
	}
}

func TestDisplacement(t *testing.T) {
	t.Parallel()
	r := officeRules()
	r.BufferMinutes = 0
	now, to := bt("2026-04-13 06:00"), bt("2026-04-14 09:00")
	fixed := func(kind BusyKind, p flux.Priority, movable bool) []Busy {
		return []Busy{
			{ID: "fixed", Kind: kind, Priority: p, Movable: movable, Start: bt("2026-04-13 07:00"), End: bt("2026-04-13 09:00")},
			{ID: "evening", Kind: BusyEvent, Start: bt("2026-04-13 17:00"), End: bt("2026-04-13 21:00")},
		}
	}
	urgent := []TaskInput{{ID: "urgent", DurationMinutes: 60, Priority: flux.PriorityMustNotMiss, Deadline: bt("2026-04-13 12:00")}}
	tests := []struct {
		name string
		busy []Busy
		want []string
	}{
		{
			name: "a higher priority task displaces a movable one, which moves near its old time",
			busy: fixed(BusyTask, flux.PriorityStandard, true),
			want: []string{"urgent Mon 13 07:00–08:00", "fixed Tue 14 07:00–09:00", "fixed displaced by urgent"},
		},
		{
			name: "never a calendar event",
			busy: fixed(BusyEvent, "", false),
			want: []string{"urgent: no_slot_before_deadline"},
		},
		{
			name: "never a task that is not movable",
			busy: fixed(BusyTask, flux.PriorityStandard, false),
			want: []string{"urgent: no_slot_before_deadline"},
		},
		{
			name: "never a task of equal priority",
			busy: fixed(BusyTask, flux.PriorityMustNotMiss, true),
			want: []string{"urgent: no_slot_before_deadline"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := schedule(t, Input{Now: now, To: to, Rules: r, Busy: tc.busy, Tasks: urgent})
			if d := cmp.Diff(tc.want, summary(res)); d != "" {
				t.Errorf("result (-want +got):\n%s", d)
			}
		})
	}

	t.Run("a task that can fit elsewhere does not displace", func(t *testing.T) {
		t.Parallel()
		busy := fixed(BusyTask, flux.PriorityStandard, true)[:1]
		tasks := []TaskInput{{ID: "urgent", DurationMinutes: 60, Priority: flux.PriorityMustNotMiss, Deadline: bt("2026-04-13 21:00")}}
		res := schedule(t, Input{Now: now, To: to, Rules: r, Busy: busy, Tasks: tasks})
		want := []string{"urgent Mon 13 17:00–18:00"}
		if d := cmp.Diff(want, summary(res)); d != "" {
			t.Errorf("result (-want +got):\n%s", d)
		}
	})

	t.Run("the displaced task is unplaced when nothing else is free", func(t *testing.T) {
		t.Parallel()
		res := schedule(t, Input{Now: now, To: bt("2026-04-13 23:00"), Rules: r, Busy: fixed(BusyTask, "", true), Tasks: urgent})
		want := []string{"urgent Mon 13 07:00–08:00", "fixed: no_slot_in_horizon", "fixed displaced by urgent"}
		if d := cmp.Diff(want, summary(res)); d != "" {
			t.Errorf("result (-want +got):\n%s", d)
		}
		if got := res.Unplaced[0].Detail; got == "" || res.Displaced[0].Start != bt("2026-04-13 07:00") {
			t.Errorf("detail %q, displaced %+v", got, res.Displaced[0])
		}
	})

	t.Run("displacing to make room under the daily cap", func(t *testing.T) {
		t.Parallel()
		rc := r
		rc.DailyCapMinutes = 120
		busy := []Busy{{ID: "low", Kind: BusyTask, Movable: true, Start: bt("2026-04-13 17:00"), End: bt("2026-04-13 18:30")}}
		res := schedule(t, Input{Now: now, To: bt("2026-04-14 12:00"), Rules: rc, Busy: busy, Tasks: urgent})
		// low moves to the slot nearest its old time that the horizon has.
		want := []string{"urgent Mon 13 07:00–08:00", "low Tue 14 07:30–09:00", "low displaced by urgent"}
		if d := cmp.Diff(want, summary(res)); d != "" {
			t.Errorf("result (-want +got):\n%s", d)
		}
	})
}

func TestScheduleInvalidInput(t *testing.T) {
	t.Parallel()
	r := officeRules()
	r.CutoffHour = 25
	nan := [7][24]float64{}
	nan[1][1] = nanValue()
	in := Input{
		Now: bt("2026-04-13 06:00"), From: bt("2026-04-14 00:00"), To: bt("2026-04-13 00:00"), Rules: r, Weights: &nan,
		Tasks: []TaskInput{
			{ID: "a", DurationMinutes: 0, Priority: "urgent", PreferredTime: "noonish"},
			{ID: "a", DurationMinutes: 30, RecurrenceRule: "FREQ=HOURLY"},
			{DurationMinutes: 30, RecurrenceRule: "FREQ=WEEKLY;BYDAY=XX"},
		},
		Busy: []Busy{{ID: "b", Kind: "meeting", Start: bt("2026-04-13 10:00"), End: bt("2026-04-13 09:00")}},
	}
	_, err := New(nil).Schedule(in)
	var fe *flux.Error
	if !asFluxError(err, &fe) || fe.Code != flux.EInvalid {
		t.Fatalf("err = %v, want EInvalid", err)
	}
	var fields []string
	for _, f := range fe.Fields {
		fields = append(fields, f.Field)
	}
	want := []string{
		"to", "rules.cutoff_hour", "weights",
		"tasks[0].duration_minutes", "tasks[0].priority", "tasks[0].preferred_time",
		"tasks[1].id", "tasks[1].recurrence_rule",
		"tasks[2].id", "tasks[2].recurrence_rule",
		"busy[0].kind", "busy[0].end",
	}
	if d := cmp.Diff(want, fields); d != "" {
		t.Errorf("fields (-want +got):\n%s\n%v", d, fe.Fields)
	}
	if _, err := New(nil).Schedule(Input{}); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("empty input: err = %v, want EInvalid", err)
	}
	long := Input{Now: bt("2026-04-13 06:00"), To: bt("2028-04-13 06:00"), Rules: officeRules()}
	if _, err := New(nil).Schedule(long); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("two-year horizon: err = %v, want EInvalid", err)
	}
}

func TestScheduleDefaults(t *testing.T) {
	t.Parallel()
	// From defaults to Now, To to 14 days later; nil location is UTC.
	in := Input{Now: time.Date(2026, 4, 13, 6, 0, 0, 0, time.UTC), Rules: Rules{Sleep: flux.TimeWindow{Start: flux.ClockTime{Hour: 23}, End: flux.ClockTime{Hour: 7}}, CutoffHour: 21},
		Tasks: []TaskInput{{ID: "x", DurationMinutes: 30, RecurrenceRule: "FREQ=DAILY", Anchor: time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)}}}
	res := schedule(t, in)
	if len(res.Placements) != 14 {
		t.Fatalf("got %d placements, want 14 (two weeks of a daily task)", len(res.Placements))
	}
	if p := res.Placements[13]; p.Start != time.Date(2026, 4, 26, 8, 0, 0, 0, time.UTC) || p.Start.Location() != time.UTC {
		t.Errorf("last placement %v", p.Start)
	}
}

func TestExplanations(t *testing.T) {
	t.Parallel()
	in := Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-15 00:00"), Rules: officeRules(), Tasks: []TaskInput{
		{ID: "a", DurationMinutes: 30, PreferredTime: "evening", Priority: flux.PriorityImportant, Deadline: bt("2026-04-14 21:00")},
		{ID: "b", DurationMinutes: 30, PreferredTime: "06:00"},
	}}
	res := schedule(t, in)
	got := map[string]string{}
	for _, p := range res.Placements {
		got[p.TaskID] = p.Explain
	}
	want := map[string]string{
		"a": "important priority; at the preferred time (evening); outside work hours; before the deadline Tue 14 Apr 21:00",
		"b": "60 min from the preferred time (06:00), the closest free time; outside work hours",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("explanations (-want +got):\n%s", d)
	}
}

func TestRecurrenceGuards(t *testing.T) {
	t.Parallel()
	in := Input{Now: bt("2026-04-13 06:00"), To: bt("2026-07-13 06:00"), Rules: officeRules(), Tasks: []TaskInput{
		// Matches no day at all: rrule-go alone would search to the year 9999.
		{ID: "never", DurationMinutes: 30, RecurrenceRule: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"},
		{ID: "lower", DurationMinutes: 30, RecurrenceRule: "freq=weekly;byday=mo;count=2", Anchor: bt("2026-04-13 07:00")},
	}}
	start := time.Now()
	res := schedule(t, in)
	if d := cmp.Diff([]string{"lower Mon 13 07:00–07:30", "lower Mon 20 07:00–07:30"}, summary(res)); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Logf("slow impossible rule: %v", el) // informative only; no timed assertion
	}
	for _, rule := range []string{"FREQ=MINUTELY", "FREQ=SECONDLY", "FREQ=HOURLY;BYMINUTE=0", "BYDAY=MO", "FREQ=DAILY;INTERVAL=5000", "FREQ=DAILY;FOO=1"} {
		_, err := New(nil).Schedule(Input{Now: bt("2026-04-13 06:00"), Rules: officeRules(),
			Tasks: []TaskInput{{ID: "x", DurationMinutes: 30, RecurrenceRule: rule}}})
		if !flux.IsCode(err, flux.EInvalid) {
			t.Errorf("rule %q: err = %v, want EInvalid", rule, err)
		}
	}
	// A DTSTART line in the rule is its anchor.
	res = schedule(t, Input{Now: bt("2026-04-13 06:00"), To: bt("2026-04-15 00:00"), Rules: officeRules(), Tasks: []TaskInput{
		{ID: "dt", DurationMinutes: 30, RecurrenceRule: "DTSTART;TZID=Europe/Berlin:20260401T193000\nRRULE:FREQ=DAILY"},
	}})
	if d := cmp.Diff([]string{"dt Mon 13 19:30–20:00", "dt Tue 14 19:30–20:00"}, summary(res)); d != "" {
		t.Errorf("DTSTART (-want +got):\n%s", d)
	}
}
