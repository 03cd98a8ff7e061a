package fluxtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultDeepgramAPIKey is the API key a new fake Deepgram accepts.
const DefaultDeepgramAPIKey = "fluxtest-deepgram-key"

// DeepgramReply is one scripted answer of the fake's grant endpoint. The
// zero Status (or 200) grants a token as usual; any other Status answers
// with it and Body (a Deepgram-style error object when Body is empty). Hang
// blocks until the client gives up or the test ends.
type DeepgramReply struct {
	Status int
	Body   string
	Hang   bool
}

// GrantRequest is one request the fake's grant endpoint received.
type GrantRequest struct {
	// Authorization is the header as sent.
	Authorization string
	ContentType   string
	// Body is the raw request body.
	Body []byte
	// TTLSeconds is the body's ttl_seconds, nil when absent.
	TTLSeconds *float64
	// Status is the status the fake answered with.
	Status int
}

// Deepgram is a fake of the Deepgram REST API's token grant, POST
// /v1/auth/grant, served by an httptest server for the length of one test.
// It checks "Authorization: Token <key>", validates the body as Deepgram
// does (a JSON object whose only field is ttl_seconds, a number from 1 to
// 3600, default 30), and answers {"access_token": <JWT>, "expires_in":
// <seconds>}. Tokens are JWT-shaped and recorded, so a test can check that
// a token it was handed was issued here and is still valid. Scripted
// replies simulate failures. All methods are safe for concurrent use.
type Deepgram struct {
	t    testing.TB
	srv  *httptest.Server
	done chan struct{}

	mu       sync.Mutex
	apiKey   string
	now      func() time.Time
	replies  []DeepgramReply
	requests []GrantRequest
	issued   map[string]time.Time
	seq      int
}

// NewDeepgram starts a fake Deepgram server; it is closed when the test
// ends.
func NewDeepgram(t testing.TB) *Deepgram {
	t.Helper()
	d := &Deepgram{t: t, done: make(chan struct{}), apiKey: DefaultDeepgramAPIKey, now: time.Now, issued: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/auth/grant", d.serveGrant)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeDeepgramError(w, http.StatusNotFound, "NOT_FOUND", "fluxtest: no route for "+r.Method+" "+r.URL.Path)
	})
	d.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(d.done)
		d.srv.Close()
	})
	return d
}

// URL is the base URL to use as voice/deepgram's Options.BaseURL (fluxd's DEEPGRAM_BASE_URL).
func (d *Deepgram) URL() string { return d.srv.URL }

// APIKey returns the API key the fake accepts.
func (d *Deepgram) APIKey() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.apiKey
}

// SetAPIKey changes the API key the fake accepts.
func (d *Deepgram) SetAPIKey(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.apiKey = key
}

// SetClock makes the fake read the time from now (for token expiry), such as
// a fluxtest.Clock's Now.
func (d *Deepgram) SetClock(now func() time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.now = now
}

// Reply queues scripted answers, used one per grant request before the
// normal behaviour resumes.
func (d *Deepgram) Reply(rs ...DeepgramReply) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.replies = append(d.replies, rs...)
}

// Requests returns the grant requests received so far.
func (d *Deepgram) Requests() []GrantRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]GrantRequest(nil), d.requests...)
}

// Issued returns how many tokens the fake has granted.
func (d *Deepgram) Issued() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.issued)
}

// Valid reports whether token was granted by this fake and has not expired.
func (d *Deepgram) Valid(token string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	exp, ok := d.issued[token]
	return ok && d.now().Before(exp)
}

func (d *Deepgram) serveGrant(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	req := GrantRequest{Authorization: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Body: body}
	status := d.grant(w, r, &req)
	req.Status = status
	d.mu.Lock()
	d.requests = append(d.requests, req)
	d.mu.Unlock()
}

// grant answers one request and returns the status it sent.
func (d *Deepgram) grant(w http.ResponseWriter, r *http.Request, req *GrantRequest) int {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeDeepgramError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use POST")
		return http.StatusMethodNotAllowed
	}
	d.mu.Lock()
	key := d.apiKey
	var reply *DeepgramReply
	if len(d.replies) > 0 {
		reply = &d.replies[0]
		d.replies = d.replies[1:]
	}
	d.mu.Unlock()

	if reply != nil && reply.Hang {
		select {
		case <-r.Context().Done():
		case <-d.done:
		}
		return 0
	}
	if reply != nil && reply.Status != 0 && reply.Status != http.StatusOK {
		if reply.Body != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(reply.Status)
			_, _ = io.WriteString(w, reply.Body)
		} else {
			writeDeepgramError(w, reply.Status, "SCRIPTED", http.StatusText(reply.Status))
		}
		return reply.Status
	}

	scheme, given, _ := strings.Cut(req.Authorization, " ")
	if !strings.EqualFold(scheme, "Token") || given == "" || !hmac.Equal([]byte(given), []byte(key)) {
		writeDeepgramError(w, http.StatusUnauthorized, "INVALID_AUTH", "Invalid credentials.")
		return http.StatusUnauthorized
	}
	ttl := 30.0
	if len(bytes.TrimSpace(req.Body)) > 0 {
		if !strings.HasPrefix(req.ContentType, "application/json") {
			writeDeepgramError(w, http.StatusBadRequest, "Bad Request", "Content-Type must be application/json")
			return http.StatusBadRequest
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(req.Body, &fields); err != nil {
			writeDeepgramError(w, http.StatusBadRequest, "Bad Request", "body must be a JSON object")
			return http.StatusBadRequest
		}
		for k, v := range fields {
			if k != "ttl_seconds" {
				writeDeepgramError(w, http.StatusBadRequest, "Bad Request", fmt.Sprintf("unknown field %q", k))
				return http.StatusBadRequest
			}
			var n float64
			if err := json.Unmarshal(v, &n); err != nil || n < 1 || n > 3600 {
				writeDeepgramError(w, http.StatusBadRequest, "Bad Request", "ttl_seconds must be a number from 1 to 3600")
				return http.StatusBadRequest
			}
			req.TTLSeconds = &n
			ttl = n
		}
	}

	d.mu.Lock()
	d.seq++
	now := d.now()
	exp := now.Add(time.Duration(ttl * float64(time.Second)))
	tok := fakeJWT(d.seq, now, exp)
	d.issued[tok] = exp
	d.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": ttl})
	return http.StatusOK
}

