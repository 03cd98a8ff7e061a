package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testConversations specifies flux.ConversationStore: conversations and
// their messages.
func testConversations(t *testing.T, open Opener) {
	subtest(t, open, "CreateAndGet", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		g := e.goal(u.ID)
		build := func() flux.Conversation {
			c := newConversation(u.ID, flux.ConversationVoice)
			c.GoalID = g.ID
			c.EndedAt = ptr(time.Date(2026, 3, 14, 10, 0, 0, 1001, zone("Asia/Kolkata")))
			c.DurationSeconds = 312
			return c
		}
		c := build()
		// A new conversation has no messages, whatever it says: the counters
		// belong to AddMessage.
		c.MessageCount, c.LastMessageAt = 7, ptr(tm("2026-03-01T00:00:00Z"))
		must(t, e.s.Conversations().CreateConversation(e.ctx, &c), "CreateConversation")
		if !flux.ValidID(c.ID) {
			t.Fatalf("CreateConversation wrote back id %q, want a new UUID", c.ID)
		}
		want := build()
		want.ID, want.CreatedAt, want.UpdatedAt = c.ID, e.clock.stored(), e.clock.stored()
		want.EndedAt = stp(want.EndedAt)
		wantEqual(t, "CreateConversation writes the stored conversation back", want, c)
		wantEqual(t, "GetConversation", want, *mustGet[*flux.Conversation](t, "GetConversation")(e.s.Conversations().GetConversation(e.ctx, u.ID, c.ID)))
		wantGetNotFound(e, "GetConversation", e.s.Conversations().GetConversation, u.ID, other.ID, c.ID)

		// No data at all is kept as none.
		bare := flux.Conversation{UserID: u.ID, Kind: flux.ConversationChat}
		must(t, e.s.Conversations().CreateConversation(e.ctx, &bare), "CreateConversation with no data")
		wantEqual(t, "GetConversation with no data", bare, *mustGet[*flux.Conversation](t, "GetConversation")(e.s.Conversations().GetConversation(e.ctx, u.ID, bare.ID)))
	})

	subtest(t, open, "CreateRefused", func(t *testing.T, e *env) {
		u := e.user()
		c := newConversation(u.ID, "meeting")
		wantInvalidFields(t, e.s.Conversations().CreateConversation(e.ctx, &c), "CreateConversation of an unknown kind", "kind")
		for _, userID := range append([]string{flux.NewID()}, malformedIDs...) {
			c := newConversation(userID, flux.ConversationChat)
			wantNotFound(t, e.s.Conversations().CreateConversation(e.ctx, &c), fmt.Sprintf("CreateConversation for user %q", userID))
		}
		wantExportEmpty(e, u)
	})

	subtest(t, open, "List", func(t *testing.T, e *env) {
		kinds := []flux.ConversationKind{flux.ConversationPlanner, flux.ConversationChat, flux.ConversationVoice}
		n := 0
		checkNewestFirst(e, "ListConversations",
			func(userID, id string) flux.Conversation {
				c := newConversation(userID, kinds[n%3])
				c.ID = id
				if c.Kind == flux.ConversationVoice {
					// A user has one open voice session at most.
					c.EndedAt = ptr(tm("2026-03-01T00:00:00Z"))
				}
				n++
				must(t, e.s.Conversations().CreateConversation(e.ctx, &c), "CreateConversation")
				return c
			},
			func(userID string) lister[flux.Conversation] {
				return func(p flux.Page) ([]flux.Conversation, string, error) {
					return e.s.Conversations().ListConversations(e.ctx, userID, flux.ConversationFilter{}, p)
				}
			})
	})

	subtest(t, open, "ListFilter", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		kinds := []flux.ConversationKind{flux.ConversationPlanner, flux.ConversationChat, flux.ConversationVoice, flux.ConversationChat}
		var all []flux.Conversation
		create := func(userID string, kind flux.ConversationKind) flux.Conversation {
			c := newConversation(userID, kind)
			if kind == flux.ConversationVoice {
				// A user has one open voice session at most.
				c.EndedAt = ptr(tm("2026-03-01T00:00:00Z"))
			}
			must(t, e.s.Conversations().CreateConversation(e.ctx, &c), "CreateConversation")
			return c
		}
		for i := range 10 {
			e.clock.Advance(time.Second)
			all = append(all, create(u.ID, kinds[i%4]))
			create(other.ID, kinds[i%4])
		}
		for _, k := range []flux.ConversationKind{flux.ConversationPlanner, flux.ConversationChat, flux.ConversationVoice, ""} {
			want := sorted(filter(all, func(c flux.Conversation) bool { return k == "" || c.Kind == k }), newestFirst(createdAt[flux.Conversation]))
			wantList(t, fmt.Sprintf("ListConversations of kind %q", k), want, func(p flux.Page) ([]flux.Conversation, string, error) {
				return e.s.Conversations().ListConversations(e.ctx, u.ID, flux.ConversationFilter{Kind: k}, p)
			}, 2, 0)
		}
	})

	subtest(t, open, "OneOpenVoiceSession", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		first := e.conversation(u.ID, flux.ConversationVoice)
		// Another open voice session of the same user is refused, in or out
		// of a transaction; other kinds, other users and closed sessions
		// are not limited.
		second := newConversation(u.ID, flux.ConversationVoice)
		wantCode(t, e.s.Conversations().CreateConversation(e.ctx, &second), flux.EConflict, "CreateConversation of a second open voice session")
		err := e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			c := newConversation(u.ID, flux.ConversationVoice)
			return tx.Conversations().CreateConversation(ctx, &c)
		})
		wantCode(t, err, flux.EConflict, "CreateConversation of a second open voice session in a transaction")
		e.conversation(u.ID, flux.ConversationChat)
		e.conversation(u.ID, flux.ConversationPlanner)
		e.conversation(other.ID, flux.ConversationVoice)
		closed := newConversation(u.ID, flux.ConversationVoice)
		closed.EndedAt = ptr(tm("2026-03-01T00:00:00Z"))
		must(t, e.s.Conversations().CreateConversation(e.ctx, &closed), "CreateConversation of a closed voice session")

		// Closing the open one and creating the next in one transaction
		// works; the closed one stays closed.
		err = e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			if _, err := tx.Conversations().UpdateConversation(ctx, u.ID, first.ID, func(c *flux.Conversation) error {
				c.EndedAt = ptr(tm("2026-03-02T00:00:00Z"))
				return nil
			}); err != nil {
				return err
			}
			c := newConversation(u.ID, flux.ConversationVoice)
			return tx.Conversations().CreateConversation(ctx, &c)
		})
		must(t, err, "closing the open voice session and creating another in one transaction")

		// Concurrent creations: exactly one wins.
		v := e.user()
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				c := newConversation(v.ID, flux.ConversationVoice)
				switch err := e.s.Conversations().CreateConversation(e.ctx, &c); {
				case err == nil:
					wins.Add(1)
				case flux.IsCode(err, flux.EConflict):
					conflicts.Add(1)
				default:
					t.Errorf("concurrent CreateConversation: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != 7 {
			t.Errorf("8 concurrent open voice sessions: %d created, %d conflicts; want 1 and 7", wins.Load(), conflicts.Load())
		}
	})

	subtest(t, open, "Update", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		c := e.conversation(u.ID, flux.ConversationPlanner)
		g := e.goal(u.ID)
		checkUpdate(e, updateCase[flux.Conversation]{
			what:    "UpdateConversation",
			update:  e.s.Conversations().UpdateConversation,
			get:     e.s.Conversations().GetConversation,
			ownerID: u.ID, otherID: other.ID, id: c.ID,
			edit: func(c *flux.Conversation) {
				c.State, c.GoalID, c.DurationSeconds = "PLAN_READY", g.ID, 95
				c.Data = json.RawMessage(`{"answers": {"timeline": "3 months", "level": "A2"}, "step": 5, "done": true}`)
				c.EndedAt = st(time.Date(2026, 3, 14, 12, 0, 0, 500, time.UTC))
			},
			invalid:       func(c *flux.Conversation) { c.Kind = "bogus" },
			invalidFields: []string{"kind"},
		})

		// MessageCount and LastMessageAt belong to AddMessage: fn's changes
		// to them are not stored.
		m := e.message(u.ID, c.ID, "hello")
		before := mustGet[*flux.Conversation](t, "GetConversation")(e.s.Conversations().GetConversation(e.ctx, u.ID, c.ID))
		got, err := e.s.Conversations().UpdateConversation(e.ctx, u.ID, c.ID, func(c *flux.Conversation) error {
			c.MessageCount, c.LastMessageAt, c.State = 99, ptr(tm("2020-01-01T00:00:00Z")), "DONE"
			return nil
		})
		must(t, err, "UpdateConversation")
		if got.MessageCount != 1 || got.LastMessageAt == nil || !got.LastMessageAt.Equal(m.CreatedAt) || got.State != "DONE" {
			t.Errorf("UpdateConversation changing the message counters: got count %d, last message at %v, state %q; want 1, %v, DONE",
				got.MessageCount, got.LastMessageAt, got.State, m.CreatedAt)
		}
		after := mustGet[*flux.Conversation](t, "GetConversation")(e.s.Conversations().GetConversation(e.ctx, u.ID, c.ID))
		wantEqual(t, "the conversation after UpdateConversation", *got, *after)
		if after.MessageCount != before.MessageCount || after.LastMessageAt == nil || !after.LastMessageAt.Equal(*before.LastMessageAt) {
			t.Errorf("UpdateConversation changed the message counters")
		}
	})

	subtest(t, open, "Delete", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		c, kept := e.conversation(u.ID, flux.ConversationChat), e.conversation(u.ID, flux.ConversationChat)
		e.message(u.ID, c.ID, "one")
		e.message(u.ID, c.ID, "two")
		m := e.message(u.ID, kept.ID, "kept")
		kept = mustGet[*flux.Conversation](t, "GetConversation")(e.s.Conversations().GetConversation(e.ctx, u.ID, kept.ID))
		checkDelete(e, "DeleteConversation", e.s.Conversations().DeleteConversation, e.s.Conversations().GetConversation, u.ID, other.ID, c.ID)
		_, _, err := e.s.Conversations().ListMessages(e.ctx, u.ID, c.ID, flux.Page{})
		wantNotFound(t, err, "ListMessages of a deleted conversation")
		x := e.export(u.ID)
		wantEqual(t, "conversations after DeleteConversation", []flux.Conversation{*kept}, x.Conversations)
		wantEqual(t, "messages after DeleteConversation: the deleted conversation's are gone", []flux.Message{*m}, x.Messages)
	})

	subtest(t, open, "AddMessage", func(t *testing.T, e *env) {
		u := e.user()
		c := e.conversation(u.ID, flux.ConversationPlanner)
		var msgs []flux.Message
		roles := []flux.MessageRole{flux.RoleSystem, flux.RoleAssistant, flux.RoleUser, flux.RoleFunction}
		for i, role := range roles {
			e.clock.Advance(time.Duration(i+1) * time.Second)
			m := newMessage(u.ID, c.ID, role, fmt.Sprintf("message %d", i))
			if i == 3 {
				m.Metadata = nil
			}
			must(t, e.s.Conversations().AddMessage(e.ctx, &m), "AddMessage")
			if !flux.ValidID(m.ID) || !m.CreatedAt.Equal(e.clock.stored()) {
				t.Errorf("AddMessage wrote back %+v", m)
			}
			want := newMessage(u.ID, c.ID, role, fmt.Sprintf("message %d", i))
			if i == 3 {
				want.Metadata = nil
			}
			want.ID, want.CreatedAt = m.ID, e.clock.stored()
			wantEqual(t, "AddMessage writes the stored message back", want, m)
			msgs = append(msgs, m)

			got := mustGet[*flux.Conversation](t, "GetConversation")(e.s.Conversations().GetConversation(e.ctx, u.ID, c.ID))
			if got.MessageCount != i+1 || got.LastMessageAt == nil || !got.LastMessageAt.Equal(m.CreatedAt) {
				t.Errorf("after %d messages: MessageCount = %d, LastMessageAt = %v; want %d, %v", i+1, got.MessageCount, got.LastMessageAt, i+1, m.CreatedAt)
			}
		}
		wantList(t, "ListMessages", msgs, func(p flux.Page) ([]flux.Message, string, error) {
			return e.s.Conversations().ListMessages(e.ctx, u.ID, c.ID, p)
		}, 1, 3, 0)
	})

	subtest(t, open, "AddMessageRefused", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		c := e.conversation(u.ID, flux.ConversationChat)
		theirs := e.conversation(other.ID, flux.ConversationChat)
		before, otherBefore := e.export(u.ID), e.export(other.ID)

		invalid := []struct {
			name   string
			m      flux.Message
			fields []string
		}{
			{"an unknown role", newMessage(u.ID, c.ID, "narrator", "Once upon a time"), []string{"role"}},
			{"no role", newMessage(u.ID, c.ID, "", "Hello"), []string{"role"}},
			{"empty content", newMessage(u.ID, c.ID, flux.RoleUser, ""), []string{"content"}},
			{"an unknown role and empty content", newMessage(u.ID, c.ID, "bot", ""), []string{"role", "content"}},
		}
		for _, x := range invalid {
			wantInvalidFields(t, e.s.Conversations().AddMessage(e.ctx, &x.m), "AddMessage with "+x.name, x.fields...)
		}
		notFound := []struct {
			name string
			m    flux.Message
		}{
			{"another user's conversation", newMessage(u.ID, theirs.ID, flux.RoleUser, "hi")},
			{"the conversation's user but another caller", newMessage(other.ID, c.ID, flux.RoleUser, "hi")},
			{"an unknown conversation", newMessage(u.ID, flux.NewID(), flux.RoleUser, "hi")},
			{"a malformed conversation id", newMessage(u.ID, "chat-1", flux.RoleUser, "hi")},
			{"a malformed user id", newMessage("", c.ID, flux.RoleUser, "hi")},
		}
		for _, x := range notFound {
			wantNotFound(t, e.s.Conversations().AddMessage(e.ctx, &x.m), "AddMessage to "+x.name)
		}
		wantEqual(t, "the user's data after refused messages", *before, *e.export(u.ID))
		wantEqual(t, "the other user's data after refused messages", *otherBefore, *e.export(other.ID))
	})

	subtest(t, open, "AddMessageConcurrent", func(t *testing.T, e *env) {
		u := e.user()
		c := e.conversation(u.ID, flux.ConversationVoice)
		const n = 20
		parallel(n, func(i int) {
			m := newMessage(u.ID, c.ID, flux.RoleUser, fmt.Sprint("utterance ", i))
			if err := e.s.Conversations().AddMessage(e.ctx, &m); err != nil {
				t.Errorf("AddMessage %d: %v", i, err)
			}
		})
		got := mustGet[*flux.Conversation](t, "GetConversation")(e.s.Conversations().GetConversation(e.ctx, u.ID, c.ID))
		if got.MessageCount != n {
			t.Errorf("after %d concurrent AddMessage calls, MessageCount = %d", n, got.MessageCount)
		}
		msgs := walk(t, "ListMessages", 0, func(p flux.Page) ([]flux.Message, string, error) {
			return e.s.Conversations().ListMessages(e.ctx, u.ID, c.ID, p)
		})
		if len(msgs) != n {
			t.Errorf("ListMessages after %d concurrent AddMessage calls: %d messages", n, len(msgs))
		}
	})

	subtest(t, open, "ListMessages", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		c := e.conversation(u.ID, flux.ConversationChat)
		c2 := e.conversation(u.ID, flux.ConversationChat)
		base := tm("2026-03-14T09:00:00Z")
		var all []flux.Message
		// Four instants one microsecond apart, three messages each with
		// random ids, plus one added later with an earlier clock.
		for k := range 4 {
			e.clock.Set(base.Add(time.Duration(k)*time.Microsecond + 999*time.Nanosecond).In(zone("Asia/Kolkata")))
			for j := range 3 {
				m := newMessage(u.ID, c.ID, flux.RoleUser, fmt.Sprintf("m%d.%d", k, j))
				m.ID = randomID()
				must(t, e.s.Conversations().AddMessage(e.ctx, &m), "AddMessage")
				all = append(all, m)
				e.message(u.ID, c2.ID, "elsewhere")
			}
		}
		e.clock.Set(base.Add(-time.Minute))
		all = append(all, *e.message(u.ID, c.ID, "late but early"))

		list := func(p flux.Page) ([]flux.Message, string, error) {
			return e.s.Conversations().ListMessages(e.ctx, u.ID, c.ID, p)
		}
		want := sorted(all, oldestFirst(createdAt[flux.Message]))
		wantList(t, "ListMessages: oldest first, then by ID", want, list, 1, 2, 5, 0)
		wantBadCursors(t, "ListMessages", list)

		// Keyset: a message added after the first page is listed at the end.
		first, next, err := list(flux.Page{Limit: 5})
		must(t, err, "ListMessages")
		e.clock.Set(base.Add(time.Hour))
		newest := e.message(u.ID, c.ID, "newest")
		rest := walk(t, "ListMessages after a cursor", 5, func(p flux.Page) ([]flux.Message, string, error) {
			if p.Cursor == "" {
				p.Cursor = next
			}
			return list(p)
		})
		wantIDs(t, "ListMessages while messages are added", idsOf(append(slices.Clone(want), *newest)), idsOf(append(first, rest...)))

		_, _, err = e.s.Conversations().ListMessages(e.ctx, other.ID, c.ID, flux.Page{})
		wantNotFound(t, err, "ListMessages by another user")
		_, _, err = e.s.Conversations().ListMessages(e.ctx, u.ID, flux.NewID(), flux.Page{})
		wantNotFound(t, err, "ListMessages of an unknown conversation")
		for _, bad := range malformedIDs {
			_, _, err = e.s.Conversations().ListMessages(e.ctx, u.ID, bad, flux.Page{})
			wantNotFound(t, err, fmt.Sprintf("ListMessages(%q)", bad))
			_, _, err = e.s.Conversations().ListMessages(e.ctx, bad, c.ID, flux.Page{})
			wantNotFound(t, err, fmt.Sprintf("ListMessages with user id %q", bad))
		}
		empty := e.conversation(u.ID, flux.ConversationChat)
		msgs, next, err := e.s.Conversations().ListMessages(e.ctx, u.ID, empty.ID, flux.Page{})
		if err != nil || len(msgs) != 0 || next != "" {
			t.Errorf("ListMessages of a conversation without messages: %d messages, cursor %q, error %v", len(msgs), next, err)
		}
	})
}
