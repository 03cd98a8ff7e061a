package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/voice"
	"github.com/fluxlife/flux/voice/deepgram"
)

// TestFrontendContract replays every call the original frontend makes
// (original-api.md §9: its Supabase sign-in, then calls 1 to 17) against
// the real handler, as the frontend makes them, and checks every field it
// reads. A call whose route this server does not serve yet is skipped by
// name, so the test starts checking it the day the route arrives.
func TestFrontendContract(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		c := &contract{t: t}
		c.setUp(kind)
		c.run()
	})
}

type contract struct {
	t     *testing.T
	srv   *Server
	store flux.Store
	clock *fluxtest.Clock
	token string // the access token
	user  string // the user's id
}

const (
	contractEmail = "ada@example.com"
	contractZone  = "America/New_York"
)

func (c *contract) setUp(kind storeKind) {
	t := c.t
	clock := fluxtest.NewClock(voiceNow) // Monday 09:00 in New York
	m := newMachinery(t, kind, machineryOptions{clock: clock})
	st := m.store
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := auth.New(context.Background(), auth.Config{Store: st, Clock: clock, Logger: discard, Password: cheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	dg := fluxtest.NewDeepgram(t)
	dg.SetClock(clock.Now)
	sched := m.sched
	goals := planner.NewService(st, nil, &planner.ServiceOptions{Clock: clock, Logger: discard, Placer: sched})
	minter, err := deepgram.NewMinter(dg.APIKey(), &deepgram.Options{BaseURL: dg.URL(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := voice.New(st, voice.Config{}, &voice.Options{Clock: clock, Logger: discard, Minter: minter,
		Planner: goals, Scheduler: sched})
	if err != nil {
		t.Fatal(err)
	}
	// The timeline's user is named by e-mail, before they sign up.
	c.srv = New(Config{Store: st, Auth: a, Clock: clock, Logger: discard, Scheduler: sched, Goals: goals, Voice: vs,
		DemoUser: contractEmail, ExpensivePerMinute: 60000, ExpensiveBurst: 10000, Notify: m.n})
	c.store, c.clock = st, clock
}

// call makes a request as the frontend does: JSON bodies, the bearer token
// when given, and supabase-js's headers on /auth/v1.
func (c *contract) call(method, path, token string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Origin", "http://localhost:3000")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(path) > 8 && path[:8] == "/auth/v1" {
		req.Header.Set("apikey", "any-anon-key")
		req.Header.Set("X-Client-Info", "supabase-ssr/0.6.1 createServerClient")
		req.Header.Set("X-Supabase-Api-Version", "2024-01-01")
		if token == "" {
			req.Header.Set("Authorization", "Bearer any-anon-key")
		}
	}
	rec := httptest.NewRecorder()
	c.srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// served reports whether the server has a route for the call.
func (c *contract) served(method, path string) bool {
	_, pattern := c.srv.mux.Handler(httptest.NewRequest(method, path, nil))
	return pattern != ""
}

// obj decodes a JSON object.
func (c *contract) obj(what string, code int, b []byte, want int) map[string]any {
	c.t.Helper()
	if code != want {
		c.t.Fatalf("%s = %d %s; want %d", what, code, b, want)
	}
	return jsonOf(c.t, b)
}

// has checks that m[key] is present with the JSON type kind ("string",
// "number", "bool", "object", "array", "null", "string|null", ...).
func (c *contract) has(what string, m map[string]any, key, kind string) any {
	c.t.Helper()
	v, ok := m[key]
	if !ok {
		c.t.Errorf("%s: no field %q in %v", what, key, m)
		return nil
	}
	if !jsonKindIs(v, kind) {
		c.t.Errorf("%s: %q is %#v, want %s", what, key, v, kind)
	}
	return v
}

func jsonKindIs(v any, kinds string) bool {
	for _, k := range bytes.Split([]byte(kinds), []byte("|")) {
		switch string(k) {
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "bool":
			if _, ok := v.(bool); ok {
				return true
			}
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "null":
			if v == nil {
				return true
			}
		}
	}
	return false
}

// optional runs a call of a route that may not be served yet.
func (c *contract) optional(name, method, path string, fn func(t *testing.T)) {
	parent := c.t
	parent.Run(name, func(t *testing.T) {
		c.t = t // the helpers report to the subtest (which is not parallel)
		defer func() { c.t = parent }()
		if !c.served(method, path) {
			t.Skipf("%s %s is not served by this server yet", method, path)
		}
		fn(t)
	})
}

func (c *contract) run() {
	t := c.t
	ctx := context.Background()

	// §9.1 Sign-up, sign-in and getUser through the Supabase Auth subset,
	// as @supabase/ssr calls it; extractUser reads id, email,
	// user_metadata.name|full_name|avatar_url.
	code, b := c.call("POST", "/auth/v1/signup", "", map[string]any{"email": contractEmail, "password": "correct horse",
		"data": map[string]any{"name": "Ada Lovelace"}, "gotrue_meta_security": map[string]any{}, "code_challenge": "x", "code_challenge_method": "s256"})
	s := c.obj("signUp", code, b, 200)
	for _, k := range []string{"access_token", "refresh_token", "token_type"} {
		c.has("signUp session", s, k, "string")
	}
	c.has("signUp session", s, "expires_in", "number")
	c.has("signUp session", s, "expires_at", "number")
	u, _ := c.has("signUp", s, "user", "object").(map[string]any)
	c.has("signUp user", u, "id", "string")
	c.has("signUp user", u, "email", "string")
	c.has("signUp user", u, "created_at", "string")
	meta, _ := c.has("signUp user", u, "user_metadata", "object").(map[string]any)
	if meta["name"] != "Ada Lovelace" {
		t.Errorf("user_metadata.name = %v", meta["name"])
	}
	code, b = c.call("POST", "/auth/v1/token?grant_type=password", "", map[string]any{"email": contractEmail, "password": "correct horse"})
	s = c.obj("signInWithPassword", code, b, 200)
	c.token, _ = s["access_token"].(string)
	code, b = c.call("GET", "/auth/v1/user", c.token, nil)
	gu := c.obj("getUser", code, b, 200)
	c.user, _ = gu["id"].(string)
	if gu["email"] != contractEmail || c.user == "" {
		t.Fatalf("getUser = %v", gu)
	}
	code, b = c.call("POST", "/auth/v1/token?grant_type=password", "", map[string]any{"email": contractEmail, "password": "wrong"})
	if e := c.obj("signInWithPassword with a wrong password", code, b, 400); e["message"] != "Invalid login credentials" {
		t.Errorf("the login card's error = %v", e)
	}

	// 8. AuthContext: GET /api/v1/account/me reads onboarded and name;
	// /reflection reads id and email; 401 means signed out.
	code, b = c.call("GET", "/api/v1/account/me", c.token, nil)
	me := c.obj("8. GET /api/v1/account/me", code, b, 200)
	c.has("8. me", me, "onboarded", "bool")
	c.has("8. me", me, "name", "string")
	c.has("8. me", me, "timezone", "string|null")
	if me["id"] != c.user || me["email"] != contractEmail || me["name"] != "Ada Lovelace" {
		t.Errorf("8. me = %v", me)
	}
	if code, _ := c.call("GET", "/api/v1/account/me", "not-a-token", nil); code != 401 {
		t.Errorf("8. me with a bad token = %d, want 401", code)
	}

	// 17. AccountService.patchMe {timezone?, notification_preferences?}.
	code, b = c.call("PATCH", "/api/v1/account/me", c.token, map[string]any{"timezone": contractZone, "notification_preferences": map[string]any{"reminder_lead_minutes": 15}})
	p := c.obj("17. PATCH /api/v1/account/me", code, b, 200)
	if p["timezone"] != contractZone {
		t.Errorf("17. PATCH me = %v", p)
	}

	// 1-3. The timeline and reschedule dialog, without a token: the demo
	// user, who is the user who just signed up.
	ny := flux.Location(contractZone)
	mk := func(title string, h, m int, status flux.TaskStatus) *flux.Task {
		at := time.Date(2026, 11, 2, h, m, 0, 0, ny)
		x := &flux.Task{UserID: c.user, Title: title, Status: status, Priority: flux.PriorityStandard, DurationMinutes: 45,
			TriggerType: flux.TriggerTime, ScheduledAt: &at}
		if err := c.store.Tasks().CreateTask(ctx, x); err != nil {
			t.Fatal(err)
		}
		return x
	}
	drifted := mk("Morning run", 7, 30, flux.TaskDrifted)
	later := mk("Read a chapter", 20, 0, flux.TaskScheduled)
	code, b = c.call("GET", "/scheduler/tasks", "", nil)
	tl := c.obj("1. GET /scheduler/tasks", code, b, 200)
	items, _ := c.has("1. timeline", tl, "tasks", "array").([]any)
	if len(items) != 2 {
		t.Fatalf("1. timeline = %s", b)
	}
	var sawDrifted bool
	for _, it := range items {
		m, _ := it.(map[string]any)
		for _, k := range []string{"id", "title", "start_time", "end_time", "state"} {
			c.has("1. timeline task", m, k, "string")
		}
		if _, err := time.Parse(time.RFC3339, m["start_time"].(string)); err != nil {
			t.Errorf("1. start_time %v: %v", m["start_time"], err)
		}
		sawDrifted = sawDrifted || (m["id"] == drifted.ID && m["state"] == "drifted")
	}
	if !sawDrifted {
		t.Errorf("1. the drifted task is not marked drifted: %s", b)
	}

	code, b = c.call("POST", "/scheduler/suggest", "", map[string]any{"event_id": drifted.ID})
	sg := c.obj("2. POST /scheduler/suggest", code, b, 200)
	if sg["event_id"] != drifted.ID || sg["task_title"] != "Morning run" {
		t.Errorf("2. suggest = %v", sg)
	}
	c.has("2. suggest", sg, "skip_option", "object|string|bool")
	c.has("2. suggest", sg, "ai_message", "string")
	sugs, _ := c.has("2. suggest", sg, "suggestions", "array").([]any)
	if len(sugs) == 0 {
		t.Fatalf("2. no suggestions: %s", b)
	}
	first, _ := sugs[0].(map[string]any)
	for _, k := range []string{"new_start", "new_end", "label", "rationale"} {
		c.has("2. suggestion", first, k, "string")
	}
	code, b = c.call("POST", "/scheduler/suggest", "", map[string]any{"event_id": flux.NewID()})
	c.has("2. suggest of an unknown task", jsonOf(t, b), "detail", "string")
	if code < 400 || code >= 500 {
		t.Errorf("2. suggest of an unknown task = %d", code)
	}

	code, b = c.call("POST", "/scheduler/apply", "", map[string]any{"event_id": drifted.ID, "action": "reschedule",
		"new_start": first["new_start"], "new_end": first["new_end"]})
	if code != 200 {
		t.Errorf("3. apply reschedule = %d %s", code, b)
	}
	if code, b = c.call("POST", "/scheduler/apply", "", map[string]any{"event_id": later.ID, "action": "skip"}); code != 200 {
		t.Errorf("3. apply skip = %d %s", code, b)
	}
	code, b = c.call("POST", "/scheduler/apply", "", map[string]any{"event_id": flux.NewID(), "action": "skip"})
	c.has("3. apply of an unknown task", jsonOf(t, b), "detail", "string")
	if code < 400 || code >= 500 {
		t.Errorf("3. apply of an unknown task = %d", code)
	}

	// 4-7. The voice agent, with the bearer token.
	code, b = c.call("POST", "/api/v1/voice/session", c.token, map[string]any{"user_id": c.user})
	vs := c.obj("4. POST /api/v1/voice/session", code, b, 200)
	session, _ := c.has("4. voice session", vs, "session_id", "string").(string)
	c.has("4. voice session", vs, "deepgram_token", "string")
	cfg, _ := c.has("4. voice session", vs, "config", "object").(map[string]any)
	for _, k := range []string{"system_prompt", "voice_model", "listen_model", "llm_model", "greeting"} {
		c.has("4. voice config", cfg, k, "string")
	}
	c.has("4. voice config", cfg, "functions", "array")
	if code, b = c.call("POST", "/api/v1/voice/messages", c.token, map[string]any{"session_id": session, "role": "user", "content": "Remind me to call mum"}); code/100 != 2 {
		t.Errorf("5. voice message = %d %s", code, b)
	}
	code, b = c.call("POST", "/api/v1/voice/intents", c.token, map[string]any{"session_id": session, "function_call_id": "call-1",
		"function_name": "submit_new_task_intent", "input": map[string]any{"title": "Call mum", "trigger_type": "time", "scheduled_at": "tomorrow at 7pm"}})
	c.has("6. voice intent", c.obj("6. POST /api/v1/voice/intents", code, b, 200), "result", "string")
	if code, b = c.call("DELETE", "/api/v1/voice/session/"+session, c.token, nil); code/100 != 2 {
		t.Errorf("7. close voice session = %d %s", code, b)
	}

	// 9-11. Chat.
	c.optional("9 chat history", "GET", "/api/v1/chat/history?limit=50", func(t *testing.T) {
		code, b := c.call("GET", "/api/v1/chat/history?limit=50", c.token, nil)
		h := c.obj("9. chat history", code, b, 200)
		c.has("9. chat history", h, "conversation_id", "string|null")
		msgs, _ := c.has("9. chat history", h, "messages", "array").([]any)
		for _, m := range msgs {
			mm, _ := m.(map[string]any)
			c.has("9. message", mm, "role", "string")
			c.has("9. message", mm, "content", "string")
		}
	})
	var conversation any
	c.optional("11 chat message", "POST", "/api/v1/chat/message", func(t *testing.T) {
		code, b := c.call("POST", "/api/v1/chat/message", c.token, map[string]any{"message": "I want to run a 10k", "conversation_id": nil})
		m := c.obj("11. chat message", code, b, 200)
		conversation = c.has("11. chat message", m, "conversation_id", "string")
		c.has("11. chat message", m, "message", "string")
		c.has("11. chat message", m, "requires_user_action", "bool")
		plan := c.has("11. chat message", m, "proposed_plan", "null|array")
		if ms, ok := plan.([]any); ok {
			for _, x := range ms {
				pm, _ := x.(map[string]any)
				c.has("11. proposed_plan item", pm, "week", "number")
				c.has("11. proposed_plan item", pm, "milestone", "string")
				c.has("11. proposed_plan item", pm, "tasks", "array")
			}
		}
	})
	c.optional("10 chat conversations", "GET", "/api/v1/chat/conversations?limit=20", func(t *testing.T) {
		code, b := c.call("GET", "/api/v1/chat/conversations?limit=20", c.token, nil)
		cs, _ := c.has("10. conversations", c.obj("10. conversations", code, b, 200), "conversations", "array").([]any)
		for _, x := range cs {
			cm, _ := x.(map[string]any)
			c.has("10. conversation", cm, "id", "string")
			c.has("10. conversation", cm, "created_at", "string")
			c.has("10. conversation", cm, "last_message_at", "string|null")
			c.has("10. conversation", cm, "preview", "string|null")
		}
		if conversation != nil && len(cs) == 0 {
			t.Errorf("10. no conversation after a chat message")
		}
	})

	// 12-14. Reflection.
	c.optional("12 analytics overview", "GET", "/api/v1/analytics/overview", func(t *testing.T) {
		code, b := c.call("GET", "/api/v1/analytics/overview", c.token, nil)
		o := c.obj("12. overview", code, b, 200)
		c.has("12. overview", o, "tasks_completed", "number")
		c.has("12. overview", o, "focus_hours", "number")
		c.has("12. overview", o, "streak_days", "number")
		c.has("12. overview", o, "week_label", "string")
		c.has("12. overview", o, "insight", "string|null")
	})
	c.optional("13 analytics weekly", "GET", "/api/v1/analytics/weekly", func(t *testing.T) {
		code, b := c.call("GET", "/api/v1/analytics/weekly", c.token, nil)
		var rows []map[string]any
		if code != 200 || json.Unmarshal(b, &rows) != nil {
			t.Fatalf("13. weekly = %d %s; want an array", code, b)
		}
		for _, r := range rows {
			c.has("13. week", r, "week", "string|number")
			c.has("13. week", r, "completed", "number")
		}
	})
	c.optional("14 analytics missed by category", "GET", "/api/v1/analytics/missed-by-cat", func(t *testing.T) {
		code, b := c.call("GET", "/api/v1/analytics/missed-by-cat", c.token, nil)
		var rows []map[string]any
		if code != 200 || json.Unmarshal(b, &rows) != nil {
			t.Fatalf("14. missed-by-cat = %d %s; want an array", code, b)
		}
		for _, r := range rows {
			if cat := c.has("14. category", r, "category", "string"); cat != "work" && cat != "personal" && cat != "health" {
				t.Errorf("14. category %v is not work, personal or health", cat)
			}
			c.has("14. category", r, "count", "number")
		}
	})

	// 15. The demo panel, no body; message is optional.
	c.optional("15 demo location trigger", "POST", "/api/v1/demo/trigger-location", func(t *testing.T) {
		code, b := c.call("POST", "/api/v1/demo/trigger-location", c.token, nil)
		if code/100 != 2 {
			t.Fatalf("15. trigger-location = %d %s", code, b)
		}
		if m := jsonOf(t, b); m["message"] != nil {
			c.has("15. trigger-location", m, "message", "string")
		}
	})

	// 16. TasksService (defined, unused by the UI): today is a list,
	// complete answers {task_id, status}. Its reschedule is fluxd's
	// (the moved task and why), not the original's ChatMessageResponse,
	// which no screen reads.
	code, b = c.call("GET", "/api/v1/tasks/today", c.token, nil)
	var today []map[string]any
	if code != 200 || json.Unmarshal(b, &today) != nil {
		t.Errorf("16. tasks today = %d %s; want an array", code, b)
	}
	code, b = c.call("PATCH", "/api/v1/tasks/"+drifted.ID+"/complete", c.token, nil)
	done := c.obj("16. complete", code, b, 200)
	if done["task_id"] != drifted.ID || done["status"] != "done" {
		t.Errorf("16. complete = %v", done)
	}
	if code, b = c.call("POST", "/api/v1/tasks/"+later.ID+"/reschedule", c.token, map[string]any{"message": "tomorrow evening"}); code != 200 {
		t.Errorf("16. reschedule = %d %s", code, b)
	}

	// Sign-out: the session's refresh token and the access token are
	// refused after.
	refresh, _ := s["refresh_token"].(string)
	if code, b = c.call("POST", "/auth/v1/logout", c.token, nil); code != http.StatusNoContent {
		t.Fatalf("signOut = %d %s", code, b)
	}
	code, b = c.call("POST", "/auth/v1/token?grant_type=refresh_token", "", map[string]any{"refresh_token": refresh})
	if e := c.obj("refresh after signOut", code, b, 400); e["code"] != "refresh_token_not_found" {
		t.Errorf("refresh after signOut = %v", e)
	}
	if code, _ := c.call("GET", "/api/v1/account/me", c.token, nil); code != 401 {
		t.Errorf("me after signOut = %d, want 401", code)
	}
}
