package scheduler

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// Zones and days the generators draw from: the DST changes of 2026 in New
// York (8 Mar, 1 Nov), Berlin (29 Mar, 25 Oct) and Lord Howe Island, whose
// clocks move by 30 minutes (5 Apr, 4 Oct), India's +05:30, and UTC.
var (
	genZones = []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"}
	genDays  = []string{"2026-03-08", "2026-11-01", "2026-03-29", "2026-10-25", "2026-04-05", "2026-10-04", "2026-06-15", "2026-12-31"}
	genRules = []string{"FREQ=DAILY", "FREQ=DAILY;INTERVAL=2", "FREQ=WEEKLY;BYDAY=MO,WE,FR,SU", "FREQ=DAILY;BYHOUR=8,19;BYMINUTE=30"}
)

func mustLoad(t interface{ Fatalf(string, ...any) }, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func clock(m int) flux.ClockTime {
	m = (m%1440 + 1440) % 1440
	return flux.ClockTime{Hour: m / 60, Minute: m % 60}
}

// genInput draws a random scenario of up to maxHours hours.
func genInput(t *rapid.T, maxHours int) Input {
	loc := mustLoad(t, rapid.SampledFrom(genZones).Draw(t, "zone"))
	dayStr := rapid.SampledFrom(genDays).Draw(t, "day")
	d0, _ := time.ParseInLocation("2006-01-02", dayStr, loc)
	from := d0.Add(time.Duration(rapid.IntRange(-16*60, 12*60).Draw(t, "from")) * time.Minute)
	if rapid.IntRange(0, 5).Draw(t, "odd_seconds") == 0 {
		from = from.Add(time.Duration(rapid.IntRange(1, 59).Draw(t, "sec")) * time.Second)
	}
	now := from.Add(time.Duration(rapid.IntRange(-300, 300).Draw(t, "now")) * time.Minute)
	// rapid favours small numbers; draw the horizon's length from typical
	// ones so that most scenarios span a day or more.
	hours := rapid.SampledFrom([]int{24, 48, maxHours, 12, 36, 6, 1}).Draw(t, "hours")
	to := from.Add(time.Duration(min(hours, maxHours)*60+rapid.IntRange(0, 120).Draw(t, "len")) * time.Minute)

	var r Rules
	r.Location = loc
	if rapid.IntRange(0, 9).Draw(t, "nosleep") > 0 {
		s := rapid.IntRange(19*60, 26*60).Draw(t, "sleep_start") / 30 * 30
		e := rapid.IntRange(4*60, 10*60).Draw(t, "sleep_end") / 15 * 15
		r.Sleep = flux.TimeWindow{Start: clock(s), End: clock(e)}
	}
	r.CutoffHour = rapid.SampledFrom([]int{0, 0, 19, 20, 21, 21, 22, 23, 3, 12}).Draw(t, "cutoff")
	r.BufferMinutes = rapid.SampledFrom([]int{0, 5, 10, 15, 30}).Draw(t, "buffer")
	r.DailyCapMinutes = rapid.SampledFrom([]int{0, 0, 60, 120, 240}).Draw(t, "cap")
	if rapid.Bool().Draw(t, "work") {
		ws := rapid.IntRange(6*60, 12*60).Draw(t, "work_start") / 30 * 30
		we := ws + rapid.IntRange(60, 10*60).Draw(t, "work_len")/30*30
		w := flux.TimeWindow{Start: clock(ws), End: clock(we)}
		if we >= 1440 {
			w.End = clock(we - 1440) // a night shift into the next day
		}
		for d := range 7 {
			if rapid.IntRange(0, 3).Draw(t, fmt.Sprintf("workday%d", d)) > 0 {
				r.WorkHours[d] = []flux.TimeWindow{w}
			}
		}
	}

	prios := []flux.Priority{flux.PriorityStandard, flux.PriorityImportant, flux.PriorityMustNotMiss, ""}
	prefs := []string{"", "", "morning", "afternoon", "evening", "07:30", "13:15", "21:45", "02:30"}
	horizon := int(to.Sub(from) / time.Minute)
	in := Input{Now: now, From: from, To: to, Rules: r}
	for i := range rapid.IntRange(0, 7).Draw(t, "ntasks") {
		tk := TaskInput{
			ID:              fmt.Sprintf("t%d", i),
			DurationMinutes: rapid.SampledFrom([]int{5, 15, 30, 45, 60, 90, 120, 7, 200, 300}).Draw(t, "dur"),
			Priority:        rapid.SampledFrom(prios).Draw(t, "prio"),
			PreferredTime:   rapid.SampledFrom(prefs).Draw(t, "pref"),
			AllowWorkHours:  rapid.Bool().Draw(t, "allow"),
		}
		if rapid.IntRange(0, 2).Draw(t, "has_dl") == 0 {
			tk.Deadline = from.Add(time.Duration(rapid.IntRange(-60, horizon+60).Draw(t, "dl")) * time.Minute)
		}
		if rapid.IntRange(0, 3).Draw(t, "has_es") == 0 {
			tk.EarliestStart = from.Add(time.Duration(rapid.IntRange(-60, horizon).Draw(t, "es")) * time.Minute)
		}
		if rapid.IntRange(0, 4).Draw(t, "recurring") == 0 {
			tk.RecurrenceRule = rapid.SampledFrom(genRules).Draw(t, "rule")
			tk.DurationMinutes = rapid.IntRange(5, 90).Draw(t, "occ_dur")
			if rapid.Bool().Draw(t, "anchored") {
				tk.Anchor = d0.AddDate(0, 0, -rapid.IntRange(0, 10).Draw(t, "anchor_days")).
					Add(time.Duration(rapid.IntRange(0, 1439).Draw(t, "anchor_min")) * time.Minute)
			}
		}
		in.Tasks = append(in.Tasks, tk)
	}
	for i := range rapid.IntRange(0, 9).Draw(t, "nbusy") {
		s := from.Add(time.Duration(rapid.IntRange(-180, horizon).Draw(t, "bstart")) * time.Minute)
		b := Busy{
			ID: fmt.Sprintf("b%d", i), Kind: BusyEvent, Start: s,
			End: s.Add(time.Duration(rapid.IntRange(10, 240).Draw(t, "blen")) * time.Minute),
		}
		if rapid.IntRange(0, 2).Draw(t, "btask") > 0 {
			b.Kind = BusyTask
			b.Priority = rapid.SampledFrom(prios).Draw(t, "bprio")
			b.Movable = rapid.IntRange(0, 2).Draw(t, "movable") > 0
			b.AllowWorkHours = rapid.Bool().Draw(t, "ballow")
			if rapid.IntRange(0, 3).Draw(t, "bdl") == 0 {
				b.Deadline = b.End.Add(time.Duration(rapid.IntRange(0, horizon).Draw(t, "bdlm")) * time.Minute)
			}
		}
		in.Busy = append(in.Busy, b)
	}
	if rapid.IntRange(0, 3).Draw(t, "has_weights") == 0 {
		var w [7][24]float64
		for d := range w {
			for h := range w[d] {
				w[d][h] = float64(rapid.IntRange(-4, 4).Draw(t, "w")) / 4
			}
		}
		in.Weights = &w
	}
	return in
}

// TestPropertyRules checks every placement of random scenarios against
// every rule, that the result is deterministic and independent of the
// input's order, and that every placement passes CheckSlot.
func TestPropertyRules(t *testing.T) {
	t.Parallel()
	e := New(nil)
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, 5*24)
		res, err := e.Schedule(in)
		if err != nil {
			t.Fatalf("Schedule: %v\n%s", err, describe(in))
		}
		if bad := newOracle(in).check(res); len(bad) > 0 {
			t.Fatalf("rules broken:\n%v\n%s", bad, describe(in))
		}
		// Same input, shuffled: same result.
		sh := in
		rng := rand.New(rand.NewPCG(uint64(len(in.Tasks)), uint64(len(in.Busy))))
		sh.Tasks = append([]TaskInput(nil), in.Tasks...)
		sh.Busy = append([]Busy(nil), in.Busy...)
		rng.Shuffle(len(sh.Tasks), func(i, j int) { sh.Tasks[i], sh.Tasks[j] = sh.Tasks[j], sh.Tasks[i] })
		rng.Shuffle(len(sh.Busy), func(i, j int) { sh.Busy[i], sh.Busy[j] = sh.Busy[j], sh.Busy[i] })
		res2, err := e.Schedule(sh)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(res, res2); d != "" {
			t.Fatalf("shuffled input changed the result (-first +second):\n%s\n%s", d, describe(in))
		}
		checkSlots(t, e, in, res)
	})
}

