package postgres

import (
	"context"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

const conversationCols = `id, user_id, kind, state, data, coalesce(goal_id::text, ''), created_at, updated_at,
	last_message_at, ended_at, duration_seconds, message_count`

func scanConversation(r pgx.Row) (*flux.Conversation, error) {
	var c flux.Conversation
	var data []byte
	if err := r.Scan(&c.ID, &c.UserID, &c.Kind, &c.State, &data, &c.GoalID, &c.CreatedAt, &c.UpdatedAt,
		&c.LastMessageAt, &c.EndedAt, &c.DurationSeconds, &c.MessageCount); err != nil {
		return nil, err
	}
	c.Data = raw(data)
	return &c, nil
}

var conversationList = list[flux.Conversation]{
	op: "list conversations", table: "conversations", cols: conversationCols, col: "created_at", desc: true,
	scan: scanConversation,
	key:  func(c *flux.Conversation) flux.Cursor { return flux.Cursor{Time: c.CreatedAt, ID: c.ID} },
}

// validateConversation checks what a conversation's own value decides.
func validateConversation(c *flux.Conversation, fs fieldErrs) error {
	if !c.Kind.Valid() {
		fs.add("kind", "must be planner, chat or voice")
	}
	checkJSON(c.Data, &fs, "data")
	checkRef(c.GoalID, &fs, "goal_id")
	if c.DurationSeconds < 0 {
		fs.add("duration_seconds", "must not be negative")
	}
	return fs.err("invalid conversation")
}

// CreateConversation stores a conversation; MessageCount starts at 0 and
// LastMessageAt empty.
func (d *db) CreateConversation(ctx context.Context, c *flux.Conversation) error {
	v := *c
	var fs fieldErrs
	checkID(&v.ID, &fs, "id")
	if err := validateConversation(&v, fs); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	storeTimeP(&v.EndedAt)
	v.MessageCount, v.LastMessageAt = 0, nil
	v.CreatedAt = d.now()
	v.UpdatedAt = v.CreatedAt
	if _, err := d.q.Exec(ctx, `INSERT INTO conversations (id, user_id, kind, state, data, goal_id, created_at,
		updated_at, last_message_at, ended_at, duration_seconds, message_count)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, 0)`,
		v.ID, v.UserID, v.Kind, v.State, rawArg(v.Data), uuidArg(v.GoalID), v.CreatedAt, v.UpdatedAt,
		timeArg(v.EndedAt), v.DurationSeconds); err != nil {
		return mapErr("create conversation", err)
	}
	*c = v
	return nil
}

// GetConversation returns one of the user's conversations.
func (d *db) GetConversation(ctx context.Context, userID, id string) (*flux.Conversation, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("conversation")
	}
	return one(ctx, d.q, "get conversation", "conversation", scanConversation,
		`SELECT `+conversationCols+` FROM conversations WHERE user_id = $1 AND id = $2`, userID, id)
}

// ListConversations returns the user's conversations, newest first.
func (d *db) ListConversations(ctx context.Context, userID string, f flux.ConversationFilter, p flux.Page) ([]flux.Conversation, string, error) {
	if !flux.ValidID(userID) {
		return emptyList[flux.Conversation](p)
	}
	var a args
	cs := conds{"user_id = " + a.add(userID)}
	if f.Kind != "" {
		cs = append(cs, "kind = "+a.add(string(f.Kind)))
	}
	return conversationList.run(ctx, d.q, cs, a, p)
}

