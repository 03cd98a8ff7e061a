package scheduler

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/fluxlife/flux"
)

// Analytics: what the user got done, computed from their tasks in their
// time zone. The rules, shared by every figure:
//
//   - A task counts when it is open (pending, scheduled, drifted), done or
//     missed; cancelled and rescheduled tasks were never the user's to do.
//   - A task's day is the local date of its slot (ScheduledAt) in the
//     user's time zone; a done task that never had a slot falls on the day
//     it was completed; other tasks without a slot fall on no day.
//   - Weeks run Monday to Sunday, local. Days and weeks are calendar dates,
//     so a day of 23 or 25 hours (a DST change) is one day.
//   - Ratios are between 0 and 1, rounded to 4 decimals.

// Analytics bounds.
const (
	// HeatmapDays is how many days, today included, the heatmap covers.
	HeatmapDays = 365
	// StreakDays is how far back a streak is looked for, as the original.
	StreakDays = 90
	// DefaultWeeks and MaxWeeks bound Weekly.
	DefaultWeeks = 12
	MaxWeeks     = 52
	// maxAnalyticsTasks caps the tasks read for one figure.
	maxAnalyticsTasks = 50000
)

// counted are the statuses analytics count.
var counted = []flux.TaskStatus{flux.TaskPending, flux.TaskScheduled, flux.TaskDrifted, flux.TaskDone, flux.TaskMissed}

// HeatmapDay is one day of the activity heatmap.
type HeatmapDay struct {
	// Day is the local date, YYYY-MM-DD.
	Day       string `json:"day"`
	DoneCount int    `json:"done_count"`
}

// Overview is the user's reflection: today, this week, their streak and
// their activity over the last year.
type Overview struct {
	// TasksCompleted is the done tasks of the current week.
	TasksCompleted int `json:"tasks_completed"`
	// FocusHours is the planned length of those tasks, in hours (one
	// decimal).
	FocusHours float64 `json:"focus_hours"`
	// StreakDays counts the days in a row with at least one done task,
	// ending today, or yesterday while today has none yet (at most
	// StreakDays back).
	StreakDays int `json:"streak_days"`
	// WeekLabel names the current week: "This week (Mar 2 – Mar 8)".
	WeekLabel string `json:"week_label"`
	// Insight is one sentence about the week so far.
	Insight string `json:"insight"`
	// TodayDone and TodayTotal are today's done tasks and today's done and
	// open ones; TodayCompletionPct is their ratio, null without tasks.
	TodayDone          int      `json:"today_done"`
	TodayTotal         int      `json:"today_total"`
	TodayCompletionPct *float64 `json:"today_completion_pct"`
	// Heatmap lists the days of the last HeatmapDays with a done task,
	// oldest first.
	Heatmap []HeatmapDay `json:"heatmap"`
}

// WeekStats is one week of Weekly, under the field names of both the
// original frontend (week, completed) and the original backend
// (week_start, done, total, completion_pct).
type WeekStats struct {
	// Week and WeekStart are the week's Monday, YYYY-MM-DD.
	Week      string `json:"week"`
	WeekStart string `json:"week_start"`
	// Completed and Done are the week's done tasks; Total all its counted
	// tasks.
	Completed     int     `json:"completed"`
	Done          int     `json:"done"`
	Total         int     `json:"total"`
	CompletionPct float64 `json:"completion_pct"`
}

// CategoryStats is one category of MissedByCategory.
type CategoryStats struct {
	// Category is the goal's category, "personal" for tasks of no goal.
	Category string `json:"category"`
	// Count and MissedCount are the missed tasks; TotalCount all counted
	// tasks.
	Count       int `json:"count"`
	MissedCount int `json:"missed_count"`
	TotalCount  int `json:"total_count"`
}

// GoalStats is one active goal's progress.
type GoalStats struct {
	GoalID        string  `json:"goal_id"`
	Title         string  `json:"title"`
	Category      string  `json:"category"`
	TasksDone     int     `json:"tasks_done"`
	TasksTotal    int     `json:"tasks_total"`
	CompletionPct float64 `json:"completion_pct"`
}

// date is a calendar date, kept as midnight UTC so that date arithmetic
// never meets a DST change.
type date = time.Time

func dateOf(t time.Time, loc *time.Location) date {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// midnight is the start of day d in loc.
func midnight(d date, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// monday is the Monday of d's week.
func monday(d date) date { return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) }

// taskDay is the day a task falls on (see the rules above).
func taskDay(t *flux.Task, loc *time.Location) (date, bool) {
	switch {
	case t.ScheduledAt != nil:
		return dateOf(*t.ScheduledAt, loc), true
	case t.Status == flux.TaskDone && t.CompletedAt != nil:
		return dateOf(*t.CompletedAt, loc), true
	}
	return date{}, false
}

func ratio(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(total)*1e4) / 1e4
}

