package main

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/voice"
	"github.com/fluxlife/flux/voice/deepgram"
)

// openVoice returns the voice control plane configured by the DEEPGRAM_*
// and VOICE_* variables (voiceConfigFromEnv): goals it hears are planned
// by goals, tasks placed by sched. Without DEEPGRAM_API_KEY it is built all
// the same (its files are checked now), and creating a session answers 503
// with how to configure it. desc is the capability line.
func openVoice(cfg *config, st flux.Store, goals *planner.Service, sched *scheduler.Service, clock flux.Clock, log *slog.Logger, hc *http.Client) (*voice.Service, string, error) {
	ve, err := voiceConfigFromEnv(cfg.env)
	if err != nil {
		return nil, "", withFields(err)
	}
	opts := &voice.Options{
		Clock: clock, Logger: log.With("component", "voice"),
		Planner: goals, Scheduler: sched,
	}
	if ve.Configured() {
		dg := ve.Deepgram
		dg.Clock, dg.HTTPClient = clock, hc
		if opts.Minter, err = deepgram.NewMinter(ve.APIKey, &dg); err != nil {
			return nil, "", fmt.Errorf("voice: %w", withFields(err))
		}
	}
	vs, err := voice.New(st, ve.Config, opts)
	if err != nil {
		return nil, "", fmt.Errorf("voice: %w", withFields(err))
	}
	return vs, voiceDesc(ve), nil
}

// voiceDesc says who serves voice, without the key.
func voiceDesc(ve voiceEnv) string {
	if !ve.Configured() {
		return "off (set DEEPGRAM_API_KEY)"
	}
	vc := ve.Config
	return fmt.Sprintf("deepgram (agent models listen %s, think %s, speak %s) via %s",
		cmpOr(vc.ListenModel, voice.DefaultListenModel), cmpOr(vc.LLMModel, voice.DefaultLLMModel),
		cmpOr(vc.VoiceModel, voice.DefaultVoiceModel), redactURL(ve.Deepgram.BaseURL))
}
