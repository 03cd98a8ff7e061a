package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testOwnership specifies the first rule of store.go across every method:
// a user never reads, lists, changes, deletes or attaches to another user's
// rows. Each attempt gives ENotFound, exactly as an unknown id does, and
// changes nothing.
func testOwnership(t *testing.T, open Opener) {
	subtest(t, open, "OtherUsersRows", func(t *testing.T, e *env) {
		a, b := e.populate(), e.populate()
		aBefore, bBefore := e.export(a.User.ID), e.export(b.User.ID)
		e.clock.Advance(time.Hour)
		ctx, B := e.ctx, b.User.ID
		fnCalled := func(what string) error {
			t.Errorf("%s: fn called for another user's row", what)
			return nil
		}
		g, ms, x := a.Goals[0], a.Milestones[0], a.Tasks[0]
		ev, c, n, esc, p, tok := a.CalendarEvents[0], a.Conversations[0], a.Notifications[0], a.Escalations[0], a.Patterns[0], a.Tokens[0]
		attempts := []struct {
			name string
			call func() error
		}{
			{"GetGoal", func() error { return second(e.s.Goals().GetGoal(ctx, B, g.ID)) }},
			{"UpdateGoal", func() error {
				return second(e.s.Goals().UpdateGoal(ctx, B, g.ID, func(*flux.Goal) error { return fnCalled("UpdateGoal") }))
			}},
			{"DeleteGoal", func() error { return e.s.Goals().DeleteGoal(ctx, B, g.ID) }},
			{"ListMilestones", func() error { return second(e.s.Goals().ListMilestones(ctx, B, g.ID)) }},
			{"UpdateMilestone", func() error {
				return second(e.s.Goals().UpdateMilestone(ctx, B, ms.ID, func(*flux.Milestone) error { return fnCalled("UpdateMilestone") }))
			}},
			{"ReplacePlan of A's goal", func() error {
				np := newPlan(B, 1, 1, tm("2026-06-01T00:00:00Z"))
				np.Goal = g
				np.Goal.UserID = B
				return e.s.Goals().ReplacePlan(ctx, np)
			}},
			{"CreateGoalPlan naming A's milestone", func() error {
				np := newPlan(B, 1, 2, tm("2026-06-01T00:00:00Z"))
				np.Tasks[1].MilestoneID = ms.ID
				return e.s.Goals().CreateGoalPlan(ctx, np)
			}},
			{"GetTask", func() error { return second(e.s.Tasks().GetTask(ctx, B, x.ID)) }},
			{"UpdateTask", func() error {
				return second(e.s.Tasks().UpdateTask(ctx, B, x.ID, func(*flux.Task) error { return fnCalled("UpdateTask") }))
			}},
			{"DeleteTask", func() error { return e.s.Tasks().DeleteTask(ctx, B, x.ID) }},
			{"CreateTask under A's goal", func() error { y := newTask(B, "mine"); y.GoalID = g.ID; return e.s.Tasks().CreateTask(ctx, &y) }},
			{"CreateTask under A's milestone", func() error {
				y := newTask(B, "mine")
				y.GoalID, y.MilestoneID = b.Goals[0].ID, ms.ID
				return e.s.Tasks().CreateTask(ctx, &y)
			}},
			{"CreateTasks under A's goal", func() error {
				ys := []flux.Task{newTask(B, "mine"), newTask(B, "mine too")}
				ys[1].GoalID = g.ID
				return e.s.Tasks().CreateTasks(ctx, ys)
			}},
			{"UpdateTask moving B's task under A's goal", func() error {
				return second(e.s.Tasks().UpdateTask(ctx, B, b.Tasks[0].ID, func(y *flux.Task) error {
					y.GoalID, y.MilestoneID = g.ID, ms.ID
					return nil
				}))
			}},
			{"GetEvent", func() error { return second(e.s.Calendar().GetEvent(ctx, B, ev.ID)) }},
			{"DeleteEvent", func() error { return e.s.Calendar().DeleteEvent(ctx, B, ev.ID) }},
			{"GetConversation", func() error { return second(e.s.Conversations().GetConversation(ctx, B, c.ID)) }},
			{"UpdateConversation", func() error {
				return second(e.s.Conversations().UpdateConversation(ctx, B, c.ID, func(*flux.Conversation) error { return fnCalled("UpdateConversation") }))
			}},
			{"DeleteConversation", func() error { return e.s.Conversations().DeleteConversation(ctx, B, c.ID) }},
			{"AddMessage", func() error {
				return e.s.Conversations().AddMessage(ctx, ptr(newMessage(B, c.ID, flux.RoleUser, "hi")))
			}},
			{"ListMessages", func() error {
				_, _, err := e.s.Conversations().ListMessages(ctx, B, c.ID, flux.Page{})
				return err
			}},
			{"DeletePushSubscription", func() error {
				return e.s.PushSubscriptions().DeletePushSubscription(ctx, B, a.PushSubscriptions[0].DeviceID)
			}},
			{"GetNotification", func() error { return second(e.s.Notifications().GetNotification(ctx, B, n.ID)) }},
			{"UpdateNotification", func() error {
				return second(e.s.Notifications().UpdateNotification(ctx, B, n.ID, func(*flux.Notification) error { return fnCalled("UpdateNotification") }))
			}},
			{"GetEscalation", func() error { return second(e.s.Escalations().GetEscalation(ctx, B, esc.ID)) }},
			{"UpdateEscalation", func() error {
				return second(e.s.Escalations().UpdateEscalation(ctx, B, esc.ID, func(*flux.Escalation) error { return fnCalled("UpdateEscalation") }))
			}},
			{"GetPattern", func() error { return second(e.s.Patterns().GetPattern(ctx, B, p.ID)) }},
			{"UpdatePattern", func() error {
				return second(e.s.Patterns().UpdatePattern(ctx, B, p.ID, func(*flux.Pattern) error { return fnCalled("UpdatePattern") }))
			}},
			{"DeletePattern", func() error { return e.s.Patterns().DeletePattern(ctx, B, p.ID) }},
			{"DeleteToken", func() error { return e.s.Tokens().DeleteToken(ctx, B, tok.ID) }},
		}
		for _, at := range attempts {
			wantNotFound(t, at.call(), "user B: "+at.name+" of user A's row")
		}
		// Through a transaction too.
		err := e.s.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			_, err := tx.Tasks().GetTask(ctx, B, x.ID)
			return err
		})
		wantNotFound(t, err, "user B: GetTask of user A's task inside Atomic")

		// B's lists hold B's rows only, even when filtering on A's ids.
		taskFilters := []flux.TaskFilter{{}, {GoalID: g.ID}, {SeriesID: a.Tasks[len(a.Tasks)-1].SeriesID}}
		for _, f := range taskFilters {
			got := walk(t, "ListTasks", 0, func(pg flux.Page) ([]flux.Task, string, error) { return e.s.Tasks().ListTasks(ctx, B, f, pg) })
			for _, y := range got {
				if y.UserID != B {
					t.Errorf("ListTasks of user B with filter %+v returned user A's task %s", f, y.ID)
				}
			}
		}
		notifs := walk(t, "ListNotifications", 0, func(pg flux.Page) ([]flux.Notification, string, error) {
			return e.s.Notifications().ListNotifications(ctx, B, flux.NotificationFilter{TaskID: n.TaskID}, pg)
		})
		escs := walk(t, "ListEscalations", 0, func(pg flux.Page) ([]flux.Escalation, string, error) {
			return e.s.Escalations().ListEscalations(ctx, B, flux.EscalationFilter{TaskID: esc.TaskID}, pg)
		})
		if len(notifs) != 0 || len(escs) != 0 {
			t.Errorf("user B's notifications and escalations of user A's task: %d and %d, want none", len(notifs), len(escs))
		}

		wantEqual(t, "user A's data after user B's attempts", *aBefore, *e.export(a.User.ID))
		wantEqual(t, "user B's data after its refused attempts", *bBefore, *e.export(B))
		wantEqual(t, "user A's token after user B's attempts", tok, *mustGet[*flux.LocalToken](t, "GetToken")(e.s.Tokens().GetToken(ctx, tok.ID)))
	})

	subtest(t, open, "TakenIDs", func(t *testing.T, e *env) {
		// Creating a row with an id that is taken, by the same or by another
		// user, is a conflict and changes nothing.
		a, b := e.populate(), e.populate()
		aBefore, bBefore := e.export(a.User.ID), e.export(b.User.ID)
		for _, owner := range []string{a.User.ID, b.User.ID} {
			creates := []struct {
				name string
				call func() error
			}{
				{"CreateGoal", func() error { g := newGoal(owner, "g"); g.ID = a.Goals[0].ID; return e.s.Goals().CreateGoal(e.ctx, &g) }},
				{"CreateGoalPlan", func() error {
					p := newPlan(owner, 1, 1, tm("2026-06-01T00:00:00Z"))
					p.Goal.ID = a.Goals[0].ID
					return e.s.Goals().CreateGoalPlan(e.ctx, p)
				}},
				{"CreateGoalPlan with a taken milestone id", func() error {
					p := newPlan(owner, 1, 1, tm("2026-06-01T00:00:00Z"))
					p.Milestones[0].ID = a.Milestones[0].ID
					p.Tasks[0].MilestoneID = a.Milestones[0].ID
					return e.s.Goals().CreateGoalPlan(e.ctx, p)
				}},
				{"CreateTask", func() error { x := newTask(owner, "t"); x.ID = a.Tasks[0].ID; return e.s.Tasks().CreateTask(e.ctx, &x) }},
				{"CreateTasks", func() error {
					xs := []flux.Task{newTask(owner, "t"), newTask(owner, "t")}
					xs[1].ID = a.Tasks[0].ID
					return e.s.Tasks().CreateTasks(e.ctx, xs)
				}},
				{"CreateEvent", func() error {
					ev := newEvent(owner, "e", tm("2026-01-01T00:00:00Z"), tm("2026-01-01T01:00:00Z"))
					ev.ID = a.CalendarEvents[0].ID
					return e.s.Calendar().CreateEvent(e.ctx, &ev)
				}},
				{"CreateConversation", func() error {
					c := newConversation(owner, flux.ConversationChat)
					c.ID = a.Conversations[0].ID
					return e.s.Conversations().CreateConversation(e.ctx, &c)
				}},
				{"CreateNotification", func() error {
					n := newNotification(owner)
					n.ID = a.Notifications[0].ID
					return e.s.Notifications().CreateNotification(e.ctx, &n)
				}},
				{"CreateEscalation", func() error {
					x := newEscalation(owner, tm("2026-01-01T00:00:00Z"))
					x.ID = a.Escalations[0].ID
					return e.s.Escalations().CreateEscalation(e.ctx, &x)
				}},
				{"CreatePattern", func() error {
					p := newPattern(owner, "x")
					p.ID = a.Patterns[0].ID
					return e.s.Patterns().CreatePattern(e.ctx, &p)
				}},
				{"CreateToken", func() error {
					return e.s.Tokens().CreateToken(e.ctx, &flux.LocalToken{ID: a.Tokens[0].ID, UserID: owner, ExpiresAt: tm("2030-01-01T00:00:00Z")})
				}},
			}
			for _, c := range creates {
				wantCode(t, c.call(), flux.EConflict, fmt.Sprintf("%s with a taken id (as %s)", c.name, map[bool]string{true: "its owner", false: "another user"}[owner == a.User.ID]))
			}
			// A message's id belongs to a conversation of the owner's.
			conv := a.Conversations[0].ID
			if owner != a.User.ID {
				conv = b.Conversations[0].ID
			}
			m := newMessage(owner, conv, flux.RoleUser, "again")
			m.ID = a.Messages[0].ID
			wantCode(t, e.s.Conversations().AddMessage(e.ctx, &m), flux.EConflict, "AddMessage with a taken id")
		}
		wantEqual(t, "user A's data after conflicting creates", *aBefore, *e.export(a.User.ID))
		wantEqual(t, "user B's data after conflicting creates", *bBefore, *e.export(b.User.ID))
	})

	subtest(t, open, "ListsOfUnknownUsers", func(t *testing.T, e *env) {
		// Listing for a user that does not exist, or with a malformed user
		// id, is an empty list, not an error: a malformed id behaves like an
		// unknown one.
		e.populate()
		for _, id := range append([]string{flux.NewID()}, malformedIDs...) {
			d := &dataset{UserExport: flux.UserExport{User: flux.User{ID: id}}}
			wantNoRows(e, fmt.Sprintf("for user id %q", id), d)
		}
	})
}
