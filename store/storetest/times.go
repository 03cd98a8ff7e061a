package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// roundTripInstants are times that stores must keep exactly as
// flux.StoreTime has them: UTC, truncated (not rounded) to the microsecond.
var roundTripInstants = []struct {
	name string
	at   time.Time
}{
	{"Asia/Kolkata (+05:30) with nanoseconds", time.Date(2026, 3, 14, 23, 59, 59, 999999999, zone("Asia/Kolkata"))},
	{"America/St_Johns in winter (-03:30)", time.Date(2026, 1, 15, 12, 0, 0, 123456789, zone("America/St_Johns"))},
	{"America/St_Johns in summer (-02:30)", time.Date(2026, 7, 15, 12, 0, 0, 1, zone("America/St_Johns"))},
	{"Pacific/Chatham (+13:45)", time.Date(2026, 12, 31, 23, 30, 0, 500, zone("Pacific/Chatham"))},
	{"the Unix epoch in the local zone", time.Unix(0, 0)},
	{"half a microsecond before the epoch", tm("1969-12-31T23:59:59.9999995Z")},
	{"a leap day", tm("2028-02-29T12:00:00.000001Z")},
	{"before 1900", tm("1850-06-01T12:00:00.25-00:20")},
	{"year 1", tm("0001-01-01T00:00:00.000001Z")},
	{"year 9999", tm("9999-12-31T23:59:59.999999999Z")},
}

