// Package deepgram mints the short-lived Deepgram grants the browser opens
// the voice agent socket with (POST /v1/auth/grant), as a voice.TokenMinter.
// It is the only part of Flux's voice control plane that talks to Deepgram;
// package voice itself makes no network calls.
//
//	m, err := deepgram.NewMinter(apiKey, nil)
//	svc, err := voice.New(store, voice.Config{}, &voice.Options{Minter: m})
package deepgram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/voice"
)

// Defaults and limits of Options.
const (
	// DefaultBaseURL is Deepgram's REST API.
	DefaultBaseURL = "https://api.deepgram.com"
	// DefaultTTL is the lifetime of a grant.
	DefaultTTL = time.Hour
	// DefaultTimeout bounds each request to Deepgram.
	DefaultTimeout = 10 * time.Second
	// MinTTL and MaxTTL bound the TTL of a grant: the auth/grant endpoint
	// accepts ttl_seconds from 1 to 3600.
	MinTTL = time.Second
	MaxTTL = time.Hour
)

// Options tunes a Minter. A nil *Options means all defaults; a zero field
// takes the default documented on it.
type Options struct {
	// BaseURL is the Deepgram REST API; default DefaultBaseURL.
	BaseURL string
	// TTL is the grant's lifetime, whole seconds from MinTTL to MaxTTL;
	// default DefaultTTL.
	TTL time.Duration
	// Timeout bounds each request; default DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; default a client with Timeout.
	HTTPClient *http.Client
	// Clock turns expires_in into ExpiresAt; default flux.SystemClock.
	Clock flux.Clock
}

// Minter mints grants with POST {BaseURL}/v1/auth/grant.
type Minter struct {
	apiKey  string
	baseURL string
	ttl     time.Duration
	timeout time.Duration
	client  *http.Client
	clock   flux.Clock
}

var _ voice.TokenMinter = (*Minter)(nil)

// maxGrantResponse bounds how much of Deepgram's answer is read.
const maxGrantResponse = 64 << 10

// NewMinter returns a minter that authenticates with apiKey. It returns an
// EUnavailable error when apiKey is empty, and an EInvalid error naming
// each option that is out of range.
func NewMinter(apiKey string, opts *Options) (*Minter, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, &flux.Error{Code: flux.EUnavailable, Message: "voice is not configured: a Deepgram API key is required"}
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	var fs []flux.FieldError
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fs = append(fs, flux.FieldError{Field: "base_url", Message: "must be an http or https URL such as " + DefaultBaseURL})
	}
	if o.TTL < MinTTL || o.TTL > MaxTTL || o.TTL%time.Second != 0 {
		fs = append(fs, flux.FieldError{Field: "ttl", Message: "must be a whole number of seconds from 1 to 3600 (Deepgram's allowed range)"})
	}
	if o.Timeout < 0 {
		fs = append(fs, flux.FieldError{Field: "timeout", Message: "must not be negative"})
	}
	if len(fs) > 0 {
		return nil, flux.Invalid("invalid Deepgram options", fs...)
	}
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: o.Timeout}
	}
	clock := o.Clock
	if clock == nil {
		clock = flux.SystemClock{}
	}
	return &Minter{apiKey: apiKey, baseURL: o.BaseURL, ttl: o.TTL, timeout: o.Timeout, client: client, clock: clock}, nil
}

// String describes the minter without its key, for logs.
func (m *Minter) String() string {
	return fmt.Sprintf("deepgram{%s ttl=%s}", m.baseURL, m.ttl)
}

// Mint asks Deepgram for a grant with the configured TTL.
func (m *Minter) Mint(ctx context.Context) (voice.Token, error) {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"ttl_seconds": int(m.ttl / time.Second)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.baseURL+"/v1/auth/grant", bytes.NewReader(body))
	if err != nil {
		return voice.Token{}, unavailable("could not build the Deepgram request", err)
	}
	req.Header.Set("Authorization", "Token "+m.apiKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := m.client.Do(req)
	if err != nil {
		// The error names the URL only; it never carries the key.
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return voice.Token{}, unavailable("Deepgram did not answer in time; try again shortly", err)
		}
		return voice.Token{}, unavailable("could not reach Deepgram; try again shortly", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxGrantResponse))
	if err != nil {
		return voice.Token{}, unavailable("could not read Deepgram's answer; try again shortly", err)
	}
	if resp.StatusCode != http.StatusOK {
		cause := fmt.Errorf("deepgram auth/grant: HTTP %d%s", resp.StatusCode, deepgramErrorText(raw))
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return voice.Token{}, unavailable("voice is unavailable: Deepgram rejected the server's API key (check DEEPGRAM_API_KEY and its role)", cause)
		case http.StatusTooManyRequests:
			return voice.Token{}, &flux.Error{Code: flux.ETooMany, Message: "Deepgram is busy; try again in a minute", Err: cause}
		}
		return voice.Token{}, unavailable("Deepgram could not issue a voice token; try again later", cause)
	}
	var g struct {
		AccessToken string   `json:"access_token"`
		ExpiresIn   *float64 `json:"expires_in"`
	}
	if err := json.Unmarshal(raw, &g); err != nil || g.AccessToken == "" {
		return voice.Token{}, unavailable("Deepgram's answer had no token; try again later", errors.New("deepgram auth/grant: response without access_token"))
	}
	ttl := m.ttl
	if g.ExpiresIn != nil && *g.ExpiresIn > 0 {
		ttl = time.Duration(*g.ExpiresIn * float64(time.Second))
	}
	return voice.Token{AccessToken: g.AccessToken, ExpiresAt: m.clock.Now().Add(ttl).UTC()}, nil
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
	return ": " + flux.OneLine(e.Code+": "+e.Msg, 200)
}

func unavailable(msg string, cause error) *flux.Error {
	return &flux.Error{Code: flux.EUnavailable, Message: msg, Err: cause}
}
