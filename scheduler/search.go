package scheduler

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// cand is a chosen slot: its start, score and the movable tasks it
// displaces (indexes into state.res).
type cand struct {
	s         int64
	day       int
	score     float64
	displaced []int
}

// blocks returns the busy intervals (widened by the buffer) that meet
// [lo, hi), sorted by start. In soft mode, movable tasks of lower priority
// than rank are left out: they may be displaced.
func (st *state) blocks(lo, hi int64, rank int, soft bool) []ival {
	out := st.blocksBuf[:0]
	i := sort.Search(len(st.static), func(i int) bool { return st.static[i].e > lo })
	for ; i < len(st.static) && st.static[i].s < hi; i++ {
		out = append(out, st.static[i])
	}
	i = sort.Search(len(st.placed), func(i int) bool { return st.placed[i].s >= lo-st.placedMax })
	for ; i < len(st.placed) && st.placed[i].s < hi; i++ {
		if st.placed[i].e > lo {
			out = append(out, st.placed[i])
		}
	}
	i = sort.Search(len(st.res), func(i int) bool { return st.res[i].exp.s >= lo-st.resMax })
	for ; i < len(st.res) && st.res[i].exp.s < hi; i++ {
		r := &st.res[i]
		if r.active && r.exp.e > lo && (!soft || r.prio >= rank) {
			out = append(out, r.exp)
		}
	}
	slices.SortFunc(out, func(a, b ival) int { return cmp.Compare(a.s, b.s) })
	st.blocksBuf = out
	return out
}

// free returns the allowed minutes of variant v in [lo, hi) not covered by
// blocks (sorted by start).
func (st *state) free(lo, hi int64, v int, blocks []ival, dst []ival) []ival {
	for _, a := range clip(st.cal.allowed[v], lo, hi) {
		cur := a.s
		for _, b := range blocks {
			if b.s >= a.e {
				break
			}
			if b.e <= cur {
				continue
			}
			if b.s > cur {
				dst = append(dst, ival{cur, b.s})
			}
			cur = max(cur, b.e)
			if cur >= a.e {
				break
			}
		}
		if cur < a.e {
			dst = append(dst, ival{cur, a.e})
		}
	}
	return dst
}

// search finds the item's best slot. Soft mode lets it displace movable
// tasks of lower priority; ignoreCap drops the daily cap (for diagnosis).
func (st *state) search(it *item, soft, ignoreCap bool) (cand, bool) {
	first, last := st.cal.dayOf(it.lo), st.cal.dayOf(it.hi-1)
	if first < 0 || last < 0 || it.hi-it.lo < it.d {
		return cand{}, false
	}
	ref := min(max(it.refDay, first), last)
	dayCost := float64(st.opt.DayCost)
	if st.replan {
		dayCost = 1e5
	}
	slack := 0.0
	if st.weights != nil {
		slack = float64(st.opt.WeightCost)
	}
	base := 0.0
	if soft {
		base = softBase
	}
	var best cand
	found := false
	var segs []ival
	for dist := 0; ref-dist >= first || ref+dist <= last; dist++ {
		if found && base+float64(dist)*dayCost-slack > best.score {
			break
		}
		for side, di := range [2]int{ref + dist, ref - dist} {
			if di < first || di > last || (dist == 0 && side == 1) {
				continue
			}
			dy := st.cal.days[di]
			lo, hi := max(it.lo, dy.start), min(it.hi, dy.end+it.d)
			if hi-lo < it.d {
				continue
			}
			if st.cap > 0 && !ignoreCap {
				room := st.cap - st.used[di]
				if soft {
					room += st.lowerOnDay(di, it.rank)
				}
				if it.d > room {
					continue
				}
			}
			blocks := st.blocks(lo, hi, it.rank, soft)
			segs = st.free(lo, hi, it.variant, blocks, segs[:0])
			for _, sg := range segs {
				lastStart := min(sg.e-it.d, dy.end-1)
				if lastStart < sg.s {
					continue
				}
				for _, s := range st.candidates(it, di, sg.s, lastStart) {
					score := base + float64(dist)*dayCost + st.score(it, s)
					var disp []int
					if soft {
						var ok bool
						disp, ok = st.displaceSet(it, s, di, ignoreCap)
						if !ok {
							continue
						}
						score += softBase * float64(len(disp)-1)
					}
					if !found || score < best.score || (score == best.score && s < best.s) {
						best, found = cand{s: s, day: di, score: score, displaced: disp}, true
					}
				}
			}
		}
	}
	return best, found
}

