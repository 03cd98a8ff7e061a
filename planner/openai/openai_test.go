package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/fluxlife/flux/fluxtest/openaifake"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/planner/openai"
)

var schema = json.RawMessage(`{"type":"object","additionalProperties":false,"required":["answer"],"properties":{"answer":{"type":"integer"}}}`)

// TestCompleteJSON: the request go-openai sends is a strict json_schema
// completion of the configured model, and the reply's content comes back.
func TestCompleteJSON(t *testing.T) {
	t.Parallel()
	fake := openaifake.NewLLM(t)
	fake.ReplyJSON(map[string]any{"answer": 42})
	c := openai.New(openai.Config{BaseURL: fake.URL() + "/", APIKey: fake.APIKey(), Model: "test/model", HTTPClient: fake.HTTPClient()})
	got, err := c.CompleteJSON(context.Background(), planner.ModelRequest{
		Messages:    []planner.ModelMessage{{Role: planner.RoleSystem, Content: "be brief"}, {Role: planner.RoleUser, Content: "the answer?"}},
		Temperature: 0.4, SchemaName: "answer", SchemaDescription: "An answer.", Schema: schema,
	})
	if err != nil || got != `{"answer":42}` {
		t.Fatalf("CompleteJSON = %q, %v", got, err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Model != "test/model" || r.Temperature != 0.4 || len(r.Messages) != 2 || r.Messages[0].Role != goopenai.ChatMessageRoleSystem ||
		r.ResponseFormat == nil || r.ResponseFormat.Type != goopenai.ChatCompletionResponseFormatTypeJSONSchema ||
		r.ResponseFormat.JSONSchema == nil || !r.ResponseFormat.JSONSchema.Strict || r.ResponseFormat.JSONSchema.Name != "answer" {
		t.Fatalf("request %+v", r)
	}
	if s := c.String(); s != "test/model at 127.0.0.1"+strings.TrimPrefix(strings.TrimSuffix(fake.URL(), "/v1"), "http://127.0.0.1") {
		t.Errorf("String() = %q", s)
	}
}

// TestCompleteJSONHidesTheKey: a provider that echoes the key in its error
// does not get it into the error text, and the error still unwraps.
func TestCompleteJSONHidesTheKey(t *testing.T) {
	t.Parallel()
	const key = "sk-or-v1-supersecret"
	fake := openaifake.NewLLM(t)
	fake.SetAPIKey(key)
	fake.SetHandler(func(goopenai.ChatCompletionRequest) openaifake.Reply {
		return openaifake.Reply{Status: http.StatusUnauthorized, Body: `{"error":{"message":"Incorrect API key provided: ` + key + `","type":"invalid_request_error"}}`}
	})
	c := openai.New(openai.Config{BaseURL: fake.URL(), APIKey: key, HTTPClient: fake.HTTPClient()})
	_, err := c.CompleteJSON(context.Background(), planner.ModelRequest{Messages: []planner.ModelMessage{{Role: planner.RoleUser, Content: "hi"}}, SchemaName: "answer", Schema: schema})
	if err == nil || strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("error %v", err)
	}
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusUnauthorized {
		t.Fatalf("error %v does not unwrap to the API error", err)
	}
}

// TestDefaultHTTPClient: without an HTTPClient the client still sends (a
// refused connection is an error, not a panic).
func TestDefaultHTTPClient(t *testing.T) {
	t.Parallel()
	c := openai.New(openai.Config{BaseURL: "http://127.0.0.1:1/v1", APIKey: "k"})
	if _, err := c.CompleteJSON(context.Background(), planner.ModelRequest{SchemaName: "x", Schema: schema}); err == nil {
		t.Fatal("no error from a refused connection")
	}
}
