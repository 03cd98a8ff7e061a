package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	// The suite uses named time zones (Asia/Kolkata, America/St_Johns) and
	// validates users' zones: embed the database so it does not depend on
	// the machine's.
	_ "time/tzdata"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/fluxlife/flux"
)

// --- the clock ---

// clock is a flux.Clock that a test sets and moves by hand. It starts at a
// time that is neither UTC nor a whole microsecond, so every CreatedAt and
// UpdatedAt a store writes shows whether it applied flux.StoreTime.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// clockStart is where every test's clock starts: 2026-03-14 09:26:53.589793238
// in Asia/Kolkata (+05:30).
var clockStart = time.Date(2026, time.March, 14, 9, 26, 53, 589793238, zone("Asia/Kolkata"))

func newClock() *clock { return &clock{now: clockStart} }

// Now implements flux.Clock.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// stored returns the clock's time as a store keeps it.
func (c *clock) stored() time.Time { return flux.StoreTime(c.Now()) }

// --- the environment of one test ---

// env is one subtest's fresh store, its clock and its context.
type env struct {
	t     *testing.T
	ctx   context.Context
	s     flux.Store
	clock *clock
}

// subtest runs fn as a parallel subtest of t with a fresh store that reads
// time from a fake clock.
func subtest(t *testing.T, open Opener, name string, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		c := newClock()
		s := open(t, c)
		if s == nil {
			t.Fatal("Opener returned a nil store")
		}
		fn(t, &env{t: t, ctx: t.Context(), s: s, clock: c})
	})
}

// --- small helpers ---

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// zone loads a time zone, which time/tzdata guarantees exists.
func zone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("storetest: time zone %s: %v", name, err))
	}
	return loc
}

// tm parses an RFC 3339 time with optional fractional seconds.
func tm(s string) time.Time {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(fmt.Sprintf("storetest: bad time literal %q: %v", s, err))
	}
	return v
}

// st returns a pointer to the store form of t.
func st(t time.Time) *time.Time { return ptr(flux.StoreTime(t)) }

// stp returns the store form of *t, or nil.
func stp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return st(*t)
}

// randomID returns a random (version 4) UUID. Unlike flux.NewID, random ids
// do not sort by creation time, so lists that break ties by id show it.
func randomID() string { return uuid.NewString() }

// uniqueEmail returns an e-mail address no other test uses.
func uniqueEmail() string { return "u-" + randomID() + "@example.com" }

// must fails the test at once when err is not nil.
func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// mustGet returns the value of a call that must succeed:
// mustGet[*flux.User](t, "GetUser")(s.Users().GetUser(ctx, id)).
func mustGet[T any](t testing.TB, what string) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: unexpected error: %v", what, err)
		}
		return v
	}
}

// second returns the error of a two-result call.
func second[T any](_ T, err error) error { return err }

// errSentinel is the error the suite's callbacks return to check that a
// store hands it back.
var errSentinel = errors.New("storetest: injected error")

// --- error assertions ---

// wantCode checks that err carries the flux error code.
func wantCode(t testing.TB, err error, code, what string) bool {
	t.Helper()
	if got := flux.ErrorCode(err); got != code {
		t.Errorf("%s: error = %v (code %q), want code %q", what, err, got, code)
		return false
	}
	return true
}

// wantNotFound checks that err is an ENotFound error.
func wantNotFound(t testing.TB, err error, what string) bool {
	t.Helper()
	return wantCode(t, err, flux.ENotFound, what)
}

// wantInvalid checks that err is an EInvalid error whose Fields are exactly
// the ones the value's Validate method reports: stores return those errors
// as they are.
func wantInvalid(t testing.TB, err, validateErr error, what string) {
	t.Helper()
	if !wantCode(t, err, flux.EInvalid, what) {
		return
	}
	var got, want *flux.Error
	errors.As(err, &got)
	if !errors.As(validateErr, &want) {
		t.Fatalf("%s: the value's Validate returned %v, the test meant it to be invalid", what, validateErr)
	}
	if d := gocmp.Diff(want.Fields, got.Fields); d != "" {
		t.Errorf("%s: Fields differ from what Validate reports (-want +got):\n%s", what, d)
	}
}

