package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/fluxlife/flux"
)

const userColumns = `id, email, name, timezone, work_hours, sleep_window, cutoff_hour, buffer_minutes,
	daily_cap_minutes, quiet_hours, phone_number, phone_verified, whatsapp_opt_in_at, chronotype,
	notification_preferences, onboarded, created_at, updated_at, whatsapp_last_inbound_at, escalation_policies`

func scanUser(sc scanner) (flux.User, error) {
	var (
		u                            flux.User
		workHours, sleep             string
		quiet, prefs, policies       sql.NullString
		optIn, lastInbound           sql.NullInt64
		created, updated             int64
		phoneVerified, onboardedFlag bool
	)
	if err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.Timezone, &workHours, &sleep, &u.CutoffHour, &u.BufferMinutes,
		&u.DailyCapMinutes, &quiet, &u.PhoneNumber, &phoneVerified, &optIn, &u.Chronotype,
		&prefs, &onboardedFlag, &created, &updated, &lastInbound, &policies); err != nil {
		return u, err
	}
	if err := fromJSONText(policies, &u.EscalationPolicies); err != nil {
		return u, fmt.Errorf("escalation_policies: %w", err)
	}
	if err := fromJSONText(sql.NullString{String: workHours, Valid: true}, &u.WorkHours); err != nil {
		return u, fmt.Errorf("work_hours: %w", err)
	}
	if err := fromJSONText(sql.NullString{String: sleep, Valid: true}, &u.SleepWindow); err != nil {
		return u, fmt.Errorf("sleep_window: %w", err)
	}
	if quiet.Valid {
		u.QuietHours = new(flux.TimeWindow)
		if err := fromJSONText(quiet, u.QuietHours); err != nil {
			return u, fmt.Errorf("quiet_hours: %w", err)
		}
	}
	if err := fromJSONText(prefs, &u.NotificationPreferences); err != nil {
		return u, fmt.Errorf("notification_preferences: %w", err)
	}
	u.PhoneVerified = phoneVerified
	u.Onboarded = onboardedFlag
	u.WhatsAppOptInAt = fromNullMicros(optIn)
	u.WhatsAppLastInboundAt = fromNullMicros(lastInbound)
	u.CreatedAt = fromMicros(created)
	u.UpdatedAt = fromMicros(updated)
	return u, nil
}

// userArgs returns u's columns in userColumns order.
func userArgs(u *flux.User) ([]any, error) {
	workHours, err := jsonText(u.WorkHours)
	if err != nil {
		return nil, fmt.Errorf("work_hours: %w", err)
	}
	sleep, err := jsonText(u.SleepWindow)
	if err != nil {
		return nil, fmt.Errorf("sleep_window: %w", err)
	}
	var quiet any
	if u.QuietHours != nil {
		if quiet, err = jsonText(u.QuietHours); err != nil {
			return nil, fmt.Errorf("quiet_hours: %w", err)
		}
	}
	var prefs any
	if u.NotificationPreferences != nil {
		if prefs, err = jsonText(u.NotificationPreferences); err != nil {
			return nil, flux.Invalid("invalid user settings", flux.FieldError{Field: "notification_preferences", Message: "cannot be written as JSON"})
		}
	}
	var policies any
	if len(u.EscalationPolicies) > 0 {
		if policies, err = jsonText(u.EscalationPolicies); err != nil {
			return nil, fmt.Errorf("escalation_policies: %w", err)
		}
	}
	return []any{u.ID, u.Email, u.Name, u.Timezone, workHours, sleep, u.CutoffHour, u.BufferMinutes,
		u.DailyCapMinutes, quiet, u.PhoneNumber, u.PhoneVerified, nullMicros(u.WhatsAppOptInAt), u.Chronotype,
		prefs, u.Onboarded, micros(u.CreatedAt), micros(u.UpdatedAt), nullMicros(u.WhatsAppLastInboundAt), policies}, nil
}

// normalizeUser puts u's times in stored form.
func normalizeUser(u *flux.User) {
	u.WhatsAppOptInAt = storeTimePtr(u.WhatsAppOptInAt)
	u.WhatsAppLastInboundAt = storeTimePtr(u.WhatsAppLastInboundAt)
	u.CreatedAt = flux.StoreTime(u.CreatedAt)
	u.UpdatedAt = flux.StoreTime(u.UpdatedAt)
}

func getUser(ctx context.Context, q querier, id string) (*flux.User, error) {
	if !flux.ValidID(id) {
		return nil, notFound("user")
	}
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if err != nil {
		return nil, rowError("get user", "user", err)
	}
	return &u, nil
}

