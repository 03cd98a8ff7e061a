package voice

import "encoding/json"

// The Deepgram Voice Agent API (v1), as this package uses it.
//
// Looked up for this package (the Go SDK's types predate the v1 agent API and
// are not used):
//
//   - Settings message — https://developers.deepgram.com/docs/configure-voice-agent
//     and https://developers.deepgram.com/docs/voice-agent-settings. The
//     browser opens wss://agent.deepgram.com/v1/agent/converse (WebSocket
//     subprotocols ["bearer", <grant JWT>]) and first sends one JSON message:
//
//     {"type": "Settings",
//     "tags"?: [string], "experimental"?: bool, "mip_opt_out"?: bool, "flags"?: {"history": bool},
//     "audio": {"input": {"encoding": "linear16", "sample_rate": 16000},
//     "output": {"encoding": "linear16", "sample_rate": 16000, "bitrate"?: int, "container": "none"}},
//     "agent": {"language": "en",
//     "listen": {"provider": {"type": "deepgram", "model": "nova-3", "keyterms"?: [...], "smart_format"?: bool}},
//     "think": {"provider": {"type": "open_ai", "model": "gpt-4o-mini", "temperature"?: number},
//     "endpoint"?: {"url", "headers"}, "prompt": string, "functions": [Function], "context_length"?: int|"max"},
//     "speak": {"provider": {"type": "deepgram", "model": "aura-2-thalia-en"}},
//     "greeting": string, "context"?: {"messages": [...]}}}
//
//     audio.input defaults to linear16 at 16000 Hz; audio.output.container
//     defaults to "none".
//
//   - Functions — https://developers.deepgram.com/docs/voice-agents-function-calling
//     and https://developers.deepgram.com/docs/build-a-function-call. Each is
//     {"name", "description", "parameters": <JSON Schema object>,
//     "endpoint"?: {"url", "method", "headers"}}. A function with an endpoint
//     runs server-side (Deepgram calls the URL); one without is client-side:
//     Deepgram sends it to the client, which answers. Flux's intents are
//     client-side: the browser forwards each call to POST /api/v1/voice/intents,
//     so no credential of ours ever sits in the Settings message.
//     "defer_until_eot": true (changelog 2026-09-08,
//     https://developers.deepgram.com/changelog/2026/9/8) holds a call until
//     the user's turn is confirmed and discards it if the user keeps talking;
//     the docs recommend it for any function that changes something, so every
//     Flux intent sets it. A held call the user talks over is announced with a
//     FunctionCallCancelled message and must not be answered.
//
//   - FunctionCallRequest — https://developers.deepgram.com/docs/voice-agent-function-call-request:
//     {"type": "FunctionCallRequest", "functions": [{"id", "name",
//     "arguments": <JSON text>, "client_side": bool}]}. The client handles
//     the entries with client_side true.
//
//   - FunctionCallResponse — https://developers.deepgram.com/docs/voice-agent-function-call-response:
//     {"type": "FunctionCallResponse", "id": <the request's id>, "name",
//     "content": <result text>}. IntentResult.Response builds it.
//
//   - Token grant — https://developers.deepgram.com/reference/auth/tokens/grant:
//     POST https://api.deepgram.com/v1/auth/grant, "Authorization: Token
//     <API key>", JSON body {"ttl_seconds": number} (optional; default 30;
//     Deepgram's SDKs accept 1 to 3600), answers 200 {"access_token": <JWT>,
//     "expires_in": <seconds>}; errors are {"err_code", "err_msg",
//     "request_id"} (400 for a bad request, 401/403 for a bad key). The
//     original Python service sent "time_to_live_in_seconds", which Deepgram
//     ignores; this package sends ttl_seconds.

// Settings is the Deepgram Voice Agent "Settings" message, ready for the
// browser to send as the first message on the agent WebSocket.
type Settings struct {
	Type  string        `json:"type"` // always "Settings"
	Tags  []string      `json:"tags,omitempty"`
	Audio AudioSettings `json:"audio"`
	Agent AgentSettings `json:"agent"`
}

