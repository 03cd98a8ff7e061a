package escalation_test

import (
	"fmt"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/escalation"
	"github.com/fluxlife/flux/notify"
)

// A task at 18:30 with a must_not_miss reminder: the push goes out at the
// lead time (18:20), and the later steps count from the task's time, so
// none comes before it.
func ExamplePlan() {
	task := time.Date(2026, 12, 3, 18, 30, 0, 0, time.UTC)
	steps := escalation.Plan(notify.DefaultPolicy(flux.PriorityMustNotMiss), 1, task.Add(-escalation.DefaultLead), task)
	for _, s := range steps {
		fmt.Printf("%-8s %s\n", s.Channel, s.DueAt.Format("15:04"))
	}
	// Output:
	// push     18:20
	// whatsapp 18:32
	// call     18:39
}
