package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fluxlife/flux"
)

// testUsers specifies flux.UserStore.
func testUsers(t *testing.T, open Opener) {
	subtest(t, open, "CreateAndGet", func(t *testing.T, e *env) {
		id, email := flux.NewID(), uniqueEmail()
		u := fullUser(id, email)
		must(t, e.s.Users().CreateUser(e.ctx, u), "CreateUser")

		want := fullUser(id, email)
		want.WhatsAppOptInAt = stp(want.WhatsAppOptInAt)
		want.WhatsAppLastInboundAt = stp(want.WhatsAppLastInboundAt)
		want.CreatedAt, want.UpdatedAt = e.clock.stored(), e.clock.stored()
		wantEqual(t, "CreateUser writes the stored user back", *want, *u)
		got := mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, id))
		wantEqual(t, "GetUser", *want, *got)

		// The defaults of NewUser survive too (nil QuietHours, empty phone).
		d := flux.NewUser(flux.NewID(), "", "")
		must(t, e.s.Users().CreateUser(e.ctx, d), "CreateUser with defaults")
		wantD := flux.NewUser(d.ID, "", "")
		wantD.CreatedAt, wantD.UpdatedAt = e.clock.stored(), e.clock.stored()
		wantEqual(t, "GetUser of a default user", *wantD, *mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, d.ID)))
	})

	subtest(t, open, "CreateValidation", func(t *testing.T, e *env) {
		cases := []struct {
			name string
			edit func(*flux.User)
		}{
			{"no id", func(u *flux.User) { u.ID = "" }},
			{"malformed id", func(u *flux.User) { u.ID = "auth0|12345" }},
			{"bad email", func(u *flux.User) { u.Email = "not an email" }},
			{"unknown time zone", func(u *flux.User) { u.Timezone = "Mars/Olympus_Mons" }},
			{"cutoff hour 24", func(u *flux.User) { u.CutoffHour = 24 }},
			{"phone not E.164", func(u *flux.User) { u.PhoneNumber = "0151 1234567" }},
			{"every problem at once", func(u *flux.User) {
				u.Email, u.Timezone, u.CutoffHour, u.BufferMinutes, u.DailyCapMinutes = "x", "", -1, 121, 1441
				u.SleepWindow.End = u.SleepWindow.Start
				u.QuietHours = &flux.TimeWindow{}
				u.Chronotype = "owl"
				u.WorkHours.Days = append(u.WorkHours.Days, u.WorkHours.Days[0], flux.Weekday(9))
			}},
		}
		for _, c := range cases {
			u := newUser()
			c.edit(u)
			err := e.s.Users().CreateUser(e.ctx, u)
			wantInvalid(t, err, u.Validate(), "CreateUser, "+c.name)
			if flux.ValidID(u.ID) {
				_, err := e.s.Users().GetUser(e.ctx, u.ID)
				wantNotFound(t, err, "GetUser after a refused CreateUser, "+c.name)
			}
		}
	})

	subtest(t, open, "CreateConflicts", func(t *testing.T, e *env) {
		a := flux.NewUser(flux.NewID(), "Ada.Lovelace@Example.COM", "Ada")
		must(t, e.s.Users().CreateUser(e.ctx, a), "CreateUser")

		sameID := flux.NewUser(a.ID, uniqueEmail(), "Other")
		wantCode(t, e.s.Users().CreateUser(e.ctx, sameID), flux.EConflict, "CreateUser with a taken id")
		sameEmail := flux.NewUser(flux.NewID(), "ada.lovelace@example.com", "Other")
		wantCode(t, e.s.Users().CreateUser(e.ctx, sameEmail), flux.EConflict, "CreateUser with a taken e-mail in other case")
		_, err := e.s.Users().GetUser(e.ctx, sameEmail.ID)
		wantNotFound(t, err, "GetUser of the refused user")

		got := mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, a.ID))
		wantEqual(t, "the first user after the conflicts", *a, *got)

		// Empty e-mails never conflict.
		for i := range 3 {
			must(t, e.s.Users().CreateUser(e.ctx, flux.NewUser(flux.NewID(), "", fmt.Sprint("anon ", i))), "CreateUser with no e-mail")
		}
	})

	subtest(t, open, "GetUnknown", func(t *testing.T, e *env) {
		e.user()
		for _, id := range []string{flux.NewID(), "", "nope", strings.ToUpper("x" + flux.NewID()[1:])} {
			_, err := e.s.Users().GetUser(e.ctx, id)
			wantNotFound(t, err, fmt.Sprintf("GetUser(%q)", id))
		}
	})

	subtest(t, open, "GetUserByEmail", func(t *testing.T, e *env) {
		a := flux.NewUser(flux.NewID(), "Ada.Lovelace@Example.COM", "Ada")
		b := flux.NewUser(flux.NewID(), "axb@example.com", "B")
		c := flux.NewUser(flux.NewID(), "zoë.ünïcødé@exämple.org", "C")
		noEmail := flux.NewUser(flux.NewID(), "", "nobody")
		for _, u := range []*flux.User{a, b, c, noEmail} {
			must(t, e.s.Users().CreateUser(e.ctx, u), "CreateUser")
		}
		found := []struct {
			email string
			want  *flux.User
		}{
			{"Ada.Lovelace@Example.COM", a},
			{"ada.lovelace@example.com", a},
			{"ADA.LOVELACE@EXAMPLE.COM", a},
			{"axb@example.com", b},
			{"AXB@Example.com", b},
			{"zoë.ünïcødé@exämple.org", c},
		}
		for _, f := range found {
			got, err := e.s.Users().GetUserByEmail(e.ctx, f.email)
			if err != nil {
				t.Errorf("GetUserByEmail(%q): %v", f.email, err)
				continue
			}
			wantEqual(t, fmt.Sprintf("GetUserByEmail(%q)", f.email), *f.want, *got)
		}
		for _, email := range []string{
			"",                            // users without an e-mail are not found by it
			"grace@example.com",           // unknown
			"a_b@example.com",             // LIKE wildcards are not wildcards
			"%@example.com",               // idem
			"%",                           //
			"ada.lovelace@example.com ",   // no trimming
			"ada.lovelace@example.co",     // no prefix match
			"' OR '1'='1",                 // not SQL
			"zoë.ünïcødé@exämple.org\x00", // not a prefix
		} {
			_, err := e.s.Users().GetUserByEmail(e.ctx, email)
			wantNotFound(t, err, fmt.Sprintf("GetUserByEmail(%q)", email))
		}
	})

	subtest(t, open, "EnsureUser", func(t *testing.T, e *env) {
		// Missing: created from u, as CreateUser would.
		id, email := flux.NewID(), uniqueEmail()
		u := fullUser(id, email)
		got, created, err := e.s.Users().EnsureUser(e.ctx, u)
		must(t, err, "EnsureUser of a new id")
		if !created {
			t.Errorf("EnsureUser of a new id: created = false")
		}
		want := fullUser(id, email)
		want.WhatsAppOptInAt = stp(want.WhatsAppOptInAt)
		want.WhatsAppLastInboundAt = stp(want.WhatsAppLastInboundAt)
		want.CreatedAt, want.UpdatedAt = e.clock.stored(), e.clock.stored()
		wantEqual(t, "EnsureUser of a new id", *want, *got)
		wantEqual(t, "GetUser after EnsureUser created it", *want, *mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, id)))

		// Existing: returned as stored; nothing of u is applied.
		e.clock.Advance(time.Hour)
		again := flux.NewUser(id, uniqueEmail(), "Someone Else")
		again.CutoffHour = 5
		got, created, err = e.s.Users().EnsureUser(e.ctx, again)
		must(t, err, "EnsureUser of an existing id")
		if created {
			t.Errorf("EnsureUser of an existing id: created = true")
		}
		wantEqual(t, "EnsureUser of an existing user with a name", *want, *got)
		wantEqual(t, "GetUser after EnsureUser found it", *want, *mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, id)))

		// Existing with no name: takes u.Name, and nothing else.
		nameless := flux.NewUser(flux.NewID(), uniqueEmail(), "")
		must(t, e.s.Users().CreateUser(e.ctx, nameless), "CreateUser without a name")
		withName := flux.NewUser(nameless.ID, uniqueEmail(), "Katherine Johnson")
		withName.Timezone = "Asia/Tokyo"
		got, created, err = e.s.Users().EnsureUser(e.ctx, withName)
		must(t, err, "EnsureUser of a user without a name")
		if created {
			t.Errorf("EnsureUser of an existing user without a name: created = true")
		}
		wantNamed := *nameless
		wantNamed.Name = "Katherine Johnson"
		ignoreUpdated := cmpopts.IgnoreFields(flux.User{}, "UpdatedAt")
		if d := gocmp.Diff(wantNamed, *got, compareOpts, ignoreUpdated); d != "" {
			t.Errorf("EnsureUser of a user without a name (-want +got):\n%s", d)
		}
		stored := mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, nameless.ID))
		if d := gocmp.Diff(wantNamed, *stored, compareOpts, ignoreUpdated); d != "" {
			t.Errorf("GetUser after EnsureUser named the user (-want +got):\n%s", d)
		}

		// A missing user that would be invalid is not created.
		bad := newUser()
		bad.Timezone = "Nowhere/Special"
		_, _, err = e.s.Users().EnsureUser(e.ctx, bad)
		wantInvalid(t, err, bad.Validate(), "EnsureUser of an invalid new user")
		_, err = e.s.Users().GetUser(e.ctx, bad.ID)
		wantNotFound(t, err, "GetUser after a refused EnsureUser")

		// A missing user whose e-mail is taken is not created.
		taken := flux.NewUser(flux.NewID(), strings.ToUpper(email), "Copy")
		_, _, err = e.s.Users().EnsureUser(e.ctx, taken)
		wantCode(t, err, flux.EConflict, "EnsureUser of a new user with a taken e-mail")
	})

	subtest(t, open, "EnsureUserConcurrent", func(t *testing.T, e *env) {
		const n = 20
		id := flux.NewID()
		var (
			users   [n]*flux.User
			created [n]bool
			errs    [n]error
		)
		parallel(n, func(i int) {
			users[i], created[i], errs[i] = e.s.Users().EnsureUser(e.ctx, flux.NewUser(id, "", fmt.Sprint("caller ", i)))
		})
		creators := 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("EnsureUser call %d: %v", i, errs[i])
				continue
			}
			if created[i] {
				creators++
			}
		}
		if creators != 1 {
			t.Errorf("%d concurrent EnsureUser calls for one id: %d report created, want 1", n, creators)
		}
		stored := mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, id))
		for i := range n {
			if errs[i] == nil {
				wantEqual(t, fmt.Sprintf("EnsureUser call %d", i), *stored, *users[i])
			}
		}
	})

	subtest(t, open, "UpdateUser", func(t *testing.T, e *env) {
		u := e.user()
		newEmail := "Renamed-" + uniqueEmail()
		checkUpdate(e, updateCase[flux.User]{
			what: "UpdateUser",
			update: func(ctx context.Context, _, id string, fn func(*flux.User) error) (*flux.User, error) {
				return e.s.Users().UpdateUser(ctx, id, fn)
			},
			get:     func(ctx context.Context, _, id string) (*flux.User, error) { return e.s.Users().GetUser(ctx, id) },
			ownerID: u.ID,
			id:      u.ID,
			edit: func(v *flux.User) {
				v.Email = newEmail
				v.Name = "Ada King, Countess of Lovelace"
				v.Timezone = "Asia/Kolkata"
				v.WorkHours = flux.WorkHours{Start: flux.ClockTime{Hour: 10}, End: flux.ClockTime{Hour: 14}, Days: []flux.Weekday{1}}
				v.SleepWindow = flux.TimeWindow{Start: flux.ClockTime{Hour: 1}, End: flux.ClockTime{Hour: 9}}
				v.CutoffHour, v.BufferMinutes, v.DailyCapMinutes = 23, 0, 1440
				v.QuietHours = &flux.TimeWindow{Start: flux.ClockTime{Hour: 21}, End: flux.ClockTime{Hour: 7}}
				v.PhoneNumber, v.PhoneVerified = "+14155550100", true
				v.WhatsAppOptInAt = st(time.Date(2026, 1, 2, 3, 4, 5, 999, zone("Asia/Kolkata")))
				v.WhatsAppLastInboundAt = st(time.Date(2026, 1, 3, 3, 4, 5, 999, zone("America/St_Johns")))
				v.EscalationPolicies = map[flux.Priority][]flux.PolicyStep{
					flux.PriorityStandard:    {{Channel: flux.ChannelWhatsApp, WaitSeconds: 5}},
					flux.PriorityMustNotMiss: {{Channel: flux.ChannelPush}, {Channel: flux.ChannelCall, WaitSeconds: 86400}},
				}
				v.Chronotype = flux.ChronotypeMorning
				v.NotificationPreferences = map[string]any{"reminder_lead_minutes": float64(3)}
				v.Onboarded = true
			},
			invalid: func(v *flux.User) {
				v.Timezone, v.CutoffHour = "Local", 99
				v.EscalationPolicies = map[flux.Priority][]flux.PolicyStep{flux.PriorityImportant: {{Channel: "pigeon"}}}
			},
		})

		// Clearing optional fields stores them empty.
		got, err := e.s.Users().UpdateUser(e.ctx, u.ID, func(v *flux.User) error {
			v.Email, v.PhoneNumber, v.QuietHours, v.WhatsAppOptInAt, v.NotificationPreferences = "", "", nil, nil, nil
			v.WhatsAppLastInboundAt, v.EscalationPolicies = nil, nil
			return nil
		})
		must(t, err, "UpdateUser clearing fields")
		stored := mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, u.ID))
		wantEqual(t, "UpdateUser clearing fields", *got, *stored)
		if stored.Email != "" || stored.PhoneNumber != "" || stored.QuietHours != nil || stored.WhatsAppOptInAt != nil || len(stored.NotificationPreferences) != 0 ||
			stored.WhatsAppLastInboundAt != nil || len(stored.EscalationPolicies) != 0 {
			t.Errorf("UpdateUser clearing fields: stored %+v", stored)
		}

		// Taking another user's e-mail, in any case, is a conflict.
		other := e.user()
		_, err = e.s.Users().UpdateUser(e.ctx, u.ID, func(v *flux.User) error {
			v.Email = strings.ToUpper(other.Email)
			return nil
		})
		wantCode(t, err, flux.EConflict, "UpdateUser to a taken e-mail")
		wantEqual(t, "the user after a conflicting update", *stored, *mustGet[*flux.User](t, "GetUser")(e.s.Users().GetUser(e.ctx, u.ID)))
		// Changing the case of one's own e-mail is fine.
		_, err = e.s.Users().UpdateUser(e.ctx, other.ID, func(v *flux.User) error {
			v.Email = strings.ToUpper(v.Email)
			return nil
		})
		must(t, err, "UpdateUser changing the case of the own e-mail")
	})

	subtest(t, open, "DeleteUser", func(t *testing.T, e *env) {
		a, b := e.populate(), e.populate()
		secret := mustGet[[]byte](t, "Secret")(e.s.Secrets().Secret(e.ctx, "signing-key", func() ([]byte, error) { return []byte("k"), nil }))

		wantNotFound(t, e.s.Users().DeleteUser(e.ctx, flux.NewID()), "DeleteUser of an unknown id")
		for _, bad := range malformedIDs {
			wantNotFound(t, e.s.Users().DeleteUser(e.ctx, bad), fmt.Sprintf("DeleteUser(%q)", bad))
		}
		must(t, e.s.Users().DeleteUser(e.ctx, a.User.ID), "DeleteUser")

		id := a.User.ID
		_, err := e.s.Users().GetUser(e.ctx, id)
		wantNotFound(t, err, "GetUser of a deleted user")
		_, err = e.s.Users().GetUserByEmail(e.ctx, a.User.Email)
		wantNotFound(t, err, "GetUserByEmail of a deleted user")
		_, err = e.s.Users().ExportUser(e.ctx, id)
		wantNotFound(t, err, "ExportUser of a deleted user")
		wantNotFound(t, e.s.Users().DeleteUser(e.ctx, id), "DeleteUser a second time")
		wantNoRows(e, "after DeleteUser", a)

		// Nothing of the other user is touched, nor the server's secrets.
		e.wantExport("the other user's export after DeleteUser", b)
		for _, tok := range b.Tokens {
			got := mustGet[*flux.LocalToken](t, "GetToken")(e.s.Tokens().GetToken(e.ctx, tok.ID))
			wantEqual(t, "the other user's token after DeleteUser", tok, *got)
		}
		again := mustGet[[]byte](t, "Secret")(e.s.Secrets().Secret(e.ctx, "signing-key", func() ([]byte, error) { return []byte("new"), nil }))
		if string(again) != string(secret) {
			t.Errorf("Secret after DeleteUser = %q, want %q", again, secret)
		}

		// The id and the e-mail are free again; the new user starts empty.
		fresh := flux.NewUser(id, a.User.Email, "Again")
		must(t, e.s.Users().CreateUser(e.ctx, fresh), "CreateUser with a deleted user's id and e-mail")
		wantExportEmpty(e, fresh)
	})

	subtest(t, open, "ExportUser", func(t *testing.T, e *env) {
		a, b := e.populate(), e.populate()
		e.wantExport("ExportUser", a)
		e.wantExport("ExportUser of the second user", b)

		u := e.user()
		wantExportEmpty(e, u)

		_, err := e.s.Users().ExportUser(e.ctx, flux.NewID())
		wantNotFound(t, err, "ExportUser of an unknown id")
		for _, bad := range malformedIDs {
			_, err := e.s.Users().ExportUser(e.ctx, bad)
			wantNotFound(t, err, fmt.Sprintf("ExportUser(%q)", bad))
		}
	})
}

