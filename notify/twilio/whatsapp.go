package twilio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

// CustomerCareWindow is WhatsApp's customer-care window: a business may
// send free-form messages to a person for this long after the person last
// wrote to it; outside it only approved templates are delivered.
const CustomerCareWindow = 24 * time.Hour

// WhatsApp is the "whatsapp" notify.Channel: one Twilio message per send.
type WhatsApp struct {
	c *Client
}

var _ notify.Channel = (*WhatsApp)(nil)

// NewWhatsApp returns the WhatsApp channel of c.
func NewWhatsApp(c *Client) *WhatsApp { return &WhatsApp{c: c} }

// Name returns "whatsapp".
func (w *WhatsApp) Name() string { return string(flux.ChannelWhatsApp) }

// WhatsAppText is the text of a free-form WhatsApp message: body alone when
// title is empty, else the title in bold (WhatsApp's *...*) on its own line
// followed by the body.
func WhatsAppText(title, body string) string {
	if title == "" {
		return body
	}
	return "*" + title + "*\n" + body
}

// Send sends m to whatsapp:<m.To>. m.To must be an E.164 number, else the
// error is permanent and wraps notify.ErrNoRecipient. When
// Config.WhatsAppTemplateSID is set and the person has not written within
// CustomerCareWindow (m.LastInboundAt nil or older), the template is sent
// with {"1": title, "2": body}; otherwise the text WhatsAppText(m.Title,
// m.Body). The receipt's ProviderID is the MessageSid.
func (w *WhatsApp) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	c := w.c
	if !flux.ValidE164(m.To) {
		return notify.Receipt{}, notify.Permanent(fmt.Errorf("twilio whatsapp: %w: %q is not an E.164 phone number", notify.ErrNoRecipient, flux.MaskPhone(m.To)))
	}
	params := &api.CreateMessageParams{}
	params.SetTo("whatsapp:" + m.To)
	params.SetFrom(c.cfg.WhatsAppFrom)
	template := c.cfg.WhatsAppTemplateSID != "" && !w.inWindow(m.LastInboundAt)
	if template {
		vars, err := contentVariables(m.Title, m.Body)
		if err != nil {
			return notify.Receipt{}, notify.Permanent(fmt.Errorf("twilio whatsapp: %w", err))
		}
		params.SetContentSid(c.cfg.WhatsAppTemplateSID)
		params.SetContentVariables(vars)
	} else {
		text := WhatsAppText(m.Title, m.Body)
		if strings.TrimSpace(text) == "" {
			return notify.Receipt{}, notify.Permanent(errors.New("twilio whatsapp: the message has no text"))
		}
		params.SetBody(text)
	}
	if c.webhook != "" {
		params.SetStatusCallback(c.webhook + WhatsAppStatusPath)
	}
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, notify.Temporary(fmt.Errorf("twilio whatsapp: %w", err), 0)
	}

	s, done := c.begin(ctx, m.ID)
	msg, err := s.api.CreateMessage(params)
	done()
	if err != nil {
		err = c.classify(ctx, s, "twilio whatsapp", err)
		c.log.WarnContext(ctx, "twilio: whatsapp message failed", "notification_id", m.ID, "to", flux.MaskPhone(m.To), "template", template, "err", err)
		return notify.Receipt{}, err
	}
	sid := deref(msg.Sid)
	if sid == "" {
		return notify.Receipt{}, notify.Temporary(errors.New("twilio whatsapp: Twilio answered without a message SID"), 0)
	}
	c.log.InfoContext(ctx, "twilio: whatsapp message sent", "notification_id", m.ID, "to", flux.MaskPhone(m.To), "message_sid", sid, "status", deref(msg.Status), "template", template)
	return notify.Receipt{Provider: "twilio", ProviderID: sid, Status: flux.NotificationSent}, nil
}

// inWindow reports whether a person who last wrote at last is inside
// WhatsApp's customer-care window now.
func (w *WhatsApp) inWindow(last *time.Time) bool {
	if last == nil {
		return false
	}
	return w.c.clock.Now().Before(last.Add(CustomerCareWindow))
}

// contentVariables encodes a template's variables, {"1": title, "2":
// body}, as the JSON Twilio's ContentVariables takes.
func contentVariables(title, body string) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]string{"1": title, "2": body}); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
