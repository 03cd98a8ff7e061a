package flux

import (
	"encoding/json"
	"time"
)

// ConversationKind says what a conversation is for.
type ConversationKind string

// Conversation kinds.
const (
	ConversationPlanner ConversationKind = "planner" // the clarifying goal conversation
	ConversationChat    ConversationKind = "chat"    // the chat assistant
	ConversationVoice   ConversationKind = "voice"   // a voice agent session
)

// Valid reports whether k is a known kind.
func (k ConversationKind) Valid() bool {
	return k == ConversationPlanner || k == ConversationChat || k == ConversationVoice
}

// Conversation is a thread of messages between a user and one of Flux's
// agents. State and Data hold the agent's own progress (the planner's state
// machine, a voice session's intents) so a conversation survives a restart.
type Conversation struct {
	ID     string           `json:"id"`
	UserID string           `json:"user_id"`
	Kind   ConversationKind `json:"kind"`
	// State is the agent's state name (e.g. "GATHERING_TIMELINE").
	State string `json:"state"`
	// Data is the agent's JSON state; stores keep it verbatim.
	Data          json.RawMessage `json:"data"`
	GoalID        string          `json:"goal_id"` // a goal the conversation produced or is about
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	LastMessageAt *time.Time      `json:"last_message_at"`
	// EndedAt is when a session was closed; nil while it is open.
	EndedAt         *time.Time `json:"ended_at"`
	DurationSeconds int        `json:"duration_seconds"`
	// MessageCount is the number of messages; stores maintain it.
	MessageCount int `json:"message_count"`
}

// MessageRole is who said a message.
type MessageRole string

// Message roles.
const (
	RoleUser      MessageRole = "user"
	RoleAssistant MessageRole = "assistant"
	RoleSystem    MessageRole = "system"
	RoleFunction  MessageRole = "function"
)

// Valid reports whether r is a known role.
func (r MessageRole) Valid() bool {
	return r == RoleUser || r == RoleAssistant || r == RoleSystem || r == RoleFunction
}

// Message is one message of a conversation.
type Message struct {
	ID             string      `json:"id"`
	UserID         string      `json:"user_id"`
	ConversationID string      `json:"conversation_id"`
	Role           MessageRole `json:"role"`
	Content        string      `json:"content"`
	// Metadata is free-form JSON (agent node, modality, function call id, ...).
	Metadata  json.RawMessage `json:"metadata"`
	CreatedAt time.Time       `json:"created_at"`
}
