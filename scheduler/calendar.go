package scheduler

import (
	"sort"
	"time"
)

// The engine works in whole minutes since the Unix epoch (int64). Instants
// are rounded to the safe side: starts of allowed time up, ends down, busy
// intervals outwards.

// floorMin returns the minute containing t.
func floorMin(t time.Time) int64 {
	s := t.Unix()
	m := s / 60
	if s%60 < 0 {
		m--
	}
	return m
}

// ceilMin returns the first minute boundary at or after t.
func ceilMin(t time.Time) int64 {
	m := floorMin(t)
	if t.Unix() != m*60 || t.Nanosecond() != 0 {
		m++
	}
	return m
}

// ival is the half-open interval [s, e) of minutes.
type ival struct{ s, e int64 }

func (v ival) len() int64 { return v.e - v.s }

// overlaps reports whether v and w share a minute.
func (v ival) overlaps(w ival) bool { return v.s < w.e && w.s < v.e }

// day is one local calendar day of the horizon.
type day struct {
	start, end int64     // [local midnight, next local midnight)
	date       time.Time // local midnight
	wd         time.Weekday
	pieces     []piece // stretches with one UTC offset
}

// piece is a stretch [a0, a1) of a day in which minute a0+j shows
// minute-of-day c0+j (mod 1440).
type piece struct {
	a0, a1 int64
	c0     int
}

// variant indexes the allowed-time lists: tasks kept out of work hours, and
// tasks allowed in them.
const (
	outsideWork = 0
	anyHours    = 1
)

// calendar is the allowed time of a horizon under a set of rules.
type calendar struct {
	loc  *time.Location
	days []day
	// allowed[v] is the sorted, merged list of minutes the rules allow for
	// variant v: not in the sleep window, not after the cutoff, and (for
	// outsideWork) not in work hours.
	allowed [2][]ival
	// work is the sorted, merged list of work minutes.
	work []ival
	// longest[v] is the longest interval of allowed[v].
	longest [2]int64
}

// newCalendar lays out the local days from the one containing minute lo to
// the one containing minute hi-1 and what the rules allow in them.
func newCalendar(r *Rules, lo, hi int64) *calendar {
	loc := r.location()
	c := &calendar{loc: loc}
	if hi <= lo {
		return c
	}
	first := minuteTime(lo, loc)
	y, m, d := first.Date()
	sleep := windowRanges(r.Sleep)
	cut := r.cutoffRanges()
	for i := 0; ; i++ {
		ds := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		de := time.Date(y, m, d+i+1, 0, 0, 0, 0, loc)
		dy := day{start: floorMin(ds), end: floorMin(de), date: ds, wd: ds.Weekday()}
		if dy.start >= hi {
			break
		}
		work := r.workRanges(dy.wd)
		blockedAll := mergeClock(append(append([]clockRange(nil), sleep...), cut...))
		blockedOut := mergeClock(append(append(append([]clockRange(nil), sleep...), cut...), work...))
		allowAll, allowOut := complementClock(blockedAll), complementClock(blockedOut)
		workRanges := mergeClock(work)
		forPieces(ds, de, func(a0, a1 int64, c0 int) {
			dy.pieces = append(dy.pieces, piece{a0, a1, c0})
			c.allowed[anyHours] = appendClock(c.allowed[anyHours], allowAll, a0, a1, c0)
			c.allowed[outsideWork] = appendClock(c.allowed[outsideWork], allowOut, a0, a1, c0)
			c.work = appendClock(c.work, workRanges, a0, a1, c0)
		})
		c.days = append(c.days, dy)
	}
	for v := range c.allowed {
		for _, iv := range c.allowed[v] {
			c.longest[v] = max(c.longest[v], iv.len())
		}
	}
	return c
}

