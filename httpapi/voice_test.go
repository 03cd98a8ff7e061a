package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/voice"
	"github.com/fluxlife/flux/voice/deepgram"
	"github.com/google/go-cmp/cmp"
)

// voiceNow is the voice tests' server time: Monday, November 2, 2026,
// 09:00 in New York, where the tests' users live.
var voiceNow = time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC)

const voiceZone = "America/New_York"

// voiceEnv is a server whose voice service mints grants at a fake Deepgram
// and plans and schedules through the real planner and scheduler services.
type voiceEnv struct {
	*testEnv
	dg    *fluxtest.Deepgram
	clock *fluxtest.Clock
}

// newVoiceEnv builds the voice tests' server; withKey false leaves
// DEEPGRAM_API_KEY unset.
func newVoiceEnv(t *testing.T, kind storeKind, withKey bool) *voiceEnv {
	t.Helper()
	e := newEnv(t, kind, auth.Config{AdminToken: "admin-secret-token"})
	c := fluxtest.NewClock(voiceNow)
	dg := fluxtest.NewDeepgram(t)
	dg.SetClock(c.Now)
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	sched := scheduler.NewService(e.store, &scheduler.ServiceOptions{Clock: c, Logger: discard})
	goals := planner.NewService(e.store, nil, &planner.ServiceOptions{Clock: c, Logger: discard, Placer: sched})
	opts := &voice.Options{Clock: c, Logger: discard, Planner: goals, Scheduler: sched}
	if withKey {
		m, err := deepgram.NewMinter(dg.APIKey(), &deepgram.Options{BaseURL: dg.URL(), Clock: c})
		if err != nil {
			t.Fatal(err)
		}
		opts.Minter = m
	}
	vs, err := voice.New(e.store, voice.Config{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = New(Config{Store: e.store, Auth: e.auth, Clock: c, Logger: discard, Scheduler: sched, Voice: vs,
		ExpensivePerMinute: 60000, ExpensiveBurst: 10000})
	return &voiceEnv{testEnv: e, dg: dg, clock: c}
}

// user makes a user living in New York and returns their token.
func (e *voiceEnv) user(email string) (string, *flux.User) {
	e.t.Helper()
	tok, u := e.token(email)
	u, err := e.store.Users().UpdateUser(context.Background(), u.ID, func(u *flux.User) error {
		u.Timezone = voiceZone
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok, u
}

// session starts a voice session for the token's user.
func (e *voiceEnv) session(tok string) voice.SessionInfo {
	e.t.Helper()
	r := e.do("POST", "/api/v1/voice/session", tok, nil)
	if r.Code != 200 {
		e.t.Fatalf("create session = %d %s", r.Code, r.Body)
	}
	var info voice.SessionInfo
	r.json(e.t, &info)
	return info
}

// intent submits a function call and returns its spoken result.
func (e *voiceEnv) intent(tok, session, callID, name string, input map[string]any) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/voice/intents", tok, map[string]any{
		"session_id": session, "function_call_id": callID, "function_name": name, "input": input})
	if r.Code != 200 {
		e.t.Fatalf("%s = %d %s", name, r.Code, r.Body)
	}
	var res struct {
		FunctionCallID string `json:"function_call_id"`
		Result         string `json:"result"`
	}
	r.json(e.t, &res)
	if res.FunctionCallID != callID {
		e.t.Errorf("function_call_id %q, want %q", res.FunctionCallID, callID)
	}
	return res.Result
}

// tasks returns the user's tasks with the title.
func (e *voiceEnv) tasks(userID, title string) []flux.Task {
	e.t.Helper()
	ts, _, err := e.store.Tasks().ListTasks(context.Background(), userID, flux.TaskFilter{}, flux.Page{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []flux.Task
	for _, t := range ts {
		if t.Title == title {
			out = append(out, t)
		}
	}
	return out
}

func TestVoiceSessionLifecycle(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newVoiceEnv(t, kind, true)
		alice, _ := e.user("alice@example.com")

		// The exact shape of the answer, with the original's keys.
		r := e.do("POST", "/api/v1/voice/session", alice, nil)
		if r.Code != 200 {
			t.Fatalf("create = %d %s", r.Code, r.Body)
		}
		var raw map[string]json.RawMessage
		r.json(t, &raw)
		if d := cmp.Diff([]string{"config", "deepgram_token", "session_id", "settings"}, slices.Sorted(maps.Keys(raw))); d != "" {
			t.Errorf("keys (-want +got):\n%s", d)
		}
		var info voice.SessionInfo
		r.json(t, &info)
		if !e.dg.Valid(info.DeepgramToken) || e.dg.Issued() != 1 {
			t.Errorf("token %q not granted by the fake (issued %d)", info.DeepgramToken, e.dg.Issued())
		}
		if err := fluxtest.CheckAgentSettings(raw["settings"]); err != nil {
			t.Errorf("settings: %v\n%s", err, raw["settings"])
		}
		cfg := info.Config
		if cfg.VoiceModel != voice.DefaultVoiceModel || cfg.ListenModel != voice.DefaultListenModel || cfg.LLMModel != voice.DefaultLLMModel ||
			cfg.Greeting != voice.DefaultGreeting || len(cfg.Functions) != 3 || !strings.Contains(cfg.SystemPrompt, "Flux") {
			t.Errorf("config = %+v", cfg)
		}
		if info.Settings.Agent.Think.Prompt != cfg.SystemPrompt {
			t.Error("the Settings prompt is not the config's")
		}
		if strings.Contains(string(r.Body), e.dg.APIKey()) {
			t.Error("the answer shows the Deepgram API key")
		}

		// A transcript, saved and read back in order.
		lines := []voice.MessageInput{
			{SessionID: info.SessionID, Role: "assistant", Content: voice.DefaultGreeting},
			{SessionID: info.SessionID, Role: "user", Content: "Remind me to call mum tomorrow at 7pm"},
			{SessionID: info.SessionID, Role: "assistant", Content: "Done!"},
		}
		var ids []string
		for _, m := range lines {
			r := e.do("POST", "/api/v1/voice/messages", alice, m)
			var saved voice.SavedMessage
			r.json(t, &saved)
			if r.Code != 200 || saved.Status != "saved" || saved.MessageID == "" {
				t.Fatalf("save = %d %s", r.Code, r.Body)
			}
			ids = append(ids, saved.MessageID)
			e.clock.Advance(time.Second)
		}
		r = e.do("GET", "/api/v1/voice/sessions/"+info.SessionID+"/messages", alice, nil)
		var tr voice.Transcript
		r.json(t, &tr)
		if r.Code != 200 || tr.SessionID != info.SessionID || len(tr.Messages) != len(lines) {
			t.Fatalf("messages = %d %s", r.Code, r.Body)
		}
		for i, m := range tr.Messages {
			if m.ID != ids[i] || m.Role != lines[i].Role || m.Content != lines[i].Content || m.CreatedAt.IsZero() {
				t.Errorf("message %d = %+v, want %+v", i, m, lines[i])
			}
		}

		// Closing, twice.
		for i := range 2 {
			r := e.do("DELETE", "/api/v1/voice/session/"+info.SessionID, alice, nil)
			var c voice.Closed
			r.json(t, &c)
			if d := cmp.Diff(voice.Closed{SessionID: info.SessionID, Status: "closed", MessageCount: 3}, c); r.Code != 200 || d != "" {
				t.Fatalf("close #%d = %d (-want +got):\n%s", i+1, r.Code, d)
			}
		}
		if r := e.do("POST", "/api/v1/voice/messages", alice, lines[0]); r.Code != 409 {
			t.Errorf("a line for a closed session = %d %s", r.Code, r.Body)
		}
		// A closed session no longer blocks a new one.
		if next := e.session(alice); next.SessionID == info.SessionID {
			t.Error("the new session reuses the closed one's id")
		}
	})
}

// TestVoiceSessionBodyUserID: the original's {"user_id"} body is accepted;
// it names the user only for an admin.
func TestVoiceSessionBodyUserID(t *testing.T) {
	t.Parallel()
	e := newVoiceEnv(t, kindSQLite, true)
	alice, _ := e.user("alice@example.com")
	bob, b := e.user("bob@example.com")

	// Alice names Bob: ignored, the session is hers.
	r := e.do("POST", "/api/v1/voice/session", alice, map[string]any{"user_id": b.ID, "extra": true})
	var info voice.SessionInfo
	r.json(t, &info)
	if r.Code != 200 {
		t.Fatalf("create = %d %s", r.Code, r.Body)
	}
	if r := e.do("GET", "/api/v1/voice/sessions/"+info.SessionID+"/messages", alice, nil); r.Code != 200 {
		t.Errorf("alice reads her session = %d", r.Code)
	}
	if r := e.do("GET", "/api/v1/voice/sessions/"+info.SessionID+"/messages", bob, nil); r.Code != 404 {
		t.Errorf("bob reads alice's session = %d", r.Code)
	}

	// The admin acts for Bob.
	r = e.do("POST", "/api/v1/voice/session", "admin-secret-token", map[string]any{"user_id": b.ID})
	r.json(t, &info)
	if r.Code != 200 {
		t.Fatalf("admin create = %d %s", r.Code, r.Body)
	}
	if r := e.do("GET", "/api/v1/voice/sessions/"+info.SessionID+"/messages", bob, nil); r.Code != 200 {
		t.Errorf("bob reads the session the admin made for him = %d", r.Code)
	}
	// An admin must name the user; a bad body is 400.
	if r := e.do("POST", "/api/v1/voice/session", "admin-secret-token", nil); r.Code != 400 {
		t.Errorf("admin without user_id = %d %s", r.Code, r.Body)
	}
	if r := e.do("POST", "/api/v1/voice/session", alice, `{"user_id": `); r.Code != 400 {
		t.Errorf("broken JSON = %d %s", r.Code, r.Body)
	}
	if r := e.do("POST", "/api/v1/voice/session", alice, `[]`); r.Code != 400 {
		t.Errorf("an array body = %d %s", r.Code, r.Body)
	}
}

func TestVoiceIntents(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newVoiceEnv(t, kind, true)
		alice, a := e.user("alice@example.com")
		ny, _ := time.LoadLocation(voiceZone)

		// A task already on today's list: the session's prompt names it T1.
		r := e.do("POST", "/api/v1/tasks", alice, map[string]any{"title": "Water the plants",
			"scheduled_at": time.Date(2026, 11, 2, 17, 0, 0, 0, ny).Format(time.RFC3339), "duration_minutes": 15})
		if r.Code != 201 {
			t.Fatalf("create task = %d %s", r.Code, r.Body)
		}
		info := e.session(alice)
		if !strings.Contains(info.Config.SystemPrompt, "T1") || !strings.Contains(info.Config.SystemPrompt, "Water the plants") {
			t.Errorf("the prompt does not list today's task as T1:\n%s", info.Config.SystemPrompt)
		}

		// A goal: created and planned.
		got := e.intent(alice, info.SessionID, "call-goal", "submit_goal_intent",
			map[string]any{"goal_statement": "Run a 10k", "timeline": "in 10 weeks", "context_notes": "I run 5k now"})
		if got != "Goal created: Run a 10k with a target of in 10 weeks." {
			t.Errorf("goal result %q", got)
		}
		r = e.do("GET", "/api/v1/goals", alice, nil)
		var goals []goalView
		r.json(t, &goals)
		if r.Code != 200 || len(goals) != 1 || goals[0].Title != "Run a 10k" || goals[0].PlanVersion < 1 || goals[0].Planner == "" {
			t.Fatalf("goals = %d %s", r.Code, r.Body)
		}
		r = e.do("GET", "/api/v1/goals/"+goals[0].ID, alice, nil)
		var g goalView
		r.json(t, &g)
		if r.Code != 200 || len(g.Milestones) == 0 || g.Description != "I run 5k now" {
			t.Errorf("the voice goal has no plan: %d %s", r.Code, r.Body)
		}

		// A task at a spoken time in the user's zone.
		in := map[string]any{"title": "Call mum", "trigger_type": "time", "scheduled_at": "tomorrow at 7pm"}
		got = e.intent(alice, info.SessionID, "call-task", "submit_new_task_intent", in)
		if !strings.HasPrefix(got, "Task created: Call mum") {
			t.Errorf("task result %q", got)
		}
		ts := e.tasks(a.ID, "Call mum")
		want := time.Date(2026, 11, 3, 19, 0, 0, 0, ny)
		if len(ts) != 1 || ts[0].Status != flux.TaskScheduled || ts[0].ScheduledAt == nil || !ts[0].ScheduledAt.Equal(want) {
			t.Fatalf("tasks = %+v, want one scheduled at %s", ts, want)
		}
		// The same function call again: the same answer, still one task.
		if again := e.intent(alice, info.SessionID, "call-task", "submit_new_task_intent", in); again != got {
			t.Errorf("replay answered %q, first %q", again, got)
		}
		if ts := e.tasks(a.ID, "Call mum"); len(ts) != 1 {
			t.Errorf("%d tasks after a replay", len(ts))
		}

		// A part of the day: the scheduler picks the slot.
		got = e.intent(alice, info.SessionID, "call-morning", "submit_new_task_intent",
			map[string]any{"title": "Buy stamps", "trigger_type": "time", "scheduled_at": "wednesday morning"})
		ts = e.tasks(a.ID, "Buy stamps")
		if len(ts) != 1 || ts[0].ScheduledAt == nil {
			t.Fatalf("%q: tasks %+v", got, ts)
		}
		if at := ts[0].ScheduledAt.In(ny); at.Day() != 4 || at.Hour() < 6 || at.Hour() >= 12 {
			t.Errorf("wednesday morning placed at %s (%q)", at, got)
		}

		// A recurrence: the series starts at its first occurrence.
		got = e.intent(alice, info.SessionID, "call-weekly", "submit_new_task_intent",
			map[string]any{"title": "Stand-up", "trigger_type": "time", "scheduled_at": "every weekday at 1pm"})
		ts = e.tasks(a.ID, "Stand-up")
		if want := time.Date(2026, 11, 2, 13, 0, 0, 0, ny); len(ts) != 1 || ts[0].RecurrenceRule == "" || ts[0].ScheduledAt == nil || !ts[0].ScheduledAt.Equal(want) {
			t.Errorf("%q: tasks %+v, want a series from %s", got, ts, want)
		}

		// A busy time is refused, and said so.
		got = e.intent(alice, info.SessionID, "call-clash", "submit_new_task_intent",
			map[string]any{"title": "Pay bills", "trigger_type": "time", "scheduled_at": "tomorrow at 7pm"})
		if !strings.Contains(got, "couldn't schedule") {
			t.Errorf("a clash answered %q", got)
		}
		if ts := e.tasks(a.ID, "Pay bills"); len(ts) != 1 || ts[0].ScheduledAt != nil {
			t.Errorf("the clashing task = %+v", ts)
		}

		// Reschedule by the short reference of the prompt.
		got = e.intent(alice, info.SessionID, "call-move", "submit_reschedule_intent",
			map[string]any{"task_id": "T1", "preferred_new_time": "tomorrow at 8am", "reason": "busy tonight"})
		if !strings.HasPrefix(got, "Rescheduled 'Water the plants'") {
			t.Errorf("reschedule result %q", got)
		}
		ts = e.tasks(a.ID, "Water the plants")
		if want := time.Date(2026, 11, 3, 8, 0, 0, 0, ny); len(ts) != 1 || ts[0].ScheduledAt == nil || !ts[0].ScheduledAt.Equal(want) {
			t.Errorf("moved task = %+v, want at %s", ts, want)
		}
		if got := e.intent(alice, info.SessionID, "call-unknown-ref", "submit_reschedule_intent", map[string]any{"task_id": "T9"}); !strings.Contains(got, "couldn't find") {
			t.Errorf("unknown reference answered %q", got)
		}
		if got := e.intent(alice, info.SessionID, "call-unknown-fn", "submit_nothing", nil); !strings.Contains(got, "submit_nothing") {
			t.Errorf("unknown function answered %q", got)
		}
	})
}

