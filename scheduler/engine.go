package scheduler

import (
	"time"
)

// Engine places tasks. Every method is a pure function of its arguments: no
// I/O, no clock (Input.Now is "now"), and equal inputs give equal results.
// Errors are *flux.Error values: EInvalid (with Fields listing every
// problem) for invalid input, and for CheckSlot also EConflict.
type Engine interface {
	// Schedule places in.Tasks (recurring ones once per occurrence in the
	// horizon) around in.Busy under in.Rules.
	Schedule(in Input) (Result, error)
	// Replan moves each of in.Tasks, a missed or drifted task (recurrence
	// rules are ignored: it is one slot), to the next suitable slot after
	// in.Now: the earliest day with room, near its preferred time or, when it
	// has none, the time of day of its Previous slot.
	Replan(in Input) (Result, error)
	// Availability returns the free slots in [from, to): time the rules
	// allow outside work hours, not before in.Now, away from in.Busy by the
	// buffer, on days whose daily cap is not used up. in.Tasks is ignored.
	Availability(in Input, from, to time.Time) ([]Slot, error)
	// CheckSlot reports whether task may be put exactly at [start, end):
	// nil, or an EInvalid error when the slot breaks a rule (end not after
	// start, in the past, in the sleep window, after the cutoff, in work
	// hours for a task not allowed there) or an EConflict error when it
	// overlaps busy time including the buffer. Busy entries with task's ID
	// are ignored. The daily cap and the task's deadline are not checked:
	// the user chose the slot. The error wraps a *SlotError listing the
	// violations.
	CheckSlot(in Input, task TaskInput, start, end time.Time) error
	// Suggest answers the original frontend's reschedule dialog for a
	// drifted task: up to two slots, the best today and the best tomorrow
	// (user's local days), with labels and rationales.
	Suggest(in Input, req SuggestRequest) (SuggestResult, error)
}

// Options tune the default engine. A nil *Options means all defaults; a
// zero field takes its default.
type Options struct {
	// DayCost is how many minutes away from its preferred time of day a task
	// accepts rather than move one day later. Default 240: a task that
	// prefers the evening goes to tomorrow evening rather than this morning,
	// but to this afternoon rather than tomorrow morning if it prefers
	// "12:00" and only 15:00 is free today.
	DayCost int
	// WeightCost is how many minutes of preferred time a weight of 1 is
	// worth. Default 120.
	WeightCost int
	// Granularity rounds starts to multiples of this many minutes when
	// that costs no more than Granularity minutes of preference (slots
	// start at 17:05 rather than 17:03). Default 5; 1 turns rounding off.
	Granularity int
	// MaxHorizon is the longest horizon accepted. Default 400 days.
	MaxHorizon time.Duration
	// DefaultHorizon is the horizon when Input.To is zero. Default 14 days.
	DefaultHorizon time.Duration
	// MaxItems caps tasks plus busy intervals in an input, and tasks plus
	// expanded occurrences. Default 20000.
	MaxItems int
}

// withDefaults returns a copy of o with defaults filled in.
func (o *Options) withDefaults() *Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.DayCost <= 0 {
		c.DayCost = 240
	}
	if c.WeightCost <= 0 {
		c.WeightCost = 120
	}
	if c.Granularity <= 0 {
		c.Granularity = 5
	}
	if c.MaxHorizon <= 0 {
		c.MaxHorizon = 400 * 24 * time.Hour
	}
	if c.DefaultHorizon <= 0 {
		c.DefaultHorizon = 14 * 24 * time.Hour
	}
	if c.MaxItems <= 0 {
		c.MaxItems = 20000
	}
	return &c
}

// engine is the default Engine.
type engine struct {
	opt *Options
}

// New returns the default engine. opts may be nil.
func New(opts *Options) Engine {
	return &engine{opt: opts.withDefaults()}
}

// Schedule implements Engine.
func (e *engine) Schedule(in Input) (Result, error) {
	return e.run(in, false)
}

// Replan implements Engine.
func (e *engine) Replan(in Input) (Result, error) {
	return e.run(in, true)
}

// run validates in, places its tasks and assembles the result.
func (e *engine) run(in Input, replan bool) (Result, error) {
	p, err := e.opt.prepare(in, !replan)
	if err != nil {
		return Result{}, err
	}
	st := newState(e.opt, p, replan)
	items, err := st.items()
	if err != nil {
		return Result{}, err
	}
	st.place(items)
	return st.result(), nil
}
