package voice

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// Defaults of Config, as ConfigFromEnv fills them in.
const (
	DefaultBaseURL           = "https://api.deepgram.com"
	DefaultTokenTTL          = time.Hour
	DefaultVoiceModel        = "aura-2-thalia-en"
	DefaultListenModel       = "nova-3"
	DefaultLLMModel          = "gpt-4o-mini"
	DefaultGreeting          = "Hey! What can I help you with today?"
	DefaultLanguage          = "en"
	DefaultDailySessionLimit = 20
	DefaultBurstLimit        = 5
	DefaultBurstWindow       = 10 * time.Minute
	DefaultStaleAfter        = 30 * time.Minute
	DefaultRequestTimeout    = 10 * time.Second

	// MaxTokenTTL and MinTokenTTL bound the TTL of a Deepgram grant: the
	// auth/grant endpoint accepts ttl_seconds from 1 to 3600.
	MinTokenTTL = time.Second
	MaxTokenTTL = time.Hour
)

// Config configures the voice control plane. ConfigFromEnv reads it from the
// environment; a zero field takes the default documented on it when passed
// to New.
type Config struct {
	// APIKey is the Deepgram API key (DEEPGRAM_API_KEY), used only to mint
	// short-lived grants for the browser. Empty means voice is not
	// configured: Create answers EUnavailable (unless Options.Minter is set).
	APIKey string
	// BaseURL is the Deepgram REST API (DEEPGRAM_BASE_URL); default
	// DefaultBaseURL.
	BaseURL string
	// TokenTTL is the lifetime of a minted grant (DEEPGRAM_TOKEN_TTL, in
	// seconds), between MinTokenTTL and MaxTokenTTL; default one hour.
	TokenTTL time.Duration
	// RequestTimeout bounds each call to Deepgram (DEEPGRAM_TIMEOUT, a Go
	// duration or seconds); default 10s.
	RequestTimeout time.Duration
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
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.TokenTTL == 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
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
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		add("DEEPGRAM_BASE_URL", "must be an http or https URL such as %s", DefaultBaseURL)
	}
	if c.TokenTTL < MinTokenTTL || c.TokenTTL > MaxTokenTTL || c.TokenTTL%time.Second != 0 {
		add("DEEPGRAM_TOKEN_TTL", "must be a whole number of seconds from 1 to 3600 (Deepgram's allowed range)")
	}
	if c.RequestTimeout < 0 {
		add("DEEPGRAM_TIMEOUT", "must not be negative")
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

// ConfigFromEnv reads the voice configuration through getenv (os.Getenv in
// production, a map in tests). Unset variables take the defaults documented
// on Config. An unparsable value is an EInvalid error whose Fields name every
// offending variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
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
	c := Config{
		APIKey:         get("DEEPGRAM_API_KEY"),
		BaseURL:        get("DEEPGRAM_BASE_URL"),
		VoiceModel:     get("DEEPGRAM_VOICE_MODEL"),
		ListenModel:    get("DEEPGRAM_LISTEN_MODEL"),
		LLMModel:       get("DEEPGRAM_LLM_MODEL"),
		Greeting:       get("VOICE_GREETING"),
		Language:       get("VOICE_LANGUAGE"),
		IntentsFile:    get("VOICE_INTENTS_FILE"),
		PromptFile:     get("VOICE_PROMPT_FILE"),
		RequestTimeout: durVar("DEEPGRAM_TIMEOUT"),
		BurstWindow:    durVar("VOICE_BURST_WINDOW"),
		StaleAfter:     durVar("VOICE_STALE_SESSION_TIMEOUT"),
	}
	if s := get("DEEPGRAM_TOKEN_TTL"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 3600 {
			fs = append(fs, flux.FieldError{Field: "DEEPGRAM_TOKEN_TTL", Message: fmt.Sprintf("%q: want whole seconds from 1 to 3600 (Deepgram's allowed range)", s)})
		} else {
			c.TokenTTL = time.Duration(n) * time.Second
		}
	}
	c.DailySessionLimit = intVar("VOICE_DAILY_SESSION_LIMIT")
	c.BurstLimit = intVar("VOICE_BURST_LIMIT")
	if len(fs) > 0 {
		return c, flux.Invalid("invalid voice configuration", fs...)
	}
	c = c.withDefaults()
	if err := c.validate(); err != nil {
		return c, err
	}
	return c, nil
}

// Configured reports whether a Deepgram API key is set.
func (c Config) Configured() bool { return c.APIKey != "" }

// String describes the configuration without the API key, for logs.
func (c Config) String() string {
	key := "unset"
	if c.APIKey != "" {
		key = "set"
	}
	return fmt.Sprintf("voice{deepgram=%s key=%s ttl=%s listen=%s think=%s speak=%s}",
		c.BaseURL, key, c.TokenTTL, c.ListenModel, c.LLMModel, c.VoiceModel)
}
