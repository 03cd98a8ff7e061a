package httpapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

func TestAccountRequiresAToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	for _, rt := range e.srv.Routes() {
		if rt.Public || rt.SelfAuth { // the /auth/v1 routes answer in GoTrue's shape
			continue
		}
		path := pathParam.ReplaceAllString(rt.Path, flux.NewID())
		r := e.do(rt.Method, path, "", nil)
		var body errorBody
		r.json(t, &body)
		if r.Code != 401 || r.Header.Get("WWW-Authenticate") != "Bearer" || body.Detail != "Not authenticated" {
			t.Errorf("%s %s without a token = %d %s", rt.Method, rt.Path, r.Code, r.Body)
		}
	}
}

func TestAccount(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newEnv(t, kind, auth.Config{AdminToken: "admin-secret-token"})
		alice, a := e.token("alice@example.com")
		bob, b := e.token("bob@example.com")

		var me flux.User
		r := e.do("GET", "/api/v1/account/me", alice, nil)
		r.json(t, &me)
		if r.Code != 200 || me.ID != a.ID || me.Email != "alice@example.com" || me.Timezone != "UTC" ||
			me.WorkHours.Start.String() != "09:00" || me.WorkHours.End.String() != "18:00" || len(me.WorkHours.Days) != 5 ||
			me.CutoffHour != 21 || me.BufferMinutes != 15 {
			t.Fatalf("GET me = %d %s", r.Code, r.Body)
		}

		patch := `{"timezone": "Europe/Berlin", "name": "Alice B.",
			"work_hours": {"start": "09:00", "end": "17:00", "days": ["Mon","Tue","Wed","Thu","Fri"]},
			"sleep_window": {"start": "23:30", "end": "06:30"}, "cutoff_hour": 22, "buffer_minutes": 10,
			"quiet_hours": {"start": "22:00", "end": "07:00"}, "phone_number": "+4915112345678",
			"notification_preferences": {"reminder_lead_minutes": 5, "channel": "push"}}`
		r = e.do("PATCH", "/api/v1/account/me", alice, patch)
		if r.Code != 200 {
			t.Fatalf("PATCH = %d %s", r.Code, r.Body)
		}
		var got flux.User
		e.do("GET", "/api/v1/account/me", alice, nil).json(t, &got)
		if got.Timezone != "Europe/Berlin" || got.Name != "Alice B." || got.WorkHours.End.String() != "17:00" ||
			got.SleepWindow.Start.String() != "23:30" || got.CutoffHour != 22 || got.BufferMinutes != 10 ||
			got.QuietHours == nil || got.PhoneNumber != "+4915112345678" || got.PhoneVerified {
			t.Fatalf("after PATCH: %+v", got)
		}
		wantPrefs := map[string]any{"reminder_lead_minutes": float64(5), "escalation_window_minutes": float64(2), "whatsapp_opted_in": false, "channel": "push"}
		if d := cmp.Diff(wantPrefs, got.NotificationPreferences); d != "" {
			t.Errorf("preferences merged wrongly (-want +got):\n%s", d)
		}
		// null removes a preference and clears quiet hours.
		r = e.do("PATCH", "/api/v1/account/me", alice, `{"notification_preferences": {"channel": null}, "quiet_hours": null}`)
		var cleared flux.User
		r.json(t, &cleared)
		if _, ok := cleared.NotificationPreferences["channel"]; ok || cleared.QuietHours != nil || cleared.NotificationPreferences["reminder_lead_minutes"] != float64(5) {
			t.Errorf("null did not remove: %s", r.Body)
		}

		// Bad input: 400 naming the field, and nothing changes.
		bad := []struct{ body, field string }{
			{`{"timezone": "Mars/Olympus"}`, "timezone"},
			{`{"cutoff_hour": 24}`, "cutoff_hour"},
			{`{"buffer_minutes": -1}`, "buffer_minutes"},
			{`{"phone_number": "0151 123"}`, "phone_number"},
			{`{"chronotype": "owl"}`, "chronotype"},
			{`{"work_hours": {"start": "17:00", "end": "09:00", "days": ["Mon"]}}`, "work_hours"},
			{`{"favourite_colour": "blue"}`, "favourite_colour"},
			{`{"cutoff_hour": "late"}`, "cutoff_hour"},
		}
		for _, tc := range bad {
			r := e.do("PATCH", "/api/v1/account/me", alice, tc.body)
			var body errorBody
			r.json(t, &body)
			if r.Code != 400 || body.Code != flux.EInvalid || len(body.Errors) == 0 || body.Errors[0].Field != tc.field {
				t.Errorf("PATCH %s = %d %s", tc.body, r.Code, r.Body)
			}
		}
		for _, body := range []string{`{"work_hours": {"start": "25:00"}}`, `{"timezone": `, `[]`, ``, `{} {}`} {
			if r := e.do("PATCH", "/api/v1/account/me", alice, body); r.Code != 400 {
				t.Errorf("PATCH %q = %d %s", body, r.Code, r.Body)
			}
		}
		big := `{"name": "` + strings.Repeat("x", MaxBodyBytes) + `"}`
		if r := e.do("PATCH", "/api/v1/account/me", alice, big); r.Code != 413 {
			t.Errorf("PATCH of more than 1 MiB = %d", r.Code)
		}
		var after flux.User
		e.do("GET", "/api/v1/account/me", alice, nil).json(t, &after)
		if after.Timezone != "Europe/Berlin" || after.CutoffHour != 22 {
			t.Fatalf("a rejected PATCH changed the account: %+v", after)
		}

		// Bob never sees Alice: not through me, not through export.
		var bme flux.User
		e.do("GET", "/api/v1/account/me", bob, nil).json(t, &bme)
		if bme.ID != b.ID || bme.Timezone != "UTC" {
			t.Fatalf("bob sees %+v", bme)
		}
		var bx flux.UserExport
		r = e.do("GET", "/api/v1/account/export", bob, nil)
		r.json(t, &bx)
		if r.Code != 200 || bx.User.ID != b.ID || strings.Contains(string(r.Body), a.ID) || strings.Contains(string(r.Body), "alice") {
			t.Fatalf("bob's export = %d %s", r.Code, r.Body)
		}
		// user_id is honoured only for an admin.
		var viaQuery flux.User
		e.do("GET", "/api/v1/account/me?user_id="+a.ID, bob, nil).json(t, &viaQuery)
		if viaQuery.ID != b.ID {
			t.Fatal("a non-admin acted for another user with user_id")
		}
		var asAdmin flux.User
		r = e.do("GET", "/api/v1/account/me?user_id="+a.ID, "admin-secret-token", nil)
		r.json(t, &asAdmin)
		if r.Code != 200 || asAdmin.ID != a.ID {
			t.Fatalf("admin for alice = %d %s", r.Code, r.Body)
		}
		if r := e.do("GET", "/api/v1/account/me", "admin-secret-token", nil); r.Code != 400 {
			t.Errorf("admin without user_id = %d %s", r.Code, r.Body)
		}
		if r := e.do("GET", "/api/v1/account/me?user_id="+flux.NewID(), "admin-secret-token", nil); r.Code != 404 {
			t.Errorf("admin for an unknown user = %d %s", r.Code, r.Body)
		}

		// Export holds Alice's own data.
		ctx := context.Background()
		g := &flux.Goal{UserID: a.ID, Title: "Run a 10k", Status: flux.GoalActive, TargetWeeks: 10}
		if err := e.store.Goals().CreateGoal(ctx, g); err != nil {
			t.Fatal(err)
		}
		var ax flux.UserExport
		e.do("GET", "/api/v1/account/export", alice, nil).json(t, &ax)
		if ax.User.ID != a.ID || len(ax.Goals) != 1 || ax.Goals[0].ID != g.ID {
			t.Fatalf("alice's export: %+v", ax)
		}

		// Deleting the account removes everything and revokes the token;
		// Bob is untouched.
		if r := e.do("DELETE", "/api/v1/account", alice, nil); r.Code != 204 {
			t.Fatalf("DELETE = %d %s", r.Code, r.Body)
		}
		if _, err := e.store.Users().GetUser(ctx, a.ID); !flux.IsCode(err, flux.ENotFound) {
			t.Fatalf("alice still stored: %v", err)
		}
		if _, err := e.store.Goals().GetGoal(ctx, a.ID, g.ID); !flux.IsCode(err, flux.ENotFound) {
			t.Fatalf("alice's goal still stored: %v", err)
		}
		if r := e.do("GET", "/api/v1/account/me", alice, nil); r.Code != 401 {
			t.Fatalf("token after delete = %d", r.Code)
		}
		if r := e.do("GET", "/api/v1/account/me", bob, nil); r.Code != 200 {
			t.Fatalf("bob after alice's delete = %d", r.Code)
		}
	})
}

