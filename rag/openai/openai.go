package openai

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/fluxlife/flux"
)

// Defaults of the OpenAI-compatible embedder: the original system's
// OpenRouter settings.
const (
	DefaultModel     = "openai/text-embedding-3-small"
	DefaultBaseURL   = "https://openrouter.ai/api/v1"
	DefaultBatchSize = 64
	DefaultTimeout   = 30 * time.Second
)

// knownDimensions are the default vector lengths of common embedding
// models, with or without the "openai/" prefix OpenRouter uses.
var knownDimensions = map[string]int{
	"text-embedding-3-small": 1536,
	"text-embedding-3-large": 3072,
	"text-embedding-ada-002": 1536,
}

// Config configures New. Only APIKey is required.
type Config struct {
	// BaseURL is the OpenAI-compatible API root; "" means
	// DefaultBaseURL (OpenRouter). Requests go to BaseURL +
	// "/embeddings".
	BaseURL string
	// APIKey is sent as a bearer token. It is never logged.
	APIKey string
	// Model is the embedding model; "" means DefaultModel.
	Model string
	// Dimensions is the vector length. When it is 0 the model's default is
	// assumed (1536 for text-embedding-3-small and ada-002, 3072 for
	// text-embedding-3-large) and not sent; a model not in that list needs
	// it. When set, it is sent as the request's "dimensions".
	Dimensions int
	// BatchSize is the most texts sent in one request; 0 means
	// DefaultBatchSize (64).
	BatchSize int
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; nil means a new client. Timeout
	// applies either way.
	HTTPClient *http.Client
}

// Embedder is an Embedder over any OpenAI-compatible /embeddings
// endpoint (OpenRouter, OpenAI, a local server), through
// github.com/sashabaranov/go-openai. Texts are sent in batches of
// BatchSize, one request at a time. Safe for concurrent use.
type Embedder struct {
	client     *goopenai.Client
	model      string
	dims       int
	sendDims   bool
	batch      int
	timeout    time.Duration
	baseURLTag string
}

// New returns an embedder for cfg. A missing key, an unknown
// model without Dimensions or a malformed base URL is an EInvalid
// *flux.Error.
func New(cfg Config) (*Embedder, error) {
	var fields []flux.FieldError
	if strings.TrimSpace(cfg.APIKey) == "" {
		fields = append(fields, flux.FieldError{Field: "api_key", Message: "is required for the embedding service"})
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasPrefix(base, "https://") && !strings.HasPrefix(base, "http://") {
		fields = append(fields, flux.FieldError{Field: "base_url", Message: "must be an http or https URL"})
	}
	model := strings.TrimSpace(cfg.Model)
	if model == "" {
		model = DefaultModel
	}
	dims := cfg.Dimensions
	switch {
	case dims < 0:
		fields = append(fields, flux.FieldError{Field: "dimensions", Message: "must not be negative"})
	case dims == 0:
		short := model[strings.LastIndex(model, "/")+1:]
		dims = knownDimensions[short]
		if dims == 0 {
			fields = append(fields, flux.FieldError{Field: "dimensions", Message: fmt.Sprintf("is required for model %q", model)})
		}
	}
	if cfg.BatchSize < 0 {
		fields = append(fields, flux.FieldError{Field: "batch_size", Message: "must not be negative"})
	}
	if cfg.Timeout < 0 {
		fields = append(fields, flux.FieldError{Field: "timeout", Message: "must not be negative"})
	}
	if len(fields) > 0 {
		return nil, flux.Invalid("invalid embedding settings", fields...)
	}
	batch := cfg.BatchSize
	if batch == 0 {
		batch = DefaultBatchSize
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: timeout}
	}
	oc := goopenai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = base
	oc.HTTPClient = hc
	return &Embedder{
		client:     goopenai.NewClientWithConfig(oc),
		model:      model,
		dims:       dims,
		sendDims:   cfg.Dimensions > 0,
		batch:      batch,
		timeout:    timeout,
		baseURLTag: base,
	}, nil
}

// Name returns the model name.
func (e *Embedder) Name() string { return e.model }

// Dimensions returns the vector length.
func (e *Embedder) Dimensions() int { return e.dims }

// String describes the embedder without its key, for the startup log.
func (e *Embedder) String() string {
	return fmt.Sprintf("%s (%d dimensions) at %s", e.model, e.dims, e.baseURLTag)
}

// Embed sends the texts in batches and returns their vectors in order. An
// empty text is an EInvalid error; a failed, timed-out or malformed response
// is an EUnavailable error wrapping the cause.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	var fields []flux.FieldError
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			fields = append(fields, flux.FieldError{Field: fmt.Sprintf("texts[%d]", i), Message: "is empty"})
		}
	}
	if len(fields) > 0 {
		return nil, flux.Invalid("cannot embed empty text", fields...)
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.batch {
		batch := texts[start:min(start+e.batch, len(texts))]
		vecs, err := e.embedBatch(ctx, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (e *Embedder) embedBatch(ctx context.Context, batch []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("rag: embed: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	req := goopenai.EmbeddingRequest{Input: batch, Model: goopenai.EmbeddingModel(e.model)}
	if e.sendDims {
		req.Dimensions = e.dims
	}
	res, err := e.client.CreateEmbeddings(rctx, req)
	if err != nil {
		if ctx.Err() != nil {
			// The caller gave up; that is not the service's fault.
			return nil, fmt.Errorf("rag: embed: %w", ctx.Err())
		}
		msg := "the embedding service failed"
		var apiErr *goopenai.APIError
		var reqErr *goopenai.RequestError
		var netErr net.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
			msg = "the embedding service timed out"
		case errors.As(err, &apiErr) && (apiErr.HTTPStatusCode == http.StatusUnauthorized || apiErr.HTTPStatusCode == http.StatusForbidden):
			msg = "the embedding service rejected the API key"
		case errors.As(err, &reqErr) && (reqErr.HTTPStatusCode == http.StatusUnauthorized || reqErr.HTTPStatusCode == http.StatusForbidden):
			msg = "the embedding service rejected the API key"
		case errors.As(err, &apiErr) && apiErr.HTTPStatusCode == http.StatusTooManyRequests:
			msg = "the embedding service is rate limiting requests"
		}
		return nil, &flux.Error{Code: flux.EUnavailable, Message: msg, Err: fmt.Errorf("rag: embeddings with %s: %w", e.model, err)}
	}
	malformed := func(format string, args ...any) error {
		return &flux.Error{Code: flux.EUnavailable, Message: "the embedding service returned a malformed response",
			Err: fmt.Errorf("rag: embeddings with %s: "+format, append([]any{e.model}, args...)...)}
	}
	if len(res.Data) != len(batch) {
		return nil, malformed("%d embeddings for %d texts", len(res.Data), len(batch))
	}
	out := make([][]float32, len(batch))
	for i, d := range res.Data {
		idx := d.Index
		// Some compatible servers leave index out (0 for all): take the
		// order as given then.
		if idx == 0 && i > 0 && out[0] != nil {
			idx = i
		}
		if idx < 0 || idx >= len(batch) || out[idx] != nil {
			return nil, malformed("bad or repeated index %d", d.Index)
		}
		if len(d.Embedding) != e.dims {
			return nil, malformed("embedding of %d dimensions, want %d", len(d.Embedding), e.dims)
		}
		out[idx] = d.Embedding
	}
	return out, nil
}
