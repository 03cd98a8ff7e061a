package rag_test

import (
	"context"
	"testing"

	"github.com/fluxlife/flux/fluxtest/openaifake"
	"github.com/fluxlife/flux/fluxtest/pineconefake"
	"github.com/fluxlife/flux/rag"
	ragopenai "github.com/fluxlife/flux/rag/openai"
	"github.com/fluxlife/flux/rag/pinecone"
)

// TestRetrievalQualityOnTheFakes runs the labelled questions of
// TestRetrievalQuality through the hosted implementations, each against its
// protocol-level fake: the OpenAI-compatible embedder (go-openai) against
// the fake LLM's /embeddings, whose vectors are a feature hashing of the
// text's words (openaifake.EmbeddingVector), and the Pinecone index
// (go-pinecone over gRPC) with the offline embedder. Hybrid retrieval must
// find the answering article in its top 5 for at least 80% of the
// questions, as on the embedded implementations.
func TestRetrievalQualityOnTheFakes(t *testing.T) {
	t.Parallel()
	qs := rag.LoadQuestions(t)
	docs, err := rag.Articles()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("openai embedder on the fake LLM", func(t *testing.T) {
		t.Parallel()
		llm := openaifake.NewLLM(t)
		emb, err := ragopenai.New(ragopenai.Config{BaseURL: llm.URL(), APIKey: llm.APIKey(), HTTPClient: llm.HTTPClient()})
		if err != nil {
			t.Fatal(err)
		}
		lib, err := rag.NewLibrary(emb, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := lib.Ingest(context.Background(), docs)
		if err != nil {
			t.Fatal(err)
		}
		embedded := 0
		for _, r := range llm.EmbeddingRequests() {
			in, _ := r.Input.([]any)
			if len(in) > ragopenai.DefaultBatchSize {
				t.Errorf("an embeddings request of %d texts", len(in))
			}
			embedded += len(in)
		}
		if embedded != res.Chunks {
			t.Fatalf("%d texts embedded through the fake, want the %d chunks", embedded, res.Chunks)
		}
		checkQuality(t, "openai/fake LLM", lib, qs)
	})

	t.Run("pinecone index on the fake Pinecone", func(t *testing.T) {
		t.Parallel()
		emb := rag.NewHashEmbedder(0)
		fake := pineconefake.NewPinecone(t)
		fake.SetDimension(emb.Dimensions())
		idx, err := pinecone.New(context.Background(), pinecone.Config{
			APIKey: fake.APIKey(), ControlURL: fake.ControlURL(), Insecure: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = idx.Close() })
		lib, err := rag.NewLibrary(emb, &rag.LibraryOptions{Index: idx})
		if err != nil {
			t.Fatal(err)
		}
		res, err := lib.Ingest(context.Background(), docs)
		if err != nil {
			t.Fatal(err)
		}
		if fake.Count("") != res.Chunks {
			t.Fatalf("the fake holds %d vectors, want the %d chunks", fake.Count(""), res.Chunks)
		}
		queries := len(fake.CallsOf("Query"))
		checkQuality(t, "pinecone/fake", lib, qs)
		if len(fake.CallsOf("Query")) == queries {
			t.Error("the questions did not query Pinecone")
		}
	})
}

// checkQuality logs hit@5 and MRR in each mode and fails when hybrid hit@5
// is below 0.8.
func checkQuality(t *testing.T, config string, lib *rag.Library, qs []rag.LabelledQuestion) {
	t.Helper()
	const k = rag.DefaultTopK
	for _, run := range []struct {
		name      string
		mode      rag.Mode
		threshold float64
	}{
		{"vector, no threshold", rag.VectorOnly, -1},
		{"vector", rag.VectorOnly, 0},
		{"keyword", rag.KeywordOnly, 0},
		{"hybrid", rag.Hybrid, 0},
	} {
		q := rag.MeasureQuality(t, lib, run.mode, run.threshold, qs, k)
		t.Logf("%s, %-20s hit@%d = %.3f  MRR = %.3f  (%d questions)", config, run.name, k, q.HitAtK, q.MRR, len(qs))
		for _, m := range q.Misses {
			t.Logf("  %s, %s miss: %s", config, run.name, m)
		}
		if run.mode == rag.Hybrid && q.HitAtK < 0.8 {
			t.Errorf("hybrid hit@%d = %.3f, want at least 0.8", k, q.HitAtK)
		}
	}
}
