package planner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
	"github.com/teambition/rrule-go"
)

// Names of the planners, as Plan.Planner and flux.Goal.Planner record them.
const (
	NameLLM     = "llm"
	NameOffline = "offline"
)

// Planner turns a goal into a plan.
type Planner interface {
	// Plan returns a plan that passes Validate. It fails only when ctx ends
	// or the request cannot be planned at all (an empty statement).
	Plan(ctx context.Context, req Request) (*Plan, error)
}

// Request is a goal to plan, with what the clarifying conversation learnt.
type Request struct {
	// Statement is the goal in the user's words ("Run a 10k in 10 weeks").
	Statement string `json:"statement"`
	// Timeline is the user's answer about timing ("in 3 months", "by June
	// 1"); the statement itself is also searched for one.
	Timeline string `json:"timeline,omitempty"`
	// TargetDate, when set, wins over Timeline: the plan ends on that day.
	TargetDate *time.Time `json:"target_date,omitempty"`
	// CurrentState is where the user starts from.
	CurrentState string `json:"current_state,omitempty"`
	// Target is what success looks like, if the user said.
	Target string `json:"target,omitempty"`
	// Preferences are how the user likes to work (time of day, place, days).
	Preferences string `json:"preferences,omitempty"`
	// Feedback is what the user asked to change about Previous, for a
	// re-plan.
	Feedback string `json:"feedback,omitempty"`
	// Previous is the plan being revised, for a re-plan.
	Previous *Plan `json:"previous,omitempty"`
	// Profile describes the user's week.
	Profile Profile `json:"profile"`
	// Now is the moment of planning; relative timelines count from it.
	Now time.Time `json:"now"`
}

// Profile is what a planner may know about the user: no contact details.
type Profile struct {
	Name string `json:"name,omitempty"`
	// Timezone is an IANA zone name; empty means UTC.
	Timezone string `json:"timezone,omitempty"`
	// Chronotype is "morning", "evening", "neutral" or empty.
	Chronotype  string           `json:"chronotype,omitempty"`
	WorkHours   *flux.WorkHours  `json:"work_hours,omitempty"`
	SleepWindow *flux.TimeWindow `json:"sleep_window,omitempty"`
}

// ProfileFromUser returns the planning profile of u (a zero Profile for nil).
func ProfileFromUser(u *flux.User) Profile {
	if u == nil {
		return Profile{}
	}
	p := Profile{Name: u.Name, Timezone: u.Timezone, Chronotype: u.Chronotype}
	if len(u.WorkHours.Days) > 0 {
		wh := u.WorkHours
		wh.Days = append([]flux.Weekday(nil), wh.Days...)
		p.WorkHours = &wh
	}
	if u.SleepWindow.Start != u.SleepWindow.End {
		sw := u.SleepWindow
		p.SleepWindow = &sw
	}
	return p
}

// Location returns the profile's time zone, UTC when unset or unknown.
func (p Profile) Location() *time.Location { return flux.Location(p.Timezone) }

// Plan is a goal broken into milestones and tasks.
type Plan struct {
	// Title is the goal's title.
	Title string `json:"title"`
	// Category is the goal's domain, one of Domains.
	Category string `json:"category"`
	// Weeks is the horizon (1–52).
	Weeks int `json:"weeks"`
	// TargetDate is the day the user named, if any.
	TargetDate *time.Time `json:"target_date,omitempty"`
	// Milestones are one per week for horizons up to 12 weeks, phases of
	// several weeks beyond that.
	Milestones []Milestone `json:"milestones"`
	// Sources are the articles the plan relied on.
	Sources []flux.Source `json:"sources"`
	// Planner names what made the plan: NameLLM or NameOffline.
	Planner string `json:"planner"`
	// Summary explains the approach in a few sentences.
	Summary string `json:"summary"`
}

// Milestone is one week of a plan, or one phase of a long plan. A phase
// runs from its Week to the week before the next milestone's (to Plan.Weeks
// for the last).
type Milestone struct {
	Week  int    `json:"week"`
	Title string `json:"title"`
	Tasks []Task `json:"tasks"`
}

// Task is one concrete thing to do during its milestone.
type Task struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	// DurationMinutes is the length of one session (5–240).
	DurationMinutes int `json:"duration_minutes"`
	// Recurrence is an RFC 5545 RRULE without DTSTART
	// ("FREQ=WEEKLY;BYDAY=MO,WE,FR"), or empty for a one-off task. It
	// repeats within its milestone only.
	Recurrence string `json:"recurrence"`
	// TimeOfDay is "morning", "afternoon", "evening", "HH:MM", or empty
	// for any time.
	TimeOfDay string        `json:"time_of_day"`
	Priority  flux.Priority `json:"priority"`
}

// EndWeek returns the last week of milestone i of p.
func (p *Plan) EndWeek(i int) int {
	if i+1 < len(p.Milestones) {
		return p.Milestones[i+1].Week - 1
	}
	return p.Weeks
}

// TaskCount returns the number of tasks in the plan.
func (p *Plan) TaskCount() int {
	n := 0
	for _, m := range p.Milestones {
		n += len(m.Tasks)
	}
	return n
}

// LegacyMilestone is a milestone as the original /goals routes returned it:
// tasks as plain titles.
type LegacyMilestone struct {
	Week  int      `json:"week"`
	Title string   `json:"title"`
	Tasks []string `json:"tasks"`
}

