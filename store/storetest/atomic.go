package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// writeEverything stores, through tx, a user with one or more rows of every
// kind and returns them as stored (what ExportUser should then return).
func writeEverything(ctx context.Context, t *testing.T, tx flux.Stores) (*dataset, error) {
	d := &dataset{}
	u := newUser()
	if err := tx.Users().CreateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("CreateUser: %w", err)
	}
	p := newPlan(u.ID, 2, 4, tm("2026-04-01T07:00:00Z"))
	if err := tx.Goals().CreateGoalPlan(ctx, p); err != nil {
		return nil, fmt.Errorf("CreateGoalPlan: %w", err)
	}
	x := newTask(u.ID, "Standalone")
	if err := tx.Tasks().CreateTask(ctx, &x); err != nil {
		return nil, fmt.Errorf("CreateTask: %w", err)
	}
	ts := []flux.Task{newTask(u.ID, "Batch 1"), newTask(u.ID, "Batch 2")}
	if err := tx.Tasks().CreateTasks(ctx, ts); err != nil {
		return nil, fmt.Errorf("CreateTasks: %w", err)
	}
	// An update inside the transaction sees the transaction's own rows.
	upd, err := tx.Tasks().UpdateTask(ctx, u.ID, x.ID, func(x *flux.Task) error { x.Description = "updated in the transaction"; return nil })
	if err != nil {
		return nil, fmt.Errorf("UpdateTask: %w", err)
	}
	ev := newEvent(u.ID, "Standup", tm("2026-04-01T09:00:00Z"), tm("2026-04-01T09:15:00Z"))
	if err := tx.Calendar().CreateEvent(ctx, &ev); err != nil {
		return nil, fmt.Errorf("CreateEvent: %w", err)
	}
	c := newConversation(u.ID, flux.ConversationChat)
	if err := tx.Conversations().CreateConversation(ctx, &c); err != nil {
		return nil, fmt.Errorf("CreateConversation: %w", err)
	}
	m := newMessage(u.ID, c.ID, flux.RoleUser, "hi")
	if err := tx.Conversations().AddMessage(ctx, &m); err != nil {
		return nil, fmt.Errorf("AddMessage: %w", err)
	}
	cs, err := tx.Conversations().GetConversation(ctx, u.ID, c.ID)
	if err != nil {
		return nil, fmt.Errorf("GetConversation: %w", err)
	}
	ps := newPush(u.ID, "device")
	if err := tx.PushSubscriptions().SavePushSubscription(ctx, &ps); err != nil {
		return nil, fmt.Errorf("SavePushSubscription: %w", err)
	}
	esc := newEscalation(u.ID, tm("2026-04-01T07:00:00Z"))
	esc.IdempotencyKey = "esc-" + u.ID
	if err := tx.Escalations().CreateEscalation(ctx, &esc); err != nil {
		return nil, fmt.Errorf("CreateEscalation: %w", err)
	}
	n := newNotification(u.ID)
	n.EscalationID, n.ExternalID, n.IdempotencyKey = esc.ID, "SM-"+u.ID, "n-"+u.ID
	if err := tx.Notifications().CreateNotification(ctx, &n); err != nil {
		return nil, fmt.Errorf("CreateNotification: %w", err)
	}
	pt := newPattern(u.ID, "best_time")
	if err := tx.Patterns().CreatePattern(ctx, &pt); err != nil {
		return nil, fmt.Errorf("CreatePattern: %w", err)
	}
	tok := flux.LocalToken{UserID: u.ID, ExpiresAt: tm("2027-01-01T00:00:00Z")}
	if err := tx.Tokens().CreateToken(ctx, &tok); err != nil {
		return nil, fmt.Errorf("CreateToken: %w", err)
	}
	if err := tx.Auth().SetPasswordHash(ctx, u.ID, "$argon2id$tx"); err != nil {
		return nil, fmt.Errorf("SetPasswordHash: %w", err)
	}
	sess := flux.AuthSession{UserID: u.ID}
	if err := tx.Auth().CreateSession(ctx, &sess); err != nil {
		return nil, fmt.Errorf("CreateSession: %w", err)
	}
	rt := flux.RefreshToken{UserID: u.ID, SessionID: sess.ID, Hash: "tx-" + u.ID}
	if err := tx.Auth().CreateRefreshToken(ctx, &rt); err != nil {
		return nil, fmt.Errorf("CreateRefreshToken: %w", err)
	}
	// Reads inside the transaction see its writes.
	got, err := tx.Users().GetUser(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("GetUser inside the transaction: %w", err)
	}
	listed, _, err := tx.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{}, flux.Page{})
	if err != nil {
		return nil, fmt.Errorf("ListTasks inside the transaction: %w", err)
	}
	if len(listed) != len(p.Tasks)+3 {
		t.Errorf("ListTasks inside the transaction: %d tasks, want %d", len(listed), len(p.Tasks)+3)
	}
	d.User = *got
	d.Goals, d.Milestones = []flux.Goal{p.Goal}, p.Milestones
	d.Tasks = append(append(p.Tasks, *upd), ts...)
	d.CalendarEvents = []flux.CalendarEvent{ev}
	d.Conversations, d.Messages = []flux.Conversation{*cs}, []flux.Message{m}
	d.PushSubscriptions = []flux.PushSubscription{ps}
	d.Notifications, d.Escalations, d.Patterns = []flux.Notification{n}, []flux.Escalation{esc}, []flux.Pattern{pt}
	d.Tokens = []flux.LocalToken{tok}
	d.AuthSessions, d.Refresh, d.PasswordHash = []flux.AuthSession{sess}, []flux.RefreshToken{rt}, "$argon2id$tx"
	return d, nil
}

