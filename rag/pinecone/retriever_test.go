package pinecone_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux/fluxtest/pineconefake"
	"github.com/fluxlife/flux/rag"
	"github.com/fluxlife/flux/rag/pinecone"
)

// TestLibraryOnPinecone indexes the bundled library into the fake Pinecone
// through go-pinecone, and
// checks that hybrid retrieval (vector search on Pinecone fused with the
// in-memory BM25 index) answers as it does on the in-memory index.
func TestLibraryOnPinecone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	emb := rag.NewHashEmbedder(0)
	fake := pineconefake.NewPinecone(t)
	fake.SetDimension(emb.Dimensions())

	cfg := pinecone.Config{APIKey: fake.APIKey(), ControlURL: fake.ControlURL(), Insecure: true}
	if err := cfg.Validate(); err != nil || !cfg.Enabled() {
		t.Fatalf("config %+v: enabled %v, %v", cfg, cfg.Enabled(), err)
	}
	idx, err := pinecone.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })

	docs, err := rag.Articles()
	if err != nil {
		t.Fatal(err)
	}
	catalog := rag.NewMemoryCatalog()
	lib, err := rag.NewLibrary(emb, &rag.LibraryOptions{Index: idx, Catalog: catalog})
	if err != nil {
		t.Fatal(err)
	}
	res, err := lib.Ingest(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Indexed != len(docs) || res.Chunks != fake.Count("") {
		t.Fatalf("ingest = %+v, the fake holds %d vectors", res, fake.Count(""))
	}
	for _, c := range fake.CallsOf("Upsert") {
		if c.Vectors > pinecone.UpsertBatch {
			t.Errorf("an upsert of %d vectors", c.Vectors)
		}
		for _, id := range c.IDs {
			if i := strings.LastIndexByte(id, '_'); i <= 0 {
				t.Errorf("vector id %q is not <document>_<chunk>", id)
			}
		}
	}

	// A second start with the same catalog (and keyword index) finds the
	// index complete (Count is exact) and indexes nothing.
	lib2, err := rag.NewLibrary(emb, &rag.LibraryOptions{Index: idx, Keywords: lib.Keywords(), Catalog: catalog})
	if err != nil {
		t.Fatal(err)
	}
	res, err = lib2.Ingest(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Indexed != 0 || res.Unchanged != len(docs) {
		t.Errorf("second ingest = %+v, want everything unchanged", res)
	}

	const question = "I've never run before, how do I start without wrecking my knees?"
	passages, err := lib.Search(ctx, question, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(passages) == 0 || passages[0].DocumentID != "starting-to-run" {
		t.Fatalf("first passage for %q: %+v, want one of starting-to-run", question, passages)
	}
	if fake.CallsOf("Query") == nil {
		t.Error("the search did not query Pinecone")
	}

	// The same searches on the in-memory index rank the same passages.
	mem, err := rag.NewLibrary(emb, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Ingest(ctx, docs); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		question,
		"how much should I keep in an emergency fund?",
		"how many hours of sleep do adults need",
		"spaced repetition flashcards schedule",
	} {
		for _, mode := range []rag.Mode{rag.VectorOnly, rag.Hybrid} {
			onPinecone, err := rag.NewRetriever(emb, idx, lib.Keywords(), &rag.RetrieverOptions{Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			inMemory, err := rag.NewRetriever(emb, mem.Index(), mem.Keywords(), &rag.RetrieverOptions{Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			got, err := onPinecone.Search(ctx, q, 5)
			if err != nil {
				t.Fatal(err)
			}
			want, err := inMemory.Search(ctx, q, 5)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(where(want), where(got)); diff != "" {
				t.Errorf("%s search %q on Pinecone vs in memory (-memory +pinecone):\n%s", mode, q, diff)
			}
		}
	}

	// A filtered search sends the filter to Pinecone.
	passages, err = lib.SearchFilter(ctx, "how do I start", 3, rag.Filter{Categories: []string{"running"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range passages {
		if p.Category != "running" {
			t.Errorf("filtered search returned a %s passage", p.Category)
		}
	}
	queries := fake.CallsOf("Query")
	if last := queries[len(queries)-1]; !cmp.Equal(last.Filter, map[string]any{"category": map[string]any{"$eq": "running"}}) {
		t.Errorf("filter sent = %v", last.Filter)
	}
}

// where returns "<document>_<chunk>" of each passage.
func where(ps []rag.Passage) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = rag.Chunk{DocumentID: p.DocumentID, Index: p.ChunkIndex}.ID()
	}
	return out
}
