package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testEscalations specifies flux.EscalationStore.
func testEscalations(t *testing.T, open Opener) {
	subtest(t, open, "CreateAndGet", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		x := e.task(u.ID)
		start := time.Date(2026, 3, 14, 8, 0, 0, 123456789, zone("America/St_Johns"))
		build := func() flux.Escalation {
			esc := newEscalation(u.ID, start)
			esc.TaskID, esc.IdempotencyKey = x.ID, "task:"+x.ID
			esc.Steps[2].Error = "no answer"
			esc.EndedAt = ptr(start.Add(time.Hour + 7))
			return esc
		}
		esc := build()
		must(t, e.s.Escalations().CreateEscalation(e.ctx, &esc), "CreateEscalation")
		if !flux.ValidID(esc.ID) {
			t.Fatalf("CreateEscalation wrote back id %q, want a new UUID", esc.ID)
		}
		want := build()
		want.ID, want.CreatedAt, want.UpdatedAt, want.EndedAt = esc.ID, e.clock.stored(), e.clock.stored(), stp(want.EndedAt)
		for i := range want.Steps { // times inside the steps are store times too
			want.Steps[i].DueAt, want.Steps[i].SentAt = flux.StoreTime(want.Steps[i].DueAt), stp(want.Steps[i].SentAt)
		}
		wantEqual(t, "CreateEscalation writes the stored escalation back", want, esc)
		wantEqual(t, "GetEscalation", want, *mustGet[*flux.Escalation](t, "GetEscalation")(e.s.Escalations().GetEscalation(e.ctx, u.ID, esc.ID)))
		wantGetNotFound(e, "GetEscalation", e.s.Escalations().GetEscalation, u.ID, other.ID, esc.ID)

		// No steps, no task.
		bare := flux.Escalation{UserID: u.ID, Title: "Ping", Priority: flux.PriorityStandard, Status: flux.EscalationCancelled}
		must(t, e.s.Escalations().CreateEscalation(e.ctx, &bare), "CreateEscalation without steps")
		wantEqual(t, "GetEscalation without steps", bare, *mustGet[*flux.Escalation](t, "GetEscalation")(e.s.Escalations().GetEscalation(e.ctx, u.ID, bare.ID)))
	})

	subtest(t, open, "CreateRefused", func(t *testing.T, e *env) {
		u := e.user()
		esc := newEscalation(u.ID, tm("2026-03-14T08:00:00Z"))
		esc.Status = "paused"
		wantInvalidFields(t, e.s.Escalations().CreateEscalation(e.ctx, &esc), "CreateEscalation with an unknown status", "status")
		for _, userID := range append([]string{flux.NewID()}, malformedIDs...) {
			esc := newEscalation(userID, tm("2026-03-14T08:00:00Z"))
			wantNotFound(t, e.s.Escalations().CreateEscalation(e.ctx, &esc), fmt.Sprintf("CreateEscalation for user %q", userID))
		}
		wantExportEmpty(e, u)
	})

	subtest(t, open, "IdempotencyKey", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		first := e.escalation(u.ID, func(x *flux.Escalation) { x.IdempotencyKey = "task:1:2026-03-14" })
		again := newEscalation(u.ID, tm("2026-03-14T09:00:00Z"))
		again.IdempotencyKey = "task:1:2026-03-14"
		wantCode(t, e.s.Escalations().CreateEscalation(e.ctx, &again), flux.EConflict, "CreateEscalation with a used idempotency key")
		got := walk(t, "ListEscalations", 0, func(p flux.Page) ([]flux.Escalation, string, error) {
			return e.s.Escalations().ListEscalations(e.ctx, u.ID, flux.EscalationFilter{}, p)
		})
		wantEqual(t, "the escalations after a refused repeat", []flux.Escalation{*first}, got)
		e.escalation(other.ID, func(x *flux.Escalation) { x.IdempotencyKey = "task:1:2026-03-14" })
		for range 3 {
			e.escalation(u.ID)
		}
	})

	subtest(t, open, "List", func(t *testing.T, e *env) {
		checkNewestFirst(e, "ListEscalations",
			func(userID, id string) flux.Escalation {
				x := newEscalation(userID, tm("2026-03-14T08:00:00Z"))
				x.ID = id
				must(t, e.s.Escalations().CreateEscalation(e.ctx, &x), "CreateEscalation")
				return x
			},
			func(userID string) lister[flux.Escalation] {
				return func(p flux.Page) ([]flux.Escalation, string, error) {
					return e.s.Escalations().ListEscalations(e.ctx, userID, flux.EscalationFilter{}, p)
				}
			})
	})

	subtest(t, open, "ListFilter", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		t1, t2 := e.task(u.ID), e.task(u.ID)
		theirTask := e.task(other.ID)
		statuses := []flux.EscalationStatus{flux.EscalationRunning, flux.EscalationAcknowledged, flux.EscalationCancelled, flux.EscalationExhausted}
		var all []flux.Escalation
		for i := range 12 {
			e.clock.Advance(time.Second)
			all = append(all, *e.escalation(u.ID, func(x *flux.Escalation) {
				x.Status = statuses[i%4]
				if i%3 == 0 {
					x.TaskID = t1.ID
				} else if i%3 == 1 {
					x.TaskID = t2.ID
				}
				if i%5 == 0 {
					x.IdempotencyKey = fmt.Sprint("key-", i)
				}
			}))
			e.escalation(other.ID, func(x *flux.Escalation) {
				x.Status, x.TaskID, x.IdempotencyKey = statuses[i%4], theirTask.ID, fmt.Sprint("key-", i)
			})
		}
		cases := []struct {
			name string
			f    flux.EscalationFilter
			keep func(flux.Escalation) bool
		}{
			{"no filter", flux.EscalationFilter{}, func(flux.Escalation) bool { return true }},
			{"one status", flux.EscalationFilter{Statuses: []flux.EscalationStatus{flux.EscalationRunning}}, func(x flux.Escalation) bool {
				return x.Status == flux.EscalationRunning
			}},
			{"two statuses", flux.EscalationFilter{Statuses: statuses[2:]}, func(x flux.Escalation) bool { return slices.Contains(statuses[2:], x.Status) }},
			{"a task", flux.EscalationFilter{TaskID: t1.ID}, func(x flux.Escalation) bool { return x.TaskID == t1.ID }},
			{"another user's task", flux.EscalationFilter{TaskID: theirTask.ID}, func(flux.Escalation) bool { return false }},
			{"a malformed task id", flux.EscalationFilter{TaskID: "t"}, func(flux.Escalation) bool { return false }},
			{"an idempotency key", flux.EscalationFilter{IdempotencyKey: "key-5"}, func(x flux.Escalation) bool { return x.IdempotencyKey == "key-5" }},
			{"an unknown key", flux.EscalationFilter{IdempotencyKey: "key-1"}, func(flux.Escalation) bool { return false }},
			{"a task and a status", flux.EscalationFilter{TaskID: t2.ID, Statuses: []flux.EscalationStatus{flux.EscalationAcknowledged, flux.EscalationExhausted}},
				func(x flux.Escalation) bool {
					return x.TaskID == t2.ID && (x.Status == flux.EscalationAcknowledged || x.Status == flux.EscalationExhausted)
				}},
		}
		for _, c := range cases {
			want := sorted(filter(all, c.keep), newestFirst(createdAt[flux.Escalation]))
			wantList(t, "ListEscalations with "+c.name, want, func(p flux.Page) ([]flux.Escalation, string, error) {
				return e.s.Escalations().ListEscalations(e.ctx, u.ID, c.f, p)
			}, 2, 0)
		}
	})

	subtest(t, open, "Update", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		esc := e.escalation(u.ID)
		x := e.task(u.ID)
		checkUpdate(e, updateCase[flux.Escalation]{
			what:    "UpdateEscalation",
			update:  e.s.Escalations().UpdateEscalation,
			get:     e.s.Escalations().GetEscalation,
			ownerID: u.ID, otherID: other.ID, id: esc.ID,
			edit: func(esc *flux.Escalation) {
				esc.TaskID, esc.Title, esc.Message = x.ID, "Medication (again)", "Please confirm"
				esc.Priority, esc.Speed, esc.Status = flux.PriorityImportant, 0.25, flux.EscalationAcknowledged
				esc.IdempotencyKey = "ack"
				esc.EndedAt = st(time.Date(2026, 3, 14, 8, 3, 0, 42, zone("Asia/Kolkata")))
				// Steps are replaced as a whole: here one changes, one is
				// dropped and one is added.
				esc.Steps = []flux.EscalationStep{
					{Channel: flux.ChannelPush, Status: flux.StepDelivered, DueAt: tm("2026-03-14T08:00:00Z"), SentAt: st(tm("2026-03-14T08:00:01.5Z")), NotificationID: "n1"},
					{Channel: flux.ChannelWhatsApp, Status: flux.StepAcknowledged, DueAt: flux.StoreTime(time.Date(2026, 3, 14, 13, 32, 0, 999, zone("Asia/Kolkata")))},
					{Channel: flux.ChannelLog, Status: flux.StepSkipped, DueAt: tm("2026-03-14T08:10:00Z"), Error: "quiet hours"},
				}
			},
			invalid:       func(esc *flux.Escalation) { esc.Status = "bogus" },
			invalidFields: []string{"status"},
		})

		// Steps can be emptied.
		got, err := e.s.Escalations().UpdateEscalation(e.ctx, u.ID, esc.ID, func(esc *flux.Escalation) error {
			esc.Steps = nil
			return nil
		})
		must(t, err, "UpdateEscalation emptying the steps")
		if len(got.Steps) != 0 {
			t.Errorf("UpdateEscalation emptying the steps: %d steps left", len(got.Steps))
		}
		wantEqual(t, "GetEscalation after emptying the steps", *got, *mustGet[*flux.Escalation](t, "GetEscalation")(e.s.Escalations().GetEscalation(e.ctx, u.ID, esc.ID)))
	})
}
