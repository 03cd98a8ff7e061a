package openaifake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	openai "github.com/sashabaranov/go-openai"
)

func chat(t *testing.T, c *openai.Client, ctx context.Context, req openai.ChatCompletionRequest) (string, error) {
	t.Helper()
	if req.Model == "" {
		req.Model = "test/model"
	}
	if req.Messages == nil {
		req.Messages = []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hello"}}
	}
	resp, err := c.CreateChatCompletion(ctx, req)
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}

func TestLLMChatReplies(t *testing.T) {
	t.Parallel()
	l := NewLLM(t)
	c := l.Client()
	l.Reply("first")
	l.ReplyJSON(map[string]int{"answer": 42})
	if l.Pending() != 2 {
		t.Fatalf("Pending = %d", l.Pending())
	}
	got, err := chat(t, c, context.Background(), openai.ChatCompletionRequest{})
	if err != nil || got != "first" {
		t.Fatalf("reply 1: %q %v", got, err)
	}
	got, err = chat(t, c, context.Background(), openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: "be brief"},
		{Role: openai.ChatMessageRoleUser, Content: "the answer?"},
	}})
	if err != nil || got != `{"answer":42}` {
		t.Fatalf("reply 2: %q %v", got, err)
	}
	reqs := l.Requests()
	if len(reqs) != 2 || reqs[1].Model != "test/model" || reqs[1].Messages[1].Content != "the answer?" {
		t.Errorf("recorded: %+v", reqs)
	}
	if raw := l.RawRequests(); len(raw) != 2 || !strings.Contains(string(raw[1]), `"the answer?"`) {
		t.Errorf("raw: %q", raw)
	}
}

func TestLLMRecordsJSONSchemaRequests(t *testing.T) {
	t.Parallel()
	l := NewLLM(t)
	l.Reply("{}")
	schema := json.RawMessage(`{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"],"additionalProperties":false}`)
	_, err := chat(t, l.Client(), context.Background(), openai.ChatCompletionRequest{
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "thing", Schema: schema, Strict: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rf := l.Requests()[0].ResponseFormat
	if rf == nil || rf.Type != openai.ChatCompletionResponseFormatTypeJSONSchema || rf.JSONSchema.Name != "thing" || !rf.JSONSchema.Strict {
		t.Fatalf("recorded response format: %+v", rf)
	}
	b, _ := json.Marshal(rf.JSONSchema.Schema)
	var got, want any
	_ = json.Unmarshal(b, &got)
	_ = json.Unmarshal(schema, &want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}

	// A json_schema format without a schema is rejected, as the API does.
	_, err = chat(t, l.Client(), context.Background(), openai.ChatCompletionRequest{
		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONSchema},
	})
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusBadRequest {
		t.Errorf("schema-less json_schema: %v", err)
	}
}

func TestLLMErrorReplies(t *testing.T) {
	t.Parallel()
	l := NewLLM(t)
	c := l.Client()
	l.ReplyStatus(http.StatusInternalServerError, "")
	l.ReplyStatus(http.StatusTooManyRequests, `{"error":{"message":"slow down","type":"rate_limit"}}`)
	l.Reply("finally")

	var apiErr *openai.APIError
	_, err := chat(t, c, context.Background(), openai.ChatCompletionRequest{})
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 500 {
		t.Errorf("500: %v", err)
	}
	_, err = chat(t, c, context.Background(), openai.ChatCompletionRequest{})
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 429 || apiErr.Message != "slow down" {
		t.Errorf("429: %v", err)
	}
	if got, err := chat(t, c, context.Background(), openai.ChatCompletionRequest{}); err != nil || got != "finally" {
		t.Errorf("after errors: %q %v", got, err)
	}
}

func TestLLMHang(t *testing.T) {
	t.Parallel()
	l := NewLLM(t)
	l.ReplyHang()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := chat(t, l.Client(), ctx, openai.ChatCompletionRequest{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("hang lasted %v", d)
	}
}

// TestLLMHangReleasedAtCleanup leaves a request hanging with no deadline:
// the test's cleanup must still finish.
func TestLLMHangReleasedAtCleanup(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	t.Run("inner", func(t *testing.T) {
		l := NewLLM(t)
		l.ReplyHang()
		c := l.Client()
		wg.Go(func() {
			_, _ = c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "x"}}})
		})
		deadline := time.Now().Add(30 * time.Second)
		for len(l.Requests()) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the hanging request did not reach the fake within 30s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	wg.Wait()
}

func TestLLMChecksTheKey(t *testing.T) {
	t.Parallel()
	l := NewLLM(t)
	l.Reply("never")
	cfg := openai.DefaultConfig("wrong")
	cfg.BaseURL = l.URL()
	_, err := chat(t, openai.NewClientWithConfig(cfg), context.Background(), openai.ChatCompletionRequest{})
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusUnauthorized {
		t.Errorf("wrong key: %v", err)
	}
	if len(l.Requests()) != 0 || l.Pending() != 1 {
		t.Errorf("an unauthorised request was recorded or answered")
	}
	l.SetAPIKey("wrong")
	if got, err := chat(t, openai.NewClientWithConfig(cfg), context.Background(), openai.ChatCompletionRequest{}); err != nil || got != "never" {
		t.Errorf("after SetAPIKey: %q %v", got, err)
	}
}

