package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/httpapi/auth/gotrue"
	"github.com/fluxlife/flux/scheduler"
)

// cheapPasswords keeps the sign-up tests fast (the hashes are argon2id all
// the same).
var cheapPasswords = auth.PasswordParams{Memory: 64, Iterations: 1, Parallelism: 1}

// signInEnv is a server in local mode with the sign-in routes, a fake
// clock and, optionally, a demo user.
type signInEnv struct {
	*testEnv
	clock *fluxtest.Clock
}

func newSignInEnv(t *testing.T, kind storeKind, now time.Time, cfg Config) *signInEnv {
	t.Helper()
	st := openStore(t, kind)
	c := fluxtest.NewClock(now)
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := auth.New(context.Background(), auth.Config{Store: st, Clock: c, Logger: discard, Password: cheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.Auth, cfg.Clock, cfg.Logger = st, a, c, discard
	if cfg.Scheduler == nil {
		cfg.Scheduler = scheduler.NewService(st, &scheduler.ServiceOptions{Clock: c, Logger: discard})
	}
	return &signInEnv{testEnv: &testEnv{t: t, store: st, auth: a, srv: New(cfg)}, clock: c}
}

// signUp signs a user up through /auth/v1/signup and returns the session.
func (e *signInEnv) signUp(email, name string) gotrue.Session {
	e.t.Helper()
	r := e.do("POST", "/auth/v1/signup", "", map[string]any{"email": email, "password": "s3cret-pass", "data": map[string]any{"name": name}})
	if r.Code != 200 {
		e.t.Fatalf("sign-up = %d %s", r.Code, r.Body)
	}
	var s gotrue.Session
	r.json(e.t, &s)
	return s
}

func TestSignInThroughTheAPI(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSignInEnv(t, kind, schedNow, Config{})
		s := e.signUp("Ada@example.com", "Ada Lovelace")

		// The access token works on the API; the user row has the name.
		var me flux.User
		r := e.do("GET", "/api/v1/account/me", s.AccessToken, nil)
		r.json(t, &me)
		if r.Code != 200 || me.ID != s.User.ID || me.Name != "Ada Lovelace" || me.Email != "ada@example.com" || me.Onboarded {
			t.Fatalf("GET me = %d %s", r.Code, r.Body)
		}

		// The export lists the session and nothing secret.
		r = e.do("GET", "/api/v1/account/export", s.AccessToken, nil)
		var x struct {
			AuthSessions []flux.AuthSession `json:"auth_sessions"`
		}
		r.json(t, &x)
		if r.Code != 200 || len(x.AuthSessions) != 1 || x.AuthSessions[0].UserID != me.ID {
			t.Errorf("export = %d sessions %+v", r.Code, x.AuthSessions)
		}
		hash, _ := e.store.Auth().PasswordHash(context.Background(), me.ID)
		for _, secret := range []string{"s3cret-pass", s.RefreshToken, hash, "argon2id"} {
			if strings.Contains(string(r.Body), secret) {
				t.Errorf("the export holds a secret (%.8s...)", secret)
			}
		}

		// Signing out revokes the access token on the whole API.
		if r := e.do("POST", "/auth/v1/logout", s.AccessToken, nil); r.Code != 204 {
			t.Fatalf("logout = %d %s", r.Code, r.Body)
		}
		if r := e.do("GET", "/api/v1/account/me", s.AccessToken, nil); r.Code != 401 {
			t.Errorf("GET me after logout = %d", r.Code)
		}

		// Deleting the account deletes the sessions, password and tokens.
		s = e.signUp("bob@example.com", "Bob")
		if r := e.do("DELETE", "/api/v1/account", s.AccessToken, nil); r.Code != 204 {
			t.Fatalf("DELETE account = %d %s", r.Code, r.Body)
		}
		r = e.do("POST", "/auth/v1/token?grant_type=refresh_token", "", map[string]any{"refresh_token": s.RefreshToken})
		if r.Code != 400 || !strings.Contains(string(r.Body), "refresh_token_not_found") {
			t.Errorf("refresh after DELETE account = %d %s", r.Code, r.Body)
		}
		r = e.do("POST", "/auth/v1/token?grant_type=password", "", map[string]any{"email": "bob@example.com", "password": "s3cret-pass"})
		if r.Code != 400 || !strings.Contains(string(r.Body), "invalid_credentials") {
			t.Errorf("sign-in after DELETE account = %d %s", r.Code, r.Body)
		}
		if _, err := e.store.Auth().PasswordHash(context.Background(), s.User.ID); !flux.IsCode(err, flux.ENotFound) {
			t.Errorf("the password hash survived the account: %v", err)
		}
	})
}

func TestSupabaseModeServesNoSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{SupabaseJWTSecret: "a-supabase-secret"})
	for _, p := range []string{"/auth/v1/signup", "/auth/v1/token?grant_type=password"} {
		if r := e.do("POST", p, "", `{}`); r.Code != 404 {
			t.Errorf("POST %s in Supabase mode = %d", p, r.Code)
		}
	}
}

func TestCORSAllowsSupabaseClients(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	req := httptest.NewRequest("OPTIONS", "/auth/v1/token?grant_type=password", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "apikey,authorization,content-type,x-client-info,x-supabase-api-version")
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	allowed := strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"apikey", "authorization", "content-type", "x-client-info", "x-supabase-api-version"} {
		if !strings.Contains(allowed, h) {
			t.Errorf("preflight does not allow %s: %q (status %d)", h, allowed, rec.Code)
		}
	}
}

// The token-less timeline names its user by e-mail, who may sign up after
// fluxd started; apply speaks the same local time as suggest's label.
func TestDemoUserByEmail(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		// Monday 12 January 2026, 08:00 in Berlin (UTC+1).
		now := time.Date(2026, 1, 12, 7, 0, 0, 0, time.UTC)
		e := newSignInEnv(t, kind, now, Config{DemoUser: "Demo@Example.com"})
		ctx := context.Background()

		r := e.do("GET", "/scheduler/tasks", "", nil)
		if r.Code != 200 || strings.TrimSpace(string(r.Body)) != `{"tasks":[]}` {
			t.Fatalf("timeline of a demo user not yet signed up = %d %s", r.Code, r.Body)
		}
		if _, err := e.store.Users().GetUserByEmail(ctx, "demo@example.com"); !flux.IsCode(err, flux.ENotFound) {
			t.Fatalf("the timeline created the demo user: %v", err)
		}
		if r := e.do("POST", "/scheduler/suggest", "", map[string]any{"event_id": flux.NewID()}); r.Code != 404 {
			t.Errorf("suggest for a demo user not yet signed up = %d %s", r.Code, r.Body)
		}

		s := e.signUp("demo@example.com", "Demo")
		if r := e.do("PATCH", "/api/v1/account/me", s.AccessToken, map[string]any{"timezone": "Europe/Berlin"}); r.Code != 200 {
			t.Fatalf("PATCH me = %d %s", r.Code, r.Body)
		}
		berlin := flux.Location("Europe/Berlin")
		at := time.Date(2026, 1, 12, 7, 0, 0, 0, berlin)
		task := &flux.Task{UserID: s.User.ID, Title: "Stretch", Status: flux.TaskDrifted, Priority: flux.PriorityStandard,
			DurationMinutes: 30, TriggerType: flux.TriggerTime, ScheduledAt: &at}
		if err := e.store.Tasks().CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}

		var tl legacyTaskList
		r = e.do("GET", "/scheduler/tasks", "", nil)
		r.json(t, &tl)
		if r.Code != 200 || len(tl.Tasks) != 1 || tl.Tasks[0].ID != task.ID {
			t.Fatalf("timeline of the signed-up demo user = %d %s", r.Code, r.Body)
		}
		var sg scheduler.SuggestResult
		r = e.do("POST", "/scheduler/suggest", "", map[string]any{"event_id": task.ID})
		r.json(t, &sg)
		if r.Code != 200 || len(sg.Suggestions) == 0 {
			t.Fatalf("suggest = %d %s", r.Code, r.Body)
		}
		slot := sg.Suggestions[0]
		clock, ok := strings.CutSuffix(slot.Label, " Today")
		if !ok || clock != slot.NewStart.In(berlin).Format("3:04 PM") || clock == slot.NewStart.UTC().Format("3:04 PM") {
			t.Fatalf("label %q for a slot at %s", slot.Label, slot.NewStart)
		}
		var ar applyResponse
		r = e.do("POST", "/scheduler/apply", "", map[string]any{"event_id": task.ID, "action": "reschedule",
			"new_start": slot.NewStart.Format(time.RFC3339), "new_end": slot.NewEnd.Format(time.RFC3339)})
		r.json(t, &ar)
		if want := "Done! Moved to " + clock + ". You've got this!"; r.Code != 200 || ar.Message != want {
			t.Errorf("apply = %d %q; want %q (the label said %q)", r.Code, ar.Message, want, slot.Label)
		}
	})
}

// jsonOf is v as a generic JSON value.
func jsonOf(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}
