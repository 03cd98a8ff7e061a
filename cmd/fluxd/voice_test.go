package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/voice"
)

// voiceCall calls f and decodes the answer into v.
func voiceCall(t *testing.T, f *fluxd, method, path, token string, body, v any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, f.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s = %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

func TestVoiceDesc(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "off (set DEEPGRAM_API_KEY)"},
		{map[string]string{"DEEPGRAM_API_KEY": "dg-secret"},
			"deepgram (agent models listen nova-3, think gpt-4o-mini, speak aura-2-thalia-en) via api.deepgram.com"},
		{map[string]string{"DEEPGRAM_API_KEY": "dg-secret", "DEEPGRAM_LISTEN_MODEL": "nova-2", "DEEPGRAM_BASE_URL": "https://u:p@dg.test/x?k=1"},
			"deepgram (agent models listen nova-2, think gpt-4o-mini, speak aura-2-thalia-en) via dg.test/x"},
	} {
		vc, err := voiceConfigFromEnv(env(tc.env))
		if err != nil {
			t.Fatal(err)
		}
		if got := voiceDesc(vc); got != tc.want {
			t.Errorf("voiceDesc(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

// TestVoiceThroughFluxd is a voice session against fluxd with
// DEEPGRAM_API_KEY and DEEPGRAM_BASE_URL pointed at the fake Deepgram: a
// grant, a transcript, a goal and a task by voice, and the session closed;
// then fluxd without a key answers 503 with how to configure it.
func TestVoiceThroughFluxd(t *testing.T) {
	t.Parallel()
	dg := fluxtest.NewDeepgram(t)
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir(), "DEEPGRAM_API_KEY": dg.APIKey(), "DEEPGRAM_BASE_URL": dg.URL(),
		"DEEPGRAM_TOKEN_TTL": "600"}
	f := start(t, vars)
	logs := f.logs.String()
	if !strings.Contains(logs, "name=voice") || !strings.Contains(logs, "deepgram (agent models listen nova-3") || strings.Contains(logs, dg.APIKey()) {
		t.Errorf("voice capability line:\n%s", logs)
	}
	alice := mintToken(t, vars, "alice@example.com")

	var info voice.SessionInfo
	if code := voiceCall(t, f, "POST", "/api/v1/voice/session", alice, map[string]any{"user_id": "ignored"}, &info); code != 200 {
		t.Fatalf("create session = %d", code)
	}
	if !dg.Valid(info.DeepgramToken) || len(info.Config.Functions) != 3 {
		t.Fatalf("session = %+v", info)
	}
	if reqs := dg.Requests(); len(reqs) != 1 || reqs[0].TTLSeconds == nil || *reqs[0].TTLSeconds != 600 {
		t.Errorf("grant requests %+v", reqs)
	}
	settings, _ := json.Marshal(info.Settings)
	if err := fluxtest.CheckAgentSettings(settings); err != nil {
		t.Errorf("settings: %v", err)
	}
	var saved voice.SavedMessage
	if code := voiceCall(t, f, "POST", "/api/v1/voice/messages", alice,
		voice.MessageInput{SessionID: info.SessionID, Role: "user", Content: "I want to learn Spanish"}, &saved); code != 200 || saved.Status != "saved" {
		t.Fatalf("save = %d %+v", code, saved)
	}

	// A task first, then a goal whose plan is placed around it.
	before := time.Now().UTC()
	var res voice.IntentResult
	code := voiceCall(t, f, "POST", "/api/v1/voice/intents", alice, voice.IntentInput{SessionID: info.SessionID, FunctionCallID: "fc-2",
		FunctionName: "submit_new_task_intent", Input: map[string]any{"title": "Call mum", "trigger_type": "time", "scheduled_at": "tomorrow at 7pm"}}, &res)
	after := time.Now().UTC()
	if code != 200 || !strings.HasPrefix(res.Result, "Task created: Call mum") {
		t.Fatalf("task intent = %d %+v", code, res)
	}
	var tasks struct {
		Tasks []struct {
			Title       string     `json:"title"`
			Status      string     `json:"status"`
			ScheduledAt *time.Time `json:"scheduled_at"`
		} `json:"tasks"`
	}
	voiceCall(t, f, "GET", "/api/v1/tasks", alice, nil, &tasks)
	tomorrow7 := func(now time.Time) time.Time {
		return time.Date(now.Year(), now.Month(), now.Day()+1, 19, 0, 0, 0, time.UTC)
	}
	found := false
	for _, x := range tasks.Tasks {
		if x.Title == "Call mum" {
			found = x.Status == "scheduled" && x.ScheduledAt != nil &&
				(x.ScheduledAt.Equal(tomorrow7(before)) || x.ScheduledAt.Equal(tomorrow7(after)))
			if !found {
				t.Errorf("task = %+v", x)
			}
		}
	}
	if !found {
		t.Errorf("no scheduled task in %+v", tasks)
	}

	code = voiceCall(t, f, "POST", "/api/v1/voice/intents", alice, voice.IntentInput{SessionID: info.SessionID, FunctionCallID: "fc-1",
		FunctionName: "submit_goal_intent", Input: map[string]any{"goal_statement": "Learn Spanish", "timeline": "3 months"}}, &res)
	if code != 200 || res.Result != "Goal created: Learn Spanish with a target of 3 months." {
		t.Fatalf("goal intent = %d %+v", code, res)
	}
	var goals []struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		PlanVersion int    `json:"plan_version"`
	}
	if code := voiceCall(t, f, "GET", "/api/v1/goals", alice, nil, &goals); code != 200 || len(goals) != 1 || goals[0].PlanVersion != 1 {
		t.Fatalf("goals = %d %+v", code, goals)
	}
	var g struct {
		Milestones []any `json:"milestones"`
	}
	if code := voiceCall(t, f, "GET", "/api/v1/goals/"+goals[0].ID, alice, nil, &g); code != 200 || len(g.Milestones) == 0 {
		t.Errorf("the voice goal has no plan: %d %+v", code, g)
	}

	var closed voice.Closed
	if code := voiceCall(t, f, "DELETE", "/api/v1/voice/session/"+info.SessionID, alice, nil, &closed); code != 200 || closed.Status != "closed" || closed.MessageCount != 1 {
		t.Errorf("close = %d %+v", code, closed)
	}
	f.stop()

	// The same data, no key: voice is off, and says how to turn it on.
	f = start(t, map[string]string{"FLUX_DATA_DIR": vars["FLUX_DATA_DIR"]})
	if !strings.Contains(f.logs.String(), "off (set DEEPGRAM_API_KEY)") {
		t.Errorf("voice off line missing:\n%s", f.logs)
	}
	var e struct {
		Detail string `json:"detail"`
	}
	if code := voiceCall(t, f, "POST", "/api/v1/voice/session", alice, nil, &e); code != 503 || !strings.Contains(e.Detail, "DEEPGRAM_API_KEY") {
		t.Errorf("create without a key = %d %q", code, e.Detail)
	}
	var tr voice.Transcript
	if code := voiceCall(t, f, "GET", "/api/v1/voice/sessions/"+info.SessionID+"/messages", alice, nil, &tr); code != 200 || len(tr.Messages) != 1 {
		t.Errorf("the transcript after a restart = %d %+v", code, tr)
	}
}

func TestVoiceConfigRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, value, want string }{
		{"DEEPGRAM_TOKEN_TTL", "7200", "DEEPGRAM_TOKEN_TTL"},
		{"VOICE_INTENTS_FILE", "/nonexistent/intents.yaml", "intents.yaml"},
	} {
		cfg, err := loadConfig(newFlagSet(), nil, env(map[string]string{"FLUX_DATA_DIR": t.TempDir(), tc.name: tc.value}))
		if err != nil {
			t.Fatal(err)
		}
		if err := serve(context.Background(), cfg, io.Discard, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve with %s=%s: %v", tc.name, tc.value, err)
		}
	}
}
