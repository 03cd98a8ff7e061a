// Command embed-scheduler shows a team embedding Flux's scheduling engine in
// its own service: it turns its own users, tasks and calendar events into a
// scheduler.Input, asks the engine for a plan, and prints the placements and
// the tasks that did not fit, in the user's local time.
//
// The engine does no I/O and reads no clock: "now" is part of the input, so
// the same input always gives the same plan.
//
//	go run ./examples/embed-scheduler
//	go run ./examples/embed-scheduler -now 2026-04-13T20:00:00+02:00
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"text/tabwriter"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

func main() {
	nowFlag := flag.String("now", "2026-04-13T08:00:00+02:00", `the current time (RFC 3339), or "wall" for the real clock`)
	days := flag.Int("days", 7, "how many days to plan")
	flag.Parse()

	now := time.Now()
	if *nowFlag != "wall" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			log.Fatalf("-now: %v", err)
		}
		now = t
	}

	// The user's settings, as your service stores them.
	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	u.Timezone = "Europe/Berlin"
	u.WorkHours.End = flux.ClockTime{Hour: 17}
	u.DailyCapMinutes = 180
	if err := u.Validate(); err != nil {
		log.Fatal(err)
	}
	loc := u.Location()
	day := func(d, h, m int) time.Time {
		y, mo, dd := now.In(loc).Date()
		return time.Date(y, mo, dd+d, h, m, 0, 0, loc)
	}

	// Tasks of a goal ("Run a 10k in 10 weeks"), as flux.Task values.
	tasks := []flux.Task{
		{ID: "plan", Title: "Plan the training weeks", Priority: flux.PriorityMustNotMiss, DurationMinutes: 45, Deadline: ptr(day(1, 12, 0))},
		{ID: "run", Title: "Easy run", Priority: flux.PriorityImportant, DurationMinutes: 40, PreferredTime: "evening",
			RecurrenceRule: "FREQ=WEEKLY;BYDAY=MO,WE,FR", ScheduledAt: ptr(day(0, 18, 30))},
		{ID: "shoes", Title: "Buy running shoes", Priority: flux.PriorityStandard, DurationMinutes: 60, Deadline: ptr(day(3, 21, 0))},
		{ID: "read", Title: "Read the 10k guide", Priority: flux.PriorityStandard, DurationMinutes: 30, PreferredTime: "morning"},
		{ID: "ride", Title: "Long bike ride", Priority: flux.PriorityStandard, DurationMinutes: 300},
	}
	// Fixed commitments from the user's calendar.
	events := []flux.CalendarEvent{
		{ID: "dentist", Title: "Dentist", Start: day(0, 17, 30), End: day(0, 18, 30)},
		{ID: "dinner", Title: "Dinner with Sam", Start: day(1, 19, 0), End: day(1, 20, 30)},
	}

	in := scheduler.Input{Now: now, To: day(*days, 0, 0), Rules: scheduler.RulesFor(u)}
	titles := map[string]string{}
	for i := range tasks {
		in.Tasks = append(in.Tasks, scheduler.FromTask(&tasks[i]))
		titles[tasks[i].ID] = tasks[i].Title
	}
	for i := range events {
		in.Busy = append(in.Busy, scheduler.BusyFromEvent(&events[i]))
	}

	res, err := scheduler.New(nil).Schedule(in)
	if err != nil {
		log.Fatal(err)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "Plan for %s (%s), from %s\n\n", u.Name, loc, now.In(loc).Format("Mon 2 Jan 15:04"))
	for _, p := range res.Placements {
		fmt.Fprintf(w, "%s–%s\t%s\t%s\n", p.Start.Format("Mon 2 Jan 15:04"), p.End.Format("15:04"), titles[p.TaskID], p.Explain)
	}
	for _, x := range res.Unplaced {
		fmt.Fprintf(w, "not placed\t%s\t%s: %s\n", titles[x.TaskID], x.Reason, x.Detail)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
