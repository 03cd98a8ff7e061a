package openaifake

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode"

	openai "github.com/sashabaranov/go-openai"
)

// DefaultLLMAPIKey is the bearer token a new fake LLM accepts.
const DefaultLLMAPIKey = "fluxtest-llm-key"

// DefaultEmbeddingDims is the length of the fake's embedding vectors when a
// request names no dimensions and SetEmbeddingDims was not called; it is the
// size of text-embedding-3-small.
const DefaultEmbeddingDims = 1536

// Reply is one scripted answer of the fake LLM.
//
// The zero Status (or 200) answers with a chat completion whose assistant
// message is Content. Any other Status answers with that HTTP status and
// Body (an OpenAI-style error object when Body is empty). Hang blocks until
// the client gives up (its request context ends) or the test ends, and then
// answers nothing.
type Reply struct {
	Content string
	Status  int
	Body    string
	Hang    bool
}

// LLM is a fake OpenAI-compatible API (chat completions and embeddings)
// served by an httptest server for the length of one test. It checks the
// "Authorization: Bearer" header, records every request, and answers chat
// completions from a queue of scripted replies, then from the handler set
// with SetHandler. Embeddings are deterministic vectors computed from the
// input text (see EmbeddingVector), unless a scripted embedding reply is
// queued. All methods are safe for concurrent use.
type LLM struct {
	t    testing.TB
	srv  *httptest.Server
	done chan struct{}

	mu          sync.Mutex
	apiKey      string
	chat        []Reply
	handler     func(openai.ChatCompletionRequest) Reply
	requests    []openai.ChatCompletionRequest
	rawRequests [][]byte
	embed       []Reply
	embedReqs   []openai.EmbeddingRequest
	dims        int
	seq         int
}

// NewLLM starts a fake LLM server; it is closed when the test ends.
func NewLLM(t testing.TB) *LLM {
	t.Helper()
	l := &LLM{t: t, done: make(chan struct{}), apiKey: DefaultLLMAPIKey, dims: DefaultEmbeddingDims}
	mux := http.NewServeMux()
	for _, prefix := range []string{"/v1", ""} {
		mux.HandleFunc("POST "+prefix+"/chat/completions", l.serveChat)
		mux.HandleFunc("POST "+prefix+"/embeddings", l.serveEmbeddings)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusNotFound, "invalid_request_error", "not_found",
			fmt.Sprintf("fluxtest: no route for %s %s", r.Method, r.URL.Path))
	})
	l.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(l.done) // release hanging handlers first, or Close would wait for them
		l.srv.Close()
	})
	return l
}

// URL returns the base URL to give an OpenAI client (it ends in "/v1"), as
// one would give it "https://openrouter.ai/api/v1".
func (l *LLM) URL() string { return l.srv.URL + "/v1" }

// APIKey returns the bearer token the fake accepts.
func (l *LLM) APIKey() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.apiKey
}

// SetAPIKey changes the bearer token the fake accepts.
func (l *LLM) SetAPIKey(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.apiKey = key
}

// HTTPClient returns an HTTP client for the fake server.
func (l *LLM) HTTPClient() *http.Client { return l.srv.Client() }

// Client returns a go-openai client configured for the fake.
func (l *LLM) Client() *openai.Client {
	cfg := openai.DefaultConfig(l.APIKey())
	cfg.BaseURL = l.URL()
	cfg.HTTPClient = l.HTTPClient()
	return openai.NewClientWithConfig(cfg)
}

// Reply queues a chat completion whose assistant message is content.
func (l *LLM) Reply(content string) { l.Enqueue(Reply{Content: content}) }

// ReplyJSON queues a chat completion whose assistant message is v encoded
// as JSON. It fails the test if v cannot be encoded.
func (l *LLM) ReplyJSON(v any) {
	l.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		l.t.Fatalf("fluxtest: ReplyJSON: %v", err)
	}
	l.Reply(string(b))
}

// ReplyStatus queues an HTTP error answer: status code with body, or with
// an OpenAI-style error object when body is empty.
func (l *LLM) ReplyStatus(code int, body string) { l.Enqueue(Reply{Status: code, Body: body}) }

