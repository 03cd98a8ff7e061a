package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
)

// config is fluxd's configuration: defaults, overridden by the environment
// (and a .env file in the working directory), overridden by flags.
type config struct {
	Host              string
	Port              int
	DataDir           string
	DatabaseURL       string
	SupabaseURL       string
	SupabaseKey       string
	SupabaseAnonKey   string
	SupabaseJWTSecret string
	AdminToken        string
	CORSOrigins       string
	LogLevel          string
	LogFormat         string
	LogAccessFlush    string
	DemoUserID        string
	DemoUser          string
	RatePerMinute     string
	RateBurst         string
	MetricsAddr       string
	ShutdownDrain     string
	// getenv reads the environment the configuration came from, for the
	// settings of the feature packages (plannerConfigFromEnv, ...).
	getenv func(string) string
}

// envVar documents one setting; the README's configuration table lists the
// same names.
type envVar struct {
	name, def, help string
	dst             *string
}

func (c *config) vars() []envVar {
	return []envVar{
		{"HOST", "127.0.0.1", "address to listen on", &c.Host},
		{"FLUX_DATA_DIR", "./data", "where the embedded SQLite store (flux.db) lives", &c.DataDir},
		{"DATABASE_URL", "", "PostgreSQL URL; when set, PostgreSQL is the store instead of SQLite", &c.DatabaseURL},
		{"SUPABASE_URL", "", "Supabase project URL; enables JWKS (ES256/RS256) token verification", &c.SupabaseURL},
		{"SUPABASE_KEY", "", "Supabase anon key (accepted for compatibility; the sign-in routes' key when SUPABASE_ANON_KEY is unset)", &c.SupabaseKey},
		{"SUPABASE_ANON_KEY", "", "the key the /auth/v1 sign-in routes require (local mode); empty accepts any", &c.SupabaseAnonKey},
		{"SUPABASE_JWT_SECRET", "", "Supabase JWT secret; enables HS256 token verification", &c.SupabaseJWTSecret},
		{"FLUX_ADMIN_TOKEN", "", "bearer token that makes its caller an admin", &c.AdminToken},
		{"CORS_ORIGINS", "http://localhost:3000,http://localhost:5173", "allowed browser origins (comma list or JSON array)", &c.CORSOrigins},
		{"LOG_LEVEL", "INFO", "DEBUG, INFO, WARN or ERROR", &c.LogLevel},
		{"LOG_FORMAT", "text", "text or json", &c.LogFormat},
		{"LOG_ACCESS_FLUSH", "100ms", "the access log (a line per request) is written in batches, each line at most this late; 0 writes each line at once", &c.LogAccessFlush},
		{"FLUX_DEMO_USER", "", "user id or e-mail the /scheduler/* routes act for when called without a token (off when empty)", &c.DemoUser},
		{"FLUX_DEMO_USER_ID", "", "user id the /scheduler/* routes act for without a token (FLUX_DEMO_USER takes precedence)", &c.DemoUserID},
		{"FLUX_RATE_PER_MINUTE", "30", "per-user calls a minute to each paid provider (LLM, Deepgram, Twilio) when configured; 0 turns the limits off", &c.RatePerMinute},
		{"FLUX_RATE_BURST", "10", "per-user burst of calls to each paid provider; 0 turns the limits off", &c.RateBurst},
		{"FLUX_SHUTDOWN_DRAIN", "5s", "on SIGTERM, keep serving (with /ready 503) until requests stop arriving, at most this long, before closing the listener; 0 closes it at once", &c.ShutdownDrain},
		{"FLUX_METRICS_ADDR", "", "address of a separate listener serving /metrics without auth (e.g. 127.0.0.1:9090); /metrics on the API needs the admin token", &c.MetricsAddr},
	}
}

// loadConfig reads the environment through getenv, then the flags of fs.
func loadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (*config, error) {
	c := &config{getenv: getenv}
	port := "8000"
	for _, v := range c.vars() {
		*v.dst = v.def
		if e := getenv(v.name); e != "" {
			*v.dst = e
		}
		fs.StringVar(v.dst, flagName(v.name), *v.dst, v.help+" ($"+v.name+")")
	}
	if e := getenv("PORT"); e != "" {
		port = e
	}
	fs.StringVar(&port, "port", port, "port to listen on ($PORT)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return nil, fmt.Errorf("PORT %q: want a number between 0 and 65535", port)
	}
	c.Port = p
	if _, err := parseLevel(c.LogLevel); err != nil {
		return nil, err
	}
	if c.DemoUserID != "" && !flux.ValidID(strings.ToLower(c.DemoUserID)) {
		return nil, fmt.Errorf("FLUX_DEMO_USER_ID %q: want a user id (UUID)", c.DemoUserID)
	}
	if d := strings.TrimSpace(c.DemoUser); d != "" && !flux.ValidID(strings.ToLower(d)) {
		if _, err := auth.NormalizeEmail(d); err != nil {
			return nil, fmt.Errorf("FLUX_DEMO_USER %q: want a user id (UUID) or an e-mail address", c.DemoUser)
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, fmt.Errorf("LOG_FORMAT %q: want text or json", c.LogFormat)
	}
	if _, err := c.accessFlush(); err != nil {
		return nil, err
	}
	if _, _, err := c.rateLimit(); err != nil {
		return nil, err
	}
	if d, err := time.ParseDuration(strings.TrimSpace(c.ShutdownDrain)); err != nil || d < 0 || d > 10*time.Minute {
		return nil, fmt.Errorf("FLUX_SHUTDOWN_DRAIN %q: want a duration such as 5s (0 for none)", c.ShutdownDrain)
	}
	return c, nil
}

// accessFlush is how late an access log line may be written (0: at once).
func (c *config) accessFlush() (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(c.LogAccessFlush))
	if err != nil || d < 0 || d > 10*time.Second {
		return 0, fmt.Errorf("LOG_ACCESS_FLUSH %q: want a duration of at most 10s, such as 100ms (0 for none)", c.LogAccessFlush)
	}
	return d, nil
}

// demoUser is the user the token-less /scheduler/* routes act for: an id
// or an e-mail address, "" for none.
func (c *config) demoUser() string {
	if d := strings.TrimSpace(c.DemoUser); d != "" {
		return d
	}
	return c.DemoUserID
}

// anonKey is the key the sign-in routes require ("" for any).
func (c *config) anonKey() string {
	if c.SupabaseAnonKey != "" {
		return c.SupabaseAnonKey
	}
	return c.SupabaseKey
}

// env reads one environment variable of the configuration's environment.
func (c *config) env(name string) string {
	if c.getenv == nil {
		return ""
	}
	return c.getenv(name)
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("fluxd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func flagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "FLUX_")), "_", "-")
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("LOG_LEVEL %q: want DEBUG, INFO, WARN or ERROR", s)
	}
	return l, nil
}

func (c *config) logger(w io.Writer) *slog.Logger {
	l, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: l}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
