package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fluxlife/flux"
)

const notificationColumns = `id, user_id, task_id, escalation_id, channel, status, title, body, external_id,
	idempotency_key, response, error, sent_at, responded_at, created_at, updated_at, provider, recipient,
	attempts, payload, delivered_at`

func scanNotification(sc scanner) (flux.Notification, error) {
	var (
		n                          flux.Notification
		sent, responded, delivered sql.NullInt64
		created, updated           int64
		payload                    sql.NullString
	)
	if err := sc.Scan(&n.ID, &n.UserID, &n.TaskID, &n.EscalationID, &n.Channel, &n.Status, &n.Title, &n.Body, &n.ExternalID,
		&n.IdempotencyKey, &n.Response, &n.Error, &sent, &responded, &created, &updated, &n.Provider, &n.Recipient,
		&n.Attempts, &payload, &delivered); err != nil {
		return n, err
	}
	if payload.Valid {
		n.Payload = json.RawMessage(payload.String)
	}
	n.SentAt, n.RespondedAt, n.DeliveredAt = fromNullMicros(sent), fromNullMicros(responded), fromNullMicros(delivered)
	n.CreatedAt, n.UpdatedAt = fromMicros(created), fromMicros(updated)
	return n, nil
}

func normalizeNotification(n *flux.Notification) {
	n.SentAt = storeTimePtr(n.SentAt)
	n.RespondedAt = storeTimePtr(n.RespondedAt)
	n.DeliveredAt = storeTimePtr(n.DeliveredAt)
	n.CreatedAt = flux.StoreTime(n.CreatedAt)
	n.UpdatedAt = flux.StoreTime(n.UpdatedAt)
}

func validChannel(c flux.Channel) bool {
	switch c {
	case flux.ChannelPush, flux.ChannelWhatsApp, flux.ChannelCall, flux.ChannelLog:
		return true
	}
	return false
}

func validNotificationStatus(s flux.NotificationStatus) bool {
	switch s {
	case flux.NotificationPending, flux.NotificationSent, flux.NotificationDelivered, flux.NotificationFailed, flux.NotificationRead, flux.NotificationCancelled:
		return true
	}
	return false
}

// validateNotification checks n (which has no Validate method of its own).
func validateNotification(n *flux.Notification) error {
	var fs []flux.FieldError
	if !validChannel(n.Channel) {
		fs = append(fs, flux.FieldError{Field: "channel", Message: fmt.Sprintf("unknown channel %q: want push, whatsapp, call or log", n.Channel)})
	}
	if !validNotificationStatus(n.Status) {
		fs = append(fs, flux.FieldError{Field: "status", Message: fmt.Sprintf("unknown status %q", n.Status)})
	}
	if n.TaskID != "" && !flux.ValidID(n.TaskID) {
		fs = append(fs, flux.FieldError{Field: "task_id", Message: "must be a UUID"})
	}
	if n.EscalationID != "" && !flux.ValidID(n.EscalationID) {
		fs = append(fs, flux.FieldError{Field: "escalation_id", Message: "must be a UUID"})
	}
	if n.Attempts < 0 {
		fs = append(fs, flux.FieldError{Field: "attempts", Message: "must not be negative"})
	}
	if len(n.Payload) > 0 && !jsonObject(n.Payload) {
		fs = append(fs, flux.FieldError{Field: "payload", Message: "must be a JSON object"})
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid notification", fs...)
	}
	return nil
}

func errNotificationKey() error {
	return &flux.Error{Code: flux.EConflict, Message: "a notification with this idempotency key already exists"}
}

func errNotificationExt() error {
	return &flux.Error{Code: flux.EConflict, Message: "a notification with this external id already exists"}
}

// notificationConflict checks the unique keys of n against the other rows.
func notificationConflict(ctx context.Context, q querier, n *flux.Notification) error {
	if n.IdempotencyKey != "" {
		ok, err := exists(ctx, q, "SELECT 1 FROM notifications WHERE user_id = ? AND idempotency_key = ? AND id <> ?", n.UserID, n.IdempotencyKey, n.ID)
		if err != nil {
			return dbError("check notification", err)
		}
		if ok {
			return errNotificationKey()
		}
	}
	if n.ExternalID != "" {
		ok, err := exists(ctx, q, "SELECT 1 FROM notifications WHERE external_id = ? AND id <> ?", n.ExternalID, n.ID)
		if err != nil {
			return dbError("check notification", err)
		}
		if ok {
			return errNotificationExt()
		}
	}
	return nil
}