// TestVoiceIntentConcurrentRepeat: the same function call submitted twice
// at once acts once and both answers are the same.
func TestVoiceIntentConcurrentRepeat(t *testing.T) {
	t.Parallel()
	e := newVoiceEnv(t, kindSQLite, true)
	alice, a := e.user("alice@example.com")
	info := e.session(alice)
	in := map[string]any{"title": "Stretch", "trigger_type": "time", "scheduled_at": "tomorrow at 6pm"}
	var wg sync.WaitGroup
	results := make([]string, 2)
	for i := range results {
		wg.Go(func() { results[i] = e.intent(alice, info.SessionID, "same-call", "submit_new_task_intent", in) })
	}
	wg.Wait()
	if results[0] != results[1] || !strings.HasPrefix(results[0], "Task created: Stretch") {
		t.Errorf("answers %q", results)
	}
	if ts := e.tasks(a.ID, "Stretch"); len(ts) != 1 {
		t.Errorf("%d tasks", len(ts))
	}
}

func TestVoiceBadInput(t *testing.T) {
	t.Parallel()
	e := newVoiceEnv(t, kindSQLite, true)
	alice, a := e.user("alice@example.com")
	info := e.session(alice)
	for _, tc := range []struct {
		name, path string
		body       any
		code       int
		fields     []string
	}{
		{"intent without function_name", "/api/v1/voice/intents", map[string]any{"session_id": info.SessionID, "function_call_id": "c1", "input": map[string]any{}}, 422, []string{"function_name"}},
		{"intent without function_call_id", "/api/v1/voice/intents", map[string]any{"session_id": info.SessionID, "function_name": "submit_goal_intent"}, 422, []string{"function_call_id"}},
		{"intent without session_id", "/api/v1/voice/intents", map[string]any{"function_call_id": "c1", "function_name": "submit_goal_intent"}, 422, []string{"session_id"}},
		{"empty intent", "/api/v1/voice/intents", map[string]any{}, 422, []string{"session_id", "function_call_id", "function_name"}},
		{"blank function_name", "/api/v1/voice/intents", map[string]any{"session_id": info.SessionID, "function_call_id": "c1", "function_name": "  "}, 422, []string{"function_name"}},
		{"intent with a bad input", "/api/v1/voice/intents", map[string]any{"session_id": info.SessionID, "function_call_id": "c1", "function_name": "x", "input": "text"}, 400, []string{"input"}},
		{"intent with an unknown field", "/api/v1/voice/intents", map[string]any{"session_id": info.SessionID, "function_call_id": "c1", "function_name": "x", "other": 1}, 400, []string{"other"}},
		{"message without content", "/api/v1/voice/messages", map[string]any{"session_id": info.SessionID, "role": "user"}, 422, []string{"content"}},
		{"empty message", "/api/v1/voice/messages", map[string]any{}, 422, []string{"session_id", "role", "content"}},
		{"message with an unknown role", "/api/v1/voice/messages", map[string]any{"session_id": info.SessionID, "role": "robot", "content": "hi"}, 400, []string{"role"}},
		{"message too long", "/api/v1/voice/messages", map[string]any{"session_id": info.SessionID, "role": "user", "content": strings.Repeat("a", voice.MaxMessageRunes+1)}, 400, []string{"content"}},
		{"no body", "/api/v1/voice/messages", nil, 400, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", tc.path, alice, tc.body)
			if r.Code != tc.code {
				t.Fatalf("= %d %s, want %d", r.Code, r.Body, tc.code)
			}
			var body errorBody
			r.json(t, &body)
			var fields []string
			for _, f := range body.Errors {
				fields = append(fields, f.Field)
			}
			if d := cmp.Diff(tc.fields, fields); d != "" {
				t.Errorf("fields (-want +got):\n%s\n%s", d, r.Body)
			}
		})
	}
	// Nothing was stored: no line, no goal, no task.
	r := e.do("GET", "/api/v1/voice/sessions/"+info.SessionID+"/messages", alice, nil)
	var tr voice.Transcript
	r.json(t, &tr)
	if len(tr.Messages) != 0 {
		t.Errorf("%d lines stored", len(tr.Messages))
	}
	if ts, _, _ := e.store.Tasks().ListTasks(context.Background(), a.ID, flux.TaskFilter{}, flux.Page{}); len(ts) != 0 {
		t.Errorf("%d tasks stored", len(ts))
	}
	for _, id := range []string{"not-an-id", flux.NewID()} {
		if r := e.do("GET", "/api/v1/voice/sessions/"+id+"/messages", alice, nil); r.Code != 404 {
			t.Errorf("session %q = %d", id, r.Code)
		}
	}
}

