package fluxtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func postGrant(t *testing.T, d *Deepgram, auth, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, d.URL()+"/v1/auth/grant", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestDeepgramGrant(t *testing.T) {
	t.Parallel()
	d := NewDeepgram(t)
	clock := NewClock(time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC))
	d.SetClock(clock.Now)
	key := "Token " + d.APIKey()
	tests := []struct {
		name        string
		auth, ctype string
		body        string
		status      int
		expiresIn   float64
		errCode     string
	}{
		{name: "default ttl", auth: key, status: 200, expiresIn: 30},
		{name: "ttl", auth: key, ctype: "application/json", body: `{"ttl_seconds": 600}`, status: 200, expiresIn: 600},
		{name: "max ttl", auth: key, ctype: "application/json", body: `{"ttl_seconds": 3600}`, status: 200, expiresIn: 3600},
		{name: "ttl too long", auth: key, ctype: "application/json", body: `{"ttl_seconds": 3601}`, status: 400, errCode: "Bad Request"},
		{name: "ttl zero", auth: key, ctype: "application/json", body: `{"ttl_seconds": 0}`, status: 400, errCode: "Bad Request"},
		{name: "old field name", auth: key, ctype: "application/json", body: `{"time_to_live_in_seconds": 60}`, status: 400, errCode: "Bad Request"},
		{name: "not json", auth: key, ctype: "application/json", body: `ttl=5`, status: 400, errCode: "Bad Request"},
		{name: "no auth", status: 401, errCode: "INVALID_AUTH"},
		{name: "bearer scheme", auth: "Bearer " + d.APIKey(), status: 401, errCode: "INVALID_AUTH"},
		{name: "wrong key", auth: "Token nope", status: 401, errCode: "INVALID_AUTH"},
	}
	for _, tc := range tests {
		status, out := postGrant(t, d, tc.auth, tc.ctype, tc.body)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d (%v)", tc.name, status, tc.status, out)
			continue
		}
		if tc.status == 200 {
			tok, _ := out["access_token"].(string)
			if strings.Count(tok, ".") != 2 {
				t.Errorf("%s: access_token %q is not JWT-shaped", tc.name, tok)
			}
			if out["expires_in"] != tc.expiresIn {
				t.Errorf("%s: expires_in %v, want %v", tc.name, out["expires_in"], tc.expiresIn)
			}
			if !d.Valid(tok) {
				t.Errorf("%s: a token just issued is not valid", tc.name)
			}
		} else if out["err_code"] != tc.errCode {
			t.Errorf("%s: err_code %v, want %v", tc.name, out["err_code"], tc.errCode)
		}
	}
	if got := len(d.Requests()); got != len(tests) {
		t.Errorf("recorded %d requests, want %d", got, len(tests))
	}
	if d.Issued() != 3 {
		t.Errorf("issued %d tokens, want 3", d.Issued())
	}
}

func TestDeepgramTokenExpiry(t *testing.T) {
	t.Parallel()
	d := NewDeepgram(t)
	clock := NewClock(time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC))
	d.SetClock(clock.Now)
	_, out := postGrant(t, d, "Token "+d.APIKey(), "application/json", `{"ttl_seconds": 60}`)
	tok := out["access_token"].(string)
	clock.Advance(59 * time.Second)
	if !d.Valid(tok) {
		t.Fatal("token invalid before its expiry")
	}
	clock.Advance(time.Second)
	if d.Valid(tok) {
		t.Fatal("token still valid at its expiry")
	}
	if d.Valid("not-issued") {
		t.Fatal("a token never issued is valid")
	}
}

func TestDeepgramScriptedReplies(t *testing.T) {
	t.Parallel()
	d := NewDeepgram(t)
	d.SetAPIKey("other-key")
	d.Reply(DeepgramReply{Status: 503}, DeepgramReply{Status: 403, Body: `{"err_code":"FORBIDDEN","err_msg":"no"}`})
	status, out := postGrant(t, d, "Token other-key", "", "")
	if status != 503 || out["err_code"] != "SCRIPTED" {
		t.Fatalf("first reply: %d %v", status, out)
	}
	status, out = postGrant(t, d, "Token other-key", "", "")
	if status != 403 || out["err_code"] != "FORBIDDEN" {
		t.Fatalf("second reply: %d %v", status, out)
	}
	status, _ = postGrant(t, d, "Token other-key", "", "")
	if status != 200 {
		t.Fatalf("after the script: %d", status)
	}
}

func TestDeepgramHang(t *testing.T) {
	t.Parallel()
	d := NewDeepgram(t)
	d.Reply(DeepgramReply{Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, d.URL()+"/v1/auth/grant", nil)
	req.Header.Set("Authorization", "Token "+d.APIKey())
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("a hanging reply answered")
	}
}

func TestDeepgramUnknownRoute(t *testing.T) {
	t.Parallel()
	d := NewDeepgram(t)
	resp, err := http.Get(d.URL() + "/v1/projects")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("status %d, want 404", resp.StatusCode)
	}
	status, _ := func() (int, error) {
		resp, err := http.Get(d.URL() + "/v1/auth/grant")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}()
	if status != http.StatusMethodNotAllowed {
		t.Fatalf("GET grant: status %d, want 405", status)
	}
}

func TestCheckAgentSettings(t *testing.T) {
	t.Parallel()
	good := `{"type":"Settings","audio":{"input":{"encoding":"linear16","sample_rate":16000},
		"output":{"encoding":"linear16","sample_rate":16000,"container":"none"}},
		"agent":{"language":"en","listen":{"provider":{"type":"deepgram","model":"nova-3"}},
		"think":{"provider":{"type":"open_ai","model":"gpt-4o-mini"},"prompt":"You are Flux.",
		"functions":[{"name":"f","description":"d","parameters":{"type":"object","properties":{}},"defer_until_eot":true}]},
		"speak":{"provider":{"type":"deepgram","model":"aura-2-thalia-en"}},"greeting":"Hi"}}`
	if err := CheckAgentSettings([]byte(good)); err != nil {
		t.Fatalf("good settings: %v", err)
	}
	bad := []struct{ name, from, to, want string }{
		{"type", `"type":"Settings"`, `"type":"SettingsConfiguration"`, "settings.type"},
		{"unknown key", `"language":"en"`, `"language":"en","instructions":"x"`, `unknown key "instructions"`},
		{"no model", `"model":"nova-3"`, `"model":""`, "agent.listen.provider.model"},
		{"no prompt", `"prompt":"You are Flux."`, `"prompt":""`, "agent.think.prompt"},
		{"sample rate", `"sample_rate":16000},`, `"sample_rate":0},`, "audio.input.sample_rate"},
		{"params", `"parameters":{"type":"object","properties":{}}`, `"parameters":{"type":"string"}`, "parameters.type"},
	}
	for _, tc := range bad {
		err := CheckAgentSettings([]byte(strings.Replace(good, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	if err := CheckAgentSettings([]byte(`[]`)); err == nil {
		t.Error("a JSON array passed")
	}
}