// candidates returns the starts in [a, last] worth scoring on day di: the
// ends of the range, the preference's targets, hour boundaries when weights
// are set, and those rounded to the granularity.
func (st *state) candidates(it *item, di int, a, last int64) []int64 {
	raw := append(st.candBuf[:0], a, last)
	for _, t := range it.pref.targets(int(it.d)) {
		n := len(raw)
		raw = st.cal.wallMinutes(raw, di, t)
		// keep the targets inside [a, last]; the ends stand for the others
		kept := raw[:n]
		for _, m := range raw[n:] {
			if m > a && m < last {
				kept = append(kept, m)
			}
		}
		raw = kept
	}
	if st.weights != nil {
		// hour boundaries as starts, and as ends (spanWeight changes there)
		lt := st.cal.at(a)
		for hb := a + int64(60-lt.Minute()); hb <= last+it.d; hb += 60 {
			if hb <= last {
				raw = append(raw, hb, hb-1)
			}
			if e := hb - it.d; e > a && e <= last {
				raw = append(raw, e)
			}
		}
	}
	g := int64(st.opt.Granularity)
	if g > 1 {
		n := len(raw)
		for _, m := range raw[:n] {
			up := m + (g-m%g)%g
			down := up - g
			if up != m && up <= last {
				raw = append(raw, up)
			}
			if up != m && down >= a {
				raw = append(raw, down)
			}
		}
	}
	st.candBuf = raw
	return raw
}

// score is the cost of starting the item at s (lower is better), without
// the day cost: minutes from its preferred time, minus the weight of the
// hour, plus the granularity when s is not rounded.
func (st *state) score(it *item, s int64) float64 {
	lt := st.cal.at(s)
	sc := float64(it.pref.penalty(lt.Hour()*60+lt.Minute(), int(it.d)))
	if st.weights != nil {
		sc -= spanWeight(st.weights, lt, it.d) * float64(st.opt.WeightCost)
	}
	if g := int64(st.opt.Granularity); g > 1 && s%g != 0 {
		sc += float64(g)
	}
	return sc
}

// spanWeight is the weight of a task of d minutes starting at local time
// lt: the mean of the (clamped) weights of the hours it covers, each by the
// minutes it covers, so that a task overlapping an avoided hour pays for the
// overlap. It walks the wall clock from lt, so across a DST change the
// hours after the change are off by the shift.
func spanWeight(w *[7][24]float64, lt time.Time, d int64) float64 {
	if d <= 0 {
		return clampWeight(w[lt.Weekday()][lt.Hour()])
	}
	day, h, m := int(lt.Weekday()), lt.Hour(), int64(lt.Minute())
	var sum float64
	for left := d; left > 0; {
		n := min(60-m, left)
		sum += clampWeight(w[day][h]) * float64(n)
		left -= n
		m = 0
		if h++; h == 24 {
			h, day = 0, (day+1)%7
		}
	}
	return sum / float64(d)
}

// clampWeight limits a weight to [-1, 1].
func clampWeight(w float64) float64 {
	if math.IsNaN(w) {
		return 0
	}
	return max(-1, min(1, w))
}

// lowerOnDay returns the minutes of active movable tasks of lower priority
// than rank starting on day di.
func (st *state) lowerOnDay(di, rank int) int64 {
	var n int64
	for i := range st.res {
		if r := &st.res[i]; r.active && r.day == di && r.prio < rank {
			n += r.dur
		}
	}
	return n
}

// displaceSet returns the movable tasks a soft-mode slot at s displaces:
// those it overlaps (with the buffer) and, when the day would exceed its
// cap, more of the day's lower priority tasks, lowest priority and latest
// first. ok is false when even that cannot make room.
func (st *state) displaceSet(it *item, s int64, di int, ignoreCap bool) ([]int, bool) {
	slot := ival{s, s + it.d}
	var out []int
	freed := int64(0)
	i := sort.Search(len(st.res), func(i int) bool { return st.res[i].exp.s >= slot.s-st.resMax })
	for ; i < len(st.res) && st.res[i].exp.s < slot.e; i++ {
		r := &st.res[i]
		if r.active && r.prio < it.rank && r.exp.overlaps(slot) {
			out = append(out, i)
			if r.day == di {
				freed += r.dur
			}
		}
	}
	if st.cap > 0 && !ignoreCap && st.used[di]-freed+it.d > st.cap {
		var more []int
		for j := range st.res {
			r := &st.res[j]
			if r.active && r.day == di && r.prio < it.rank && !slices.Contains(out, j) {
				more = append(more, j)
			}
		}
		slices.SortFunc(more, func(a, b int) int {
			ra, rb := &st.res[a], &st.res[b]
			return cmp.Or(cmp.Compare(ra.prio, rb.prio), cmp.Compare(rb.raw.s, ra.raw.s), cmp.Compare(ra.b.ID, rb.b.ID))
		})
		for _, j := range more {
			if st.used[di]-freed+it.d <= st.cap {
				break
			}
			out = append(out, j)
			freed += st.res[j].dur
		}
		if st.used[di]-freed+it.d > st.cap {
			return nil, false
		}
	}
	return out, true
}

