package flux

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// GoalStatus is where a goal stands.
type GoalStatus string

// Goal statuses.
const (
	GoalActive    GoalStatus = "active"
	GoalCompleted GoalStatus = "completed"
	GoalAbandoned GoalStatus = "abandoned"
	GoalPipeline  GoalStatus = "pipeline" // queued behind another goal
)

// Valid reports whether s is a known goal status.
func (s GoalStatus) Valid() bool {
	switch s {
	case GoalActive, GoalCompleted, GoalAbandoned, GoalPipeline:
		return true
	}
	return false
}

// Source is an article a plan relied on.
type Source struct {
	Title  string `json:"title"`
	Source string `json:"source"`
}

// Goal is something a user wants to reach, broken into milestones.
type Goal struct {
	ID          string     `json:"id"`
	UserID      string     `json:"user_id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Category    string     `json:"category"`
	Status      GoalStatus `json:"status"`
	// TargetWeeks is the planned horizon in weeks.
	TargetWeeks int `json:"target_weeks"`
	// TargetDate is the day the user wants to be done, if they named one
	// (midnight UTC of that calendar date).
	TargetDate *time.Time `json:"target_date"`
	// Planner names what made the current plan ("llm", "offline").
	Planner string   `json:"planner"`
	Sources []Source `json:"sources"`
	// PlanVersion counts plans: 1 for the first, +1 on each replan.
	PlanVersion int        `json:"plan_version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

// Validate checks the goal's fields.
func (g *Goal) Validate() error {
	var fs []FieldError
	if strings.TrimSpace(g.Title) == "" {
		fs = append(fs, FieldError{"title", "is required"})
	} else if utf8.RuneCountInString(g.Title) > 500 {
		fs = append(fs, FieldError{"title", "is longer than 500 characters"})
	}
	if !g.Status.Valid() {
		fs = append(fs, FieldError{"status", fmt.Sprintf("unknown status %q", g.Status)})
	}
	if g.TargetWeeks < 0 || g.TargetWeeks > 520 {
		fs = append(fs, FieldError{"target_weeks", "must be between 0 and 520"})
	}
	fs = append(fs, TextErrors("", g)...)
	if len(fs) > 0 {
		return Invalid("invalid goal", fs...)
	}
	return nil
}

// MilestoneStatus is where a milestone stands.
type MilestoneStatus string

// Milestone statuses.
const (
	MilestonePending   MilestoneStatus = "pending"
	MilestoneCompleted MilestoneStatus = "completed"
)

// Milestone is one step of a goal's plan: a week (or a phase of several
// weeks for long horizons) with its tasks.
type Milestone struct {
	ID     string          `json:"id"`
	UserID string          `json:"user_id"`
	GoalID string          `json:"goal_id"`
	Week   int             `json:"week"`
	Title  string          `json:"title"`
	Status MilestoneStatus `json:"status"`
	// PlanVersion is the plan this milestone belongs to.
	PlanVersion int       `json:"plan_version"`
	CreatedAt   time.Time `json:"created_at"`
}

// GoalPlan is a goal with its milestones and their tasks, saved together in
// one transaction.
type GoalPlan struct {
	Goal       Goal
	Milestones []Milestone
	// Tasks reference their milestone by Milestone.ID.
	Tasks []Task
}
