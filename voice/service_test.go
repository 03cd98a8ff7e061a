package voice

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/google/go-cmp/cmp"
)

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	gym := e.addTask(e.user, "Gym", time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC))     // 6 PM New York
	e.addTask(e.user, "Groceries", time.Date(2026, 3, 4, 22, 0, 0, 0, time.UTC))      // 5 PM
	e.addTask(e.user, "Tomorrow's run", time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)) // not today

	info := e.create()
	if !flux.ValidID(info.SessionID) {
		t.Fatalf("session id %q", info.SessionID)
	}
	if !e.dg.Valid(info.DeepgramToken) {
		t.Fatal("the session's token was not issued by Deepgram")
	}
	reqs := e.dg.Requests()
	if len(reqs) != 1 || reqs[0].TTLSeconds == nil || *reqs[0].TTLSeconds != 600 || reqs[0].Authorization != "Token "+e.dg.APIKey() {
		t.Fatalf("grant requests: %+v", reqs)
	}
	if got := info.TokenExpiresAt; !got.Equal(start.Add(10 * time.Minute)) {
		t.Errorf("token expires at %v", got)
	}
	settings, _ := json.Marshal(info.Settings)
	if err := fluxtest.CheckAgentSettings(settings); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(SessionConfig{
		SystemPrompt: info.Config.SystemPrompt, Functions: info.Config.Functions,
		VoiceModel: "aura-2-thalia-en", ListenModel: "nova-3", LLMModel: "gpt-4o-mini", Greeting: DefaultGreeting,
	}, info.Config); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	for _, want := range []string{"Flux", "Name: Ada", "America/New_York", "- T1: Groceries (5 PM)", "- T2: Gym (6 PM)", "Chronotype: morning"} {
		if !strings.Contains(info.Config.SystemPrompt, want) {
			t.Errorf("prompt lacks %q:\n%s", want, info.Config.SystemPrompt)
		}
	}
	if strings.Contains(info.Config.SystemPrompt, "Tomorrow's run") {
		t.Error("the prompt lists a task of another day")
	}

	c := e.conversation(info.SessionID)
	if c.Kind != flux.ConversationVoice || c.State != stateOpen || c.EndedAt != nil {
		t.Fatalf("stored session: %+v", c)
	}
	d := e.data(info.SessionID)
	if d.Refs["T2"] != gym.ID || d.Timezone != "America/New_York" || d.TokenExpiresAt == nil {
		t.Fatalf("session data: %+v", d)
	}
	if strings.Contains(string(c.Data), info.DeepgramToken) {
		t.Fatal("the token is stored in the session")
	}

	lines := []MessageInput{
		{Role: "assistant", Content: "Hey! What can I help you with today?"},
		{Role: "user", Content: "Move my gym session to 7 PM."},
		{Role: "function", Content: "Rescheduled 'Gym' to today at 7 PM."},
		{Role: "system", Content: "session note"},
	}
	var ids []string
	for i, m := range lines {
		m.SessionID = info.SessionID
		e.clock.Advance(time.Second)
		saved, err := e.svc.SaveMessage(e.ctx, e.user, m)
		if err != nil {
			t.Fatalf("SaveMessage %d: %v", i, err)
		}
		if saved.Status != "saved" || !flux.ValidID(saved.MessageID) {
			t.Fatalf("saved: %+v", saved)
		}
		ids = append(ids, saved.MessageID)
	}
	tr, err := e.svc.Messages(e.ctx, e.user, info.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, m := range tr.Messages {
		got = append(got, m.Role+": "+m.Content)
		if m.ID != ids[i] {
			t.Errorf("message %d id %s, want %s", i, m.ID, ids[i])
		}
	}
	want := []string{
		"assistant: Hey! What can I help you with today?", "user: Move my gym session to 7 PM.",
		"function: Rescheduled 'Gym' to today at 7 PM.", "system: session note",
	}
	if diff := cmp.Diff(want, got); diff != "" || tr.SessionID != info.SessionID {
		t.Fatalf("transcript (-want +got):\n%s", diff)
	}

	e.clock.Advance(90 * time.Second)
	closed, err := e.svc.Close(e.ctx, e.user, info.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Closed{SessionID: info.SessionID, Status: "closed", MessageCount: 4}, closed); diff != "" {
		t.Fatalf("close (-want +got):\n%s", diff)
	}
	c = e.conversation(info.SessionID)
	if c.EndedAt == nil || !c.EndedAt.Equal(start.Add(94*time.Second)) || c.DurationSeconds != 94 || c.State != stateClosed {
		t.Fatalf("closed session: ended %v, duration %d, state %q", c.EndedAt, c.DurationSeconds, c.State)
	}

	// Closing again changes nothing.
	e.clock.Advance(time.Hour)
	again, err := e.svc.Close(e.ctx, e.user, info.SessionID)
	if err != nil || !cmp.Equal(closed, again) {
		t.Fatalf("second close: %+v, %v", again, err)
	}
	if c2 := e.conversation(info.SessionID); !c2.EndedAt.Equal(*c.EndedAt) || c2.DurationSeconds != 94 {
		t.Fatal("a second close changed the session")
	}
	_, err = e.svc.SaveMessage(e.ctx, e.user, MessageInput{SessionID: info.SessionID, Role: "user", Content: "late"})
	wantCode(t, err, flux.EConflict)
	// The transcript stays readable.
	if tr, err := e.svc.Messages(e.ctx, e.user, info.SessionID); err != nil || len(tr.Messages) != 4 {
		t.Fatalf("transcript after close: %v, %v", tr, err)
	}
}

func TestCreateWithoutAPIKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withGrant(func(g *GrantConfig) { g.APIKey = "" }))
	if e.svc.Configured() {
		t.Fatal("configured without a key")
	}
	_, err := e.svc.Create(e.ctx, e.user)
	wantCode(t, err, flux.EUnavailable)
	if msg := flux.ErrorMessage(err); !strings.Contains(msg, "not configured") || !strings.Contains(msg, "DEEPGRAM_API_KEY") {
		t.Fatalf("message %q does not say how to configure voice", msg)
	}
	if n := len(e.voiceSessions(e.user)); n != 0 {
		t.Fatalf("%d sessions stored", n)
	}
	if e.dg.Issued() != 0 {
		t.Fatal("a token was minted")
	}
}

func TestCreateDeepgramFailureStoresNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply fluxtest.DeepgramReply
		key   string
		code  string
	}{
		{name: "server error", reply: fluxtest.DeepgramReply{Status: 500}, code: flux.EUnavailable},
		{name: "rate limited", reply: fluxtest.DeepgramReply{Status: 429}, code: flux.ETooMany},
		{name: "bad key", key: "not-the-key", code: flux.EUnavailable},
		{name: "forbidden", reply: fluxtest.DeepgramReply{Status: 403}, code: flux.EUnavailable},
		{name: "timeout", reply: fluxtest.DeepgramReply{Hang: true}, code: flux.EUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withGrant(func(g *GrantConfig) {
				g.Timeout = 200 * time.Millisecond
				if tc.key != "" {
					g.APIKey = tc.key
				}
			}))
			if tc.reply != (fluxtest.DeepgramReply{}) {
				e.dg.Reply(tc.reply)
			}
			_, err := e.svc.Create(e.ctx, e.user)
			wantCode(t, err, tc.code)
			if strings.Contains(err.Error(), e.grant.APIKey) || strings.Contains(flux.ErrorMessage(err), e.grant.APIKey) {
				t.Fatalf("the error shows the API key: %v", err)
			}
			if n := len(e.voiceSessions(e.user)); n != 0 {
				t.Fatalf("a failed mint left %d sessions", n)
			}
			// Once Deepgram answers again, creation works.
			e.dg.SetAPIKey(e.grant.APIKey)
			if _, err := e.svc.Create(e.ctx, e.user); err != nil {
				t.Fatalf("create after recovery: %v", err)
			}
		})
	}
}

// TestCreateUnknownUser: Create takes the caller's stored user, so an
// unknown id is ENotFound when the caller looks it up, and a caller without
// a user (nil) is ENotFound from Create; neither mints a token.
func TestCreateUnknownUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, err := e.store.Users().GetUser(e.ctx, flux.NewID())
	wantCode(t, err, flux.ENotFound)
	_, err = e.svc.Create(e.ctx, u)
	wantCode(t, err, flux.ENotFound)
	if e.dg.Issued() != 0 {
		t.Fatal("a token was minted for an unknown user")
	}
}