// wantExportEmpty checks that the export of a user with no rows holds the
// user and nothing else.
func wantExportEmpty(e *env, u *flux.User) {
	e.t.Helper()
	wantEqual(e.t, "ExportUser of a user with nothing stored", flux.UserExport{User: *u}, *e.export(u.ID))
}

// wantNoRows checks that no row of d can be read any more, by any method.
func wantNoRows(e *env, when string, d *dataset) {
	e.t.Helper()
	t, ctx, id := e.t, e.ctx, d.User.ID
	for _, g := range d.Goals {
		_, err := e.s.Goals().GetGoal(ctx, id, g.ID)
		wantNotFound(t, err, "GetGoal "+when)
		_, err = e.s.Goals().ListMilestones(ctx, id, g.ID)
		wantNotFound(t, err, "ListMilestones "+when)
	}
	for _, m := range d.Milestones {
		_, err := e.s.Goals().UpdateMilestone(ctx, id, m.ID, func(*flux.Milestone) error { return nil })
		wantNotFound(t, err, "UpdateMilestone "+when)
	}
	for _, x := range d.Tasks {
		_, err := e.s.Tasks().GetTask(ctx, id, x.ID)
		wantNotFound(t, err, "GetTask "+when)
	}
	for _, x := range d.CalendarEvents {
		_, err := e.s.Calendar().GetEvent(ctx, id, x.ID)
		wantNotFound(t, err, "GetEvent "+when)
	}
	for _, x := range d.Conversations {
		_, err := e.s.Conversations().GetConversation(ctx, id, x.ID)
		wantNotFound(t, err, "GetConversation "+when)
		_, _, err = e.s.Conversations().ListMessages(ctx, id, x.ID, flux.Page{})
		wantNotFound(t, err, "ListMessages "+when)
	}
	for _, x := range d.Notifications {
		_, err := e.s.Notifications().GetNotification(ctx, id, x.ID)
		wantNotFound(t, err, "GetNotification "+when)
		if x.ExternalID != "" {
			_, err := e.s.Notifications().NotificationByExternalID(ctx, x.ExternalID)
			wantNotFound(t, err, "NotificationByExternalID "+when)
		}
	}
	for _, x := range d.Escalations {
		_, err := e.s.Escalations().GetEscalation(ctx, id, x.ID)
		wantNotFound(t, err, "GetEscalation "+when)
	}
	for _, x := range d.Patterns {
		_, err := e.s.Patterns().GetPattern(ctx, id, x.ID)
		wantNotFound(t, err, "GetPattern "+when)
	}
	for _, x := range d.Tokens {
		_, err := e.s.Tokens().GetToken(ctx, x.ID)
		wantNotFound(t, err, "GetToken "+when)
	}
	for _, x := range d.AuthSessions {
		_, err := e.s.Auth().GetSession(ctx, id, x.ID)
		wantNotFound(t, err, "GetSession "+when)
	}
	for _, x := range d.Refresh {
		_, err := e.s.Auth().RefreshTokenByHash(ctx, x.Hash)
		wantNotFound(t, err, "RefreshTokenByHash "+when)
	}
	if d.PasswordHash != "" {
		_, err := e.s.Auth().PasswordHash(ctx, id)
		wantNotFound(t, err, "PasswordHash "+when)
	}
	subs, err := e.s.PushSubscriptions().ListPushSubscriptions(ctx, id)
	must(t, err, "ListPushSubscriptions "+when)
	wantIDs(t, "ListPushSubscriptions "+when, nil, idsOf(subs))
	lists := map[string]func() (int, error){
		"ListGoals": func() (int, error) {
			x, _, err := e.s.Goals().ListGoals(ctx, id, flux.GoalFilter{}, flux.Page{})
			return len(x), err
		},
		"ListTasks": func() (int, error) {
			x, _, err := e.s.Tasks().ListTasks(ctx, id, flux.TaskFilter{}, flux.Page{})
			return len(x), err
		},
		"ListEvents": func() (int, error) {
			x, _, err := e.s.Calendar().ListEvents(ctx, id, flux.EventFilter{}, flux.Page{})
			return len(x), err
		},
		"ListConversations": func() (int, error) {
			x, _, err := e.s.Conversations().ListConversations(ctx, id, flux.ConversationFilter{}, flux.Page{})
			return len(x), err
		},
		"ListNotifications": func() (int, error) {
			x, _, err := e.s.Notifications().ListNotifications(ctx, id, flux.NotificationFilter{}, flux.Page{})
			return len(x), err
		},
		"ListEscalations": func() (int, error) {
			x, _, err := e.s.Escalations().ListEscalations(ctx, id, flux.EscalationFilter{}, flux.Page{})
			return len(x), err
		},
		"ListPatterns": func() (int, error) {
			x, _, err := e.s.Patterns().ListPatterns(ctx, id, flux.PatternFilter{}, flux.Page{})
			return len(x), err
		},
		"ListSessions": func() (int, error) {
			x, err := e.s.Auth().ListSessions(ctx, id)
			return len(x), err
		},
	}
	for name, list := range lists {
		n, err := list()
		if err != nil || n != 0 {
			t.Errorf("%s %s: %d items, error %v; want none", name, when, n, err)
		}
	}
}
