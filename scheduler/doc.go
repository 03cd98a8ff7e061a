// Package scheduler places tasks into a person's real week.
//
// The Engine is a pure, deterministic function of its Input: tasks to place,
// busy time (calendar events and tasks already fixed in time), the user's
// Rules (IANA time zone, work hours, sleep window, daily cutoff, buffers,
// daily cap) and optional per-hour-of-week preference weights. "Now" is an
// input too, so the engine reads no clock and does no I/O: a team can embed it
// in its own service, and the same input always gives the same Result.
//
// # Hard rules
//
// Every placement the engine makes, on every day including the days clocks
// change, satisfies all of these, evaluated on the wall clock of the user's
// time zone:
//
//   - it lies inside the horizon [Input.From, Input.To), not before Input.Now,
//     not before the task's earliest start and not after its deadline;
//   - none of its minutes falls in the sleep window (which may wrap
//     midnight, 23:00–07:00) or after the daily cutoff (see Rules.CutoffHour);
//   - none of its minutes falls in work hours unless the task allows it;
//   - it keeps Rules.BufferMinutes away from every busy interval and from
//     every other placement;
//   - the minutes scheduled on its day (placements plus fixed tasks) stay
//     within Rules.DailyCapMinutes, when a cap is set.
//
// # Order and choice
//
// Tasks are placed in priority order (must_not_miss, then important, then
// standard) and, within a priority, earliest deadline first. A task takes the
// best feasible slot: the earliest day it can use, traded against its
// preferred time of day ("morning", "afternoon", "evening" or "HH:MM") and the
// preference weights (see Options). A higher priority task that finds no free
// slot may displace a lower priority fixed task marked Movable, never a
// calendar event; the displaced task is then placed again, near its old slot,
// or reported unplaced. Recurring tasks (RFC 5545 RRULE, expanded in local
// wall time with github.com/teambition/rrule-go) give one item per occurrence
// in the horizon, each placed on its own day near its own time.
//
// A task that cannot be placed comes back in Result.Unplaced with a Reason
// code (ReasonNoSlotBeforeDeadline, ReasonLongerThanAnySlot,
// ReasonDailyCap, ...) and a sentence saying why.
//
// Besides Schedule, the engine answers Availability (free slots after all
// rules), CheckSlot (may this task go exactly there?), Replan (move missed or
// drifted tasks to the next suitable slot) and Suggest (the original
// frontend's two reschedule suggestions, today and tomorrow).
//
// # Over a store
//
// Service puts the engine to work on a flux.Store: Schedule places a user's
// unscheduled tasks (or given ones) around their calendar events and
// scheduled tasks and saves the placements in one transaction (or, as a dry
// run, only returns them); PlaceGoal does so for a saved plan; Reschedule,
// Apply and ReplanMissed move tasks; Availability, Today, Timeline and
// Suggest answer the HTTP routes. It keeps the task lifecycle too: Complete
// and Missed advance a recurring task's series to its next occurrence
// exactly once however often and however concurrently they are called (the
// store keeps one open row per series), and completing a goal's last open
// task completes the goal. The periodic job DriftArgs, worked by
// DriftWorker, marks tasks left undone past their slot as drifted.
// PlaceTaskIn and MoveTaskIn place a task inside a transaction the caller
// holds, so that a caller's own writes and the placement commit together.
// Overview, Weekly, MissedByCategory and GoalProgress report on what the
// user got done, in their local days and weeks.
package scheduler
