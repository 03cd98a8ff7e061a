package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/voice"
	"github.com/fluxlife/flux/voice/deepgram"
	"github.com/google/go-cmp/cmp"
)

func envMap(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestVoiceConfigFromEnvDefaults(t *testing.T) {
	t.Parallel()
	c, err := voiceConfigFromEnv(envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := voiceEnv{Deepgram: deepgram.Options{BaseURL: deepgram.DefaultBaseURL, TTL: time.Hour, Timeout: 10 * time.Second}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Fatalf("defaults (-want +got):\n%s", diff)
	}
	if c.Configured() {
		t.Fatal("configured without a key")
	}
}

func TestVoiceConfigFromEnvSet(t *testing.T) {
	t.Parallel()
	c, err := voiceConfigFromEnv(envMap(map[string]string{
		"DEEPGRAM_API_KEY": "secret-key", "DEEPGRAM_BASE_URL": "http://127.0.0.1:9999/", "DEEPGRAM_TOKEN_TTL": "120",
		"DEEPGRAM_TIMEOUT": "3s", "DEEPGRAM_VOICE_MODEL": "aura-2-orion-en", "DEEPGRAM_LISTEN_MODEL": "nova-2",
		"DEEPGRAM_LLM_MODEL": "gpt-4o", "VOICE_GREETING": "Hi!", "VOICE_LANGUAGE": "de",
		"VOICE_INTENTS_FILE": "/etc/flux/intents.yaml", "VOICE_PROMPT_FILE": "/etc/flux/prompt.md",
		"VOICE_DAILY_SESSION_LIMIT": "-1", "VOICE_BURST_LIMIT": "3", "VOICE_BURST_WINDOW": "60",
		"VOICE_STALE_SESSION_TIMEOUT": "15m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := voiceEnv{APIKey: "secret-key", Deepgram: deepgram.Options{BaseURL: "http://127.0.0.1:9999", TTL: 2 * time.Minute, Timeout: 3 * time.Second}, Config: voice.Config{
		VoiceModel: "aura-2-orion-en", ListenModel: "nova-2", LLMModel: "gpt-4o", Greeting: "Hi!", Language: "de",
		IntentsFile: "/etc/flux/intents.yaml", PromptFile: "/etc/flux/prompt.md",
		DailySessionLimit: -1, BurstLimit: 3, BurstWindow: time.Minute, StaleAfter: 15 * time.Minute,
	}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Fatalf("config (-want +got):\n%s", diff)
	}
	if s := voiceDesc(c); strings.Contains(s, "secret-key") || !strings.Contains(s, "listen nova-2") {
		t.Fatalf("voiceDesc = %q", s)
	}
}

func TestVoiceConfigFromEnvErrors(t *testing.T) {
	t.Parallel()
	_, err := voiceConfigFromEnv(envMap(map[string]string{
		"DEEPGRAM_TOKEN_TTL": "7200", "VOICE_DAILY_SESSION_LIMIT": "many", "VOICE_BURST_WINDOW": "soon",
		"DEEPGRAM_TIMEOUT": "1fortnight",
	}))
	if flux.ErrorCode(err) != flux.EInvalid {
		t.Fatalf("error %v, want EInvalid", err)
	}
	var fe *flux.Error
	errors.As(err, &fe)
	var fields []string
	for _, f := range fe.Fields {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"DEEPGRAM_TIMEOUT", "VOICE_BURST_WINDOW", "DEEPGRAM_TOKEN_TTL", "VOICE_DAILY_SESSION_LIMIT"}, fields); diff != "" {
		t.Fatalf("fields (-want +got):\n%s", diff)
	}
	_, err = voiceConfigFromEnv(envMap(map[string]string{"DEEPGRAM_BASE_URL": "api.deepgram.com", "DEEPGRAM_LLM_MODEL": "gpt 4"}))
	if !errors.As(err, &fe) {
		t.Fatalf("bad URL: %v", err)
	}
	if len(fe.Fields) != 2 || fe.Fields[0].Field != "DEEPGRAM_BASE_URL" || fe.Fields[1].Field != "DEEPGRAM_LLM_MODEL" {
		t.Fatalf("fields %+v", fe.Fields)
	}
	for _, ttl := range []string{"0", "3601", "-5", "1.5"} {
		if _, err := voiceConfigFromEnv(envMap(map[string]string{"DEEPGRAM_TOKEN_TTL": ttl})); err == nil {
			t.Errorf("TTL %q accepted", ttl)
		}
	}
	for _, ttl := range []string{"1", "3600"} {
		if _, err := voiceConfigFromEnv(envMap(map[string]string{"DEEPGRAM_TOKEN_TTL": ttl})); err != nil {
			t.Errorf("TTL %q: %v", ttl, err)
		}
	}
}