// AudioSettings are the audio formats of the agent socket.
type AudioSettings struct {
	Input  AudioFormat `json:"input"`
	Output AudioFormat `json:"output"`
}

// AudioFormat is one direction's audio encoding.
type AudioFormat struct {
	Encoding   string `json:"encoding"`
	SampleRate int    `json:"sample_rate"`
	// Container applies to output only ("none" for raw frames).
	Container string `json:"container,omitempty"`
}

// AgentSettings configure the agent: how it listens, thinks and speaks.
type AgentSettings struct {
	Language string         `json:"language"`
	Listen   ListenSettings `json:"listen"`
	Think    ThinkSettings  `json:"think"`
	Speak    SpeakSettings  `json:"speak"`
	Greeting string         `json:"greeting,omitempty"`
}

// Provider names a model at a provider.
type Provider struct {
	Type  string `json:"type"`
	Model string `json:"model"`
}

// ListenSettings configure speech-to-text.
type ListenSettings struct {
	Provider Provider `json:"provider"`
}

// ThinkSettings configure the LLM: its prompt and the functions it may call.
type ThinkSettings struct {
	Provider  Provider        `json:"provider"`
	Prompt    string          `json:"prompt"`
	Functions []AgentFunction `json:"functions"`
}

// SpeakSettings configure text-to-speech.
type SpeakSettings struct {
	Provider Provider `json:"provider"`
}

// AgentFunction is a client-side function in the Settings message: no
// endpoint, so Deepgram sends calls to the browser.
type AgentFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
	// DeferUntilEOT holds the call until the user's turn is confirmed, so a
	// side effect never runs for a turn the user goes on speaking in.
	DeferUntilEOT bool `json:"defer_until_eot,omitempty"`
}

// Function is a function definition in the original session config shape:
// name, description and a JSON Schema of the parameters.
type Function struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// SessionConfig is the "config" object of a session, in the original
// service's shape; Settings is the same information as a ready Settings
// message.
type SessionConfig struct {
	SystemPrompt string     `json:"system_prompt"`
	Functions    []Function `json:"functions"`
	VoiceModel   string     `json:"voice_model"`
	ListenModel  string     `json:"listen_model"`
	LLMModel     string     `json:"llm_model"`
	Greeting     string     `json:"greeting"`
}

// Audio format of the original frontend: 16 kHz linear PCM both ways.
const (
	audioEncoding   = "linear16"
	audioSampleRate = 16000
)

// NewSettings builds the Settings message for a session config. Every
// function is deferred until the end of the user's turn, since each Flux
// intent changes the user's data.
func NewSettings(sc SessionConfig, language string) Settings {
	fns := make([]AgentFunction, len(sc.Functions))
	for i, f := range sc.Functions {
		fns[i] = AgentFunction{Name: f.Name, Description: f.Description, Parameters: f.Parameters, DeferUntilEOT: true}
	}
	if language == "" {
		language = DefaultLanguage
	}
	return Settings{
		Type: "Settings",
		Tags: []string{"flux", "voice"},
		Audio: AudioSettings{
			Input:  AudioFormat{Encoding: audioEncoding, SampleRate: audioSampleRate},
			Output: AudioFormat{Encoding: audioEncoding, SampleRate: audioSampleRate, Container: "none"},
		},
		Agent: AgentSettings{
			Language: language,
			Listen:   ListenSettings{Provider: Provider{Type: "deepgram", Model: sc.ListenModel}},
			Think: ThinkSettings{
				Provider:  Provider{Type: "open_ai", Model: sc.LLMModel},
				Prompt:    sc.SystemPrompt,
				Functions: fns,
			},
			Speak:    SpeakSettings{Provider: Provider{Type: "deepgram", Model: sc.VoiceModel}},
			Greeting: sc.Greeting,
		},
	}
}

// FunctionCallResponse is the message the browser sends back on the agent
// socket after running a client-side function.
type FunctionCallResponse struct {
	Type    string `json:"type"` // always "FunctionCallResponse"
	ID      string `json:"id"`
	Name    string `json:"name"`
	Content string `json:"content"`
}