func TestLLMHandler(t *testing.T) {
	t.Parallel()
	l := NewLLM(t)
	l.SetHandler(func(r openai.ChatCompletionRequest) Reply {
		return Reply{Content: "echo: " + r.Messages[len(r.Messages)-1].Content}
	})
	l.Reply("scripted first")
	c := l.Client()
	for _, want := range []string{"scripted first", "echo: hello", "echo: hello"} {
		if got, err := chat(t, c, context.Background(), openai.ChatCompletionRequest{}); err != nil || got != want {
			t.Errorf("got %q %v, want %q", got, err, want)
		}
	}
}

// recTB records errors instead of failing, to test the fake's own checks.
type recTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestLLMUnexpectedRequestFailsTheTest(t *testing.T) {
	t.Parallel()
	tb := &recTB{TB: t}
	l := NewLLM(tb)
	_, err := chat(t, l.Client(), context.Background(), openai.ChatCompletionRequest{})
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 500 {
		t.Errorf("err = %v", err)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.errs) != 1 || !strings.Contains(tb.errs[0], "unexpected chat completion request") {
		t.Errorf("errors reported: %q", tb.errs)
	}
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func TestLLMEmbeddings(t *testing.T) {
	t.Parallel()
	l := NewLLM(t)
	c := l.Client()
	texts := []string{"How do I start running?", "Running for beginners: start slowly", "Paying off credit card debt"}
	resp, err := c.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{
		Input: texts, Model: openai.SmallEmbedding3, Dimensions: 256,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 3 || len(resp.Data[0].Embedding) != 256 || resp.Data[2].Index != 2 {
		t.Fatalf("response: %d vectors", len(resp.Data))
	}
	for i, d := range resp.Data {
		if diff := cmp.Diff(EmbeddingVector(texts[i], 256), d.Embedding); diff != "" {
			t.Errorf("vector %d differs from EmbeddingVector:\n%s", i, diff)
		}
	}
	if near, far := cosine(resp.Data[0].Embedding, resp.Data[1].Embedding), cosine(resp.Data[0].Embedding, resp.Data[2].Embedding); near <= far {
		t.Errorf("similar texts %.3f, unrelated %.3f", near, far)
	}
	if n := math.Abs(cosine(resp.Data[0].Embedding, resp.Data[0].Embedding) - 1); n > 1e-6 {
		t.Errorf("self-similarity off by %v", n)
	}

	// Default dimensions, a single string, and base64 encoding.
	l.SetEmbeddingDims(16)
	resp, err = c.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{
		Input: []string{"one"}, Model: openai.SmallEmbedding3, EncodingFormat: openai.EmbeddingEncodingFormatBase64,
	})
	if err != nil || len(resp.Data) != 1 || !cmp.Equal(resp.Data[0].Embedding, EmbeddingVector("one", 16)) {
		t.Errorf("base64: %v %+v", err, resp.Data)
	}
	resp, err = c.CreateEmbeddings(context.Background(), openai.EmbeddingRequest{Input: "solo", Model: openai.SmallEmbedding3})
	if err != nil || len(resp.Data) != 1 || len(resp.Data[0].Embedding) != 16 {
		t.Errorf("single string: %v", err)
	}
	if got := len(l.EmbeddingRequests()); got != 3 {
		t.Errorf("%d embedding requests recorded", got)
	}
}

func TestLLMEmbeddingFailures(t *testing.T) {
	t.Parallel()
	l := NewLLM(t)
	c := l.Client()
	l.EmbeddingReply(Reply{Status: http.StatusServiceUnavailable}, Reply{Hang: true})
	req := openai.EmbeddingRequestStrings{Input: []string{"x"}, Model: openai.SmallEmbedding3}
	var apiErr *openai.APIError
	if _, err := c.CreateEmbeddings(context.Background(), req); !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 503 {
		t.Errorf("503: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.CreateEmbeddings(ctx, req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang: %v", err)
	}
	if _, err := c.CreateEmbeddings(context.Background(), req); err != nil {
		t.Errorf("after the scripted failures: %v", err)
	}
}

func TestEmbeddingVector(t *testing.T) {
	t.Parallel()
	if v := EmbeddingVector("", 4); !cmp.Equal(v, []float32{1, 0, 0, 0}) {
		t.Errorf("empty text: %v", v)
	}
	if v := EmbeddingVector("x", 0); len(v) != 1 {
		t.Errorf("zero dims: %v", v)
	}
	if !cmp.Equal(EmbeddingVector("Same words", 32), EmbeddingVector("same, WORDS!", 32)) {
		t.Error("case and punctuation should not matter")
	}
}

func TestLLMUnknownRoute(t *testing.T) {
	t.Parallel()
	l := NewLLM(t)
	resp, err := l.HTTPClient().Get(l.URL() + "/models")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d", resp.StatusCode)
	}
}