// wantInvalidFields checks that err is an EInvalid error that names exactly
// the given fields (in any order, each at least once).
func wantInvalidFields(t testing.TB, err error, what string, fields ...string) {
	t.Helper()
	if !wantCode(t, err, flux.EInvalid, what) {
		return
	}
	var fe *flux.Error
	errors.As(err, &fe)
	var got []string
	for _, f := range fe.Fields {
		got = append(got, f.Field)
	}
	slices.Sort(got)
	got = slices.Compact(got)
	want := slices.Clone(fields)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: invalid fields = %q, want %q (error %v)", what, got, want, err)
	}
}

// --- value assertions ---

// compareOpts are the options of every comparison of stored values. Times
// compare by instant (time.Time.Equal); wantEqual checks their form
// separately. JSON compares by value: PostgreSQL's jsonb keeps neither
// spacing nor key order. A nil and an empty slice or map are equal.
var compareOpts = gocmp.Options{
	gocmp.FilterValues(bothEmptyCollections, gocmp.Ignore()),
	gocmp.Comparer(jsonEqual),
}

func bothEmptyCollections(x, y any) bool {
	vx, vy := reflect.ValueOf(x), reflect.ValueOf(y)
	if !vx.IsValid() || !vy.IsValid() || vx.Type() != vy.Type() || vx.Type() == reflect.TypeFor[json.RawMessage]() {
		return false
	}
	switch vx.Kind() {
	case reflect.Slice, reflect.Map:
		return vx.Len() == 0 && vy.Len() == 0
	}
	return false
}

// jsonEqual reports whether two JSON documents hold the same value. Absent
// JSON (nil or empty) equals only absent JSON.
func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == 0 && len(b) == 0
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(va, vb)
}

// wantEqual checks that got, a value a store returned or wrote back, is in
// store form (every time UTC and whole microseconds) and equals want.
func wantEqual(t testing.TB, what string, want, got any) bool {
	t.Helper()
	ok := wantStoreTimes(t, what, got)
	if d := gocmp.Diff(want, got, compareOpts); d != "" {
		t.Errorf("%s: mismatch (-want +got):\n%s", what, d)
		return false
	}
	return ok
}

// wantStoreTimes checks that every time.Time reachable from v is in store
// form: UTC location and no part below a microsecond.
func wantStoreTimes(t testing.TB, what string, v any) bool {
	t.Helper()
	var bad []string
	walkTimes(reflect.ValueOf(v), "", func(path string, x time.Time) {
		if x.Location() != time.UTC || x.Nanosecond()%int(flux.TimePrecision) != 0 {
			bad = append(bad, fmt.Sprintf("%s = %s (location %q)", path, x.Format(time.RFC3339Nano), x.Location()))
		}
	})
	for _, b := range bad {
		t.Errorf("%s: time not in store form (UTC, whole microseconds): %s", what, b)
	}
	return len(bad) == 0
}

var timeType = reflect.TypeFor[time.Time]()

func walkTimes(v reflect.Value, path string, fn func(string, time.Time)) {
	if !v.IsValid() {
		return
	}
	if v.Type() == timeType {
		fn(path, v.Interface().(time.Time))
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkTimes(v.Elem(), path, fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				walkTimes(v.Field(i), path+"."+f.Name, fn)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkTimes(v.Index(i), fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			walkTimes(iter.Value(), fmt.Sprintf("%s[%v]", path, iter.Key()), fn)
		}
	}
}

// idOf returns the ID field of a domain value.
func idOf(v any) string {
	rv := reflect.Indirect(reflect.ValueOf(v))
	return rv.FieldByName("ID").String()
}

// idsOf returns the IDs of items, in order.
func idsOf[T any](items []T) []string {
	ids := make([]string, 0, len(items))
	for _, it := range items {
		ids = append(ids, idOf(it))
	}
	return ids
}

// byID returns a copy of items sorted by ID, for comparing sets.
func byID[T any](items []T) []T {
	out := slices.Clone(items)
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(idOf(a), idOf(b)) })
	return out
}

// wantIDs checks that a list holds exactly the wanted ids in that order, and
// none twice.
func wantIDs(t testing.TB, what string, want, got []string) bool {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Errorf("%s: id %s listed twice", what, id)
		}
		seen[id] = true
	}
	if d := gocmp.Diff(want, got, gocmp.Options{gocmp.FilterValues(bothEmptyCollections, gocmp.Ignore())}); d != "" {
		t.Errorf("%s: ids in wrong order or set (-want +got):\n%s", what, d)
		return false
	}
	return true
}

// --- pagination ---

// lister fetches one page of a list.
type lister[T any] func(p flux.Page) ([]T, string, error)

