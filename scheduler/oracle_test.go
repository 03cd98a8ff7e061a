package scheduler

// An independent oracle of the scheduling rules, written from the package
// documentation minute by minute on the wall clock, sharing no code with the
// engine. The property tests check every placement against it, and compare
// "unplaced" with a brute-force search over every minute.

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/teambition/rrule-go"
)

// oracle holds per-minute facts about a stretch of time.
type oracle struct {
	in     Input
	loc    *time.Location
	base   int64 // first minute covered
	n      int
	noWork []int32 // prefix sums of minutes forbidden for tasks kept out of work hours
	any    []int32 // prefix sums of minutes forbidden for all tasks
	date   []int32 // local date of each minute, yyyymmdd
}

func unixMin(t time.Time) int64 { return t.Unix() / 60 }

func newOracle(in Input) *oracle {
	// The documented defaults.
	if in.From.IsZero() {
		in.From = in.Now
	}
	if in.To.IsZero() {
		in.To = in.From.Add(14 * 24 * time.Hour)
	}
	loc := in.Rules.Location
	if loc == nil {
		loc = time.UTC
	}
	lo := in.Now
	if !in.From.IsZero() && in.From.Before(lo) {
		lo = in.From
	}
	base := unixMin(lo) - 2*1440
	n := int(unixMin(in.To)-base) + 2*1440
	o := &oracle{in: in, loc: loc, base: base, n: n,
		noWork: make([]int32, n+1), any: make([]int32, n+1), date: make([]int32, n)}
	r := in.Rules
	for i := 0; i < n; i++ {
		lt := time.Unix((base+int64(i))*60, 0).In(loc)
		tod := lt.Hour()*60 + lt.Minute()
		y, m, d := lt.Date()
		o.date[i] = int32(y*10000 + int(m)*100 + d)
		bad := oSleep(r, tod) || oCutoff(r, tod)
		work := oWork(r, lt.Weekday(), tod)
		o.any[i+1] = o.any[i] + b2i(bad)
		o.noWork[i+1] = o.noWork[i] + b2i(bad || work)
	}
	return o
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// oSleep: minute-of-day tod is in the sleep window.
func oSleep(r Rules, tod int) bool {
	s, e := r.Sleep.Start.Minutes(), r.Sleep.End.Minutes()
	switch {
	case s == e:
		return false
	case s < e:
		return tod >= s && tod < e
	}
	return tod >= s || tod < e
}

// oCutoff: tod is after the cutoff and before the sleep window starts.
func oCutoff(r Rules, tod int) bool {
	c := r.CutoffHour * 60
	s, e := r.Sleep.Start.Minutes(), r.Sleep.End.Minutes()
	if s == e {
		return c > 0 && tod >= c
	}
	if oSleep(r, c) || c == s%1440 {
		return false
	}
	s %= 1440
	if c < s {
		return tod >= c && tod < s
	}
	return tod >= c || tod < s
}

// oWork: tod on weekday wd is in work hours.
func oWork(r Rules, wd time.Weekday, tod int) bool {
	for _, w := range r.WorkHours[wd] {
		s, e := w.Start.Minutes(), w.End.Minutes()
		if s < e && tod >= s && tod < e {
			return true
		}
		if e < s && tod >= s {
			return true
		}
	}
	for _, w := range r.WorkHours[(wd+6)%7] {
		s, e := w.Start.Minutes(), w.End.Minutes()
		if e < s && tod < e {
			return true
		}
	}
	return false
}

// allowed reports whether every minute of [s, s+d) is allowed.
func (o *oracle) allowed(s, d int64, allowWork bool) bool {
	i, j := int(s-o.base), int(s-o.base+d)
	if i < 0 || j > o.n {
		return false
	}
	p := o.noWork
	if allowWork {
		p = o.any
	}
	return p[j]-p[i] == 0
}

func (o *oracle) dateOf(m int64) int32 { return o.date[int(m-o.base)] }

// spec is what the oracle knows about one thing placed or unplaced.
type spec struct {
	id        string
	occ       time.Time
	d         int64
	rank      int
	allowWork bool
	lo, hi    int64 // starts >= lo, ends <= hi
	dateOnly  int32 // occurrences: every minute on this local date
}

// taskSpec returns the spec of a task or one of its occurrences.
func (o *oracle) taskSpec(t TaskInput, occ time.Time) spec {
	sp := spec{id: t.ID, occ: occ, d: int64(t.DurationMinutes), rank: t.Priority.Rank(), allowWork: t.AllowWorkHours}
	sp.lo = max(ceilMinute(o.in.Now), ceilMinute(o.in.From))
	sp.hi = unixMin(o.in.To)
	if !t.EarliestStart.IsZero() {
		sp.lo = max(sp.lo, ceilMinute(t.EarliestStart))
	}
	if !t.Deadline.IsZero() {
		sp.hi = min(sp.hi, unixMin(t.Deadline))
	}
	if !occ.IsZero() {
		y, m, d := occ.In(o.loc).Date()
		sp.dateOnly = int32(y*10000 + int(m)*100 + d)
		ds := time.Date(y, m, d, 0, 0, 0, 0, o.loc)
		sp.lo = max(sp.lo, unixMin(ds))
		sp.hi = min(sp.hi, unixMin(time.Date(y, m, d+1, 0, 0, 0, 0, o.loc)))
	}
	return sp
}

// durMin is a busy interval's length in minutes, rounded up.
func durMin(b Busy) int64 { return int64(math.Ceil(b.End.Sub(b.Start).Minutes())) }

func ceilMinute(t time.Time) int64 {
	m := unixMin(t)
	if t.Unix()%60 != 0 || t.Nanosecond() != 0 {
		m++
	}
	return m
}

func (o *oracle) busySpec(b Busy) spec {
	sp := spec{id: b.ID, d: durMin(b), rank: b.Priority.Rank(), allowWork: b.AllowWorkHours}
	sp.lo = max(ceilMinute(o.in.Now), ceilMinute(o.in.From))
	sp.hi = unixMin(o.in.To)
	if !b.Deadline.IsZero() {
		sp.hi = min(sp.hi, unixMin(b.Deadline))
	}
	return sp
}

// expectedOccurrences expands a recurring task with rrule-go directly.
func (o *oracle) expectedOccurrences(t TaskInput) []time.Time {
	rule := t.RecurrenceRule
	if !strings.Contains(strings.ToUpper(rule), "DTSTART") {
		rule = strings.ToUpper(rule)
	}
	opt, err := rrule.StrToROptionInLocation(rule, o.loc)
	if err != nil {
		panic(err)
	}
	lower := max(ceilMinute(o.in.Now), ceilMinute(o.in.From))
	first := time.Unix(lower*60, 0).In(o.loc)
	y, m, d := first.Date()
	firstDay := time.Date(y, m, d, 0, 0, 0, 0, o.loc)
	if opt.Dtstart.IsZero() {
		opt.Dtstart = firstDay
		if !t.Anchor.IsZero() {
			opt.Dtstart = t.Anchor.In(o.loc)
		}
	}
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		panic(err)
	}
	var out []time.Time
	for _, v := range r.Between(firstDay, o.in.To, true) {
		if !v.Before(o.in.To) {
			continue
		}
		sp := o.taskSpec(t, v)
		if sp.lo < sp.hi {
			out = append(out, v)
		}
	}
	return out
}

