package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/fluxlife/flux"
)

const pushColumns = `id, user_id, device_id, endpoint, p256dh, auth, device_name, user_agent, expires_at, created_at, updated_at`

func scanPushSubscription(sc scanner) (flux.PushSubscription, error) {
	var (
		p                flux.PushSubscription
		expires          sql.NullInt64
		created, updated int64
	)
	if err := sc.Scan(&p.ID, &p.UserID, &p.DeviceID, &p.Endpoint, &p.P256DH, &p.Auth, &p.DeviceName, &p.UserAgent,
		&expires, &created, &updated); err != nil {
		return p, err
	}
	p.ExpiresAt = fromNullMicros(expires)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

// SavePushSubscription inserts the subscription of (UserID, DeviceID), or
// replaces it keeping its ID and CreatedAt.
func (s *stores) SavePushSubscription(ctx context.Context, p *flux.PushSubscription) error {
	v := *p
	var fs []flux.FieldError
	if strings.TrimSpace(v.DeviceID) == "" {
		fs = append(fs, flux.FieldError{Field: "device_id", Message: "is required"})
	}
	if strings.TrimSpace(v.Endpoint) == "" {
		fs = append(fs, flux.FieldError{Field: "endpoint", Message: "is required"})
	}
	if v.ID != "" && !flux.ValidID(v.ID) {
		fs = append(fs, flux.FieldError{Field: "id", Message: "must be a UUID"})
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid push subscription", fs...)
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	now := s.now()
	v.UpdatedAt = now
	v.ExpiresAt = storeTimePtr(v.ExpiresAt)
	err := s.write(ctx, func(q querier) error {
		var (
			id      string
			created int64
		)
		err := q.QueryRowContext(ctx, "SELECT id, created_at FROM push_subscriptions WHERE user_id = ? AND device_id = ?",
			v.UserID, v.DeviceID).Scan(&id, &created)
		switch {
		case err == nil:
			v.ID, v.CreatedAt = id, fromMicros(created)
			if _, err := q.ExecContext(ctx, `UPDATE push_subscriptions SET endpoint = ?, p256dh = ?, auth = ?, device_name = ?,
				user_agent = ?, expires_at = ?, updated_at = ? WHERE id = ?`,
				v.Endpoint, v.P256DH, v.Auth, v.DeviceName, v.UserAgent, nullMicros(v.ExpiresAt), micros(v.UpdatedAt), v.ID); err != nil {
				return dbError("save push subscription", err)
			}
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return dbError("save push subscription", err)
		}
		if v.ID == "" {
			v.ID = flux.NewID()
		}
		v.CreatedAt = now
		if _, err := q.ExecContext(ctx, "INSERT INTO push_subscriptions ("+pushColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			v.ID, v.UserID, v.DeviceID, v.Endpoint, v.P256DH, v.Auth, v.DeviceName, v.UserAgent,
			nullMicros(v.ExpiresAt), micros(v.CreatedAt), micros(v.UpdatedAt)); err != nil {
			return insertError("save push subscription", err, "a push subscription with this id already exists")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ListPushSubscriptions returns all of the user's subscriptions, oldest
// first.
func (s *stores) ListPushSubscriptions(ctx context.Context, userID string) ([]flux.PushSubscription, error) {
	if !flux.ValidID(userID) {
		return nil, nil
	}
	return queryAll(ctx, s.r, "list push subscriptions", scanPushSubscription,
		"SELECT "+pushColumns+" FROM push_subscriptions WHERE user_id = ? ORDER BY created_at, id", userID)
}

// DeletePushSubscription removes the user's subscription of a device.
func (s *stores) DeletePushSubscription(ctx context.Context, userID, deviceID string) error {
	if !flux.ValidID(userID) || deviceID == "" {
		return notFound("push subscription")
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, "DELETE FROM push_subscriptions WHERE user_id = ? AND device_id = ?", userID, deviceID)
		if err != nil {
			return dbError("delete push subscription", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return dbError("delete push subscription", err)
		}
		if n == 0 {
			return notFound("push subscription")
		}
		return nil
	})
}