// daysTasks returns the user's counted tasks that fall on a day in
// [from, to), by day.
func (s *Service) daysTasks(ctx context.Context, u *flux.User, from, to date) (map[date][]flux.Task, error) {
	loc := u.Location()
	lo, hi := midnight(from, loc), midnight(to, loc)
	out := map[date][]flux.Task{}
	add := func(ts []flux.Task) {
		for i := range ts {
			if d, ok := taskDay(&ts[i], loc); ok && !d.Before(from) && d.Before(to) {
				out[d] = append(out[d], ts[i])
			}
		}
	}
	slotted, _, err := listTasks(ctx, s.store, u.ID, flux.TaskFilter{From: &lo, To: &hi, Statuses: counted}, maxAnalyticsTasks)
	if err != nil {
		return nil, err
	}
	add(slotted)
	done, _, err := listTasks(ctx, s.store, u.ID, flux.TaskFilter{Unscheduled: true, Statuses: []flux.TaskStatus{flux.TaskDone}}, maxAnalyticsTasks)
	if err != nil {
		return nil, err
	}
	add(done)
	return out, nil
}

// Overview returns the user's overview as of now, in their time zone.
func (s *Service) Overview(ctx context.Context, u *flux.User) (*Overview, error) {
	loc := u.Location()
	today := dateOf(s.now(), loc)
	days, err := s.daysTasks(ctx, u, today.AddDate(0, 0, -(HeatmapDays-1)), today.AddDate(0, 0, 1))
	if err != nil {
		return nil, fmt.Errorf("analytics overview: %w", err)
	}
	doneOn := func(d date) (n, minutes int) {
		for _, t := range days[d] {
			if t.Status == flux.TaskDone {
				n++
				minutes += t.DurationMinutes
			}
		}
		return n, minutes
	}
	o := &Overview{Heatmap: []HeatmapDay{}}
	for _, t := range days[today] {
		switch {
		case t.Status == flux.TaskDone:
			o.TodayDone++
			o.TodayTotal++
		case t.Status.Open():
			o.TodayTotal++
		}
	}
	if o.TodayTotal > 0 {
		pct := ratio(o.TodayDone, o.TodayTotal)
		o.TodayCompletionPct = &pct
	}
	for i := HeatmapDays - 1; i >= 0; i-- {
		d := today.AddDate(0, 0, -i)
		if n, _ := doneOn(d); n > 0 {
			o.Heatmap = append(o.Heatmap, HeatmapDay{Day: d.Format(time.DateOnly), DoneCount: n})
		}
	}
	d := today
	if n, _ := doneOn(today); n == 0 {
		d = today.AddDate(0, 0, -1)
	}
	for ; o.StreakDays < StreakDays; d = d.AddDate(0, 0, -1) {
		if n, _ := doneOn(d); n == 0 {
			break
		}
		o.StreakDays++
	}
	week := monday(today)
	minutes, lastWeek := 0, 0
	for i := range 7 {
		n, m := doneOn(week.AddDate(0, 0, i))
		o.TasksCompleted += n
		minutes += m
		n, _ = doneOn(week.AddDate(0, 0, i-7))
		lastWeek += n
	}
	o.FocusHours = math.Round(float64(minutes)/60*10) / 10
	o.WeekLabel = fmt.Sprintf("This week (%s – %s)", week.Format("Jan 2"), week.AddDate(0, 0, 6).Format("Jan 2"))
	o.Insight = insight(o, lastWeek)
	return o, nil
}

// insight is one sentence about the week so far.
func insight(o *Overview, lastWeek int) string {
	switch {
	case o.TasksCompleted == 0 && lastWeek == 0:
		return "Nothing completed yet this week. Pick one small task for today and build from there."
	case o.TasksCompleted == 0:
		return fmt.Sprintf("You completed %s last week. Start this week with one small win.", tasks(lastWeek))
	case o.StreakDays >= 3:
		return fmt.Sprintf("%d days in a row with a task done. Keep the streak going!", o.StreakDays)
	case o.TasksCompleted > lastWeek && lastWeek > 0:
		return fmt.Sprintf("%s done this week, already more than the %d of last week.", tasks(o.TasksCompleted), lastWeek)
	}
	return fmt.Sprintf("%s done this week, %.1f hours of focus. Keep going!", tasks(o.TasksCompleted), o.FocusHours)
}

// tasks counts tasks in words: "1 task", "3 tasks".
func tasks(n int) string {
	if n == 1 {
		return "1 task"
	}
	return fmt.Sprintf("%d tasks", n)
}