// violations lists the broken rules found by check and bruteForce.
type violations []string

func (v *violations) add(format string, args ...any) { *v = append(*v, fmt.Sprintf(format, args...)) }

// check verifies a result against every rule and returns what is wrong.
func (o *oracle) check(res Result) violations {
	var bad violations
	in := o.in
	buf := time.Duration(in.Rules.BufferMinutes) * time.Minute
	tasks := map[string]TaskInput{}
	for _, t := range in.Tasks {
		tasks[t.ID] = t
	}
	busy := map[string]Busy{}
	for _, b := range in.Busy {
		busy[b.ID] = b
	}
	displaced := map[string]Displacement{}
	for _, d := range res.Displaced {
		if _, dup := displaced[d.TaskID]; dup {
			bad.add("%s displaced twice", d.TaskID)
		}
		displaced[d.TaskID] = d
	}
	rankOf := map[string]int{}
	for id, t := range tasks {
		rankOf[id] = t.Priority.Rank()
	}
	for id, b := range busy {
		if _, isTask := tasks[id]; !isTask {
			rankOf[id] = b.Priority.Rank()
		}
	}
	// kept: busy time still in place.
	var kept []Busy
	for _, b := range in.Busy {
		if _, isTask := tasks[b.ID]; b.Kind == BusyTask && isTask {
			continue
		}
		if _, gone := displaced[b.ID]; gone {
			continue
		}
		kept = append(kept, b)
	}
	seen := map[string]int{}
	perDate := map[int32]int64{}
	placedDates := map[int32]bool{}
	for _, p := range res.Placements {
		key := p.TaskID + "@" + p.Occurrence.String()
		seen[key]++
		var sp spec
		if t, ok := tasks[p.TaskID]; ok {
			if (t.RecurrenceRule != "") != !p.Occurrence.IsZero() {
				bad.add("%s: occurrence %v for rule %q", key, p.Occurrence, t.RecurrenceRule)
			}
			sp = o.taskSpec(t, p.Occurrence)
		} else if b, ok := busy[p.TaskID]; ok {
			if _, ok := displaced[p.TaskID]; !ok {
				bad.add("%s placed but not displaced", key)
			}
			sp = o.busySpec(b)
		} else {
			bad.add("%s: unknown task", key)
			continue
		}
		s, e := unixMin(p.Start), unixMin(p.End)
		if p.Start.Unix()%60 != 0 || p.End.Unix()%60 != 0 || p.Start.Nanosecond() != 0 {
			bad.add("%s: not on whole minutes", key)
		}
		if p.Start.Location().String() != o.loc.String() {
			bad.add("%s: start in %s, not the user's zone", key, p.Start.Location())
		}
		if e-s != sp.d {
			bad.add("%s: lasts %d min, want %d", key, e-s, sp.d)
		}
		if p.Start.Before(in.Now) {
			bad.add("%s: starts %v before now %v", key, p.Start, in.Now)
		}
		if s < sp.lo || e > sp.hi {
			bad.add("%s: [%v, %v) outside its window", key, p.Start, p.End)
		}
		if !o.allowed(s, e-s, sp.allowWork) {
			bad.add("%s: [%v, %v) in sleep, cutoff or work hours", key, p.Start, p.End)
		}
		if sp.dateOnly != 0 && (o.dateOf(s) != sp.dateOnly || o.dateOf(e-1) != sp.dateOnly) {
			bad.add("%s: not on its occurrence's day", key)
		}
		for _, b := range kept {
			if p.Start.Before(b.End.Add(buf)) && b.Start.Add(-buf).Before(p.End) {
				bad.add("%s: [%v, %v) within the buffer of busy %s [%v, %v)", key, p.Start, p.End, b.ID, b.Start, b.End)
			}
		}
		perDate[o.dateOf(s)] += e - s
		placedDates[o.dateOf(s)] = true
	}
	for i, p := range res.Placements {
		for _, q := range res.Placements[i+1:] {
			if p.Start.Before(q.End.Add(buf)) && q.Start.Add(-buf).Before(p.End) {
				bad.add("%s and %s closer than the buffer: [%v,%v) [%v,%v)", p.TaskID, q.TaskID, p.Start, p.End, q.Start, q.End)
			}
		}
	}
	if c := int64(in.Rules.DailyCapMinutes); c > 0 {
		for _, b := range kept {
			if b.Kind == BusyTask {
				m := unixMin(b.Start)
				if m >= o.base && m < o.base+int64(o.n) {
					perDate[o.dateOf(m)] += durMin(b)
				}
			}
		}
		for dt := range placedDates {
			if perDate[dt] > c {
				bad.add("date %d has %d scheduled minutes, cap %d", dt, perDate[dt], c)
			}
		}
	}
	for _, u := range res.Unplaced {
		seen[u.TaskID+"@"+u.Occurrence.String()]++
		if u.Reason == "" || u.Detail == "" {
			bad.add("%s unplaced without reason", u.TaskID)
		}
	}
	// Every task, occurrence and displaced task exactly once.
	want := map[string]bool{}
	for _, t := range in.Tasks {
		if t.RecurrenceRule == "" {
			want[t.ID+"@"+time.Time{}.String()] = true
			continue
		}
		for _, v := range o.expectedOccurrences(t) {
			want[t.ID+"@"+v.String()] = true
		}
	}
	for id := range displaced {
		want[id+"@"+time.Time{}.String()] = true
	}
	for k := range want {
		if seen[k] != 1 {
			bad.add("%s appears %d times in the result", k, seen[k])
		}
	}
	for k := range seen {
		if !want[k] {
			bad.add("%s in the result but not expected", k)
		}
	}
	// Displacements: lower priority, movable, and forced by the displacer.
	for _, d := range res.Displaced {
		b, ok := busy[d.TaskID]
		if !ok || b.Kind != BusyTask || !b.Movable {
			bad.add("%s displaced but not a movable task", d.TaskID)
			continue
		}
		if b.Priority.Rank() >= rankOf[d.By] {
			bad.add("%s displaced by %s of no higher priority", d.TaskID, d.By)
		}
		forced := false
		for _, p := range res.Placements {
			if p.TaskID != d.By {
				continue
			}
			if p.Start.Before(b.End.Add(buf)) && b.Start.Add(-buf).Before(p.End) {
				forced = true
			}
			if in.Rules.DailyCapMinutes > 0 && o.dateOf(unixMin(p.Start)) == o.dateOf(unixMin(b.Start)) {
				forced = true
			}
		}
		if !forced {
			bad.add("%s displaced by %s without need", d.TaskID, d.By)
		}
	}
	sort.Strings(bad)
	return bad
}

