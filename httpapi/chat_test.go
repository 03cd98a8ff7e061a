package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/fluxtest/openaifake"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/planner"
	plannerai "github.com/fluxlife/flux/planner/openai"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/google/go-cmp/cmp"
	openai "github.com/sashabaranov/go-openai"
)

// chatNow is Tuesday 24 March 2026, 10:00 in Berlin (CET; summer time
// starts on Sunday the 29th).
var chatNow = time.Date(2026, 3, 24, 9, 0, 0, 0, time.UTC)

// newClockedEnv is a server on a store of that kind whose every part reads
// clock; router, when set, routes the chat.
func newClockedEnv(t *testing.T, kind storeKind, clock flux.Clock, router planner.Router) *testEnv {
	t.Helper()
	var st flux.Store
	if kind == kindPostgres {
		st = pgtest.Open(t, &postgres.Options{Clock: clock})
	} else {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "flux.db"), &sqlite.Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st = s
	}
	a, err := auth.New(context.Background(), auth.Config{Store: st, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sched := scheduler.NewService(st, &scheduler.ServiceOptions{Clock: clock, Logger: log})
	goals := planner.NewService(st, nil, &planner.ServiceOptions{Clock: clock, Logger: log, Placer: sched})
	chat := planner.NewChat(goals, &planner.ChatOptions{Router: router, Times: ChatTimes(), Scheduler: sched, Logger: log})
	s := New(Config{Store: st, Auth: a, Clock: clock, Logger: log, Scheduler: sched, Goals: goals, Chat: chat,
		ExpensivePerMinute: 60000, ExpensiveBurst: 10000})
	return &testEnv{t: t, store: st, auth: a, srv: s}
}

// chatTurnView is what a test keeps of a chat reply.
type chatTurnView struct {
	Node    string
	Message string
	Plan    int
	Action  bool
}

// chat sends messages in one conversation (a new one when conv is "") and
// returns the conversation id and the replies.
func (e *testEnv) chat(token, conv string, msgs ...string) (string, []chatTurnView) {
	e.t.Helper()
	var out []chatTurnView
	for _, m := range msgs {
		body := map[string]any{"message": m}
		if conv != "" {
			body["conversation_id"] = conv
		}
		r := e.do("POST", "/api/v1/chat/message", token, body)
		if r.Code != 200 {
			e.t.Fatalf("chat %q = %d %s", m, r.Code, r.Body)
		}
		var keys map[string]json.RawMessage
		r.json(e.t, &keys)
		if got := slices.Sorted(mapKeys(keys)); !slices.Equal(got, []string{"agent_node", "conversation_id", "message", "proposed_plan", "requires_user_action"}) {
			e.t.Errorf("chat %q: fields %v", m, got)
		}
		var resp chatMessageResponse
		r.json(e.t, &resp)
		conv = resp.ConversationID
		v := chatTurnView{Message: resp.Message, Plan: len(resp.ProposedPlan), Action: resp.RequiresUserAction}
		if resp.AgentNode != nil {
			v.Node = *resp.AgentNode
		}
		if resp.ProposedPlan == nil && string(keys["proposed_plan"]) != "null" {
			e.t.Errorf("chat %q: proposed_plan is %s, want null or an array", m, keys["proposed_plan"])
		}
		out = append(out, v)
	}
	return conv, out
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// onboardingScript answers every onboarding question of a new user in
// Berlin.
var onboardingScript = []string{
	"Hi, my name is Ana", "6:30", "11pm", "9 to 5, Monday to Friday", "morning person", "Europe/Berlin", "skip",
}

// TestChatOverHTTP walks a new user through onboarding, a goal, a reminder
// and a move, and checks the routes' shapes and refusals.
func TestChatOverHTTP(t *testing.T) {
	t.Parallel()
	e := newClockedEnv(t, kindSQLite, fluxtest.NewClock(chatNow), nil)
	ana, u := e.token("ana@example.com")
	bob, _ := e.token("bob@example.com")

	conv, turns := e.chat(ana, "", onboardingScript...)
	if last := turns[len(turns)-1]; last.Node != planner.NodeOnboarding || !strings.Contains(last.Message, "You're all set") {
		t.Fatalf("onboarding ended with %+v", last)
	}
	var me flux.User
	e.do("GET", "/api/v1/account/me", ana, nil).json(t, &me)
	if !me.Onboarded || me.Name != "Ana" || me.Timezone != "Europe/Berlin" || me.SleepWindow.Start != (flux.ClockTime{Hour: 23}) {
		t.Fatalf("account after onboarding = %+v", me)
	}

	_, turns = e.chat(ana, conv, "I want to run a 10k in 10 weeks", "I can run 3 km", "weekday mornings")
	if last := turns[2]; last.Node != planner.NodeGoal || last.Plan != 10 || !last.Action {
		t.Fatalf("plan offer = %+v", last)
	}
	r := e.do("GET", "/api/v1/chat/history?conversation_id="+conv+"&limit=1", ana, nil)
	var h struct {
		ConversationID string `json:"conversation_id"`
		Messages       []struct {
			ID           string                      `json:"id"`
			Role         string                      `json:"role"`
			Content      string                      `json:"content"`
			AgentNode    *string                     `json:"agent_node"`
			ProposedPlan []planner.ProposedMilestone `json:"proposed_plan"`
			CreatedAt    time.Time                   `json:"created_at"`
		} `json:"messages"`
	}
	r.json(t, &h)
	if r.Code != 200 || h.ConversationID != conv || len(h.Messages) != 1 || h.Messages[0].Role != "assistant" ||
		*h.Messages[0].AgentNode != planner.NodeGoal || len(h.Messages[0].ProposedPlan) != 10 || h.Messages[0].ProposedPlan[0].Milestone == "" {
		t.Fatalf("history = %d %s", r.Code, r.Body)
	}
	_, turns = e.chat(ana, conv, "OK", "remind me to call mom tomorrow at 6pm", "move my call to Friday evening")
	if turns[0].Plan != 0 || turns[0].Action || !strings.Contains(turns[0].Message, "locked in") {
		t.Errorf("accept = %+v", turns[0])
	}
	if !strings.Contains(turns[1].Message, `"Call mom" is set for tomorrow at 6 PM`) || !strings.Contains(turns[2].Message, `Rescheduled "Call mom" to Friday at 7 PM`) {
		t.Errorf("task and move = %+v", turns[1:])
	}
	ts, _, err := e.store.Tasks().ListTasks(context.Background(), u.ID, flux.TaskFilter{}, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	goalTasks, mom := 0, (*flux.Task)(nil)
	for i := range ts {
		if ts[i].GoalID != "" && ts[i].Status == flux.TaskScheduled {
			goalTasks++
		}
		if ts[i].Title == "Call mom" {
			mom = &ts[i]
		}
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if goalTasks == 0 || mom == nil || !mom.ScheduledAt.Equal(time.Date(2026, 3, 27, 19, 0, 0, 0, berlin)) {
		t.Errorf("%d goal tasks placed; call mom = %+v", goalTasks, mom)
	}

	var list chatConversationsResponse
	r = e.do("GET", "/api/v1/chat/conversations?limit=5", ana, nil)
	r.json(t, &list)
	if r.Code != 200 || len(list.Conversations) != 1 || list.Conversations[0].ID != conv || *list.Conversations[0].Preview != "Hi, my name is Ana" ||
		list.HasMore || list.NextCursor != nil || list.Conversations[0].LastMessageAt == nil {
		t.Errorf("conversations = %d %s", r.Code, r.Body)
	}

	// Bob sees none of it.
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/chat/message", `{"message": "hello", "conversation_id": "` + conv + `"}`},
		{"GET", "/api/v1/chat/history?conversation_id=" + conv, ""},
	} {
		var b any
		if c.body != "" {
			b = c.body
		}
		if r := e.do(c.method, c.path, bob, b); r.Code != 404 || strings.Contains(string(r.Body), "Ana") {
			t.Errorf("bob %s %s = %d %s", c.method, c.path, r.Code, r.Body)
		}
	}
	r = e.do("GET", "/api/v1/chat/history", bob, nil)
	if r.Code != 200 || strings.TrimSpace(string(r.Body)) != `{"conversation_id":null,"messages":[]}` {
		t.Errorf("bob's empty history = %d %s", r.Code, r.Body)
	}
	r = e.do("GET", "/api/v1/chat/conversations", bob, nil)
	if r.Code != 200 || strings.TrimSpace(string(r.Body)) != `{"conversations":[],"next_cursor":null,"has_more":false}` {
		t.Errorf("bob's conversations = %d %s", r.Code, r.Body)
	}

	// Bad requests name the problem.
	for _, c := range []struct {
		method, path, body string
		code               int
		detail             string
	}{
		{"POST", "/api/v1/chat/message", `{}`, 422, "message is required"},
		{"POST", "/api/v1/chat/message", `{"message": "   "}`, 422, "message is required"},
		{"POST", "/api/v1/chat/message", `{"message": 7}`, 400, "invalid field message"},
		{"POST", "/api/v1/chat/message", `{"message": "hi", "intent": "GOAL"}`, 400, "unknown field intent"},
		{"POST", "/api/v1/chat/message", `{"message": "hi", "conversation_id": "nope"}`, 404, "Conversation not found"},
		{"POST", "/api/v1/chat/message", `{"message": "hi", "conversation_id": "` + flux.NewID() + `"}`, 404, "Conversation not found"},
		{"POST", "/api/v1/chat/message", `{"message": "` + strings.Repeat("x", planner.MaxMessageRunes+1) + `"}`, 422, "message is too long"},
		{"GET", "/api/v1/chat/history?limit=0", "", 422, "invalid limit"},
		{"GET", "/api/v1/chat/history?limit=201", "", 422, "invalid limit"},
		{"GET", "/api/v1/chat/history?conversation_id=x", "", 404, "Conversation not found"},
		{"GET", "/api/v1/chat/conversations?limit=51", "", 422, "invalid limit"},
		{"GET", "/api/v1/chat/conversations?cursor=bogus", "", 400, "invalid cursor"},
	} {
		var b any
		if c.body != "" {
			b = c.body
		}
		r := e.do(c.method, c.path, ana, b)
		var eb errorBody
		r.json(t, &eb)
		if r.Code != c.code || eb.Detail != c.detail {
			t.Errorf("%s %s %.40s = %d %s, want %d %q", c.method, c.path, c.body, r.Code, r.Body, c.code, c.detail)
		}
	}
	if r := e.do("POST", "/api/v1/chat/message", "", `{"message": "hi"}`); r.Code != 401 {
		t.Errorf("no token = %d", r.Code)
	}
}

// routerFake answers the LLM router's requests like a model would: it
// reads the message and the tasks from the prompt.
func routerFake(t *testing.T, llm *openaifake.LLM) {
	llm.SetHandler(func(req openai.ChatCompletionRequest) openaifake.Reply {
		var in struct {
			Tasks []struct {
				ID, Title string
			} `json:"tasks"`
			Goals []struct {
				ID string `json:"id"`
			} `json:"goals"`
			Draft   bool   `json:"goal_draft"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(req.Messages[len(req.Messages)-1].Content), &in); err != nil {
			t.Errorf("router prompt is not JSON: %v", err)
		}
		r := map[string]any{"node": planner.NodeClarify, "goal_statement": "", "task_title": "", "duration_minutes": 0, "time_phrase": "",
			"task_id": "", "goal_id": "", "clarification_question": "What would you like to do?"}
		m := strings.ToLower(in.Message)
		switch {
		case in.Draft || strings.HasPrefix(m, "i'd love to"):
			r["node"], r["goal_statement"] = planner.NodeGoal, in.Message
		case strings.HasPrefix(m, "ping me"):
			r["node"], r["task_title"], r["time_phrase"], r["duration_minutes"] = planner.NodeNewTask, "Phone the plumber", "tomorrow at 5pm", 20
		case strings.HasPrefix(m, "shift"):
			for _, x := range in.Tasks {
				if strings.Contains(x.Title, "plumber") {
					r["node"], r["task_id"], r["time_phrase"] = planner.NodeReschedule, x.ID, "Thursday at 8am"
				}
			}
		case strings.HasPrefix(m, "tone down"):
			r["node"], r["goal_id"] = planner.NodeModifyGoal, in.Goals[0].ID
		}
		b, _ := json.Marshal(r)
		return openaifake.Reply{Content: string(b)}
	})
}

// TestChatWithLLMRouter runs the flows with the LLM router on the fake
// model, then with the model failing, when the offline router takes over.
func TestChatWithLLMRouter(t *testing.T) {
	t.Parallel()
	llm := openaifake.NewLLM(t)
	routerFake(t, llm)
	router := plannerai.NewRouter(plannerai.Config{BaseURL: llm.URL(), APIKey: llm.APIKey(), HTTPClient: llm.HTTPClient(), Model: "test/router"},
		planner.LLMConfig{Timeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler)}, &planner.OfflineRouter{Times: ChatTimes()})
	e := newClockedEnv(t, kindSQLite, fluxtest.NewClock(chatNow), router)
	ana, u := e.token("ana@example.com")
	conv, _ := e.chat(ana, "", onboardingScript...)
	if n := len(llm.Requests()); n != 0 {
		t.Errorf("onboarding asked the model %d times", n)
	}
	_, turns := e.chat(ana, conv,
		"ping me about the plumber",            // NEW_TASK from the model
		"shift it please",                      // RESCHEDULE_TASK of the task the model picked
		"I'd love to learn Italian in 8 weeks", // GOAL
		"complete beginner",
		"order dinner in Italian",
		"evenings, 20 minutes",
		"perfect",
		"tone down the Italian one", // MODIFY_GOAL
		"blah",                      // CLARIFY with the model's question
	)
	want := []struct{ node, has string }{
		{planner.NodeNewTask, `"Phone the plumber" is set for tomorrow at 5 PM`},
		{planner.NodeReschedule, `Rescheduled "Phone the plumber" to Thursday at 8 AM`},
		{planner.NodeGoal, "How much Italian do you know"},
		{planner.NodeGoal, "What would success look like"},
		{planner.NodeGoal, "how do you like to work on it"},
		{planner.NodeGoal, "8-week plan"},
		{planner.NodeGoal, "locked in"},
		{planner.NodeModifyGoal, "updated your plan"},
		{planner.NodeClarify, "What would you like to do?"},
	}
	for i, w := range want {
		if turns[i].Node != w.node || !strings.Contains(turns[i].Message, w.has) {
			t.Errorf("turn %d = %+v, want %s with %q", i, turns[i], w.node, w.has)
		}
	}
	ts, _, _ := e.store.Tasks().ListTasks(context.Background(), u.ID, flux.TaskFilter{}, flux.Page{Limit: flux.MaxPageLimit})
	for _, x := range ts {
		if x.Title == "Phone the plumber" && x.DurationMinutes != 20 {
			t.Errorf("the model's duration was not used: %+v", x)
		}
	}

	// The model fails: the offline router answers the same messages.
	llm.SetHandler(func(openai.ChatCompletionRequest) openaifake.Reply { return openaifake.Reply{Status: 503} })
	before := len(llm.Requests())
	_, turns = e.chat(ana, conv, "remind me to call mom tomorrow at 6pm", "move my call to Friday evening", "purple elephants")
	want = []struct{ node, has string }{
		{planner.NodeNewTask, `"Call mom" is set for tomorrow at 6 PM`},
		{planner.NodeReschedule, `Rescheduled "Call mom" to Friday at 7 PM`},
		{planner.NodeClarify, "Could you clarify what you mean?"},
	}
	for i, w := range want {
		if turns[i].Node != w.node || !strings.Contains(turns[i].Message, w.has) {
			t.Errorf("fallback turn %d = %+v, want %s with %q", i, turns[i], w.node, w.has)
		}
	}
	if n := len(llm.Requests()) - before; n != 3 {
		t.Errorf("the model was asked %d times, want once per message", n)
	}
}

// chatScript covers onboarding, a goal, reminders (one refused as busy),
// a reschedule and a question back.
var chatScript = append(append([]string{}, onboardingScript...),
	"I want to run a 10k in 10 weeks", "I can run 3 km", "weekday mornings", "OK",
	"remind me to call mom tomorrow at 6pm",
	"remind me to water the plants tomorrow at 6:10pm",
	"move my call to Friday evening",
	"purple elephants",
)

// chatOutcome is everything a chat script leaves behind, without ids.
type chatOutcome struct {
	Turns []chatTurnView
	User  struct {
		Name, Timezone, Chronotype string
		Sleep                      flux.TimeWindow
		Work                       flux.WorkHours
		Onboarded                  bool
	}
	Goals    []string
	Tasks    []string
	Messages int
}

func runChatScript(t *testing.T, kind storeKind) chatOutcome {
	e := newClockedEnv(t, kind, fluxtest.NewClock(chatNow), nil)
	tok, u := e.token("ana@example.com")
	conv, turns := e.chat(tok, "", chatScript...)
	ctx := context.Background()
	var o chatOutcome
	o.Turns = turns
	got, err := e.store.Users().GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	o.User.Name, o.User.Timezone, o.User.Chronotype = got.Name, got.Timezone, got.Chronotype
	o.User.Sleep, o.User.Work, o.User.Onboarded = got.SleepWindow, got.WorkHours, got.Onboarded
	gs, _, err := e.store.Goals().ListGoals(ctx, u.ID, flux.GoalFilter{}, flux.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		o.Goals = append(o.Goals, g.Title+" "+string(g.Status)+" "+g.Category)
	}
	ts, _, err := e.store.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{}, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	loc := got.Location()
	for _, x := range ts {
		when := "-"
		if x.ScheduledAt != nil {
			when = x.ScheduledAt.In(loc).Format("Mon 2006-01-02 15:04")
		}
		o.Tasks = append(o.Tasks, x.Title+" | "+string(x.Status)+" | "+when+" | "+x.RecurrenceRule)
	}
	c, err := e.store.Conversations().GetConversation(ctx, u.ID, conv)
	if err != nil {
		t.Fatal(err)
	}
	o.Messages = c.MessageCount
	return o
}

// TestChatSameOnBothStores runs one chat on SQLite and on PostgreSQL, with
// no model, and compares everything it said and stored.
func TestChatSameOnBothStores(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		outcomes = map[storeKind]chatOutcome{}
	)
	t.Run("stores", func(t *testing.T) {
		forEachStore(t, func(t *testing.T, kind storeKind) {
			o := runChatScript(t, kind)
			mu.Lock()
			outcomes[kind] = o
			mu.Unlock()
		})
	})
	lite, ok := outcomes[kindSQLite]
	if !ok {
		t.Fatal("the SQLite run did not finish")
	}
	if want := 2 * len(chatScript); lite.Messages != want {
		t.Errorf("%d messages stored, want %d", lite.Messages, want)
	}
	if !lite.User.Onboarded || len(lite.Goals) != 1 || !strings.Contains(lite.Turns[len(onboardingScript)+5].Message, "couldn't put it") {
		t.Errorf("the script did not go as planned: %+v", lite)
	}
	pg, ok := outcomes[kindPostgres]
	if !ok {
		t.Skip("PostgreSQL did not run")
	}
	if d := cmp.Diff(lite, pg); d != "" {
		t.Errorf("SQLite and PostgreSQL differ (-sqlite +postgres):\n%s", d)
	}
}
