package scheduler

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// softBase is added to the score of a slot that displaces fixed tasks, per
// displaced task, so that displacing fewer tasks always wins.
const softBase = 1e6

// reservation is a movable fixed task: busy until a higher priority task
// displaces it.
type reservation struct {
	b      Busy
	raw    ival  // its slot, rounded outwards to whole minutes
	exp    ival  // its slot widened by the buffer
	dur    int64 // its length in minutes, rounded up
	prio   int
	day    int // index of its start's day, -1 outside the horizon
	active bool
}

// item is one thing to place: a task, an occurrence, or a displaced task.
type item struct {
	id       string
	occ      time.Time // nominal occurrence start; zero for a one-off
	d        int64
	prio     flux.Priority
	rank     int
	lo, hi   int64 // the window starts must lie in, ends by
	deadline int64 // order key: the deadline, math.MaxInt64 when none
	hasDL    bool  // a deadline of its own (not only the horizon's end)
	rawDL    time.Time
	refDay   int
	variant  int
	pref     preference
	prefWhat string // how explanations name the preference, before its time (see preferenceText)
	dayBound bool   // an occurrence: its window is its day
	winErr   Reason // set when the window is empty
	winMsg   string
	// previous is the slot a replanned task missed.
	previous time.Time
	// displacedBy names the task that took this displaced task's slot.
	displacedBy string
	lost        ival
	seq         int
}

// less orders items: priority, then earliest deadline, then earliest start,
// then id and occurrence, so the order never depends on the input's order.
func (a *item) less(b *item) bool {
	if a.rank != b.rank {
		return a.rank > b.rank
	}
	if a.deadline != b.deadline {
		return a.deadline < b.deadline
	}
	if a.lo != b.lo {
		return a.lo < b.lo
	}
	if a.id != b.id {
		return a.id < b.id
	}
	if !a.occ.Equal(b.occ) {
		return a.occ.Before(b.occ)
	}
	return a.seq < b.seq
}

// compare is less as a three-way comparison, for sorting.
func (a *item) compare(b *item) int {
	switch {
	case a.rank != b.rank:
		return cmp.Compare(b.rank, a.rank)
	case a.deadline != b.deadline:
		return cmp.Compare(a.deadline, b.deadline)
	case a.lo != b.lo:
		return cmp.Compare(a.lo, b.lo)
	case a.id != b.id:
		return strings.Compare(a.id, b.id)
	case !a.occ.Equal(b.occ):
		return a.occ.Compare(b.occ)
	}
	return cmp.Compare(a.seq, b.seq)
}

// state is one run of the engine.
type state struct {
	opt    *Options
	p      *prepared
	cal    *calendar
	replan bool
	buf    int64
	cap    int64
	// static holds events and immovable fixed tasks widened by the buffer,
	// merged.
	static []ival
	// placed holds placements widened by the buffer, sorted by start.
	placed    []ival
	placedMax int64
	// res holds movable fixed tasks sorted by widened start.
	res    []reservation
	resMax int64
	// used is the minutes of tasks per day: fixed tasks and placements.
	used []int64
	// longest is the longest allowed stretch in the horizon per variant.
	longest [2]int64
	weights *[7][24]float64

	queue     []*item
	seq       int
	out       Result
	blocksBuf []ival
	mergeBuf  []ival // scratch of blocks
	mergedBuf []ival // what blocks returns when it merges
	segBuf    []ival // scratch of search
	// searched remembers whether searches found a slot (see searchKey),
	// valid while its gen is commits.
	searched map[searchKey]searchMemo
	commits  int
	candBuf  []int64
}