// bruteForce checks every unplaced item: no start minute in its window is
// feasible against what it could not move (events, fixed tasks it may not
// displace, placements of equal or higher priority), and its reason code
// is consistent.
func (o *oracle) bruteForce(res Result) violations {
	var bad violations
	in := o.in
	b := int64(in.Rules.BufferMinutes)
	tasks := map[string]TaskInput{}
	for _, t := range in.Tasks {
		tasks[t.ID] = t
	}
	busy := map[string]Busy{}
	for _, x := range in.Busy {
		busy[x.ID] = x
	}
	displaced := map[string]bool{}
	for _, d := range res.Displaced {
		displaced[d.TaskID] = true
	}
	lower := max(ceilMinute(in.Now), ceilMinute(in.From))
	upper := unixMin(in.To)
	for _, u := range res.Unplaced {
		var sp spec
		if t, ok := tasks[u.TaskID]; ok {
			sp = o.taskSpec(t, u.Occurrence)
		} else {
			sp = o.busySpec(busy[u.TaskID])
		}
		var hard []ival  // cannot move for this item
		var equal []ival // placements of the same priority
		used := map[int32]int64{}
		for _, x := range in.Busy {
			if _, isTask := tasks[x.ID]; x.Kind == BusyTask && isTask {
				continue
			}
			iv := ival{unixMin(x.Start), ceilMinute(x.End)}
			switch {
			case x.Kind == BusyEvent:
				hard = append(hard, iv)
			case displaced[x.ID]:
			case !x.Movable || x.Priority.Rank() >= sp.rank:
				hard = append(hard, iv)
				if iv.s >= o.base && iv.s < o.base+int64(o.n) {
					used[o.dateOf(iv.s)] += durMin(x)
				}
			default:
				// a lower priority movable task: the item may displace it
			}
		}
		for _, p := range res.Placements {
			r := 0
			if t, ok := tasks[p.TaskID]; ok {
				r = t.Priority.Rank()
			} else {
				r = busy[p.TaskID].Priority.Rank()
			}
			if r < sp.rank {
				continue
			}
			iv := ival{unixMin(p.Start), unixMin(p.End)}
			if r == sp.rank {
				// placed after this item perhaps: not an obstacle when
				// checking that a daily_cap item had room apart from the cap
				equal = append(equal, iv)
			} else {
				hard = append(hard, iv)
			}
			used[o.dateOf(iv.s)] += iv.len()
		}
		c := int64(in.Rules.DailyCapMinutes)
		var roomy func(int64, bool) bool
		feasible := func(s int64, useCap bool) bool {
			for _, h := range equal {
				if s < h.e+b && h.s-b < s+sp.d {
					return false
				}
			}
			return roomy(s, useCap)
		}
		roomy = func(s int64, useCap bool) bool {
			if !o.allowed(s, sp.d, sp.allowWork) {
				return false
			}
			if sp.dateOnly != 0 && (o.dateOf(s) != sp.dateOnly || o.dateOf(s+sp.d-1) != sp.dateOnly) {
				return false
			}
			for _, h := range hard {
				if s < h.e+b && h.s-b < s+sp.d {
					return false
				}
			}
			if useCap && c > 0 && used[o.dateOf(s)]+sp.d > c {
				return false
			}
			return true
		}
		found, foundNoCap := int64(-1), int64(-1)
		for s := sp.lo; s+sp.d <= sp.hi; s++ {
			if feasible(s, true) {
				found = s
				break
			}
			if foundNoCap < 0 && feasible(s, false) {
				foundNoCap = s
			}
		}
		key := u.TaskID + "@" + u.Occurrence.String()
		if found >= 0 {
			bad.add("%s unplaced (%s: %s) but %v is free", key, u.Reason, u.Detail, time.Unix(found*60, 0).In(o.loc))
		}
		switch u.Reason {
		case ReasonLongerThanAnySlot:
			for s := lower; s+sp.d <= upper; s++ {
				if o.allowed(s, sp.d, sp.allowWork) {
					bad.add("%s: longer_than_any_slot, but the rules allow %v", key, time.Unix(s*60, 0).In(o.loc))
					break
				}
			}
		case ReasonDailyCap:
			ok := sp.d > c
			for s := sp.lo; s+sp.d <= sp.hi && !ok; s++ {
				ok = roomy(s, false)
			}
			if !ok {
				bad.add("%s: daily_cap, but no slot even without the cap", key)
			}
		case ReasonNoSlotBeforeDeadline, ReasonNoSlotInHorizon, ReasonNoSlotOnDay:
			if foundNoCap >= 0 && c > 0 {
				bad.add("%s: %s, but %v is free apart from the cap", key, u.Reason, time.Unix(foundNoCap*60, 0).In(o.loc))
			}
		}
	}
	sort.Strings(bad)
	return bad
}