// ReplyHang queues an answer that never comes: the handler blocks until the
// request's context ends (the client timed out or went away).
func (l *LLM) ReplyHang() { l.Enqueue(Reply{Hang: true}) }

// Enqueue queues scripted chat replies, answered in order.
func (l *LLM) Enqueue(replies ...Reply) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.chat = append(l.chat, replies...)
}

// SetHandler sets the function that answers chat completions once the
// queue is empty. Without one, a request with an empty queue fails the test
// and is answered with a 500.
func (l *LLM) SetHandler(h func(openai.ChatCompletionRequest) Reply) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handler = h
}

// Pending returns the number of scripted chat replies not yet played.
func (l *LLM) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.chat)
}

// Requests returns the chat completion requests received so far, in order,
// including those that were answered with an error.
func (l *LLM) Requests() []openai.ChatCompletionRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]openai.ChatCompletionRequest(nil), l.requests...)
}

// RawRequests returns the bodies of the chat completion requests received
// so far, as sent.
func (l *LLM) RawRequests() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([][]byte, len(l.rawRequests))
	for i, b := range l.rawRequests {
		out[i] = bytes.Clone(b)
	}
	return out
}

// SetEmbeddingDims sets the vector length used when an embeddings request
// names no dimensions.
func (l *LLM) SetEmbeddingDims(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dims = n
}

// EmbeddingReply queues a scripted answer for the next embeddings request,
// typically a failure (Status) or a Hang. A Reply with neither is answered
// with the normal deterministic vectors.
func (l *LLM) EmbeddingReply(replies ...Reply) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.embed = append(l.embed, replies...)
}

// EmbeddingRequests returns the embeddings requests received so far.
func (l *LLM) EmbeddingRequests() []openai.EmbeddingRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]openai.EmbeddingRequest(nil), l.embedReqs...)
}

func (l *LLM) authorized(w http.ResponseWriter, r *http.Request) bool {
	l.mu.Lock()
	want := "Bearer " + l.apiKey
	l.mu.Unlock()
	if r.Header.Get("Authorization") != want {
		writeAPIError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return false
	}
	return true
}

func (l *LLM) serveChat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid_request_error", "", "cannot read body")
		return
	}
	var req openai.ChatCompletionRequest
	decErr := json.Unmarshal(body, &req)
	if !l.authorized(w, r) {
		return
	}
	if decErr != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request: "+decErr.Error())
		return
	}

	l.mu.Lock()
	l.requests = append(l.requests, req)
	l.rawRequests = append(l.rawRequests, body)
	l.seq++
	seq := l.seq
	if msg := checkChatRequest(&req); msg != "" {
		l.mu.Unlock()
		writeAPIError(w, http.StatusBadRequest, "invalid_request_error", "", msg)
		return
	}
	var (
		reply Reply
		ok    bool
	)
	if len(l.chat) > 0 {
		reply, ok = l.chat[0], true
		l.chat = l.chat[1:]
	} else if l.handler != nil {
		h := l.handler
		l.mu.Unlock()
		reply, ok = h(req), true
		l.mu.Lock()
	}
	l.mu.Unlock()

	if !ok {
		l.t.Errorf("fluxtest: unexpected chat completion request #%d: no scripted reply and no handler", seq)
		writeAPIError(w, http.StatusInternalServerError, "server_error", "", "fluxtest: no scripted reply")
		return
	}
	if l.playFailure(w, r, reply) {
		return
	}
	resp := openai.ChatCompletionResponse{
		ID:      fmt.Sprintf("chatcmpl-fluxtest-%d", seq),
		Object:  "chat.completion",
		Created: 1700000000 + int64(seq),
		Model:   req.Model,
		Choices: []openai.ChatCompletionChoice{{
			Index:        0,
			Message:      openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: reply.Content},
			FinishReason: openai.FinishReasonStop,
		}},
		Usage: openai.Usage{
			PromptTokens:     len(body) / 4,
			CompletionTokens: len(reply.Content) / 4,
			TotalTokens:      len(body)/4 + len(reply.Content)/4,
		},
	}
	writeJSON(w, http.StatusOK, resp)
}

