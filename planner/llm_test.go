package planner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/fluxtest/openaifake"
	"github.com/google/go-cmp/cmp"
	openai "github.com/sashabaranov/go-openai"
)

type llmHarness struct {
	fake *openaifake.LLM
	llm  *LLM
	logs *fluxtest.Logs
}

// harnessConfig is an LLM planner's configuration and its model's.
type harnessConfig struct {
	LLMConfig
	APIKey string
}

// NewOpenAIModel returns planner/openai's model (go-openai) on the fake
// server. An external test file (openai_link_test.go) sets it, since
// planner/openai imports planner.
var NewOpenAIModel func(baseURL, apiKey, model string, hc *http.Client) Model

func newHarness(t *testing.T, mod func(*harnessConfig)) *llmHarness {
	t.Helper()
	fake := openaifake.NewLLM(t)
	logs := &fluxtest.Logs{}
	cfg := harnessConfig{LLMConfig: LLMConfig{
		Timeout: 5 * time.Second,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock:   fluxtest.NewClock(monday),
	}, APIKey: fake.APIKey()}
	if mod != nil {
		mod(&cfg)
	}
	model := NewOpenAIModel(fake.URL(), cfg.APIKey, "test/planner-model", fake.HTTPClient())
	return &llmHarness{fake: fake, llm: NewLLM(model, cfg.LLMConfig), logs: logs}
}

// modelPlan is a reply a model could give: valid for the given milestone
// starts.
func modelPlan(starts []int) map[string]any {
	var ms []map[string]any
	for i, w := range starts {
		ms = append(ms, map[string]any{
			"week":  w,
			"title": fmt.Sprintf("Stage %d", i+1),
			"tasks": []map[string]any{
				{"title": fmt.Sprintf("Easy run — %d min", 20+5*i), "description": "Conversational pace.", "duration_minutes": 20 + 5*i, "recurrence": "FREQ=WEEKLY;BYDAY=TU,TH", "time_of_day": "morning", "priority": "important"},
				{"title": "Long run", "description": "Slow and steady.", "duration_minutes": 40 + 5*i, "recurrence": "FREQ=WEEKLY;BYDAY=SA", "time_of_day": "07:30", "priority": "standard"},
				{"title": "Strength for runners", "description": "Squats and lunges.", "duration_minutes": 20, "recurrence": "FREQ=WEEKLY;BYDAY=MO", "time_of_day": "evening", "priority": "standard"},
			},
		})
	}
	return map[string]any{
		"title":      "Run a 10k",
		"category":   "running",
		"summary":    "Build up gradually to 10k.",
		"milestones": ms,
		"sources":    []any{},
	}
}

func weeksUpTo(n int) []int { return milestoneStarts(n) }

var tenK = Request{Statement: "Run a 10k in 10 weeks", CurrentState: "I jog twice a week", Preferences: "mornings"}

func TestLLMHappyPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.fake.ReplyJSON(modelPlan(weeksUpTo(10)))

	p, err := h.llm.Plan(context.Background(), tenK)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(p); err != nil {
		t.Fatal(err)
	}
	if p.Planner != NameLLM || p.Weeks != 10 || len(p.Milestones) != 10 || p.Title != "Run a 10k" || p.Category != DomainRunning {
		t.Errorf("plan: planner %q weeks %d milestones %d title %q category %q", p.Planner, p.Weeks, len(p.Milestones), p.Title, p.Category)
	}
	if got := p.Milestones[2].Tasks[0]; got.DurationMinutes != 30 || got.Priority != flux.PriorityImportant || got.TimeOfDay != Morning {
		t.Errorf("task decoded as %+v", got)
	}
	if len(p.Sources) != 0 || p.Sources == nil {
		t.Errorf("sources without a retriever: %#v", p.Sources)
	}

	reqs := h.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Model != "test/planner-model" || len(r.Messages) != 2 || r.Messages[0].Role != openai.ChatMessageRoleSystem || r.Messages[1].Role != openai.ChatMessageRoleUser {
		t.Errorf("request: model %q messages %+v", r.Model, r.Messages)
	}
	rf := r.ResponseFormat
	if rf == nil || rf.Type != openai.ChatCompletionResponseFormatTypeJSONSchema || rf.JSONSchema == nil || rf.JSONSchema.Name != "goal_plan" || !rf.JSONSchema.Strict {
		t.Fatalf("response_format: %+v", rf)
	}
	schema, _ := json.Marshal(rf.JSONSchema.Schema)
	var s struct {
		Required             []string `json:"required"`
		AdditionalProperties bool     `json:"additionalProperties"`
	}
	if err := json.Unmarshal(schema, &s); err != nil || !cmp.Equal(s.Required, []string{"title", "category", "summary", "milestones", "sources"}) {
		t.Errorf("schema sent: %s (%v)", schema, err)
	}
	if raw := string(h.fake.RawRequests()[0]); !strings.Contains(raw, `"type":"json_schema"`) || !strings.Contains(raw, `"strict":true`) {
		t.Errorf("raw request lacks the JSON-schema response format: %s", raw[:min(300, len(raw))])
	}
	user := r.Messages[1].Content
	for _, want := range []string{`"statement": "Run a 10k in 10 weeks"`, `"current_state": "I jog twice a week"`, "exactly 10 milestones, one per week", "Today is 2026-05-04 (Monday)", "No expert content"} {
		if !strings.Contains(user, want) {
			t.Errorf("prompt lacks %q:\n%s", want, user)
		}
	}
}

func TestLLMRepairsInvalidJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.fake.Reply(`{"title": "Run a 10k", "milestones": [`)
	h.fake.Reply("```json\n" + mustMarshal(t, modelPlan(weeksUpTo(10))) + "\n```")

	p, err := h.llm.Plan(context.Background(), tenK)
	if err != nil {
		t.Fatal(err)
	}
	if p.Planner != NameLLM {
		t.Errorf("planner %q, want llm", p.Planner)
	}
	reqs := h.fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	msgs := reqs[1].Messages
	if len(msgs) != 4 || msgs[2].Role != openai.ChatMessageRoleAssistant || !strings.Contains(msgs[2].Content, `"milestones": [`) ||
		!strings.Contains(msgs[3].Content, "not valid JSON") {
		t.Errorf("repair request: %+v", msgs)
	}
}

func TestLLMRepairsRuleBreakingPlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	bad := modelPlan(weeksUpTo(10))
	ms := bad["milestones"].([]map[string]any)
	tasks := ms[0]["tasks"].([]map[string]any)
	tasks[1]["duration_minutes"] = 500
	tasks[2]["recurrence"] = "every tuesday"
	ms[3]["week"] = 7
	ms[5]["tasks"] = tasks[:2]
	h.fake.ReplyJSON(bad)
	h.fake.ReplyJSON(modelPlan(weeksUpTo(10)))

	p, err := h.llm.Plan(context.Background(), tenK)
	if err != nil {
		t.Fatal(err)
	}
	if p.Planner != NameLLM || Validate(p) != nil {
		t.Errorf("planner %q, valid: %v", p.Planner, Validate(p))
	}
	reqs := h.fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	repair := reqs[1].Messages[3].Content
	for _, want := range []string{
		"milestones[0].tasks[1].duration_minutes: must be between 5 and 240, got 500",
		"milestones[0].tasks[2].recurrence",
		"milestones[3].week: must be 4",
		"milestones[5].tasks: want 3–5 tasks, got 2",
	} {
		if !strings.Contains(repair, want) {
			t.Errorf("repair message lacks %q:\n%s", want, repair)
		}
	}
}

func TestLLMFallsBackAfterThreeBadReplies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for range MaxRepairs + 1 {
		h.fake.Reply(`{"title": "x", "category": "running", "summary": "", "milestones": [], "sources": []}`)
	}
	p, err := h.llm.Plan(context.Background(), tenK)
	if err != nil {
		t.Fatal(err)
	}
	if p.Planner != NameOffline || Validate(p) != nil || p.Weeks != 10 {
		t.Errorf("fallback plan: planner %q weeks %d valid %v", p.Planner, p.Weeks, Validate(p))
	}
	if n := len(h.fake.Requests()); n != MaxRepairs+1 {
		t.Errorf("%d requests, want %d", n, MaxRepairs+1)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "falling back to the offline planner") || !strings.Contains(logs, "no valid plan after repairs") {
		t.Errorf("logs:\n%s", logs)
	}
	if strings.Contains(p.Summary, "repair") || strings.Contains(p.Summary, "violation") {
		t.Errorf("the reason leaks into the plan: %q", p.Summary)
	}
}