// describe prints an input for a failing property.
func describe(in Input) string {
	var b strings.Builder
	fmt.Fprintf(&b, "zone %s now %v from %v to %v\n", in.Rules.Location, in.Now, in.From, in.To)
	r := in.Rules
	fmt.Fprintf(&b, "sleep %s-%s cutoff %d buffer %d cap %d\n", r.Sleep.Start, r.Sleep.End, r.CutoffHour, r.BufferMinutes, r.DailyCapMinutes)
	for d, ws := range r.WorkHours {
		for _, w := range ws {
			fmt.Fprintf(&b, "work %s %s-%s\n", flux.Weekday(d), w.Start, w.End)
		}
	}
	for _, t := range in.Tasks {
		fmt.Fprintf(&b, "task %+v\n", t)
	}
	for _, x := range in.Busy {
		fmt.Fprintf(&b, "busy %+v\n", x)
	}
	return b.String()
}

// earliestDay checks Replan's promise: a task that displaced nothing sits on
// the earliest local day where it could go. Obstacles are every busy
// interval at its original place and every placement of equal or higher
// priority, a superset of what the task met at its turn, so a free slot on
// an earlier day here was free then too.
func (o *oracle) earliestDay(res Result) violations {
	var bad violations
	in := o.in
	b := int64(in.Rules.BufferMinutes)
	c := int64(in.Rules.DailyCapMinutes)
	tasks := map[string]TaskInput{}
	for _, t := range in.Tasks {
		tasks[t.ID] = t
	}
	displacers := map[string]bool{}
	for _, d := range res.Displaced {
		displacers[d.By] = true
	}
	for i, p := range res.Placements {
		t, ok := tasks[p.TaskID]
		if !ok || displacers[p.TaskID] {
			continue
		}
		sp := o.taskSpec(t, time.Time{})
		var obst []ival
		used := map[int32]int64{}
		for _, x := range in.Busy {
			if _, isTask := tasks[x.ID]; x.Kind == BusyTask && isTask {
				continue
			}
			obst = append(obst, ival{unixMin(x.Start), ceilMinute(x.End)})
			if m := unixMin(x.Start); x.Kind == BusyTask && m >= o.base && m < o.base+int64(o.n) {
				used[o.dateOf(m)] += durMin(x)
			}
		}
		for j, q := range res.Placements {
			r := 0
			if qt, ok := tasks[q.TaskID]; ok {
				r = qt.Priority.Rank()
			}
			if j == i || r < sp.rank {
				continue
			}
			obst = append(obst, ival{unixMin(q.Start), unixMin(q.End)})
			used[o.dateOf(unixMin(q.Start))] += unixMin(q.End) - unixMin(q.Start)
		}
		day := o.dateOf(unixMin(p.Start))
		for s := sp.lo; s+sp.d <= sp.hi && o.dateOf(s) < day; s++ {
			if !o.allowed(s, sp.d, sp.allowWork) || (c > 0 && used[o.dateOf(s)]+sp.d > c) {
				continue
			}
			free := true
			for _, h := range obst {
				if s < h.e+b && h.s-b < s+sp.d {
					free = false
					break
				}
			}
			if free {
				bad.add("%s replanned to %v, but %v on an earlier day is free", p.TaskID, p.Start, time.Unix(s*60, 0).In(o.loc))
				break
			}
		}
	}
	return bad
}
