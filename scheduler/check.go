package scheduler

import (
	"fmt"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// Rule names a scheduling rule a slot can break.
type Rule string

// Rules CheckSlot checks.
const (
	RuleOrder     Rule = "order"      // the end is not after the start
	RuleTooLong   Rule = "too_long"   // longer than a day
	RulePast      Rule = "past"       // starts before now
	RuleSleep     Rule = "sleep"      // a minute in the sleep window
	RuleCutoff    Rule = "cutoff"     // a minute after the daily cutoff
	RuleWorkHours Rule = "work_hours" // a minute in work hours, not allowed for the task
	RuleBusy      Rule = "busy"       // overlaps busy time, buffer included
)

// Violation is one rule a slot breaks.
type Violation struct {
	Rule    Rule   `json:"rule"`
	Message string `json:"message"`
	// BusyID names the busy interval overlapped, for RuleBusy.
	BusyID string `json:"busy_id,omitempty"`
}

// SlotError lists every rule a slot breaks. CheckSlot returns it wrapped in
// a *flux.Error; find it with errors.As.
type SlotError struct {
	Violations []Violation
}

// Error implements error.
func (e *SlotError) Error() string {
	msgs := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		msgs[i] = v.Message
	}
	return "slot " + strings.Join(msgs, "; ")
}

// Has reports whether the slot breaks rule r.
func (e *SlotError) Has(r Rule) bool {
	for _, v := range e.Violations {
		if v.Rule == r {
			return true
		}
	}
	return false
}

// CheckSlot implements Engine.
func (e *engine) CheckSlot(in Input, task TaskInput, start, end time.Time) error {
	in.Tasks = nil
	in.From, in.To = start, end
	if !end.After(start) {
		in.To = start.Add(time.Minute) // reported as RuleOrder below
	}
	p, err := e.opt.prepare(in, false)
	if err != nil {
		return err
	}
	loc := p.loc
	field := func(v Violation) flux.FieldError {
		f := "start"
		if v.Rule == RuleOrder || v.Rule == RuleCutoff {
			f = "end"
		}
		return flux.FieldError{Field: f, Message: v.Message}
	}
	fail := func(code string, vs []Violation) error {
		fs := make([]flux.FieldError, len(vs))
		for i, v := range vs {
			fs[i] = field(v)
		}
		msg := "the slot " + vs[0].Message
		return &flux.Error{Code: code, Message: msg, Fields: fs, Err: &SlotError{Violations: vs}}
	}
	s, en := floorMin(start), ceilMin(end)
	switch {
	case !end.After(start):
		return fail(flux.EInvalid, []Violation{{Rule: RuleOrder, Message: "ends before it starts"}})
	case en-s > 1440:
		return fail(flux.EInvalid, []Violation{{Rule: RuleTooLong, Message: "is longer than a day"}})
	}
	r := &in.Rules
	var vs []Violation
	if start.Before(in.Now) {
		vs = append(vs, Violation{Rule: RulePast, Message: fmt.Sprintf("starts in the past (it is now %s)", fmtTime(in.Now.In(loc)))})
	}
	sleep, cut := windowRanges(r.Sleep), r.cutoffRanges()
	var inSleep, inCut, inWork bool
	for m := s; m < en; m++ {
		lt := minuteTime(m, loc)
		mod := lt.Hour()*60 + lt.Minute()
		inSleep = inSleep || inRanges(sleep, mod)
		inCut = inCut || inRanges(cut, mod)
		inWork = inWork || (!task.AllowWorkHours && inRanges(r.workRanges(lt.Weekday()), mod))
	}
	if inSleep {
		vs = append(vs, Violation{Rule: RuleSleep, Message: fmt.Sprintf("falls in the sleep window %s–%s", r.Sleep.Start, r.Sleep.End)})
	}
	if inCut {
		vs = append(vs, Violation{Rule: RuleCutoff, Message: fmt.Sprintf("runs past the %02d:00 cutoff", r.CutoffHour)})
	}
	if inWork {
		vs = append(vs, Violation{Rule: RuleWorkHours, Message: "falls in work hours"})
	}
	if len(vs) > 0 {
		return fail(flux.EInvalid, vs)
	}
	buf := time.Duration(r.BufferMinutes) * time.Minute
	for _, b := range in.Busy {
		if b.ID != "" && b.ID == task.ID {
			continue
		}
		if start.Before(b.End.Add(buf)) && b.Start.Add(-buf).Before(end) {
			what := b.Title
			switch {
			case what != "":
				what = fmt.Sprintf("%q", what)
			case b.Kind == BusyEvent:
				what = "a calendar event"
			default:
				what = "another task"
			}
			msg := fmt.Sprintf("overlaps %s at %s–%s", what, fmtTime(b.Start.In(loc)), b.End.In(loc).Format("15:04"))
			if buf > 0 {
				msg += fmt.Sprintf(", with the %d-minute buffer", r.BufferMinutes)
			}
			vs = append(vs, Violation{Rule: RuleBusy, Message: msg, BusyID: b.ID})
		}
	}
	if len(vs) > 0 {
		return fail(flux.EConflict, vs)
	}
	return nil
}

// inRanges reports whether minute-of-day m lies in one of the ranges.
func inRanges(rs []clockRange, m int) bool {
	for _, r := range rs {
		if m >= r.s && m < r.e {
			return true
		}
	}
	return false
}

// Availability implements Engine.
func (e *engine) Availability(in Input, from, to time.Time) ([]Slot, error) {
	in.Tasks = nil
	in.From, in.To = from, to
	p, err := e.opt.prepare(in, false)
	if err != nil {
		return nil, err
	}
	st := newState(e.opt, p, false)
	blocks := st.blocks(p.lower, p.upper, 0, false)
	segs := st.free(p.lower, p.upper, outsideWork, blocks, nil)
	var kept []ival
	for _, sg := range segs {
		if st.cap == 0 {
			kept = appendIval(kept, sg)
			continue
		}
		// Keep the parts on days with room under the cap.
		for m := sg.s; m < sg.e; {
			di := st.cal.dayOf(m)
			if di < 0 {
				break
			}
			e := min(sg.e, st.cal.days[di].end)
			if st.used[di] < st.cap {
				kept = appendIval(kept, ival{m, e})
			}
			m = e
		}
	}
	out := make([]Slot, 0, len(kept))
	for _, k := range kept {
		out = append(out, Slot{Start: st.cal.at(k.s), End: st.cal.at(k.e)})
	}
	return out, nil
}