// TestVoiceOtherUser: another user's session is 404 on every route, and
// stays as it was.
func TestVoiceOtherUser(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newVoiceEnv(t, kind, true)
		alice, _ := e.user("alice@example.com")
		bob, b := e.user("bob@example.com")
		info := e.session(alice)
		if r := e.do("POST", "/api/v1/voice/messages", alice, voice.MessageInput{SessionID: info.SessionID, Role: "user", Content: "hi"}); r.Code != 200 {
			t.Fatalf("save = %d", r.Code)
		}
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/voice/messages", voice.MessageInput{SessionID: info.SessionID, Role: "user", Content: "I'm Bob"}},
			{"GET", "/api/v1/voice/sessions/" + info.SessionID + "/messages", nil},
			{"POST", "/api/v1/voice/intents", voice.IntentInput{SessionID: info.SessionID, FunctionCallID: "c1", FunctionName: "submit_new_task_intent",
				Input: map[string]any{"title": "Bob's task", "trigger_type": "time", "scheduled_at": "tomorrow at 9am"}}},
			{"DELETE", "/api/v1/voice/session/" + info.SessionID, nil},
		} {
			if r := e.do(c.method, c.path, bob, c.body); r.Code != 404 {
				t.Errorf("bob %s %s = %d %s", c.method, c.path, r.Code, r.Body)
			}
		}
		r := e.do("GET", "/api/v1/voice/sessions/"+info.SessionID+"/messages", alice, nil)
		var tr voice.Transcript
		r.json(t, &tr)
		if len(tr.Messages) != 1 {
			t.Errorf("alice's session has %d lines", len(tr.Messages))
		}
		if ts := e.tasks(b.ID, "Bob's task"); len(ts) != 0 {
			t.Errorf("bob's intent made %d tasks", len(ts))
		}
		// Still open: alice can write to it.
		if r := e.do("POST", "/api/v1/voice/messages", alice, voice.MessageInput{SessionID: info.SessionID, Role: "assistant", Content: "ok"}); r.Code != 200 {
			t.Errorf("alice's session was closed by bob: %d", r.Code)
		}
	})
}