// commit places the item at the candidate, displacing what it must.
func (st *state) commit(it *item, c cand) {
	slot := ival{c.s, c.s + it.d}
	exp := ival{slot.s - st.buf, slot.e + st.buf}
	i := sort.Search(len(st.placed), func(i int) bool { return st.placed[i].s > exp.s })
	st.placed = slices.Insert(st.placed, i, exp)
	st.placedMax = max(st.placedMax, exp.len())
	st.used[c.day] += it.d
	var moved []string
	for _, j := range c.displaced {
		r := &st.res[j]
		r.active = false
		if r.day >= 0 {
			st.used[r.day] -= r.dur
		}
		moved = append(moved, r.b.ID)
		st.out.Displaced = append(st.out.Displaced, Displacement{
			TaskID: r.b.ID, By: it.id, Start: r.b.Start.In(st.cal.loc), End: r.b.End.In(st.cal.loc),
		})
		st.push(st.displacedItem(r, it.id))
	}
	st.out.Placements = append(st.out.Placements, Placement{
		TaskID: it.id, Occurrence: it.occ,
		Start: st.cal.at(slot.s), End: st.cal.at(slot.e),
		Explain: st.explain(it, c, moved),
	})
}

// displacedItem turns a displaced movable task into an item placed near its
// old slot.
func (st *state) displacedItem(r *reservation, by string) *item {
	b := r.b
	lt := st.cal.at(r.raw.s)
	it := &item{
		id: b.ID, d: r.dur, prio: b.Priority, rank: r.prio,
		lo: st.p.lower, hi: st.p.upper, deadline: math.MaxInt64, rawDL: b.Deadline,
		variant: outsideWork, displacedBy: by, lost: r.raw,
		pref:     preference{kind: prefAt, at: lt.Hour()*60 + lt.Minute(), name: lt.Format("15:04")},
		prefWhat: "its old time (" + lt.Format("15:04") + ")",
	}
	if it.prio == "" {
		it.prio = "standard"
	}
	if b.AllowWorkHours {
		it.variant = anyHours
	}
	if !b.Deadline.IsZero() {
		dl := floorMin(b.Deadline)
		it.hi = min(it.hi, dl)
		it.deadline, it.hasDL = dl, true
	}
	switch {
	case it.lo >= it.hi:
		it.winErr, it.winMsg = ReasonDeadlinePassed, "no time is left before its deadline"
	default:
		it.refDay = r.day
		if r.day < 0 || r.raw.s < it.lo {
			it.refDay = st.cal.dayOf(it.lo)
		}
	}
	return it
}

// explain says why the item went where it did.
func (st *state) explain(it *item, c cand, moved []string) string {
	var parts []string
	lt := st.cal.at(c.s)
	if it.displacedBy != "" {
		parts = append(parts, fmt.Sprintf("moved from %s because %s (higher priority) needed the slot", fmtTime(st.cal.at(it.lost.s)), it.displacedBy))
	}
	if st.replan && !it.previous.IsZero() {
		parts = append(parts, fmt.Sprintf("was planned for %s; next suitable slot", fmtTime(it.previous.In(st.cal.loc))))
	} else if st.replan {
		parts = append(parts, "next suitable slot")
	}
	if it.rank > 0 {
		parts = append(parts, string(it.prio)+" priority")
	}
	if it.pref.kind != prefNone {
		if off := it.pref.penalty(lt.Hour()*60+lt.Minute(), int(it.d)); off == 0 {
			parts = append(parts, "at "+it.prefWhat)
		} else {
			parts = append(parts, fmt.Sprintf("%d min from %s, the closest free time", off, it.prefWhat))
		}
	} else if !st.replan && c.day == max(it.refDay, 0) {
		parts = append(parts, "earliest free time")
	}
	if st.weights != nil {
		if w := clampWeight(st.weights[lt.Weekday()][lt.Hour()]); w >= 0.25 {
			parts = append(parts, "an hour you usually get things done")
		}
	}
	if it.variant == outsideWork && len(st.cal.work) > 0 {
		parts = append(parts, "outside work hours")
	}
	if it.hasDL {
		parts = append(parts, "before the deadline "+fmtTime(it.rawDL.In(st.cal.loc)))
	}
	if len(moved) > 0 {
		parts = append(parts, "displaced "+strings.Join(moved, ", ")+" (lower priority)")
	}
	if len(parts) == 0 {
		parts = append(parts, "free slot")
	}
	return strings.Join(parts, "; ")
}
