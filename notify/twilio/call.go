package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

// CallStatusEvents are the call progress events a reminder call reports to
// its status callback: "answered" (the person picked up) and "completed"
// (the call ended; its CallStatus says how: completed, busy, no-answer,
// failed, canceled). Twilio's other events are "initiated" and "ringing".
var CallStatusEvents = []string{"answered", "completed"}

// Call is the "call" notify.Channel: a phone call that reads the reminder
// and asks for one digit. Twilio fetches what to say from fluxd
// (CallTwiMLPath), so the call's URLs name only the notification; nothing of
// the task travels in a URL.
type Call struct {
	c *Client
}

var _ notify.Channel = (*Call)(nil)

// NewCall returns the call channel of c. It needs Config.PhoneNumber (the
// caller id) and Config.WebhookBaseURL (where Twilio fetches the TwiML).
func NewCall(c *Client) (*Call, error) {
	if c.cfg.PhoneNumber == "" {
		return nil, errors.New("twilio: calls need PhoneNumber (TWILIO_PHONE_NUMBER), the caller id")
	}
	if c.webhook == "" {
		return nil, errors.New("twilio: calls need WebhookBaseURL (TWILIO_WEBHOOK_BASE_URL), where Twilio fetches what the call says")
	}
	return &Call{c: c}, nil
}

// Name returns "call".
func (ch *Call) Name() string { return string(flux.ChannelCall) }

// Ref is the query that names a call's notification in its URLs:
// "notification_id=<id>&user_id=<user>". Twilio signs the URLs it calls,
// so a webhook whose signature holds can trust it.
func Ref(userID, notificationID string) string {
	return url.Values{"notification_id": {notificationID}, "user_id": {userID}}.Encode()
}

// TwiMLURL returns the URL Twilio fetches the TwiML of the call for a
// user's notification from: WebhookBaseURL + CallTwiMLPath + "?" + Ref.
func (ch *Call) TwiMLURL(userID, id string) string {
	return ch.c.webhook + CallTwiMLPath + "?" + Ref(userID, id)
}

// StatusURL returns the status callback URL of the call for a user's
// notification: WebhookBaseURL + CallStatusPath + "?" + Ref.
func (ch *Call) StatusURL(userID, id string) string {
	return ch.c.webhook + CallStatusPath + "?" + Ref(userID, id)
}

// GatherURL returns the URL a call's Gather posts the digit to for a
// user's notification: WebhookBaseURL + CallGatherPath + "?" + Ref.
// fluxd puts it in CallScript.GatherAction.
func (ch *Call) GatherURL(userID, id string) string {
	return ch.c.webhook + CallGatherPath + "?" + Ref(userID, id)
}

// Send places a call to m.To (an E.164 number, else a permanent error
// wrapping notify.ErrNoRecipient) from Config.PhoneNumber. Twilio fetches
// the call's TwiML with a POST to TwiMLURL(m.UserID, m.ID) and reports the
// CallStatusEvents to StatusURL(m.UserID, m.ID). The receipt's ProviderID is the
// CallSid; the receipt says "sent" (the call was placed, not answered).
func (ch *Call) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	c := ch.c
	if !flux.ValidE164(m.To) {
		return notify.Receipt{}, notify.Permanent(fmt.Errorf("twilio call: %w: %q is not an E.164 phone number", notify.ErrNoRecipient, flux.MaskPhone(m.To)))
	}
	if m.ID == "" {
		return notify.Receipt{}, notify.Permanent(errors.New("twilio call: the message has no notification id to fetch its TwiML by"))
	}
	params := &api.CreateCallParams{}
	params.SetTo(m.To)
	params.SetFrom(c.cfg.PhoneNumber)
	params.SetUrl(ch.TwiMLURL(m.UserID, m.ID))
	params.SetMethod(http.MethodPost)
	params.SetStatusCallback(ch.StatusURL(m.UserID, m.ID))
	params.SetStatusCallbackEvent(CallStatusEvents)
	params.SetStatusCallbackMethod(http.MethodPost)
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, notify.Temporary(fmt.Errorf("twilio call: %w", err), 0)
	}

	s, done := c.begin(ctx, m.ID)
	call, err := s.api.CreateCall(params)
	done()
	if err != nil {
		err = c.classify(ctx, s, "twilio call", err)
		c.log.WarnContext(ctx, "twilio: call failed", "notification_id", m.ID, "to", flux.MaskPhone(m.To), "err", err)
		return notify.Receipt{}, err
	}
	sid := deref(call.Sid)
	if sid == "" {
		return notify.Receipt{}, notify.Temporary(errors.New("twilio call: Twilio answered without a call SID"), 0)
	}
	c.log.InfoContext(ctx, "twilio: call placed", "notification_id", m.ID, "to", flux.MaskPhone(m.To), "call_sid", sid, "status", deref(call.Status))
	return notify.Receipt{Provider: "twilio", ProviderID: sid, Status: flux.NotificationSent}, nil
}