// testAtomic specifies Store.Atomic.
func testAtomic(t *testing.T, open Opener) {
	subtest(t, open, "Commit", func(t *testing.T, e *env) {
		var d *dataset
		err := e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			var err error
			d, err = writeEverything(ctx, t, tx)
			return err
		})
		must(t, err, "Atomic")
		e.wantExport("ExportUser after a committed transaction", d)
		wantEqual(t, "GetToken after a committed transaction", d.Tokens[0], *mustGet[*flux.LocalToken](t, "GetToken")(e.s.Tokens().GetToken(e.ctx, d.Tokens[0].ID)))
	})

	subtest(t, open, "RollbackOnError", func(t *testing.T, e *env) {
		var d *dataset
		err := e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			var err error
			if d, err = writeEverything(ctx, t, tx); err != nil {
				return err
			}
			return fmt.Errorf("changed my mind: %w", errSentinel)
		})
		if !errors.Is(err, errSentinel) {
			t.Fatalf("Atomic whose fn fails: error = %v, want fn's error", err)
		}
		if d == nil {
			t.Fatal("fn did not finish writing")
		}
		_, err = e.s.Users().GetUser(e.ctx, d.User.ID)
		wantNotFound(t, err, "GetUser after a rolled back transaction")
		wantNoRows(e, "after a rolled back transaction", d)
		// The unique keys it used are free.
		_, err = writeAgain(e, d)
		must(t, err, "writing the same keys again")
	})

	subtest(t, open, "RollbackUpdatesAndDeletes", func(t *testing.T, e *env) {
		d := e.populate()
		other := e.populate()
		id := d.User.ID
		before, otherBefore := e.export(id), e.export(other.User.ID)
		e.clock.Advance(time.Hour)
		err := e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			steps := []error{
				second(tx.Users().UpdateUser(ctx, id, func(u *flux.User) error { u.Name = "changed"; return nil })),
				second(tx.Tasks().UpdateTask(ctx, id, d.Tasks[0].ID, func(x *flux.Task) error { x.Status = flux.TaskDone; return nil })),
				tx.Tasks().DeleteTask(ctx, id, d.Tasks[1].ID),
				tx.Goals().DeleteGoal(ctx, id, d.Goals[1].ID),
				tx.Goals().ReplacePlan(ctx, &flux.GoalPlan{Goal: d.Goals[0]}),
				tx.Calendar().DeleteEvent(ctx, id, d.CalendarEvents[0].ID),
				tx.Conversations().AddMessage(ctx, ptr(newMessage(id, d.Conversations[0].ID, flux.RoleUser, "more"))),
				tx.Conversations().DeleteConversation(ctx, id, d.Conversations[1].ID),
				tx.PushSubscriptions().SavePushSubscription(ctx, ptr(newPush(id, d.PushSubscriptions[0].DeviceID))),
				tx.PushSubscriptions().DeletePushSubscription(ctx, id, d.PushSubscriptions[1].DeviceID),
				second(tx.Notifications().UpdateNotification(ctx, id, d.Notifications[0].ID, func(n *flux.Notification) error { n.Status = flux.NotificationRead; return nil })),
				second(tx.Escalations().UpdateEscalation(ctx, id, d.Escalations[0].ID, func(x *flux.Escalation) error { x.Steps = nil; return nil })),
				tx.Patterns().DeletePattern(ctx, id, d.Patterns[0].ID),
				tx.Tokens().DeleteToken(ctx, id, d.Tokens[0].ID),
				second(tx.Tokens().DeleteExpiredTokens(ctx, tm("2100-01-01T00:00:00Z"))),
				tx.Users().DeleteUser(ctx, other.User.ID),
			}
			if err := errors.Join(steps...); err != nil {
				return err
			}
			return errSentinel
		})
		if !errors.Is(err, errSentinel) {
			t.Fatalf("Atomic whose fn fails: error = %v, want fn's error", err)
		}
		wantEqual(t, "the user's data after a rolled back transaction", *before, *e.export(id))
		wantEqual(t, "the other user's data after a rolled back transaction", *otherBefore, *e.export(other.User.ID))
		for _, tok := range append(d.Tokens, other.Tokens...) {
			wantEqual(t, "a token after a rolled back transaction", tok, *mustGet[*flux.LocalToken](t, "GetToken")(e.s.Tokens().GetToken(e.ctx, tok.ID)))
		}
	})

	subtest(t, open, "StoreErrorInside", func(t *testing.T, e *env) {
		taken := e.user()
		var created *flux.User
		err := e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			created = newUser()
			if err := tx.Users().CreateUser(ctx, created); err != nil {
				return err
			}
			return tx.Users().CreateUser(ctx, flux.NewUser(flux.NewID(), strings.ToUpper(taken.Email), "dup"))
		})
		wantCode(t, err, flux.EConflict, "Atomic returning a store's conflict")
		_, err = e.s.Users().GetUser(e.ctx, created.ID)
		wantNotFound(t, err, "GetUser of a user created before the conflict")
	})

	// Atomic rolls back when fn panics and then panics again with the same
	// value: the panic is the caller's bug, and swallowing it would hide it.
	subtest(t, open, "Panic", func(t *testing.T, e *env) {
		type boom struct{ why string }
		var u *flux.User
		recovered := func() (r any) {
			defer func() { r = recover() }()
			err := e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
				u = newUser()
				if err := tx.Users().CreateUser(ctx, u); err != nil {
					return err
				}
				panic(boom{"inside Atomic"})
			})
			t.Errorf("Atomic returned (%v) instead of panicking again", err)
			return nil
		}()
		if recovered != (boom{"inside Atomic"}) {
			t.Errorf("Atomic re-panicked with %v, want fn's panic value", recovered)
		}
		// Rolled back, and the store is usable: no transaction or lock
		// leaked. A short deadline turns a leak into a failure, not a hang.
		ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
		defer cancel()
		_, err := e.s.Users().GetUser(ctx, u.ID)
		wantNotFound(t, err, "GetUser of a user created before a panic")
		must(t, e.s.Users().CreateUser(ctx, newUser()), "CreateUser after a panic in Atomic")
		must(t, e.s.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			return tx.Users().CreateUser(ctx, newUser())
		}), "Atomic after a panic in Atomic")
	})

	subtest(t, open, "ConcurrentTransactions", func(t *testing.T, e *env) {
		u := e.user()
		counter := e.task(u.ID, func(x *flux.Task) { x.Description = "log:" })
		const n = 10
		parallel(n, func(i int) {
			err := e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
				if _, err := tx.Tasks().UpdateTask(ctx, u.ID, counter.ID, func(x *flux.Task) error {
					x.Description += fmt.Sprintf("[%d]", i)
					return nil
				}); err != nil {
					return err
				}
				x := newTask(u.ID, fmt.Sprint("from transaction ", i))
				return tx.Tasks().CreateTask(ctx, &x)
			})
			if err != nil {
				t.Errorf("Atomic %d: %v", i, err)
			}
		})
		got := mustGet[*flux.Task](t, "GetTask")(e.s.Tasks().GetTask(e.ctx, u.ID, counter.ID))
		for i := range n {
			if c := strings.Count(got.Description, fmt.Sprintf("[%d]", i)); c != 1 {
				t.Errorf("transaction %d's update appears %d times in %q (a lost update)", i, c, got.Description)
			}
		}
		all := walk(t, "ListTasks", 0, func(p flux.Page) ([]flux.Task, string, error) {
			return e.s.Tasks().ListTasks(e.ctx, u.ID, flux.TaskFilter{}, p)
		})
		if len(all) != n+1 {
			t.Errorf("after %d transactions: %d tasks, want %d", n, len(all), n+1)
		}
	})
}