// Weekly returns the last weeks (DefaultWeeks when weeks is 0; 1 to
// MaxWeeks, else EInvalid) up to the current one, oldest first.
func (s *Service) Weekly(ctx context.Context, u *flux.User, weeks int) ([]WeekStats, error) {
	if weeks == 0 {
		weeks = DefaultWeeks
	}
	if weeks < 1 || weeks > MaxWeeks {
		return nil, flux.Invalid("invalid weeks", flux.FieldError{Field: "weeks", Message: fmt.Sprintf("must be between 1 and %d", MaxWeeks)})
	}
	loc := u.Location()
	first := monday(dateOf(s.now(), loc)).AddDate(0, 0, -7*(weeks-1))
	days, err := s.daysTasks(ctx, u, first, first.AddDate(0, 0, 7*weeks))
	if err != nil {
		return nil, fmt.Errorf("analytics weekly: %w", err)
	}
	out := make([]WeekStats, weeks)
	for w := range weeks {
		start := first.AddDate(0, 0, 7*w)
		ws := WeekStats{Week: start.Format(time.DateOnly), WeekStart: start.Format(time.DateOnly)}
		for i := range 7 {
			for _, t := range days[start.AddDate(0, 0, i)] {
				ws.Total++
				if t.Status == flux.TaskDone {
					ws.Done++
				}
			}
		}
		ws.Completed, ws.CompletionPct = ws.Done, ratio(ws.Done, ws.Total)
		out[w] = ws
	}
	return out, nil
}

// categoryOf is the category a task counts under.
func categoryOf(t *flux.Task, goals map[string]*flux.Goal) string {
	g := goals[t.GoalID]
	switch {
	case t.GoalID == "" || g == nil:
		return "personal"
	case g.Category == "":
		return "general"
	}
	return g.Category
}

// MissedByCategory returns, for each category with tasks on a day of the
// last HeatmapDays, its missed and counted tasks, the most missed first
// (then the most tasks, then by name).
func (s *Service) MissedByCategory(ctx context.Context, u *flux.User) ([]CategoryStats, error) {
	today := dateOf(s.now(), u.Location())
	days, err := s.daysTasks(ctx, u, today.AddDate(0, 0, -(HeatmapDays-1)), today.AddDate(0, 0, 1))
	if err != nil {
		return nil, fmt.Errorf("analytics missed by category: %w", err)
	}
	goals, err := s.goalsByID(ctx, u.ID, nil)
	if err != nil {
		return nil, fmt.Errorf("analytics missed by category: %w", err)
	}
	byCat := map[string]*CategoryStats{}
	for _, ts := range days {
		for i := range ts {
			c := categoryOf(&ts[i], goals)
			cs := byCat[c]
			if cs == nil {
				cs = &CategoryStats{Category: c}
				byCat[c] = cs
			}
			cs.TotalCount++
			if ts[i].Status == flux.TaskMissed {
				cs.MissedCount++
			}
		}
	}
	out := make([]CategoryStats, 0, len(byCat))
	for _, cs := range byCat {
		cs.Count = cs.MissedCount
		out = append(out, *cs)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.MissedCount != b.MissedCount {
			return a.MissedCount > b.MissedCount
		}
		if a.TotalCount != b.TotalCount {
			return a.TotalCount > b.TotalCount
		}
		return a.Category < b.Category
	})
	return out, nil
}

// goalsByID returns the user's goals in statuses (all when empty) by id.
func (s *Service) goalsByID(ctx context.Context, userID string, statuses []flux.GoalStatus) (map[string]*flux.Goal, error) {
	out := map[string]*flux.Goal{}
	p := flux.Page{Limit: flux.MaxPageLimit}
	for {
		gs, next, err := s.store.Goals().ListGoals(ctx, userID, flux.GoalFilter{Statuses: statuses}, p)
		if err != nil {
			return nil, err
		}
		for i := range gs {
			out[gs[i].ID] = &gs[i]
		}
		if next == "" || len(gs) == 0 {
			return out, nil
		}
		p.Cursor = next
	}
}

// GoalProgress returns the progress of each of the user's active goals,
// oldest goal first: its done tasks of all its counted tasks.
func (s *Service) GoalProgress(ctx context.Context, u *flux.User) ([]GoalStats, error) {
	goals, err := s.goalsByID(ctx, u.ID, []flux.GoalStatus{flux.GoalActive})
	if err != nil {
		return nil, fmt.Errorf("analytics goals: %w", err)
	}
	out := make([]GoalStats, 0, len(goals))
	for _, g := range goals {
		ts, _, err := listTasks(ctx, s.store, u.ID, flux.TaskFilter{GoalID: g.ID, Statuses: counted}, maxAnalyticsTasks)
		if err != nil {
			return nil, fmt.Errorf("analytics goals: %w", err)
		}
		gs := GoalStats{GoalID: g.ID, Title: g.Title, Category: g.Category, TasksTotal: len(ts)}
		for i := range ts {
			if ts[i].Status == flux.TaskDone {
				gs.TasksDone++
			}
		}
		gs.CompletionPct = ratio(gs.TasksDone, gs.TasksTotal)
		out = append(out, gs)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := goals[out[i].GoalID], goals[out[j].GoalID]
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt)
		}
		return a.ID < b.ID
	})
	return out, nil
}
