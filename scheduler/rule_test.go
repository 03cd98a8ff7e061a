package scheduler_test

import (
	"strings"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

func TestParseRulePolicy(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"FREQ=DAILY":                                  "FREQ=DAILY",
		" rrule:freq=weekly;byday=mo,we ":             "FREQ=WEEKLY;BYDAY=MO,WE",
		"FREQ=MONTHLY;BYMONTHDAY=1;COUNT=3":           "FREQ=MONTHLY;BYMONTHDAY=1;COUNT=3",
		"FREQ=YEARLY":                                 "FREQ=YEARLY",
		"DTSTART:20260105T090000Z\nRRULE:FREQ=WEEKLY": "DTSTART:20260105T090000Z\nFREQ=WEEKLY",
	}
	for in, want := range good {
		got, err := scheduler.ParseRule(in)
		if err != nil || got != want {
			t.Errorf("ParseRule(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "FREQ=MINUTELY", "FREQ=HOURLY", "FREQ=SECONDLY", "FREQ=SOMETIMES", "FREQ=DAILY;INTERVAL=1001", "BYDAY=MO"} {
		if got, err := scheduler.ParseRule(bad); err == nil {
			t.Errorf("ParseRule(%q) = %q, want an error", bad, got)
		}
	}
}

// TestValidateTaskAppliesTheRulePolicy: CheckTask and ValidateTask, which
// every task creation path runs, refuse what ParseRule refuses.
func TestValidateTaskAppliesTheRulePolicy(t *testing.T) {
	t.Parallel()
	task := &flux.Task{ID: flux.NewID(), UserID: flux.NewID(), Title: "Drink water", Status: flux.TaskPending,
		Priority: flux.PriorityStandard, DurationMinutes: 5, TriggerType: flux.TriggerTime, RecurrenceRule: "FREQ=MINUTELY;INTERVAL=30"}
	for name, check := range map[string]func(*flux.Task) error{"CheckTask": scheduler.CheckTask, "ValidateTask": scheduler.ValidateTask} {
		err := check(task)
		if !flux.IsCode(err, flux.EInvalid) || !strings.Contains(err.Error(), "recurrence_rule: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY") {
			t.Errorf("%s(FREQ=MINUTELY) = %v", name, err)
		}
	}
	task.RecurrenceRule = "FREQ=DAILY"
	if err := scheduler.ValidateTask(task); err != nil {
		t.Errorf("ValidateTask(FREQ=DAILY) = %v", err)
	}
}