// newState builds the calendar and the busy time of a prepared input.
func newState(opt *Options, p *prepared, replan bool) *state {
	r := &p.in.Rules
	st := &state{
		opt: opt, p: p, replan: replan,
		cal:     newCalendar(r, p.lower, p.upper),
		buf:     int64(r.BufferMinutes),
		cap:     int64(r.DailyCapMinutes),
		weights: p.in.Weights,
	}
	st.used = make([]int64, len(st.cal.days))
	for v := range st.longest {
		for _, iv := range clip(st.cal.allowed[v], p.lower, p.upper) {
			st.longest[v] = max(st.longest[v], iv.len())
		}
	}
	var static []ival
	for _, b := range p.in.Busy {
		if b.Kind == BusyTask && p.taskIDs[b.ID] {
			continue
		}
		raw := ival{floorMin(b.Start), ceilMin(b.End)}
		exp := ival{raw.s - st.buf, raw.e + st.buf}
		dur := busyMinutes(b)
		day := st.cal.dayOf(raw.s)
		if b.Kind == BusyTask && day >= 0 {
			st.used[day] += dur
		}
		if b.Kind == BusyTask && b.Movable {
			st.res = append(st.res, reservation{b: b, raw: raw, exp: exp, dur: dur, prio: b.Priority.Rank(), day: day, active: true})
			st.resMax = max(st.resMax, exp.len())
			continue
		}
		static = append(static, exp)
	}
	slices.SortFunc(static, func(a, b ival) int { return cmp.Or(cmp.Compare(a.s, b.s), cmp.Compare(a.e, b.e)) })
	for _, v := range static {
		st.static = appendIval(st.static, v)
	}
	slices.SortFunc(st.res, func(a, b reservation) int {
		return cmp.Or(cmp.Compare(a.exp.s, b.exp.s), cmp.Compare(a.exp.e, b.exp.e),
			cmp.Compare(a.prio, b.prio), cmp.Compare(a.b.ID, b.b.ID))
	})
	return st
}

// items turns the input's tasks into items, expanding recurring tasks.
func (st *state) items() ([]*item, error) {
	p := st.p
	items := make([]*item, 0, len(p.tasks))
	// Items come from slabs: one allocation for many.
	var slab []item
	newItem := func(v item) *item {
		if len(slab) == cap(slab) {
			slab = make([]item, 0, min(max(len(p.tasks)-len(items), 16), 1024))
		}
		slab = append(slab, v)
		return &slab[len(slab)-1]
	}
	for ti, t := range p.tasks {
		base := item{
			id: t.ID, d: int64(t.DurationMinutes),
			prio: cmp.Or(t.Priority, flux.PriorityStandard), rank: t.Priority.Rank(),
			pref: p.prefs[ti], variant: outsideWork, previous: t.Previous,
			deadline: math.MaxInt64, rawDL: t.Deadline,
		}
		if t.AllowWorkHours {
			base.variant = anyHours
		}
		if base.pref.kind != prefNone {
			base.prefWhat = "the preferred time"
		}
		lo, hi := p.lower, p.upper
		if !t.EarliestStart.IsZero() {
			lo = max(lo, ceilMin(t.EarliestStart))
		}
		if !t.Deadline.IsZero() {
			dl := floorMin(t.Deadline)
			hi = min(hi, dl)
			base.deadline, base.hasDL = dl, true
		}
		spec := p.occRules[ti]
		if spec == nil || st.replan {
			it := base
			it.lo, it.hi = lo, hi
			if st.replan && it.pref.kind == prefNone && !t.Previous.IsZero() {
				prev := t.Previous.In(st.cal.loc)
				it.pref = preference{kind: prefAt, at: prev.Hour()*60 + prev.Minute()}
				it.prefWhat = "its old time"
			}
			st.window(&it, t)
			items = append(items, newItem(it))
			continue
		}
		occs, err := spec.occurrences(st.cal, t.Anchor, p.in.To)
		if err != nil {
			return nil, flux.Invalid("invalid scheduler input", flux.FieldError{
				Field: fmt.Sprintf("tasks[%d].recurrence_rule", ti), Message: err.Error()})
		}
		for _, v := range occs {
			di := st.cal.dayOf(floorMin(v))
			if di < 0 {
				continue
			}
			dy := st.cal.days[di]
			it := base
			it.occ, it.dayBound, it.refDay = v, true, di
			it.lo, it.hi = max(lo, dy.start), min(hi, dy.end)
			if it.lo >= it.hi {
				continue // a day gone by or outside the task's own window
			}
			it.deadline = it.hi
			// An occurrence aims at its own time of day: when the task has
			// no preference, or a named one (evening) the time lies in.
			mod := v.Hour()*60 + v.Minute()
			timed := spec.hasTime || !t.Anchor.IsZero()
			if timed && (it.pref.kind == prefNone || (it.pref.kind == prefWindow && mod >= it.pref.ws && mod < it.pref.we)) {
				it.pref = preference{kind: prefAt, at: mod}
				it.prefWhat = "its usual time"
			}
			items = append(items, newItem(it))
		}
		if len(items) > st.opt.MaxItems {
			return nil, flux.Invalid("invalid scheduler input", flux.FieldError{
				Field: "tasks", Message: fmt.Sprintf("recurring tasks expand to more than %d occurrences", st.opt.MaxItems)})
		}
	}
	for i, it := range items {
		it.seq = i
	}
	st.seq = len(items)
	return items, nil
}