// checkSlots verifies that CheckSlot accepts every placement given the
// other placements and the busy time left in place.
func checkSlots(t *rapid.T, e Engine, in Input, res Result) {
	displaced := map[string]bool{}
	for _, d := range res.Displaced {
		displaced[d.TaskID] = true
	}
	allow := map[string]bool{}
	for _, tk := range in.Tasks {
		allow[tk.ID] = tk.AllowWorkHours
	}
	for _, b := range in.Busy {
		if _, ok := allow[b.ID]; !ok {
			allow[b.ID] = b.AllowWorkHours
		}
	}
	taskIDs := map[string]bool{}
	for _, tk := range in.Tasks {
		taskIDs[tk.ID] = true
	}
	for i, p := range res.Placements {
		cin := in
		cin.Busy = nil
		for _, b := range in.Busy {
			if !displaced[b.ID] && !(b.Kind == BusyTask && taskIDs[b.ID]) {
				cin.Busy = append(cin.Busy, b)
			}
		}
		for j, q := range res.Placements {
			if j != i {
				cin.Busy = append(cin.Busy, Busy{ID: fmt.Sprintf("placed%d", j), Kind: BusyTask, Start: q.Start, End: q.End})
			}
		}
		if err := e.CheckSlot(cin, TaskInput{ID: "check", AllowWorkHours: allow[p.TaskID]}, p.Start, p.End); err != nil {
			t.Fatalf("CheckSlot refuses placement %+v: %v\n%s", p, err, describe(in))
		}
	}
}

