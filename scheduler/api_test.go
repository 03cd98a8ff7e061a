package scheduler

import (
	"errors"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
)

func TestCheckSlot(t *testing.T) {
	t.Parallel()
	in := Input{Now: bt("2026-04-13 10:00"), Rules: officeRules(), Busy: []Busy{
		{ID: "ev", Kind: BusyEvent, Title: "Dentist", Start: bt("2026-04-13 18:00"), End: bt("2026-04-13 19:00")},
		{ID: "self", Kind: BusyTask, Start: bt("2026-04-13 19:30"), End: bt("2026-04-13 20:00")},
	}}
	task := TaskInput{ID: "self", DurationMinutes: 30}
	tests := []struct {
		name       string
		allowWork  bool
		start, end string
		code       string
		rules      []Rule
	}{
		{name: "free", start: "2026-04-13 17:00", end: "2026-04-13 17:30"},
		{name: "its own old slot does not count", start: "2026-04-13 19:30", end: "2026-04-13 20:00"},
		{name: "exactly the buffer after busy time", start: "2026-04-13 19:15", end: "2026-04-13 19:45"},
		{name: "inside the buffer", start: "2026-04-13 19:00", end: "2026-04-13 19:30", code: flux.EConflict, rules: []Rule{RuleBusy}},
		{name: "overlapping an event", start: "2026-04-13 18:30", end: "2026-04-13 19:00", code: flux.EConflict, rules: []Rule{RuleBusy}},
		{name: "past", start: "2026-04-13 07:00", end: "2026-04-13 07:30", code: flux.EInvalid, rules: []Rule{RulePast}},
		{name: "sleep", start: "2026-04-13 23:30", end: "2026-04-14 00:00", code: flux.EInvalid, rules: []Rule{RuleSleep}},
		{name: "after the cutoff", start: "2026-04-13 20:30", end: "2026-04-13 21:30", code: flux.EInvalid, rules: []Rule{RuleCutoff}},
		{name: "work hours", start: "2026-04-13 16:30", end: "2026-04-13 17:00", code: flux.EInvalid, rules: []Rule{RuleWorkHours}},
		{name: "work hours allowed", allowWork: true, start: "2026-04-13 16:30", end: "2026-04-13 17:00"},
		{name: "several rules at once", start: "2026-04-13 08:30", end: "2026-04-13 09:30", code: flux.EInvalid, rules: []Rule{RulePast, RuleWorkHours}},
		{name: "end before start", start: "2026-04-13 17:30", end: "2026-04-13 17:00", code: flux.EInvalid, rules: []Rule{RuleOrder}},
		{name: "longer than a day", start: "2026-04-14 17:00", end: "2026-04-15 17:30", code: flux.EInvalid, rules: []Rule{RuleTooLong}},
	}
	e := New(nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tk := task
			tk.AllowWorkHours = tc.allowWork
			err := e.CheckSlot(in, tk, bt(tc.start), bt(tc.end))
			if tc.code == "" {
				if err != nil {
					t.Fatalf("CheckSlot = %v, want nil", err)
				}
				return
			}
			if got := flux.ErrorCode(err); got != tc.code {
				t.Fatalf("code %q (%v), want %q", got, err, tc.code)
			}
			var se *SlotError
			if !errors.As(err, &se) {
				t.Fatalf("%v does not wrap a *SlotError", err)
			}
			var got []Rule
			for _, v := range se.Violations {
				got = append(got, v.Rule)
			}
			if d := cmp.Diff(tc.rules, got); d != "" {
				t.Errorf("rules (-want +got):\n%s", d)
			}
			if msg := flux.ErrorMessage(err); msg == "" || msg == "Internal server error" {
				t.Errorf("message %q", msg)
			}
		})
	}
	t.Run("message", func(t *testing.T) {
		t.Parallel()
		err := e.CheckSlot(in, task, bt("2026-04-13 19:00"), bt("2026-04-13 19:30"))
		want := `the slot overlaps "Dentist" at Mon 13 Apr 18:00–19:00, with the 15-minute buffer`
		if got := flux.ErrorMessage(err); got != want {
			t.Errorf("message %q, want %q", got, want)
		}
	})
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	e := New(nil)
	report := TaskInput{ID: "t1", Title: "Write report"}
	var avoidMonday19 [7][24]float64
	avoidMonday19[time.Monday][19] = -1
	tests := []struct {
		name string
		in   Input
		req  SuggestRequest
		want SuggestResult
	}{
		{
			name: "today after an event, tomorrow morning",
			in: Input{Now: bt("2026-04-13 16:52"), Rules: officeRules(), Busy: []Busy{
				{ID: "ev", Kind: BusyEvent, Start: bt("2026-04-13 18:00"), End: bt("2026-04-13 19:00")},
				{ID: "t1", Kind: BusyTask, Start: bt("2026-04-13 14:00"), End: bt("2026-04-13 15:00")},
			}},
			req: SuggestRequest{Task: report, Start: bt("2026-04-13 14:00"), End: bt("2026-04-13 15:00")},
			want: SuggestResult{
				EventID: "t1", TaskTitle: "Write report", SkipOption: true, AIMessage: "Write report drifted. I can do:",
				Suggestions: []SuggestedSlot{
					{NewStart: bt("2026-04-13 19:15").UTC(), NewEnd: bt("2026-04-13 20:15").UTC(), Label: "7:15 PM Today",
						Rationale: "Suggested 7:15 PM — it's your outside work hours today."},
					{NewStart: bt("2026-04-14 07:00").UTC(), NewEnd: bt("2026-04-14 08:00").UTC(), Label: "7:00 AM Tuesday",
						Rationale: "Suggested 7:00 AM Tuesday — outside work hours."},
				},
			},
		},
		{
			name: "weights: away from an avoided hour",
			in: Input{Now: bt("2026-04-13 16:52"), Rules: officeRules(), Weights: &avoidMonday19, Busy: []Busy{
				{ID: "ev", Kind: BusyEvent, Start: bt("2026-04-13 18:00"), End: bt("2026-04-13 19:00")},
			}},
			req: SuggestRequest{Task: report, Start: bt("2026-04-13 14:00"), End: bt("2026-04-13 15:00")},
			want: SuggestResult{
				EventID: "t1", TaskTitle: "Write report", SkipOption: true, AIMessage: "Write report drifted. I can do:",
				Suggestions: []SuggestedSlot{
					// 19:15 covers 45 minutes of Monday 19:00 (−11), 19:45 only 15 (−4).
					{NewStart: bt("2026-04-13 19:45").UTC(), NewEnd: bt("2026-04-13 20:45").UTC(), Label: "7:45 PM Today",
						Rationale: "Suggested 7:45 PM — it's your outside work hours today."},
					{NewStart: bt("2026-04-14 07:00").UTC(), NewEnd: bt("2026-04-14 08:00").UTC(), Label: "7:00 AM Tuesday",
						Rationale: "Suggested 7:00 AM Tuesday — outside work hours."},
				},
			},
		},
		{
			name: "too late for today; tomorrow at the same time",
			in:   Input{Now: bt("2026-04-13 20:50"), Rules: officeRules()},
			req:  SuggestRequest{Task: TaskInput{ID: "t2", Title: "Run"}, Start: bt("2026-04-13 18:10"), End: bt("2026-04-13 18:40")},
			want: SuggestResult{
				EventID: "t2", TaskTitle: "Run", SkipOption: true, AIMessage: "Run drifted. I can do:",
				Suggestions: []SuggestedSlot{
					// 18:00 is the first candidate within 30 minutes of 18:10.
					{NewStart: bt("2026-04-14 18:00").UTC(), NewEnd: bt("2026-04-14 18:30").UTC(), Label: "6:00 PM Tuesday",
						Rationale: "Suggested 6:00 PM Tuesday — same time as originally planned."},
				},
			},
		},
		{
			name: "nothing free: skip",
			in: Input{Now: bt("2026-04-13 10:00"), Rules: officeRules(), Busy: []Busy{
				{ID: "all", Kind: BusyEvent, Start: bt("2026-04-13 00:00"), End: bt("2026-04-15 00:00")},
			}},
			req: SuggestRequest{Task: TaskInput{ID: "t3"}},
			want: SuggestResult{
				EventID: "t3", TaskTitle: "Task", SkipOption: true, Suggestions: []SuggestedSlot{},
				AIMessage: "Task drifted, but I couldn't find open slots today or tomorrow. You can skip for now.",
			},
		},
		{
			name: "a task allowed in work hours prefers outside them",
			in:   Input{Now: bt("2026-04-13 10:00"), Rules: officeRules()},
			req:  SuggestRequest{Task: TaskInput{ID: "t4", Title: "Call", AllowWorkHours: true}, Start: bt("2026-04-13 09:00"), End: bt("2026-04-13 09:30")},
			want: SuggestResult{
				EventID: "t4", TaskTitle: "Call", SkipOption: true, AIMessage: "Call drifted. I can do:",
				Suggestions: []SuggestedSlot{
					{NewStart: bt("2026-04-13 17:05").UTC(), NewEnd: bt("2026-04-13 17:35").UTC(), Label: "5:05 PM Today",
						Rationale: "Suggested 5:05 PM — it's your outside work hours today."},
					// 08:30 is outside work hours and near 09:00: 10+20.
					{NewStart: bt("2026-04-14 08:30").UTC(), NewEnd: bt("2026-04-14 09:00").UTC(), Label: "8:30 AM Tuesday",
						Rationale: "Suggested 8:30 AM Tuesday — same time as originally planned."},
				},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.Suggest(tc.in, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("suggestions (-want +got):\n%s", d)
			}
			// Every suggestion passes CheckSlot.
			for _, s := range got.Suggestions {
				if err := e.CheckSlot(tc.in, tc.req.Task, s.NewStart, s.NewEnd); err != nil {
					t.Errorf("suggestion %v refused: %v", s, err)
				}
			}
		})
	}
	t.Run("labels in the user's zone", func(t *testing.T) {
		t.Parallel()
		ny := mustLoad(t, "America/New_York")
		r := dayRules(ny)
		got, err := e.Suggest(Input{Now: lt(ny, "2026-03-07 19:00"), Rules: r},
			SuggestRequest{Task: TaskInput{ID: "x", Title: "Read"}, Start: lt(ny, "2026-03-07 08:00"), End: lt(ny, "2026-03-07 08:30")})
		if err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, s := range got.Suggestions {
			labels = append(labels, s.Label)
		}
		// Tomorrow is the day New York springs forward; 07:30 EDT is
		// within 30 minutes of 08:00.
		if d := cmp.Diff([]string{"7:05 PM Today", "7:30 AM Sunday"}, labels); d != "" {
			t.Errorf("labels (-want +got):\n%s", d)
		}
		if got.Suggestions[1].NewStart != lt(ny, "2026-03-08 07:30").UTC() {
			t.Errorf("tomorrow %v", got.Suggestions[1].NewStart)
		}
	})
	if _, err := e.Suggest(Input{}, SuggestRequest{}); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("no now: err = %v, want EInvalid", err)
	}
}

