package httpapi

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/internal/keyrate"
)

// Default per-user limits on each paid provider (see Config.Paid).
const (
	DefaultExpensivePerMinute = 30
	DefaultExpensiveBurst     = 10
)

// Provider names a paid external service. The routes that call one are
// rate limited per user when it is configured (listed in Config.Paid), with
// one bucket per provider; when it is not (the offline planner answers, or
// the route answers 503) they are not limited at all: the limits protect
// the operator's bill, not the server.
type Provider string

// The paid providers.
const (
	// ProviderLLM is the LLM behind the planner, the chat router and the
	// voice intents (OPEN_ROUTER_API_KEY).
	ProviderLLM Provider = "llm"
	// ProviderDeepgram grants the voice sessions' tokens (DEEPGRAM_API_KEY).
	ProviderDeepgram Provider = "deepgram"
	// ProviderTwilio sends WhatsApp messages and places calls (TWILIO_*);
	// the notification routes also consult Notify.Paid per channel.
	ProviderTwilio Provider = "twilio"
)

// limits holds a bucket per paid provider; a provider without one is not
// limited.
type limits map[Provider]*keyrate.Limiter

// newLimits returns the buckets of the paid providers: perMinute and burst
// of 0 mean the defaults, and a negative value of either turns the limits
// off.
func newLimits(paid []Provider, perMinute float64, burst int) limits {
	if perMinute < 0 || burst < 0 {
		return nil
	}
	l := limits{}
	for _, p := range paid {
		l[p] = newUserLimiter(perMinute, burst)
	}
	return l
}

// paidProviders is cfg.Paid, with Twilio added when a notification channel
// is paid (Notify.Paid).
func paidProviders(cfg Config) []Provider {
	paid := cfg.Paid
	if cfg.Notify != nil {
		for _, p := range cfg.Notify.Paid {
			if p {
				return append(slices.Clone(paid), ProviderTwilio)
			}
		}
	}
	return paid
}

// newUserLimiter returns a per-user limiter; 0 means the defaults.
func newUserLimiter(perMinute float64, burst int) *keyrate.Limiter {
	if perMinute <= 0 {
		perMinute = DefaultExpensivePerMinute
	}
	if burst <= 0 {
		burst = DefaultExpensiveBurst
	}
	return keyrate.New(perMinute, burst)
}

// limited wraps a handler of a route that calls the LLM when one is
// configured (the planner, the chat router, the voice intents) in the LLM's
// per-user limit.
func (s *Server) limited(h handlerFunc) handlerFunc { return s.limitedBy(ProviderLLM, h) }

// limitedBy wraps a handler of a route that calls provider in that
// provider's per-user limit: past it the caller gets 429 with Retry-After.
// When provider is not configured the handler runs unlimited.
func (s *Server) limitedBy(provider Provider, h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		lim := s.limits[provider]
		if lim == nil {
			return h(w, r)
		}
		key := ""
		if u := caller(r.Context()); u != nil {
			key = u.ID
		} else if p := principal(r.Context()); p != nil {
			key = "principal:" + p.UserID + p.Role
		}
		if ok, wait := lim.Allow(key, s.now()); !ok {
			setRetryAfter(w, wait)
			return &flux.Error{Code: flux.ETooMany, Message: "Rate limit exceeded"}
		}
		return h(w, r)
	}
}

// setRetryAfter sets the Retry-After header to wait, in whole seconds, at
// least 1.
func setRetryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
}

// defaultRetryAfter is the Retry-After of a 429 whose error says nothing
// about when to retry.
const defaultRetryAfter = time.Minute
