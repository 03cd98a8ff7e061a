// Package fluxtest holds what embedders of Flux need in their own tests: a
// fake [Clock] that moves only when told to, and protocol-exact fakes of the
// external services Flux talks to, each an httptest server that the real
// client library is pointed at.
//
// [Deepgram] serves Deepgram's token grant (POST /v1/auth/grant) for
// voice/deepgram.
//
// The fakes that link heavy client libraries live in their own packages, so
// that importing fluxtest for the clock links neither gRPC nor go-openai:
// fluxtest/openaifake is the OpenAI-compatible API (chat completions and
// embeddings), fluxtest/pineconefake runs Pinecone's gRPC data plane in
// process.
//
// [PushService] is a Web Push service that webpush-go (and notify/webpush)
// posts to. It issues browser-like subscriptions ([PushService.Subscribe]),
// verifies each request's VAPID JWT, headers and size as a push service
// does, decrypts the message (RFC 8291), records it, and plays scripted
// answers (404, 410, 429 with Retry-After, 5xx, a hang):
//
//	push := fluxtest.NewPushService(t)
//	device := push.Subscribe()
//	err := subs.SavePushSubscription(ctx, device.Subscription(userID, "laptop"))
//	// ... send with a channel whose HTTP client is push.HTTPClient() and
//	// whose allowed hosts include push.Host() ...
//	msgs := push.Messages() // decrypted payloads, TTL, Urgency, Topic, VAPID claims
//
// [Twilio] serves Twilio's Messages, Calls and Verify APIs for twilio-go
// (notify/twilio with Config.APIBaseURL = [Twilio.URL]). Like Twilio, it
// fetches a new call's TwiML from the server under test, signed, and
// records what the call says; [Twilio.SendWhatsApp], [Twilio.PressDigits]
// and [Twilio.StatusCallback] make Twilio's other webhook requests, and
// [ParseTwiML] checks a TwiML answer strictly:
//
//	tw := fluxtest.NewTwilio(t)
//	client, err := twilio.New(twilio.Config{AccountSID: tw.AccountSID(),
//		AuthToken: tw.AuthToken(), APIBaseURL: tw.URL(), ...})
//
// Nothing in this package reaches the network beyond the loopback servers it
// starts; every server is closed when the test ends.
package fluxtest
