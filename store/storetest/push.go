package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testPush specifies flux.PushSubscriptionStore.
func testPush(t *testing.T, open Opener) {
	subtest(t, open, "SaveNew", func(t *testing.T, e *env) {
		u := e.user()
		build := func() flux.PushSubscription {
			s := newPush(u.ID, "device-1")
			s.ExpiresAt = ptr(time.Date(2026, 9, 1, 0, 0, 0, 1500, zone("America/St_Johns")))
			return s
		}
		s := build()
		must(t, e.s.PushSubscriptions().SavePushSubscription(e.ctx, &s), "SavePushSubscription")
		if !flux.ValidID(s.ID) {
			t.Fatalf("SavePushSubscription wrote back id %q, want a new UUID", s.ID)
		}
		want := build()
		want.ID, want.CreatedAt, want.UpdatedAt, want.ExpiresAt = s.ID, e.clock.stored(), e.clock.stored(), stp(want.ExpiresAt)
		wantEqual(t, "SavePushSubscription writes the stored subscription back", want, s)
		wantEqual(t, "ListPushSubscriptions", []flux.PushSubscription{want},
			mustGet[[]flux.PushSubscription](t, "ListPushSubscriptions")(e.s.PushSubscriptions().ListPushSubscriptions(e.ctx, u.ID)))

		for _, userID := range append([]string{flux.NewID()}, malformedIDs...) {
			s := newPush(userID, "device-1")
			wantNotFound(t, e.s.PushSubscriptions().SavePushSubscription(e.ctx, &s), fmt.Sprintf("SavePushSubscription for user %q", userID))
		}
	})

	subtest(t, open, "SaveReplaces", func(t *testing.T, e *env) {
		u := e.user()
		first := e.push(u.ID, "device-1")
		e.clock.Advance(time.Hour)

		for _, id := range []string{"", flux.NewID()} { // the caller's id does not matter
			build := func() flux.PushSubscription {
				s := newPush(u.ID, "device-1")
				s.Endpoint = "https://updates.push.services.mozilla.com/wpush/v2/" + id
				s.P256DH, s.Auth = "BOtherKey", "otherAuth"
				s.DeviceName, s.UserAgent = "Firefox on Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:140.0)"
				s.ExpiresAt = ptr(tm("2027-01-01T00:00:00Z"))
				return s
			}
			s := build()
			s.ID = id
			must(t, e.s.PushSubscriptions().SavePushSubscription(e.ctx, &s), "SavePushSubscription of a known device")
			want := build()
			want.ID, want.CreatedAt, want.UpdatedAt = first.ID, first.CreatedAt, e.clock.stored()
			wantEqual(t, "SavePushSubscription of a known device keeps its id and CreatedAt", want, s)
			wantEqual(t, "ListPushSubscriptions after a replace", []flux.PushSubscription{want},
				mustGet[[]flux.PushSubscription](t, "ListPushSubscriptions")(e.s.PushSubscriptions().ListPushSubscriptions(e.ctx, u.ID)))
			e.clock.Advance(time.Minute)
		}
	})

	subtest(t, open, "SaveConcurrent", func(t *testing.T, e *env) {
		u := e.user()
		const n = 10
		subs := make([]flux.PushSubscription, n)
		parallel(n, func(i int) {
			subs[i] = newPush(u.ID, "device-1")
			subs[i].DeviceName = fmt.Sprint("name ", i)
			if err := e.s.PushSubscriptions().SavePushSubscription(e.ctx, &subs[i]); err != nil {
				t.Errorf("SavePushSubscription %d: %v", i, err)
			}
		})
		got := mustGet[[]flux.PushSubscription](t, "ListPushSubscriptions")(e.s.PushSubscriptions().ListPushSubscriptions(e.ctx, u.ID))
		if len(got) != 1 {
			t.Fatalf("after %d concurrent saves of one device: %d subscriptions, want 1", n, len(got))
		}
		for i, s := range subs {
			if s.ID != got[0].ID {
				t.Errorf("concurrent save %d wrote back id %s, the stored subscription has %s", i, s.ID, got[0].ID)
			}
		}
	})

	subtest(t, open, "List", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		base := tm("2026-03-01T00:00:00Z")
		var all []flux.PushSubscription
		for k := range 3 {
			e.clock.Set(base.Add(time.Duration(k)*time.Microsecond + 100*time.Nanosecond))
			for j := range 3 {
				s := newPush(u.ID, fmt.Sprintf("device-%d-%d", k, j))
				s.ID = randomID()
				must(t, e.s.PushSubscriptions().SavePushSubscription(e.ctx, &s), "SavePushSubscription")
				all = append(all, s)
				e.push(other.ID, fmt.Sprintf("device-%d-%d", k, j)) // the same device ids
			}
		}
		e.clock.Set(base.Add(-time.Hour))
		all = append(all, *e.push(u.ID, "early"))
		// Replacing a subscription keeps its place.
		e.clock.Set(base.Add(time.Hour))
		again := newPush(u.ID, "device-0-0")
		must(t, e.s.PushSubscriptions().SavePushSubscription(e.ctx, &again), "SavePushSubscription")
		for i := range all {
			if all[i].DeviceID == "device-0-0" {
				all[i] = again
			}
		}
		want := sorted(all, oldestFirst(createdAt[flux.PushSubscription]))
		wantEqual(t, "ListPushSubscriptions: oldest first, then by ID", want,
			mustGet[[]flux.PushSubscription](t, "ListPushSubscriptions")(e.s.PushSubscriptions().ListPushSubscriptions(e.ctx, u.ID)))

		for _, userID := range append([]string{flux.NewID()}, malformedIDs...) {
			got, err := e.s.PushSubscriptions().ListPushSubscriptions(e.ctx, userID)
			if err != nil || len(got) != 0 {
				t.Errorf("ListPushSubscriptions(%q): %d subscriptions, error %v; want none", userID, len(got), err)
			}
		}
	})

	subtest(t, open, "Delete", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		a, b := e.push(u.ID, "device-1"), e.push(u.ID, "device-2")
		theirs := e.push(other.ID, "device-1")
		list := func(userID string) []flux.PushSubscription {
			return mustGet[[]flux.PushSubscription](t, "ListPushSubscriptions")(e.s.PushSubscriptions().ListPushSubscriptions(e.ctx, userID))
		}
		wantNotFound(t, e.s.PushSubscriptions().DeletePushSubscription(e.ctx, u.ID, "device-3"), "DeletePushSubscription of an unknown device")
		wantNotFound(t, e.s.PushSubscriptions().DeletePushSubscription(e.ctx, u.ID, a.ID), "DeletePushSubscription by subscription id")
		for _, bad := range malformedIDs {
			wantNotFound(t, e.s.PushSubscriptions().DeletePushSubscription(e.ctx, bad, "device-1"), fmt.Sprintf("DeletePushSubscription with user id %q", bad))
		}
		wantNotFound(t, e.s.PushSubscriptions().DeletePushSubscription(e.ctx, flux.NewID(), "device-1"), "DeletePushSubscription of an unknown user")

		must(t, e.s.PushSubscriptions().DeletePushSubscription(e.ctx, u.ID, "device-1"), "DeletePushSubscription")
		wantEqual(t, "the user's subscriptions after DeletePushSubscription", []flux.PushSubscription{*b}, list(u.ID))
		wantEqual(t, "the other user's subscription of the same device id", []flux.PushSubscription{*theirs}, list(other.ID))
		wantNotFound(t, e.s.PushSubscriptions().DeletePushSubscription(e.ctx, u.ID, "device-1"), "DeletePushSubscription a second time")

		// The device can subscribe again, as a new subscription.
		again := e.push(u.ID, "device-1")
		if again.ID == a.ID {
			t.Errorf("a device subscribing again after its subscription was deleted got the old id")
		}
	})
}
