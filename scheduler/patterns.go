package scheduler

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// The pattern observer's numbers, as the original had them.
const (
	// PatternMinDataPoints is the history below which the cold-start
	// defaults apply (MIN_DATA_POINTS); it is also the least data a best
	// window or a category needs.
	PatternMinDataPoints = 3
	// AvoidanceMissThreshold is how many misses make an avoided slot
	// (AVOIDANCE_MISS_THRESHOLD).
	AvoidanceMissThreshold = 3
	// AvoidanceWeekSpan is how many distinct ISO weeks those misses must
	// fall in (AVOIDANCE_WEEK_SPAN).
	AvoidanceWeekSpan = 3
	// SlotToleranceHours is how far apart, in hours, misses on one weekday
	// still count as the same slot (SLOT_TOLERANCE_HOURS).
	SlotToleranceHours = 1
	// LowConfidenceDays is the history span below which a summary is of
	// low confidence (LOW_CONFIDENCE_WEEKS × 7).
	LowConfidenceDays = 14
	// DefaultLookbackDays is the history read by default
	// (TASK_HISTORY_DAYS).
	DefaultLookbackDays = 90
	// MissSignalDays is the window of misses a miss signal looks at
	// (AVOIDANCE_WEEK_SPAN × 7 + 7).
	MissSignalDays = AvoidanceWeekSpan*7 + 7
)

// The pattern types the observer stores. Patterns of these types are the
// observer's own: a recomputation replaces them, except those the user
// overrode.
const (
	PatternBestTime            = "best_time"
	PatternAvoidance           = "avoidance"
	PatternCategoryPerformance = "category_performance"
	PatternUserPreference      = "user_preference"
)

// PatternTypes lists the types the observer computes.
var PatternTypes = []string{PatternBestTime, PatternAvoidance, PatternCategoryPerformance, PatternUserPreference}

// hourOfWeekKey is the key of the user_preference pattern that holds the
// per-hour-of-week weights.
const hourOfWeekKey = "hour_of_week"

// Smoothing: each hour's completion rate is the posterior mean of a Beta
// prior centred on the chronotype's rate for that hour, worth
// priorStrength observations, updated by the hour's done and missed tasks.
// The scheduler weight of an hour is weightScale × (rate − ½), clamped to
// [−1, 1]: an hour with no data keeps the chronotype's mild preference; four
// misses and nothing done give −1.
const (
	priorStrength = 2.0
	weightScale   = 3.0
	// bestMinRate is the least smoothed rate of a best window; windows
	// within bestSpread of the best one are listed, at most maxBest.
	bestMinRate = 0.6
	bestSpread  = 0.15
	maxBest     = 3
	// maxReminderLead caps the learnt reminder lead.
	maxReminderLead = 60
)

// Cold-start defaults (fewer than PatternMinDataPoints tasks), as the
// original.
var (
	coldStartBest  = []string{"06:00-09:00", "17:00-19:00"}
	coldStartAvoid = []AvoidSlot{{Day: "Monday", TimeRange: "07:00-09:00",
		Reason: "Research-backed default: Mondays are low-energy for high-effort tasks", Confidence: 0.3}}
	coldStartNotes = "Cold-start defaults applied (fewer than 3 data points). Prefer morning slots (06:00-09:00) and consistent daily times. Patterns become meaningful after 2 weeks of data."
)

// AvoidSlot is a time the user tends to miss.
type AvoidSlot struct {
	Day        string  `json:"day"`
	TimeRange  string  `json:"time_range"`
	Reason     string  `json:"reason"`
	Confidence float64 `json:"confidence"`
}

// CategoryRate is the completion rate of one category of tasks.
type CategoryRate struct {
	Category       string  `json:"category"`
	CompletionRate float64 `json:"completion_rate"`
}

// PatternSummary is the pattern observer's answer, in the original's shape.
type PatternSummary struct {
	// BestTimes are "HH:MM-HH:MM" ranges of the user's local day.
	BestTimes           []string       `json:"best_times"`
	AvoidSlots          []AvoidSlot    `json:"avoid_slots"`
	CategoryPerformance []CategoryRate `json:"category_performance"`
	GeneralNotes        string         `json:"general_notes"`
	// LowConfidence is set when the history spans under LowConfidenceDays.
	LowConfidence bool `json:"low_confidence"`
}