// TestPropertyBruteForce compares, on small scenarios, every unplaced task
// with a search over every start minute: none may be feasible.
func TestPropertyBruteForce(t *testing.T) {
	t.Parallel()
	e := New(nil)
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, 60)
		res, err := e.Schedule(in)
		if err != nil {
			t.Fatalf("Schedule: %v\n%s", err, describe(in))
		}
		o := newOracle(in)
		if bad := o.check(res); len(bad) > 0 {
			t.Fatalf("rules broken:\n%v\n%s", bad, describe(in))
		}
		if bad := o.bruteForce(res); len(bad) > 0 {
			t.Fatalf("brute force disagrees:\n%v\nresult %+v\n%s", bad, res, describe(in))
		}
	})
}

// TestPropertyDisplacement is TestPropertyBruteForce on crowded scenarios
// where every fixed task is movable and the tasks to place outrank most of
// them, so displacement happens often.
func TestPropertyDisplacement(t *testing.T) {
	t.Parallel()
	e := New(nil)
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, 48)
		for i := range in.Busy {
			in.Busy[i].Kind = BusyTask
			in.Busy[i].Movable = rapid.IntRange(0, 5).Draw(t, "movable") > 0
			in.Busy[i].Priority = rapid.SampledFrom([]flux.Priority{flux.PriorityStandard, flux.PriorityStandard, flux.PriorityImportant}).Draw(t, "bprio")
		}
		for i := range in.Tasks {
			in.Tasks[i].Priority = rapid.SampledFrom([]flux.Priority{flux.PriorityImportant, flux.PriorityMustNotMiss}).Draw(t, "prio")
		}
		res, err := e.Schedule(in)
		if err != nil {
			t.Fatalf("Schedule: %v\n%s", err, describe(in))
		}
		o := newOracle(in)
		if bad := o.check(res); len(bad) > 0 {
			t.Fatalf("rules broken:\n%v\n%s", bad, describe(in))
		}
		if bad := o.bruteForce(res); len(bad) > 0 {
			t.Fatalf("brute force disagrees:\n%v\nresult %+v\n%s", bad, res, describe(in))
		}
	})
}

// TestPropertyReplan checks replanned placements against the rules and that
// each goes to the earliest day with room.
func TestPropertyReplan(t *testing.T) {
	t.Parallel()
	e := New(nil)
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, 60)
		for i := range in.Tasks {
			in.Tasks[i].RecurrenceRule = ""
			in.Tasks[i].Previous = in.Now.Add(-time.Duration(rapid.IntRange(30, 600).Draw(t, "prev")) * time.Minute)
		}
		res, err := e.Replan(in)
		if err != nil {
			t.Fatalf("Replan: %v\n%s", err, describe(in))
		}
		o := newOracle(in)
		if bad := o.check(res); len(bad) > 0 {
			t.Fatalf("rules broken:\n%v\n%s", bad, describe(in))
		}
		if bad := o.bruteForce(res); len(bad) > 0 {
			t.Fatalf("brute force disagrees:\n%v\n%s", bad, describe(in))
		}
		if bad := o.earliestDay(res); len(bad) > 0 {
			t.Fatalf("not the earliest day:\n%v\n%s", bad, describe(in))
		}
	})
}

// TestPropertyAvailability checks that every free slot is allowed minute by
// minute, keeps the buffer from busy time, and is maximal.
func TestPropertyAvailability(t *testing.T) {
	t.Parallel()
	e := New(nil)
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, 72)
		in.Rules.DailyCapMinutes = 0
		slots, err := e.Availability(in, in.From, in.To)
		if err != nil {
			t.Fatal(err)
		}
		o := newOracle(in)
		buf := time.Duration(in.Rules.BufferMinutes) * time.Minute
		free := func(m int64) bool {
			s := time.Unix(m*60, 0)
			if m < ceilMinute(in.Now) || m < ceilMinute(in.From) || m >= unixMin(in.To) || !o.allowed(m, 1, false) {
				return false
			}
			for _, b := range in.Busy {
				if s.Before(b.End.Add(buf)) && b.Start.Add(-buf).Before(s.Add(time.Minute)) {
					return false
				}
			}
			return true
		}
		got := map[int64]bool{}
		for i, sl := range slots {
			if !sl.End.After(sl.Start) {
				t.Fatalf("empty slot %v", sl)
			}
			if i > 0 && !sl.Start.After(slots[i-1].End) {
				t.Fatalf("slots %v and %v touch or overlap", slots[i-1], sl)
			}
			for m := unixMin(sl.Start); m < unixMin(sl.End); m++ {
				got[m] = true
			}
		}
		for m := o.base; m < o.base+int64(o.n); m++ {
			if free(m) != got[m] {
				t.Fatalf("minute %v: free %v, in a slot %v\n%s", time.Unix(m*60, 0).In(o.loc), free(m), got[m], describe(in))
			}
		}
	})
}
