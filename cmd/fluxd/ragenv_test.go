package main

import (
	"errors"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/rag"
	"github.com/google/go-cmp/cmp"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRAGConfigFromEnv(t *testing.T) {
	t.Parallel()
	c, err := ragConfigFromEnv(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Chunker != rag.DefaultChunker || c.TopK != 5 || c.Threshold != nil || c.UseOpenAI {
		t.Errorf("defaults = %+v", c)
	}
	emb, err := c.Embedder()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := emb.(*rag.HashEmbedder); !ok {
		t.Errorf("embedder without a key = %T, want *rag.HashEmbedder", emb)
	}
	if diff := cmp.Diff(rag.RetrieverOptions{TopK: 5}, c.RetrieverOptions(), cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Logger" }, cmp.Ignore())); diff != "" {
		t.Errorf("rag.RetrieverOptions (-want +got):\n%s", diff)
	}

	c, err = ragConfigFromEnv(envOf(map[string]string{
		"RAG_CHUNK_SIZE": "1000", "RAG_CHUNK_OVERLAP": "0", "RAG_TOP_K": "8", "RAG_RELEVANCE_THRESHOLD": "0.4",
		"OPEN_ROUTER_API_KEY": "sk-or", "OPENROUTER_BASE_URL": "https://example.test/api/v1",
		"EMBEDDING_MODEL": "openai/text-embedding-3-large", "EMBEDDING_TIMEOUT": "5s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Chunker != (rag.Chunker{Size: 1000, Overlap: -1}) || c.TopK != 8 || *c.Threshold != 0.4 || !c.UseOpenAI ||
		c.OpenAI.APIKey != "sk-or" || c.OpenAI.BaseURL != "https://example.test/api/v1" || c.OpenAI.Timeout != 5*time.Second {
		t.Errorf("config = %+v", c)
	}
	emb, err = c.Embedder()
	if err != nil || emb.Name() != "openai/text-embedding-3-large" || emb.Dimensions() != 3072 {
		t.Errorf("embedder = %v, %v", emb, err)
	}
	if o := c.RetrieverOptions(); o.TopK != 8 || o.Threshold != 0.4 {
		t.Errorf("rag.RetrieverOptions = %+v", o)
	}

	c, _ = ragConfigFromEnv(envOf(map[string]string{"EMBEDDING_API_KEY": "k1", "OPEN_ROUTER_API_KEY": "k2", "EMBEDDING_BASE_URL": "http://localhost:1234/v1", "RAG_RELEVANCE_THRESHOLD": "0"}))
	if c.OpenAI.APIKey != "k1" || c.OpenAI.BaseURL != "http://localhost:1234/v1" || *c.Threshold != -1 {
		t.Errorf("config = %+v", c)
	}
}

func TestRAGConfigFromEnvInvalid(t *testing.T) {
	t.Parallel()
	_, err := ragConfigFromEnv(envOf(map[string]string{
		"RAG_CHUNK_SIZE": "ten", "RAG_CHUNK_OVERLAP": "-3", "RAG_TOP_K": "500", "RAG_RELEVANCE_THRESHOLD": "high",
		"EMBEDDING_DIMENSIONS": "0", "EMBEDDING_TIMEOUT": "soon",
	}))
	want := []string{"RAG_CHUNK_SIZE", "RAG_CHUNK_OVERLAP", "RAG_TOP_K", "RAG_RELEVANCE_THRESHOLD", "EMBEDDING_DIMENSIONS", "EMBEDDING_TIMEOUT"}
	if diff := cmp.Diff(want, fieldsOf(t, err)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	_, err = ragConfigFromEnv(envOf(map[string]string{"RAG_CHUNK_SIZE": "100", "RAG_CHUNK_OVERLAP": "80"}))
	if diff := cmp.Diff([]string{"RAG_CHUNK_OVERLAP"}, fieldsOf(t, err)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
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
