package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fluxlife/flux/fluxtest/openaifake"
	openai "github.com/sashabaranov/go-openai"
)

// TestChatThroughFluxd: with a key, fluxd routes chat messages with the
// model CHAT_ROUTER_MODEL names; without, with the offline router. Both
// answer the frontend's shape.
func TestChatThroughFluxd(t *testing.T) {
	t.Parallel()
	fake := openaifake.NewLLM(t)
	fake.SetHandler(func(openai.ChatCompletionRequest) openaifake.Reply {
		b, _ := json.Marshal(map[string]any{"node": "NEW_TASK", "goal_statement": "", "task_title": "Phone the plumber", "duration_minutes": 0,
			"time_phrase": "tomorrow at 5pm", "task_id": "", "goal_id": "", "clarification_question": ""})
		return openaifake.Reply{Content: string(b)}
	})
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir(), "OPEN_ROUTER_API_KEY": fake.APIKey(), "OPENROUTER_BASE_URL": fake.URL(),
		EnvChatRouterModel: "test/router"}
	f := start(t, vars)
	if logs := f.logs.String(); !strings.Contains(logs, "name=chat") || !strings.Contains(logs, "llm router (test/router) via 127.0.0.1") ||
		strings.Contains(logs, fake.APIKey()) {
		t.Errorf("chat capability line:\n%s", logs)
	}
	alice := mintToken(t, vars, "alice@example.com")
	if code, _ := f.call(t, "PATCH", "/api/v1/account/me", alice, `{"onboarded": true, "timezone": "Europe/Berlin"}`); code != 200 {
		t.Fatalf("patch = %d", code)
	}
	code, r := f.call(t, "POST", "/api/v1/chat/message", alice, `{"message": "ping me about the plumber", "conversation_id": null}`)
	if code != 200 || r["agent_node"] != "NEW_TASK" || !strings.Contains(r["message"].(string), `"Phone the plumber" is set for tomorrow at 5 PM`) ||
		r["proposed_plan"] != nil || r["requires_user_action"] != false {
		t.Fatalf("chat = %d %v", code, r)
	}
	if reqs := fake.Requests(); len(reqs) != 1 || reqs[0].Model != "test/router" {
		t.Errorf("%d router requests", len(reqs))
	}
	f.stop()

	f = start(t, map[string]string{"FLUX_DATA_DIR": vars["FLUX_DATA_DIR"]})
	if !strings.Contains(f.logs.String(), "offline router (set OPEN_ROUTER_API_KEY for the LLM router)") {
		t.Errorf("offline chat capability line missing:\n%s", f.logs)
	}
	code, r = f.call(t, "POST", "/api/v1/chat/message", alice, `{"message": "remind me to call mom tomorrow at 6pm"}`)
	if code != 200 || r["agent_node"] != "NEW_TASK" || !strings.Contains(r["message"].(string), `"Call mom" is set for tomorrow at 6 PM`) {
		t.Fatalf("offline chat = %d %v", code, r)
	}
	code, h := f.call(t, "GET", "/api/v1/chat/conversations", alice, "")
	if cs, _ := h["conversations"].([]any); code != 200 || len(cs) != 2 {
		t.Errorf("conversations = %d %v", code, h)
	}
}
