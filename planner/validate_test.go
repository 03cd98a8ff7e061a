package planner

import (
	"errors"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
)

func validTask(title string) Task {
	return Task{Title: title, Description: "d", DurationMinutes: 30, Recurrence: "FREQ=WEEKLY;BYDAY=MO,WE,FR", TimeOfDay: Morning, Priority: flux.PriorityStandard}
}

func validPlan(weeks int) *Plan {
	p := &Plan{Title: "Run a 5k", Category: DomainRunning, Weeks: weeks, Planner: NameOffline}
	for i, w := range milestoneStarts(weeks) {
		_ = i
		p.Milestones = append(p.Milestones, Milestone{Week: w, Title: "Stage", Tasks: []Task{validTask("A"), validTask("B"), validTask("C")}})
	}
	return p
}

func TestValidateAcceptsValidPlans(t *testing.T) {
	t.Parallel()
	for _, weeks := range []int{1, 6, 12, 13, 26, 52} {
		if err := Validate(validPlan(weeks)); err != nil {
			t.Errorf("%d weeks: %v", weeks, err)
		}
	}
	p := validPlan(2)
	p.Milestones[0].Tasks[0].TimeOfDay = "07:30"
	p.Milestones[0].Tasks[1].TimeOfDay = ""
	p.Milestones[0].Tasks[2].Recurrence = ""
	p.Milestones[1].Tasks[0].Recurrence = "FREQ=DAILY"
	p.Milestones[1].Tasks[1].Recurrence = "FREQ=MONTHLY;BYMONTHDAY=1"
	p.Milestones[1].Tasks = append(p.Milestones[1].Tasks, validTask("D"), validTask("E"))
	p.Milestones[1].Tasks[3].DurationMinutes = 5
	p.Milestones[1].Tasks[4].DurationMinutes = 240
	p.Sources = []flux.Source{{Title: "CDC", Source: "https://www.cdc.gov"}}
	if err := Validate(p); err != nil {
		t.Errorf("edge values: %v", err)
	}
}

// TestValidateListsEveryViolation breaks every rule once and expects each
// violation, in order, in one error.
func TestValidateListsEveryViolation(t *testing.T) {
	t.Parallel()
	p := &Plan{
		Title: "  ", Category: "cooking", Weeks: 3,
		Milestones: []Milestone{
			{Week: 1, Title: "", Tasks: []Task{
				{Title: "Run", DurationMinutes: 4, Recurrence: "FREQ=WEEKLY;BYDAY=XX", TimeOfDay: "noonish", Priority: "urgent"},
				{Title: " run ", DurationMinutes: 241, Recurrence: "FREQ=HOURLY", TimeOfDay: "25:00", Priority: flux.PriorityImportant},
				{Title: "", DurationMinutes: 30, Recurrence: "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY", Priority: flux.PriorityStandard},
			}},
			{Week: 3, Title: "B", Tasks: []Task{validTask("A"), validTask("B")}},
		},
		Sources: []flux.Source{{Title: "", Source: "x"}},
	}
	err := Validate(p)
	var fe *flux.Error
	if !errors.As(err, &fe) || fe.Code != flux.EInvalid {
		t.Fatalf("Validate = %v, want an EInvalid *flux.Error", err)
	}
	var fields []string
	for _, f := range fe.Fields {
		fields = append(fields, f.Field)
	}
	want := []string{
		"title",
		"category",
		"milestones", // 2 milestones for 3 weeks
		"milestones[0].title",
		"milestones[0].tasks[0].duration_minutes",
		"milestones[0].tasks[0].recurrence",
		"milestones[0].tasks[0].time_of_day",
		"milestones[0].tasks[0].priority",
		"milestones[0].tasks[1].title", // duplicate of "Run"
		"milestones[0].tasks[1].duration_minutes",
		"milestones[0].tasks[1].recurrence", // HOURLY
		"milestones[0].tasks[1].time_of_day",
		"milestones[0].tasks[2].title",
		"milestones[0].tasks[2].recurrence", // DTSTART
		"milestones[1].week",                // must be 2
		"milestones[1].tasks",               // only 2 tasks
		"sources[0].title",
	}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("violated fields (-want +got):\n%s\nall: %+v", diff, fe.Fields)
	}
}

func TestValidatePhases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		weeks  int
		starts []int
		want   []string
	}{
		{"ok", 26, []int{1, 4, 7, 10, 13, 16, 19, 22, 24}, nil},
		{"not from week 1", 26, []int{2, 8, 14, 20, 26}, []string{"milestones[0].week"}},
		{"out of order", 26, []int{1, 7, 5, 11, 17, 23}, []string{"milestones[2].week"}},
		{"phase too long", 26, []int{1, 8, 14, 20, 23}, []string{"milestones[0].week"}},
		{"beyond the horizon", 20, []int{1, 5, 9, 13, 17, 21}, []string{"milestones[5].week"}},
		{"too many phases", 52, []int{1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45, 49}, []string{"milestones"}},
		{"weeks out of range", 60, []int{1}, []string{"weeks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &Plan{Title: "T", Category: DomainGeneral, Weeks: tt.weeks}
			for _, w := range tt.starts {
				p.Milestones = append(p.Milestones, Milestone{Week: w, Title: "M", Tasks: []Task{validTask("A"), validTask("B"), validTask("C")}})
			}
			var got []string
			for _, f := range Violations(p) {
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("violations (-want +got):\n%s\n%+v", diff, Violations(p))
			}
		})
	}
}

func TestValidateNil(t *testing.T) {
	t.Parallel()
	if !flux.IsCode(Validate(nil), flux.EInvalid) {
		t.Errorf("Validate(nil) = %v", Validate(nil))
	}
}
