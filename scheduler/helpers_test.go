package scheduler

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// berlin is the zone of most table tests.
var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// bt parses "2006-01-02 15:04" in Berlin.
func bt(s string) time.Time { return lt(berlin, s) }

// lt parses "2006-01-02 15:04" in loc.
func lt(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// officeRules: Berlin, work 09:00–17:00 Monday to Friday, sleep 23:00–07:00,
// cutoff 21, buffer 15 minutes, no cap.
func officeRules() Rules {
	r := Rules{
		Location:      berlin,
		Sleep:         flux.TimeWindow{Start: flux.ClockTime{Hour: 23}, End: flux.ClockTime{Hour: 7}},
		CutoffHour:    21,
		BufferMinutes: 15,
	}
	for d := time.Monday; d <= time.Friday; d++ {
		r.WorkHours[d] = []flux.TimeWindow{{Start: flux.ClockTime{Hour: 9}, End: flux.ClockTime{Hour: 17}}}
	}
	return r
}

// summary renders a result compactly: "id Mon 13 07:00–07:30" for a
// placement, "id: reason" for an unplaced task, "id displaced by x".
func summary(res Result) []string {
	out := []string{}
	for _, p := range res.Placements {
		out = append(out, fmt.Sprintf("%s %s–%s", p.TaskID, p.Start.Format("Mon 2 15:04"), p.End.Format("15:04")))
	}
	for _, u := range res.Unplaced {
		out = append(out, fmt.Sprintf("%s: %s", u.TaskID, u.Reason))
	}
	for _, d := range res.Displaced {
		out = append(out, fmt.Sprintf("%s displaced by %s", d.TaskID, d.By))
	}
	return out
}

// slotsSummary renders slots as "Mon 13 07:00–Mon 13 09:00 (120)".
func slotsSummary(slots []Slot) []string {
	out := []string{}
	for _, s := range slots {
		out = append(out, fmt.Sprintf("%s–%s (%d)", s.Start.Format("Mon 2 15:04 MST"), s.End.Format("Mon 2 15:04 MST"), s.Minutes()))
	}
	return out
}

// schedule runs the default engine and fails the test on error.
func schedule(t *testing.T, in Input) Result {
	t.Helper()
	res, err := New(nil).Schedule(in)
	if err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	if bad := newOracle(in).check(res); len(bad) > 0 {
		t.Fatalf("result breaks rules: %v", bad)
	}
	return res
}

func nanValue() float64 { return math.NaN() }

func asFluxError(err error, target **flux.Error) bool { return errors.As(err, target) }