// window checks a one-off item's window and sets its reference day.
func (st *state) window(it *item, t TaskInput) {
	loc := st.cal.loc
	switch {
	case !t.Deadline.IsZero() && !t.EarliestStart.IsZero() && !t.EarliestStart.Before(t.Deadline):
		it.winErr, it.winMsg = ReasonEmptyWindow, fmt.Sprintf("the earliest start %s is not before the deadline %s",
			fmtTime(t.EarliestStart.In(loc)), fmtTime(t.Deadline.In(loc)))
	case it.hasDL && it.deadline <= st.p.now:
		it.winErr, it.winMsg = ReasonDeadlinePassed, fmt.Sprintf("the deadline %s has passed", fmtTime(t.Deadline.In(loc)))
	case it.hasDL && it.deadline <= st.p.lower:
		it.winErr, it.winMsg = ReasonOutsideHorizon, fmt.Sprintf("the deadline %s is before the horizon starts (%s)",
			fmtTime(t.Deadline.In(loc)), fmtTime(st.cal.at(st.p.lower)))
	case st.p.lower >= st.p.upper:
		it.winErr, it.winMsg = ReasonOutsideHorizon, fmt.Sprintf("the horizon ended at %s, before now", fmtTime(minuteTime(st.p.upper, loc)))
	case it.lo >= st.p.upper:
		it.winErr, it.winMsg = ReasonOutsideHorizon, fmt.Sprintf("it may only start after the horizon ends (%s)",
			fmtTime(minuteTime(st.p.upper, loc)))
	case it.lo >= it.hi:
		it.winErr, it.winMsg = ReasonNoSlotBeforeDeadline, "no time is left between its earliest start and its deadline"
	}
	if it.winErr == "" {
		it.refDay = st.cal.dayOf(it.lo)
	}
}

// place runs the queue: each item in order takes its best slot, without
// displacing anything if it can, else displacing lower priority movable
// tasks.
func (st *state) place(items []*item) {
	slices.SortFunc(items, (*item).compare)
	st.queue = items
	for len(st.queue) > 0 {
		it := st.queue[0]
		st.queue = st.queue[1:]
		if it.winErr != "" {
			st.unplace(it, it.winErr, it.winMsg)
			continue
		}
		if c, ok := st.search(it, false, false); ok {
			st.commit(it, c)
			continue
		}
		if st.hasLower(it) {
			if c, ok := st.search(it, true, false); ok {
				st.commit(it, c)
				continue
			}
		}
		r, msg := st.diagnose(it)
		st.unplace(it, r, msg)
	}
}

// hasLower reports whether an active movable task of lower priority than
// the item exists.
func (st *state) hasLower(it *item) bool {
	for i := range st.res {
		if st.res[i].active && st.res[i].prio < it.rank {
			return true
		}
	}
	return false
}

// push inserts an item into the queue at its place in the order.
func (st *state) push(it *item) {
	it.seq = st.seq
	st.seq++
	i := sort.Search(len(st.queue), func(i int) bool { return it.less(st.queue[i]) })
	st.queue = slices.Insert(st.queue, i, it)
}

