package gotrue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/httpapi/auth/gotrue"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

// cheap are password hash costs that keep the tests fast; the hashes are
// argon2id all the same.
var cheap = auth.PasswordParams{Memory: 64, Iterations: 1, Parallelism: 1}

var start = time.Date(2026, 4, 13, 6, 0, 0, 0, time.UTC)

// env is the sign-in routes on a real store, in simulated time.
type env struct {
	t     *testing.T
	store flux.Store
	auth  *auth.Authenticator
	clock *fluxtest.Clock
	mux   *http.ServeMux
	logs  *bytes.Buffer
	logMu *sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func newEnv(t *testing.T, postgresStore bool, cfg gotrue.Config) *env {
	t.Helper()
	c := fluxtest.NewClock(start)
	var st flux.Store
	if postgresStore {
		st = pgtest.Open(t, &postgres.Options{Clock: c})
	} else {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "flux.db"), &sqlite.Options{Clock: c})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st = s
	}
	e := &env{t: t, store: st, clock: c, logs: &bytes.Buffer{}, logMu: &sync.Mutex{}}
	log := slog.New(slog.NewTextHandler(lockedWriter{e.logMu, e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := auth.New(context.Background(), auth.Config{Store: st, Clock: c, Logger: log, Password: cheap})
	if err != nil {
		t.Fatal(err)
	}
	e.auth = a
	cfg.Auth, cfg.Clock, cfg.Logger = a, c, log
	h, err := gotrue.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.mux = http.NewServeMux()
	for _, ep := range h.Endpoints() {
		e.mux.HandleFunc(ep.Method+" "+ep.Path, ep.Handler)
	}
	return e
}

type resp struct {
	code   int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %d %q: %v", r.code, r.body, err)
	}
	return m
}

// call sends a request; headers are name, value pairs.
func (e *env) call(method, path, body string, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.10:4321"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	return resp{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// wantError checks a GoTrue error in the shape without an API version.
func wantError(t *testing.T, what string, r resp, status int, code, msg string) {
	t.Helper()
	var got gotrue.ErrorResponse
	if err := json.Unmarshal(r.body, &got); err != nil || r.code != status || got.Code != status || got.ErrorCode != code || got.Msg != msg {
		t.Errorf("%s = %d %s; want %d {code: %d, error_code: %q, msg: %q}", what, r.code, r.body, status, status, code, msg)
	}
}

func (e *env) signUp(email, password, name string) map[string]any {
	e.t.Helper()
	r := e.call("POST", "/auth/v1/signup", `{"email": "`+email+`", "password": "`+password+`", "data": {"name": "`+name+`"}}`)
	if r.code != 200 {
		e.t.Fatalf("signup %s = %d %s", email, r.code, r.body)
	}
	return r.json(e.t)
}

func str(m map[string]any, keys ...string) string {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[k]
	}
	s, _ := v.(string)
	return s
}

func TestSignUpSignInRefreshSignOut(t *testing.T) {
	t.Parallel()
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, pg, gotrue.Config{})
			ctx := context.Background()

			// Sign-up answers a session in GoTrue's shape.
			s := e.signUp("Ada@Example.com", "correct horse", "Ada Lovelace")
			if s["token_type"] != "bearer" || s["expires_in"] != float64(3600) || s["expires_at"] != float64(start.Add(time.Hour).Unix()) ||
				str(s, "access_token") == "" || str(s, "refresh_token") == "" {
				t.Fatalf("sign-up session = %v", s)
			}
			u, _ := s["user"].(map[string]any)
			uid := str(u, "id")
			wantUser := map[string]any{
				"id": uid, "aud": "authenticated", "role": "authenticated", "email": "ada@example.com", "phone": "",
				"email_confirmed_at": "2026-04-13T06:00:00Z", "confirmed_at": "2026-04-13T06:00:00Z", "last_sign_in_at": "2026-04-13T06:00:00Z",
				"app_metadata":  map[string]any{"provider": "email", "providers": []any{"email"}},
				"user_metadata": map[string]any{"name": "Ada Lovelace", "email": "ada@example.com", "email_verified": true, "phone_verified": false, "sub": uid},
				"created_at":    "2026-04-13T06:00:00Z", "updated_at": "2026-04-13T06:00:00Z", "is_anonymous": false,
			}
			ids, _ := u["identities"].([]any)
			delete(u, "identities")
			if d := cmp.Diff(wantUser, u); d != "" {
				t.Errorf("sign-up user (-want +got):\n%s", d)
			}
			if len(ids) != 1 || str(ids[0].(map[string]any), "provider") != "email" || str(ids[0].(map[string]any), "user_id") != uid {
				t.Errorf("identities = %v", ids)
			}

			// The access token is the JWT the API verifies, with Supabase's claims.
			access := str(s, "access_token")
			p, err := e.auth.Verify(ctx, access)
			if err != nil || p.UserID != uid || p.Email != "ada@example.com" || p.Name != "Ada Lovelace" || p.Role != "authenticated" || p.SessionID == "" {
				t.Fatalf("Verify(access token) = %+v, %v", p, err)
			}
			var c auth.Claims
			if _, _, err := jwt.NewParser().ParseUnverified(access, &c); err != nil {
				t.Fatal(err)
			}
			if c.Audience[0] != "authenticated" || c.SessionID != p.SessionID || c.AppMetadata["provider"] != "email" || c.AAL != "aal1" {
				t.Errorf("claims = %+v", c)
			}
			// The user row exists with the name; the password is stored hashed.
			stored, err := e.store.Users().GetUser(ctx, uid)
			if err != nil || stored.Name != "Ada Lovelace" || stored.Email != "ada@example.com" {
				t.Fatalf("stored user = %+v, %v", stored, err)
			}
			hash, err := e.store.Auth().PasswordHash(ctx, uid)
			if err != nil || !strings.HasPrefix(hash, "$argon2id$v=19$") || strings.Contains(hash, "correct horse") {
				t.Fatalf("stored hash = %q, %v", hash, err)
			}

			// Sign-in with the password (any case of the address).
			e.clock.Advance(time.Minute)
			r := e.call("POST", "/auth/v1/token?grant_type=password", `{"email": "ADA@example.com", "password": "correct horse", "gotrue_meta_security": {}}`)
			if r.code != 200 {
				t.Fatalf("sign-in = %d %s", r.code, r.body)
			}
			in := r.json(t)
			if str(in, "user", "id") != uid || str(in, "user", "last_sign_in_at") != "2026-04-13T06:01:00Z" || str(in, "refresh_token") == str(s, "refresh_token") {
				t.Errorf("sign-in = %s", r.body)
			}

			// /user reads the token's user.
			r = e.call("GET", "/auth/v1/user", "", "Authorization", "Bearer "+str(in, "access_token"))
			if r.code != 200 || str(r.json(t), "id") != uid || str(r.json(t), "user_metadata", "name") != "Ada Lovelace" {
				t.Fatalf("GET /user = %d %s", r.code, r.body)
			}

			// A refresh rotates: a new pair, and the old refresh token is used up.
			e.clock.Advance(30 * time.Minute)
			old := str(in, "refresh_token")
			r = e.call("POST", "/auth/v1/token?grant_type=refresh_token", `{"refresh_token": "`+old+`"}`)
			if r.code != 200 {
				t.Fatalf("refresh = %d %s", r.code, r.body)
			}
			re := r.json(t)
			if str(re, "refresh_token") == old || str(re, "access_token") == str(in, "access_token") || re["expires_at"] != float64(e.clock.Now().Add(time.Hour).Unix()) {
				t.Errorf("refresh = %s", r.body)
			}
			rp, err := e.auth.Verify(ctx, str(re, "access_token"))
			if err != nil || rp.SessionID != mustVerify(t, e, str(in, "access_token")).SessionID {
				t.Errorf("the refreshed token is of another session: %+v, %v", rp, err)
			}

			// Within the reuse interval the old token is forgiven (two
			// requests refreshing at once); later it is a reuse, which
			// revokes the whole session.
			e.clock.Advance(5 * time.Second)
			r = e.call("POST", "/auth/v1/token?grant_type=refresh_token", `{"refresh_token": "`+old+`"}`)
			if r.code != 200 {
				t.Fatalf("a refresh within the reuse interval = %d %s", r.code, r.body)
			}
			sibling := r.json(t)
			e.clock.Advance(time.Minute)
			r = e.call("POST", "/auth/v1/token?grant_type=refresh_token", `{"refresh_token": "`+old+`"}`)
			wantError(t, "a reused refresh token", r, 400, "refresh_token_already_used", "Invalid Refresh Token: Already Used")
			for _, tok := range []string{str(re, "refresh_token"), str(sibling, "refresh_token")} {
				r = e.call("POST", "/auth/v1/token?grant_type=refresh_token", `{"refresh_token": "`+tok+`"}`)
				wantError(t, "a refresh token of a revoked session", r, 400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
			}
			if _, err := e.auth.Verify(ctx, str(re, "access_token")); err == nil {
				t.Error("an access token of a revoked session still works")
			}
			r = e.call("GET", "/auth/v1/user", "", "Authorization", "Bearer "+str(re, "access_token"))
			wantError(t, "GET /user with a revoked session's token", r, 403, "session_not_found", "Session from session_id claim in JWT does not exist")

			// The sign-up session is untouched by that; sign it out.
			if _, err := e.auth.Verify(ctx, access); err != nil {
				t.Fatalf("the other session's token: %v", err)
			}
			r = e.call("POST", "/auth/v1/logout?scope=local", "", "Authorization", "Bearer "+access)
			if r.code != 204 || len(r.body) != 0 {
				t.Fatalf("logout = %d %s", r.code, r.body)
			}
			r = e.call("POST", "/auth/v1/token?grant_type=refresh_token", `{"refresh_token": "`+str(s, "refresh_token")+`"}`)
			wantError(t, "a signed-out session's refresh token", r, 400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
			if _, err := e.auth.Verify(ctx, access); err == nil {
				t.Error("a signed-out access token still works")
			}

			// Nothing secret reached the log.
			e.logMu.Lock()
			logs := e.logs.String()
			e.logMu.Unlock()
			for _, secret := range []string{"correct horse", old, str(re, "refresh_token"), access, hash} {
				if strings.Contains(logs, secret) {
					t.Errorf("the log holds a secret %q:\n%s", secret[:min(8, len(secret))], logs)
				}
			}
		})
	}
}

