package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/fluxlife/flux"
)

const conversationColumns = `id, user_id, kind, state, data, goal_id, created_at, updated_at, last_message_at,
	ended_at, duration_seconds, message_count`

func scanConversation(sc scanner) (flux.Conversation, error) {
	var (
		c               flux.Conversation
		data            sql.NullString
		created, update int64
		lastMsg, ended  sql.NullInt64
	)
	if err := sc.Scan(&c.ID, &c.UserID, &c.Kind, &c.State, &data, &c.GoalID, &created, &update, &lastMsg,
		&ended, &c.DurationSeconds, &c.MessageCount); err != nil {
		return c, err
	}
	c.Data = fromRawText(data)
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(update)
	c.LastMessageAt, c.EndedAt = fromNullMicros(lastMsg), fromNullMicros(ended)
	return c, nil
}

func normalizeConversation(c *flux.Conversation) {
	c.CreatedAt = flux.StoreTime(c.CreatedAt)
	c.UpdatedAt = flux.StoreTime(c.UpdatedAt)
	c.LastMessageAt = storeTimePtr(c.LastMessageAt)
	c.EndedAt = storeTimePtr(c.EndedAt)
}

func validateConversation(c *flux.Conversation) error {
	var fs []flux.FieldError
	if !c.Kind.Valid() {
		fs = append(fs, flux.FieldError{Field: "kind", Message: fmt.Sprintf("unknown kind %q: want planner, chat or voice", c.Kind)})
	}
	if c.DurationSeconds < 0 {
		fs = append(fs, flux.FieldError{Field: "duration_seconds", Message: "must not be negative"})
	}
	fs = checkRaw(fs, "data", c.Data)
	if c.GoalID != "" && !flux.ValidID(c.GoalID) {
		fs = append(fs, flux.FieldError{Field: "goal_id", Message: "must be a UUID"})
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid conversation", fs...)
	}
	return nil
}