// Legacy returns the plan in the original response shape of the /goals
// conversation routes.
func (p *Plan) Legacy() []LegacyMilestone {
	out := make([]LegacyMilestone, len(p.Milestones))
	for i, m := range p.Milestones {
		lm := LegacyMilestone{Week: m.Week, Title: m.Title, Tasks: make([]string, len(m.Tasks))}
		for j, t := range m.Tasks {
			lm.Tasks[j] = t.Title
		}
		out[i] = lm
	}
	return out
}

// Clone returns a deep copy of p.
func (p *Plan) Clone() *Plan {
	if p == nil {
		return nil
	}
	c := *p
	if p.TargetDate != nil {
		d := *p.TargetDate
		c.TargetDate = &d
	}
	if p.Sources != nil {
		c.Sources = append(make([]flux.Source, 0, len(p.Sources)), p.Sources...)
	}
	if p.Milestones != nil {
		c.Milestones = make([]Milestone, len(p.Milestones))
		for i, m := range p.Milestones {
			if m.Tasks != nil {
				m.Tasks = append(make([]Task, 0, len(m.Tasks)), m.Tasks...)
			}
			c.Milestones[i] = m
		}
	}
	return &c
}

// GoalPlan turns the plan into the rows flux.GoalStore.CreateGoalPlan (or
// ReplacePlan) saves. base carries what the plan does not know: UserID,
// Description, and for a re-plan the stored goal's ID, CreatedAt and the new
// PlanVersion. GoalPlan fills the goal's Title when empty, Category,
// TargetWeeks, TargetDate, Planner and Sources; a new ID when ID is empty;
// Status active when empty; PlanVersion 1 when zero; CreatedAt when zero and
// UpdatedAt from now.
//
// Milestone w of the plan starts (w-1) weeks after now. Each task gets that
// start as EarliestStart; a one-off task gets the milestone's end as
// Deadline, and a recurring one an UNTIL at the milestone's end (unless its
// rule already bounds itself), so a week's sessions stay in that week. Tasks
// are pending, time-triggered, and allowed in work hours only for career
// goals.
func (p *Plan) GoalPlan(base flux.Goal, now time.Time) *flux.GoalPlan {
	g := base
	if g.ID == "" {
		g.ID = flux.NewID()
	}
	if strings.TrimSpace(g.Title) == "" {
		g.Title = p.Title
	}
	if g.Status == "" {
		g.Status = flux.GoalActive
	}
	if g.PlanVersion == 0 {
		g.PlanVersion = 1
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = now
	}
	g.UpdatedAt = now
	g.Category = p.Category
	g.TargetWeeks = p.Weeks
	g.TargetDate = nil
	if p.TargetDate != nil {
		d := *p.TargetDate
		g.TargetDate = &d
	}
	g.Planner = p.Planner
	g.Sources = append([]flux.Source{}, p.Sources...)

	gp := &flux.GoalPlan{Goal: g}
	for i, m := range p.Milestones {
		ms := flux.Milestone{
			ID: flux.NewID(), UserID: g.UserID, GoalID: g.ID, Week: m.Week, Title: m.Title,
			Status: flux.MilestonePending, PlanVersion: g.PlanVersion, CreatedAt: now,
		}
		gp.Milestones = append(gp.Milestones, ms)
		start := now.AddDate(0, 0, 7*(m.Week-1))
		end := now.AddDate(0, 0, 7*p.EndWeek(i))
		for _, t := range m.Tasks {
			prio := t.Priority
			if !prio.Valid() {
				prio = flux.PriorityStandard
			}
			task := flux.Task{
				ID: flux.NewID(), UserID: g.UserID, GoalID: g.ID, MilestoneID: ms.ID,
				Title: t.Title, Description: t.Description, Status: flux.TaskPending,
				Priority: prio, DurationMinutes: t.DurationMinutes, PreferredTime: t.TimeOfDay,
				TriggerType: flux.TriggerTime, AllowWorkHours: p.Category == DomainCareer,
				CreatedAt: now, UpdatedAt: now,
			}
			es := start
			task.EarliestStart = &es
			if t.Recurrence == "" {
				dl := end
				task.Deadline = &dl
			} else {
				task.RecurrenceRule = boundRule(t.Recurrence, end)
			}
			gp.Tasks = append(gp.Tasks, task)
		}
	}
	return gp
}

// boundRule adds UNTIL=end to an RRULE that has neither COUNT nor UNTIL.
func boundRule(rule string, end time.Time) string {
	upper := strings.ToUpper(rule)
	if strings.Contains(upper, "COUNT=") || strings.Contains(upper, "UNTIL=") {
		return rule
	}
	return fmt.Sprintf("%s;UNTIL=%s", rule, end.UTC().Format("20060102T150405Z"))
}

// parseRule parses an RRULE the way Validate accepts it: Flux's one
// recurrence policy (scheduler.ParseRule), as a single rule line without
// DTSTART, since the plan's timeline starts each series.
func parseRule(rule string) (*rrule.RRule, error) {
	if strings.ContainsAny(rule, "\r\n") || strings.Contains(strings.ToUpper(rule), "DTSTART") {
		return nil, fmt.Errorf("want a single RRULE without DTSTART")
	}
	canon, err := scheduler.ParseRule(rule)
	if err != nil {
		return nil, err
	}
	return rrule.StrToRRule(canon)
}
