package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testNotifications specifies flux.NotificationStore, the notification log.
func testNotifications(t *testing.T, open Opener) {
	subtest(t, open, "CreateAndGet", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		x := e.task(u.ID)
		esc := e.escalation(u.ID)
		build := func() flux.Notification {
			n := newNotification(u.ID)
			n.TaskID, n.EscalationID = x.ID, esc.ID
			n.Channel, n.Status = flux.ChannelWhatsApp, flux.NotificationDelivered
			n.ExternalID, n.IdempotencyKey = "SM0123456789abcdef0123456789abcdef", "task:"+x.ID+":whatsapp"
			n.Response, n.Error = "done", "none"
			n.Provider, n.Recipient, n.Attempts = "twilio", "+4915112345678", 3
			n.Payload = json.RawMessage(`{"url": "https://app.example/tasks/1", "data": {"k": "v ✓"}, "actions": [{"action": "done"}]}`)
			n.SentAt = ptr(time.Date(2026, 3, 14, 9, 0, 0, 1, zone("Asia/Kolkata")))
			n.DeliveredAt = ptr(time.Date(2026, 3, 14, 9, 0, 2, 500, zone("Asia/Kolkata")))
			n.RespondedAt = ptr(time.Date(2026, 3, 14, 9, 5, 0, 999999999, zone("Asia/Kolkata")))
			return n
		}
		n := build()
		must(t, e.s.Notifications().CreateNotification(e.ctx, &n), "CreateNotification")
		if !flux.ValidID(n.ID) {
			t.Fatalf("CreateNotification wrote back id %q, want a new UUID", n.ID)
		}
		want := build()
		want.ID, want.CreatedAt, want.UpdatedAt = n.ID, e.clock.stored(), e.clock.stored()
		want.SentAt, want.RespondedAt, want.DeliveredAt = stp(want.SentAt), stp(want.RespondedAt), stp(want.DeliveredAt)
		wantEqual(t, "CreateNotification writes the stored notification back", want, n)
		wantEqual(t, "GetNotification", want, *mustGet[*flux.Notification](t, "GetNotification")(e.s.Notifications().GetNotification(e.ctx, u.ID, n.ID)))
		wantGetNotFound(e, "GetNotification", e.s.Notifications().GetNotification, u.ID, other.ID, n.ID)

		// Every status is stored.
		for _, st := range []flux.NotificationStatus{flux.NotificationPending, flux.NotificationSent, flux.NotificationDelivered,
			flux.NotificationFailed, flux.NotificationRead, flux.NotificationCancelled} {
			x := newNotification(u.ID)
			x.Status = st
			must(t, e.s.Notifications().CreateNotification(e.ctx, &x), "CreateNotification with status "+string(st))
			wantEqual(t, "GetNotification with status "+string(st), x, *mustGet[*flux.Notification](t, "GetNotification")(e.s.Notifications().GetNotification(e.ctx, u.ID, x.ID)))
		}

		// A log entry about nothing in particular.
		bare := flux.Notification{UserID: u.ID, Channel: flux.ChannelLog, Status: flux.NotificationPending, Title: "t"}
		must(t, e.s.Notifications().CreateNotification(e.ctx, &bare), "CreateNotification with few fields")
		wantEqual(t, "GetNotification with few fields", bare, *mustGet[*flux.Notification](t, "GetNotification")(e.s.Notifications().GetNotification(e.ctx, u.ID, bare.ID)))
	})

	subtest(t, open, "CreateRefused", func(t *testing.T, e *env) {
		u := e.user()
		n := newNotification(u.ID)
		n.Channel = "pigeon"
		wantInvalidFields(t, e.s.Notifications().CreateNotification(e.ctx, &n), "CreateNotification on an unknown channel", "channel")
		n = newNotification(u.ID)
		n.Status = "lost"
		wantInvalidFields(t, e.s.Notifications().CreateNotification(e.ctx, &n), "CreateNotification with an unknown status", "status")
		n = newNotification(u.ID)
		n.Attempts = -1
		wantInvalidFields(t, e.s.Notifications().CreateNotification(e.ctx, &n), "CreateNotification with negative attempts", "attempts")
		for _, p := range []string{`[1, 2]`, `"text"`, `null`, `{"a": `} {
			n = newNotification(u.ID)
			n.Payload = json.RawMessage(p)
			wantInvalidFields(t, e.s.Notifications().CreateNotification(e.ctx, &n), "CreateNotification with payload "+p, "payload")
		}
		for _, userID := range append([]string{flux.NewID()}, malformedIDs...) {
			n := newNotification(userID)
			wantNotFound(t, e.s.Notifications().CreateNotification(e.ctx, &n), fmt.Sprintf("CreateNotification for user %q", userID))
		}
		wantExportEmpty(e, u)
	})

	subtest(t, open, "IdempotencyKey", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		first := e.notification(u.ID, func(n *flux.Notification) { n.IdempotencyKey = "reminder:42" })
		again := newNotification(u.ID)
		again.IdempotencyKey, again.Channel = "reminder:42", flux.ChannelCall
		wantCode(t, e.s.Notifications().CreateNotification(e.ctx, &again), flux.EConflict, "CreateNotification with a used idempotency key")
		got := walk(t, "ListNotifications", 0, func(p flux.Page) ([]flux.Notification, string, error) {
			return e.s.Notifications().ListNotifications(e.ctx, u.ID, flux.NotificationFilter{}, p)
		})
		wantEqual(t, "the log after a refused repeat", []flux.Notification{*first}, got)

		// The key is the user's: another user may use it; keys differing in
		// case differ; no key never conflicts.
		e.notification(other.ID, func(n *flux.Notification) { n.IdempotencyKey = "reminder:42" })
		e.notification(u.ID, func(n *flux.Notification) { n.IdempotencyKey = "Reminder:42" })
		for range 3 {
			e.notification(u.ID)
		}
	})

	subtest(t, open, "CreateConcurrentKey", func(t *testing.T, e *env) {
		u := e.user()
		const n = 10
		errs := make([]error, n)
		parallel(n, func(i int) {
			x := newNotification(u.ID)
			x.IdempotencyKey = "escalation:7:step:1"
			errs[i] = e.s.Notifications().CreateNotification(e.ctx, &x)
		})
		ok := 0
		for i, err := range errs {
			switch flux.ErrorCode(err) {
			case "":
				ok++
			case flux.EConflict:
			default:
				t.Errorf("concurrent CreateNotification %d: %v, want nil or a conflict", i, err)
			}
		}
		if ok != 1 {
			t.Errorf("%d concurrent sends with one idempotency key: %d succeeded, want 1", n, ok)
		}
	})

	subtest(t, open, "ExternalID", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		a := e.notification(u.ID, func(n *flux.Notification) { n.ExternalID = "CA1111" })
		b := e.notification(other.ID, func(n *flux.Notification) { n.ExternalID = "CA2222" })

		// External ids are unique across users.
		dup := newNotification(other.ID)
		dup.ExternalID = "CA1111"
		wantCode(t, e.s.Notifications().CreateNotification(e.ctx, &dup), flux.EConflict, "CreateNotification with another user's external id")
		dup = newNotification(u.ID)
		dup.ExternalID = "CA1111"
		wantCode(t, e.s.Notifications().CreateNotification(e.ctx, &dup), flux.EConflict, "CreateNotification with a used external id")

		// NotificationByExternalID is not scoped by user.
		wantEqual(t, "NotificationByExternalID", *a, *mustGet[*flux.Notification](t, "NotificationByExternalID")(e.s.Notifications().NotificationByExternalID(e.ctx, "CA1111")))
		wantEqual(t, "NotificationByExternalID of the other user", *b, *mustGet[*flux.Notification](t, "NotificationByExternalID")(e.s.Notifications().NotificationByExternalID(e.ctx, "CA2222")))
		e.notification(u.ID) // no external id
		for _, id := range []string{"", "CA3333", "ca1111", "CA111", "CA%", "' OR '1'='1"} {
			_, err := e.s.Notifications().NotificationByExternalID(e.ctx, id)
			wantNotFound(t, err, fmt.Sprintf("NotificationByExternalID(%q)", id))
		}

		// An update that takes a used external id is a conflict too.
		_, err := e.s.Notifications().UpdateNotification(e.ctx, other.ID, b.ID, func(n *flux.Notification) error {
			n.ExternalID = "CA1111"
			return nil
		})
		wantCode(t, err, flux.EConflict, "UpdateNotification to a used external id")
		wantEqual(t, "the notification after a conflicting update", *b, *mustGet[*flux.Notification](t, "GetNotification")(e.s.Notifications().GetNotification(e.ctx, other.ID, b.ID)))
		// Setting it later (a provider answers after the send is logged).
		c := e.notification(u.ID)
		got, err := e.s.Notifications().UpdateNotification(e.ctx, u.ID, c.ID, func(n *flux.Notification) error {
			n.ExternalID = "SM3333"
			return nil
		})
		must(t, err, "UpdateNotification setting the external id")
		wantEqual(t, "NotificationByExternalID of an id set by update", *got, *mustGet[*flux.Notification](t, "NotificationByExternalID")(e.s.Notifications().NotificationByExternalID(e.ctx, "SM3333")))
	})

	subtest(t, open, "List", func(t *testing.T, e *env) {
		checkNewestFirst(e, "ListNotifications",
			func(userID, id string) flux.Notification {
				n := newNotification(userID)
				n.ID = id
				must(t, e.s.Notifications().CreateNotification(e.ctx, &n), "CreateNotification")
				return n
			},
			func(userID string) lister[flux.Notification] {
				return func(p flux.Page) ([]flux.Notification, string, error) {
					return e.s.Notifications().ListNotifications(e.ctx, userID, flux.NotificationFilter{}, p)
				}
			})
	})

	subtest(t, open, "ListFilter", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		t1, t2 := e.task(u.ID), e.task(u.ID)
		esc := e.escalation(u.ID)
		theirTask := e.task(other.ID)
		channels := []flux.Channel{flux.ChannelPush, flux.ChannelWhatsApp, flux.ChannelCall, flux.ChannelLog}
		var all []flux.Notification
		for i := range 16 {
			e.clock.Advance(time.Second)
			all = append(all, *e.notification(u.ID, func(n *flux.Notification) {
				n.Channel = channels[i%4]
				switch i % 3 {
				case 0:
					n.TaskID = t1.ID
				case 1:
					n.TaskID, n.EscalationID = t2.ID, esc.ID
				}
				if i%5 == 0 {
					n.IdempotencyKey = fmt.Sprint("key-", i)
				}
			}))
			e.notification(other.ID, func(n *flux.Notification) { n.Channel, n.TaskID = channels[i%4], theirTask.ID })
		}
		cases := []struct {
			name string
			f    flux.NotificationFilter
			keep func(flux.Notification) bool
		}{
			{"no filter", flux.NotificationFilter{}, func(flux.Notification) bool { return true }},
			{"a task", flux.NotificationFilter{TaskID: t1.ID}, func(n flux.Notification) bool { return n.TaskID == t1.ID }},
			{"another user's task", flux.NotificationFilter{TaskID: theirTask.ID}, func(flux.Notification) bool { return false }},
			{"a malformed task id", flux.NotificationFilter{TaskID: "t1"}, func(flux.Notification) bool { return false }},
			{"an escalation", flux.NotificationFilter{EscalationID: esc.ID}, func(n flux.Notification) bool { return n.EscalationID == esc.ID }},
			{"a malformed escalation id", flux.NotificationFilter{EscalationID: "e"}, func(flux.Notification) bool { return false }},
			{"a channel", flux.NotificationFilter{Channel: flux.ChannelWhatsApp}, func(n flux.Notification) bool { return n.Channel == flux.ChannelWhatsApp }},
			{"an idempotency key", flux.NotificationFilter{IdempotencyKey: "key-10"}, func(n flux.Notification) bool { return n.IdempotencyKey == "key-10" }},
			{"a task and a channel", flux.NotificationFilter{TaskID: t1.ID, Channel: flux.ChannelCall}, func(n flux.Notification) bool {
				return n.TaskID == t1.ID && n.Channel == flux.ChannelCall
			}},
			{"everything", flux.NotificationFilter{TaskID: t2.ID, EscalationID: esc.ID, Channel: flux.ChannelWhatsApp, IdempotencyKey: "key-25"},
				func(flux.Notification) bool { return false }},
		}
		for _, c := range cases {
			want := sorted(filter(all, c.keep), newestFirst(createdAt[flux.Notification]))
			wantList(t, "ListNotifications with "+c.name, want, func(p flux.Page) ([]flux.Notification, string, error) {
				return e.s.Notifications().ListNotifications(e.ctx, u.ID, c.f, p)
			}, 2, 0)
		}
	})

	subtest(t, open, "Update", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		n := e.notification(u.ID)
		x := e.task(u.ID)
		checkUpdate(e, updateCase[flux.Notification]{
			what:    "UpdateNotification",
			update:  e.s.Notifications().UpdateNotification,
			get:     e.s.Notifications().GetNotification,
			ownerID: u.ID, otherID: other.ID, id: n.ID,
			edit: func(n *flux.Notification) {
				n.TaskID, n.Channel, n.Status = x.ID, flux.ChannelCall, flux.NotificationRead
				n.Title, n.Body, n.ExternalID, n.IdempotencyKey = "Call", "Ringing", "CA9999", "call:1"
				n.Response, n.Error = "reschedule", "busy"
				n.Provider, n.Recipient, n.Attempts = "log", "+14155550100", 2
				n.Payload = json.RawMessage(`{"url": "x"}`)
				n.SentAt, n.RespondedAt = st(tm("2026-03-14T10:00:00.123456789Z")), st(time.Date(2026, 3, 14, 10, 1, 0, 0, zone("America/St_Johns")))
				n.DeliveredAt = st(tm("2026-03-14T10:00:01.5Z"))
			},
			invalid:       func(n *flux.Notification) { n.Status = "bogus" },
			invalidFields: []string{"status"},
		})

		// Taking another notification's idempotency key is a conflict.
		m := e.notification(u.ID, func(n *flux.Notification) { n.IdempotencyKey = "taken" })
		_, err := e.s.Notifications().UpdateNotification(e.ctx, u.ID, n.ID, func(n *flux.Notification) error {
			n.IdempotencyKey = m.IdempotencyKey
			return nil
		})
		wantCode(t, err, flux.EConflict, "UpdateNotification to a used idempotency key")
	})

	subtest(t, open, "LastUnanswered", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		const phone, otherPhone = "+4915112345678", "+14155550100"
		e.clock.Advance(time.Minute)
		start := e.clock.Now()
		e.clock.Advance(time.Second)
		old := e.notification(u.ID, func(n *flux.Notification) { n.Channel, n.Recipient = flux.ChannelWhatsApp, phone })
		e.clock.Advance(time.Second)
		newest := e.notification(u.ID, func(n *flux.Notification) { n.Channel, n.Recipient = flux.ChannelWhatsApp, phone })
		e.clock.Advance(time.Second)
		// Not candidates: answered, another channel, another number.
		e.notification(u.ID, func(n *flux.Notification) {
			n.Channel, n.Recipient, n.Response = flux.ChannelWhatsApp, phone, "done"
		})
		e.notification(u.ID, func(n *flux.Notification) { n.Channel, n.Recipient = flux.ChannelCall, phone })
		e.notification(other.ID, func(n *flux.Notification) { n.Channel, n.Recipient = flux.ChannelWhatsApp, otherPhone })

		last := func(ch flux.Channel, to string, since time.Time) (*flux.Notification, error) {
			return e.s.Notifications().LastUnanswered(e.ctx, ch, to, since)
		}
		wantEqual(t, "LastUnanswered", *newest, *mustGet[*flux.Notification](t, "LastUnanswered")(last(flux.ChannelWhatsApp, phone, start)))
		// Answering the newest makes the older one the last unanswered.
		_, err := e.s.Notifications().UpdateNotification(e.ctx, u.ID, newest.ID, func(n *flux.Notification) error {
			n.Response = "missed"
			return nil
		})
		must(t, err, "UpdateNotification answering")
		wantEqual(t, "LastUnanswered after an answer", *old, *mustGet[*flux.Notification](t, "LastUnanswered")(last(flux.ChannelWhatsApp, phone, start)))
		// since bounds it; nothing for unknown numbers or an empty one.
		_, err = last(flux.ChannelWhatsApp, phone, old.CreatedAt.Add(time.Microsecond))
		wantNotFound(t, err, "LastUnanswered since after the last one")
		for _, to := range []string{"", "+15550000000", "4915112345678", "' OR '1'='1"} {
			_, err := last(flux.ChannelWhatsApp, to, start)
			wantNotFound(t, err, fmt.Sprintf("LastUnanswered(%q)", to))
		}
		wantEqual(t, "LastUnanswered of the other user's number", otherPhone,
			mustGet[*flux.Notification](t, "LastUnanswered")(last(flux.ChannelWhatsApp, otherPhone, start)).Recipient)
	})
}
