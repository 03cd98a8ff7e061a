package scheduler

import (
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
)

// The 2026 clock changes: New York springs forward at 02:00 on 8 March and
// falls back at 02:00 on 1 November; Berlin springs forward at 02:00 on 29
// March and falls back at 03:00 on 25 October.
var dstDays = []struct {
	zone   string
	day    string // the Sunday the clocks change
	spring bool
}{
	{"America/New_York", "2026-03-08", true},
	{"America/New_York", "2026-11-01", false},
	{"Europe/Berlin", "2026-03-29", true},
	{"Europe/Berlin", "2026-10-25", false},
}

// dayRules: sleep 23:00–07:00, cutoff 21, buffer 15, no work hours.
func dayRules(loc *time.Location) Rules {
	return Rules{
		Location:      loc,
		Sleep:         flux.TimeWindow{Start: flux.ClockTime{Hour: 23}, End: flux.ClockTime{Hour: 7}},
		CutoffHour:    21,
		BufferMinutes: 15,
	}
}

// owlRules: sleep 03:00–11:00 and cutoff 02:00, so the day runs 11:00–02:00
// across midnight and the night of the change.
func owlRules(loc *time.Location) Rules {
	r := dayRules(loc)
	r.Sleep = flux.TimeWindow{Start: flux.ClockTime{Hour: 3}, End: flux.ClockTime{Hour: 11}}
	r.CutoffHour = 2
	return r
}

func TestDSTAvailability(t *testing.T) {
	t.Parallel()
	for _, tc := range dstDays {
		t.Run(tc.zone+" "+tc.day, func(t *testing.T) {
			t.Parallel()
			loc := mustLoad(t, tc.zone)
			day := lt(loc, tc.day+" 00:00")
			e := New(nil)

			// The day before, the day of and the day after the change each
			// run 07:00–21:00 on the wall clock: 840 minutes.
			in := Input{Now: day.AddDate(0, 0, -1), Rules: dayRules(loc)}
			slots, err := e.Availability(in, day.AddDate(0, 0, -1), day.AddDate(0, 0, 2))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i := -1; i <= 1; i++ {
				d := day.AddDate(0, 0, i)
				s, en := lt(loc, d.Format("2006-01-02")+" 07:00"), lt(loc, d.Format("2006-01-02")+" 21:00")
				want = append(want, slotsSummary([]Slot{{s, en}})...)
			}
			if d := cmp.Diff(want, slotsSummary(slots)); d != "" {
				t.Errorf("slots (-want +got):\n%s", d)
			}
			// The night of the change is an hour shorter in spring, longer
			// in autumn: 21:00 to 07:00 is 9 or 11 hours.
			night := slots[1].Start.Sub(slots[0].End)
			wantNight := 10 * time.Hour
			if tc.spring {
				wantNight -= time.Hour
			} else {
				wantNight += time.Hour
			}
			if night != wantNight {
				t.Errorf("night of the change lasts %v, want %v", night, wantNight)
			}

			// A night owl's evening runs from 11:00 to 02:00 through the
			// change: in New York 02:00 is where the clocks jump (15 hours
			// in spring) or the hour 01:00–02:00 is lived twice (16 hours
			// in autumn); in Berlin autumn repeats 02:00–03:00, after the
			// 02:00 cutoff (15 hours).
			in = Input{Now: day.AddDate(0, 0, -1), Rules: owlRules(loc)}
			slots, err = e.Availability(in, lt(loc, day.AddDate(0, 0, -1).Format("2006-01-02")+" 11:00"), lt(loc, tc.day+" 11:00"))
			if err != nil {
				t.Fatal(err)
			}
			if len(slots) != 1 {
				t.Fatalf("slots %v, want one", slotsSummary(slots))
			}
			wantMin := 15 * 60
			if tc.zone == "America/New_York" && !tc.spring {
				wantMin = 16 * 60
			}
			if got := slots[0].Minutes(); got != wantMin {
				t.Errorf("owl evening %v lasts %d min, want %d", slotsSummary(slots), got, wantMin)
			}
			// It ends two hours after midnight of the change day (three in
			// New York's autumn): 02:00 on the wall clock, which in spring
			// is the instant the clocks show 03:00.
			wantEnd := day.Add(time.Duration(wantMin-13*60) * time.Minute)
			if end := slots[0].End; !end.Equal(wantEnd) {
				t.Errorf("owl evening ends %v, want %v", end, wantEnd)
			}
		})
	}
}

