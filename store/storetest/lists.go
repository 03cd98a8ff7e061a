package storetest

import (
	"reflect"
	"time"

	"github.com/fluxlife/flux"
)

// createdAt returns the CreatedAt field of a domain value.
func createdAt[T any](v T) time.Time {
	return reflect.ValueOf(v).FieldByName("CreatedAt").Interface().(time.Time)
}

// checkNewestFirst states the order of the lists that are "newest first":
// CreatedAt descending, then ID descending, by keyset. create stores one
// item of the user with the given id at the clock's time; list lists the
// user's items with no filter.
//
// Items are created at four instants one microsecond apart (each with a
// sub-microsecond part the store drops), several per instant with random
// ids, interleaved with another user's items, plus one item created later
// with an earlier clock. Every page size gives the same sequence, and the
// keyset holds while items are added between two pages.
func checkNewestFirst[T any](e *env, what string, create func(userID, id string) T, list func(userID string) lister[T]) {
	e.t.Helper()
	a, b := e.user(), e.user()
	base := time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)
	var items []T
	for k := range 4 {
		e.clock.Set(base.Add(time.Duration(k)*time.Microsecond + 500*time.Nanosecond).In(zone("America/St_Johns")))
		for range 3 {
			items = append(items, create(a.ID, randomID()))
			create(b.ID, randomID())
		}
	}
	e.clock.Set(base.Add(-time.Hour))
	items = append(items, create(a.ID, randomID()))

	want := sorted(items, newestFirst(createdAt[T]))
	wantList(e.t, what, want, list(a.ID), 1, 2, 5, 0, 200)

	// Keyset: after the first page, a newer item (before the cursor) does
	// not show up, an older one (after it) does, and nothing repeats.
	first, next, err := list(a.ID)(flux.Page{Limit: 4})
	must(e.t, err, what+": first page")
	if next == "" {
		e.t.Fatalf("%s: no next cursor after 4 of %d items", what, len(items))
	}
	e.clock.Set(base.Add(time.Hour))
	create(a.ID, randomID())
	e.clock.Set(base.Add(-2 * time.Hour))
	older := create(a.ID, randomID())
	rest := walk(e.t, what+" after a cursor", 4, func(p flux.Page) ([]T, string, error) {
		if p.Cursor == "" {
			p.Cursor = next
		}
		return list(a.ID)(p)
	})
	want = sorted(append(items, older), newestFirst(createdAt[T]))
	wantIDs(e.t, what+" while items are added between pages", idsOf(want), idsOf(append(first, rest...)))

	wantBadCursors(e.t, what, list(a.ID))
}