// HistoryItem is one closed task as the observer sees it.
type HistoryItem struct {
	// ScheduledAt is when the task was planned. Required.
	ScheduledAt time.Time
	// CompletedAt is when it was done; zero when unknown or missed.
	CompletedAt time.Time
	// DurationMinutes is the task's length.
	DurationMinutes int
	// Done is true for a task done, false for one missed.
	Done bool
	// Category is the task's category ("uncategorised" when empty).
	Category string
}

// AvoidedSlot is an avoid slot with its evidence.
type AvoidedSlot struct {
	AvoidSlot
	Weekday time.Weekday
	Hour    int
	Misses  int
	Weeks   int
}

// BestWindow is a best window with its evidence: local hours [Start, End).
type BestWindow struct {
	Start, End int
	// Rate is the smoothed completion rate of its best hour.
	Rate       float64
	DataPoints int
}

// CategoryStat is a category's completion with its evidence.
type CategoryStat struct {
	CategoryRate
	DataPoints int
}

// PatternAnalysis is what AnalysePatterns learns from a history.
type PatternAnalysis struct {
	Summary    PatternSummary
	DataPoints int
	Done       int
	// ColdStart is set below PatternMinDataPoints tasks: the summary is
	// the cold-start defaults and there are no Weights.
	ColdStart bool
	// SpanDays is the days between the first and the last task.
	SpanDays float64
	// Rates are the smoothed completion rates per local weekday (Sunday 0)
	// and hour.
	Rates [7][24]float64
	// Weights are the scheduler's preference weights from Rates (see
	// Input.Weights); nil at cold start.
	Weights    *[7][24]float64
	Best       []BestWindow
	Avoid      []AvoidedSlot
	Categories []CategoryStat
	// TypicalDelayMinutes is the median of completed − scheduled time of
	// the tasks done; nil when fewer than PatternMinDataPoints say.
	TypicalDelayMinutes *float64
	// ReminderLeadMinutes is how long before its time the user tends to
	// start a task when they start early (median), capped at an hour; 0
	// when they do not.
	ReminderLeadMinutes int
}

// chronotypePrior is the prior completion rate of a local hour for a
// chronotype: the original's cold-start windows (06:00–09:00 for the
// morning, 18:00–21:00 for the evening; both 06:00–09:00 and 17:00–19:00
// when neutral) a little above even, the night a little below.
func chronotypePrior(chronotype string, h int) float64 {
	switch {
	case chronotype == flux.ChronotypeMorning && h >= 6 && h < 9,
		chronotype == flux.ChronotypeEvening && h >= 18 && h < 21:
		return 0.65
	case chronotype != flux.ChronotypeMorning && chronotype != flux.ChronotypeEvening && (h >= 6 && h < 9 || h >= 17 && h < 19):
		return 0.6
	case h < 6 || h >= 23:
		return 0.4
	}
	return 0.5
}

