package flux

import (
	"encoding/json"
	"fmt"
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
	// NotificationCancelled is a send that was called off before it
	// left: its escalation was acknowledged first.
	NotificationCancelled NotificationStatus = "cancelled"
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
	// Provider names who delivered it ("webpush", "twilio", "log"); empty
	// until a send was attempted.
	Provider string `json:"provider"`
	// Recipient is the address it went to on its channel (a phone number
	// in E.164 form for WhatsApp and calls; empty for push, which goes to
	// every device of the user).
	Recipient string `json:"recipient"`
	// Attempts counts the sends tried so far.
	Attempts int `json:"attempts"`
	// Payload is what is needed to send it again, as a JSON object (the
	// link, extra data and actions of the message); nil when nothing.
	Payload json.RawMessage `json:"payload"`
	// IdempotencyKey, when set, is unique per user: a second send with the
	// same key is refused with EConflict.
	IdempotencyKey string `json:"idempotency_key"`
	// Response is the user's answer: "done", "reschedule", "missed".
	Response string     `json:"response"`
	Error    string     `json:"error"`
	SentAt   *time.Time `json:"sent_at"`
	// DeliveredAt is when the provider reported delivery, if it did.
	DeliveredAt *time.Time `json:"delivered_at"`
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
	// WaitSeconds is the wait before this step as its policy said it
	// (after the previous step, or after the start for the first).
	WaitSeconds int `json:"wait_seconds"`
	// Conditions are the policy step's conditions (see PolicyStep).
	Conditions []string `json:"conditions,omitempty"`
	// DueAt is when the step is sent unless the user acknowledged first.
	DueAt       time.Time  `json:"due_at"`
	SentAt      *time.Time `json:"sent_at"`
	DeliveredAt *time.Time `json:"delivered_at"`
	// NotificationID is the notification log entry of the step's send.
	NotificationID string `json:"notification_id"`
	// JobID is the durable job that sends the step at DueAt; 0 when none.
	JobID int64  `json:"job_id,omitempty"`
	Error string `json:"error"`
}

// Conditions a PolicyStep may carry.
const (
	// ConditionOutsideQuietHours sends the step only outside the user's
	// quiet hours; inside them the step is skipped.
	ConditionOutsideQuietHours = "outside_quiet_hours"
)

// PolicyStep is one rung of an escalation policy: a channel and the wait
// before it.
type PolicyStep struct {
	Channel Channel `json:"channel"`
	// WaitSeconds is the wait before this step: after the previous step,
	// or, for the first step, after the escalation starts.
	WaitSeconds int `json:"wait_time_seconds"`
	// Conditions restrict when the step is sent (ConditionOutsideQuietHours).
	Conditions []string `json:"conditions,omitempty"`
}

// MaxPolicySteps is the most steps a policy may have.
const MaxPolicySteps = 10

// MaxPolicyWaitSeconds is the longest wait before a policy step (a day).
const MaxPolicyWaitSeconds = 24 * 60 * 60

// ValidatePolicy checks an escalation policy's steps and returns the
// problems as field errors named after field (e.g. "policies.important").
func ValidatePolicy(field string, steps []PolicyStep) []FieldError {
	var fs []FieldError
	add := func(f, format string, args ...any) {
		fs = append(fs, FieldError{Field: f, Message: fmt.Sprintf(format, args...)})
	}
	if len(steps) == 0 {
		add(field, "must have at least one step")
	}
	if len(steps) > MaxPolicySteps {
		add(field, "has %d steps; at most %d", len(steps), MaxPolicySteps)
	}
	for i, s := range steps {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch s.Channel {
		case ChannelPush, ChannelWhatsApp, ChannelCall:
		default:
			add(f+".channel", "must be push, whatsapp or call")
		}
		if s.WaitSeconds < 0 || s.WaitSeconds > MaxPolicyWaitSeconds {
			add(f+".wait_time_seconds", "must be between 0 and %d", MaxPolicyWaitSeconds)
		}
		for _, c := range s.Conditions {
			if c != ConditionOutsideQuietHours {
				add(f+".conditions", "unknown condition %q: want %s", c, ConditionOutsideQuietHours)
			}
		}
	}
	return fs
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
	Type string `json:"pattern_type"`
	// Key names the pattern among the user's patterns of its Type (for
	// example "Monday 19:00-20:00" for an avoided slot); SyncPatterns
	// matches by (Type, Key). Empty for a pattern without one.
	Key         string `json:"pattern_key"`
	Description string `json:"description"`
	// Data is the observation as a JSON object.
	Data json.RawMessage `json:"data"`
	// UserOverride is the user's correction, merged over Data when read.
	UserOverride json.RawMessage `json:"user_override"`
	Confidence   float64         `json:"confidence"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}
