package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// fluxd is one running server.
type fluxd struct {
	url  string
	stop func()
	logs *fluxtest.Logs
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func start(t *testing.T, vars map[string]string) *fluxd {
	t.Helper()
	return startOn(t, vars, listen(t))
}

// listen returns a listener on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startOn starts fluxd on ln (made beforehand when the configuration needs
// the server's own URL).
func startOn(t *testing.T, vars map[string]string, ln net.Listener) *fluxd {
	t.Helper()
	cfg, err := loadConfig(newFlagSet(), nil, env(vars))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &fluxtest.Logs{}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, logs, ln) }()
	f := &fluxd{url: "http://" + ln.Addr().String(), logs: logs}
	var once sync.Once
	f.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve: %v\nlogs:\n%s", err, logs)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("serve did not stop\nlogs:\n%s", logs)
			}
		})
	}
	t.Cleanup(f.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(f.url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("fluxd did not answer /health: %v\nlogs:\n%s", err, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return f
}

// call makes a request and decodes a JSON object answer (nil otherwise).
func (f *fluxd) call(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	code, b := f.do(t, method, path, token, body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return code, m
}

// do makes a request with an optional bearer token and returns the status
// and the body.
func (f *fluxd) do(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, f.url+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func mintToken(t *testing.T, vars map[string]string, user string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"token", "--user", user}, env(vars), &out, &errb); err != nil {
		t.Fatalf("fluxd token: %v\n%s", err, errb.String())
	}
	tok := strings.TrimSpace(out.String())
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("fluxd token printed %q", tok)
	}
	return tok
}

// freshPostgresURL returns a DATABASE_URL whose search_path is a new schema
// dropped at the end of the test.
func freshPostgresURL(t *testing.T) string {
	t.Helper()
	base := pgtest.URL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "fluxd_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestNewUserJourney is the first run as a new user tries it: start with no
// configuration, get a token, read and change the account, restart, and see
// the change kept; no token gets 401; a second user sees only their own.
func TestNewUserJourney(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"FLUX_DATA_DIR": t.TempDir()}
			if backend == "postgres" {
				vars["DATABASE_URL"] = freshPostgresURL(t)
			}
			f := start(t, vars)
			code, body := f.call(t, "GET", "/health", "", "")
			if code != 200 || body["status"] != "ok" || body["service"] != "flux-backend" {
				t.Fatalf("/health = %d %v", code, body)
			}
			for _, want := range []string{"capability", "name=store", "name=jobs", "name=auth"} {
				if !strings.Contains(f.logs.String(), want) {
					t.Errorf("startup log lacks %q:\n%s", want, f.logs)
				}
			}
			if code, _ := f.call(t, "GET", "/ready", "", ""); code != 200 {
				t.Fatalf("/ready = %d\n%s", code, f.logs)
			}
			alice := mintToken(t, vars, "alice@example.com")
			if code, _ := f.call(t, "GET", "/api/v1/account/me", "", ""); code != 401 {
				t.Fatalf("no token = %d", code)
			}
			code, me := f.call(t, "GET", "/api/v1/account/me", alice, "")
			if code != 200 || me["email"] != "alice@example.com" {
				t.Fatalf("me = %d %v", code, me)
			}
			code, _ = f.call(t, "PATCH", "/api/v1/account/me", alice,
				`{"timezone": "Europe/Berlin", "work_hours": {"start": "09:00", "end": "17:00", "days": ["Mon","Tue","Wed","Thu","Fri"]}}`)
			if code != 200 {
				t.Fatalf("PATCH = %d", code)
			}
			bob := mintToken(t, vars, "bob@example.com")
			_, bme := f.call(t, "GET", "/api/v1/account/me", bob, "")
			if bme["email"] != "bob@example.com" || bme["timezone"] != "UTC" {
				t.Fatalf("bob sees %v", bme)
			}

			f.stop()
			if !strings.Contains(f.logs.String(), "fluxd stopped") {
				t.Errorf("no clean stop in the logs:\n%s", f.logs)
			}
			f2 := start(t, vars)
			code, me = f2.call(t, "GET", "/api/v1/account/me", alice, "")
			wh, _ := me["work_hours"].(map[string]any)
			if code != 200 || me["timezone"] != "Europe/Berlin" || wh["end"] != "17:00" {
				t.Fatalf("after restart = %d %v", code, me)
			}
			// The same token minted again for the same e-mail is the same user.
			again := mintToken(t, vars, "alice@example.com")
			_, me2 := f2.call(t, "GET", "/api/v1/account/me", again, "")
			if me2["id"] != me["id"] {
				t.Fatalf("a second token for alice is another user: %v vs %v", me2["id"], me["id"])
			}
		})
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(newFlagSet(), nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "127.0.0.1" || cfg.Port != 8000 || cfg.DataDir != "./data" || cfg.DatabaseURL != "" {
		t.Fatalf("defaults: %+v", cfg)
	}
	cfg, err = loadConfig(newFlagSet(), []string{"--port", "9001"}, env(map[string]string{"PORT": "9000", "HOST": "0.0.0.0", "FLUX_DATA_DIR": "/tmp/x"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "0.0.0.0" || cfg.Port != 9001 || cfg.DataDir != "/tmp/x" {
		t.Fatalf("env and flags: %+v", cfg)
	}
	for _, bad := range []map[string]string{{"PORT": "eighty"}, {"LOG_LEVEL": "LOUD"}, {"LOG_FORMAT": "xml"}} {
		if _, err := loadConfig(newFlagSet(), nil, env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if got := redactURL("postgres://user:hunter2@db.example:5432/flux?sslmode=require"); strings.Contains(got, "hunter2") || strings.Contains(got, "user") {
		t.Errorf("redactURL leaks: %q", got)
	}
}

func TestSubcommands(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), &out, &errb); err != nil || !strings.HasPrefix(out.String(), "fluxd ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir()}
	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, env(vars), &out, &errb); err != nil || !strings.Contains(out.String(), "migrations applied") {
		t.Fatalf("migrate: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"token"}, env(vars), &out, &errb); err == nil {
		t.Fatal("token without --user succeeded")
	}
	if err := run(context.Background(), []string{"token", "--user", "not-an-email"}, env(vars), &out, &errb); err == nil {
		t.Fatal("token for a bad user succeeded")
	}
	if err := run(context.Background(), []string{"frobnicate"}, env(vars), &out, &errb); err == nil {
		t.Fatal("unknown command succeeded")
	}
	if _, err := os.Stat(vars["FLUX_DATA_DIR"] + "/flux.db"); err != nil {
		t.Fatalf("no database file: %v", err)
	}
}

// TestAccessLog: a request's line is written within the access log's
// batching interval, and the last lines are not lost when fluxd stops.
func TestAccessLog(t *testing.T) {
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir()}
	f := start(t, vars)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", f.logs)
		}
	})
	get := func(path, token, id string) {
		t.Helper()
		req, _ := http.NewRequest("GET", f.url+path, nil)
		req.Header.Set("X-Request-ID", id)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	line := func(id string) string {
		for l := range strings.SplitSeq(f.logs.String(), "\n") {
			if strings.Contains(l, "request_id="+id+" ") {
				return l
			}
		}
		return ""
	}
	get("/health", "", "access-1")
	deadline := time.Now().Add(5 * time.Second)
	for line("access-1") == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no access line after 5 s:\n%s", f.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if l := line("access-1"); !strings.Contains(l, `msg="http request"`) || !strings.Contains(l, "path=/health status=200") {
		t.Fatalf("access line: %s", l)
	}
	alice := mintToken(t, vars, "alice@example.com")
	get("/api/v1/account/me", alice, "access-2")
	f.stop()
	if l := line("access-2"); !strings.Contains(l, "status=200") || !strings.Contains(l, "user_id=") {
		t.Fatalf("the last request's line after stopping: %q", l)
	}

	// With a long interval, lines wait for the stop; with 0, none waits.
	vars["LOG_ACCESS_FLUSH"] = "10s"
	f = start(t, vars)
	get("/health", "", "access-3")
	time.Sleep(50 * time.Millisecond)
	if l := line("access-3"); l != "" {
		t.Fatalf("written before the interval: %s", l)
	}
	f.stop()
	if line("access-3") == "" {
		t.Fatal("a waiting line was lost when fluxd stopped")
	}
	vars["LOG_ACCESS_FLUSH"] = "0"
	f = start(t, vars)
	get("/health", "", "access-4")
	if line("access-4") == "" {
		t.Fatal("LOG_ACCESS_FLUSH=0: the line waits")
	}
	vars["LOG_ACCESS_FLUSH"] = "1h"
	if _, err := loadConfig(newFlagSet(), nil, env(vars)); err == nil || !strings.Contains(err.Error(), "LOG_ACCESS_FLUSH") {
		t.Fatalf("LOG_ACCESS_FLUSH=1h: %v", err)
	}
}
