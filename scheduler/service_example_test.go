package scheduler_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/sqlite"
)

// A Service over the embedded store: place a user's unscheduled tasks
// around a calendar event, then complete a daily task, which schedules its
// next occurrence at the same local time.
func ExampleService() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "flux-example")
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()

	u := berlinUser()
	loc := u.Location()
	_ = st.Users().CreateUser(ctx, u)
	clock := fluxtest.NewClock(time.Date(2026, 4, 13, 8, 0, 0, 0, loc)) // a Monday
	svc := scheduler.NewService(st, &scheduler.ServiceOptions{Clock: clock})

	_ = st.Calendar().CreateEvent(ctx, &flux.CalendarEvent{UserID: u.ID, Title: "Dentist",
		Start: time.Date(2026, 4, 13, 17, 30, 0, 0, loc), End: time.Date(2026, 4, 13, 18, 30, 0, 0, loc)})
	for _, t := range []*flux.Task{
		{Title: "Easy run", DurationMinutes: 40, PreferredTime: "evening"},
		{Title: "Stretch", DurationMinutes: 15, RecurrenceRule: "FREQ=DAILY"},
	} {
		t.Priority, t.TriggerType = flux.PriorityStandard, flux.TriggerTime
		if err := svc.CreateTask(ctx, u, t); err != nil {
			fmt.Println(err)
			return
		}
	}
	res, err := svc.Schedule(ctx, u, scheduler.ScheduleRequest{To: time.Date(2026, 4, 15, 0, 0, 0, 0, loc)})
	if err != nil {
		fmt.Println(err)
		return
	}
	var stretch string
	for _, p := range res.Placements {
		t, _ := st.Tasks().GetTask(ctx, u.ID, p.TaskID)
		fmt.Printf("%s %s–%s\n", t.Title, p.Start.Format("Mon 15:04"), p.End.Format("15:04 MST"))
		if t.RecurrenceRule != "" {
			stretch = t.ID
		}
	}

	clock.Set(time.Date(2026, 4, 13, 21, 0, 0, 0, loc))
	if _, err := svc.Complete(ctx, u, stretch); err != nil {
		fmt.Println(err)
		return
	}
	series, _, _ := st.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{SeriesID: stretch}, flux.Page{})
	for _, t := range series {
		fmt.Printf("Stretch #%d %s %s\n", t.Occurrence, t.Status, t.ScheduledAt.In(loc).Format("Mon 15:04"))
	}
	// Output:
	// Stretch Mon 08:00–08:15 CEST
	// Easy run Mon 18:45–19:25 CEST
	// Stretch #1 done Mon 08:00
	// Stretch #2 scheduled Tue 08:00
}
