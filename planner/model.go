package planner

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// A Model answers one chat completion whose reply must be a JSON object
// following a JSON schema (structured output). The LLM planner and the LLM
// router ask one; planner/openai implements it on any OpenAI-compatible API
// (OpenRouter, OpenAI, a local server) with github.com/sashabaranov/go-openai.
// Package planner itself makes no network calls.
type Model interface {
	// CompleteJSON returns the content of the model's reply. An error
	// (the provider failed, ctx ended) makes the caller fall back; its text
	// is logged, so it must not carry secrets such as the API key.
	CompleteJSON(ctx context.Context, req ModelRequest) (string, error)
}

// Roles of a ModelMessage.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// ModelMessage is one message of a chat with a Model.
type ModelMessage struct {
	// Role is RoleSystem, RoleUser or RoleAssistant.
	Role string
	// Content is the message's text.
	Content string
}

// ModelRequest is one structured-output completion.
type ModelRequest struct {
	// Messages is the conversation so far, oldest first.
	Messages []ModelMessage
	// Temperature is the sampling temperature; 0 means the model's
	// default.
	Temperature float32
	// SchemaName and SchemaDescription name and describe the schema, as
	// OpenAI's response_format.json_schema asks.
	SchemaName, SchemaDescription string
	// Schema is the JSON schema of the reply, in the strict subset (every
	// property required, no others).
	Schema json.RawMessage
}

// ModelFunc adapts a function to a Model.
type ModelFunc func(ctx context.Context, req ModelRequest) (string, error)

// CompleteJSON calls f.
func (f ModelFunc) CompleteJSON(ctx context.Context, req ModelRequest) (string, error) {
	return f(ctx, req)
}

// completeJSON makes one model call bounded by timeout.
func completeJSON(ctx context.Context, m Model, timeout time.Duration, req ModelRequest) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	content, err := m.CompleteJSON(cctx, req)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", modelName(m), err)
	}
	return content, nil
}

// modelName names a model for logs: its String method when it has one.
func modelName(m Model) string {
	if s, ok := m.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", m)
}
