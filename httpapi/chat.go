package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/voice"
)

// chatMessageRequest is the body of POST /api/v1/chat/message.
type chatMessageRequest struct {
	Message *string `json:"message"`
	// ConversationID continues a conversation; null or absent starts one.
	ConversationID *string `json:"conversation_id"`
}

// chatMessageResponse is the original's ChatMessageResponse, with
// proposed_plan an array (or null) as its frontend renders it.
type chatMessageResponse struct {
	ConversationID     string                      `json:"conversation_id"`
	Message            string                      `json:"message"`
	AgentNode          *string                     `json:"agent_node"`
	ProposedPlan       []planner.ProposedMilestone `json:"proposed_plan"`
	RequiresUserAction bool                        `json:"requires_user_action"`
}

// chatHistoryMessage is one message of GET /api/v1/chat/history.
type chatHistoryMessage struct {
	ID           string                      `json:"id"`
	Role         string                      `json:"role"`
	Content      string                      `json:"content"`
	AgentNode    *string                     `json:"agent_node"`
	ProposedPlan []planner.ProposedMilestone `json:"proposed_plan"`
	CreatedAt    time.Time                   `json:"created_at"`
}

// chatHistoryResponse is the answer of GET /api/v1/chat/history.
type chatHistoryResponse struct {
	ConversationID *string              `json:"conversation_id"`
	Messages       []chatHistoryMessage `json:"messages"`
}

// chatConversationView is one conversation of GET /api/v1/chat/conversations.
type chatConversationView struct {
	ID            string     `json:"id"`
	LastMessageAt *time.Time `json:"last_message_at"`
	CreatedAt     time.Time  `json:"created_at"`
	Preview       *string    `json:"preview"`
}

// chatConversationsResponse is the answer of GET /api/v1/chat/conversations.
type chatConversationsResponse struct {
	Conversations []chatConversationView `json:"conversations"`
	NextCursor    *string                `json:"next_cursor"`
	HasMore       bool                   `json:"has_more"`
}

// queryLimit reads the limit query parameter: def when absent, 422 when it
// is not a whole number in [1, max], as the original answered.
func queryLimit(r *http.Request, def, max int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > max {
		return 0, &flux.Error{Code: flux.EUnprocessable, Message: "invalid limit",
			Fields: []flux.FieldError{{Field: "limit", Message: fmt.Sprintf("must be a whole number from 1 to %d", max)}}}
	}
	return n, nil
}

// chatConversationID reads a conversation id of a request: "" for none; a
// malformed id names no conversation of the caller (404).
func chatConversationID(s *string) (string, error) {
	if s == nil {
		return "", nil
	}
	id := strings.ToLower(strings.TrimSpace(*s))
	if id == "" {
		return "", nil
	}
	if !flux.ValidID(id) {
		return "", flux.NotFound("Conversation")
	}
	return id, nil
}

func (s *Server) chatRoutes() {
	s.handle(Route{Method: "POST", Path: "/api/v1/chat/message", Summary: "Send a chat message: onboarding for a new user, then goals, reminders, moves and goal changes in words", Tag: "chat",
		Request: chatMessageRequest{}, Response: chatMessageResponse{}}, s.limited(func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body chatMessageRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		msg, err := goalMessage(body.Message, false)
		if err != nil {
			return err
		}
		id, err := chatConversationID(body.ConversationID)
		if err != nil {
			return err
		}
		reply, err := s.chat.Send(r.Context(), u, id, msg)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, chatMessageResponse{
			ConversationID: reply.ConversationID, Message: reply.Message, AgentNode: optString(reply.AgentNode),
			ProposedPlan: reply.ProposedPlan, RequiresUserAction: reply.RequiresUserAction,
		})
		return nil
	}))
	s.handle(Route{Method: "GET", Path: "/api/v1/chat/history", Summary: "The last messages (limit, 1–200, default 50) of a chat conversation (conversation_id) or of the most recent one, oldest first", Tag: "chat",
		Response: chatHistoryResponse{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		limit, err := queryLimit(r, flux.DefaultPageLimit, planner.MaxChatHistory)
		if err != nil {
			return err
		}
		cid := r.URL.Query().Get("conversation_id")
		id, err := chatConversationID(&cid)
		if err != nil {
			return err
		}
		h, err := s.chat.History(r.Context(), u, id, limit)
		if err != nil {
			return err
		}
		out := chatHistoryResponse{ConversationID: optString(h.ConversationID), Messages: make([]chatHistoryMessage, 0, len(h.Messages))}
		for _, m := range h.Messages {
			out.Messages = append(out.Messages, chatHistoryMessage{ID: m.ID, Role: m.Role, Content: m.Content,
				AgentNode: optString(m.AgentNode), ProposedPlan: m.ProposedPlan, CreatedAt: m.CreatedAt})
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/chat/conversations", Summary: "The caller's chat conversations, most recently active first (limit 1–50, default 20; cursor)", Tag: "chat",
		Response: chatConversationsResponse{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		limit, err := queryLimit(r, 20, planner.MaxChatConversations)
		if err != nil {
			return err
		}
		convs, next, err := s.chat.Conversations(r.Context(), u, flux.Page{Limit: limit, Cursor: r.URL.Query().Get("cursor")})
		if err != nil {
			return err
		}
		out := chatConversationsResponse{Conversations: make([]chatConversationView, 0, len(convs)), NextCursor: optString(next), HasMore: next != ""}
		for _, c := range convs {
			out.Conversations = append(out.Conversations, chatConversationView{ID: c.ID, LastMessageAt: c.LastMessageAt, CreatedAt: c.CreatedAt, Preview: optString(c.Preview)})
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
}

// ChatTimes returns the chat's time parser: the voice agent's parser of
// natural-language times (voice.ParseWhen), so that the chat and the voice
// agent understand "tomorrow at 6pm" alike.
func ChatTimes() planner.TimeParser { return chatTimes{} }

type chatTimes struct{}

// ParseTime reads a phrase with voice.ParseWhen.
func (chatTimes) ParseTime(phrase string, c planner.TimeContext) (planner.When, error) {
	w, err := voice.ParseWhen(phrase, voice.WhenContext{Now: c.Now, Location: c.Location, Sleep: c.Sleep})
	if err != nil {
		var q *voice.Clarification
		if errors.As(err, &q) {
			return planner.When{}, &planner.TimeQuestion{Question: q.Question, Unknown: q.Unknown}
		}
		return planner.When{}, err
	}
	from, to := w.Window()
	return planner.When{Start: w.Start, Exact: w.HasTime, From: from, To: to, Slot: w.Slot(), Period: string(w.Period),
		Rule: w.Rule, Text: w.Describe(c.Now)}, nil
}

// DescribeTime says a moment as the voice agent would.
func (chatTimes) DescribeTime(t time.Time, c planner.TimeContext) string {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	return voice.When{Start: t.In(loc), HasTime: true}.Describe(c.Now)
}
