package main

import (
	"log/slog"
	"strings"

	"github.com/fluxlife/flux/httpapi"
	"github.com/fluxlife/flux/planner"
	plannerai "github.com/fluxlife/flux/planner/openai"
	"github.com/fluxlife/flux/scheduler"
)

// EnvChatRouterModel names the chat model that routes chat messages when
// OPEN_ROUTER_API_KEY is set; GOAL_PLANNER_MODEL's when unset.
const EnvChatRouterModel = "CHAT_ROUTER_MODEL"

// openChat returns the chat assistant of /api/v1/chat: its messages are
// routed by the model pc names when pc has an API key, falling back to the
// offline router on any failure, and by the offline router otherwise; times
// are read by the voice agent's parser, tasks placed by sched. desc is the
// capability line.
func openChat(cfg *config, pc plannerai.Config, goals *planner.Service, sched *scheduler.Service, log *slog.Logger) (*planner.Chat, string) {
	times := httpapi.ChatTimes()
	offline := &planner.OfflineRouter{Times: times}
	opts := &planner.ChatOptions{Router: offline, Times: times, Scheduler: sched, Logger: log.With("component", "chat")}
	if pc.APIKey == "" {
		return planner.NewChat(goals, opts), "offline router (set " + EnvPlannerAPIKey + " for the LLM router)"
	}
	rc := pc
	if m := strings.TrimSpace(cfg.env(EnvChatRouterModel)); m != "" {
		rc.Model = m
	}
	// Timeout zero: the router's own default, since a chat message waits
	// for it.
	r := plannerai.NewRouter(rc, planner.LLMConfig{Logger: opts.Logger}, offline)
	opts.Router = r
	return planner.NewChat(goals, opts), "llm router (" + rc.Model + ") via " + redactURL(rc.BaseURL) + ", offline fallback"
}
