package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/voice"
	"github.com/fluxlife/flux/voice/deepgram"
)

// voiceEnv is the voice configuration read from the environment: the
// control plane's settings and the Deepgram grant's.
type voiceEnv struct {
	// Config is voice.New's configuration; zero fields take voice's
	// defaults.
	Config voice.Config
	// APIKey is DEEPGRAM_API_KEY; empty means voice is off.
	APIKey string
	// Deepgram configures the grant minter (DEEPGRAM_BASE_URL,
	// DEEPGRAM_TOKEN_TTL, DEEPGRAM_TIMEOUT), its defaults filled in.
	Deepgram deepgram.Options
}

// Configured reports whether a Deepgram API key is set.
func (e voiceEnv) Configured() bool { return e.APIKey != "" }

// voiceConfigFromEnv reads the voice configuration through getenv. Unset
// variables take the defaults documented on voice.Config and
// deepgram.Options. An unparsable value is an EInvalid error whose Fields
// name every offending variable.
func voiceConfigFromEnv(getenv func(string) string) (voiceEnv, error) {
	var fs []flux.FieldError
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	intVar := func(k string) int {
		s := get(k)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			fs = append(fs, flux.FieldError{Field: k, Message: fmt.Sprintf("%q is not a whole number", s)})
		}
		return n
	}
	durVar := func(k string) time.Duration {
		s := get(k)
		if s == "" {
			return 0
		}
		if n, err := strconv.Atoi(s); err == nil {
			return time.Duration(n) * time.Second
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			fs = append(fs, flux.FieldError{Field: k, Message: fmt.Sprintf("%q is neither seconds nor a duration such as 30m", s)})
		}
		return d
	}
	e := voiceEnv{APIKey: get("DEEPGRAM_API_KEY")}
	e.Deepgram.BaseURL = strings.TrimRight(get("DEEPGRAM_BASE_URL"), "/")
	e.Deepgram.Timeout = durVar("DEEPGRAM_TIMEOUT")
	e.Config = voice.Config{
		VoiceModel:  get("DEEPGRAM_VOICE_MODEL"),
		ListenModel: get("DEEPGRAM_LISTEN_MODEL"),
		LLMModel:    get("DEEPGRAM_LLM_MODEL"),
		Greeting:    get("VOICE_GREETING"),
		Language:    get("VOICE_LANGUAGE"),
		IntentsFile: get("VOICE_INTENTS_FILE"),
		PromptFile:  get("VOICE_PROMPT_FILE"),
		BurstWindow: durVar("VOICE_BURST_WINDOW"),
		StaleAfter:  durVar("VOICE_STALE_SESSION_TIMEOUT"),
	}
	if s := get("DEEPGRAM_TOKEN_TTL"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 3600 {
			fs = append(fs, flux.FieldError{Field: "DEEPGRAM_TOKEN_TTL", Message: fmt.Sprintf("%q: want whole seconds from 1 to 3600 (Deepgram's allowed range)", s)})
		} else {
			e.Deepgram.TTL = time.Duration(n) * time.Second
		}
	}
	e.Config.DailySessionLimit = intVar("VOICE_DAILY_SESSION_LIMIT")
	e.Config.BurstLimit = intVar("VOICE_BURST_LIMIT")
	if len(fs) > 0 {
		return e, flux.Invalid("invalid voice configuration", fs...)
	}
	e.Deepgram.BaseURL = cmpOr(e.Deepgram.BaseURL, deepgram.DefaultBaseURL)
	if e.Deepgram.TTL == 0 {
		e.Deepgram.TTL = deepgram.DefaultTTL
	}
	if e.Deepgram.Timeout == 0 {
		e.Deepgram.Timeout = deepgram.DefaultTimeout
	}
	if u, err := url.Parse(e.Deepgram.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fs = append(fs, flux.FieldError{Field: "DEEPGRAM_BASE_URL", Message: "must be an http or https URL such as " + deepgram.DefaultBaseURL})
	}
	if e.Deepgram.Timeout < 0 {
		fs = append(fs, flux.FieldError{Field: "DEEPGRAM_TIMEOUT", Message: "must not be negative"})
	}
	var ve *flux.Error
	if err := e.Config.Validate(); err != nil && errors.As(err, &ve) {
		fs = append(fs, ve.Fields...)
	} else if err != nil {
		return e, err
	}
	if len(fs) > 0 {
		return e, flux.Invalid("invalid voice configuration", fs...)
	}
	return e, nil
}
