package postgres

import (
	"context"
	"strings"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

const userCols = `id, email, name, timezone, work_hours, sleep_window, cutoff_hour,
	buffer_minutes, daily_cap_minutes, quiet_hours, phone_number, phone_verified,
	whatsapp_opt_in_at, chronotype, notification_preferences, onboarded, created_at, updated_at,
	whatsapp_last_inbound_at, escalation_policies`

func scanUser(r pgx.Row) (*flux.User, error) {
	var u flux.User
	var work, sleep, quiet, prefs, policies []byte
	if err := r.Scan(&u.ID, &u.Email, &u.Name, &u.Timezone, &work, &sleep, &u.CutoffHour,
		&u.BufferMinutes, &u.DailyCapMinutes, &quiet, &u.PhoneNumber, &u.PhoneVerified,
		&u.WhatsAppOptInAt, &u.Chronotype, &prefs, &u.Onboarded, &u.CreatedAt, &u.UpdatedAt,
		&u.WhatsAppLastInboundAt, &policies); err != nil {
		return nil, err
	}
	if err := decodeJSON(policies, &u.EscalationPolicies, "escalation policies"); err != nil {
		return nil, err
	}
	if err := decodeJSON(work, &u.WorkHours, "work hours"); err != nil {
		return nil, err
	}
	if err := decodeJSON(sleep, &u.SleepWindow, "sleep window"); err != nil {
		return nil, err
	}
	if quiet != nil {
		u.QuietHours = new(flux.TimeWindow)
		if err := decodeJSON(quiet, u.QuietHours, "quiet hours"); err != nil {
			return nil, err
		}
	}
	if err := decodeJSON(prefs, &u.NotificationPreferences, "notification preferences"); err != nil {
		return nil, err
	}
	return &u, nil
}

// userArgs returns u's column values in userCols order.
func userArgs(u *flux.User) ([]any, error) {
	work, err := jsonArg(u.WorkHours)
	if err != nil {
		return nil, err
	}
	sleep, err := jsonArg(u.SleepWindow)
	if err != nil {
		return nil, err
	}
	quiet, err := jsonNullArg(u.QuietHours)
	if err != nil {
		return nil, err
	}
	var prefs any
	if u.NotificationPreferences != nil {
		if prefs, err = jsonArg(u.NotificationPreferences); err != nil {
			return nil, err
		}
	}
	var policies any
	if len(u.EscalationPolicies) > 0 {
		if policies, err = jsonArg(u.EscalationPolicies); err != nil {
			return nil, err
		}
	}
	return []any{u.ID, u.Email, u.Name, u.Timezone, work, sleep, u.CutoffHour,
		u.BufferMinutes, u.DailyCapMinutes, quiet, u.PhoneNumber, u.PhoneVerified,
		timeArg(u.WhatsAppOptInAt), u.Chronotype, prefs, u.Onboarded, u.CreatedAt, u.UpdatedAt,
		timeArg(u.WhatsAppLastInboundAt), policies}, nil
}

// prepareUser validates a new user and stamps it.
func (d *db) prepareUser(u *flux.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	storeTimeP(&u.WhatsAppOptInAt)
	storeTimeP(&u.WhatsAppLastInboundAt)
	u.CreatedAt = d.now()
	u.UpdatedAt = u.CreatedAt
	return nil
}

// CreateUser stores a new user.
func (d *db) CreateUser(ctx context.Context, u *flux.User) error {
	v := *u
	if err := d.prepareUser(&v); err != nil {
		return err
	}
	a, err := userArgs(&v)
	if err != nil {
		return err
	}
	if _, err := d.q.Exec(ctx, `INSERT INTO users (`+userCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`, a...); err != nil {
		return mapErr("create user", err)
	}
	*u = v
	return nil
}

// GetUser returns the user with id.
func (d *db) GetUser(ctx context.Context, id string) (*flux.User, error) {
	if !flux.ValidID(id) {
		return nil, notFound("user")
	}
	return one(ctx, d.q, "get user", "user", scanUser, `SELECT `+userCols+` FROM users WHERE id = $1`, id)
}

// GetUserByEmail returns the user with that e-mail, case-insensitively.
func (d *db) GetUserByEmail(ctx context.Context, email string) (*flux.User, error) {
	if strings.TrimSpace(email) == "" || !storable(email) {
		return nil, notFound("user")
	}
	return one(ctx, d.q, "get user by email", "user", scanUser,
		`SELECT `+userCols+` FROM users WHERE lower(email) = lower($1) AND email <> ''`, email)
}

// EnsureUser returns the user with u.ID, creating it from u when missing.
// Concurrent calls for one id agree: the insert does nothing when another
// call inserted first, and the row is then read.
func (d *db) EnsureUser(ctx context.Context, u *flux.User) (*flux.User, bool, error) {
	if flux.ValidID(u.ID) {
		got, err := d.ensureExisting(ctx, u)
		if err == nil || !flux.IsCode(err, flux.ENotFound) {
			return got, false, err
		}
	}
	v := *u
	if err := d.prepareUser(&v); err != nil {
		return nil, false, err
	}
	a, err := userArgs(&v)
	if err != nil {
		return nil, false, err
	}
	created, err := one(ctx, d.q, "ensure user", "user", scanUser, `INSERT INTO users (`+userCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
		ON CONFLICT (id) DO NOTHING RETURNING `+userCols, a...)
	switch {
	case err == nil:
		*u = v
		return created, true, nil
	case !flux.IsCode(err, flux.ENotFound):
		return nil, false, err
	}
	// Another call created it between our read and our insert.
	got, err := d.ensureExisting(ctx, u)
	return got, false, err
}

// ensureExisting returns the user with u.ID, giving it u.Name when it has
// none.
func (d *db) ensureExisting(ctx context.Context, u *flux.User) (*flux.User, error) {
	if u.Name != "" && len(u.Name) <= 200 {
		got, err := one(ctx, d.q, "ensure user", "user", scanUser, `UPDATE users SET name = $2, updated_at = $3
			WHERE id = $1 AND name = '' RETURNING `+userCols, u.ID, u.Name, d.now())
		if err == nil || !flux.IsCode(err, flux.ENotFound) {
			return got, err
		}
	}
	return d.GetUser(ctx, u.ID)
}

// UpdateUser edits the user with id through fn, then validates it.
func (d *db) UpdateUser(ctx context.Context, id string, fn func(*flux.User) error) (*flux.User, error) {
	if !flux.ValidID(id) {
		return nil, notFound("user")
	}
	var out *flux.User
	err := d.inTx(ctx, func(q querier) error {
		u, err := one(ctx, q, "update user", "user", scanUser, `SELECT `+userCols+` FROM users WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		createdAt := u.CreatedAt
		if err := fn(u); err != nil {
			return err
		}
		u.ID, u.CreatedAt = id, createdAt
		if err := u.Validate(); err != nil {
			return err
		}
		storeTimeP(&u.WhatsAppOptInAt)
		storeTimeP(&u.WhatsAppLastInboundAt)
		u.UpdatedAt = d.now()
		a, err := userArgs(u)
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `UPDATE users SET email = $2, name = $3, timezone = $4, work_hours = $5,
			sleep_window = $6, cutoff_hour = $7, buffer_minutes = $8, daily_cap_minutes = $9, quiet_hours = $10,
			phone_number = $11, phone_verified = $12, whatsapp_opt_in_at = $13, chronotype = $14,
			notification_preferences = $15, onboarded = $16, updated_at = $17, whatsapp_last_inbound_at = $18,
			escalation_policies = $19 WHERE id = $1`, without(a, 16)...); err != nil {
			return mapErr("update user", err)
		}
		out = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteUser deletes the user; the database cascades to every row of
// theirs in the same statement.
func (d *db) DeleteUser(ctx context.Context, id string) error {
	if !flux.ValidID(id) {
		return notFound("user")
	}
	return deleteOne(ctx, d.q, "delete user", "user", `DELETE FROM users WHERE id = $1`, id)
}

// ExportUser returns everything stored of the user, read in one
// repeatable-read transaction.
func (d *db) ExportUser(ctx context.Context, id string) (*flux.UserExport, error) {
	if !flux.ValidID(id) {
		return nil, notFound("user")
	}
	var x flux.UserExport
	err := d.readTx(ctx, func(q querier) error {
		u, err := one(ctx, q, "export user", "user", scanUser, `SELECT `+userCols+` FROM users WHERE id = $1`, id)
		if err != nil {
			return err
		}
		x.User = *u
		const op = "export user"
		if x.Goals, err = collect(ctx, q, op, scanGoal, `SELECT `+goalCols+` FROM goals WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, id); err != nil {
			return err
		}
		if x.Milestones, err = collect(ctx, q, op, scanMilestone, `SELECT `+milestoneCols+` FROM milestones WHERE user_id = $1 ORDER BY goal_id, plan_version, week, id`, id); err != nil {
			return err
		}
		if x.Tasks, err = collect(ctx, q, op, scanTask, `SELECT `+taskCols+` FROM tasks WHERE user_id = $1 ORDER BY scheduled_at ASC NULLS LAST, id`, id); err != nil {
			return err
		}
		if x.CalendarEvents, err = collect(ctx, q, op, scanEvent, `SELECT `+eventCols+` FROM calendar_events WHERE user_id = $1 ORDER BY start_at, id`, id); err != nil {
			return err
		}
		if x.Conversations, err = collect(ctx, q, op, scanConversation, `SELECT `+conversationCols+` FROM conversations WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, id); err != nil {
			return err
		}
		if x.Messages, err = collect(ctx, q, op, scanMessage, `SELECT `+messageCols+` FROM messages WHERE user_id = $1 ORDER BY conversation_id, created_at, id`, id); err != nil {
			return err
		}
		if x.PushSubscriptions, err = collect(ctx, q, op, scanPush, `SELECT `+pushCols+` FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, id`, id); err != nil {
			return err
		}
		if x.Notifications, err = collect(ctx, q, op, scanNotification, `SELECT `+notificationCols+` FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, id); err != nil {
			return err
		}
		if x.Escalations, err = collect(ctx, q, op, scanEscalation, `SELECT `+escalationCols+` FROM escalations WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, id); err != nil {
			return err
		}
		if x.Patterns, err = collect(ctx, q, op, scanPattern, `SELECT `+patternCols+` FROM patterns WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, id); err != nil {
			return err
		}
		if x.AuthSessions, err = collect(ctx, q, op, scanSession, `SELECT `+sessionCols+` FROM auth_sessions WHERE user_id = $1 ORDER BY created_at, id`, id); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &x, nil
}