func mustVerify(t *testing.T, e *env, tok string) *auth.Principal {
	t.Helper()
	p, err := e.auth.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLogoutScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, gotrue.Config{})
	e.signUp("bob@example.com", "hunter22", "Bob")
	signIn := func() map[string]any {
		r := e.call("POST", "/auth/v1/token?grant_type=password", `{"email": "bob@example.com", "password": "hunter22"}`)
		if r.code != 200 {
			t.Fatalf("sign-in = %d %s", r.code, r.body)
		}
		return r.json(t)
	}
	works := func(s map[string]any) bool {
		_, err := e.auth.Verify(context.Background(), str(s, "access_token"))
		return err == nil
	}
	a, b, c := signIn(), signIn(), signIn()
	r := e.call("POST", "/auth/v1/logout?scope=everywhere", "", "Authorization", "Bearer "+str(a, "access_token"))
	wantError(t, "an unknown scope", r, 400, "validation_failed", `Unsupported logout scope "everywhere"`)
	r = e.call("POST", "/auth/v1/logout?scope=others", "", "Authorization", "Bearer "+str(a, "access_token"))
	if r.code != 204 || !works(a) || works(b) || works(c) {
		t.Fatalf("scope=others = %d; a %v b %v c %v", r.code, works(a), works(b), works(c))
	}
	d := signIn()
	r = e.call("POST", "/auth/v1/logout", "", "Authorization", "Bearer "+str(d, "access_token"))
	if r.code != 204 || works(a) || works(d) {
		t.Fatalf("global logout = %d; a %v d %v", r.code, works(a), works(d))
	}
	// A signed-out token is refused as GoTrue refuses it.
	r = e.call("POST", "/auth/v1/logout", "", "Authorization", "Bearer "+str(d, "access_token"))
	wantError(t, "logout with a signed-out token", r, 403, "session_not_found", "Session from session_id claim in JWT does not exist")
}

func TestSignInErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, gotrue.Config{Limits: gotrue.Limits{EmailPerMinute: 1000, EmailBurst: 1000, AddressPerMinute: 1000, AddressBurst: 1000}})
	e.signUp("carol@example.com", "s3cret-pass", "Carol")
	cases := []struct {
		what, method, path, body string
		status                   int
		code, msg                string
	}{
		{"a taken address", "POST", "/auth/v1/signup", `{"email": "CAROL@example.com", "password": "another-pass"}`, 422, "user_already_exists", "User already registered"},
		{"a short password", "POST", "/auth/v1/signup", `{"email": "d@example.com", "password": "12345"}`, 422, "weak_password", "Password should be at least 6 characters."},
		{"a long password", "POST", "/auth/v1/signup", `{"email": "d@example.com", "password": "` + strings.Repeat("x", 73) + `"}`, 400, "validation_failed", "Password cannot be longer than 72 characters"},
		{"no password", "POST", "/auth/v1/signup", `{"email": "d@example.com"}`, 400, "validation_failed", "Signup requires a valid password"},
		{"a bad address", "POST", "/auth/v1/signup", `{"email": "not an address", "password": "s3cret-pass"}`, 400, "validation_failed", "Unable to validate email address: invalid format"},
		{"no address", "POST", "/auth/v1/signup", `{"password": "s3cret-pass"}`, 400, "validation_failed", "Sign up only available with email provider"},
		{"a phone sign-up", "POST", "/auth/v1/signup", `{"phone": "+14155550100", "password": "s3cret-pass"}`, 400, "phone_provider_disabled", "Phone signups are disabled"},
		{"not JSON", "POST", "/auth/v1/signup", `{"email": `, 400, "bad_json", "Could not parse request body as JSON: unexpected end of JSON input"},
		{"a wrong type", "POST", "/auth/v1/token?grant_type=password", `{"email": 42}`, 400, "bad_json", "Could not parse request body as JSON: json: cannot unmarshal number into Go struct field TokenRequest.email of type string"},
		{"a wrong password", "POST", "/auth/v1/token?grant_type=password", `{"email": "carol@example.com", "password": "wrong-pass"}`, 400, "invalid_credentials", "Invalid login credentials"},
		{"an unknown address", "POST", "/auth/v1/token?grant_type=password", `{"email": "nobody@example.com", "password": "s3cret-pass"}`, 400, "invalid_credentials", "Invalid login credentials"},
		{"no address to sign in", "POST", "/auth/v1/token?grant_type=password", `{"password": "s3cret-pass"}`, 400, "validation_failed", "missing email or phone"},
		{"a phone sign-in", "POST", "/auth/v1/token?grant_type=password", `{"phone": "+14155550100", "password": "x"}`, 422, "phone_provider_disabled", "Phone logins are disabled"},
		{"an unknown refresh token", "POST", "/auth/v1/token?grant_type=refresh_token", `{"refresh_token": "nope"}`, 400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"},
		{"an unknown grant", "POST", "/auth/v1/token?grant_type=id_token", `{}`, 400, "invalid_credentials", "unsupported_grant_type"},
		{"a PKCE exchange", "POST", "/auth/v1/token?grant_type=pkce", `{"auth_code": "abc", "code_verifier": "def"}`, 404, "flow_state_not_found", "invalid flow state, no valid flow state found"},
		{"an empty PKCE exchange", "POST", "/auth/v1/token?grant_type=pkce", `{}`, 400, "validation_failed", "invalid request: both auth code and code verifier should be non-empty"},
		{"Google sign-in", "GET", "/auth/v1/authorize?provider=google&redirect_to=http://localhost:3000/auth/callback", ``, 400, "validation_failed", "Unsupported provider: provider is not enabled"},
		{"/user without a token", "GET", "/auth/v1/user", ``, 401, "no_authorization", "This endpoint requires a valid Bearer token"},
	}
	for _, c := range cases {
		wantError(t, c.what, e.call(c.method, c.path, c.body), c.status, c.code, c.msg)
	}
	r := e.call("GET", "/auth/v1/user", "", "Authorization", "Bearer not.a.jwt")
	wantError(t, "/user with a bad token", r, 403, "bad_jwt", "invalid JWT: unable to parse or verify signature, token is invalid")
	r = e.call("POST", "/auth/v1/token?grant_type=refresh_token", `{}`)
	if m := r.json(t); r.code != 400 || m["error"] != "invalid_request" || m["error_description"] != "refresh_token required" {
		t.Errorf("a refresh without a token = %d %s", r.code, r.body)
	}
	// The weak-password error names the reason.
	r = e.call("POST", "/auth/v1/signup", `{"email": "d@example.com", "password": "12345"}`)
	if m := r.json(t); cmp.Diff(map[string]any{"reasons": []any{"length"}}, m["weak_password"]) != "" {
		t.Errorf("weak password = %s", r.body)
	}

	// With X-Supabase-Api-Version: 2024-01-01 (supabase-js sends it) errors
	// are {code, message} and the header comes back.
	r = e.call("POST", "/auth/v1/token?grant_type=password", `{"email": "carol@example.com", "password": "wrong-pass"}`, "X-Supabase-Api-Version", "2024-01-01")
	if d := cmp.Diff(map[string]any{"code": "invalid_credentials", "message": "Invalid login credentials"}, r.json(t)); r.code != 400 || d != "" || r.header.Get("X-Supabase-Api-Version") != "2024-01-01" {
		t.Errorf("2024-01-01 error = %d %v %s", r.code, r.header, d)
	}
	r = e.call("POST", "/auth/v1/signup", `{"email": "e@example.com", "password": "123"}`, "X-Supabase-Api-Version", "2025-06-30")
	if d := cmp.Diff(map[string]any{"code": "weak_password", "message": "Password should be at least 6 characters.", "weak_password": map[string]any{"reasons": []any{"length"}}}, r.json(t)); r.code != 422 || d != "" {
		t.Errorf("2024-01-01 weak password = %d %s", r.code, d)
	}
	r = e.call("POST", "/auth/v1/signup", `{"email": "e@example.com", "password": "123"}`, "X-Supabase-Api-Version", "2023-05-01")
	wantError(t, "an older API version", r, 422, "weak_password", "Password should be at least 6 characters.")
}

func TestDeletedUserIsSignedOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, gotrue.Config{})
	s := e.signUp("dora@example.com", "s3cret-pass", "Dora")
	if err := e.store.Users().DeleteUser(context.Background(), str(s, "user", "id")); err != nil {
		t.Fatal(err)
	}
	r := e.call("GET", "/auth/v1/user", "", "Authorization", "Bearer "+str(s, "access_token"))
	wantError(t, "/user of a deleted user", r, 403, "session_not_found", "Session from session_id claim in JWT does not exist")
	r = e.call("POST", "/auth/v1/token?grant_type=refresh_token", `{"refresh_token": "`+str(s, "refresh_token")+`"}`)
	wantError(t, "a deleted user's refresh token", r, 400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
	r = e.call("POST", "/auth/v1/token?grant_type=password", `{"email": "dora@example.com", "password": "s3cret-pass"}`)
	wantError(t, "a deleted user's password", r, 400, "invalid_credentials", "Invalid login credentials")
	// The address is free again.
	e.signUp("dora@example.com", "another-pass", "Dora again")
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, gotrue.Config{Limits: gotrue.Limits{EmailPerMinute: 2, EmailBurst: 3, AddressPerMinute: 60, AddressBurst: 100}})
	e.signUp("eve@example.com", "s3cret-pass", "Eve")
	// One token of eve's bucket went to sign-up; two wrong passwords remain.
	for i := range 2 {
		r := e.call("POST", "/auth/v1/token?grant_type=password", `{"email": "eve@example.com", "password": "guess`+string(rune('a'+i))+`"}`)
		wantError(t, "a wrong password", r, 400, "invalid_credentials", "Invalid login credentials")
	}
	r := e.call("POST", "/auth/v1/token?grant_type=password", `{"email": "EVE@example.com", "password": "s3cret-pass"}`)
	wantError(t, "the attempt past the e-mail limit", r, 429, "over_request_rate_limit", "Request rate limit reached")
	if r.header.Get("Retry-After") != "30" {
		t.Errorf("Retry-After = %q, want 30", r.header.Get("Retry-After"))
	}
	// Another address is not limited by eve's bucket.
	if r := e.call("POST", "/auth/v1/token?grant_type=password", `{"email": "frank@example.com", "password": "x"}`); r.code != 400 {
		t.Errorf("another address = %d %s", r.code, r.body)
	}
	e.clock.Advance(30 * time.Second)
	if r := e.call("POST", "/auth/v1/token?grant_type=password", `{"email": "eve@example.com", "password": "s3cret-pass"}`); r.code != 200 {
		t.Errorf("after Retry-After = %d %s", r.code, r.body)
	}

	// Per client address.
	a := newEnv(t, false, gotrue.Config{Limits: gotrue.Limits{AddressPerMinute: 1, AddressBurst: 2}})
	for i := range 2 {
		r := a.call("POST", "/auth/v1/token?grant_type=password", `{"email": "u`+string(rune('0'+i))+`@example.com", "password": "x"}`)
		wantError(t, "an attempt within the address limit", r, 400, "invalid_credentials", "Invalid login credentials")
	}
	r = a.call("POST", "/auth/v1/signup", `{"email": "new@example.com", "password": "s3cret-pass"}`)
	wantError(t, "a sign-up past the address limit", r, 429, "over_request_rate_limit", "Request rate limit reached")
}

func TestAnonKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, gotrue.Config{AnonKey: "anon-key-123"})
	body := `{"email": "gina@example.com", "password": "s3cret-pass", "data": {"full_name": "Gina"}}`
	for _, c := range []struct {
		what    string
		headers []string
		msg     string
	}{
		{"no key", nil, "No API key found in request"},
		{"a wrong apikey", []string{"apikey", "nope"}, "Invalid API key"},
		{"a wrong bearer", []string{"Authorization", "Bearer nope"}, "Invalid API key"},
	} {
		r := e.call("POST", "/auth/v1/signup", body, c.headers...)
		if m := r.json(t); r.code != 401 || m["message"] != c.msg {
			t.Errorf("sign-up with %s = %d %s", c.what, r.code, r.body)
		}
	}
	// supabase-js sends the key both as apikey and as the bearer.
	r := e.call("POST", "/auth/v1/signup", body, "apikey", "anon-key-123", "Authorization", "Bearer anon-key-123")
	if r.code != 200 || str(r.json(t), "user", "user_metadata", "name") != "Gina" {
		t.Fatalf("sign-up with the key = %d %s", r.code, r.body)
	}
	access := str(r.json(t), "access_token")
	if r := e.call("POST", "/auth/v1/token?grant_type=password", `{"email": "gina@example.com", "password": "s3cret-pass"}`, "Authorization", "Bearer anon-key-123"); r.code != 200 {
		t.Errorf("sign-in with the key as bearer = %d %s", r.code, r.body)
	}
	// /user takes the user's token as the bearer, so the key must be apikey.
	if r := e.call("GET", "/auth/v1/user", "", "Authorization", "Bearer "+access); r.code != 401 {
		t.Errorf("/user without apikey = %d %s", r.code, r.body)
	}
	if r := e.call("GET", "/auth/v1/user", "", "Authorization", "Bearer "+access, "apikey", "anon-key-123"); r.code != 200 {
		t.Errorf("/user with apikey = %d %s", r.code, r.body)
	}
	// The OAuth redirect is opened by a browser, without the key.
	wantError(t, "authorize", e.call("GET", "/auth/v1/authorize?provider=google", ""), 400, "validation_failed", "Unsupported provider: provider is not enabled")
}

func TestNewNeedsLocalMode(t *testing.T) {
	t.Parallel()
	a, err := auth.New(context.Background(), auth.Config{SupabaseJWTSecret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gotrue.New(gotrue.Config{Auth: a}); err == nil {
		t.Error("gotrue.New in Supabase mode did not fail")
	}
}
