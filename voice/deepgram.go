package voice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// Token is a short-lived Deepgram grant for the browser. Its String,
// GoString and LogValue never show the secret.
type Token struct {
	// AccessToken is the JWT the browser opens the agent socket with.
	AccessToken string
	// ExpiresAt is when Deepgram stops accepting it.
	ExpiresAt time.Time
}

// String hides the token.
func (t Token) String() string {
	return "Token{redacted, expires " + t.ExpiresAt.Format(time.RFC3339) + "}"
}

// GoString hides the token from %#v.
func (t Token) GoString() string { return t.String() }

// LogValue hides the token from log/slog.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_token", "[redacted]"), slog.Time("expires_at", t.ExpiresAt))
}

// TokenMinter mints short-lived Deepgram grants.
type TokenMinter interface {
	// Mint asks for a new grant. Failures are *flux.Error values with code
	// EUnavailable (or ETooMany when Deepgram rate-limits), with a message
	// safe to show.
	Mint(ctx context.Context) (Token, error)
}

// DeepgramOptions tunes a DeepgramMinter. A nil *DeepgramOptions means all
// defaults.
type DeepgramOptions struct {
	// BaseURL is the Deepgram REST API; default DefaultBaseURL.
	BaseURL string
	// TTL is the grant's lifetime, 1s to 1h; default DefaultTokenTTL.
	TTL time.Duration
	// Timeout bounds each request; default DefaultRequestTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; default a client with Timeout.
	HTTPClient *http.Client
	// Clock turns expires_in into ExpiresAt; default flux.SystemClock.
	Clock flux.Clock
}

// DeepgramMinter mints grants with POST {BaseURL}/v1/auth/grant.
type DeepgramMinter struct {
	apiKey  string
	baseURL string
	ttl     time.Duration
	timeout time.Duration
	client  *http.Client
	clock   flux.Clock
}

var _ TokenMinter = (*DeepgramMinter)(nil)

// maxGrantResponse bounds how much of Deepgram's answer is read.
const maxGrantResponse = 64 << 10

// NewDeepgramMinter returns a minter that authenticates with apiKey. It
// returns an EUnavailable error when apiKey is empty, and an EInvalid error
// when an option is out of range.
func NewDeepgramMinter(apiKey string, opts *DeepgramOptions) (*DeepgramMinter, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, errNotConfigured()
	}
	var o DeepgramOptions
	if opts != nil {
		o = *opts
	}
	c := Config{APIKey: apiKey, BaseURL: o.BaseURL, TokenTTL: o.TTL, RequestTimeout: o.Timeout}.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: c.RequestTimeout}
	}
	clock := o.Clock
	if clock == nil {
		clock = flux.SystemClock{}
	}
	return &DeepgramMinter{apiKey: apiKey, baseURL: c.BaseURL, ttl: c.TokenTTL, timeout: c.RequestTimeout, client: client, clock: clock}, nil
}

// errNotConfigured is the answer when no Deepgram key is set.
func errNotConfigured() *flux.Error {
	return &flux.Error{Code: flux.EUnavailable, Message: "voice is not configured: set DEEPGRAM_API_KEY to a Deepgram API key " +
		"(Member role or higher, from console.deepgram.com) in the server's environment and restart it"}
}

// Mint asks Deepgram for a grant with the configured TTL.
func (m *DeepgramMinter) Mint(ctx context.Context) (Token, error) {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"ttl_seconds": int(m.ttl / time.Second)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.baseURL+"/v1/auth/grant", bytes.NewReader(body))
	if err != nil {
		return Token{}, unavailable("could not build the Deepgram request", err)
	}
	req.Header.Set("Authorization", "Token "+m.apiKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := m.client.Do(req)
	if err != nil {
		// The error names the URL only; it never carries the key.
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Token{}, unavailable("Deepgram did not answer in time; try again shortly", err)
		}
		return Token{}, unavailable("could not reach Deepgram; try again shortly", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxGrantResponse))
	if err != nil {
		return Token{}, unavailable("could not read Deepgram's answer; try again shortly", err)
	}
	if resp.StatusCode != http.StatusOK {
		cause := fmt.Errorf("deepgram auth/grant: HTTP %d%s", resp.StatusCode, deepgramErrorText(raw))
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return Token{}, unavailable("voice is unavailable: Deepgram rejected the server's API key (check DEEPGRAM_API_KEY and its role)", cause)
		case http.StatusTooManyRequests:
			return Token{}, &flux.Error{Code: flux.ETooMany, Message: "Deepgram is busy; try again in a minute", Err: cause}
		}
		return Token{}, unavailable("Deepgram could not issue a voice token; try again later", cause)
	}
	var g struct {
		AccessToken string   `json:"access_token"`
		ExpiresIn   *float64 `json:"expires_in"`
	}
	if err := json.Unmarshal(raw, &g); err != nil || g.AccessToken == "" {
		return Token{}, unavailable("Deepgram's answer had no token; try again later", errors.New("deepgram auth/grant: response without access_token"))
	}
	ttl := m.ttl
	if g.ExpiresIn != nil && *g.ExpiresIn > 0 {
		ttl = time.Duration(*g.ExpiresIn * float64(time.Second))
	}
	return Token{AccessToken: g.AccessToken, ExpiresAt: m.clock.Now().Add(ttl).UTC()}, nil
}

// deepgramErrorText returns ": <err_code>: <err_msg>" from a Deepgram error
// body, bounded and on one line, or "".
func deepgramErrorText(raw []byte) string {
	var e struct {
		Code string `json:"err_code"`
		Msg  string `json:"err_msg"`
	}
	if json.Unmarshal(raw, &e) != nil || (e.Code == "" && e.Msg == "") {
		return ""
	}
	return ": " + cleanText(e.Code+": "+e.Msg, 200)
}

func unavailable(msg string, cause error) *flux.Error {
	return &flux.Error{Code: flux.EUnavailable, Message: msg, Err: cause}
}
