package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/rag"
	ragopenai "github.com/fluxlife/flux/rag/openai"
)

// ragConfig is the RAG configuration read from the environment by
// ragConfigFromEnv.
type ragConfig struct {
	// Chunker holds RAG_CHUNK_SIZE and RAG_CHUNK_OVERLAP.
	Chunker rag.Chunker
	// TopK is RAG_TOP_K (default 5).
	TopK int
	// Threshold is RAG_RELEVANCE_THRESHOLD, or nil when it is not set (the
	// retriever uses DefaultThreshold of its embedder then). A value of 0 or
	// less means no threshold and is stored as -1.
	Threshold *float64
	// OpenAI configures the OpenAI-compatible embedder. UseOpenAI reports
	// whether a key was found for it.
	OpenAI    ragopenai.Config
	UseOpenAI bool
}

// ragConfigFromEnv reads the RAG settings through getenv (os.Getenv in
// production):
//
//	RAG_CHUNK_SIZE            chunk size in characters (2000)
//	RAG_CHUNK_OVERLAP         chunk overlap in characters (200)
//	RAG_TOP_K                 passages per search (5, at most 50)
//	RAG_RELEVANCE_THRESHOLD   least cosine similarity of a vector match (per embedder)
//	EMBEDDING_API_KEY         key of the embedding service; falls back to OPEN_ROUTER_API_KEY
//	EMBEDDING_BASE_URL        its base URL; falls back to OPENROUTER_BASE_URL, then OpenRouter
//	EMBEDDING_MODEL           the model (openai/text-embedding-3-small)
//	EMBEDDING_DIMENSIONS      the vector length (the model's default)
//	EMBEDDING_TIMEOUT         per-request timeout as a Go duration (30s)
//
// Without a key, UseOpenAI is false and the offline hashing embedder is the
// one to use. Malformed values are an EInvalid *flux.Error naming each
// variable.
func ragConfigFromEnv(getenv func(string) string) (ragConfig, error) {
	var fields []flux.FieldError
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	intVar := func(k string, min, max int) int {
		v := get(k)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			fields = append(fields, flux.FieldError{Field: k, Message: fmt.Sprintf("must be a whole number from %d to %d", min, max)})
			return 0
		}
		return n
	}
	var c ragConfig
	c.Chunker.Size = intVar("RAG_CHUNK_SIZE", 20, 1_000_000)
	if v := get("RAG_CHUNK_OVERLAP"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 0:
			fields = append(fields, flux.FieldError{Field: "RAG_CHUNK_OVERLAP", Message: "must be a whole number, 0 or more"})
		case n == 0:
			c.Chunker.Overlap = -1 // explicitly no overlap
		default:
			c.Chunker.Overlap = n
		}
	}
	if c.Chunker.Size == 0 && c.Chunker.Overlap == 0 {
		c.Chunker = rag.DefaultChunker
	} else if c.Chunker.Size == 0 {
		c.Chunker.Size = rag.DefaultChunkSize
	}
	if err := c.Chunker.Validate(); err != nil {
		fields = append(fields, flux.FieldError{Field: "RAG_CHUNK_OVERLAP", Message: "must be less than half of RAG_CHUNK_SIZE"})
	}
	c.TopK = intVar("RAG_TOP_K", 1, rag.MaxTopK)
	if c.TopK == 0 {
		c.TopK = rag.DefaultTopK
	}
	if v := get("RAG_RELEVANCE_THRESHOLD"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < -1 || f > 1 {
			fields = append(fields, flux.FieldError{Field: "RAG_RELEVANCE_THRESHOLD", Message: "must be a number from -1 to 1"})
		} else {
			if f == 0 {
				f = -1 // explicitly no threshold (0 means "the default" in rag.RetrieverOptions)
			}
			c.Threshold = &f
		}
	}
	c.OpenAI.APIKey = get("EMBEDDING_API_KEY")
	if c.OpenAI.APIKey == "" {
		c.OpenAI.APIKey = get("OPEN_ROUTER_API_KEY")
	}
	c.UseOpenAI = c.OpenAI.APIKey != ""
	c.OpenAI.BaseURL = get("EMBEDDING_BASE_URL")
	if c.OpenAI.BaseURL == "" {
		c.OpenAI.BaseURL = get("OPENROUTER_BASE_URL")
	}
	c.OpenAI.Model = get("EMBEDDING_MODEL")
	c.OpenAI.Dimensions = intVar("EMBEDDING_DIMENSIONS", 1, 1<<16)
	if v := get("EMBEDDING_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fields = append(fields, flux.FieldError{Field: "EMBEDDING_TIMEOUT", Message: "must be a positive duration such as 30s"})
		} else {
			c.OpenAI.Timeout = d
		}
	}
	if len(fields) > 0 {
		return ragConfig{}, flux.Invalid("invalid RAG settings", fields...)
	}
	return c, nil
}

// Embedder returns the embedder the configuration asks for: the
// OpenAI-compatible one when a key is set, the offline hashing one
// otherwise.
func (c ragConfig) Embedder() (rag.Embedder, error) {
	if !c.UseOpenAI {
		return rag.NewHashEmbedder(0), nil
	}
	return ragopenai.New(c.OpenAI)
}

// RetrieverOptions returns retrieval options: TopK, and Threshold when it
// is set (otherwise the retriever uses DefaultThreshold of its embedder).
func (c ragConfig) RetrieverOptions() rag.RetrieverOptions {
	o := rag.RetrieverOptions{TopK: c.TopK}
	if c.Threshold != nil {
		o.Threshold = *c.Threshold
	}
	return o
}