// forPieces calls f for each stretch of [ds, de) with one UTC offset, with
// the stretch's minutes [a0, a1) and the local minute-of-day c0 at a0.
func forPieces(ds, de time.Time, f func(a0, a1 int64, c0 int)) {
	t := ds
	for t.Before(de) {
		pe := de
		if _, zend := t.ZoneBounds(); !zend.IsZero() && zend.Before(de) && zend.After(t) {
			pe = zend
		}
		a0, a1 := floorMin(t), floorMin(pe)
		if a1 > a0 {
			f(a0, a1, t.Hour()*60+t.Minute())
		}
		t = pe.In(ds.Location())
	}
}

// appendClock appends to list the minutes of [a0, a1) whose local
// minute-of-day (c0 at a0, advancing one per minute) lies in ranges, merging
// with the list's last interval when they touch.
func appendClock(list []ival, ranges []clockRange, a0, a1 int64, c0 int) []ival {
	n := a1 - a0
	// Minute a0+j shows minute-of-day (c0+j) mod 1440, and c0+j < 2940.
	for k := int64(0); k <= 2880; k += 1440 {
		for _, r := range ranges {
			s := int64(r.s) + k - int64(c0)
			e := int64(r.e) + k - int64(c0)
			s, e = max(s, 0), min(e, n)
			if s < e {
				list = appendIval(list, ival{a0 + s, a0 + e})
			}
		}
	}
	return list
}

// appendIval appends v to a sorted list, merging when it touches the end.
func appendIval(list []ival, v ival) []ival {
	if n := len(list); n > 0 && v.s <= list[n-1].e {
		if v.e > list[n-1].e {
			list[n-1].e = v.e
		}
		return list
	}
	return append(list, v)
}

// mergeClock sorts and merges clock ranges.
func mergeClock(rs []clockRange) []clockRange {
	sort.Slice(rs, func(i, j int) bool { return rs[i].s < rs[j].s })
	var out []clockRange
	for _, r := range rs {
		if n := len(out); n > 0 && r.s <= out[n-1].e {
			out[n-1].e = max(out[n-1].e, r.e)
			continue
		}
		out = append(out, r)
	}
	return out
}

// complementClock returns the minutes of the day not in the merged ranges.
func complementClock(rs []clockRange) []clockRange {
	var out []clockRange
	at := 0
	for _, r := range rs {
		if r.s > at {
			out = append(out, clockRange{at, r.s})
		}
		at = max(at, r.e)
	}
	if at < 1440 {
		out = append(out, clockRange{at, 1440})
	}
	return out
}

// minuteTime returns minute m as a time in loc.
func minuteTime(m int64, loc *time.Location) time.Time {
	return time.Unix(m*60, 0).In(loc)
}

// at returns minute m as a time in the calendar's location.
func (c *calendar) at(m int64) time.Time { return minuteTime(m, c.loc) }

// dayOf returns the index of the day containing minute m, or -1.
func (c *calendar) dayOf(m int64) int {
	i := sort.Search(len(c.days), func(i int) bool { return c.days[i].end > m })
	if i == len(c.days) || c.days[i].start > m {
		return -1
	}
	return i
}

// wallMinutes appends to dst every minute of day i whose wall clock shows
// minute-of-day mod: none when the clocks skip it, two when they repeat it.
func (c *calendar) wallMinutes(dst []int64, i, mod int) []int64 {
	for _, p := range c.days[i].pieces {
		for k := 0; k <= 1440; k += 1440 {
			if m := p.a0 + int64(mod+k-p.c0); m >= p.a0 && m < p.a1 {
				dst = append(dst, m)
			}
		}
	}
	return dst
}

// clip returns the parts of the sorted list that lie in [lo, hi).
func clip(list []ival, lo, hi int64) []ival {
	i := sort.Search(len(list), func(i int) bool { return list[i].e > lo })
	var out []ival
	for ; i < len(list) && list[i].s < hi; i++ {
		out = append(out, ival{max(list[i].s, lo), min(list[i].e, hi)})
	}
	return out
}

// intersects reports whether [s, e) meets the sorted, merged list.
func intersects(list []ival, s, e int64) bool {
	i := sort.Search(len(list), func(i int) bool { return list[i].e > s })
	return i < len(list) && list[i].s < e
}