// fakeJWT returns a JWT-shaped token (HS256 over a fixed test secret).
func fakeJWT(seq int, iat, exp time.Time) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"iss": "fluxtest-deepgram", "sub": "fluxtest", "jti": fmt.Sprintf("grant-%d", seq),
		"iat": iat.Unix(), "exp": exp.Unix(), "scope": "usage:write",
	})
	payload := enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte("fluxtest-deepgram-secret"))
	mac.Write([]byte(header + "." + payload))
	return header + "." + payload + "." + enc.EncodeToString(mac.Sum(nil))
}

// writeDeepgramError answers in Deepgram's error shape.
func writeDeepgramError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"err_code": code, "err_msg": msg, "request_id": "fluxtest-request"})
}

// CheckAgentSettings checks that b is a Deepgram Voice Agent v1 Settings
// message a client could send: type "Settings"; audio input and output with
// an encoding and a sample rate; agent.listen, agent.think and agent.speak
// each with a provider type (and a model); a non-empty think prompt; and
// functions with a unique name, a description and a JSON Schema object of
// parameters. Unknown keys are
// reported, since Deepgram rejects a Settings message it cannot read. It
// returns every problem found, joined, or nil.
func CheckAgentSettings(b []byte) error {
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("settings: not a JSON object: %w", err)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	keys := func(path string, m map[string]any, allowed ...string) {
		ok := map[string]bool{}
		for _, k := range allowed {
			ok[k] = true
		}
		for k := range m {
			if !ok[k] {
				bad("%s: unknown key %q", path, k)
			}
		}
	}
	obj := func(path string, m map[string]any, k string) map[string]any {
		x, ok := m[k].(map[string]any)
		if !ok {
			bad("%s.%s: want an object", path, k)
			return map[string]any{}
		}
		return x
	}
	str := func(path string, m map[string]any, k string) string {
		s, ok := m[k].(string)
		if !ok || s == "" {
			bad("%s.%s: want a non-empty string", path, k)
		}
		return s
	}
	keys("settings", v, "type", "tags", "experimental", "mip_opt_out", "flags", "audio", "agent")
	if v["type"] != "Settings" {
		bad("settings.type: want \"Settings\", got %v", v["type"])
	}
	audio := obj("settings", v, "audio")
	keys("audio", audio, "input", "output")
	for _, dir := range []string{"input", "output"} {
		a := obj("audio", audio, dir)
		keys("audio."+dir, a, "encoding", "sample_rate", "bitrate", "container")
		str("audio."+dir, a, "encoding")
		if n, ok := a["sample_rate"].(float64); !ok || n <= 0 {
			bad("audio.%s.sample_rate: want a positive number", dir)
		}
	}
	agent := obj("settings", v, "agent")
	keys("agent", agent, "language", "listen", "think", "speak", "greeting", "context")
	for _, stage := range []string{"listen", "think", "speak"} {
		s := obj("agent", agent, stage)
		p := obj("agent."+stage, s, "provider")
		str("agent."+stage+".provider", p, "type")
		str("agent."+stage+".provider", p, "model")
	}
	think, _ := agent["think"].(map[string]any)
	keys("agent.think", think, "provider", "prompt", "functions", "endpoint", "context_length")
	str("agent.think", think, "prompt")
	fns, _ := think["functions"].([]any)
	names := map[string]bool{}
	for i, f := range fns {
		fn, ok := f.(map[string]any)
		path := fmt.Sprintf("agent.think.functions[%d]", i)
		if !ok {
			bad("%s: want an object", path)
			continue
		}
		keys(path, fn, "name", "description", "parameters", "endpoint", "defer_until_eot")
		name := str(path, fn, "name")
		if names[name] {
			bad("%s.name: %q is defined twice", path, name)
		}
		names[name] = true
		str(path, fn, "description")
		params := obj(path, fn, "parameters")
		if params["type"] != "object" {
			bad("%s.parameters.type: want \"object\"", path)
		}
		if _, ok := params["properties"].(map[string]any); !ok {
			bad("%s.parameters.properties: want an object", path)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("settings: %s", strings.Join(problems, "; "))
	}
	return nil
}
