package httpapi

import (
	"time"

	"github.com/fluxlife/flux"
)

// The JSON shapes of API.md's core resources. Handlers build them with the
// functions below so every route shows a resource the same way.

// taskView is a task as API.md shows it.
type taskView struct {
	ID              string          `json:"id"`
	GoalID          *string         `json:"goal_id"`
	MilestoneID     *string         `json:"milestone_id"`
	Title           string          `json:"title"`
	Description     string          `json:"description"`
	Status          flux.TaskStatus `json:"status"`
	Priority        flux.Priority   `json:"priority"`
	DurationMinutes int             `json:"duration_minutes"`
	ScheduledAt     *time.Time      `json:"scheduled_at"`
	Deadline        *time.Time      `json:"deadline"`
	RecurrenceRule  *string         `json:"recurrence_rule"`
	SeriesID        *string         `json:"series_id"`
	TriggerType     string          `json:"trigger_type"`
	LocationTrigger *string         `json:"location_trigger"`
	AllowWorkHours  bool            `json:"allow_work_hours"`
	PreferredTime   *string         `json:"preferred_time"`
	CompletedAt     *time.Time      `json:"completed_at"`
	CreatedAt       time.Time       `json:"created_at"`
}

// optString is nil for "" and a pointer to a copy of s otherwise. It
// allocates only then: returning &s would move s to the heap on every call.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	p := new(string)
	*p = s
	return p
}

func newTaskView(t *flux.Task) taskView {
	return taskView{
		ID: t.ID, GoalID: optString(t.GoalID), MilestoneID: optString(t.MilestoneID),
		Title: t.Title, Description: t.Description, Status: t.Status, Priority: t.Priority,
		DurationMinutes: t.DurationMinutes, ScheduledAt: t.ScheduledAt, Deadline: t.Deadline,
		RecurrenceRule: optString(t.RecurrenceRule), SeriesID: optString(t.SeriesID),
		TriggerType: string(t.TriggerType), LocationTrigger: optString(t.LocationTrigger),
		AllowWorkHours: t.AllowWorkHours, PreferredTime: optString(t.PreferredTime),
		CompletedAt: t.CompletedAt, CreatedAt: t.CreatedAt,
	}
}

func newTaskViews(ts []flux.Task) []taskView {
	out := make([]taskView, 0, len(ts))
	for i := range ts {
		out = append(out, newTaskView(&ts[i]))
	}
	return out
}

// milestoneView is a milestone with its tasks.
type milestoneView struct {
	ID     string               `json:"id"`
	Week   int                  `json:"week"`
	Title  string               `json:"title"`
	Status flux.MilestoneStatus `json:"status"`
	Tasks  []taskView           `json:"tasks"`
}

// goalView is a goal as API.md shows it; Milestones is nil in lists.
type goalView struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Category    string          `json:"category"`
	Status      flux.GoalStatus `json:"status"`
	TargetWeeks int             `json:"target_weeks"`
	TargetDate  *string         `json:"target_date"`
	CreatedAt   time.Time       `json:"created_at"`
	CompletedAt *time.Time      `json:"completed_at"`
	Planner     string          `json:"planner"`
	PlanVersion int             `json:"plan_version"`
	Sources     []flux.Source   `json:"sources"`
	// Milestones is absent in lists; a goal's own view always has it,
	// [] when it has no plan.
	Milestones []milestoneView `json:"milestones,omitzero"`
}

// newGoalView shows g; with milestones and tasks given, each milestone
// carries its tasks (tasks without a milestone are not shown there).
func newGoalView(g *flux.Goal, ms []flux.Milestone, tasks []flux.Task) goalView {
	v := goalView{
		ID: g.ID, Title: g.Title, Description: g.Description, Category: g.Category, Status: g.Status,
		TargetWeeks: g.TargetWeeks, CreatedAt: g.CreatedAt, CompletedAt: g.CompletedAt,
		Planner: g.Planner, PlanVersion: g.PlanVersion, Sources: g.Sources,
	}
	if v.Sources == nil {
		v.Sources = []flux.Source{}
	}
	if g.TargetDate != nil {
		d := g.TargetDate.UTC().Format(time.DateOnly)
		v.TargetDate = &d
	}
	if ms != nil {
		byMilestone := map[string][]taskView{}
		for i := range tasks {
			t := &tasks[i]
			byMilestone[t.MilestoneID] = append(byMilestone[t.MilestoneID], newTaskView(t))
		}
		v.Milestones = make([]milestoneView, 0, len(ms))
		for _, m := range ms {
			ts := byMilestone[m.ID]
			if ts == nil {
				ts = []taskView{}
			}
			v.Milestones = append(v.Milestones, milestoneView{ID: m.ID, Week: m.Week, Title: m.Title, Status: m.Status, Tasks: ts})
		}
	}
	return v
}