// writeAgain stores a user with the same id, e-mail and unique keys as d's.
func writeAgain(e *env, d *dataset) (*flux.User, error) {
	u := flux.NewUser(d.User.ID, d.User.Email, "again")
	if err := e.s.Users().CreateUser(e.ctx, u); err != nil {
		return nil, err
	}
	n := newNotification(u.ID)
	n.ExternalID, n.IdempotencyKey = d.Notifications[0].ExternalID, d.Notifications[0].IdempotencyKey
	if err := e.s.Notifications().CreateNotification(e.ctx, &n); err != nil {
		return nil, err
	}
	esc := newEscalation(u.ID, tm("2026-04-01T07:00:00Z"))
	esc.IdempotencyKey = d.Escalations[0].IdempotencyKey
	if err := e.s.Escalations().CreateEscalation(e.ctx, &esc); err != nil {
		return nil, err
	}
	tok := flux.LocalToken{ID: d.Tokens[0].ID, UserID: u.ID, ExpiresAt: tm("2027-01-01T00:00:00Z")}
	if err := e.s.Tokens().CreateToken(e.ctx, &tok); err != nil {
		return nil, err
	}
	if len(d.AuthSessions) == 0 || len(d.Refresh) == 0 {
		return u, nil
	}
	s := flux.AuthSession{ID: d.AuthSessions[0].ID, UserID: u.ID}
	if err := e.s.Auth().CreateSession(e.ctx, &s); err != nil {
		return nil, err
	}
	rt := flux.RefreshToken{ID: d.Refresh[0].ID, UserID: u.ID, SessionID: s.ID, Hash: d.Refresh[0].Hash}
	return u, e.s.Auth().CreateRefreshToken(e.ctx, &rt)
}
