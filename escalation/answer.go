package escalation

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// Answers a person gives to a reminder (a WhatsApp reply, a key pressed on
// a call, a push action).
const (
	ResponseDone       = "done"
	ResponseReschedule = "reschedule"
	ResponseMissed     = "missed"
)

// ParseReply reads a reply as the original did: "1" or "done", "2" or
// "reschedule", "3" or "missed" (any case, around spaces); "" for anything
// else.
func ParseReply(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "done", "1️⃣":
		return ResponseDone
	case "2", "reschedule", "2️⃣":
		return ResponseReschedule
	case "3", "missed", "3️⃣":
		return ResponseMissed
	}
	return ""
}

// replyWindow is how far back a WhatsApp reply looks for the reminder it
// answers.
const replyWindow = 48 * time.Hour

// MatchWhatsApp finds the notification a WhatsApp message from the number
// from answers: the message it quoted (repliedSID, Twilio's
// OriginalRepliedMessageSid) when that went to this number, else the
// newest unanswered WhatsApp to the number in the last two days. ENotFound
// when there is none.
func (n *Notifier) MatchWhatsApp(ctx context.Context, from, repliedSID string) (*flux.Notification, error) {
	from = strings.TrimPrefix(strings.TrimSpace(from), "whatsapp:")
	if !flux.ValidE164(from) {
		return nil, flux.NotFound("notification")
	}
	if repliedSID != "" {
		if note, err := n.store.Notifications().NotificationByExternalID(ctx, repliedSID); err == nil &&
			note.Channel == flux.ChannelWhatsApp && note.Recipient == from {
			return note, nil
		}
	}
	return n.store.Notifications().LastUnanswered(ctx, flux.ChannelWhatsApp, from, n.clock.Now().Add(-replyWindow))
}

// Answer is what an answer to a notification came to.
type Answer struct {
	// Notification is the one answered, with its response recorded.
	Notification *flux.Notification
	// Response is what the person answered; "" when it was not one of the
	// answers (nothing changes then).
	Response string
	// Task is the task the notification was about, after the answer; nil
	// when it was about none (or the task is gone).
	Task *flux.Task
	// Repeated reports that the notification had been answered before:
	// nothing was done again.
	Repeated bool
}

