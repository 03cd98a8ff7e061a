package flux

import (
	"encoding/json"
	"time"
)

// PushSubscription is one browser or device registered for Web Push.
type PushSubscription struct {
	ID       string `json:"id"`
	UserID   string `json:"user_id"`
	DeviceID string `json:"device_id"`
	// Endpoint is the push service URL of the subscription.
	Endpoint   string `json:"endpoint"`
	P256DH     string `json:"p256dh"`
	Auth       string `json:"auth"`
	DeviceName string `json:"device_name"`
	UserAgent  string `json:"user_agent"`
	// ExpiresAt is the subscription's expirationTime, if the browser gave one.
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Channel is a way to reach the user.
type Channel string

// Channels, in escalation order.
const (
	ChannelPush     Channel = "push"
	ChannelWhatsApp Channel = "whatsapp"
	ChannelCall     Channel = "call"
	ChannelLog      Channel = "log" // written to the log only: no provider configured
)

// NotificationStatus is the outcome of a send.
type NotificationStatus string

// Notification statuses.
const (
	NotificationPending   NotificationStatus = "pending"
	NotificationSent      NotificationStatus = "sent"
	NotificationDelivered NotificationStatus = "delivered"
	NotificationFailed    NotificationStatus = "failed"
	NotificationRead      NotificationStatus = "read"
)

// Notification records one send on one channel and what came of it. It is the
// notification log: every send is recorded before it leaves, so a retried job
// can see it was already sent.
type Notification struct {
	ID           string             `json:"id"`
	UserID       string             `json:"user_id"`
	TaskID       string             `json:"task_id"`       // empty when not about a task
	EscalationID string             `json:"escalation_id"` // empty when not part of one
	Channel      Channel            `json:"channel"`
	Status       NotificationStatus `json:"status"`
	Title        string             `json:"title"`
	Body         string             `json:"body"`
	// ExternalID is the provider's id (Twilio MessageSid or CallSid).
	ExternalID string `json:"external_id"`
	// IdempotencyKey, when set, is unique per user: a second send with the
	// same key is refused with EConflict.
	IdempotencyKey string `json:"idempotency_key"`
	// Response is the user's answer: "done", "reschedule", "missed".
	Response    string     `json:"response"`
	Error       string     `json:"error"`
	SentAt      *time.Time `json:"sent_at"`
	RespondedAt *time.Time `json:"responded_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// EscalationStatus is where an escalation stands.
type EscalationStatus string

// Escalation statuses.
const (
	EscalationRunning      EscalationStatus = "running"
	EscalationAcknowledged EscalationStatus = "acknowledged"
	EscalationCancelled    EscalationStatus = "cancelled"
	EscalationExhausted    EscalationStatus = "exhausted" // every step sent, no answer
)

// StepStatus is where one escalation step stands.
type StepStatus string

// Step statuses.
const (
	StepPending      StepStatus = "pending"
	StepSent         StepStatus = "sent"
	StepDelivered    StepStatus = "delivered"
	StepFailed       StepStatus = "failed"
	StepAcknowledged StepStatus = "acknowledged"
	StepSkipped      StepStatus = "skipped"
)

// EscalationStep is one rung of the ladder: a channel, when it is due, and
// what happened.
type EscalationStep struct {
	Channel Channel    `json:"channel"`
	Status  StepStatus `json:"status"`
	// DueAt is when the step is sent unless the user acknowledged first.
	DueAt          time.Time  `json:"due_at"`
	SentAt         *time.Time `json:"sent_at"`
	NotificationID string     `json:"notification_id"`
	Error          string     `json:"error"`
}

// Escalation is a reminder that climbs channels (push, WhatsApp, call) until
// the user acknowledges it.
type Escalation struct {
	ID       string           `json:"id"`
	UserID   string           `json:"user_id"`
	TaskID   string           `json:"task_id"`
	Title    string           `json:"title"`
	Message  string           `json:"message"`
	Priority Priority         `json:"priority"`
	Speed    float64          `json:"speed"`
	Status   EscalationStatus `json:"status"`
	Steps    []EscalationStep `json:"steps"`
	// IdempotencyKey, when set, is unique per user.
	IdempotencyKey string     `json:"idempotency_key"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	EndedAt        *time.Time `json:"ended_at"`
}

// Pattern is something the pattern observer learned about a user, such as
// an hour they avoid or a time they reliably get things done.
type Pattern struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	// Type is e.g. "time_avoidance", "completion_streak", "best_time".
	Type        string `json:"pattern_type"`
	Description string `json:"description"`
	// Data is the observation as a JSON object.
	Data json.RawMessage `json:"data"`
	// UserOverride is the user's correction, merged over Data when read.
	UserOverride json.RawMessage `json:"user_override"`
	Confidence   float64         `json:"confidence"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}
