package scheduler_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

// A user in Berlin who works 09:00–17:00 Monday to Friday, sleeps
// 23:00–07:00 and stops at 21:00, with a 15-minute buffer around everything.
func berlinUser() *flux.User {
	u := flux.NewUser("0190b8c4-0000-7000-8000-000000000001", "ada@example.com", "Ada")
	u.Timezone = "Europe/Berlin"
	u.WorkHours.End = flux.ClockTime{Hour: 17}
	return u
}

// The tasks of a goal placed around two calendar events: outside work
// hours, sleep and the cutoff, with buffers, in Berlin local time. The
// 5-hour task cannot fit in any evening and says why.
func Example() {
	u := berlinUser()
	loc := u.Location()
	at := func(s string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02 15:04", s, loc)
		return t
	}
	in := scheduler.Input{
		Now:   at("2026-04-13 08:00"), // a Monday
		To:    at("2026-04-16 00:00"),
		Rules: scheduler.RulesFor(u),
		Busy: []scheduler.Busy{
			{ID: "dentist", Kind: scheduler.BusyEvent, Start: at("2026-04-13 17:30"), End: at("2026-04-13 18:30")},
			{ID: "dinner", Kind: scheduler.BusyEvent, Start: at("2026-04-14 19:00"), End: at("2026-04-14 20:30")},
		},
		Tasks: []scheduler.TaskInput{
			{ID: "plan-week", DurationMinutes: 45, Priority: flux.PriorityMustNotMiss, Deadline: at("2026-04-14 12:00")},
			{ID: "easy-run", DurationMinutes: 40, PreferredTime: "evening"},
			{ID: "read-chapter", DurationMinutes: 30, PreferredTime: "morning", Priority: flux.PriorityImportant},
			{ID: "stretch", DurationMinutes: 15, RecurrenceRule: "FREQ=DAILY", Anchor: at("2026-04-01 20:30")},
			{ID: "long-ride", DurationMinutes: 300},
		},
	}
	res, err := scheduler.New(nil).Schedule(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Placements {
		fmt.Printf("%s–%s %s\n", p.Start.Format("Mon 15:04"), p.End.Format("15:04 MST"), p.TaskID)
	}
	for _, x := range res.Unplaced {
		fmt.Printf("unplaced %s: %s\n", x.TaskID, x.Reason)
	}
	// Output:
	// Mon 08:00–08:45 CEST plan-week
	// Mon 18:45–19:25 CEST easy-run
	// Mon 20:30–20:45 CEST stretch
	// Tue 07:00–07:30 CEST read-chapter
	// Tue 20:45–21:00 CEST stretch
	// Wed 20:30–20:45 CEST stretch
	// unplaced long-ride: longer_than_any_slot
}

// Free time on one day, after work hours, sleep, the cutoff, busy time and
// buffers.
func ExampleEngine_Availability() {
	u := berlinUser()
	loc := u.Location()
	day := time.Date(2026, 4, 14, 0, 0, 0, 0, loc)
	in := scheduler.Input{
		Now:   day,
		Rules: scheduler.RulesFor(u),
		Busy: []scheduler.Busy{{ID: "gym", Kind: scheduler.BusyEvent,
			Start: day.Add(18 * time.Hour), End: day.Add(19 * time.Hour)}},
	}
	slots, _ := scheduler.New(nil).Availability(in, day, day.AddDate(0, 0, 1))
	for _, s := range slots {
		fmt.Printf("%s–%s (%d min)\n", s.Start.Format("15:04"), s.End.Format("15:04"), s.Minutes())
	}
	// Output:
	// 07:00–09:00 (120 min)
	// 17:00–17:45 (45 min)
	// 19:15–21:00 (105 min)
}

// The original frontend's reschedule dialog for a drifted task.
func ExampleEngine_Suggest() {
	u := berlinUser()
	loc := u.Location()
	drifted := time.Date(2026, 4, 13, 7, 0, 0, 0, loc)
	in := scheduler.Input{Now: time.Date(2026, 4, 13, 16, 52, 0, 0, loc), Rules: scheduler.RulesFor(u)}
	res, _ := scheduler.New(nil).Suggest(in, scheduler.SuggestRequest{
		Task:  scheduler.TaskInput{ID: "t1", Title: "Morning pages"},
		Start: drifted, End: drifted.Add(20 * time.Minute),
	})
	fmt.Println(res.AIMessage)
	for _, s := range res.Suggestions {
		fmt.Printf("%s: %s\n", s.Label, s.Rationale)
	}
	// Output:
	// Morning pages drifted. I can do:
	// 5:00 PM Today: Suggested 5:00 PM — it's your outside work hours today.
	// 7:00 AM Tuesday: Suggested 7:00 AM Tuesday — same time as originally planned.
}

// Apply checks a slot the user picked before moving a task there.
func ExampleEngine_CheckSlot() {
	u := berlinUser()
	loc := u.Location()
	at := func(h, m int) time.Time { return time.Date(2026, 4, 13, h, m, 0, 0, loc) }
	in := scheduler.Input{Now: at(10, 0), Rules: scheduler.RulesFor(u), Busy: []scheduler.Busy{
		{ID: "call", Kind: scheduler.BusyEvent, Title: "Call with Sam", Start: at(18, 0), End: at(18, 30)},
	}}
	e := scheduler.New(nil)
	task := scheduler.TaskInput{ID: "t1"}
	for _, slot := range [][2]time.Time{{at(17, 0), at(17, 30)}, {at(18, 30), at(19, 0)}, {at(21, 30), at(22, 0)}} {
		err := e.CheckSlot(in, task, slot[0], slot[1])
		var se *scheduler.SlotError
		switch {
		case err == nil:
			fmt.Println(slot[0].Format("15:04"), "ok")
		case errors.As(err, &se):
			fmt.Println(slot[0].Format("15:04"), flux.ErrorCode(err), se.Violations[0].Rule)
		}
	}
	// Output:
	// 17:00 ok
	// 18:30 conflict busy
	// 21:30 invalid cutoff
}

// A task missed this morning goes to the next suitable slot.
func ExampleEngine_Replan() {
	u := berlinUser()
	loc := u.Location()
	missed := time.Date(2026, 4, 13, 7, 30, 0, 0, loc)
	in := scheduler.Input{
		Now:   time.Date(2026, 4, 13, 12, 0, 0, 0, loc),
		Rules: scheduler.RulesFor(u),
		Tasks: []scheduler.TaskInput{{ID: "stretch", DurationMinutes: 20, Previous: missed}},
	}
	res, _ := scheduler.New(nil).Replan(in)
	p := res.Placements[0]
	fmt.Println(p.Start.Format("Mon 15:04"), "—", p.Explain)
	// Output:
	// Mon 17:00 — was planned for Mon 13 Apr 07:30; next suitable slot; 570 min from its old time (07:30), the closest free time; outside work hours
}
