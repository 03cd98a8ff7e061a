package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/fluxtest/openaifake"
	"github.com/fluxlife/flux/voice"
)

// TestNoRateLimitWithoutLLM is the original's planner conversation and
// voice flow, as a new user runs them against fluxd with no LLM key and the
// default limits: dozens of planner calls, 20 parallel goal creations and a
// voice session with many intents, and not one 429 (the shared bucket used
// to answer 429 at the 11th planner call).
func TestNoRateLimitWithoutLLM(t *testing.T) {
	t.Parallel()
	dg := fluxtest.NewDeepgram(t)
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir(), "DEEPGRAM_API_KEY": dg.APIKey(), "DEEPGRAM_BASE_URL": dg.URL()}
	f := start(t, vars)
	if !strings.Contains(f.logs.String(), "on each of deepgram") {
		t.Errorf("rate limit capability line:\n%s", f.logs)
	}
	alice := mintToken(t, vars, "alice@example.com")
	calls := 0
	for i := range 5 {
		code, c := f.call(t, "POST", "/goals/start", alice, fmt.Sprintf(`{"message": "Run a 10k in %d weeks"}`, 8+i))
		calls++
		cid, _ := c["conversation_id"].(string)
		if code != 200 || cid == "" {
			t.Fatalf("planner call %d: start = %d %v", calls, code, c)
		}
		for _, msg := range []string{"I jog twice a week", "10k under an hour", "mornings", "yes"} {
			body, _ := json.Marshal(map[string]string{"message": msg})
			code, c = f.call(t, "POST", "/goals/"+cid+"/respond", alice, string(body))
			calls++
			if code != 200 {
				t.Fatalf("planner call %d: respond %q = %d %v", calls, msg, code, c)
			}
		}
		if c["state"] != "CONFIRMED" {
			t.Fatalf("conversation %d ends in %v", i, c["state"])
		}
	}
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Go(func() {
			codes[i], _ = f.callQuietBody("POST", "/api/v1/goals", alice, fmt.Sprintf(`{"title": "Read book %d"}`, i))
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != 201 {
			t.Errorf("parallel goal creation %d = %d", i, c)
		}
	}

	var info voice.SessionInfo
	if code := voiceCall(t, f, "POST", "/api/v1/voice/session", alice, nil, &info); code != 200 {
		t.Fatalf("voice session = %d", code)
	}
	for i := range 15 {
		var res voice.IntentResult
		in := voice.IntentInput{SessionID: info.SessionID, FunctionCallID: "fc-" + strconv.Itoa(i), FunctionName: "submit_new_task_intent",
			Input: map[string]any{"title": "Call " + strconv.Itoa(i), "trigger_type": "time", "scheduled_at": "tomorrow at 7pm"}}
		if i%3 == 0 {
			in.FunctionName, in.Input = "submit_goal_intent", map[string]any{"goal_statement": "Learn chess " + strconv.Itoa(i), "timeline": "2 months"}
		}
		if code := voiceCall(t, f, "POST", "/api/v1/voice/intents", alice, in, &res); code != 200 {
			t.Fatalf("intent %d = %d %+v", i, code, res)
		}
	}
	if code := voiceCall(t, f, "DELETE", "/api/v1/voice/session/"+info.SessionID, alice, nil, nil); code != 200 {
		t.Errorf("close = %d", code)
	}
}

// TestRateLimitWithLLM: with an LLM key the planner routes share the
// LLM's per-user bucket (FLUX_RATE_BURST, FLUX_RATE_PER_MINUTE), past it
// 429 with Retry-After; other providers' routes keep their own buckets; 0
// turns the limits off.
func TestRateLimitWithLLM(t *testing.T) {
	t.Parallel()
	fake := openaifake.NewLLM(t)
	dg := fluxtest.NewDeepgram(t)
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir(), "OPEN_ROUTER_API_KEY": fake.APIKey(), "OPENROUTER_BASE_URL": fake.URL(),
		"DEEPGRAM_API_KEY": dg.APIKey(), "DEEPGRAM_BASE_URL": dg.URL(), "FLUX_RATE_PER_MINUTE": "1", "FLUX_RATE_BURST": "2"}
	f := start(t, vars)
	if !strings.Contains(f.logs.String(), "1 a minute, burst 2, per user on each of llm, deepgram") {
		t.Errorf("rate limit capability line:\n%s", f.logs)
	}
	alice := mintToken(t, vars, "alice@example.com")
	bob := mintToken(t, vars, "bob@example.com")
	for i := range 2 {
		if code, c := f.call(t, "POST", "/goals/start", alice, `{"message": "Run a 10k"}`); code != 200 {
			t.Fatalf("LLM call %d = %d %v", i+1, code, c)
		}
	}
	code, hdr := f.callHeader(t, "POST", "/api/v1/chat/message", alice, `{"message": "hello"}`)
	if ra, err := strconv.Atoi(hdr.Get("Retry-After")); code != 429 || err != nil || ra < 1 || ra > 60 {
		t.Fatalf("third LLM call = %d, Retry-After %q", code, hdr.Get("Retry-After"))
	}
	if code, _ := f.call(t, "POST", "/goals/start", bob, `{"message": "Run a 10k"}`); code != 200 {
		t.Errorf("another user = %d", code)
	}
	if code := voiceCall(t, f, "POST", "/api/v1/voice/session", alice, nil, nil); code != 200 {
		t.Errorf("Deepgram's bucket is not the LLM's: voice session = %d", code)
	}
	if code, _ := f.call(t, "GET", "/api/v1/goals", alice, ""); code != 200 {
		t.Errorf("a free route = %d", code)
	}
	f.stop()

	vars["FLUX_RATE_BURST"] = "0"
	f = start(t, vars)
	if !strings.Contains(f.logs.String(), "name=\"rate limits\" provider=\"off") {
		t.Errorf("rate limits off line:\n%s", f.logs)
	}
	for i := range 12 {
		if code, _ := f.call(t, "POST", "/goals/start", alice, `{"message": "Run a 10k"}`); code != 200 {
			t.Fatalf("limits off: call %d = %d", i+1, code)
		}
	}
}

func TestRateLimitConfig(t *testing.T) {
	t.Parallel()
	for _, bad := range []map[string]string{{"FLUX_RATE_PER_MINUTE": "fast"}, {"FLUX_RATE_BURST": "-1"}, {"FLUX_RATE_BURST": "2.5"}, {"FLUX_RATE_PER_MINUTE": "-3"}} {
		if _, err := loadConfig(newFlagSet(), nil, env(bad)); err == nil || !strings.Contains(err.Error(), "FLUX_RATE_") {
			t.Errorf("%v: %v", bad, err)
		}
	}
	cfg, err := loadConfig(newFlagSet(), nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if pm, b, err := cfg.rateLimit(); pm != 30 || b != 10 || err != nil {
		t.Errorf("defaults = %v %v %v", pm, b, err)
	}
	cfg, _ = loadConfig(newFlagSet(), nil, env(map[string]string{"FLUX_RATE_PER_MINUTE": "0"}))
	if pm, b, _ := cfg.rateLimit(); pm >= 0 || b >= 0 {
		t.Errorf("0 = %v %v, want the limits off", pm, b)
	}
}

// callQuietBody makes a request with a token and a body from any goroutine,
// reporting failure instead of failing the test.
func (f *fluxd) callQuietBody(method, path, token, body string) (int, error) {
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// callHeader makes a request and returns its status and headers.
func (f *fluxd) callHeader(t *testing.T, method, path, token, body string) (int, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}
