package postgres

import (
	"context"
	"strings"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

const pushCols = `id, user_id, device_id, endpoint, p256dh, auth, device_name, user_agent, expires_at,
	created_at, updated_at`

func scanPush(r pgx.Row) (*flux.PushSubscription, error) {
	var s flux.PushSubscription
	if err := r.Scan(&s.ID, &s.UserID, &s.DeviceID, &s.Endpoint, &s.P256DH, &s.Auth, &s.DeviceName,
		&s.UserAgent, &s.ExpiresAt, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return nil, err
	}
	return &s, nil
}

// SavePushSubscription inserts or replaces the subscription of (UserID,
// DeviceID) in one statement; a replaced one keeps its ID and CreatedAt.
func (d *db) SavePushSubscription(ctx context.Context, s *flux.PushSubscription) error {
	v := *s
	var fs fieldErrs
	checkID(&v.ID, &fs, "id")
	if strings.TrimSpace(v.DeviceID) == "" {
		fs.add("device_id", "is required")
	}
	if strings.TrimSpace(v.Endpoint) == "" {
		fs.add("endpoint", "is required")
	}
	if err := fs.err("invalid push subscription"); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	storeTimeP(&v.ExpiresAt)
	v.CreatedAt = d.now()
	v.UpdatedAt = v.CreatedAt
	err := d.q.QueryRow(ctx, `INSERT INTO push_subscriptions (`+pushCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (user_id, device_id) DO UPDATE SET endpoint = EXCLUDED.endpoint, p256dh = EXCLUDED.p256dh,
			auth = EXCLUDED.auth, device_name = EXCLUDED.device_name, user_agent = EXCLUDED.user_agent,
			expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at
		RETURNING id, created_at`,
		v.ID, v.UserID, v.DeviceID, v.Endpoint, v.P256DH, v.Auth, v.DeviceName, v.UserAgent,
		timeArg(v.ExpiresAt), v.CreatedAt, v.UpdatedAt).Scan(&v.ID, &v.CreatedAt)
	if err != nil {
		return mapErr("save push subscription", err)
	}
	*s = v
	return nil
}

// ListPushSubscriptions returns all of the user's subscriptions, oldest
// first.
func (d *db) ListPushSubscriptions(ctx context.Context, userID string) ([]flux.PushSubscription, error) {
	if !flux.ValidID(userID) {
		return []flux.PushSubscription{}, nil
	}
	return collect(ctx, d.q, "list push subscriptions", scanPush,
		`SELECT `+pushCols+` FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, id`, userID)
}

// DeletePushSubscription removes the user's subscription of a device.
func (d *db) DeletePushSubscription(ctx context.Context, userID, deviceID string) error {
	if !flux.ValidID(userID) || deviceID == "" || !storable(deviceID) {
		return notFound("push subscription")
	}
	return deleteOne(ctx, d.q, "delete push subscription", "push subscription",
		`DELETE FROM push_subscriptions WHERE user_id = $1 AND device_id = $2`, userID, deviceID)
}
