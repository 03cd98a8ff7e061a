package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSupabaseJS runs the real @supabase/supabase-js (testdata/supabase-js,
// pinned in its package-lock.json) against a running fluxd: sign up, sign
// in, refresh, read the user, call /api/v1/account/me with the access
// token, sign out, and the old refresh token is refused. It needs node and
// the installed modules (npm ci in that folder); without them it skips,
// unless FLUX_TEST_REQUIRE_NODE=1, when it fails.
func TestSupabaseJS(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "supabase-js")
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("FLUX_TEST_REQUIRE_NODE") == "1" {
			t.Fatalf(format+" (FLUX_TEST_REQUIRE_NODE=1)", args...)
		}
		t.Skipf(format, args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable("node is not installed: the supabase-js test needs Node.js 20 or later")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@supabase", "supabase-js", "package.json")); err != nil {
		unavailable("@supabase/supabase-js is not installed: run `npm ci` in cmd/fluxd/testdata/supabase-js")
	}

	const anonKey = "test-anon-key"
	f := start(t, map[string]string{"FLUX_DATA_DIR": t.TempDir(), "SUPABASE_ANON_KEY": anonKey})
	if !strings.Contains(f.logs.String(), "frontend sign-in") {
		t.Errorf("the startup log does not say how to point the frontend at fluxd:\n%s", f.logs)
	}
	if strings.Contains(f.logs.String(), anonKey) {
		t.Errorf("the startup log shows the anon key:\n%s", f.logs)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "signin.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FLUXD_URL="+f.url, "SUPABASE_ANON_KEY="+anonKey)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) || err != nil {
		t.Fatalf("node signin.mjs: %v\n%s\nfluxd logs:\n%s", err, out, f.logs)
	}
	if strings.TrimSpace(string(out)) != "ok" {
		t.Errorf("node signin.mjs printed %q, want ok", out)
	}
	for _, secret := range []string{"correct horse battery"} {
		if strings.Contains(f.logs.String(), secret) {
			t.Errorf("fluxd logged a password")
		}
	}
}