// emailTaken reports whether another user than id has the e-mail.
func emailTaken(ctx context.Context, q querier, email, id string) (bool, error) {
	if email == "" {
		return false, nil
	}
	return exists(ctx, q, "SELECT 1 FROM users WHERE lower(email) = lower(?) AND email <> '' AND id <> ?", email, id)
}

// errEmailTaken is the conflict of a taken e-mail.
func errEmailTaken() error {
	return &flux.Error{Code: flux.EConflict, Message: "a user with this e-mail already exists"}
}

// insertUser validates and inserts u, whose timestamps are set.
func insertUser(ctx context.Context, q querier, u *flux.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if ok, err := exists(ctx, q, "SELECT 1 FROM users WHERE id = ?", u.ID); err != nil {
		return dbError("create user", err)
	} else if ok {
		return &flux.Error{Code: flux.EConflict, Message: "the user already exists"}
	}
	if taken, err := emailTaken(ctx, q, u.Email, u.ID); err != nil {
		return dbError("create user", err)
	} else if taken {
		return errEmailTaken()
	}
	args, err := userArgs(u)
	if err != nil {
		return dbError("create user", err)
	}
	if _, err := q.ExecContext(ctx, "INSERT INTO users ("+userColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", args...); err != nil {
		return insertError("create user", err, "a user with this id or e-mail already exists")
	}
	return nil
}

// CreateUser stores a new user; u.ID is required.
func (s *stores) CreateUser(ctx context.Context, u *flux.User) error {
	v := *u
	now := s.now()
	v.CreatedAt, v.UpdatedAt = now, now
	normalizeUser(&v)
	if err := s.write(ctx, func(q querier) error { return insertUser(ctx, q, &v) }); err != nil {
		return err
	}
	*u = v
	return nil
}

// GetUser returns the user with id.
func (s *stores) GetUser(ctx context.Context, id string) (*flux.User, error) {
	return getUser(ctx, s.r, id)
}