func TestDSTRecurringTask(t *testing.T) {
	t.Parallel()
	for _, tc := range dstDays {
		t.Run(tc.zone+" "+tc.day, func(t *testing.T) {
			t.Parallel()
			loc := mustLoad(t, tc.zone)
			day := lt(loc, tc.day+" 00:00")
			in := Input{
				Now: day.AddDate(0, 0, -2), To: day.AddDate(0, 0, 2), Rules: dayRules(loc),
				Tasks: []TaskInput{{ID: "stretch", DurationMinutes: 20, RecurrenceRule: "FREQ=DAILY", Anchor: lt(loc, "2026-01-05 07:30")}},
			}
			res := schedule(t, in)
			if len(res.Placements) != 4 {
				t.Fatalf("placements %v, want 4", summary(res))
			}
			offsets := map[int]bool{}
			for _, p := range res.Placements {
				if p.Start.Hour() != 7 || p.Start.Minute() != 30 || !p.Occurrence.Equal(p.Start) {
					t.Errorf("occurrence %v placed at %v, want 07:30 local", p.Occurrence, p.Start)
				}
				_, off := p.Start.Zone()
				offsets[off] = true
			}
			if len(offsets) != 2 {
				t.Errorf("UTC offsets %v: the placements should straddle the change", offsets)
			}
		})
	}
}

func TestDSTWallTimes(t *testing.T) {
	t.Parallel()
	ny, be := mustLoad(t, "America/New_York"), mustLoad(t, "Europe/Berlin")
	tests := []struct {
		name string
		in   Input
		want []string
	}{
		{
			// 02:30 does not exist in Berlin on 29 March; with sleep from
			// 04:00 and the cutoff at 03:00 the task runs 01:30–02:00 CET,
			// which is 03:00 CEST, the moment the cutoff begins.
			name: "Berlin spring: preferring a wall time that does not exist",
			in: Input{Now: lt(be, "2026-03-28 22:00"), To: lt(be, "2026-03-29 09:00"),
				Rules: func() Rules {
					r := dayRules(be)
					r.Sleep = flux.TimeWindow{Start: flux.ClockTime{Hour: 4}, End: flux.ClockTime{Hour: 10}}
					r.CutoffHour = 3
					return r
				}(),
				Tasks: []TaskInput{{ID: "late", DurationMinutes: 30, PreferredTime: "02:30", EarliestStart: lt(be, "2026-03-29 00:00")}}},
			want: []string{"late Sun 29 01:30 CET–03:00 CEST"},
		},
		{
			// 01:30 happens twice in New York on 1 November; the task starts
			// at the first and ends at the second.
			name: "New York autumn: an hour lived twice",
			in: Input{Now: lt(ny, "2026-10-31 22:00"), To: lt(ny, "2026-11-01 11:00"), Rules: owlRules(ny),
				Tasks: []TaskInput{{ID: "owl", DurationMinutes: 60, PreferredTime: "01:30", EarliestStart: lt(ny, "2026-11-01 00:00")}}},
			want: []string{"owl Sun 1 01:30 EDT–01:30 EST"},
		},
		{
			// Sleep 23:00–07:00 and cutoff 21: on the night New York springs
			// forward, a task preferring 22:00 ends at 21:00, and the next
			// morning's task starts at 07:00 EDT.
			name: "New York spring: cutoff and sleep on the night of the change",
			in: Input{Now: lt(ny, "2026-03-07 18:00"), To: lt(ny, "2026-03-08 12:00"), Rules: dayRules(ny),
				Tasks: []TaskInput{
					{ID: "eve", DurationMinutes: 60, PreferredTime: "22:00", Deadline: lt(ny, "2026-03-08 00:00")},
					{ID: "morning", DurationMinutes: 60, PreferredTime: "05:00", EarliestStart: lt(ny, "2026-03-08 00:00")},
				}},
			want: []string{"eve Sat 7 20:00 EST–21:00 EST", "morning Sun 8 07:00 EDT–08:00 EDT"},
		},
		{
			// Berlin autumn: sleep 23:00–07:00 covers the repeated hour; the
			// first task of the morning starts at 07:00 CET.
			name: "Berlin autumn: cutoff and sleep on the night of the change",
			in: Input{Now: lt(be, "2026-10-24 18:00"), To: lt(be, "2026-10-25 12:00"), Rules: dayRules(be),
				Tasks: []TaskInput{
					{ID: "eve", DurationMinutes: 60, PreferredTime: "evening", Deadline: lt(be, "2026-10-25 00:00"), EarliestStart: lt(be, "2026-10-24 20:00")},
					{ID: "morning", DurationMinutes: 60, PreferredTime: "02:30", EarliestStart: lt(be, "2026-10-25 00:00")},
				}},
			want: []string{"eve Sat 24 20:00 CEST–21:00 CEST", "morning Sun 25 07:00 CET–08:00 CET"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := schedule(t, tc.in)
			var got []string
			for _, p := range res.Placements {
				got = append(got, fmt.Sprintf("%s %s–%s", p.TaskID, p.Start.Format("Mon 2 15:04 MST"), p.End.Format("15:04 MST")))
			}
			for _, u := range res.Unplaced {
				got = append(got, fmt.Sprintf("%s: %s (%s)", u.TaskID, u.Reason, u.Detail))
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("result (-want +got):\n%s", d)
			}
		})
	}
}