func TestReplan(t *testing.T) {
	t.Parallel()
	e := New(nil)
	tests := []struct {
		name    string
		now     string
		task    TaskInput
		want    []string
		explain string
	}{
		{
			name: "the same day, as close to its old time as it can",
			now:  "2026-04-13 10:00",
			task: TaskInput{ID: "walk", DurationMinutes: 30, Previous: bt("2026-04-13 07:00")},
			want: []string{"walk Mon 13 17:00–17:30"},
			explain: "was planned for Mon 13 Apr 07:00; next suitable slot; " +
				"600 min from its old time (07:00), the closest free time; outside work hours",
		},
		{
			name:    "no room left today: tomorrow at its old time",
			now:     "2026-04-13 20:45",
			task:    TaskInput{ID: "walk", DurationMinutes: 30, Previous: bt("2026-04-13 07:00")},
			want:    []string{"walk Tue 14 07:00–07:30"},
			explain: "was planned for Mon 13 Apr 07:00; next suitable slot; at its old time (07:00); outside work hours",
		},
		{
			name: "its preferred time wins over its old time",
			now:  "2026-04-13 10:00",
			task: TaskInput{ID: "walk", DurationMinutes: 30, Previous: bt("2026-04-13 07:00"), PreferredTime: "evening"},
			want: []string{"walk Mon 13 17:00–17:30"},
			explain: "was planned for Mon 13 Apr 07:00; next suitable slot; " +
				"at the preferred time (evening); outside work hours",
		},
		{
			name: "recurrence is ignored: one slot",
			now:  "2026-04-13 10:00",
			task: TaskInput{ID: "gym", DurationMinutes: 60, Previous: bt("2026-04-13 07:00"), RecurrenceRule: "FREQ=DAILY"},
			want: []string{"gym Mon 13 17:00–18:00"},
			explain: "was planned for Mon 13 Apr 07:00; next suitable slot; " +
				"600 min from its old time (07:00), the closest free time; outside work hours",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := Input{Now: bt(tc.now), To: bt(tc.now).AddDate(0, 0, 7), Rules: officeRules(), Tasks: []TaskInput{tc.task}}
			res, err := e.Replan(in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, summary(res)); d != "" {
				t.Errorf("result (-want +got):\n%s", d)
			}
			if len(res.Placements) == 1 && res.Placements[0].Explain != tc.explain {
				t.Errorf("explain %q, want %q", res.Placements[0].Explain, tc.explain)
			}
		})
	}
}

