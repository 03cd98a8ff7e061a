package httpapi

import (
	"slices"
	"testing"

	"github.com/fluxlife/flux"
)

func TestCalendarEvents(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, "")
		alice, _ := e.token("alice@example.com")
		bob, _ := e.token("bob@example.com")

		create := func(title, start, end string) eventView {
			t.Helper()
			r := e.do("POST", "/api/v1/calendar/events", alice, map[string]any{"title": title, "start": start, "end": end})
			var v eventView
			r.json(t, &v)
			if r.Code != 201 || !flux.ValidID(v.ID) || v.Title != title {
				t.Fatalf("POST event = %d %s", r.Code, r.Body)
			}
			return v
		}
		dentist := create("Dentist", "2026-04-13T18:00:00+02:00", "2026-04-13T19:00:00+02:00")
		if !dentist.Start.Equal(bt(t, "2026-04-13 18:00")) || !dentist.End.Equal(bt(t, "2026-04-13 19:00")) {
			t.Errorf("event = %+v", dentist)
		}
		dinner := create("Dinner", "2026-04-14T19:00:00+02:00", "2026-04-14T20:30:00+02:00")
		trip := create("Trip", "2026-04-20T08:00:00Z", "2026-04-22T18:00:00Z")

		// Bad input: every problem named, nothing stored.
		for _, tc := range []struct {
			body   any
			fields []string
		}{
			{map[string]any{}, []string{"title", "start", "end"}},
			{map[string]any{"title": "x", "start": "2026-04-13T18:00:00Z", "end": "2026-04-13T17:00:00Z"}, []string{"end"}},
			{map[string]any{"title": "x", "start": "noon", "end": "2026-04-13"}, []string{"start", "end"}},
			{map[string]any{"title": "x", "start": "2026-04-13T18:00:00Z", "end": "2026-06-13T18:00:00Z"}, []string{"end"}},
			{map[string]any{"title": "x", "start": "0001-01-01T00:00:00Z", "end": "0001-01-01T01:00:00Z"}, []string{"start"}},
			{map[string]any{"title": "x", "start": "2026-04-13T18:00:00Z", "end": "2026-04-13T19:00:00Z", "where": "home"}, []string{"where"}},
		} {
			wantStatus(t, "POST event", e.do("POST", "/api/v1/calendar/events", alice, tc.body), 400, tc.fields...)
		}

		list := func(token, query string) ([]string, string) {
			t.Helper()
			r := e.do("GET", "/api/v1/calendar/events"+query, token, nil)
			var l eventList
			r.json(t, &l)
			if r.Code != 200 {
				t.Fatalf("GET events%s = %d %s", query, r.Code, r.Body)
			}
			var ids []string
			for _, v := range l.Events {
				ids = append(ids, v.ID)
			}
			return ids, l.NextCursor
		}
		if got, _ := list(alice, ""); !slices.Equal(got, []string{dentist.ID, dinner.ID, trip.ID}) {
			t.Errorf("events = %v", got)
		}
		if got, _ := list(alice, "?from=2026-04-14T00:00:00Z&to=2026-04-21T00:00:00Z"); !slices.Equal(got, []string{dinner.ID, trip.ID}) {
			t.Errorf("events in a window = %v", got)
		}
		page, next := list(alice, "?limit=2")
		if len(page) != 2 || next == "" {
			t.Fatalf("first page = %v %q", page, next)
		}
		if rest, next := list(alice, "?limit=2&cursor="+next); !slices.Equal(rest, []string{trip.ID}) || next != "" {
			t.Errorf("second page = %v %q", rest, next)
		}
		if got, _ := list(bob, ""); len(got) != 0 {
			t.Errorf("bob sees %v", got)
		}
		for _, q := range []struct{ query, field string }{{"?from=x", "from"}, {"?limit=-1", "limit"}, {"?cursor=bad", "cursor"}} {
			wantStatus(t, "GET events"+q.query, e.do("GET", "/api/v1/calendar/events"+q.query, alice, nil), 400, q.field)
		}

		r := e.do("GET", "/api/v1/calendar/events/"+dinner.ID, alice, nil)
		var got eventView
		r.json(t, &got)
		if r.Code != 200 || got != dinner {
			t.Errorf("GET event = %d %s", r.Code, r.Body)
		}
		for _, id := range []string{dinner.ID, flux.NewID(), "nope"} {
			wantStatus(t, "bob GET event", e.do("GET", "/api/v1/calendar/events/"+id, bob, nil), 404)
			wantStatus(t, "bob DELETE event", e.do("DELETE", "/api/v1/calendar/events/"+id, bob, nil), 404)
		}
		if r := e.do("DELETE", "/api/v1/calendar/events/"+dinner.ID, alice, nil); r.Code != 204 {
			t.Errorf("DELETE event = %d %s", r.Code, r.Body)
		}
		wantStatus(t, "DELETE again", e.do("DELETE", "/api/v1/calendar/events/"+dinner.ID, alice, nil), 404)
		if ids, _ := list(alice, ""); !slices.Equal(ids, []string{dentist.ID, trip.ID}) {
			t.Errorf("after delete = %v", ids)
		}
	})
}