// AnalysePatterns learns the user's patterns from history, in loc (nil
// means UTC), smoothing toward the chronotype's prior. It is deterministic:
// the same history gives the same analysis; the notes are the plain ones
// (see PatternNotes).
func AnalysePatterns(history []HistoryItem, loc *time.Location, chronotype string) *PatternAnalysis {
	if loc == nil {
		loc = time.UTC
	}
	a := &PatternAnalysis{DataPoints: len(history)}
	var n, done [7][24]int
	var hourN, hourDone [24]int
	type cat struct{ n, done int }
	cats := map[string]*cat{}
	type slotMiss struct {
		day  time.Weekday
		hour int
		year int
		week int
	}
	var misses []slotMiss
	var first, last time.Time
	var delays, starts []float64
	for i, h := range history {
		lt := h.ScheduledAt.In(loc)
		d, hr := lt.Weekday(), lt.Hour()
		if i == 0 || h.ScheduledAt.Before(first) {
			first = h.ScheduledAt
		}
		if i == 0 || h.ScheduledAt.After(last) {
			last = h.ScheduledAt
		}
		n[d][hr]++
		hourN[hr]++
		c := h.Category
		if c == "" {
			c = "uncategorised"
		}
		if cats[c] == nil {
			cats[c] = &cat{}
		}
		cats[c].n++
		if h.Done {
			a.Done++
			done[d][hr]++
			hourDone[hr]++
			cats[c].done++
			if !h.CompletedAt.IsZero() {
				delays = append(delays, h.CompletedAt.Sub(h.ScheduledAt).Minutes())
				starts = append(starts, h.CompletedAt.Sub(h.ScheduledAt).Minutes()-float64(h.DurationMinutes))
			}
		} else {
			y, w := lt.ISOWeek()
			misses = append(misses, slotMiss{day: d, hour: hr, year: y, week: w})
		}
	}
	if len(history) > 0 {
		a.SpanDays = last.Sub(first).Hours() / 24
	}
	a.Summary.LowConfidence = len(history) == 0 || a.SpanDays < LowConfidenceDays
	for d := range 7 {
		for h := range 24 {
			m := chronotypePrior(chronotype, h)
			a.Rates[d][h] = (float64(done[d][h]) + priorStrength*m) / (float64(n[d][h]) + priorStrength)
		}
	}
	if len(history) < PatternMinDataPoints {
		a.ColdStart = true
		a.Summary = PatternSummary{
			BestTimes: slices.Clone(coldStartBest), AvoidSlots: slices.Clone(coldStartAvoid),
			CategoryPerformance: []CategoryRate{}, GeneralNotes: coldStartNotes, LowConfidence: true,
		}
		return a
	}
	w := new([7][24]float64)
	for d := range 7 {
		for h := range 24 {
			w[d][h] = round3(max(-1, min(1, weightScale*(a.Rates[d][h]-0.5))))
		}
	}
	a.Weights = w

	// Best windows: hours of the day with enough data and a high smoothed
	// rate, adjacent hours merged.
	var hourRate [24]float64
	good := [24]bool{}
	top := 0.0
	for h := range 24 {
		hourRate[h] = (float64(hourDone[h]) + priorStrength*chronotypePrior(chronotype, h)) / (float64(hourN[h]) + priorStrength)
		if hourN[h] >= PatternMinDataPoints && hourRate[h] >= bestMinRate {
			top = max(top, hourRate[h])
		}
	}
	for h := range 24 {
		good[h] = hourN[h] >= PatternMinDataPoints && hourRate[h] >= bestMinRate && hourRate[h] >= top-bestSpread
	}
	for h := 0; h < 24; {
		if !good[h] {
			h++
			continue
		}
		bw := BestWindow{Start: h}
		for ; h < 24 && good[h]; h++ {
			bw.Rate = max(bw.Rate, hourRate[h])
			bw.DataPoints += hourN[h]
		}
		bw.End = h
		a.Best = append(a.Best, bw)
	}
	slices.SortStableFunc(a.Best, func(x, y BestWindow) int { return cmp.Compare(y.Rate, x.Rate) })
	if len(a.Best) > maxBest {
		a.Best = a.Best[:maxBest]
	}
	a.Summary.BestTimes = []string{}
	for _, b := range a.Best {
		a.Summary.BestTimes = append(a.Summary.BestTimes, fmt.Sprintf("%02d:00-%02d:00", b.Start, b.End))
	}

	// Avoid slots: the original's rule, anchored on each hour with a miss;
	// of anchors on one weekday within the tolerance of each other, the
	// one with the most misses is kept.
	type anchor struct {
		day          time.Weekday
		hour         int
		misses, own  int
		weeks        int
		slotWeekKeys map[[2]int]bool
	}
	var anchors []anchor
	seen := map[[2]int]bool{}
	for _, m := range misses {
		k := [2]int{int(m.day), m.hour}
		if seen[k] {
			continue
		}
		seen[k] = true
		an := anchor{day: m.day, hour: m.hour, slotWeekKeys: map[[2]int]bool{}}
		for _, o := range misses {
			if o.day == m.day && abs(o.hour-m.hour) <= SlotToleranceHours {
				an.misses++
				an.slotWeekKeys[[2]int{o.year, o.week}] = true
				if o.hour == m.hour {
					an.own++
				}
			}
		}
		an.weeks = len(an.slotWeekKeys)
		if an.misses >= AvoidanceMissThreshold && an.weeks >= AvoidanceWeekSpan {
			anchors = append(anchors, an)
		}
	}
	slices.SortFunc(anchors, func(x, y anchor) int {
		return cmp.Or(cmp.Compare(y.misses, x.misses), cmp.Compare(y.own, x.own),
			cmp.Compare(weekdayOrder(x.day), weekdayOrder(y.day)), cmp.Compare(x.hour, y.hour))
	})
	a.Summary.AvoidSlots = []AvoidSlot{}
	for _, an := range anchors {
		covered := false
		for _, k := range a.Avoid {
			if k.Weekday == an.day && abs(k.Hour-an.hour) <= SlotToleranceHours {
				covered = true
				break
			}
		}
		if covered {
			continue
		}
		a.Avoid = append(a.Avoid, AvoidedSlot{AvoidSlot: avoidSlot(an.day, an.hour, an.misses, an.weeks), Weekday: an.day, Hour: an.hour, Misses: an.misses, Weeks: an.weeks})
	}
	slices.SortFunc(a.Avoid, func(x, y AvoidedSlot) int {
		return cmp.Or(cmp.Compare(weekdayOrder(x.Weekday), weekdayOrder(y.Weekday)), cmp.Compare(x.Hour, y.Hour))
	})
	for _, s := range a.Avoid {
		a.Summary.AvoidSlots = append(a.Summary.AvoidSlots, s.AvoidSlot)
	}

	// Categories with enough data.
	a.Summary.CategoryPerformance = []CategoryRate{}
	for name, c := range cats {
		if c.n >= PatternMinDataPoints {
			a.Categories = append(a.Categories, CategoryStat{CategoryRate: CategoryRate{Category: name, CompletionRate: round2(float64(c.done) / float64(c.n))}, DataPoints: c.n})
		}
	}
	slices.SortFunc(a.Categories, func(x, y CategoryStat) int {
		return cmp.Or(cmp.Compare(y.CompletionRate, x.CompletionRate), strings.Compare(x.Category, y.Category))
	})
	for _, c := range a.Categories {
		a.Summary.CategoryPerformance = append(a.Summary.CategoryPerformance, c.CategoryRate)
	}

	if len(delays) >= PatternMinDataPoints {
		d := math.Round(median(delays))
		a.TypicalDelayMinutes = &d
		if s := median(starts); s < 0 {
			a.ReminderLeadMinutes = min(maxReminderLead, int(math.Round(-s)))
		}
	}
	a.Summary.GeneralNotes = PatternNotes(a)
	return a
}

