// Package storetest is the conformance suite of Flux stores: the executable
// form of the contract written in the doc comments of flux.Store and the
// interfaces it gathers (store.go), together with the Validate methods of
// the domain types. A store is correct when it passes Run; a new rule is
// added here, as a case of the suite, not to one store's own tests.
//
// A store's tests call Run with a function that opens a fresh, empty store
// for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(tb testing.TB, clock flux.Clock) flux.Store {
//			s, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "flux.db"), &sqlite.Options{Clock: clock})
//			if err != nil {
//				tb.Fatal(err)
//			}
//			tb.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
//	func BenchmarkListTasksWindow(b *testing.B) { storetest.BenchmarkListTasksWindow(b, open) }
//	func BenchmarkCreateGoalPlan(b *testing.B)  { storetest.BenchmarkCreateGoalPlan(b, open) }
//
// # What the suite decides where store.go leaves a choice
//
// The suite is stricter than the letter of store.go in a few places; each
// is the reading below, and a store follows it:
//
//   - Atomic, when fn panics, rolls the transaction back and panics again
//     with the same value; the store stays usable.
//   - Update methods set UpdatedAt (where the type has one) to the store's
//     clock. Changes fn makes to ID, UserID and CreatedAt are ignored, not
//     refused; the returned value shows the stored ones.
//   - Errors a caller hands in (fn's error, gen's error, Atomic's fn error)
//     come back so that errors.Is finds them; they may be wrapped.
//   - A list for an unknown or malformed user id, or filtered on an unknown
//     or malformed id, is empty (not an error). Fetching one row by such an
//     id is ENotFound.
//   - Creating a row whose caller-given id is taken is EConflict, whoever
//     owns the row with that id. A create for a user that does not exist is
//     ENotFound.
//   - Types without a Validate method are still checked where store.go or
//     the type names the allowed values: an unknown Conversation.Kind,
//     Notification.Channel or Status, Escalation.Status, Milestone.Status or
//     Message.Role, empty Message.Content and Pattern.Confidence outside
//     [0, 1] are EInvalid with the JSON name of the field.
//   - JSON (json.RawMessage) comes back as the same JSON value, not
//     necessarily the same bytes (PostgreSQL's jsonb reorders keys); absent
//     JSON comes back absent. Strings come back byte for byte. A nil and an
//     empty slice or map are equal.
//   - Times come back in UTC, truncated to the microsecond (flux.StoreTime),
//     everywhere, including inside JSON such as escalation steps.
//   - A new conversation starts with MessageCount 0 and no LastMessageAt,
//     whatever the argument says. Notifications and escalations that name a
//     deleted task stay as they are: they are history.
//   - ListPushSubscriptions is ordered by CreatedAt, then ID; the "newest
//     first" lists by CreatedAt, then ID, descending.
//   - Close returns nil; Ping afterwards fails. The suite closes some stores
//     itself, so the Opener's cleanup must tolerate a second Close.
package storetest

import (
	"testing"

	"github.com/fluxlife/flux"
)

// Opener opens a new, empty store that reads the time from clock (nil means
// the system clock) and registers with tb a cleanup that closes the store
// (which may already be closed) and removes its data. Every call must return
// an independent store, so that subtests can run in parallel.
type Opener func(tb testing.TB, clock flux.Clock) flux.Store

// Run runs the whole conformance suite against the stores open returns. The
// subtests run in parallel, each on its own store; they are grouped by
// aggregate (Users, Goals, Tasks, ..., Articles) and by cross-cutting rule
// (Ownership, Atomic, Times, Unicode), so one can be picked with
// go test -run 'TestConformance/Tasks/ListKeyset'.
func Run(t *testing.T, open Opener) {
	t.Helper()
	groups := []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"Users", testUsers},
		{"Goals", testGoals},
		{"Tasks", testTasks},
		{"Calendar", testCalendar},
		{"Conversations", testConversations},
		{"PushSubscriptions", testPush},
		{"Notifications", testNotifications},
		{"Escalations", testEscalations},
		{"Patterns", testPatterns},
		{"Tokens", testTokens},
		{"Secrets", testSecrets},
		{"Auth", testAuth},
		{"Articles", testArticles},
		{"Ownership", testOwnership},
		{"Atomic", testAtomic},
		{"Times", testTimes},
		{"Unicode", testUnicode},
		{"Lifecycle", testLifecycle},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, open) })
	}
}
