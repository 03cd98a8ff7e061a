package main

import (
	"testing"
	"time"
)

// TestSignOutReachesTheOtherReplica: two fluxd on one PostgreSQL database,
// each with its auth cache warm for a token; signing out on one makes the
// other refuse the token within a second (the notification's time, not the
// cache's 10 s TTL).
func TestSignOutReachesTheOtherReplica(t *testing.T) {
	t.Parallel()
	dbURL := freshPostgresURL(t)
	vars := func() map[string]string {
		return map[string]string{"DATABASE_URL": dbURL, "FLUX_DATA_DIR": t.TempDir(), "LOG_LEVEL": "WARN"}
	}
	a, b := start(t, vars()), start(t, vars())
	code, s := a.call(t, "POST", "/auth/v1/signup", "", `{"email": "replica@example.com", "password": "s3cret-pass"}`)
	if code != 200 {
		t.Fatalf("sign-up = %d %v", code, s)
	}
	tok, _ := s["access_token"].(string)
	for _, f := range []*fluxd{a, b} {
		if code, body := f.call(t, "GET", "/api/v1/account/me", tok, ""); code != 200 {
			t.Fatalf("GET /api/v1/account/me = %d %v", code, body)
		}
	}
	if code, body := b.call(t, "POST", "/auth/v1/logout", tok, ""); code != 204 {
		t.Fatalf("logout on the second replica = %d %v", code, body)
	}
	start := time.Now()
	for {
		code, _ := a.call(t, "GET", "/api/v1/account/me", tok, "")
		if code == 401 {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("the first replica still answers %d a second after the sign-out on the second", code)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("refused by the other replica after %v", time.Since(start).Round(time.Millisecond))
}
