// Package openai is the planner's model on any OpenAI-compatible chat API
// (OpenRouter by default, OpenAI, a local server), through
// github.com/sashabaranov/go-openai: a [planner.Model] whose replies follow
// a JSON schema (structured output), for the LLM planner and the LLM chat
// router.
//
//	m := openai.New(openai.Config{APIKey: key})
//	p := planner.NewLLM(m, planner.LLMConfig{Retriever: r})
//	router := planner.NewLLMRouter(m, planner.LLMConfig{}, offlineRouter)
//
// It lives apart from package planner so that a program using only the
// offline planner links neither go-openai nor net/http.
package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/fluxlife/flux/planner"
)

// Defaults of Config: the original system's OpenRouter settings.
const (
	DefaultBaseURL = "https://openrouter.ai/api/v1"
	DefaultModel   = "openai/gpt-4o-mini"
	// DefaultHTTPTimeout bounds each HTTP request of the default client, a
	// backstop behind the deadline the planner puts on each call.
	DefaultHTTPTimeout = planner.DefaultTimeout + 5*time.Second
)

// Config configures a Client. Only APIKey is required; a zero field takes
// the default documented on it.
type Config struct {
	// BaseURL of an OpenAI-compatible API; DefaultBaseURL (OpenRouter) when
	// empty.
	BaseURL string
	// APIKey is sent as a bearer token. It is never logged, and removed from
	// the text of every error the Client returns.
	APIKey string
	// Model is the chat model; DefaultModel when empty.
	Model string
	// HTTPClient makes the API calls; a client with DefaultHTTPTimeout when
	// nil.
	HTTPClient *http.Client
}

// Client is a planner.Model on an OpenAI-compatible chat completions API.
// It is safe for concurrent use.
type Client struct {
	client  *goopenai.Client
	model   string
	apiKey  string
	baseURL string
}

var _ planner.Model = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) *Client {
	base := strings.TrimRight(cmpOr(strings.TrimSpace(cfg.BaseURL), DefaultBaseURL), "/")
	oc := goopenai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = base
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	oc.HTTPClient = hc // never a nil *http.Client in the interface
	return &Client{client: goopenai.NewClientWithConfig(oc), model: cmpOr(strings.TrimSpace(cfg.Model), DefaultModel),
		apiKey: cfg.APIKey, baseURL: base}
}

// NewPlanner returns the LLM planner on the model cfg names: planner.NewLLM
// with a Client.
func NewPlanner(cfg Config, opts planner.LLMConfig) *planner.LLM {
	return planner.NewLLM(New(cfg), opts)
}

// NewRouter returns the LLM chat router on the model cfg names, falling
// back to fallback: planner.NewLLMRouter with a Client.
func NewRouter(cfg Config, opts planner.LLMConfig, fallback planner.Router) *planner.LLMRouter {
	return planner.NewLLMRouter(New(cfg), opts, fallback)
}

// Model returns the model's name.
func (c *Client) Model() string { return c.model }

// String names the model and the API host, without the key, for logs.
func (c *Client) String() string {
	host := c.baseURL
	if u, err := url.Parse(c.baseURL); err == nil && u.Host != "" {
		host = u.Host
	}
	return c.model + " at " + host
}

// CompleteJSON makes one chat completion call whose reply must follow
// req.Schema (response_format json_schema, strict) and returns the reply's
// content. Errors never contain the API key.
func (c *Client) CompleteJSON(ctx context.Context, req planner.ModelRequest) (string, error) {
	msgs := make([]goopenai.ChatCompletionMessage, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = goopenai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	resp, err := c.client.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{
		Model:       c.model,
		Messages:    msgs,
		Temperature: req.Temperature,
		ResponseFormat: &goopenai.ChatCompletionResponseFormat{
			Type: goopenai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{
				Name: req.SchemaName, Description: req.SchemaDescription, Schema: req.Schema, Strict: true,
			},
		},
	})
	if err != nil {
		return "", c.redact(fmt.Errorf("chat completion: %w", err))
	}
	if len(resp.Choices) == 0 {
		return "", errors.New("chat completion: no choices in the reply")
	}
	return resp.Choices[0].Message.Content, nil
}

// redact hides the API key in err's text, which some providers echo.
func (c *Client) redact(err error) error {
	if len(c.apiKey) < 4 || !strings.Contains(err.Error(), c.apiKey) {
		return err
	}
	return &redactedError{text: strings.ReplaceAll(err.Error(), c.apiKey, "[redacted]"), err: err}
}

// redactedError shows text but unwraps to the original error, so that
// errors.Is and errors.As still work.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