// walk reads every page of a list with page limit limit and returns all
// items. It checks the paging rules: no page is larger than the page size, a
// page with a next cursor is full, and the last page ("" cursor) is not empty
// unless the list is.
func walk[T any](t testing.TB, what string, limit int, list lister[T]) []T {
	t.Helper()
	size := flux.Page{Limit: limit}.Size()
	var all []T
	cursor := ""
	for page := 1; ; page++ {
		items, next, err := list(flux.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatalf("%s: page %d (limit %d): %v", what, page, limit, err)
		}
		if len(items) > size {
			t.Errorf("%s: page %d has %d items, more than the page size %d", what, page, len(items), size)
		}
		all = append(all, items...)
		if next == "" {
			if len(items) == 0 && page > 1 {
				t.Errorf("%s: page %d is empty: the page before it should have had no next cursor", what, page)
			}
			return all
		}
		if len(items) != size {
			t.Errorf("%s: page %d has %d items and a next cursor; a page before the last has %d", what, page, len(items), size)
		}
		if len(items) == 0 || page > 10000 {
			t.Fatalf("%s: page %d: a next cursor with no items; stopping", what, page)
		}
		cursor = next
	}
}

// wantList walks list with each page limit and checks that it returns want,
// in that order, item for item.
func wantList[T any](t testing.TB, what string, want []T, list lister[T], limits ...int) {
	t.Helper()
	if len(limits) == 0 {
		limits = []int{1, 2, 3, 0}
	}
	for i, limit := range limits {
		got := walk(t, fmt.Sprintf("%s (limit %d)", what, limit), limit, list)
		if !wantIDs(t, fmt.Sprintf("%s (limit %d)", what, limit), idsOf(want), idsOf(got)) {
			continue
		}
		if i == 0 {
			wantEqual(t, what, want, got)
		}
	}
}

// badCursors are cursors no store issued.
var badCursors = []string{
	"not a cursor",
	"!!!",
	"eyJ9",                            // base64 of a broken JSON document
	"e30",                             // {}: no id
	"eyJ0IjoxLCJpIjoibm90LWFuLWlkIn0", // {"t":1,"i":"not-an-id"}
}

// wantBadCursors checks that list refuses every bad cursor with EInvalid.
func wantBadCursors[T any](t testing.TB, what string, list lister[T]) {
	t.Helper()
	for _, c := range badCursors {
		_, _, err := list(flux.Page{Cursor: c})
		wantCode(t, err, flux.EInvalid, fmt.Sprintf("%s with cursor %q", what, c))
	}
}

// --- orders ---

// newestFirst orders by CreatedAt, then ID, descending.
func newestFirst[T any](created func(T) time.Time) func(a, b T) int {
	return func(a, b T) int {
		if c := created(b).Compare(created(a)); c != 0 {
			return c
		}
		return strings.Compare(idOf(b), idOf(a))
	}
}

// oldestFirst orders by a time, then ID, ascending.
func oldestFirst[T any](at func(T) time.Time) func(a, b T) int {
	return func(a, b T) int {
		if c := at(a).Compare(at(b)); c != 0 {
			return c
		}
		return strings.Compare(idOf(a), idOf(b))
	}
}

// taskOrder is ListTasks' order: ScheduledAt ascending, tasks without one
// last, then ID.
func taskOrder(a, b flux.Task) int {
	switch {
	case a.ScheduledAt == nil && b.ScheduledAt != nil:
		return 1
	case a.ScheduledAt != nil && b.ScheduledAt == nil:
		return -1
	case a.ScheduledAt != nil && b.ScheduledAt != nil:
		if c := a.ScheduledAt.Compare(*b.ScheduledAt); c != 0 {
			return c
		}
	}
	return strings.Compare(a.ID, b.ID)
}

// milestoneOrder is ListMilestones' order: PlanVersion, Week, ID.
func milestoneOrder(a, b flux.Milestone) int {
	return cmp.Or(cmp.Compare(a.PlanVersion, b.PlanVersion), cmp.Compare(a.Week, b.Week), strings.Compare(a.ID, b.ID))
}

// sorted returns a sorted copy of items.
func sorted[T any](items []T, order func(a, b T) int) []T {
	out := slices.Clone(items)
	slices.SortStableFunc(out, order)
	return out
}

// filter returns the items keep keeps.
func filter[T any](items []T, keep func(T) bool) []T {
	var out []T
	for _, it := range items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}

// --- concurrency ---

// parallel runs fn(i) for i in [0, n) at once and waits for all of them.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}
