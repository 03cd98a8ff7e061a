package flux

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// TaskStatus is where a task stands.
type TaskStatus string

// Task statuses.
const (
	TaskPending     TaskStatus = "pending"     // not yet placed in time
	TaskScheduled   TaskStatus = "scheduled"   // has a slot
	TaskDrifted     TaskStatus = "drifted"     // its slot passed undone
	TaskDone        TaskStatus = "done"        // completed
	TaskMissed      TaskStatus = "missed"      // the user said it was missed
	TaskCancelled   TaskStatus = "cancelled"   // dropped (e.g. goal abandoned)
	TaskRescheduled TaskStatus = "rescheduled" // moved; a new occurrence replaces it
)

// Valid reports whether s is a known task status.
func (s TaskStatus) Valid() bool {
	switch s {
	case TaskPending, TaskScheduled, TaskDrifted, TaskDone, TaskMissed, TaskCancelled, TaskRescheduled:
		return true
	}
	return false
}

// Open reports whether a task in status s still waits to be done.
func (s TaskStatus) Open() bool {
	return s == TaskPending || s == TaskScheduled || s == TaskDrifted
}

// Priority is how much a task matters; it decides scheduling order and how
// hard reminders escalate.
type Priority string

// Priorities, lowest first.
const (
	PriorityStandard    Priority = "standard"
	PriorityImportant   Priority = "important"
	PriorityMustNotMiss Priority = "must_not_miss"
)

// ParsePriority reads a priority, also accepting the legacy spelling
// "must-not-miss". Empty means standard.
func ParsePriority(s string) (Priority, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "standard":
		return PriorityStandard, nil
	case "important":
		return PriorityImportant, nil
	case "must_not_miss", "must-not-miss":
		return PriorityMustNotMiss, nil
	}
	return "", fmt.Errorf("priority %q: want standard, important or must_not_miss", s)
}

// Rank orders priorities: standard 0, important 1, must_not_miss 2.
func (p Priority) Rank() int {
	switch p {
	case PriorityImportant:
		return 1
	case PriorityMustNotMiss:
		return 2
	}
	return 0
}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	return p == PriorityStandard || p == PriorityImportant || p == PriorityMustNotMiss
}

// TriggerType says what makes a task due.
type TriggerType string

// Trigger types.
const (
	TriggerTime     TriggerType = "time"
	TriggerLocation TriggerType = "location"
)

