package planner_test

import (
	"net/http"

	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/planner/openai"
)

// The LLM planner's tests ask the real go-openai client, talking to the
// fake server.
func init() {
	planner.NewOpenAIModel = func(baseURL, apiKey, model string, hc *http.Client) planner.Model {
		return openai.New(openai.Config{BaseURL: baseURL, APIKey: apiKey, Model: model, HTTPClient: hc})
	}
}
