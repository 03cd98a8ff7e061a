package scheduler

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/fluxlife/flux"
)

// Suggestion scoring, as the original scheduler had it.
const (
	suggestStep          = 30 // minutes between candidate starts
	suggestLead          = 5  // minutes from now to the first candidate today
	scoreOutsideWork     = 10
	scoreSameTime        = 20
	sameTimeWindow       = 30 // minutes either side of the original time of day
	defaultSuggestMinute = 60 // duration when the drifted slot has none
)

// scoreWeight is what a preference weight of 1 (Input.Weights, over the
// minutes a suggested slot covers) adds to its score; −1 takes it away.
const scoreWeight = 15

// Suggestion reasons, as the original's rationales name them.
const (
	reasonOutsideWork = "outside work hours"
	reasonSameTime    = "same time as originally planned"
	reasonNextFree    = "next free slot"
)

// SuggestRequest asks for reschedule suggestions for one drifted task.
type SuggestRequest struct {
	// Task is the drifted task: ID, Title and AllowWorkHours are used.
	Task TaskInput
	// Start and End are the slot it drifted from. The duration of the
	// suggestions is End-Start, or 60 minutes when that is not positive.
	Start time.Time
	End   time.Time
}

// SuggestedSlot is one suggestion, in the original's shape.
type SuggestedSlot struct {
	NewStart  time.Time `json:"new_start"`
	NewEnd    time.Time `json:"new_end"`
	Label     string    `json:"label"`
	Rationale string    `json:"rationale"`
}

// SuggestResult is the original's SchedulerSuggestResponse.
type SuggestResult struct {
	EventID     string          `json:"event_id"`
	TaskTitle   string          `json:"task_title"`
	Suggestions []SuggestedSlot `json:"suggestions"`
	SkipOption  bool            `json:"skip_option"`
	AIMessage   string          `json:"ai_message"`
}

// Suggest implements Engine. It follows the original's algorithm in the
// user's time zone and under all of the engine's rules: candidates start
// five minutes from now (today) or when a free stretch begins (today and
// tomorrow), every 30 minutes while the task fits; each must pass the rules
// CheckSlot checks (busy time with buffers, sleep, cutoff, work hours for a
// task not allowed in them). A candidate outside work hours scores 10; one
// tomorrow within 30 minutes of the drifted slot's time of day scores 20
// more; with Input.Weights, the slot's weight (see spanWeight) adds up to
// ±15; the best score wins, then the earliest start. The suggestions are in
// UTC, as the original sent them; labels and rationales use local time.
func (e *engine) Suggest(in Input, req SuggestRequest) (SuggestResult, error) {
	if in.Now.IsZero() {
		return SuggestResult{}, flux.Invalid("invalid scheduler input", flux.FieldError{Field: "now", Message: "is required"})
	}
	loc := in.Rules.location()
	now := in.Now.In(loc)
	y, m, d := now.Date()
	tomorrow := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	in.Tasks = nil
	in.From = in.Now
	in.To = time.Date(y, m, d+2, 0, 0, 0, 0, loc)
	p, err := e.opt.prepare(in, false)
	if err != nil {
		return SuggestResult{}, err
	}
	// The drifted task's own busy entry does not block its new slot.
	busy := make([]Busy, 0, len(in.Busy))
	for _, b := range in.Busy {
		if b.ID == "" || b.ID != req.Task.ID {
			busy = append(busy, b)
		}
	}
	p.in.Busy = busy
	st := newState(e.opt, p, false)

	dur := int64(req.End.Sub(req.Start) / time.Minute)
	if req.End.Sub(req.Start)%time.Minute != 0 {
		dur++
	}
	if dur <= 0 {
		dur = defaultSuggestMinute
	}
	v := outsideWork
	if req.Task.AllowWorkHours {
		v = anyHours
	}
	orig := -1
	if !req.Start.IsZero() {
		o := req.Start.In(loc)
		orig = o.Hour()*60 + o.Minute()
	}
	title := req.Task.Title
	if title == "" {
		title = "Task"
	}
	res := SuggestResult{EventID: req.Task.ID, TaskTitle: title, SkipOption: true, Suggestions: []SuggestedSlot{}}
	tm := floorMin(tomorrow)
	windows := []struct {
		lo, hi   int64
		tomorrow bool
	}{
		{ceilMin(in.Now.Add(suggestLead * time.Minute)), tm, false},
		{tm, floorMin(in.To), true},
	}
	for _, w := range windows {
		if w.lo >= w.hi {
			continue
		}
		blocks := st.blocks(w.lo, w.hi, 0, false)
		segs := st.free(w.lo, w.hi, v, blocks, nil)
		type scored struct {
			s      int64
			score  int
			reason string
		}
		var cands []scored
		consider := func(s int64) {
			if s+dur > w.hi {
				return
			}
			lt := st.cal.at(s)
			sc, reason := 0, reasonNextFree
			if !intersects(st.cal.work, s, s+dur) {
				sc, reason = scoreOutsideWork, reasonOutsideWork
			}
			if w.tomorrow && orig >= 0 && circDist(lt.Hour()*60+lt.Minute(), orig) <= sameTimeWindow {
				sc, reason = sc+scoreSameTime, reasonSameTime
			}
			if st.weights != nil {
				sc += int(math.Round(spanWeight(st.weights, lt, dur) * scoreWeight))
			}
			cands = append(cands, scored{s, sc, reason})
		}
		for _, sg := range segs {
			for s := sg.s; s+dur <= sg.e; s += suggestStep {
				consider(s)
			}
			if di := st.cal.dayOf(sg.s); w.tomorrow && orig >= 0 && di >= 0 {
				for _, s := range st.cal.wallMinutes(nil, di, orig) {
					if s >= sg.s && s+dur <= sg.e {
						consider(s)
					}
				}
			}
		}
		if len(cands) == 0 {
			continue
		}
		best := slices.MinFunc(cands, func(a, b scored) int { return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.s, b.s)) })
		start := st.cal.at(best.s)
		clock := start.Format("3:04 PM")
		sl := SuggestedSlot{NewStart: start.UTC(), NewEnd: st.cal.at(best.s + dur).UTC()}
		if w.tomorrow {
			sl.Label = clock + " " + start.Weekday().String()
			sl.Rationale = fmt.Sprintf("Suggested %s %s — %s.", clock, start.Weekday(), best.reason)
		} else {
			sl.Label = clock + " Today"
			sl.Rationale = fmt.Sprintf("Suggested %s — it's your %s today.", clock, best.reason)
		}
		res.Suggestions = append(res.Suggestions, sl)
	}
	if len(res.Suggestions) == 0 {
		res.AIMessage = title + " drifted, but I couldn't find open slots today or tomorrow. You can skip for now."
	} else {
		res.AIMessage = title + " drifted. I can do:"
	}
	return res, nil
}
