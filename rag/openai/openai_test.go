package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux"
)

// embeddingsServer fakes an OpenAI-compatible POST /embeddings endpoint. The
// vector of a text is [len(text), dims-1 ones...] so tests can tell which
// vector belongs to which text. Results come back in reverse order, with
// their index, as the API allows.
type embeddingsServer struct {
	dims int
	// respond, when set, replaces the normal answer.
	respond func(w http.ResponseWriter, r *http.Request, input []string) bool

	mu       sync.Mutex
	requests []embeddingsRequest
}

type embeddingsRequest struct {
	Auth       string
	Model      string
	Input      []string
	Dimensions *int
}

func (s *embeddingsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	var body struct {
		Input      []string `json:"input"`
		Model      string   `json:"model"`
		Dimensions *int     `json:"dimensions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error"}}`, err.Error())
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, embeddingsRequest{Auth: r.Header.Get("Authorization"), Model: body.Model, Input: body.Input, Dimensions: body.Dimensions})
	s.mu.Unlock()
	if s.respond != nil && s.respond(w, r, body.Input) {
		return
	}
	type item struct {
		Object    string    `json:"object"`
		Embedding []float32 `json:"embedding"`
		Index     int       `json:"index"`
	}
	data := make([]item, 0, len(body.Input))
	for i := len(body.Input) - 1; i >= 0; i-- {
		v := make([]float32, s.dims)
		v[0] = float32(len(body.Input[i]))
		for j := 1; j < s.dims; j++ {
			v[j] = 1
		}
		data = append(data, item{Object: "embedding", Embedding: v, Index: i})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"object": "list", "data": data, "model": body.Model,
		"usage": map[string]int{"prompt_tokens": 1, "total_tokens": 1},
	})
}

