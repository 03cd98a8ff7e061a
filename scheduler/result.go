package scheduler

import "time"

// Reason says why a task was not placed.
type Reason string

// Reasons a task is unplaced.
const (
	// ReasonNoSlotBeforeDeadline: the task could fit under the rules, but
	// busy time and higher priority tasks fill every slot before its
	// deadline.
	ReasonNoSlotBeforeDeadline Reason = "no_slot_before_deadline"
	// ReasonNoSlotInHorizon: like ReasonNoSlotBeforeDeadline for a task
	// whose deadline (if any) lies beyond the horizon: nothing is free
	// before the horizon ends.
	ReasonNoSlotInHorizon Reason = "no_slot_in_horizon"
	// ReasonNoSlotOnDay: an occurrence of a recurring task finds no free
	// slot on its own day.
	ReasonNoSlotOnDay Reason = "no_slot_on_day"
	// ReasonLongerThanAnySlot: the task is longer than any stretch of time
	// the rules (sleep, cutoff, work hours) leave in the horizon, so it can
	// never fit whatever else is scheduled.
	ReasonLongerThanAnySlot Reason = "longer_than_any_slot"
	// ReasonDailyCap: there is free time, but every day with room already
	// has its daily cap of scheduled minutes (or the task is longer than the
	// cap).
	ReasonDailyCap Reason = "daily_cap"
	// ReasonDeadlinePassed: the deadline is not after now (or after the
	// start of the horizon).
	ReasonDeadlinePassed Reason = "deadline_passed"
	// ReasonEmptyWindow: the earliest start is not before the deadline.
	ReasonEmptyWindow Reason = "empty_window"
	// ReasonOutsideHorizon: the task may only start after the horizon ends.
	ReasonOutsideHorizon Reason = "outside_horizon"
)

// Placement is a task (or one occurrence of a recurring task) put in time.
// Times are in the user's time zone.
type Placement struct {
	TaskID string `json:"task_id"`
	// Occurrence is the nominal start of the occurrence (from the RRULE) for
	// a recurring task, zero for a one-off task.
	Occurrence time.Time `json:"occurrence,omitzero"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	// Explain says in a sentence why this slot.
	Explain string `json:"explain"`
}

// Unplaced is a task (or occurrence) the engine could not place.
type Unplaced struct {
	TaskID     string    `json:"task_id"`
	Occurrence time.Time `json:"occurrence,omitzero"`
	Reason     Reason    `json:"reason"`
	// Detail says in a sentence what stood in the way.
	Detail string `json:"detail"`
}

// Displacement records a movable fixed task whose slot a higher priority
// task took. The moved task appears in Placements (its new slot) or in
// Unplaced.
type Displacement struct {
	TaskID string `json:"task_id"`
	// By is the task that took the slot.
	By string `json:"by"`
	// Start and End are the slot the task lost.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Result is what the engine decided. Placements are sorted by start,
// Unplaced by task id and occurrence, Displaced by the lost slot's start.
type Result struct {
	Placements []Placement    `json:"placements"`
	Unplaced   []Unplaced     `json:"unplaced"`
	Displaced  []Displacement `json:"displaced"`
}

// Slot is a stretch of free time, in the user's time zone.
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Minutes returns the slot's length in minutes.
func (s Slot) Minutes() int { return int(s.End.Sub(s.Start) / time.Minute) }