// checkChatRequest applies the checks the real API makes before answering.
func checkChatRequest(req *openai.ChatCompletionRequest) string {
	switch {
	case req.Model == "":
		return "you must provide a model parameter"
	case len(req.Messages) == 0:
		return "'messages' must contain at least one message"
	case req.Stream:
		return "fluxtest: streaming is not supported"
	}
	if rf := req.ResponseFormat; rf != nil && rf.Type == openai.ChatCompletionResponseFormatTypeJSONSchema {
		if rf.JSONSchema == nil || rf.JSONSchema.Name == "" || rf.JSONSchema.Schema == nil {
			return "response_format json_schema needs json_schema.name and json_schema.schema"
		}
	}
	return ""
}

// playFailure answers a failure or hang reply and reports whether it did.
func (l *LLM) playFailure(w http.ResponseWriter, r *http.Request, reply Reply) bool {
	switch {
	case reply.Hang:
		select {
		case <-r.Context().Done():
		case <-l.done:
		}
		return true
	case reply.Status != 0 && reply.Status != http.StatusOK:
		if reply.Body == "" {
			typ := "server_error"
			if reply.Status < 500 {
				typ = "invalid_request_error"
			}
			writeAPIError(w, reply.Status, typ, "", http.StatusText(reply.Status))
			return true
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(reply.Status)
		_, _ = io.WriteString(w, reply.Body)
		return true
	}
	return false
}

func (l *LLM) serveEmbeddings(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid_request_error", "", "cannot read body")
		return
	}
	if !l.authorized(w, r) {
		return
	}
	var req openai.EmbeddingRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request: "+err.Error())
		return
	}
	l.mu.Lock()
	l.embedReqs = append(l.embedReqs, req)
	var reply Reply
	if len(l.embed) > 0 {
		reply = l.embed[0]
		l.embed = l.embed[1:]
	}
	dims := l.dims
	l.mu.Unlock()
	if l.playFailure(w, r, reply) {
		return
	}

	inputs, err := embeddingInputs(body)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	if req.Model == "" {
		writeAPIError(w, http.StatusBadRequest, "invalid_request_error", "", "you must provide a model parameter")
		return
	}
	if req.Dimensions > 0 {
		dims = req.Dimensions
	}
	tokens := 0
	data := make([]map[string]any, len(inputs))
	for i, in := range inputs {
		tokens += len(in) / 4
		vec := EmbeddingVector(in, dims)
		var emb any = vec
		if req.EncodingFormat == openai.EmbeddingEncodingFormatBase64 {
			buf := make([]byte, 4*len(vec))
			for j, f := range vec {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(f))
			}
			emb = base64.StdEncoding.EncodeToString(buf)
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": emb}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data":   data,
		"model":  req.Model,
		"usage":  map[string]int{"prompt_tokens": tokens, "total_tokens": tokens},
	})
}

// embeddingInputs reads the "input" field: a string or an array of strings.
func embeddingInputs(body []byte) ([]string, error) {
	var raw struct {
		Input json.RawMessage `json:"input"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, err
	}
	var one string
	if err := json.Unmarshal(raw.Input, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw.Input, &many); err != nil || len(many) == 0 {
		return nil, fmt.Errorf("'input' must be a string or a non-empty array of strings")
	}
	return many, nil
}

// EmbeddingVector returns the fake's embedding of text: words (lower-cased
// letters and digits) are hashed into dims buckets with a hashed sign, and
// the vector is scaled to unit length. Texts sharing words have a positive
// cosine similarity, so retrieval over these vectors behaves sensibly. Text
// with no words maps to the first unit vector. dims < 1 is treated as 1.
func EmbeddingVector(text string, dims int) []float32 {
	if dims < 1 {
		dims = 1
	}
	v := make([]float64, dims)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		h := fnv.New64a()
		_, _ = h.Write([]byte(w))
		s := mix64(h.Sum64())
		sign := 1.0
		if s>>63 == 1 {
			sign = -1
		}
		v[s%uint64(dims)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, dims)
	if norm == 0 {
		out[0] = 1
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

// mix64 is the splitmix64 finaliser: it spreads FNV's weakly mixed low
// bits over the whole word.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeAPIError(w http.ResponseWriter, status int, typ, code, msg string) {
	e := map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}
	if code != "" {
		e["code"] = code
	}
	writeJSON(w, status, map[string]any{"error": e})
}