func newEmbeddingsServer(t *testing.T, dims int) (*embeddingsServer, *httptest.Server) {
	s := &embeddingsServer{dims: dims}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func TestOpenAIEmbedder(t *testing.T) {
	t.Parallel()
	fake, srv := newEmbeddingsServer(t, 1536)
	e, err := New(Config{BaseURL: srv.URL + "/v1/", APIKey: "sk-test"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != DefaultModel || e.Dimensions() != 1536 {
		t.Fatalf("Name, Dimensions = %q, %d", e.Name(), e.Dimensions())
	}
	if s := e.String(); strings.Contains(s, "sk-test") {
		t.Errorf("String() leaks the key: %q", s)
	}
	texts := make([]string, 150)
	for i := range texts {
		texts[i] = strings.Repeat("a", i+1)
	}
	vecs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("got %d vectors", len(vecs))
	}
	for i, v := range vecs {
		if len(v) != 1536 || v[0] != float32(i+1) {
			t.Fatalf("vector %d = [%v ...] (%d), want it to be text %d's", i, v[0], len(v), i)
		}
	}
	var sizes []int
	for _, r := range fake.requests {
		sizes = append(sizes, len(r.Input))
		if r.Auth != "Bearer sk-test" || r.Model != DefaultModel || r.Dimensions != nil {
			t.Errorf("request auth %q model %q dimensions %v", r.Auth, r.Model, r.Dimensions)
		}
	}
	if diff := cmp.Diff([]int{64, 64, 22}, sizes); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
}

func TestOpenAIEmbedderDimensionsAndBatch(t *testing.T) {
	t.Parallel()
	fake, srv := newEmbeddingsServer(t, 256)
	e, err := New(Config{BaseURL: srv.URL + "/v1", APIKey: "k", Model: "local/minilm", Dimensions: 256, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(context.Background(), []string{"a", "b", "c"}); err != nil {
		t.Fatal(err)
	}
	if len(fake.requests) != 2 || fake.requests[0].Dimensions == nil || *fake.requests[0].Dimensions != 256 || fake.requests[0].Model != "local/minilm" {
		t.Errorf("requests = %+v", fake.requests)
	}
	if vecs, err := e.Embed(context.Background(), nil); err != nil || len(vecs) != 0 {
		t.Errorf("Embed(nil) = %v, %v", vecs, err)
	}
}

func TestOpenAIEmbedderFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		respond func(w http.ResponseWriter, r *http.Request, input []string) bool
		code    string
		message string
	}{
		{"server error", func(w http.ResponseWriter, r *http.Request, _ []string) bool {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"error":{"message":"upstream exploded","type":"server_error"}}`))
			return true
		}, flux.EUnavailable, "the embedding service failed"},
		{"bad key", func(w http.ResponseWriter, r *http.Request, _ []string) bool {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"message":"No auth credentials found","code":401}}`))
			return true
		}, flux.EUnavailable, "the embedding service rejected the API key"},
		{"rate limited", func(w http.ResponseWriter, r *http.Request, _ []string) bool {
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"message":"slow down"}}`))
			return true
		}, flux.EUnavailable, "the embedding service is rate limiting requests"},
		{"too few embeddings", func(w http.ResponseWriter, r *http.Request, _ []string) bool {
			w.Write([]byte(`{"object":"list","data":[{"object":"embedding","embedding":[1,2,3,4],"index":0}]}`))
			return true
		}, flux.EUnavailable, "the embedding service returned a malformed response"},
		{"wrong dimensions", func(w http.ResponseWriter, r *http.Request, input []string) bool {
			w.Write([]byte(`{"object":"list","data":[{"object":"embedding","embedding":[1,2],"index":0},{"object":"embedding","embedding":[1,2],"index":1}]}`))
			return true
		}, flux.EUnavailable, "the embedding service returned a malformed response"},
		{"not json", func(w http.ResponseWriter, r *http.Request, input []string) bool {
			w.Write([]byte(`<html>gateway</html>`))
			return true
		}, flux.EUnavailable, "the embedding service failed"},
		{"too slow", func(w http.ResponseWriter, r *http.Request, input []string) bool {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return false
		}, flux.EUnavailable, "the embedding service timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, srv := newEmbeddingsServer(t, 4)
			fake.respond = tt.respond
			e, err := New(Config{BaseURL: srv.URL + "/v1", APIKey: "sk-secret", Model: "m", Dimensions: 4, Timeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Embed(context.Background(), []string{"one", "two"})
			var fe *flux.Error
			if !errors.As(err, &fe) || fe.Code != tt.code || fe.Message != tt.message {
				t.Fatalf("err = %v, want %s %q", err, tt.code, tt.message)
			}
			if strings.Contains(err.Error(), "sk-secret") {
				t.Errorf("error leaks the key: %v", err)
			}
		})
	}
}

func TestOpenAIEmbedderCallerCancels(t *testing.T) {
	t.Parallel()
	fake, srv := newEmbeddingsServer(t, 4)
	ctx, cancel := context.WithCancel(context.Background())
	fake.respond = func(w http.ResponseWriter, r *http.Request, _ []string) bool {
		cancel()
		<-r.Context().Done()
		return true
	}
	e, err := New(Config{BaseURL: srv.URL + "/v1", APIKey: "k", Model: "m", Dimensions: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(ctx, []string{"x"}); !errors.Is(err, context.Canceled) || flux.ErrorCode(err) == flux.EUnavailable {
		t.Errorf("err = %v, want context.Canceled, not EUnavailable", err)
	}
}

func TestOpenAIEmbedderInvalid(t *testing.T) {
	t.Parallel()
	_, err := New(Config{BaseURL: "ftp://x", Model: "acme/embedder", BatchSize: -1, Timeout: -time.Second})
	if diff := cmp.Diff([]string{"api_key", "base_url", "dimensions", "batch_size", "timeout"}, fieldsOf(t, err)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	e, err := New(Config{APIKey: "k", Model: "openai/text-embedding-3-large"})
	if err != nil || e.Dimensions() != 3072 {
		t.Errorf("text-embedding-3-large: %v, %v", e, err)
	}
	e, err = New(Config{APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Embed(context.Background(), []string{"ok", " "})
	if diff := cmp.Diff([]string{"texts[1]"}, fieldsOf(t, err)); diff != "" {
		t.Errorf("empty text fields (-want +got):\n%s", diff)
	}
}

// fieldsOf returns the field names of an EInvalid error, or fails.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var fe *flux.Error
	if !errors.As(err, &fe) || fe.Code != flux.EInvalid {
		t.Fatalf("error %v is not an EInvalid *flux.Error", err)
	}
	var out []string
	for _, f := range fe.Fields {
		out = append(out, f.Field)
	}
	return out
}
