package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testCalendar specifies flux.CalendarStore.
func testCalendar(t *testing.T, open Opener) {
	subtest(t, open, "CreateAndGet", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		start := time.Date(2026, 3, 29, 1, 30, 0, 999, zone("America/St_Johns"))
		ev := newEvent(u.ID, "Flight to Lisbon ✈️", start, start.Add(7*time.Hour+30*time.Minute))
		must(t, e.s.Calendar().CreateEvent(e.ctx, &ev), "CreateEvent")
		if !flux.ValidID(ev.ID) {
			t.Fatalf("CreateEvent wrote back id %q, want a new UUID", ev.ID)
		}
		want := flux.CalendarEvent{
			ID: ev.ID, UserID: u.ID, Title: "Flight to Lisbon ✈️",
			Start: flux.StoreTime(start), End: flux.StoreTime(start.Add(7*time.Hour + 30*time.Minute)),
			CreatedAt: e.clock.stored(),
		}
		wantEqual(t, "CreateEvent writes the stored event back", want, ev)
		wantEqual(t, "GetEvent", want, *mustGet[*flux.CalendarEvent](t, "GetEvent")(e.s.Calendar().GetEvent(e.ctx, u.ID, ev.ID)))
		wantGetNotFound(e, "GetEvent", e.s.Calendar().GetEvent, u.ID, other.ID, ev.ID)
	})

	subtest(t, open, "CreateRefused", func(t *testing.T, e *env) {
		u := e.user()
		at := tm("2026-05-01T10:00:00Z")
		invalid := []flux.CalendarEvent{
			newEvent(u.ID, " ", at, at.Add(time.Hour)),
			newEvent(u.ID, "Zero start", time.Time{}, at),
			newEvent(u.ID, "Zero end", at, time.Time{}),
			newEvent(u.ID, "Empty", at, at),
			newEvent(u.ID, "Backwards", at, at.Add(-time.Minute)),
			newEvent(u.ID, "", time.Time{}, time.Time{}),
		}
		for i, ev := range invalid {
			wantInvalid(t, e.s.Calendar().CreateEvent(e.ctx, &ev), ev.Validate(), fmt.Sprintf("CreateEvent of invalid event %d", i))
		}
		for _, userID := range append([]string{flux.NewID()}, malformedIDs...) {
			ev := newEvent(userID, "Event", at, at.Add(time.Hour))
			wantNotFound(t, e.s.Calendar().CreateEvent(e.ctx, &ev), fmt.Sprintf("CreateEvent for user %q", userID))
		}
		wantExportEmpty(e, u)
	})

	subtest(t, open, "ListOrder", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		base := tm("2026-05-04T09:00:00Z")
		starts := []time.Time{
			base, base.In(zone("Asia/Kolkata")), base.Add(time.Microsecond), base.Add(-time.Microsecond),
			base.Add(time.Hour), base.Add(-24 * time.Hour), base, tm("1999-12-31T23:00:00Z"),
		}
		var all []flux.CalendarEvent
		for i, s := range starts {
			ev := newEvent(u.ID, fmt.Sprint("Event ", i), s, s.Add(time.Duration(i+1)*time.Minute))
			ev.ID = randomID()
			must(t, e.s.Calendar().CreateEvent(e.ctx, &ev), "CreateEvent")
			all = append(all, ev)
			e.event(other.ID, s, s.Add(time.Hour))
		}
		list := func(p flux.Page) ([]flux.CalendarEvent, string, error) {
			return e.s.Calendar().ListEvents(e.ctx, u.ID, flux.EventFilter{}, p)
		}
		byStart := oldestFirst(func(ev flux.CalendarEvent) time.Time { return ev.Start })
		wantList(t, "ListEvents: by Start, then ID", sorted(all, byStart), list, 1, 2, 3, 0)
		wantBadCursors(t, "ListEvents", list)

		// Keyset: an event added before the cursor is not listed after it.
		first, next, err := list(flux.Page{Limit: 4})
		must(t, err, "ListEvents")
		e.event(u.ID, tm("1990-01-01T00:00:00Z"), tm("1990-01-01T01:00:00Z"))
		later := e.event(u.ID, tm("2030-01-01T00:00:00Z"), tm("2030-01-01T01:00:00Z"))
		rest := walk(t, "ListEvents after a cursor", 4, func(p flux.Page) ([]flux.CalendarEvent, string, error) {
			if p.Cursor == "" {
				p.Cursor = next
			}
			return list(p)
		})
		wantIDs(t, "ListEvents while events are added between pages", idsOf(append(sorted(all, byStart), *later)), idsOf(append(first, rest...)))
	})

	subtest(t, open, "ListOverlap", func(t *testing.T, e *env) {
		u := e.user()
		from, to := tm("2026-05-04T00:00:00Z"), tm("2026-05-11T00:00:00Z")
		h := time.Hour
		spans := [][2]time.Time{
			{from.Add(-2 * h), from.Add(-h)},           // before
			{from.Add(-h), from},                       // ends at From: no overlap
			{from.Add(-h), from.Add(time.Microsecond)}, // ends just after From
			{from, from.Add(h)},                        // starts at From
			{from.Add(48 * h), from.Add(49 * h)},       // inside
			{from.Add(-h), to.Add(h)},                  // spans the window
			{to.Add(-time.Microsecond), to.Add(h)},     // starts just before To
			{to, to.Add(h)},                            // starts at To: no overlap
			{to.Add(h), to.Add(2 * h)},                 // after
		}
		var all []flux.CalendarEvent
		for _, s := range spans {
			all = append(all, *e.event(u.ID, s[0], s[1]))
		}
		overlaps := func(ev flux.CalendarEvent, f, t *time.Time) bool {
			return (f == nil || ev.End.After(*f)) && (t == nil || ev.Start.Before(*t))
		}
		kolkata := zone("Asia/Kolkata")
		cases := []struct {
			name     string
			f        flux.EventFilter
			from, to *time.Time
		}{
			{"no filter", flux.EventFilter{}, nil, nil},
			{"From and To", flux.EventFilter{From: &from, To: &to}, &from, &to},
			{"From and To in another zone", flux.EventFilter{From: ptr(from.In(kolkata)), To: ptr(to.In(kolkata))}, &from, &to},
			{"From only", flux.EventFilter{From: &from}, &from, nil},
			{"To only", flux.EventFilter{To: &to}, nil, &to},
		}
		byStart := oldestFirst(func(ev flux.CalendarEvent) time.Time { return ev.Start })
		for _, c := range cases {
			want := sorted(filter(all, func(ev flux.CalendarEvent) bool { return overlaps(ev, c.from, c.to) }), byStart)
			wantList(t, "ListEvents overlapping with "+c.name, want, func(p flux.Page) ([]flux.CalendarEvent, string, error) {
				return e.s.Calendar().ListEvents(e.ctx, u.ID, c.f, p)
			}, 2, 0)
		}
		if n := len(filter(all, func(ev flux.CalendarEvent) bool { return overlaps(ev, &from, &to) })); n != 5 {
			t.Errorf("test setup: %d events overlap the window, want 5", n)
		}
	})

	subtest(t, open, "Delete", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		a := e.event(u.ID, tm("2026-05-04T09:00:00Z"), tm("2026-05-04T10:00:00Z"))
		b := e.event(u.ID, tm("2026-05-04T09:00:00Z"), tm("2026-05-04T10:00:00Z"))
		checkDelete(e, "DeleteEvent", e.s.Calendar().DeleteEvent, e.s.Calendar().GetEvent, u.ID, other.ID, a.ID)
		wantEqual(t, "the other event after DeleteEvent", *b, *mustGet[*flux.CalendarEvent](t, "GetEvent")(e.s.Calendar().GetEvent(e.ctx, u.ID, b.ID)))
	})
}