// CreateConversation stores a conversation; MessageCount starts at 0 and
// LastMessageAt empty.
func (s *stores) CreateConversation(ctx context.Context, c *flux.Conversation) error {
	v := *c
	if err := prepareNew(&v.ID, "conversation"); err != nil {
		return err
	}
	now := s.now()
	v.CreatedAt, v.UpdatedAt = now, now
	v.MessageCount, v.LastMessageAt = 0, nil
	normalizeConversation(&v)
	if err := validateConversation(&v); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	err := s.write(ctx, func(q querier) error {
		if v.GoalID != "" {
			if err := checkOwned(ctx, q, "goals", "goal", v.UserID, v.GoalID); err != nil {
				return err
			}
		}
		if _, err := q.ExecContext(ctx, "INSERT INTO conversations ("+conversationColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			v.ID, v.UserID, string(v.Kind), v.State, rawText(v.Data), v.GoalID, micros(v.CreatedAt), micros(v.UpdatedAt),
			nullMicros(v.LastMessageAt), nullMicros(v.EndedAt), v.DurationSeconds, v.MessageCount); err != nil {
			if isUniqueViolation(err) && strings.Contains(err.Error(), "conversations.user_id") {
				return insertError("create conversation", err, "the user has an open voice session")
			}
			return insertError("create conversation", err, "a conversation with this id already exists")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*c = v
	return nil
}

func getConversation(ctx context.Context, q querier, userID, id string) (*flux.Conversation, error) {
	if !validIDs(userID, id) {
		return nil, notFound("conversation")
	}
	c, err := scanConversation(q.QueryRowContext(ctx, "SELECT "+conversationColumns+" FROM conversations WHERE user_id = ? AND id = ?", userID, id))
	if err != nil {
		return nil, rowError("get conversation", "conversation", err)
	}
	return &c, nil
}

// GetConversation returns one of the user's conversations.
func (s *stores) GetConversation(ctx context.Context, userID, id string) (*flux.Conversation, error) {
	return getConversation(ctx, s.r, userID, id)
}

// ListConversations returns the user's conversations, newest first.
func (s *stores) ListConversations(ctx context.Context, userID string, f flux.ConversationFilter, p flux.Page) ([]flux.Conversation, string, error) {
	var w where
	w.add("user_id = ?", userID)
	if f.Kind != "" {
		w.add("kind = ?", string(f.Kind))
	}
	if err := newestFirst(&w, p); err != nil {
		return nil, "", err
	}
	if !flux.ValidID(userID) {
		return nil, "", nil
	}
	size := p.Size()
	cs, err := queryAll(ctx, s.r, "list conversations", scanConversation,
		"SELECT "+conversationColumns+" FROM conversations"+w.String()+" ORDER BY created_at DESC, id DESC LIMIT ?", append(w.args, size+1)...)
	if err != nil {
		return nil, "", err
	}
	cs, next := page(cs, size, func(c *flux.Conversation) flux.Cursor { return flux.Cursor{Time: c.CreatedAt, ID: c.ID} })
	return cs, next, nil
}

// UpdateConversation edits one of the user's conversations through fn;
// MessageCount and LastMessageAt stay as AddMessage keeps them.
func (s *stores) UpdateConversation(ctx context.Context, userID, id string, fn func(*flux.Conversation) error) (*flux.Conversation, error) {
	if !validIDs(userID, id) {
		return nil, notFound("conversation")
	}
	var out *flux.Conversation
	err := s.write(ctx, func(q querier) error {
		c, err := getConversation(ctx, q, userID, id)
		if err != nil {
			return err
		}
		orig := *c
		if err := fn(c); err != nil {
			return err
		}
		c.ID, c.UserID, c.CreatedAt = orig.ID, orig.UserID, orig.CreatedAt
		c.MessageCount, c.LastMessageAt = orig.MessageCount, orig.LastMessageAt
		c.UpdatedAt = s.now()
		normalizeConversation(c)
		if err := validateConversation(c); err != nil {
			return err
		}
		if c.GoalID != "" && c.GoalID != orig.GoalID {
			if err := checkOwned(ctx, q, "goals", "goal", userID, c.GoalID); err != nil {
				return err
			}
		}
		if _, err := q.ExecContext(ctx, `UPDATE conversations SET kind = ?, state = ?, data = ?, goal_id = ?, updated_at = ?,
			ended_at = ?, duration_seconds = ? WHERE user_id = ? AND id = ?`,
			string(c.Kind), c.State, rawText(c.Data), c.GoalID, micros(c.UpdatedAt),
			nullMicros(c.EndedAt), c.DurationSeconds, userID, id); err != nil {
			return dbError("update conversation", err)
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteConversation deletes a conversation; its messages go with it.
func (s *stores) DeleteConversation(ctx context.Context, userID, id string) error {
	return s.deleteOwned(ctx, "conversations", "conversation", userID, id)
}

// --- messages ---

const messageColumns = `id, user_id, conversation_id, role, content, metadata, created_at`

func scanMessage(sc scanner) (flux.Message, error) {
	var (
		m        flux.Message
		metadata sql.NullString
		created  int64
	)
	if err := sc.Scan(&m.ID, &m.UserID, &m.ConversationID, &m.Role, &m.Content, &metadata, &created); err != nil {
		return m, err
	}
	m.Metadata = fromRawText(metadata)
	m.CreatedAt = fromMicros(created)
	return m, nil
}

// AddMessage appends a message to one of m.UserID's conversations and
// updates the conversation's LastMessageAt and MessageCount with it.
func (s *stores) AddMessage(ctx context.Context, m *flux.Message) error {
	v := *m
	if err := prepareNew(&v.ID, "message"); err != nil {
		return err
	}
	v.CreatedAt = s.now()
	var fs []flux.FieldError
	if !v.Role.Valid() {
		fs = append(fs, flux.FieldError{Field: "role", Message: fmt.Sprintf("unknown role %q: want user, assistant, system or function", v.Role)})
	}
	if strings.TrimSpace(v.Content) == "" {
		fs = append(fs, flux.FieldError{Field: "content", Message: "is required"})
	}
	fs = checkRaw(fs, "metadata", v.Metadata)
	if len(fs) > 0 {
		return flux.Invalid("invalid message", fs...)
	}
	err := s.write(ctx, func(q querier) error {
		if err := checkOwned(ctx, q, "conversations", "conversation", v.UserID, v.ConversationID); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, "INSERT INTO messages ("+messageColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			v.ID, v.UserID, v.ConversationID, string(v.Role), v.Content, rawText(v.Metadata), micros(v.CreatedAt)); err != nil {
			return insertError("add message", err, "a message with this id already exists")
		}
		if _, err := q.ExecContext(ctx, `UPDATE conversations SET last_message_at = ?, message_count = message_count + 1
			WHERE user_id = ? AND id = ?`, micros(v.CreatedAt), v.UserID, v.ConversationID); err != nil {
			return dbError("add message", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// ListMessages returns a conversation's messages oldest first.
func (s *stores) ListMessages(ctx context.Context, userID, conversationID string, p flux.Page) ([]flux.Message, string, error) {
	var w where
	w.add("user_id = ?", userID)
	w.add("conversation_id = ?", conversationID)
	if err := oldestFirst(&w, "created_at", p); err != nil {
		return nil, "", err
	}
	size := p.Size()
	var ms []flux.Message
	err := s.readConsistent(ctx, func(q querier) error {
		if err := checkOwned(ctx, q, "conversations", "conversation", userID, conversationID); err != nil {
			return err
		}
		var err error
		ms, err = queryAll(ctx, q, "list messages", scanMessage,
			"SELECT "+messageColumns+" FROM messages"+w.String()+" ORDER BY created_at, id LIMIT ?", append(w.args, size+1)...)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	ms, next := page(ms, size, func(m *flux.Message) flux.Cursor { return flux.Cursor{Time: m.CreatedAt, ID: m.ID} })
	return ms, next, nil
}
