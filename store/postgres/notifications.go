package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

const notificationCols = `id, user_id, coalesce(task_id::text, ''), coalesce(escalation_id::text, ''), channel,
	status, title, body, external_id, idempotency_key, response, error, sent_at, responded_at, created_at, updated_at,
	provider, recipient, attempts, payload, delivered_at`

func scanNotification(r pgx.Row) (*flux.Notification, error) {
	var n flux.Notification
	if err := r.Scan(&n.ID, &n.UserID, &n.TaskID, &n.EscalationID, &n.Channel, &n.Status, &n.Title, &n.Body,
		&n.ExternalID, &n.IdempotencyKey, &n.Response, &n.Error, &n.SentAt, &n.RespondedAt,
		&n.CreatedAt, &n.UpdatedAt, &n.Provider, &n.Recipient, &n.Attempts, &n.Payload, &n.DeliveredAt); err != nil {
		return nil, err
	}
	return &n, nil
}

var notificationList = list[flux.Notification]{
	op: "list notifications", table: "notifications", cols: notificationCols, col: "created_at", desc: true,
	scan: scanNotification,
	key:  func(n *flux.Notification) flux.Cursor { return flux.Cursor{Time: n.CreatedAt, ID: n.ID} },
}

// validChannel reports whether c is a known channel.
func validChannel(c flux.Channel) bool {
	switch c {
	case flux.ChannelPush, flux.ChannelWhatsApp, flux.ChannelCall, flux.ChannelLog:
		return true
	}
	return false
}

// validateNotification checks what a notification's own value decides.
func validateNotification(n *flux.Notification, fs fieldErrs) error {
	if !validChannel(n.Channel) {
		fs.add("channel", "must be push, whatsapp, call or log")
	}
	switch n.Status {
	case flux.NotificationPending, flux.NotificationSent, flux.NotificationDelivered, flux.NotificationFailed, flux.NotificationRead, flux.NotificationCancelled:
	default:
		fs.add("status", "unknown status %q", n.Status)
	}
	checkRef(n.TaskID, &fs, "task_id")
	checkRef(n.EscalationID, &fs, "escalation_id")
	if n.Attempts < 0 {
		fs.add("attempts", "must not be negative")
	}
	if len(n.Payload) > 0 && !jsonObject(n.Payload) {
		fs.add("payload", "must be a JSON object")
	}
	return fs.err("invalid notification")
}

func normNotification(n *flux.Notification) {
	storeTimeP(&n.SentAt)
	storeTimeP(&n.RespondedAt)
	storeTimeP(&n.DeliveredAt)
}

func notificationArgs(n *flux.Notification) []any {
	return []any{n.ID, n.UserID, uuidArg(n.TaskID), uuidArg(n.EscalationID), n.Channel, n.Status, n.Title, n.Body,
		n.ExternalID, n.IdempotencyKey, n.Response, n.Error, timeArg(n.SentAt), timeArg(n.RespondedAt),
		n.CreatedAt, n.UpdatedAt, n.Provider, n.Recipient, n.Attempts, payloadArg(n.Payload), timeArg(n.DeliveredAt)}
}

