package voice

import (
	"context"
	"log/slog"
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

// errNotConfigured is the answer when no Deepgram key is set.
func errNotConfigured() *flux.Error {
	return &flux.Error{Code: flux.EUnavailable, Message: "voice is not configured: set DEEPGRAM_API_KEY to a Deepgram API key " +
		"(Member role or higher, from console.deepgram.com) in the server's environment and restart it"}
}

func unavailable(msg string, cause error) *flux.Error {
	return &flux.Error{Code: flux.EUnavailable, Message: msg, Err: cause}
}
