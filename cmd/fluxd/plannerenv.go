package main

import (
	"strings"

	plannerai "github.com/fluxlife/flux/planner/openai"
)

// Environment variables of the LLM planner and the LLM chat router.
const (
	EnvPlannerBaseURL = "OPENROUTER_BASE_URL"
	EnvPlannerAPIKey  = "OPEN_ROUTER_API_KEY"
	EnvPlannerModel   = "GOAL_PLANNER_MODEL"
)

// plannerConfigFromEnv reads OPENROUTER_BASE_URL, OPEN_ROUTER_API_KEY and
// GOAL_PLANNER_MODEL through getenv, applying planner/openai's defaults for
// unset variables. Without a key, the offline planner and router serve.
func plannerConfigFromEnv(getenv func(string) string) plannerai.Config {
	return plannerai.Config{
		BaseURL: cmpOr(strings.TrimSpace(getenv(EnvPlannerBaseURL)), plannerai.DefaultBaseURL),
		APIKey:  strings.TrimSpace(getenv(EnvPlannerAPIKey)),
		Model:   cmpOr(strings.TrimSpace(getenv(EnvPlannerModel)), plannerai.DefaultModel),
	}
}
