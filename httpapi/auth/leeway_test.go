package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/golang-jwt/jwt/v5"
)

// TestExpiryLeeway: a token is accepted up to Leeway (at most 5 s) past its
// expiry and refused after it (the leeway was 30 s, so a token that had
// expired seconds earlier still deleted an account).
func TestExpiryLeeway(t *testing.T) {
	t.Parallel()
	if auth.Leeway > 5*time.Second {
		t.Fatalf("Leeway = %s, want at most 5s", auth.Leeway)
	}
	clock := fluxtest.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	secret := []byte("super-secret-jwt-token-with-at-least-32-characters")
	a, err := auth.New(context.Background(), auth.Config{SupabaseJWTSecret: string(secret), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	sub := flux.NewID()
	for _, tc := range []struct {
		ago  time.Duration
		want string
	}{
		{-time.Second, ""},
		{auth.Leeway - time.Second, ""},
		{auth.Leeway + time.Second, "unauthorized:Token expired"},
		{10 * time.Second, "unauthorized:Token expired"},
		{29 * time.Second, "unauthorized:Token expired"},
	} {
		tok := sign(t, jwt.SigningMethodHS256, secret, claims(sub, clock.Now().Add(-tc.ago), "authenticated"), "")
		_, err := a.Authenticate(bearer(tok))
		got := ""
		if err != nil {
			got = code(err)
		}
		if got != tc.want {
			t.Errorf("token expired %s ago: %q, want %q", tc.ago, got, tc.want)
		}
	}
}
