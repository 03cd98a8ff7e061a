package scheduler_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

// checkErr fails unless err is nil or a flux error a client may see (never
// EInternal): a bad input is a 4xx naming the field, never a 500.
func checkErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && flux.ErrorCode(err) == flux.EInternal {
		t.Fatalf("%s: internal error %v", what, err)
	}
}

// FuzzScheduleInput decodes any JSON into a scheduler.Input and schedules
// and replans it: the engine answers a result or a flux error, never an
// internal error or a panic, and every placement lies in the horizon.
func FuzzScheduleInput(f *testing.F) {
	if b, err := os.ReadFile("testdata/berlin_goal.input.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"now": "2026-04-13T08:00:00Z", "tasks": [{"id": "a", "duration_minutes": 30, "recurrence_rule": "FREQ=DAILY"}]}`))
	f.Add([]byte(`{"now": "2026-04-13T08:00:00Z", "to": "2026-04-12T00:00:00Z", "tasks": [{"id": "a", "duration_minutes": 0}]}`))
	f.Add([]byte(`{"now": "2026-04-13T08:00:00+14:00", "rules": {"timezone": "Pacific/Kiritimati"}, "tasks": [{"id": "a", "duration_minutes": 1440, "preferred_time": "23:59"}]}`))
	f.Add([]byte(`{"now": "2026-04-13T08:00:00Z", "busy": [{"start": "2026-04-13T09:00:00Z", "end": "2026-04-13T08:00:00Z"}]}`))
	f.Add([]byte(`{}`))
	engine := scheduler.New(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16<<10 {
			return
		}
		var in scheduler.Input
		if json.Unmarshal(data, &in) != nil || len(in.Tasks) > 50 || len(in.Busy) > 200 {
			return
		}
		res, err := engine.Schedule(in)
		checkErr(t, "Schedule", err)
		if err == nil {
			for _, p := range res.Placements {
				if p.End.Before(p.Start) {
					t.Fatalf("placement %+v ends before it starts", p)
				}
			}
		}
		_, err = engine.Replan(in)
		checkErr(t, "Replan", err)
	})
}

// FuzzRecurrenceRule: any RRULE is either refused by CheckTask with an
// EInvalid naming recurrence_rule, or accepted and then scheduled over two
// weeks without an internal error.
func FuzzRecurrenceRule(f *testing.F) {
	for _, s := range []string{"FREQ=WEEKLY;BYDAY=MO,WE", "DTSTART:20260413T070000Z\nRRULE:FREQ=DAILY;COUNT=5",
		"FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=HOURLY", "FREQ=DAILY;INTERVAL=1001",
		"FREQ=DAILY;UNTIL=19000101T000000Z", "FREQ=WEEKLY;BYSETPOS=-1;BYDAY=FR", "freq=daily;byhour=25", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 4, 13, 8, 0, 0, 0, time.UTC)
	engine := scheduler.New(nil)
	f.Fuzz(func(t *testing.T, rule string) {
		if len(rule) > 1024 {
			return
		}
		task := &flux.Task{RecurrenceRule: rule}
		if err := scheduler.CheckTask(task); err != nil {
			var fe *flux.Error
			if !flux.IsCode(err, flux.EInvalid) || !errors.As(err, &fe) || len(fe.Fields) == 0 {
				t.Fatalf("%q: CheckTask error %v is not EInvalid with fields", rule, err)
			}
			return
		}
		if rule == "" {
			return
		}
		_, err := engine.Schedule(scheduler.Input{Now: now, To: now.Add(14 * 24 * time.Hour),
			Tasks: []scheduler.TaskInput{{ID: "t", DurationMinutes: 30, RecurrenceRule: rule, Anchor: now}}})
		checkErr(t, "Schedule of "+rule, err)
	})
}