// Answer records the person's response to a notification and acts on it:
// the notification (and the other unanswered ones of its escalation) take
// the response, the escalation is acknowledged, and the task is completed
// or marked missed through the TaskCloser (so a recurring series advances
// once). An unknown response records "no_response" and changes nothing
// else. A notification answered before is not answered again.
func (n *Notifier) Answer(ctx context.Context, note *flux.Notification, response string) (*Answer, error) {
	now := n.clock.Now()
	out := &Answer{Response: response}
	recorded := response
	if recorded == "" {
		recorded = "no_response"
	}
	err := n.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		got, err := tx.Notifications().UpdateNotification(ctx, note.UserID, note.ID, func(x *flux.Notification) error {
			if x.Response != "" && x.Response != "no_response" {
				return errStop
			}
			x.Response, x.RespondedAt = recorded, &now
			return nil
		})
		if errors.Is(err, errStop) {
			out.Repeated = true
			got, err = tx.Notifications().GetNotification(ctx, note.UserID, note.ID)
		}
		if err != nil {
			return err
		}
		out.Notification = got
		if out.Repeated || response == "" {
			return nil
		}
		if got.EscalationID != "" {
			if err := n.answerSiblings(ctx, tx, got, recorded, now); err != nil {
				return err
			}
			if _, err := n.esc.stop(ctx, tx, got.UserID, got.EscalationID, flux.EscalationAcknowledged, response); err != nil && !flux.IsCode(err, flux.ENotFound) {
				return err
			}
		}
		if got.Channel == flux.ChannelWhatsApp {
			_, err := tx.Users().UpdateUser(ctx, got.UserID, func(u *flux.User) error {
				u.WhatsAppLastInboundAt = &now
				return nil
			})
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out.Notification.TaskID == "" || out.Repeated {
		return out, nil
	}
	u, err := n.store.Users().GetUser(ctx, out.Notification.UserID)
	if err != nil {
		return nil, err
	}
	var t *flux.Task
	switch response {
	case ResponseDone:
		t, err = n.tasks.Complete(ctx, u, out.Notification.TaskID)
	case ResponseMissed:
		t, err = n.tasks.Missed(ctx, u, out.Notification.TaskID)
	default:
		t, err = n.store.Tasks().GetTask(ctx, u.ID, out.Notification.TaskID)
	}
	switch {
	case flux.IsCode(err, flux.ENotFound), flux.IsCode(err, flux.EConflict):
		// The task is gone, or closed another way meanwhile: the answer
		// is recorded all the same.
		t, _ = n.store.Tasks().GetTask(ctx, u.ID, out.Notification.TaskID)
	case err != nil:
		return nil, err
	}
	out.Task = t
	return out, nil
}

// answerSiblings gives the response to the other unanswered notifications
// of note's escalation, so a later reply is not matched to them.
func (n *Notifier) answerSiblings(ctx context.Context, tx flux.Stores, note *flux.Notification, response string, now time.Time) error {
	ns, _, err := tx.Notifications().ListNotifications(ctx, note.UserID, flux.NotificationFilter{EscalationID: note.EscalationID}, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		return err
	}
	for _, x := range ns {
		if x.ID == note.ID || x.Response != "" {
			continue
		}
		if _, err := tx.Notifications().UpdateNotification(ctx, x.UserID, x.ID, func(y *flux.Notification) error {
			y.Response, y.RespondedAt = response, &now
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// ReplyText is what Flux answers on WhatsApp to a reply, as the original
// did; taskURL links to the task for a reschedule.
func ReplyText(a *Answer, taskURL string) string {
	switch {
	case a == nil:
		return "Sorry, we could not find a reminder to answer."
	case a.Response == ResponseDone:
		return "Great work! Task marked as done."
	case a.Response == ResponseMissed:
		return "Task marked as missed. We'll help you reschedule."
	case a.Response == ResponseReschedule && taskURL != "":
		return "Pick a new time here: " + taskURL
	case a.Response == ResponseReschedule:
		return "Okay, we will not remind you again about this one."
	}
	return "Reply 1 (done), 2 (reschedule), or 3 (missed)."
}

// SpokenReply is what a call says after a key was pressed.
func SpokenReply(a *Answer) string {
	switch {
	case a == nil:
		return "Sorry, we could not find this reminder. Goodbye."
	case a.Response == ResponseDone:
		return "Thank you. Task marked as done. Goodbye."
	case a.Response == ResponseMissed:
		return "Task marked as missed. We will help you reschedule. Goodbye."
	case a.Response == ResponseReschedule:
		return "Okay. Open Flux to pick a new time. Goodbye."
	}
	return "No answer received. Goodbye."
}

// Reply is an inbound WhatsApp message as the provider's webhook gives it.
type Reply struct {
	// MessageSID is the provider's id of the reply; a reply delivered
	// twice with one id acts once.
	MessageSID string
	// From is the sender's number ("whatsapp:+49..." or "+49...").
	From string
	// RepliedSID is the message the reply quotes, when it quotes one.
	RepliedSID string
	Body       string
}

// ReplyWhatsApp answers an inbound WhatsApp message: matched to the
// reminder it answers (MatchWhatsApp), it is logged as an entry of its own
// whose provider id is its MessageSID, then the answer is recorded and
// acted on (Answer). It returns nil and ENotFound when no reminder
// matches, and nil, nil for a delivery repeated.
func (n *Notifier) ReplyWhatsApp(ctx context.Context, r Reply) (*Answer, error) {
	if r.MessageSID != "" {
		if _, err := n.store.Notifications().NotificationByExternalID(ctx, r.MessageSID); err == nil {
			return nil, nil
		}
	}
	note, err := n.MatchWhatsApp(ctx, r.From, r.RepliedSID)
	if err != nil {
		return nil, err
	}
	response := ParseReply(r.Body)
	recorded := response
	if recorded == "" {
		recorded = "no_response"
	}
	now := n.clock.Now()
	body := []rune(r.Body)
	if len(body) > 1600 {
		body = body[:1600]
	}
	entry := &flux.Notification{UserID: note.UserID, TaskID: note.TaskID, EscalationID: note.EscalationID,
		Channel: flux.ChannelWhatsApp, Status: flux.NotificationDelivered, Title: "Reply", Body: string(body),
		ExternalID: r.MessageSID, Provider: "twilio", Response: recorded, RespondedAt: &now, DeliveredAt: &now}
	if err := n.store.Notifications().CreateNotification(ctx, entry); err != nil {
		if flux.IsCode(err, flux.EConflict) {
			return nil, nil // delivered twice at once
		}
		return nil, err
	}
	return n.Answer(ctx, note, response)
}