// TestVoiceWithoutKey: no DEEPGRAM_API_KEY, the session route answers 503
// with how to configure it, and stores nothing; a server without a voice
// service answers 503 on every voice route.
func TestVoiceWithoutKey(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newVoiceEnv(t, kind, false)
		alice, a := e.user("alice@example.com")
		r := e.do("POST", "/api/v1/voice/session", alice, nil)
		var body errorBody
		r.json(t, &body)
		if r.Code != 503 || body.Code != flux.EUnavailable || !strings.Contains(body.Detail, "DEEPGRAM_API_KEY") {
			t.Fatalf("create without a key = %d %s", r.Code, r.Body)
		}
		if e.dg.Issued() != 0 || len(e.dg.Requests()) != 0 {
			t.Error("the fake was called")
		}
		cs, _, err := e.store.Conversations().ListConversations(context.Background(), a.ID, flux.ConversationFilter{}, flux.Page{})
		if err != nil || len(cs) != 0 {
			t.Errorf("conversations %v %v", cs, err)
		}
	})
	t.Run("nil", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, kindSQLite, auth.Config{})
		tok, _ := e.token("alice@example.com")
		id := flux.NewID()
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/voice/session", nil},
			{"POST", "/api/v1/voice/messages", voice.MessageInput{SessionID: id, Role: "user", Content: "hi"}},
			{"GET", "/api/v1/voice/sessions/" + id + "/messages", nil},
			{"POST", "/api/v1/voice/intents", voice.IntentInput{SessionID: id, FunctionCallID: "c1", FunctionName: "submit_goal_intent"}},
			{"DELETE", "/api/v1/voice/session/" + id, nil},
		} {
			r := e.do(c.method, c.path, tok, c.body)
			if r.Code != 503 || !strings.Contains(string(r.Body), "voice is not configured") {
				t.Errorf("%s %s = %d %s", c.method, c.path, r.Code, r.Body)
			}
		}
	})
}

