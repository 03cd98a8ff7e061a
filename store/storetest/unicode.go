package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/fluxlife/flux"
)

// unicodeTexts are strings stores keep byte for byte: no normalisation, no
// trimming, no escaping.
var unicodeTexts = []string{
	"🎯🚀 Marathon — 42,195 km 🏃‍♀️",
	"学习中文 每天三十分钟（日本語も）한국어",
	"שלום עולם — مرحبا بالعالم",
	"Zoe\u0308 Cafe\u0301 (decomposed)",
	"Zoë Café (composed)",
	"👩🏽‍💻 👨‍👩‍👧‍👦 🇵🇹 🏳️‍🌈",
	"\u202eoverride\u202c and \u200f mark",
	"quotes ' \" ` backslash \\ wildcards %_ ; DROP TABLE users; --",
	"line\nbreak\ttab\r\nend ",
	"𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎𠜱 \uFEFFBOM zero\u200bwidth",
}

// testUnicode specifies that text and JSON survive every store unchanged.
func testUnicode(t *testing.T, open Opener) {
	subtest(t, open, "RoundTrip", func(t *testing.T, e *env) {
		for i, s := range unicodeTexts {
			what := func(m string) string { return fmt.Sprintf("%s with text %d %q", m, i, s) }
			data, err := json.Marshal(map[string]any{"text": s, s: []any{s, 1.5}, "nested": map[string]any{"k": s}})
			must(t, err, "json.Marshal")

			u := flux.NewUser(flux.NewID(), "", s)
			u.NotificationPreferences = map[string]any{"label": s}
			must(t, e.s.Users().CreateUser(e.ctx, u), what("CreateUser"))
			wantEqual(t, what("GetUser"), *u, *mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, u.ID)))

			p := newPlan(u.ID, 1, 1, tm("2026-04-01T07:00:00Z"))
			p.Goal.Title, p.Goal.Description, p.Goal.Category = s, s+s, s
			p.Goal.Sources = []flux.Source{{Title: s, Source: s}}
			p.Milestones[0].Title = s
			p.Tasks[0].Title, p.Tasks[0].Description, p.Tasks[0].PreferredTime = s, s, s
			p.Tasks[0].TriggerType, p.Tasks[0].LocationTrigger = flux.TriggerLocation, s
			must(t, e.s.Goals().CreateGoalPlan(e.ctx, p), what("CreateGoalPlan"))

			ev := newEvent(u.ID, s, tm("2026-04-01T07:00:00Z"), tm("2026-04-01T08:00:00Z"))
			must(t, e.s.Calendar().CreateEvent(e.ctx, &ev), what("CreateEvent"))

			c := newConversation(u.ID, flux.ConversationChat)
			c.State, c.Data = s, data
			must(t, e.s.Conversations().CreateConversation(e.ctx, &c), what("CreateConversation"))
			m := newMessage(u.ID, c.ID, flux.RoleAssistant, s)
			m.Metadata = data
			must(t, e.s.Conversations().AddMessage(e.ctx, &m), what("AddMessage"))
			c = *mustGet[*flux.Conversation](t, "GetConversation")(e.s.Conversations().GetConversation(e.ctx, u.ID, c.ID))

			ps := newPush(u.ID, s)
			ps.DeviceName, ps.UserAgent = s, s
			must(t, e.s.PushSubscriptions().SavePushSubscription(e.ctx, &ps), what("SavePushSubscription"))

			n := newNotification(u.ID)
			n.Title, n.Body, n.Response, n.Error, n.IdempotencyKey, n.ExternalID = s, s, s, s, s, fmt.Sprint(i, s)
			must(t, e.s.Notifications().CreateNotification(e.ctx, &n), what("CreateNotification"))
			wantEqual(t, what("NotificationByExternalID"), n, *mustGet[*flux.Notification](t, "NotificationByExternalID")(e.s.Notifications().NotificationByExternalID(e.ctx, n.ExternalID)))
			nl := walk(t, what("ListNotifications by idempotency key"), 0, func(pg flux.Page) ([]flux.Notification, string, error) {
				return e.s.Notifications().ListNotifications(e.ctx, u.ID, flux.NotificationFilter{IdempotencyKey: s}, pg)
			})
			wantEqual(t, what("ListNotifications by idempotency key"), []flux.Notification{n}, nl)

			esc := newEscalation(u.ID, tm("2026-04-01T07:00:00Z"))
			esc.Title, esc.Message, esc.IdempotencyKey, esc.Steps[0].Error = s, s, s, s
			must(t, e.s.Escalations().CreateEscalation(e.ctx, &esc), what("CreateEscalation"))

			pt := newPattern(u.ID, s)
			pt.Description, pt.Data, pt.UserOverride = s, data, data
			must(t, e.s.Patterns().CreatePattern(e.ctx, &pt), what("CreatePattern"))
			pl := walk(t, what("ListPatterns by type"), 0, func(pg flux.Page) ([]flux.Pattern, string, error) {
				return e.s.Patterns().ListPatterns(e.ctx, u.ID, flux.PatternFilter{Type: s}, pg)
			})
			wantEqual(t, what("ListPatterns by type"), []flux.Pattern{pt}, pl)

			want := flux.UserExport{
				User: *u, Goals: []flux.Goal{p.Goal}, Milestones: p.Milestones, Tasks: p.Tasks,
				CalendarEvents: []flux.CalendarEvent{ev}, Conversations: []flux.Conversation{c}, Messages: []flux.Message{m},
				PushSubscriptions: []flux.PushSubscription{ps}, Notifications: []flux.Notification{n},
				Escalations: []flux.Escalation{esc}, Patterns: []flux.Pattern{pt},
			}
			wantEqual(t, what("ExportUser"), want, *e.export(u.ID))
			must(t, e.s.PushSubscriptions().DeletePushSubscription(e.ctx, u.ID, s), what("DeletePushSubscription"))
		}
	})

	subtest(t, open, "NUL", func(t *testing.T, e *env) {
		// NUL is refused by every store at validation, naming the field
		// (PostgreSQL cannot keep it; SQLite could, so it must not).
		const nul = "Run\u0000 a 10k"
		u := flux.NewUser(flux.NewID(), "", nul)
		wantInvalid(t, e.s.Users().CreateUser(e.ctx, u), u.Validate(), "CreateUser with NUL in name")
		wantInvalidFields(t, u.Validate(), "User.Validate with NUL in name", "name")
		u = flux.NewUser(flux.NewID(), "", "Ada")
		u.NotificationPreferences = map[string]any{"label": nul}
		wantInvalid(t, e.s.Users().CreateUser(e.ctx, u), u.Validate(), "CreateUser with NUL in a preference")
		wantInvalidFields(t, u.Validate(), "User.Validate with NUL in a preference", "notification_preferences.label")

		owner := e.user()
		x := newTask(owner.ID, nul)
		wantInvalid(t, e.s.Tasks().CreateTask(e.ctx, &x), x.Validate(), "CreateTask with NUL in title")
		wantInvalidFields(t, x.Validate(), "Task.Validate with NUL in title", "title")
		ok := e.task(owner.ID)
		_, uerr := e.s.Tasks().UpdateTask(e.ctx, owner.ID, ok.ID, func(x *flux.Task) error { x.Description = nul; return nil })
		wantInvalidFields(t, uerr, "UpdateTask with NUL in description", "description")
		got := mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, owner.ID, ok.ID))
		wantEqual(t, "the task after a refused update", *ok, *got)

		p := newPlan(owner.ID, 1, 1, tm("2026-04-01T07:00:00Z"))
		p.Goal.Title = nul
		wantInvalidFields(t, e.s.Goals().CreateGoalPlan(e.ctx, p), "CreateGoalPlan with NUL in the goal's title", "title")
		ev := newEvent(owner.ID, nul, tm("2026-04-01T07:00:00Z"), tm("2026-04-01T08:00:00Z"))
		wantInvalid(t, e.s.Calendar().CreateEvent(e.ctx, &ev), ev.Validate(), "CreateEvent with NUL in title")

		// Nothing of it was stored.
		ts, _, err := e.s.Tasks().ListTasks(e.ctx, owner.ID, flux.TaskFilter{}, flux.Page{Limit: flux.MaxPageLimit})
		must(t, err, "ListTasks")
		for _, tk := range ts {
			if strings.ContainsRune(tk.Title+tk.Description, 0) {
				t.Errorf("a task with NUL was stored: %q", tk.Title)
			}
		}
	})

	subtest(t, open, "Lengths", func(t *testing.T, e *env) {
		u := e.user()
		// Limits count characters, not bytes: 500 four-byte emoji are a
		// valid title (2000 bytes), 501 are not.
		emoji := strings.Repeat("🏃", 500)
		x := e.task(u.ID, func(x *flux.Task) { x.Title = emoji })
		wantEqual(t, "GetTask with a 500-character title", *x, *mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, u.ID, x.ID)))
		g := e.goal(u.ID, func(g *flux.Goal) { g.Title = strings.Repeat("学", 500) })
		wantEqual(t, "GetGoal with a 500-character title", *g, *mustGet[*flux.Goal](t, "GetGoal")(e.s.Goals().GetGoal(e.ctx, u.ID, g.ID)))
		long := newTask(u.ID, emoji+"🏃")
		wantInvalid(t, e.s.Tasks().CreateTask(e.ctx, &long), long.Validate(), "CreateTask with a 501-character title")

		// Long free text is kept whole.
		big := strings.Repeat("Ünïcødé 🎯 text, ", 4000) // ~80 kB
		c := e.conversation(u.ID, flux.ConversationChat)
		m := newMessage(u.ID, c.ID, flux.RoleAssistant, big)
		must(t, e.s.Conversations().AddMessage(e.ctx, &m), "AddMessage with 80 kB of content")
		msgs, _, err := e.s.Conversations().ListMessages(e.ctx, u.ID, c.ID, flux.Page{})
		must(t, err, "ListMessages")
		wantEqual(t, "a long message", []flux.Message{m}, msgs)
	})
}
