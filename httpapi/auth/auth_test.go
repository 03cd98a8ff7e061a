package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/golang-jwt/jwt/v5"
)

func openStore(t *testing.T) flux.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "flux.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func bearer(tok string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func claims(sub string, exp time.Time, aud ...string) auth.Claims {
	c := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: sub, Audience: aud}, Email: "a@example.com", Role: "authenticated"}
	if !exp.IsZero() {
		c.ExpiresAt = jwt.NewNumericDate(exp)
	}
	return c
}

func sign(t *testing.T, m jwt.SigningMethod, key any, c auth.Claims, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func code(err error) string { return flux.ErrorCode(err) + ":" + flux.ErrorMessage(err) }

func TestSupabaseHS256(t *testing.T) {
	t.Parallel()
	clock := fluxtest.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	secret := []byte("super-secret-jwt-token-with-at-least-32-characters")
	a, err := auth.New(context.Background(), auth.Config{SupabaseJWTSecret: string(secret), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode() != auth.ModeSupabase {
		t.Fatalf("mode %s", a.Mode())
	}
	sub := flux.NewID()
	exp := clock.Now().Add(time.Hour)
	c := claims(sub, exp, "authenticated")
	c.UserMetadata = map[string]any{"full_name": "Ada Lovelace"}
	p, err := a.Authenticate(bearer(sign(t, jwt.SigningMethodHS256, secret, c, "")))
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != sub || p.Name != "Ada Lovelace" || p.Admin {
		t.Fatalf("principal %+v", p)
	}

	cases := []struct {
		name string
		tok  string
		want string
	}{
		{"expired", sign(t, jwt.SigningMethodHS256, secret, claims(sub, clock.Now().Add(-time.Hour), "authenticated"), ""), "unauthorized:Token expired"},
		{"wrong audience", sign(t, jwt.SigningMethodHS256, secret, claims(sub, exp, "anon"), ""), "unauthorized:Invalid or expired token"},
		{"no expiry", sign(t, jwt.SigningMethodHS256, secret, claims(sub, time.Time{}, "authenticated"), ""), "unauthorized:Invalid or expired token"},
		{"wrong secret", sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-another"), claims(sub, exp, "authenticated"), ""), "unauthorized:Invalid or expired token"},
		{"not a uuid subject", sign(t, jwt.SigningMethodHS256, secret, claims("alice", exp, "authenticated"), ""), "unauthorized:Invalid or expired token"},
		{"alg none", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(sub, exp, "authenticated")).SignedString(jwt.UnsafeAllowNoneSignatureType)
			return s
		}(), "unauthorized:Invalid or expired token"},
		{"garbage", "not.a.jwt", "unauthorized:Invalid or expired token"},
	}
	for _, tc := range cases {
		if _, err := a.Authenticate(bearer(tc.tok)); code(err) != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, code(err), tc.want)
		}
	}
	for _, h := range []string{"", "Basic abc", "Bearer ", "Bearer"} {
		r := httptest.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		if _, err := a.Authenticate(r); code(err) != "unauthorized:Not authenticated" {
			t.Errorf("header %q: %q", h, code(err))
		}
	}
	// A service-role token is an admin.
	sc := claims(sub, exp, "authenticated")
	sc.Role = auth.AdminRole
	if p, err := a.Authenticate(bearer(sign(t, jwt.SigningMethodHS256, secret, sc, ""))); err != nil || !p.Admin {
		t.Fatalf("service role: %+v %v", p, err)
	}
}

func TestSupabaseJWKS(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set := jwkset.NewMemoryStorage()
	jwk, err := jwkset.NewJWKFromKey(key.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "k1", ALG: jwkset.AlgES256, USE: jwkset.UseSig}})
	if err != nil {
		t.Fatal(err)
	}
	if err := set.KeyWrite(context.Background(), jwk); err != nil {
		t.Fatal(err)
	}
	var hits int
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/auth/v1/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		hits++
		raw, _ := set.JSONPublic(r.Context())
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(raw)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := auth.New(ctx, auth.Config{SupabaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	sub := flux.NewID()
	good := sign(t, jwt.SigningMethodES256, key, claims(sub, time.Now().Add(time.Hour), "authenticated"), "k1")
	p, err := a.Authenticate(bearer(good))
	if err != nil || p.UserID != sub {
		t.Fatalf("ES256 token: %+v %v", p, err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	bad := sign(t, jwt.SigningMethodES256, other, claims(sub, time.Now().Add(time.Hour), "authenticated"), "k1")
	if _, err := a.Authenticate(bearer(bad)); code(err) != "unauthorized:Invalid or expired token" {
		t.Errorf("foreign key: %q", code(err))
	}
	// HS256 is refused when only JWKS is configured.
	hs := sign(t, jwt.SigningMethodHS256, []byte("guessable-secret-guessable-secret!!"), claims(sub, time.Now().Add(time.Hour), "authenticated"), "")
	if _, err := a.Authenticate(bearer(hs)); code(err) != "unauthorized:Invalid or expired token" {
		t.Errorf("HS256 without a secret: %q", code(err))
	}
	if hits == 0 {
		t.Error("the JWKS was never fetched")
	}
}

func TestLocalTokens(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	ctx := context.Background()
	clock := fluxtest.NewClock(time.Now())
	a, err := auth.New(ctx, auth.Config{Store: st, Clock: clock, AdminToken: "admin-token-for-tests"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode() != auth.ModeLocal {
		t.Fatalf("mode %s", a.Mode())
	}
	u := flux.NewUser(flux.NewID(), "alice@example.com", "Alice")
	if err := st.Users().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok, err := a.Issue(ctx, u, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Authenticate(bearer(tok))
	if err != nil || p.UserID != u.ID || p.Email != u.Email || p.Admin {
		t.Fatalf("local token: %+v %v", p, err)
	}
	// The signing key survives a restart: a second Authenticator on the same
	// store accepts the token.
	a2, err := auth.New(ctx, auth.Config{Store: st, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a2.Authenticate(bearer(tok)); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	// Admin token.
	if p, err := a.Authenticate(bearer("admin-token-for-tests")); err != nil || !p.Admin || p.UserID != "" {
		t.Fatalf("admin token: %+v %v", p, err)
	}
	// Expiry, then pruning.
	clock.Advance(2 * time.Hour)
	if _, err := a.Authenticate(bearer(tok)); code(err) != "unauthorized:Token expired" {
		t.Fatalf("expired local token: %q", code(err))
	}
	if err := auth.PruneTokens(st, clock, nil)(ctx, auth.PruneTokensArgs{}); err != nil {
		t.Fatal(err)
	}
	// A pruned (or revoked) token is refused even if its signature is fine.
	clock.Advance(-2 * time.Hour)
	if _, err := a.Authenticate(bearer(tok)); code(err) != "unauthorized:Invalid or expired token" {
		t.Fatalf("pruned token: %q", code(err))
	}
	// Deleting the user revokes their tokens.
	tok2, err := a.Issue(ctx, u, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Users().DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(bearer(tok2)); code(err) != "unauthorized:Invalid or expired token" {
		t.Fatalf("token of a deleted user: %q", code(err))
	}
	// Issue refuses in Supabase mode.
	sa, _ := auth.New(ctx, auth.Config{SupabaseJWTSecret: "x-secret-x-secret-x-secret-x-secret"})
	if _, err := sa.Issue(ctx, u, time.Hour); !flux.IsCode(err, flux.EForbidden) {
		t.Fatalf("Issue in supabase mode: %v", err)
	}
}
