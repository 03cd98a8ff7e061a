package notify

import (
	"context"
	"log/slog"

	"github.com/fluxlife/flux"
)

// LogChannel is the channel of last resort: it writes the message to a
// slog.Logger and reports it sent, so that with no provider configured every
// send still "succeeds" visibly (in the log here, and in the notification
// log through the Dispatcher). It never logs a full phone number.
type LogChannel struct {
	name string
	log  *slog.Logger
}

// NewLogChannel returns a log channel standing in for the channel name
// ("push", "whatsapp", "call"); logger nil means slog.Default().
func NewLogChannel(name string, logger *slog.Logger) *LogChannel {
	if logger == nil {
		logger = slog.Default()
	}
	return &LogChannel{name: name, log: logger}
}

// Name returns the channel it stands in for.
func (c *LogChannel) Name() string { return c.name }

// Send logs m and returns a receipt whose ProviderID is "log-" and the
// message id.
func (c *LogChannel) Send(ctx context.Context, m Message) (Receipt, error) {
	if err := ctx.Err(); err != nil {
		return Receipt{}, Temporary(err, 0)
	}
	attrs := []any{"channel", c.name, "notification_id", m.ID, "user_id", m.UserID, "title", m.Title, "body", m.Body}
	if m.To != "" {
		attrs = append(attrs, "to", flux.MaskPhone(m.To))
	}
	if m.TaskID != "" {
		attrs = append(attrs, "task_id", m.TaskID)
	}
	if m.EscalationID != "" {
		attrs = append(attrs, "escalation_id", m.EscalationID)
	}
	c.log.InfoContext(ctx, "notification (no provider configured for this channel)", attrs...)
	return Receipt{Provider: "log", ProviderID: "log-" + m.ID, Status: flux.NotificationSent}, nil
}