// testTimes specifies the third rule of store.go: every time comes back as
// flux.StoreTime has it, whatever zone and precision it went in with, in
// every type and through every method, and orders by instant.
func testTimes(t *testing.T, open Opener) {
	subtest(t, open, "RoundTrip", func(t *testing.T, e *env) {
		for _, c := range roundTripInstants {
			in, want := c.at, flux.StoreTime(c.at)
			what := func(s string) string { return fmt.Sprintf("%s (%s)", s, c.name) }
			same := func(field string, got time.Time) {
				t.Helper()
				if !got.Equal(want) || got.Location() != time.UTC {
					t.Errorf("%s: %s = %s, want %s", what("round trip"), field, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
				}
			}
			e.clock.Set(in) // every CreatedAt and UpdatedAt below is in

			u := newUser()
			u.WhatsAppOptInAt, u.WhatsAppLastInboundAt = &in, &in
			must(t, e.s.Users().CreateUser(e.ctx, u), what("CreateUser"))
			same("User.CreatedAt", u.CreatedAt)
			same("User.WhatsAppOptInAt", *u.WhatsAppOptInAt)
			same("User.WhatsAppLastInboundAt", *u.WhatsAppLastInboundAt)
			wantEqual(t, what("GetUser"), *u, *mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, u.ID)))

			g := newGoal(u.ID, "g")
			g.TargetDate, g.CompletedAt = &in, &in
			must(t, e.s.Goals().CreateGoal(e.ctx, &g), what("CreateGoal"))
			same("Goal.TargetDate", *g.TargetDate)
			same("Goal.CompletedAt", *g.CompletedAt)
			same("Goal.UpdatedAt", g.UpdatedAt)

			x := scheduledTask(u.ID, "t", in)
			x.Deadline, x.EarliestStart, x.CompletedAt = &in, &in, &in
			must(t, e.s.Tasks().CreateTask(e.ctx, &x), what("CreateTask"))
			same("Task.ScheduledAt", *x.ScheduledAt)
			same("Task.Deadline", *x.Deadline)
			same("Task.EarliestStart", *x.EarliestStart)
			same("Task.CompletedAt", *x.CompletedAt)
			wantEqual(t, what("GetTask"), x, *mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, u.ID, x.ID)))
			// A filter bound at the stored instant, in another zone, finds it.
			from := want.In(zone("Asia/Kolkata"))
			wantList(t, what("ListTasks in [stored time, +1µs)"), []flux.Task{x}, func(p flux.Page) ([]flux.Task, string, error) {
				return e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{From: &from, To: ptr(from.Add(time.Microsecond))}, p)
			}, 0)

			start, end := in, in.Add(time.Hour)
			if in.Year() > 9000 {
				start, end = in.Add(-time.Hour), in
			}
			ev := newEvent(u.ID, "e", start, end)
			must(t, e.s.Calendar().CreateEvent(e.ctx, &ev), what("CreateEvent"))
			wantEqual(t, what("GetEvent"), ev, *mustGet[*flux.CalendarEvent](t, "GetEvent")(e.s.Calendar().GetEvent(e.ctx, u.ID, ev.ID)))
			if !ev.Start.Equal(flux.StoreTime(start)) || !ev.End.Equal(flux.StoreTime(end)) {
				t.Errorf("%s: event %s–%s, want %s–%s", what("CreateEvent"), ev.Start, ev.End, flux.StoreTime(start), flux.StoreTime(end))
			}

			conv := newConversation(u.ID, flux.ConversationVoice)
			conv.EndedAt = &in
			must(t, e.s.Conversations().CreateConversation(e.ctx, &conv), what("CreateConversation"))
			m := newMessage(u.ID, conv.ID, flux.RoleUser, "m")
			must(t, e.s.Conversations().AddMessage(e.ctx, &m), what("AddMessage"))
			same("Message.CreatedAt", m.CreatedAt)
			gotConv := mustGet[*flux.Conversation](t, "GetConversation")(e.s.Conversations().GetConversation(e.ctx, u.ID, conv.ID))
			same("Conversation.EndedAt", *gotConv.EndedAt)
			same("Conversation.LastMessageAt", *gotConv.LastMessageAt)

			ps := newPush(u.ID, "d")
			ps.ExpiresAt = &in
			must(t, e.s.PushSubscriptions().SavePushSubscription(e.ctx, &ps), what("SavePushSubscription"))
			same("PushSubscription.ExpiresAt", *ps.ExpiresAt)

			n := newNotification(u.ID)
			n.SentAt, n.RespondedAt, n.DeliveredAt = &in, &in, &in
			must(t, e.s.Notifications().CreateNotification(e.ctx, &n), what("CreateNotification"))
			same("Notification.SentAt", *n.SentAt)
			same("Notification.RespondedAt", *n.RespondedAt)
			same("Notification.DeliveredAt", *n.DeliveredAt)

			esc := newEscalation(u.ID, in)
			for i := range esc.Steps { // no step after year 9999
				esc.Steps[i].DueAt, esc.Steps[i].SentAt, esc.Steps[i].DeliveredAt = in, &in, &in
			}
			esc.EndedAt = &in
			must(t, e.s.Escalations().CreateEscalation(e.ctx, &esc), what("CreateEscalation"))
			same("Escalation.Steps[0].DueAt", esc.Steps[0].DueAt)
			same("Escalation.Steps[1].SentAt", *esc.Steps[1].SentAt)
			same("Escalation.EndedAt", *esc.EndedAt)

			pt := newPattern(u.ID, "x")
			must(t, e.s.Patterns().CreatePattern(e.ctx, &pt), what("CreatePattern"))
			same("Pattern.CreatedAt", pt.CreatedAt)

			tok := flux.LocalToken{UserID: u.ID, ExpiresAt: in}
			must(t, e.s.Tokens().CreateToken(e.ctx, &tok), what("CreateToken"))
			same("LocalToken.ExpiresAt", tok.ExpiresAt)
			wantEqual(t, what("GetToken"), tok, *mustGet[*flux.LocalToken](t, "GetToken")(e.s.Tokens().GetToken(e.ctx, tok.ID)))

			// Everything, read back in one piece.
			x2 := e.export(u.ID)
			wantStoreTimes(t, what("ExportUser"), x2)
			wantEqual(t, what("ExportUser: tasks"), []flux.Task{x}, x2.Tasks)
			wantEqual(t, what("ExportUser: escalations"), []flux.Escalation{esc}, x2.Escalations)
			wantEqual(t, what("ExportUser: notifications"), []flux.Notification{n}, x2.Notifications)
			wantEqual(t, what("ExportUser: push subscriptions"), []flux.PushSubscription{ps}, x2.PushSubscriptions)
			wantEqual(t, what("ExportUser: conversations"), []flux.Conversation{*gotConv}, x2.Conversations)
			wantEqual(t, what("ExportUser: messages"), []flux.Message{m}, x2.Messages)
			wantEqual(t, what("ExportUser: goals"), []flux.Goal{g}, x2.Goals)
		}
	})

	subtest(t, open, "Order", func(t *testing.T, e *env) {
		u := e.user()
		var tasks []flux.Task
		var events []flux.CalendarEvent
		for _, c := range roundTripInstants {
			tasks = append(tasks, *e.task(u.ID, func(x *flux.Task) { x.Status, x.ScheduledAt = flux.TaskScheduled, ptr(c.at) }))
			start, end := c.at, c.at.Add(time.Minute)
			if c.at.Year() > 9000 {
				start, end = c.at.Add(-time.Minute), c.at
			}
			events = append(events, *e.event(u.ID, start, end))
		}
		wantList(t, "ListTasks across the centuries", sorted(tasks, taskOrder), func(p flux.Page) ([]flux.Task, string, error) {
			return e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{}, p)
		}, 1, 3, 0)
		byStart := oldestFirst(func(ev flux.CalendarEvent) time.Time { return ev.Start })
		wantList(t, "ListEvents across the centuries", sorted(events, byStart), func(p flux.Page) ([]flux.CalendarEvent, string, error) {
			return e.s.Calendar().ListEvents(e.ctx, u.ID, flux.EventFilter{}, p)
		}, 1, 3, 0)
	})
}