func TestLLMFallsBackOnServerError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.fake.ReplyStatus(http.StatusInternalServerError, "")
	p, err := h.llm.Plan(context.Background(), tenK)
	if err != nil {
		t.Fatal(err)
	}
	if p.Planner != NameOffline || Validate(p) != nil {
		t.Errorf("planner %q valid %v", p.Planner, Validate(p))
	}
	if n := len(h.fake.Requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry on a provider error)", n)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "provider error") || !strings.Contains(logs, "500") {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestLLMFallsBackOnTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *harnessConfig) { c.Timeout = 200 * time.Millisecond })
	h.fake.ReplyHang()
	start := time.Now()
	p, err := h.llm.Plan(context.Background(), tenK)
	if err != nil {
		t.Fatal(err)
	}
	if p.Planner != NameOffline {
		t.Errorf("planner %q", p.Planner)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if !strings.Contains(h.logs.String(), "deadline exceeded") {
		t.Errorf("logs:\n%s", h.logs.String())
	}
}

func TestLLMNeverLogsTheKey(t *testing.T) {
	t.Parallel()
	const key = "sk-or-v1-supersecret"
	h := newHarness(t, func(c *harnessConfig) { c.APIKey = key })
	// The fake rejects the key and echoes it, as some providers do.
	h.fake.SetHandler(func(openai.ChatCompletionRequest) openaifake.Reply {
		return openaifake.Reply{Status: http.StatusUnauthorized, Body: `{"error":{"message":"Incorrect API key provided: ` + key + `","type":"invalid_request_error"}}`}
	})
	h.fake.SetAPIKey(key)
	p, err := h.llm.Plan(context.Background(), tenK)
	if err != nil {
		t.Fatal(err)
	}
	if p.Planner != NameOffline {
		t.Errorf("planner %q", p.Planner)
	}
	logs := h.logs.String()
	if strings.Contains(logs, key) || !strings.Contains(logs, "[redacted]") {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestLLMAuthorizationHeader(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *harnessConfig) { c.APIKey = "wrong-key" })
	// No scripted reply: a request that got through would fail the test.
	p, err := h.llm.Plan(context.Background(), tenK)
	if err != nil || p.Planner != NameOffline {
		t.Fatalf("%v %v", p, err)
	}
	if !strings.Contains(h.logs.String(), "401") {
		t.Errorf("logs:\n%s", h.logs.String())
	}
}

func TestLLMGroundsInRetrievedPassages(t *testing.T) {
	t.Parallel()
	passages := []Passage{
		{Title: "Couch to 5K", Source: "https://www.nhs.uk/c25k", Text: "Run three times a week with rest days between.", Score: 0.9},
		{Title: "Physical Activity Guidelines", Source: "https://health.gov/pag", Text: "Adults need 150 minutes of moderate activity a week.", Score: 0.7},
	}
	var asked string
	var k int
	r := RetrieverFunc(func(_ context.Context, q string, n int) ([]Passage, error) {
		asked, k = q, n
		return passages, nil
	})
	h := newHarness(t, func(c *harnessConfig) { c.Retriever = r; c.TopK = 4 })
	reply := modelPlan(weeksUpTo(10))
	reply["sources"] = []map[string]string{
		{"title": "couch to 5k", "source": "nhs"},
		{"title": "A Study I Made Up", "source": "https://example.com/fake"},
	}
	h.fake.ReplyJSON(reply)

	p, err := h.llm.Plan(context.Background(), tenK)
	if err != nil {
		t.Fatal(err)
	}
	if asked != "Run a 10k in 10 weeks mornings" || k != 4 {
		t.Errorf("retriever asked %q k=%d", asked, k)
	}
	want := []flux.Source{{Title: "Couch to 5K", Source: "https://www.nhs.uk/c25k"}}
	if diff := cmp.Diff(want, p.Sources); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	prompt := h.fake.Requests()[0].Messages[1].Content
	for _, s := range []string{
		"[1] Title: Couch to 5K | Source: https://www.nhs.uk/c25k\nRun three times a week with rest days between.",
		"[2] Title: Physical Activity Guidelines | Source: https://health.gov/pag",
		"List in \"sources\" every excerpt",
	} {
		if !strings.Contains(prompt, s) {
			t.Errorf("prompt lacks %q:\n%s", s, prompt)
		}
	}

	// A reply citing nothing lists every retrieved article.
	h.fake.ReplyJSON(modelPlan(weeksUpTo(10)))
	p, _ = h.llm.Plan(context.Background(), tenK)
	if len(p.Sources) != 2 {
		t.Errorf("uncited reply: sources %v", p.Sources)
	}
}

