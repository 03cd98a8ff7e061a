package scheduler_test

import (
	"fmt"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

// AnalysePatterns learns from a history of closed tasks: here four weeks
// of morning runs done and a Monday evening review missed every week.
func ExampleAnalysePatterns() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	var history []scheduler.HistoryItem
	for d := range 28 {
		run := time.Date(2026, 3, 30+d, 7, 30, 0, 0, berlin)
		history = append(history, scheduler.HistoryItem{ScheduledAt: run, CompletedAt: run.Add(30 * time.Minute), DurationMinutes: 30, Done: true, Category: "fitness"})
		if d%7 == 0 {
			history = append(history, scheduler.HistoryItem{ScheduledAt: time.Date(2026, 3, 30+d, 19, 0, 0, 0, berlin), DurationMinutes: 60})
		}
	}
	a := scheduler.AnalysePatterns(history, berlin, flux.ChronotypeNeutral)
	fmt.Println(a.Summary.BestTimes)
	for _, s := range a.Summary.AvoidSlots {
		fmt.Println(s.Day, s.TimeRange, s.Confidence)
	}
	fmt.Println(a.Summary.CategoryPerformance, a.Summary.LowConfidence)
	fmt.Println("weight of Monday 19:00:", a.Weights[time.Monday][19])
	// Output:
	// [07:00-08:00]
	// Monday 19:00-20:00 0.6
	// [{fitness 1} {uncategorised 0}] false
	// weight of Monday 19:00: -1
}
