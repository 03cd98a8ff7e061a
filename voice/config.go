package voice

import (
	"fmt"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// Defaults of Config.
const (
	DefaultVoiceModel        = "aura-2-thalia-en"
	DefaultListenModel       = "nova-3"
	DefaultLLMModel          = "gpt-4o-mini"
	DefaultGreeting          = "Hey! What can I help you with today?"
	DefaultLanguage          = "en"
	DefaultDailySessionLimit = 20
	DefaultBurstLimit        = 5
	DefaultBurstWindow       = 10 * time.Minute
	DefaultStaleAfter        = 30 * time.Minute
)

// Config configures the voice control plane; a zero field takes the
// default documented on it when passed to New. The Deepgram grant is
// configured on the minter (voice/deepgram). cmd/fluxd reads both from the
// environment; the variable names are given in parentheses.
type Config struct {
	// VoiceModel is the text-to-speech model (DEEPGRAM_VOICE_MODEL); default
	// "aura-2-thalia-en".
	VoiceModel string
	// ListenModel is the speech-to-text model (DEEPGRAM_LISTEN_MODEL);
	// default "nova-3".
	ListenModel string
	// LLMModel is the OpenAI model the agent thinks with
	// (DEEPGRAM_LLM_MODEL); default "gpt-4o-mini".
	LLMModel string
	// Greeting is what the agent says first (VOICE_GREETING); default "Hey!
	// What can I help you with today?".
	Greeting string
	// Language is the agent's ISO 639-1 language (VOICE_LANGUAGE); default
	// "en".
	Language string
	// IntentsFile is an intents registry in YAML (VOICE_INTENTS_FILE);
	// empty means the copy embedded in the binary (DefaultIntentsYAML).
	IntentsFile string
	// PromptFile is the prompt template (VOICE_PROMPT_FILE); empty means
	// the embedded one (DefaultPromptTemplate).
	PromptFile string
	// DailySessionLimit caps the sessions a user may start per day, counted
	// from the user's local midnight (VOICE_DAILY_SESSION_LIMIT); default 20,
	// negative means no cap.
	DailySessionLimit int
	// BurstLimit and BurstWindow cap how fast one user may start sessions:
	// BurstLimit sessions per BurstWindow (VOICE_BURST_LIMIT,
	// VOICE_BURST_WINDOW); defaults 5 per 10 minutes, a negative BurstLimit
	// means no cap.
	BurstLimit  int
	BurstWindow time.Duration
	// StaleAfter is how long an open session may sit unused (no message,
	// no intent) before it no longer blocks a new one: creating a session
	// then closes it (VOICE_STALE_SESSION_TIMEOUT); default 30 minutes.
	StaleAfter time.Duration
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.VoiceModel == "" {
		c.VoiceModel = DefaultVoiceModel
	}
	if c.ListenModel == "" {
		c.ListenModel = DefaultListenModel
	}
	if c.LLMModel == "" {
		c.LLMModel = DefaultLLMModel
	}
	if c.Greeting == "" {
		c.Greeting = DefaultGreeting
	}
	if c.Language == "" {
		c.Language = DefaultLanguage
	}
	if c.DailySessionLimit == 0 {
		c.DailySessionLimit = DefaultDailySessionLimit
	}
	if c.BurstLimit == 0 {
		c.BurstLimit = DefaultBurstLimit
	}
	if c.BurstWindow == 0 {
		c.BurstWindow = DefaultBurstWindow
	}
	if c.StaleAfter == 0 {
		c.StaleAfter = DefaultStaleAfter
	}
	return c
}

// validate checks a defaulted Config and lists every problem, naming the
// environment variable of each field.
func (c Config) validate() error {
	var fs []flux.FieldError
	add := func(field, format string, args ...any) {
		fs = append(fs, flux.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if c.BurstLimit > 0 && c.BurstWindow <= 0 {
		add("VOICE_BURST_WINDOW", "must be positive")
	}
	if c.StaleAfter < 0 {
		add("VOICE_STALE_SESSION_TIMEOUT", "must not be negative")
	}
	for _, m := range []struct{ env, v string }{
		{"DEEPGRAM_VOICE_MODEL", c.VoiceModel}, {"DEEPGRAM_LISTEN_MODEL", c.ListenModel}, {"DEEPGRAM_LLM_MODEL", c.LLMModel},
	} {
		if strings.ContainsAny(m.v, " \t\r\n") {
			add(m.env, "must be a model name without spaces")
		}
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid voice configuration", fs...)
	}
	return nil
}

// String describes the configuration, for logs.
func (c Config) String() string {
	c = c.withDefaults()
	return fmt.Sprintf("voice{listen=%s think=%s speak=%s}", c.ListenModel, c.LLMModel, c.VoiceModel)
}

// Validate checks c as New would (zero fields taking their defaults) and
// lists every problem as an EInvalid *flux.Error.
func (c Config) Validate() error { return c.withDefaults().validate() }
