package main

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/voice"
)

// openVoice returns the voice control plane configured by the DEEPGRAM_*
// and VOICE_* variables (voice.ConfigFromEnv): goals it hears are planned
// by goals, tasks placed by sched. Without DEEPGRAM_API_KEY it is built all
// the same (its files are checked now), and creating a session answers 503
// with how to configure it. desc is the capability line.
func openVoice(cfg *config, st flux.Store, goals *planner.Service, sched *scheduler.Service, clock flux.Clock, log *slog.Logger, hc *http.Client) (*voice.Service, string, error) {
	vc, err := voice.ConfigFromEnv(cfg.env)
	if err != nil {
		return nil, "", withFields(err)
	}
	vs, err := voice.New(st, vc, &voice.Options{
		Clock: clock, Logger: log.With("component", "voice"),
		Planner: httpapi.VoicePlanner(st, goals), Scheduler: sched, HTTPClient: hc,
	})
	if err != nil {
		return nil, "", fmt.Errorf("voice: %w", withFields(err))
	}
	return vs, voiceDesc(vc), nil
}

// voiceDesc says who serves voice, without the key.
func voiceDesc(vc voice.Config) string {
	if !vc.Configured() {
		return "off (set DEEPGRAM_API_KEY)"
	}
	return fmt.Sprintf("deepgram (agent models listen %s, think %s, speak %s) via %s",
		vc.ListenModel, vc.LLMModel, vc.VoiceModel, redactURL(vc.BaseURL))
}
