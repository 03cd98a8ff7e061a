// Package fluxtest holds what embedders of Flux need in their own tests: a
// fake [Clock] that moves only when told to, and protocol-exact fakes of the
// external services Flux talks to, each an httptest server that the real
// client library is pointed at.
//
// The fake OpenAI-compatible server, [LLM], answers chat completions
// (including JSON-schema structured-output requests) and embeddings. It
// records every request, checks the bearer token, and plays a queue of
// scripted replies: content, JSON, an HTTP error status, or a hang that
// lasts until the client gives up. Point go-openai (or any planner or
// embedder built on it) at [LLM.URL] with [LLM.APIKey]:
//
//	llm := fluxtest.NewLLM(t)
//	llm.ReplyJSON(map[string]any{"answer": 42})
//	cfg := openai.DefaultConfig(llm.APIKey())
//	cfg.BaseURL = llm.URL()
//	client := openai.NewClientWithConfig(cfg)
//
// The other fakes: [Deepgram] serves Deepgram's token grant
// (POST /v1/auth/grant) for the voice package; [Pinecone] runs
// Pinecone's gRPC data plane in process with its HTTP control plane, so that
// go-pinecone and rag/pinecone are tested against the real protocol.
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