// unplace records an item that found no slot.
func (st *state) unplace(it *item, r Reason, msg string) {
	u := Unplaced{TaskID: it.id, Occurrence: it.occ, Reason: r, Detail: msg}
	if it.displacedBy != "" {
		u.Detail = fmt.Sprintf("%s took its slot at %s, and %s", it.displacedBy, fmtTime(st.cal.at(it.lost.s)), msg)
	}
	st.out.Unplaced = append(st.out.Unplaced, u)
}

// diagnose names the reason an item found no slot.
func (st *state) diagnose(it *item) (Reason, string) {
	loc := st.cal.loc
	if it.d > st.longest[it.variant] {
		where := "outside work hours"
		if it.variant == anyHours {
			where = "in the horizon"
		}
		return ReasonLongerThanAnySlot, fmt.Sprintf("it needs %d minutes, but the rules (sleep, cutoff, work hours) leave at most %d minutes in a row %s",
			it.d, st.longest[it.variant], where)
	}
	if st.cap > 0 {
		if it.d > st.cap {
			return ReasonDailyCap, fmt.Sprintf("it needs %d minutes, more than the daily cap of %d minutes", it.d, st.cap)
		}
		if st.anySlot(it, true, true) {
			return ReasonDailyCap, "every day with a free " + strconv.FormatInt(it.d, 10) +
				"-minute slot already has its cap of " + strconv.FormatInt(st.cap, 10) + " scheduled minutes"
		}
	}
	switch {
	case it.dayBound:
		return ReasonNoSlotOnDay, fmt.Sprintf("no free %d-minute slot on %s", it.d, st.cal.at(it.lo).Format("Mon 2 Jan"))
	case it.hasDL && it.deadline <= st.p.upper:
		return ReasonNoSlotBeforeDeadline, fmt.Sprintf("no free %d-minute slot between %s and the deadline %s",
			it.d, fmtTime(st.cal.at(it.lo)), fmtTime(it.rawDL.In(loc)))
	}
	return ReasonNoSlotInHorizon, fmt.Sprintf("no free %d-minute slot between %s and the end of the horizon %s",
		it.d, fmtTime(st.cal.at(it.lo)), fmtTime(st.cal.at(st.p.upper)))
}

// result sorts and returns the decisions.
func (st *state) result() Result {
	r := st.out
	sortStable(r.Placements, func(a, b *Placement) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := strings.Compare(a.TaskID, b.TaskID); c != 0 {
			return c
		}
		return a.Occurrence.Compare(b.Occurrence)
	})
	sortStable(r.Unplaced, func(a, b *Unplaced) int {
		if c := strings.Compare(a.TaskID, b.TaskID); c != 0 {
			return c
		}
		return a.Occurrence.Compare(b.Occurrence)
	})
	sortStable(r.Displaced, func(a, b *Displacement) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.TaskID, b.TaskID)
	})
	if r.Placements == nil {
		r.Placements = []Placement{}
	}
	if r.Unplaced == nil {
		r.Unplaced = []Unplaced{}
	}
	if r.Displaced == nil {
		r.Displaced = []Displacement{}
	}
	return r
}

// sortStable sorts s as slices.SortStableFunc does, but by sorting
// positions, ties broken by position, and moving each element once: large
// results of big elements sort much faster.
func sortStable[T any](s []T, compare func(a, b *T) int) {
	if len(s) < 64 {
		slices.SortStableFunc(s, func(a, b T) int { return compare(&a, &b) })
		return
	}
	pos := make([]int32, len(s))
	for i := range pos {
		pos[i] = int32(i)
	}
	slices.SortFunc(pos, func(i, j int32) int {
		if c := compare(&s[i], &s[j]); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	sorted := make([]T, len(s))
	for i, p := range pos {
		sorted[i] = s[p]
	}
	copy(s, sorted)
}

// busyMinutes returns the length of a busy interval in minutes, rounded up.
func busyMinutes(b Busy) int64 {
	d := b.End.Sub(b.Start)
	m := int64(d / time.Minute)
	if d%time.Minute != 0 {
		m++
	}
	return m
}

// fmtTime formats a local time for explanations.
func fmtTime(t time.Time) string { return t.Format("Mon 2 Jan 15:04") }
