// Package voice is the control plane of Flux's voice agent, built on the
// Deepgram Voice Agent API.
//
// The browser talks to Deepgram's agent WebSocket directly; Flux never
// carries audio. What the server does is in [Session], whose default
// implementation, [Service], keeps everything in a flux.Store:
//
//   - Create starts a session: it checks the user's limits (a daily cap, a
//     burst limit, one open session at a time), mints a short-lived Deepgram
//     grant through a [TokenMinter] (never exposing the API key), renders
//     the prompt with the user's context and today's tasks (each with a short
//     speakable reference, "T1", "T2"), and returns the agent's complete
//     [Settings] message, ready for the browser to send. A failed mint stores
//     nothing.
//   - SaveMessage and Messages keep the transcript.
//   - SubmitIntent runs a function call of the agent: create and plan a goal
//     (through a [GoalPlanner]), create and schedule a task from a spoken
//     time such as "next Friday at 3 PM" or "every weekday at 8 AM" (see
//     [ParseWhen], and a [TaskScheduler]), or move a task. The same
//     function_call_id submitted twice, even concurrently, acts once and
//     answers the same sentence.
//   - Close ends a session; closing twice is harmless.
//
// Every method takes the caller's stored *flux.User (as the other services
// do), used as given. Only a session's owner can reach it: every other user
// gets ENotFound.
//
// The functions the agent may call come from an intents registry in YAML
// ([LoadIntents]; the original service's three intents are embedded), the
// prompt from a text/template ([LoadPrompt]; a default written for Flux is
// embedded). [Config] holds the agent's models and the limits; its zero value
// means the documented defaults. The package makes no network calls: the
// Deepgram grant client is voice/deepgram, passed as [Options].Minter.
//
// An HTTP route is one call:
//
//	POST   /api/v1/voice/session             Create
//	POST   /api/v1/voice/messages            SaveMessage
//	GET    /api/v1/voice/sessions/{id}/messages  Messages
//	POST   /api/v1/voice/intents             SubmitIntent
//	DELETE /api/v1/voice/session/{id}        Close
package voice