// GetUserByEmail returns the user with that e-mail, ignoring ASCII case.
func (s *stores) GetUserByEmail(ctx context.Context, email string) (*flux.User, error) {
	if email == "" {
		return nil, notFound("user")
	}
	u, err := scanUser(s.r.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE lower(email) = lower(?) AND email <> ''", email))
	if err != nil {
		return nil, rowError("get user by email", "user", err)
	}
	return &u, nil
}

// EnsureUser returns the user with u.ID, creating it from u when missing.
func (s *stores) EnsureUser(ctx context.Context, u *flux.User) (*flux.User, bool, error) {
	if !flux.ValidID(u.ID) {
		// The same answer as CreateUser gives: every problem of u.
		return nil, false, u.Validate()
	}
	// The common case, a known user with a name (every authenticated
	// request), is a read: it must not queue on the single writer.
	if s.tx == nil {
		cur, err := getUser(ctx, s.r, u.ID)
		if err == nil && (cur.Name != "" || u.Name == "") {
			return cur, false, nil
		}
		if err != nil && !flux.IsCode(err, flux.ENotFound) {
			return nil, false, err
		}
	}
	var (
		out     *flux.User
		created bool
	)
	err := s.write(ctx, func(q querier) error {
		cur, err := getUser(ctx, q, u.ID)
		if err == nil {
			if cur.Name == "" && u.Name != "" {
				cur.Name = u.Name
				cur.UpdatedAt = s.now()
				if err := cur.Validate(); err != nil {
					return err
				}
				if _, err := q.ExecContext(ctx, "UPDATE users SET name = ?, updated_at = ? WHERE id = ?", cur.Name, micros(cur.UpdatedAt), cur.ID); err != nil {
					return dbError("ensure user", err)
				}
			}
			out = cur
			return nil
		}
		if !flux.IsCode(err, flux.ENotFound) {
			return err
		}
		v := *u
		now := s.now()
		v.CreatedAt, v.UpdatedAt = now, now
		normalizeUser(&v)
		if err := insertUser(ctx, q, &v); err != nil {
			return err
		}
		out, created = &v, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// UpdateUser edits the user through fn, then validates it.
func (s *stores) UpdateUser(ctx context.Context, id string, fn func(*flux.User) error) (*flux.User, error) {
	if !flux.ValidID(id) {
		return nil, notFound("user")
	}
	var out *flux.User
	err := s.write(ctx, func(q querier) error {
		u, err := getUser(ctx, q, id)
		if err != nil {
			return err
		}
		orig := *u
		if err := fn(u); err != nil {
			return err
		}
		u.ID, u.CreatedAt = orig.ID, orig.CreatedAt
		u.UpdatedAt = s.now()
		normalizeUser(u)
		if err := u.Validate(); err != nil {
			return err
		}
		if taken, err := emailTaken(ctx, q, u.Email, u.ID); err != nil {
			return dbError("update user", err)
		} else if taken {
			return errEmailTaken()
		}
		args, err := userArgs(u)
		if err != nil {
			return dbError("update user", err)
		}
		if _, err := q.ExecContext(ctx, `UPDATE users SET email = ?, name = ?, timezone = ?, work_hours = ?,
			sleep_window = ?, cutoff_hour = ?, buffer_minutes = ?, daily_cap_minutes = ?, quiet_hours = ?,
			phone_number = ?, phone_verified = ?, whatsapp_opt_in_at = ?, chronotype = ?,
			notification_preferences = ?, onboarded = ?, updated_at = ?, whatsapp_last_inbound_at = ?,
			escalation_policies = ? WHERE id = ?`,
			slices.Concat(args[1:16], args[17:20], []any{u.ID})...); err != nil {
			return insertError("update user", err, "a user with this e-mail already exists")
		}
		out = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteUser deletes the user; every row of theirs goes with it (ON DELETE
// CASCADE), in the one statement's transaction.
func (s *stores) DeleteUser(ctx context.Context, id string) error {
	if !flux.ValidID(id) {
		return notFound("user")
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, "DELETE FROM users WHERE id = ?", id)
		if err != nil {
			return dbError("delete user", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return dbError("delete user", err)
		}
		if n == 0 {
			return notFound("user")
		}
		return nil
	})
}

// ExportUser returns everything stored of the user from one snapshot.
func (s *stores) ExportUser(ctx context.Context, id string) (*flux.UserExport, error) {
	if !flux.ValidID(id) {
		return nil, notFound("user")
	}
	var x flux.UserExport
	err := s.readConsistent(ctx, func(q querier) error {
		u, err := getUser(ctx, q, id)
		if err != nil {
			return err
		}
		x.User = *u
		const op = "export user"
		if x.Goals, err = queryAll(ctx, q, op, scanGoal, "SELECT "+goalColumns+" FROM goals WHERE user_id = ? ORDER BY created_at DESC, id DESC", id); err != nil {
			return err
		}
		if x.Milestones, err = queryAll(ctx, q, op, scanMilestone, "SELECT "+milestoneColumns+" FROM milestones WHERE user_id = ? ORDER BY goal_id, plan_version, week, id", id); err != nil {
			return err
		}
		if x.Tasks, err = queryAll(ctx, q, op, scanTask, "SELECT "+taskColumns+" FROM tasks WHERE user_id = ? ORDER BY scheduled_at IS NULL, scheduled_at, id", id); err != nil {
			return err
		}
		if x.CalendarEvents, err = queryAll(ctx, q, op, scanEvent, "SELECT "+eventColumns+" FROM calendar_events WHERE user_id = ? ORDER BY start_at, id", id); err != nil {
			return err
		}
		if x.Conversations, err = queryAll(ctx, q, op, scanConversation, "SELECT "+conversationColumns+" FROM conversations WHERE user_id = ? ORDER BY created_at DESC, id DESC", id); err != nil {
			return err
		}
		if x.Messages, err = queryAll(ctx, q, op, scanMessage, "SELECT "+messageColumns+" FROM messages WHERE user_id = ? ORDER BY conversation_id, created_at, id", id); err != nil {
			return err
		}
		if x.PushSubscriptions, err = queryAll(ctx, q, op, scanPushSubscription, "SELECT "+pushColumns+" FROM push_subscriptions WHERE user_id = ? ORDER BY created_at, id", id); err != nil {
			return err
		}
		if x.Notifications, err = queryAll(ctx, q, op, scanNotification, "SELECT "+notificationColumns+" FROM notifications WHERE user_id = ? ORDER BY created_at DESC, id DESC", id); err != nil {
			return err
		}
		if x.Escalations, err = queryAll(ctx, q, op, scanEscalation, "SELECT "+escalationColumns+" FROM escalations WHERE user_id = ? ORDER BY created_at DESC, id DESC", id); err != nil {
			return err
		}
		if x.Patterns, err = queryAll(ctx, q, op, scanPattern, "SELECT "+patternColumns+" FROM patterns WHERE user_id = ? ORDER BY created_at DESC, id DESC", id); err != nil {
			return err
		}
		if x.AuthSessions, err = queryAll(ctx, q, op, scanSession, "SELECT "+sessionColumns+" FROM auth_sessions WHERE user_id = ? ORDER BY created_at, id", id); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &x, nil
}
