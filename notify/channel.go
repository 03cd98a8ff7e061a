// Package notify is how Flux reaches a person: one Channel seam with a
// provider behind each channel (Web Push in notify/webpush, WhatsApp and
// phone calls in notify/twilio, and the log channel here), the priority
// model that says which channels a reminder climbs and when, and the
// Dispatcher, which records every send in the notification log, retries
// what a retry can help as durable jobs, and sends each (notification,
// channel) at most once.
//
// A Channel only delivers; everything around a delivery (whom to send to,
// recording, retrying, idempotency) is the Dispatcher's, so a new provider
// is a small type with two methods. The conformance suite in
// notify/notifytest says what every Channel must do, against a fake of its
// provider.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fluxlife/flux"
)

// Channel delivers messages through one provider. Implementations are safe
// for concurrent use and bound every call to their provider with a timeout.
type Channel interface {
	// Name is the channel it serves: "push", "whatsapp" or "call" (the
	// flux.Channel values), or a name of its own for a custom channel.
	Name() string
	// Send delivers m. It returns the provider's receipt, or an error that
	// says (through IsTemporary) whether trying again later can help.
	Send(ctx context.Context, m Message) (Receipt, error)
}

// Message is one notification to one person on one channel.
type Message struct {
	// ID is the notification's id (its notification log entry). Providers
	// that accept an idempotency key or a collapse key are given one
	// derived from it, so that a send repeated after a crash is not
	// delivered twice where the provider allows.
	ID string
	// UserID is the recipient. The push channel sends to every device
	// this user subscribed.
	UserID string
	// TaskID and EscalationID, when set, say what the message is about.
	TaskID       string
	EscalationID string
	// Priority is how much the message matters; push urgency follows it.
	Priority flux.Priority
	// Title and Body are the text. Channels that cannot show a title
	// (WhatsApp, a call) combine them.
	Title string
	Body  string
	// To is the recipient's address where the channel needs one: a phone
	// number in E.164 form for WhatsApp and calls. Push leaves it empty.
	To string
	// URL is a link into the app about the message (a push click target,
	// the WhatsApp app link); empty for none.
	URL string
	// Data is extra key/value data for the receiving app (the push
	// payload's data object).
	Data map[string]string
	// Actions are the buttons of a push notification. Nil means the
	// reminder actions (done, reschedule, missed) when TaskID is set, none
	// otherwise.
	Actions []Action
	// TTL is how long a push service keeps an undelivered message; 0
	// means DefaultTTL.
	TTL time.Duration
	// LastInboundAt is when the person last wrote to us on WhatsApp; nil
	// when never. Outside WhatsApp's 24-hour customer-care window a
	// business may only send an approved template.
	LastInboundAt *time.Time
}

// DefaultTTL is how long a push service keeps an undelivered message when
// Message.TTL is 0: one day, as the original system had it.
const DefaultTTL = 24 * time.Hour

// Action is a button of a push notification.
type Action struct {
	Action string `json:"action"`
	Title  string `json:"title"`
	Icon   string `json:"icon,omitempty"`
}

// ReminderActions are the buttons of a task reminder, as the original
// system sent them and its frontend's service worker handles them: done,
// reschedule, missed.
func ReminderActions() []Action {
	return []Action{
		{Action: "done", Title: "✓ Done"},
		{Action: "reschedule", Title: "⏰ Reschedule"},
		{Action: "missed", Title: "✗ Missed"},
	}
}

// Receipt is what a provider answered to a send.
type Receipt struct {
	// Provider names who delivered: "webpush", "twilio", "log", ...
	Provider string
	// ProviderID is the provider's id of the message (a Twilio MessageSid
	// or CallSid, a push service's message location); several, comma
	// separated, when one send went to several devices.
	ProviderID string
	// Status is what the provider said: usually NotificationSent (accepted
	// for delivery); NotificationDelivered when delivery is known.
	Status flux.NotificationStatus
	// Targets are the per-device results of a send to several devices
	// (push); nil for a single recipient.
	Targets []Target
}

// Target is the result of a send to one device.
type Target struct {
	// ID names the device (a push subscription's device id).
	ID         string
	ProviderID string
	// Err is nil when the device's push service accepted the message.
	Err error
	// Gone reports that the provider said the device no longer exists
	// (404 or 410); its subscription has been removed.
	Gone bool
}

// ErrNoRecipient is a permanent failure: the person has nothing to send to
// on this channel (no push subscription, no phone number).
var ErrNoRecipient = errors.New("no recipient on this channel")

// Error is a failed send with what a caller needs to decide about a retry.
type Error struct {
	// Temporary reports that the same send may succeed later (a timeout,
	// a 5xx or 429 from the provider, a connection error).
	Temporary bool
	// RetryAfter, when not zero, is how long the provider asked to wait.
	RetryAfter time.Duration
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	if e.RetryAfter > 0 {
		return fmt.Sprintf("%s failure (retry after %s): %v", kind, e.RetryAfter, e.Err)
	}
	return fmt.Sprintf("%s failure: %v", kind, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Temporary wraps err as a failure that a later retry may fix; retryAfter,
// when not zero, is the wait the provider asked for.
func Temporary(err error, retryAfter time.Duration) error {
	return &Error{Temporary: true, RetryAfter: retryAfter, Err: err}
}

// Permanent wraps err as a failure that repeating the same send will not
// fix (a rejected recipient, bad credentials, a malformed message).
func Permanent(err error) error { return &Error{Err: err} }

// IsTemporary reports whether err is a failure that a retry may fix, and
// the wait the provider asked for. Context cancellation and deadline errors
// are temporary (the send may not have happened); an error that is not an
// *Error and no context error is permanent.
func IsTemporary(err error) (bool, time.Duration) {
	if err == nil {
		return false, 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary, e.RetryAfter
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true, 0
	}
	return false, 0
}