// CreateNotification records a send; EConflict on a repeated idempotency
// key of the user or a repeated external id.
func (s *stores) CreateNotification(ctx context.Context, n *flux.Notification) error {
	v := *n
	if err := prepareNew(&v.ID, "notification"); err != nil {
		return err
	}
	now := s.now()
	v.CreatedAt, v.UpdatedAt = now, now
	normalizeNotification(&v)
	if err := validateNotification(&v); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	err := s.write(ctx, func(q querier) error {
		if err := notificationConflict(ctx, q, &v); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, "INSERT INTO notifications ("+notificationColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			v.ID, v.UserID, v.TaskID, v.EscalationID, string(v.Channel), string(v.Status), v.Title, v.Body, v.ExternalID,
			v.IdempotencyKey, v.Response, v.Error, nullMicros(v.SentAt), nullMicros(v.RespondedAt), micros(v.CreatedAt), micros(v.UpdatedAt),
			v.Provider, v.Recipient, v.Attempts, payloadArg(v.Payload), nullMicros(v.DeliveredAt)); err != nil {
			return insertError("create notification", err, "the notification conflicts with a stored one")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*n = v
	return nil
}

func getNotification(ctx context.Context, q querier, userID, id string) (*flux.Notification, error) {
	if !validIDs(userID, id) {
		return nil, notFound("notification")
	}
	n, err := scanNotification(q.QueryRowContext(ctx, "SELECT "+notificationColumns+" FROM notifications WHERE user_id = ? AND id = ?", userID, id))
	if err != nil {
		return nil, rowError("get notification", "notification", err)
	}
	return &n, nil
}

// GetNotification returns one of the user's notifications.
func (s *stores) GetNotification(ctx context.Context, userID, id string) (*flux.Notification, error) {
	return getNotification(ctx, s.r, userID, id)
}

// ListNotifications returns the user's notifications, newest first
// (CreatedAt, then ID, descending).
func (s *stores) ListNotifications(ctx context.Context, userID string, f flux.NotificationFilter, p flux.Page) ([]flux.Notification, string, error) {
	var w where
	w.add("user_id = ?", userID)
	if f.TaskID != "" {
		w.add("task_id = ?", f.TaskID)
	}
	if f.EscalationID != "" {
		w.add("escalation_id = ?", f.EscalationID)
	}
	if f.Channel != "" {
		w.add("channel = ?", string(f.Channel))
	}
	if f.IdempotencyKey != "" {
		w.add("idempotency_key = ?", f.IdempotencyKey)
	}
	if err := newestFirst(&w, p); err != nil {
		return nil, "", err
	}
	if !flux.ValidID(userID) {
		return nil, "", nil
	}
	size := p.Size()
	ns, err := queryAll(ctx, s.r, "list notifications", scanNotification,
		"SELECT "+notificationColumns+" FROM notifications"+w.String()+" ORDER BY created_at DESC, id DESC LIMIT ?", append(w.args, size+1)...)
	if err != nil {
		return nil, "", err
	}
	ns, next := page(ns, size, func(n *flux.Notification) flux.Cursor { return flux.Cursor{Time: n.CreatedAt, ID: n.ID} })
	return ns, next, nil
}

// UpdateNotification edits one of the user's notifications through fn.
func (s *stores) UpdateNotification(ctx context.Context, userID, id string, fn func(*flux.Notification) error) (*flux.Notification, error) {
	if !validIDs(userID, id) {
		return nil, notFound("notification")
	}
	var out *flux.Notification
	err := s.write(ctx, func(q querier) error {
		n, err := getNotification(ctx, q, userID, id)
		if err != nil {
			return err
		}
		orig := *n
		if err := fn(n); err != nil {
			return err
		}
		n.ID, n.UserID, n.CreatedAt = orig.ID, orig.UserID, orig.CreatedAt
		n.UpdatedAt = s.now()
		normalizeNotification(n)
		if err := validateNotification(n); err != nil {
			return err
		}
		if err := notificationConflict(ctx, q, n); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE notifications SET task_id = ?, escalation_id = ?, channel = ?, status = ?,
			title = ?, body = ?, external_id = ?, idempotency_key = ?, response = ?, error = ?, sent_at = ?,
			responded_at = ?, updated_at = ?, provider = ?, recipient = ?, attempts = ?, payload = ?, delivered_at = ?
			WHERE user_id = ? AND id = ?`,
			n.TaskID, n.EscalationID, string(n.Channel), string(n.Status), n.Title, n.Body, n.ExternalID,
			n.IdempotencyKey, n.Response, n.Error, nullMicros(n.SentAt), nullMicros(n.RespondedAt), micros(n.UpdatedAt),
			n.Provider, n.Recipient, n.Attempts, payloadArg(n.Payload), nullMicros(n.DeliveredAt),
			userID, id); err != nil {
			return insertError("update notification", err, "the notification conflicts with a stored one")
		}
		out = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NotificationByExternalID finds a notification by its provider id, for
// any user.
func (s *stores) NotificationByExternalID(ctx context.Context, externalID string) (*flux.Notification, error) {
	if externalID == "" {
		return nil, notFound("notification")
	}
	n, err := scanNotification(s.r.QueryRowContext(ctx, "SELECT "+notificationColumns+" FROM notifications WHERE external_id = ?", externalID))
	if err != nil {
		return nil, rowError("notification by external id", "notification", err)
	}
	return &n, nil
}

// LastUnanswered returns the newest notification on channel to recipient
// with no response, created at or after since, for any user.
func (s *stores) LastUnanswered(ctx context.Context, channel flux.Channel, recipient string, since time.Time) (*flux.Notification, error) {
	if recipient == "" {
		return nil, notFound("notification")
	}
	n, err := scanNotification(s.r.QueryRowContext(ctx, "SELECT "+notificationColumns+` FROM notifications
		WHERE channel = ? AND recipient = ? AND response = '' AND recipient <> '' AND created_at >= ?
		ORDER BY created_at DESC, id DESC LIMIT 1`, string(channel), recipient, micros(flux.StoreTime(since))))
	if err != nil {
		return nil, rowError("last unanswered notification", "notification", err)
	}
	return &n, nil
}

// payloadArg is a notification payload as a column value: NULL for none.
func payloadArg(p json.RawMessage) any {
	if len(p) == 0 {
		return nil
	}
	return string(p)
}

// jsonObject reports whether b is one JSON object.
func jsonObject(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}