// avoidSlot is the avoid slot of a weekday and hour, with the original's
// reason and confidence.
func avoidSlot(day time.Weekday, hour, misses, weeks int) AvoidSlot {
	tr := fmt.Sprintf("%02d:00-%02d:00", hour, hour+1)
	return AvoidSlot{
		Day: day.String(), TimeRange: tr,
		Reason:     fmt.Sprintf("%d misses detected in slot %s %s across %d consecutive weeks.", misses, day, tr, weeks),
		Confidence: AvoidanceConfidence(misses),
	}
}

// AvoidanceConfidence is the original's confidence of an avoided slot with
// that many misses: min(0.95, 0.5 + (misses − 3) × 0.1), to 2 decimals.
func AvoidanceConfidence(misses int) float64 {
	return round2(min(0.95, 0.5+float64(misses-AvoidanceMissThreshold)*0.1))
}

// PatternNotes phrases an analysis plainly: the general_notes used when no
// NotesWriter is configured, or when it fails.
func PatternNotes(a *PatternAnalysis) string {
	if a.ColdStart {
		return coldStartNotes
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Analysed %d tasks over %.0f days: %d done, %d missed (%.0f%% completed).",
		a.DataPoints, math.Floor(a.SpanDays), a.Done, a.DataPoints-a.Done, 100*float64(a.Done)/float64(a.DataPoints))
	if len(a.Best) > 0 {
		var parts []string
		for _, w := range a.Best {
			parts = append(parts, fmt.Sprintf("%02d:00-%02d:00 (%.0f%%)", w.Start, w.End, 100*w.Rate))
		}
		fmt.Fprintf(&b, " Most reliable: %s.", strings.Join(parts, ", "))
	}
	if len(a.Avoid) > 0 {
		var parts []string
		for _, s := range a.Avoid {
			parts = append(parts, fmt.Sprintf("%s %s (%d misses)", s.Day, s.TimeRange, s.Misses))
		}
		fmt.Fprintf(&b, " Often missed: %s; new tasks are kept away from these slots.", strings.Join(parts, ", "))
	}
	if len(a.Categories) > 0 {
		var parts []string
		for _, c := range a.Categories {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", c.Category, 100*c.CompletionRate))
		}
		fmt.Fprintf(&b, " By category: %s.", strings.Join(parts, ", "))
	}
	if d := a.TypicalDelayMinutes; d != nil {
		switch {
		case *d > 0:
			fmt.Fprintf(&b, " Tasks are typically marked done %.0f minutes after their start.", *d)
		case *d < 0:
			fmt.Fprintf(&b, " Tasks are typically marked done %.0f minutes before their start.", -*d)
		}
	}
	if a.Summary.LowConfidence {
		b.WriteString(" Less than two weeks of history: treat these patterns as tentative.")
	}
	return b.String()
}

func weekdayOrder(d time.Weekday) int { return (int(d) + 6) % 7 } // Monday first

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}