// CreateNotification records a send.
func (d *db) CreateNotification(ctx context.Context, n *flux.Notification) error {
	v := *n
	var fs fieldErrs
	checkID(&v.ID, &fs, "id")
	if err := validateNotification(&v, fs); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	normNotification(&v)
	v.CreatedAt = d.now()
	v.UpdatedAt = v.CreatedAt
	if _, err := d.q.Exec(ctx, `INSERT INTO notifications (id, user_id, task_id, escalation_id, channel, status,
		title, body, external_id, idempotency_key, response, error, sent_at, responded_at, created_at, updated_at,
		provider, recipient, attempts, payload, delivered_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		notificationArgs(&v)...); err != nil {
		return mapErr("create notification", err)
	}
	*n = v
	return nil
}

// GetNotification returns one of the user's notifications.
func (d *db) GetNotification(ctx context.Context, userID, id string) (*flux.Notification, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("notification")
	}
	return one(ctx, d.q, "get notification", "notification", scanNotification,
		`SELECT `+notificationCols+` FROM notifications WHERE user_id = $1 AND id = $2`, userID, id)
}

// ListNotifications returns the user's notifications, newest first.
func (d *db) ListNotifications(ctx context.Context, userID string, f flux.NotificationFilter, p flux.Page) ([]flux.Notification, string, error) {
	if !flux.ValidID(userID) || (f.TaskID != "" && !flux.ValidID(f.TaskID)) || (f.EscalationID != "" && !flux.ValidID(f.EscalationID)) {
		return emptyList[flux.Notification](p)
	}
	var a args
	cs := conds{"user_id = " + a.add(userID)}
	if f.TaskID != "" {
		cs = append(cs, "task_id = "+a.add(f.TaskID))
	}
	if f.EscalationID != "" {
		cs = append(cs, "escalation_id = "+a.add(f.EscalationID))
	}
	if f.Channel != "" {
		cs = append(cs, "channel = "+a.add(string(f.Channel)))
	}
	if f.IdempotencyKey != "" {
		cs = append(cs, "idempotency_key = "+a.add(f.IdempotencyKey))
	}
	return notificationList.run(ctx, d.q, cs, a, p)
}

// UpdateNotification edits one of the user's notifications through fn.
func (d *db) UpdateNotification(ctx context.Context, userID, id string, fn func(*flux.Notification) error) (*flux.Notification, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("notification")
	}
	var out *flux.Notification
	err := d.inTx(ctx, func(q querier) error {
		n, err := one(ctx, q, "update notification", "notification", scanNotification,
			`SELECT `+notificationCols+` FROM notifications WHERE user_id = $1 AND id = $2 FOR UPDATE`, userID, id)
		if err != nil {
			return err
		}
		createdAt := n.CreatedAt
		if err := fn(n); err != nil {
			return err
		}
		n.ID, n.UserID, n.CreatedAt = id, userID, createdAt
		if err := validateNotification(n, nil); err != nil {
			return err
		}
		normNotification(n)
		n.UpdatedAt = d.now()
		if _, err := q.Exec(ctx, `UPDATE notifications SET task_id = $3, escalation_id = $4, channel = $5,
			status = $6, title = $7, body = $8, external_id = $9, idempotency_key = $10, response = $11, error = $12,
			sent_at = $13, responded_at = $14, updated_at = $15, provider = $16, recipient = $17, attempts = $18,
			payload = $19, delivered_at = $20 WHERE id = $1 AND user_id = $2`,
			without(notificationArgs(n), 14)...); err != nil {
			return mapErr("update notification", err)
		}
		out = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NotificationByExternalID finds a notification by its provider id,
// whoever it belongs to.
func (d *db) NotificationByExternalID(ctx context.Context, externalID string) (*flux.Notification, error) {
	if externalID == "" || !storable(externalID) {
		return nil, notFound("notification")
	}
	return one(ctx, d.q, "notification by external id", "notification", scanNotification,
		`SELECT `+notificationCols+` FROM notifications WHERE external_id = $1`, externalID)
}

// LastUnanswered returns the newest notification on channel to recipient
// with no response, created at or after since, for any user.
func (d *db) LastUnanswered(ctx context.Context, channel flux.Channel, recipient string, since time.Time) (*flux.Notification, error) {
	if recipient == "" || !storable(recipient) || !storable(string(channel)) {
		return nil, notFound("notification")
	}
	return one(ctx, d.q, "last unanswered notification", "notification", scanNotification,
		`SELECT `+notificationCols+` FROM notifications WHERE channel = $1 AND recipient = $2 AND response = ''
		AND recipient <> '' AND created_at >= $3 ORDER BY created_at DESC, id DESC LIMIT 1`,
		string(channel), recipient, flux.StoreTime(since))
}

// payloadArg is a notification payload as a jsonb value: NULL for none.
func payloadArg(p json.RawMessage) any {
	if len(p) == 0 {
		return nil
	}
	return []byte(p)
}

// jsonObject reports whether b is one JSON object.
func jsonObject(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}
