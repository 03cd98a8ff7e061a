package voice_test

import (
	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/voice"
	"github.com/fluxlife/flux/voice/deepgram"
)

// The service tests mint with the real Deepgram client against the fake.
func init() {
	voice.NewGrantMinter = func(g voice.GrantConfig, clock flux.Clock) (voice.TokenMinter, error) {
		return deepgram.NewMinter(g.APIKey, &deepgram.Options{BaseURL: g.BaseURL, TTL: g.TTL, Timeout: g.Timeout, Clock: clock})
	}
}