// UpdateConversation edits one of the user's conversations through fn;
// MessageCount and LastMessageAt stay as AddMessage keeps them.
func (d *db) UpdateConversation(ctx context.Context, userID, id string, fn func(*flux.Conversation) error) (*flux.Conversation, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("conversation")
	}
	var out *flux.Conversation
	err := d.inTx(ctx, func(q querier) error {
		c, err := one(ctx, q, "update conversation", "conversation", scanConversation,
			`SELECT `+conversationCols+` FROM conversations WHERE user_id = $1 AND id = $2 FOR UPDATE`, userID, id)
		if err != nil {
			return err
		}
		keep := *c
		if err := fn(c); err != nil {
			return err
		}
		c.ID, c.UserID, c.CreatedAt = keep.ID, keep.UserID, keep.CreatedAt
		c.MessageCount, c.LastMessageAt = keep.MessageCount, keep.LastMessageAt
		if err := validateConversation(c, nil); err != nil {
			return err
		}
		storeTimeP(&c.EndedAt)
		c.UpdatedAt = d.now()
		if _, err := q.Exec(ctx, `UPDATE conversations SET kind = $3, state = $4, data = $5, goal_id = $6,
			updated_at = $7, ended_at = $8, duration_seconds = $9 WHERE user_id = $1 AND id = $2`,
			userID, id, c.Kind, c.State, rawArg(c.Data), uuidArg(c.GoalID), c.UpdatedAt, timeArg(c.EndedAt),
			c.DurationSeconds); err != nil {
			return mapErr("update conversation", err)
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteConversation deletes a conversation; the database cascades to its
// messages in the same statement.
func (d *db) DeleteConversation(ctx context.Context, userID, id string) error {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return notFound("conversation")
	}
	return deleteOne(ctx, d.q, "delete conversation", "conversation",
		`DELETE FROM conversations WHERE user_id = $1 AND id = $2`, userID, id)
}

// Messages.

const messageCols = `id, user_id, conversation_id, role, content, metadata, created_at`

func scanMessage(r pgx.Row) (*flux.Message, error) {
	var m flux.Message
	var meta []byte
	if err := r.Scan(&m.ID, &m.UserID, &m.ConversationID, &m.Role, &m.Content, &meta, &m.CreatedAt); err != nil {
		return nil, err
	}
	m.Metadata = raw(meta)
	return &m, nil
}

var messageList = list[flux.Message]{
	op: "list messages", table: "messages", cols: messageCols, col: "created_at",
	scan: scanMessage,
	key:  func(m *flux.Message) flux.Cursor { return flux.Cursor{Time: m.CreatedAt, ID: m.ID} },
}

// AddMessage appends a message to one of m.UserID's conversations and, in
// the same transaction, sets the conversation's LastMessageAt and
// increments its MessageCount.
func (d *db) AddMessage(ctx context.Context, m *flux.Message) error {
	v := *m
	var fs fieldErrs
	checkID(&v.ID, &fs, "id")
	if !v.Role.Valid() {
		fs.add("role", "must be user, assistant, system or function")
	}
	if v.Content == "" {
		fs.add("content", "is required")
	}
	checkJSON(v.Metadata, &fs, "metadata")
	if err := fs.err("invalid message"); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) || !flux.ValidID(v.ConversationID) {
		return notFound("conversation")
	}
	v.CreatedAt = d.now()
	err := d.inTx(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, `UPDATE conversations SET message_count = message_count + 1, last_message_at = $3
			WHERE user_id = $1 AND id = $2`, v.UserID, v.ConversationID, v.CreatedAt)
		if err != nil {
			return mapErr("add message", err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("conversation")
		}
		if _, err := q.Exec(ctx, `INSERT INTO messages (`+messageCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			v.ID, v.UserID, v.ConversationID, v.Role, v.Content, rawArg(v.Metadata), v.CreatedAt); err != nil {
			return mapErr("add message", err)
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
func (d *db) ListMessages(ctx context.Context, userID, conversationID string, p flux.Page) ([]flux.Message, string, error) {
	if !flux.ValidID(userID) || !flux.ValidID(conversationID) {
		if _, _, err := emptyList[flux.Message](p); err != nil {
			return nil, "", err
		}
		return nil, "", notFound("conversation")
	}
	var a args
	cs := conds{"user_id = " + a.add(userID), "conversation_id = " + a.add(conversationID)}
	out, next, err := messageList.run(ctx, d.q, cs, a, p)
	if err != nil || len(out) > 0 {
		// A message names its user's conversation (a foreign key says so).
		return out, next, err
	}
	ok, err := exists(ctx, d.q, "list messages", `SELECT 1 FROM conversations WHERE user_id = $1 AND id = $2`, userID, conversationID)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "", notFound("conversation")
	}
	return out, "", nil
}