func TestFirstRequestCreatesTheUser(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		secret := "supabase-secret-supabase-secret-supabase"
		e := newEnv(t, kind, auth.Config{SupabaseJWTSecret: secret})
		sub := flux.NewID()
		c := auth.Claims{
			RegisteredClaims: jwt.RegisteredClaims{Subject: sub, Audience: jwt.ClaimStrings{"authenticated"}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))},
			Email:            "carol@example.com", Role: "authenticated",
			UserMetadata: map[string]any{"full_name": "Carol Ö. 李"},
		}
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		var me flux.User
		r := e.do("GET", "/api/v1/account/me", tok, nil)
		r.json(t, &me)
		if r.Code != 200 || me.ID != sub || me.Email != "carol@example.com" || me.Name != "Carol Ö. 李" || me.Onboarded {
			t.Fatalf("first request = %d %s", r.Code, r.Body)
		}
		// Twice more, concurrently: still one user.
		done := make(chan int, 8)
		for range 8 {
			go func() { done <- e.do("GET", "/api/v1/account/me", tok, nil).Code }()
		}
		for range 8 {
			if c := <-done; c != 200 {
				t.Errorf("concurrent first requests: %d", c)
			}
		}
		// The expired token gets the original's message.
		c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
		old, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
		r = e.do("GET", "/api/v1/account/me", old, nil)
		var body errorBody
		r.json(t, &body)
		if r.Code != 401 || body.Detail != "Token expired" {
			t.Fatalf("expired = %d %s", r.Code, r.Body)
		}
	})
}