func TestLLMRetrieverFailureIsNotFatal(t *testing.T) {
	t.Parallel()
	r := RetrieverFunc(func(context.Context, string, int) ([]Passage, error) { return nil, errors.New("index unavailable") })
	h := newHarness(t, func(c *harnessConfig) { c.Retriever = r })
	h.fake.ReplyJSON(modelPlan(weeksUpTo(10)))
	p, err := h.llm.Plan(context.Background(), tenK)
	if err != nil || p.Planner != NameLLM {
		t.Fatalf("%v %v", p, err)
	}
	if !strings.Contains(h.logs.String(), "retrieval failed") {
		t.Errorf("logs:\n%s", h.logs.String())
	}
}

func TestLLMPhases(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	req := Request{Statement: "Learn conversational Spanish by 2027-03-01"}
	starts := milestoneStarts(43)
	wrong := modelPlan(weeksUpTo(12)) // weekly starts 1..12: wrong for 43 weeks
	right := modelPlan(starts)
	right["category"] = "language"
	h.fake.ReplyJSON(wrong)
	h.fake.ReplyJSON(right)
	p, err := h.llm.Plan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Planner != NameLLM || p.Weeks != 43 || p.Category != DomainLanguage || !p.TargetDate.Equal(*date(2027, 3, 1)) {
		t.Errorf("plan: %q %d %q %v", p.Planner, p.Weeks, p.Category, p.TargetDate)
	}
	reqs := h.fake.Requests()
	if !strings.Contains(reqs[0].Messages[1].Content, "exactly 12 milestones, each a phase of several weeks") ||
		!strings.Contains(reqs[0].Messages[1].Content, "5 (weeks 5-8)") {
		t.Errorf("phase prompt:\n%s", reqs[0].Messages[1].Content)
	}
	if !strings.Contains(reqs[1].Messages[3].Content, "milestones[1].week: must be 5") {
		t.Errorf("repair:\n%s", reqs[1].Messages[3].Content)
	}
}

func TestLLMNormalizesReplies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	reply := modelPlan(weeksUpTo(2))
	task := reply["milestones"].([]map[string]any)[1]["tasks"].([]map[string]any)[0]
	task["priority"] = "must-not-miss"
	task["recurrence"] = "RRULE:freq=weekly;byday=sa;"
	task["time_of_day"] = " Evening "
	reply["category"] = "cooking"
	h.fake.ReplyJSON(reply)
	p, err := h.llm.Plan(context.Background(), Request{Statement: "Run a 5k in 2 weeks"})
	if err != nil || p.Planner != NameLLM {
		t.Fatalf("%v %v\n%s", p, err, h.logs.String())
	}
	got := p.Milestones[1].Tasks[0]
	if got.Priority != flux.PriorityMustNotMiss || got.Recurrence != "FREQ=WEEKLY;BYDAY=SA" || got.TimeOfDay != Evening || p.Category != DomainRunning {
		t.Errorf("normalized task %+v category %q", got, p.Category)
	}
}

func TestLLMReplanPrompt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	prev, _ := (&Offline{}).Plan(context.Background(), Request{Statement: tenK.Statement, Now: monday})
	h.fake.ReplyJSON(modelPlan(weeksUpTo(10)))
	req := tenK
	req.Feedback = "fewer runs, and no Mondays"
	req.Previous = prev
	if _, err := h.llm.Plan(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	prompt := h.fake.Requests()[0].Messages[1].Content
	for _, s := range []string{`"feedback_on_previous_plan": "fewer runs, and no Mondays"`, "This is a revision", prev.Milestones[0].Tasks[0].Title} {
		if !strings.Contains(prompt, s) {
			t.Errorf("prompt lacks %q", s)
		}
	}
}

func TestLLMContextCancelled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.fake.ReplyHang()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := h.llm.Plan(ctx, tenK); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the caller's deadline", err)
	}
	if _, err := h.llm.Plan(context.Background(), Request{}); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("empty statement: %v", err)
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