// Task is one thing to do, once or as an occurrence of a recurring series.
type Task struct {
	ID          string     `json:"id"`
	UserID      string     `json:"user_id"`
	GoalID      string     `json:"goal_id"`      // empty for a standalone task
	MilestoneID string     `json:"milestone_id"` // empty when not under a milestone
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Status      TaskStatus `json:"status"`
	Priority    Priority   `json:"priority"`
	// DurationMinutes is how long the task takes (1–1440).
	DurationMinutes int `json:"duration_minutes"`
	// ScheduledAt is the start of the task's slot; nil when unscheduled.
	ScheduledAt *time.Time `json:"scheduled_at"`
	// Deadline is when the task must be done by, if anything.
	Deadline *time.Time `json:"deadline"`
	// EarliestStart, when set, is the earliest moment the task may be placed.
	EarliestStart *time.Time `json:"earliest_start"`
	// PreferredTime is a time-of-day hint for placement: "morning",
	// "afternoon", "evening", or "HH:MM"; empty when any time will do.
	PreferredTime string `json:"preferred_time"`
	// RecurrenceRule is an RFC 5545 RRULE ("FREQ=WEEKLY;BYDAY=MO,WE,FR");
	// the task is then the next open occurrence of its series.
	RecurrenceRule string `json:"recurrence_rule"`
	// SeriesID groups the occurrences of one recurring task; it is the id of
	// the series' first occurrence. Empty for a one-off task.
	SeriesID string `json:"series_id"`
	// Occurrence numbers the occurrences of a series from 1.
	Occurrence      int         `json:"occurrence"`
	TriggerType     TriggerType `json:"trigger_type"`
	LocationTrigger string      `json:"location_trigger"`
	// AllowWorkHours lets the scheduler place the task inside work hours.
	AllowWorkHours bool       `json:"allow_work_hours"`
	CompletedAt    *time.Time `json:"completed_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// End returns the end of the task's slot, or nil when it is unscheduled.
func (t *Task) End() *time.Time {
	if t.ScheduledAt == nil {
		return nil
	}
	e := t.ScheduledAt.Add(time.Duration(t.DurationMinutes) * time.Minute)
	return &e
}

// Validate checks the task's fields and returns an EInvalid error listing
// every problem.
func (t *Task) Validate() error {
	var fs []FieldError
	add := func(f, format string, args ...any) {
		fs = append(fs, FieldError{Field: f, Message: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(t.Title) == "" {
		add("title", "is required")
	} else if utf8.RuneCountInString(t.Title) > 500 {
		add("title", "is longer than 500 characters")
	}
	if !t.Status.Valid() {
		add("status", "unknown status %q", t.Status)
	}
	if !t.Priority.Valid() {
		add("priority", "unknown priority %q", t.Priority)
	}
	if t.DurationMinutes < 1 || t.DurationMinutes > 1440 {
		add("duration_minutes", "must be between 1 and 1440")
	}
	switch t.TriggerType {
	case TriggerTime:
	case TriggerLocation:
		if strings.TrimSpace(t.LocationTrigger) == "" {
			add("location_trigger", "is required when trigger_type is location")
		}
	default:
		add("trigger_type", "must be time or location")
	}
	if t.Status == TaskScheduled && t.ScheduledAt == nil {
		add("scheduled_at", "is required when status is scheduled")
	}
	if t.GoalID == "" && t.MilestoneID != "" {
		add("milestone_id", "needs a goal_id")
	}
	fs = append(fs, TextErrors("", t)...)
	if len(fs) > 0 {
		return Invalid("invalid task", fs...)
	}
	return nil
}

// Legacy task states, as the original frontend's timeline reads them.
const (
	LegacyScheduled = "scheduled"
	LegacyDrifted   = "drifted"
	LegacyCompleted = "completed"
	LegacyMissed    = "missed"
)

// LegacyTask is the task shape the original frontend reads on /scheduler/*:
// start_time and end_time instead of scheduled_at and a duration, and a state
// in the original's vocabulary.
type LegacyTask struct {
	ID          string     `json:"id"`
	UserID      string     `json:"user_id"`
	GoalID      *string    `json:"goal_id"`
	MilestoneID *string    `json:"milestone_id"`
	Title       string     `json:"title"`
	StartTime   *time.Time `json:"start_time"`
	EndTime     *time.Time `json:"end_time"`
	State       string     `json:"state"`
	Priority    string     `json:"priority"`
	TriggerType string     `json:"trigger_type"`
	IsRecurring bool       `json:"is_recurring"`
	CreatedAt   time.Time  `json:"created_at"`
}

// LegacyState maps the task's status to the original's state vocabulary:
// done → completed, drifted and rescheduled → drifted, missed and cancelled →
// missed, anything open → scheduled.
func (t *Task) LegacyState() string {
	switch t.Status {
	case TaskDone:
		return LegacyCompleted
	case TaskDrifted, TaskRescheduled:
		return LegacyDrifted
	case TaskMissed, TaskCancelled:
		return LegacyMissed
	}
	return LegacyScheduled
}

// Legacy returns the task in the original frontend's shape. It is a view of
// the same data, not a copy that is stored.
func (t *Task) Legacy() LegacyTask {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	prio := string(t.Priority)
	if t.Priority == PriorityMustNotMiss {
		prio = "must-not-miss"
	}
	return LegacyTask{
		ID: t.ID, UserID: t.UserID, GoalID: opt(t.GoalID), MilestoneID: opt(t.MilestoneID),
		Title: t.Title, StartTime: t.ScheduledAt, EndTime: t.End(), State: t.LegacyState(),
		Priority: prio, TriggerType: string(t.TriggerType), IsRecurring: t.RecurrenceRule != "",
		CreatedAt: t.CreatedAt,
	}
}

// CalendarEvent is a fixed commitment: busy time the scheduler never moves.
type CalendarEvent struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	Title     string    `json:"title"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the event.
func (e *CalendarEvent) Validate() error {
	var fs []FieldError
	if strings.TrimSpace(e.Title) == "" {
		fs = append(fs, FieldError{"title", "is required"})
	}
	if e.Start.IsZero() {
		fs = append(fs, FieldError{"start", "is required"})
	}
	if e.End.IsZero() {
		fs = append(fs, FieldError{"end", "is required"})
	}
	if !e.Start.IsZero() && !e.End.IsZero() && !e.End.After(e.Start) {
		fs = append(fs, FieldError{"end", "must be after start"})
	}
	fs = append(fs, TextErrors("", e)...)
	if len(fs) > 0 {
		return Invalid("invalid calendar event", fs...)
	}
	return nil
}