// TestNilUser: every method answers ENotFound for a nil user, without a
// panic and without changing the session.
func TestNilUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	info := e.create()
	ctx := e.ctx

	_, err := e.svc.SaveMessage(ctx, nil, MessageInput{SessionID: info.SessionID, Role: "user", Content: "hi"})
	wantCode(t, err, flux.ENotFound)
	_, err = e.svc.Messages(ctx, nil, info.SessionID)
	wantCode(t, err, flux.ENotFound)
	_, err = e.svc.SubmitIntent(ctx, nil, IntentInput{SessionID: info.SessionID, FunctionCallID: "c1", FunctionName: "submit_goal_intent",
		Input: map[string]any{"goal_statement": "take over"}})
	wantCode(t, err, flux.ENotFound)
	_, err = e.svc.Close(ctx, nil, info.SessionID)
	wantCode(t, err, flux.ENotFound)
	if c := e.conversation(info.SessionID); c.EndedAt != nil || c.MessageCount != 0 {
		t.Fatal("a nil user changed the session")
	}
}

func TestOwnership(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	info := e.create()
	task := e.addTask(e.user, "Gym", start.Add(2*time.Hour))
	mallory := e.newUser("Mallory", "UTC")
	ctx := e.ctx

	_, err := e.svc.SaveMessage(ctx, mallory, MessageInput{SessionID: info.SessionID, Role: "user", Content: "hi"})
	wantCode(t, err, flux.ENotFound)
	_, err = e.svc.Messages(ctx, mallory, info.SessionID)
	wantCode(t, err, flux.ENotFound)
	_, err = e.svc.SubmitIntent(ctx, mallory, IntentInput{SessionID: info.SessionID, FunctionCallID: "c1", FunctionName: "submit_goal_intent",
		Input: map[string]any{"goal_statement": "take over"}})
	wantCode(t, err, flux.ENotFound)
	_, err = e.svc.Close(ctx, mallory, info.SessionID)
	wantCode(t, err, flux.ENotFound)
	if c := e.conversation(info.SessionID); c.EndedAt != nil || c.MessageCount != 0 {
		t.Fatal("another user changed the session")
	}

	// Mallory's own session cannot reach Ada's task by id.
	e2 := *e
	e2.user = mallory
	m := e2.create()
	r := e2.intent(m.SessionID, "c2", "submit_reschedule_intent", map[string]any{"task_id": task.ID, "preferred_new_time": "tomorrow at 9am"})
	if r.Result != msgTaskNotFound {
		t.Fatalf("rescheduling another user's task: %q", r.Result)
	}
	if got, _ := e.store.Tasks().GetTask(ctx, e.user.ID, task.ID); !got.ScheduledAt.Equal(*task.ScheduledAt) {
		t.Fatal("another user's task moved")
	}

	// Unknown, malformed and non-voice ids are not found either.
	planner := &flux.Conversation{UserID: e.user.ID, Kind: flux.ConversationPlanner}
	if err := e.store.Conversations().CreateConversation(ctx, planner); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{flux.NewID(), "not-an-id", "", planner.ID} {
		_, err := e.svc.Messages(ctx, e.user, id)
		wantCode(t, err, flux.ENotFound)
		_, err = e.svc.Close(ctx, e.user, id)
		wantCode(t, err, flux.ENotFound)
		if id != "" {
			_, err = e.svc.SaveMessage(ctx, e.user, MessageInput{SessionID: id, Role: "user", Content: "x"})
			wantCode(t, err, flux.ENotFound)
		}
	}
}

func TestSaveMessageValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	info := e.create()
	tests := []struct {
		in     MessageInput
		fields []string
	}{
		{MessageInput{SessionID: info.SessionID, Role: "robot", Content: "x"}, []string{"role"}},
		{MessageInput{SessionID: info.SessionID, Role: "user", Content: "  \n"}, []string{"content"}},
		{MessageInput{Role: "", Content: ""}, []string{"session_id", "role", "content"}},
		{MessageInput{SessionID: info.SessionID, Role: "user", Content: strings.Repeat("a", MaxMessageRunes+1)}, []string{"content"}},
	}
	for _, tc := range tests {
		_, err := e.svc.SaveMessage(e.ctx, e.user, tc.in)
		wantCode(t, err, flux.EInvalid)
		var fe *flux.Error
		if !errors.As(err, &fe) {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fe.Fields {
			got = append(got, f.Field)
		}
		if diff := cmp.Diff(tc.fields, got); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
	}
	if _, err := e.svc.SaveMessage(e.ctx, e.user, MessageInput{SessionID: info.SessionID, Role: "user", Content: strings.Repeat("é", MaxMessageRunes)}); err != nil {
		t.Fatalf("a message of exactly the limit: %v", err)
	}
}

func TestDailyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.DailySessionLimit = 3; c.BurstLimit = -1 }))
	// 20:20 UTC is 15:20 in New York; the user's day ends at 05:00 UTC.
	for i := 0; i < 3; i++ {
		info := e.create()
		if _, err := e.svc.Close(e.ctx, e.user, info.SessionID); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
	}
	_, err := e.svc.Create(e.ctx, e.user)
	wantCode(t, err, flux.ETooMany)
	if !strings.Contains(flux.ErrorMessage(err), "3") {
		t.Errorf("message %q does not name the limit", flux.ErrorMessage(err))
	}
	// Past UTC midnight it is still the same day in New York.
	e.clock.Set(time.Date(2026, 3, 5, 4, 59, 0, 0, time.UTC))
	_, err = e.svc.Create(e.ctx, e.user)
	wantCode(t, err, flux.ETooMany)
	// After local midnight the count starts again.
	e.clock.Set(time.Date(2026, 3, 5, 5, 0, 0, 0, time.UTC))
	e.create()
	// Another user is not affected by Ada's count.
	other := e.newUser("Bob", "UTC")
	if _, err := e.svc.Create(e.ctx, other); err != nil {
		t.Fatal(err)
	}
}

func TestBurstLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.BurstLimit = 2; c.BurstWindow = 10 * time.Minute; c.DailySessionLimit = -1 }))
	for i := 0; i < 2; i++ {
		info := e.create()
		if _, err := e.svc.Close(e.ctx, e.user, info.SessionID); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.svc.Create(e.ctx, e.user)
	wantCode(t, err, flux.ETooMany)
	e.clock.Advance(5 * time.Minute) // one token back
	e.create()
}

func TestOneOpenSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.create()
	e.clock.Advance(10 * time.Minute)
	_, err := e.svc.Create(e.ctx, e.user)
	wantCode(t, err, flux.EConflict)
	if !strings.Contains(flux.ErrorMessage(err), first.SessionID) {
		t.Fatalf("conflict %q does not name the open session", flux.ErrorMessage(err))
	}
	if e.dg.Issued() != 1 {
		t.Fatal("a token was minted for a refused session")
	}
	// A session in use is not stale, however old.
	e.clock.Advance(15 * time.Minute)
	if _, err := e.svc.SaveMessage(e.ctx, e.user, MessageInput{SessionID: first.SessionID, Role: "user", Content: "still here"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(25 * time.Minute) // 50 minutes old, idle for 25
	_, err = e.svc.Create(e.ctx, e.user)
	wantCode(t, err, flux.EConflict)
	// Once it has been idle for the stale timeout, it is closed.
	e.clock.Advance(5 * time.Minute)
	second := e.create()
	c := e.conversation(first.SessionID)
	if c.EndedAt == nil || !c.EndedAt.Equal(start.Add(55*time.Minute)) || c.DurationSeconds != 3300 {
		t.Fatalf("stale session: ended %v duration %d", c.EndedAt, c.DurationSeconds)
	}
	if d := e.data(first.SessionID); d.ClosedReason != closedAsStale {
		t.Fatalf("closed reason %q", d.ClosedReason)
	}
	if e.conversation(second.SessionID).EndedAt != nil {
		t.Fatal("the new session is closed")
	}
}

func TestCreateConcurrentOneOpen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	errs := make(chan error, 5)
	for i := 0; i < 5; i++ {
		go func() {
			_, err := e.svc.Create(e.ctx, e.user)
			errs <- err
		}()
	}
	ok := 0
	for i := 0; i < 5; i++ {
		if err := <-errs; err == nil {
			ok++
		} else if !flux.IsCode(err, flux.EConflict) {
			t.Fatal(err)
		}
	}
	if ok != 1 || len(e.voiceSessions(e.user)) != 1 {
		t.Fatalf("%d creates succeeded, %d sessions", ok, len(e.voiceSessions(e.user)))
	}
}

func TestCustomMinterAndDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc, err := New(e.store, Config{}, &Options{Clock: e.clock, Minter: staticMinter{}, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	info, err := svc.Create(e.ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	if info.DeepgramToken != "static-token" || info.Settings.Agent.Think.Provider.Model != DefaultLLMModel {
		t.Fatalf("info: %+v", info.Settings.Agent)
	}
	// A minter's plain error becomes EUnavailable.
	svc2, _ := New(e.store, Config{}, &Options{Clock: e.clock, Minter: staticMinter{err: errBoom}, Logger: quietLogger()})
	_, err = svc2.Create(e.ctx, e.newUser("Bob", "UTC"))
	wantCode(t, err, flux.EUnavailable)
}

func TestNewRejectsBadFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := New(e.store, Config{IntentsFile: "testdata/intents_bad.yaml"}, nil)
	if err == nil || !strings.Contains(err.Error(), "intents_bad.yaml:") {
		t.Fatalf("bad intents file: %v", err)
	}
	_, err = New(e.store, Config{PromptFile: "testdata/prompt_bad.md"}, nil)
	if err == nil || !strings.Contains(err.Error(), "prompt_bad.md:") {
		t.Fatalf("bad prompt file: %v", err)
	}
	_, err = New(e.store, Config{IntentsFile: "testdata/missing.yaml"}, nil)
	if err == nil {
		t.Fatal("a missing intents file was accepted")
	}
	_, err = New(e.store, Config{BurstLimit: 1, BurstWindow: -time.Minute}, nil)
	wantCode(t, err, flux.EInvalid)
	if _, err := New(nil, Config{}, nil); err == nil {
		t.Fatal("nil store accepted")
	}
}

func TestSessionInfoJSONShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	info := e.create()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(mustJSON(t, info), &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	var cfg map[string]any
	_ = json.Unmarshal(m["config"], &cfg)
	for _, k := range []string{"session_id", "deepgram_token", "config", "settings"} {
		if _, ok := m[k]; !ok {
			t.Errorf("response lacks %q (has %v)", k, keys)
		}
	}
	for _, k := range []string{"system_prompt", "functions", "voice_model", "listen_model", "llm_model", "greeting"} {
		if _, ok := cfg[k]; !ok {
			t.Errorf("config lacks %q", k)
		}
	}
	if len(m) != 4 {
		t.Errorf("response keys %v", keys)
	}
	// Logging the info never shows the token.
	if s := fmt.Sprint(info.LogValue()); strings.Contains(s, info.DeepgramToken) {
		t.Fatal("LogValue shows the token")
	}
	resp := (&IntentResult{FunctionCallID: "c", Result: "ok"}).Response("f")
	if diff := cmp.Diff(FunctionCallResponse{Type: "FunctionCallResponse", ID: "c", Name: "f", Content: "ok"}, resp); diff != "" {
		t.Fatal(diff)
	}
}

func TestMessagesPaginates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	info := e.create()
	for i := 0; i < flux.MaxPageLimit+5; i++ {
		if _, err := e.svc.SaveMessage(e.ctx, e.user, MessageInput{SessionID: info.SessionID, Role: "user", Content: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := e.svc.Messages(e.ctx, e.user, info.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != flux.MaxPageLimit+5 || tr.Messages[len(tr.Messages)-1].Content != fmt.Sprint(flux.MaxPageLimit+4) {
		t.Fatalf("%d messages", len(tr.Messages))
	}
}

// TestNULRefused: a NUL character in a function call's arguments or a
// message is an EInvalid naming the field, for every store alike, and
// nothing is created (it used to fail in PostgreSQL, log an ERROR and
// answer "Something went wrong").
func TestNULRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	info := e.create()
	for _, in := range []map[string]any{
		{"title": "Gym\u0000", "scheduled_at": "tomorrow at 7am"},
		{"goal_statement": "Run", "notes": []any{"ok", "bad\u0000"}},
	} {
		_, err := e.svc.SubmitIntent(e.ctx, e.user, IntentInput{SessionID: info.SessionID, FunctionCallID: flux.NewID(),
			FunctionName: "submit_task_intent", Input: in})
		wantCode(t, err, flux.EInvalid)
		var fe *flux.Error
		if !errors.As(err, &fe) || len(fe.Fields) != 1 || !strings.HasPrefix(fe.Fields[0].Field, "input.") {
			t.Errorf("SubmitIntent(%v) = %v, want it to name the argument", in, err)
		}
	}
	if n := len(e.tasks()); n != 0 {
		t.Errorf("%d tasks created", n)
	}
	_, err := e.svc.SaveMessage(e.ctx, e.user, MessageInput{SessionID: info.SessionID, Role: "user", Content: "hi\u0000"})
	wantCode(t, err, flux.EInvalid)
}
