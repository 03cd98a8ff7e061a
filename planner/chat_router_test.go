package planner_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest/openaifake"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/planner/openai"
	"github.com/google/go-cmp/cmp"
	goopenai "github.com/sashabaranov/go-openai"
)

// routeInput is a RouteInput for Ada in Berlin at chatNow with a run, a
// bank call and a Spanish goal.
func routeInput(msg string) planner.RouteInput {
	run := at(2026, 3, 25, 7, 30)
	bank := at(2026, 3, 26, 12, 0)
	return planner.RouteInput{
		Message: msg, Now: chatNow, Location: berlin,
		Sleep: &flux.TimeWindow{Start: flux.ClockTime{Hour: 23}, End: flux.ClockTime{Hour: 7}},
		Tasks: []flux.Task{
			{ID: "run-1", Title: "Easy run — 20 min", ScheduledAt: &run},
			{ID: "bank-1", Title: "Call the bank", ScheduledAt: &bank},
			{ID: "run-2", Title: "Long run", ScheduledAt: nil},
		},
		Goals: []flux.Goal{{ID: "goal-es", Title: "Learn conversational Spanish", Category: planner.DomainLanguage}},
	}
}

func TestOfflineRouter(t *testing.T) {
	t.Parallel()
	r := &planner.OfflineRouter{Times: voiceTimes{}}
	tests := []struct {
		msg   string
		draft bool
		want  planner.Intent
	}{
		{msg: "remind me to call mom tomorrow at 6pm", want: planner.Intent{Node: planner.NodeNewTask, Title: "Call mom", When: "tomorrow at 6pm"}},
		{msg: "Remind me tomorrow at 6pm to call mom.", want: planner.Intent{Node: planner.NodeNewTask, Title: "Call mom", When: "tomorrow at 6pm"}},
		{msg: "add a task: buy milk on Friday", want: planner.Intent{Node: planner.NodeNewTask, Title: "Buy milk", When: "on Friday"}},
		{msg: "remind me to water the plants", want: planner.Intent{Node: planner.NodeNewTask, Title: "Water the plants"}},
		{msg: "remind me to stretch for 15 minutes every weekday at 8am", want: planner.Intent{Node: planner.NodeNewTask, Title: "Stretch", Minutes: 15, When: "every weekday at 8am"}},
		{msg: "call the dentist on Monday at 9am", want: planner.Intent{Node: planner.NodeNewTask, Title: "Call the dentist", When: "on Monday at 9am"}},
		{msg: "move my run to Friday evening", want: planner.Intent{Node: planner.NodeReschedule, TaskID: "run-1", When: "Friday evening"}},
		{msg: "reschedule the long run to Sunday at 10am", want: planner.Intent{Node: planner.NodeReschedule, TaskID: "run-2", When: "Sunday at 10am"}},
		{msg: "push the bank call", want: planner.Intent{Node: planner.NodeReschedule, TaskID: "bank-1"}},
		{msg: "change the bank call to Thursday at 3pm", want: planner.Intent{Node: planner.NodeReschedule, TaskID: "bank-1", When: "Thursday at 3pm"}},
		{msg: "move my yoga to tomorrow", want: planner.Intent{Node: planner.NodeReschedule, When: "tomorrow"}},
		{msg: "make my Spanish plan easier", want: planner.Intent{Node: planner.NodeModifyGoal, GoalID: "goal-es", Change: "make my Spanish plan easier"}},
		{msg: "fewer spanish sessions please", want: planner.Intent{Node: planner.NodeModifyGoal, GoalID: "goal-es", Change: "fewer spanish sessions please"}},
		{msg: "I want to run a 10k in 10 weeks", want: planner.Intent{Node: planner.NodeGoal, Goal: "I want to run a 10k in 10 weeks"}},
		{msg: "Learn to play the guitar by June", want: planner.Intent{Node: planner.NodeGoal, Goal: "Learn to play the guitar by June"}},
		{msg: "make a plan to save $5000", want: planner.Intent{Node: planner.NodeGoal, Goal: "make a plan to save $5000"}},
		{msg: "I run 5k twice a week", draft: true, want: planner.Intent{Node: planner.NodeGoal, Goal: "I run 5k twice a week"}},
		{msg: "remind me to buy running shoes on Saturday", draft: true, want: planner.Intent{Node: planner.NodeNewTask, Title: "Buy running shoes", When: "on Saturday"}},
		{msg: "hello", want: planner.Intent{Node: planner.NodeClarify}},
		{msg: "what is the meaning of life", want: planner.Intent{Node: planner.NodeClarify}},
	}
	for _, tc := range tests {
		in := routeInput(tc.msg)
		in.GoalDraft = tc.draft
		got, err := r.Route(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.msg, d)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Route(ctx, routeInput("hello")); !errors.Is(err, context.Canceled) {
		t.Errorf("Route on an ended context = %v", err)
	}
}

func newLLMRouter(t *testing.T, llm *openaifake.LLM, timeout time.Duration) *planner.LLMRouter {
	model := openai.New(openai.Config{BaseURL: llm.URL(), APIKey: llm.APIKey(), HTTPClient: llm.HTTPClient()})
	return planner.NewLLMRouter(model, planner.LLMConfig{Timeout: timeout, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		&planner.OfflineRouter{Times: voiceTimes{}})
}

func routeReply(node string, fields map[string]any) map[string]any {
	r := map[string]any{"node": node, "goal_statement": "", "task_title": "", "duration_minutes": 0, "time_phrase": "",
		"task_id": "", "goal_id": "", "clarification_question": ""}
	for k, v := range fields {
		r[k] = v
	}
	return r
}

// TestLLMRouter: the model's answer is used when it checks out, and the
// offline router decides on any failure.
func TestLLMRouter(t *testing.T) {
	t.Parallel()
	offlineMove := planner.Intent{Node: planner.NodeReschedule, TaskID: "run-1", When: "Friday evening"}
	tests := []struct {
		name  string
		reply openaifake.Reply
		want  planner.Intent
	}{
		{"the model's route", openaifake.Reply{Content: mustJSON(t, routeReply(planner.NodeReschedule, map[string]any{"task_id": "run-1", "time_phrase": "Friday evening"}))},
			planner.Intent{Node: planner.NodeReschedule, TaskID: "run-1", When: "Friday evening"}},
		{"a new task in a fence", openaifake.Reply{Content: "```json\n" + mustJSON(t, routeReply(planner.NodeNewTask, map[string]any{"task_title": "Run errands", "duration_minutes": 45, "time_phrase": "Friday evening"})) + "\n```"},
			planner.Intent{Node: planner.NodeNewTask, Title: "Run errands", Minutes: 45, When: "Friday evening"}},
		{"provider error", openaifake.Reply{Status: 500}, offlineMove},
		{"rate limited", openaifake.Reply{Status: 429}, offlineMove},
		{"not JSON", openaifake.Reply{Content: "Sure! I think you want to move your run."}, offlineMove},
		{"an invented task id", openaifake.Reply{Content: mustJSON(t, routeReply(planner.NodeReschedule, map[string]any{"task_id": "someone-elses"}))}, offlineMove},
		{"an unknown node", openaifake.Reply{Content: mustJSON(t, routeReply("DELETE_ACCOUNT", nil))}, offlineMove},
		{"a task without a title", openaifake.Reply{Content: mustJSON(t, routeReply(planner.NodeNewTask, nil))}, offlineMove},
		{"a goal not the user's", openaifake.Reply{Content: mustJSON(t, routeReply(planner.NodeModifyGoal, map[string]any{"goal_id": "other"}))}, offlineMove},
		{"a timeout", openaifake.Reply{Hang: true}, offlineMove},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			llm := openaifake.NewLLM(t)
			llm.Enqueue(tc.reply)
			r := newLLMRouter(t, llm, 300*time.Millisecond)
			got, err := r.Route(context.Background(), routeInput("move my run to Friday evening"))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			reqs := llm.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			rf := reqs[0].ResponseFormat
			if rf == nil || rf.Type != goopenai.ChatCompletionResponseFormatTypeJSONSchema || rf.JSONSchema.Name != "chat_route" || !rf.JSONSchema.Strict {
				t.Errorf("response format = %+v", rf)
			}
			if user := reqs[0].Messages[1].Content; !strings.Contains(user, `"id":"run-1"`) || !strings.Contains(user, "move my run to Friday evening") {
				t.Errorf("the prompt does not show the tasks and the message: %s", user)
			}
		})
	}
	t.Run("the caller's context ends", func(t *testing.T) {
		t.Parallel()
		llm := openaifake.NewLLM(t)
		llm.ReplyHang()
		r := newLLMRouter(t, llm, time.Minute)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := r.Route(ctx, routeInput("hello")); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Route = %v, want the context's error", err)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzOfflineRouter: any message routes to a known node without panicking,
// and a new task always has a trimmed title.
func FuzzOfflineRouter(f *testing.F) {
	for _, s := range []string{"remind me to call mom tomorrow at 6pm", "move my run to Friday evening", "make my plan easier",
		"I want to run a 10k in 10 weeks", "remind me", "İstanbul’da remind me to ☕ at 25:99", "for 0 hours", "for 9999 minutes at 7",
		"add a task: …", "remind me to to to at on by"} {
		f.Add(s)
	}
	r := &planner.OfflineRouter{Times: voiceTimes{}}
	f.Fuzz(func(t *testing.T, msg string) {
		if len(msg) > 4000 {
			return
		}
		it, err := r.Route(context.Background(), routeInput(msg))
		if err != nil {
			t.Fatal(err)
		}
		switch it.Node {
		case planner.NodeGoal, planner.NodeNewTask, planner.NodeReschedule, planner.NodeModifyGoal, planner.NodeClarify:
		default:
			t.Fatalf("node %q", it.Node)
		}
		if it.Title != strings.TrimSpace(it.Title) || it.Minutes < 0 || it.Minutes > 1440 {
			t.Fatalf("intent %+v", it)
		}
	})
}
