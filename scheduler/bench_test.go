package scheduler

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// benchInput builds a deterministic scenario in Berlin from Monday 13 April
// 2026: weeks of horizon, oneOff one-off tasks spread over milestone weeks
// (half with a deadline at the end of their week), recurring tasks (daily,
// two or three times a week, weekly), and busy intervals (events and fixed
// tasks, some movable). The daily cap is 360 minutes.
func benchInput(weeks, oneOff, recurring, busy int, weights bool) Input {
	rng := rand.New(rand.NewPCG(1, 2))
	start := bt("2026-04-13 06:00")
	in := Input{Now: start, To: start.AddDate(0, 0, 7*weeks), Rules: officeRules()}
	in.Rules.DailyCapMinutes = 360
	prios := []flux.Priority{flux.PriorityStandard, flux.PriorityStandard, flux.PriorityStandard, flux.PriorityImportant, flux.PriorityMustNotMiss}
	prefs := []string{"", "", "morning", "evening", "afternoon", "18:30", "07:15"}
	for i := range oneOff {
		week := i % weeks
		t := TaskInput{
			ID:              fmt.Sprintf("task-%03d", i),
			DurationMinutes: 15 * (1 + rng.IntN(6)),
			Priority:        prios[rng.IntN(len(prios))],
			PreferredTime:   prefs[rng.IntN(len(prefs))],
			EarliestStart:   start.AddDate(0, 0, 7*week),
			AllowWorkHours:  rng.IntN(5) == 0,
		}
		if rng.IntN(2) == 0 {
			t.Deadline = start.AddDate(0, 0, 7*week+7)
		}
		in.Tasks = append(in.Tasks, t)
	}
	rules := []struct {
		rule string
		dur  int
	}{
		{"FREQ=DAILY", 15}, {"FREQ=WEEKLY;BYDAY=MO,WE,FR", 30}, {"FREQ=WEEKLY;BYDAY=TU,TH", 45},
		{"FREQ=WEEKLY;BYDAY=SA", 90}, {"FREQ=WEEKLY;BYDAY=SU", 60},
	}
	for i := range recurring {
		r := rules[i%len(rules)]
		anchor := bt("2026-04-06 00:00").Add(time.Duration(7*60+rng.IntN(13*60)) * time.Minute)
		in.Tasks = append(in.Tasks, TaskInput{
			ID: fmt.Sprintf("series-%02d", i), DurationMinutes: r.dur, RecurrenceRule: r.rule, Anchor: anchor,
			Priority: prios[rng.IntN(len(prios))],
		})
	}
	for i := range busy {
		day := rng.IntN(7 * weeks)
		s := start.AddDate(0, 0, day).Add(time.Duration(rng.IntN(15*60)) * time.Minute)
		b := Busy{ID: fmt.Sprintf("busy-%03d", i), Kind: BusyEvent, Start: s, End: s.Add(time.Duration(30+rng.IntN(90)) * time.Minute)}
		if i%5 == 0 {
			b.Kind, b.Movable = BusyTask, i%10 == 0
		}
		in.Busy = append(in.Busy, b)
	}
	if weights {
		var w [7][24]float64
		for d := range w {
			for h := range w[d] {
				w[d][h] = rng.Float64()*2 - 1
			}
		}
		in.Weights = &w
	}
	return in
}

func benchSchedule(b *testing.B, in Input) {
	e := New(nil)
	res, err := e.Schedule(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	done := reportCPU(b)
	for b.Loop() {
		if _, err := e.Schedule(in); err != nil {
			b.Fatal(err)
		}
	}
	done()
	b.ReportMetric(float64(len(res.Placements)), "placed")
	b.ReportMetric(float64(len(res.Unplaced)), "unplaced")
}

// BenchmarkScheduleQuarter schedules 13 weeks: 130 one-off tasks and 20
// recurring ones (728 occurrences) against 100 busy intervals.
func BenchmarkScheduleQuarter(b *testing.B) {
	benchSchedule(b, benchInput(13, 130, 20, 100, false))
}

// BenchmarkScheduleQuarterWeights is the quarter with preference weights,
// which add hour boundaries to the candidate starts.
func BenchmarkScheduleQuarterWeights(b *testing.B) {
	benchSchedule(b, benchInput(13, 130, 20, 100, true))
}

// BenchmarkScheduleWeek is a small case: one week, 12 tasks, 3 recurring,
// 10 busy intervals.
func BenchmarkScheduleWeek(b *testing.B) {
	benchSchedule(b, benchInput(1, 12, 3, 10, false))
}

// BenchmarkAvailabilityQuarter lists 13 weeks of free slots.
func BenchmarkAvailabilityQuarter(b *testing.B) {
	in := benchInput(13, 0, 0, 100, false)
	e := New(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Availability(in, in.Now, in.To); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchInputIsValid runs the quarter through the oracle, rules and
// brute force, so the benchmark measures a correct schedule.
func TestBenchInputIsValid(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("brute force over a quarter")
	}
	in := benchInput(13, 130, 20, 100, true)
	res := schedule(t, in)
	if bad := newOracle(in).bruteForce(res); len(bad) > 0 {
		t.Errorf("brute force disagrees: %v", bad)
	}
	if len(res.Placements) < 650 {
		t.Errorf("only %d placements", len(res.Placements))
	}
	reasons := map[Reason]int{}
	for _, u := range res.Unplaced {
		reasons[u.Reason]++
	}
	t.Logf("%d placements, %d unplaced %v, %d displaced", len(res.Placements), len(res.Unplaced), reasons, len(res.Displaced))
}

// BenchmarkSchedule1k places 1,000 one-off tasks in 6 weeks against 300 busy
// intervals.
func BenchmarkSchedule1k(b *testing.B) {
	benchSchedule(b, benchInput(6, 1000, 0, 300, false))
}

// BenchmarkSchedule10k places 10,000 one-off tasks in 6 weeks against 300
// busy intervals (most stay unplaced: the daily cap fills the weeks).
func BenchmarkSchedule10k(b *testing.B) {
	benchSchedule(b, benchInput(6, 10000, 0, 300, false))
}