// TestVoiceRoutesAreRateLimited: creating sessions calls Deepgram and
// submitting intents the LLM (when configured); each is limited per user in
// its provider's bucket.
func TestVoiceRoutesAreRateLimited(t *testing.T) {
	t.Parallel()
	e := newVoiceEnv(t, kindSQLite, true)
	alice, _ := e.user("alice@example.com")
	s := e.srv
	e.srv = New(Config{Store: e.store, Auth: e.auth, Clock: e.clock, Logger: s.log, Scheduler: s.sched, Voice: s.voice,
		Paid: []Provider{ProviderLLM, ProviderDeepgram}, ExpensivePerMinute: 1, ExpensiveBurst: 1})
	info := e.session(alice)
	e.intent(alice, info.SessionID, "c1", "submit_goal_intent", map[string]any{})
	for _, r := range []response{
		e.do("POST", "/api/v1/voice/intents", alice, voice.IntentInput{SessionID: info.SessionID, FunctionCallID: "c2", FunctionName: "submit_goal_intent"}),
		e.do("POST", "/api/v1/voice/session", alice, nil),
	} {
		if r.Code != 429 || r.Header.Get("Retry-After") == "" {
			t.Errorf("past the limit = %d %s", r.Code, r.Body)
		}
	}
	// Transcript lines are not limited.
	for i := range 5 {
		if r := e.do("POST", "/api/v1/voice/messages", alice, voice.MessageInput{SessionID: info.SessionID, Role: "user", Content: fmt.Sprint(i)}); r.Code != 200 {
			t.Errorf("line %d = %d", i, r.Code)
		}
	}
}