func TestAvailability(t *testing.T) {
	t.Parallel()
	e := New(nil)
	in := Input{Now: bt("2026-04-13 07:30"), Rules: officeRules(), Busy: []Busy{
		{ID: "ev", Kind: BusyEvent, Start: bt("2026-04-13 18:00"), End: bt("2026-04-13 19:00")},
		{ID: "fixed", Kind: BusyTask, Start: bt("2026-04-14 20:00"), End: bt("2026-04-14 21:00")},
	}}
	slots, err := e.Availability(in, bt("2026-04-13 00:00"), bt("2026-04-15 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Mon 13 07:30 CEST–Mon 13 09:00 CEST (90)",
		"Mon 13 17:00 CEST–Mon 13 17:45 CEST (45)",
		"Mon 13 19:15 CEST–Mon 13 21:00 CEST (105)",
		"Tue 14 07:00 CEST–Tue 14 09:00 CEST (120)",
		"Tue 14 17:00 CEST–Tue 14 19:45 CEST (165)",
	}
	if d := cmp.Diff(want, slotsSummary(slots)); d != "" {
		t.Errorf("slots (-want +got):\n%s", d)
	}
	// With a cap of 60 minutes, Tuesday's fixed task uses up the day.
	in.Rules.DailyCapMinutes = 60
	slots, err = e.Availability(in, bt("2026-04-13 00:00"), bt("2026-04-15 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want[:3], slotsSummary(slots)); d != "" {
		t.Errorf("capped slots (-want +got):\n%s", d)
	}
	if _, err := e.Availability(in, bt("2026-04-15 00:00"), bt("2026-04-13 00:00")); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("reversed range: err = %v, want EInvalid", err)
	}
}

func TestRulesFor(t *testing.T) {
	t.Parallel()
	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	u.Timezone = "Europe/Berlin"
	u.WorkHours.End = flux.ClockTime{Hour: 17}
	u.DailyCapMinutes = 240
	r := RulesFor(u)
	if r.Location.String() != "Europe/Berlin" || r.CutoffHour != 21 || r.BufferMinutes != 15 || r.DailyCapMinutes != 240 {
		t.Errorf("rules %+v", r)
	}
	nine := []flux.TimeWindow{{Start: flux.ClockTime{Hour: 9}, End: flux.ClockTime{Hour: 17}}}
	for d := time.Sunday; d <= time.Saturday; d++ {
		want := nine
		if d == time.Sunday || d == time.Saturday {
			want = nil
		}
		if diff := cmp.Diff(want, r.WorkHours[d]); diff != "" {
			t.Errorf("%v work hours (-want +got):\n%s", d, diff)
		}
	}
	if d := cmp.Diff(flux.TimeWindow{Start: flux.ClockTime{Hour: 23}, End: flux.ClockTime{Hour: 7}}, r.Sleep); d != "" {
		t.Errorf("sleep (-want +got):\n%s", d)
	}

	// Out-of-range settings fall back; an unknown zone is UTC.
	bad := *u
	bad.Timezone, bad.CutoffHour, bad.BufferMinutes = "Mars/Olympus", 30, -5
	bad.SleepWindow = flux.TimeWindow{}
	bad.WorkHours.Start = flux.ClockTime{Hour: 18}
	d := Defaults{CutoffHour: 20, BufferMinutes: 10}
	r = d.RulesFor(&bad)
	if r.Location != time.UTC || r.CutoffHour != 20 || r.BufferMinutes != 10 || r.Sleep.Start.Hour != 23 || r.WorkHours[time.Monday] != nil {
		t.Errorf("fallbacks %+v", r)
	}
	if r := d.RulesFor(nil); r.CutoffHour != 20 || r.BufferMinutes != 10 || r.Location != time.UTC || len(r.WorkHours[time.Monday]) != 1 {
		t.Errorf("nil user %+v", r)
	}
}

func TestFromTask(t *testing.T) {
	t.Parallel()
	at, dl, es := bt("2026-04-13 07:00"), bt("2026-04-20 07:00"), bt("2026-04-12 07:00")
	task := &flux.Task{
		ID: "t", Title: "Gym", Status: flux.TaskScheduled, Priority: flux.PriorityImportant, DurationMinutes: 45,
		ScheduledAt: &at, Deadline: &dl, EarliestStart: &es, PreferredTime: "morning", RecurrenceRule: "FREQ=DAILY", AllowWorkHours: true,
	}
	want := TaskInput{ID: "t", Title: "Gym", DurationMinutes: 45, Priority: flux.PriorityImportant, Deadline: dl, EarliestStart: es,
		PreferredTime: "morning", AllowWorkHours: true, RecurrenceRule: "FREQ=DAILY", Anchor: at, Previous: at}
	if d := cmp.Diff(want, FromTask(task)); d != "" {
		t.Errorf("FromTask (-want +got):\n%s", d)
	}
	b, ok := BusyFromTask(task, true)
	wantB := Busy{ID: "t", Kind: BusyTask, Title: "Gym", Start: at, End: at.Add(45 * time.Minute), Priority: flux.PriorityImportant,
		Movable: true, AllowWorkHours: true, Deadline: dl}
	if d := cmp.Diff(wantB, b); !ok || d != "" {
		t.Errorf("BusyFromTask (-want +got):\n%s", d)
	}
	if !IsDrifted(task, bt("2026-04-13 08:00")) || IsDrifted(task, bt("2026-04-13 07:30")) {
		t.Error("IsDrifted")
	}
	if _, ok := BusyFromTask(&flux.Task{ID: "u"}, false); ok {
		t.Error("BusyFromTask of an unscheduled task")
	}
	ev := &flux.CalendarEvent{ID: "e", Title: "Dentist", Start: at, End: dl}
	if d := cmp.Diff(Busy{ID: "e", Kind: BusyEvent, Title: "Dentist", Start: at, End: dl}, BusyFromEvent(ev)); d != "" {
		t.Errorf("BusyFromEvent (-want +got):\n%s", d)
	}
}
