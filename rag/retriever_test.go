package rag

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux"
)

// stubEmbedder returns a fixed one-dimensional vector, or err.
type stubEmbedder struct{ err error }

func (s stubEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	if s.err != nil {
		return nil, s.err
	}
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1}
	}
	return out, nil
}
func (stubEmbedder) Dimensions() int { return 1 }
func (stubEmbedder) Name() string    { return "stub" }

// stubSearch is an Index and a KeywordIndex answering with fixed matches
// (cut to k) or err, recording what it was asked.
type stubSearch struct {
	matches []Match
	err     error
	gotK    int
	gotF    Filter
}

func (s *stubSearch) answer(k int, f Filter) ([]Match, error) {
	s.gotK, s.gotF = k, f
	if s.err != nil {
		return nil, s.err
	}
	var out []Match
	for _, m := range s.matches {
		if f.Matches(m.Chunk) {
			out = append(out, m)
		}
	}
	return out[:min(k, len(out))], nil
}
func (s *stubSearch) Query(_ context.Context, _ []float32, k int, f Filter) ([]Match, error) {
	return s.answer(k, f)
}
func (s *stubSearch) Search(_ context.Context, _ string, k int, f Filter) ([]Match, error) {
	return s.answer(k, f)
}
func (s *stubSearch) Upsert(context.Context, []Vector) error       { return nil }
func (s *stubSearch) IndexChunks(context.Context, []Chunk) error   { return nil }
func (s *stubSearch) DeleteDocument(context.Context, string) error { return nil }
func (s *stubSearch) Count(context.Context) (int, error)           { return len(s.matches), nil }

// m makes a match of chunk i of doc with a score.
func m(doc string, i int, score float64) Match {
	c := Chunk{DocumentID: doc, Index: i, Text: doc + " text", Metadata: Metadata{Title: strings.ToUpper(doc), Source: "src", Category: "cat-" + doc, Authority: "auth"}}
	return Match{ID: c.ID(), Score: score, Chunk: c}
}

func passageIDs(ps []Passage) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = Chunk{DocumentID: p.DocumentID, Index: p.ChunkIndex}.ID()
	}
	return out
}

func TestRetrieverFusion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	vector := &stubSearch{matches: []Match{m("a", 0, 0.9), m("b", 0, 0.8), m("c", 0, 0.7), m("d", 0, 0.1)}}
	keyword := &stubSearch{matches: []Match{m("c", 0, 9), m("e", 0, 8), m("a", 0, 7)}}
	tests := []struct {
		name string
		opts RetrieverOptions
		k    int
		want []string
	}{
		// RRF: a = 1/61+1/63, c = 1/63+1/61 (tie, a has the better vector
		// score), b = 1/62, e = 1/62 (tie, b has a vector score), d = 1/64.
		{"hybrid", RetrieverOptions{Threshold: -1}, 10, []string{"a_0", "c_0", "b_0", "e_0", "d_0"}},
		{"hybrid top 2", RetrieverOptions{Threshold: -1}, 2, []string{"a_0", "c_0"}},
		// c drops out of the vector list: a = 1/61+1/63, c = 1/61, b = 1/62,
		// e = 1/62 (b has a vector score).
		{"threshold drops weak vector matches", RetrieverOptions{Threshold: 0.75}, 10, []string{"a_0", "c_0", "b_0", "e_0"}},
		{"default threshold of the embedder (0.2) drops d", RetrieverOptions{}, 10, []string{"a_0", "c_0", "b_0", "e_0"}},
		{"vector only", RetrieverOptions{Mode: VectorOnly, Threshold: -1}, 10, []string{"a_0", "b_0", "c_0", "d_0"}},
		{"vector only with threshold", RetrieverOptions{Mode: VectorOnly, Threshold: 0.75}, 10, []string{"a_0", "b_0"}},
		{"keyword only", RetrieverOptions{Mode: KeywordOnly}, 10, []string{"c_0", "e_0", "a_0"}},
		{"default top k", RetrieverOptions{TopK: 3, Threshold: -1}, 0, []string{"a_0", "c_0", "b_0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRetriever(stubEmbedder{}, vector, keyword, &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			ps, err := r.Search(ctx, "question", tt.k)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, passageIDs(ps)); diff != "" {
				t.Errorf("passages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetrieverPassage(t *testing.T) {
	t.Parallel()
	r, err := NewRetriever(stubEmbedder{}, &stubSearch{matches: []Match{m("a", 3, 0.5)}}, nil, &RetrieverOptions{Mode: VectorOnly})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := r.Search(context.Background(), "q", 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []Passage{{Text: "a text", Title: "A", Source: "src", Category: "cat-a", Authority: "auth", Score: 0.5, DocumentID: "a", ChunkIndex: 3}}
	if diff := cmp.Diff(want, ps); diff != "" {
		t.Errorf("passage (-want +got):\n%s", diff)
	}
}

func TestRetrieverMaxPerDocument(t *testing.T) {
	t.Parallel()
	vector := &stubSearch{matches: []Match{m("a", 0, 0.9), m("a", 1, 0.8), m("a", 2, 0.7), m("b", 0, 0.6), m("a", 3, 0.5), m("c", 0, 0.4)}}
	for _, tt := range []struct {
		max  int
		want []string
	}{
		{0, []string{"a_0", "a_1", "b_0", "c_0"}},
		{1, []string{"a_0", "b_0", "c_0"}},
		{-1, []string{"a_0", "a_1", "a_2", "b_0", "a_3"}},
	} {
		r, err := NewRetriever(stubEmbedder{}, vector, nil, &RetrieverOptions{Mode: VectorOnly, MaxPerDocument: tt.max})
		if err != nil {
			t.Fatal(err)
		}
		ps, err := r.Search(context.Background(), "q", 5)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, passageIDs(ps)); diff != "" {
			t.Errorf("MaxPerDocument %d (-want +got):\n%s", tt.max, diff)
		}
	}
}

func TestRetrieverFiltersAndCandidates(t *testing.T) {
	t.Parallel()
	vector := &stubSearch{matches: []Match{m("a", 0, 0.9), m("b", 0, 0.8)}}
	keyword := &stubSearch{matches: []Match{m("b", 0, 3)}}
	def := Filter{Categories: []string{"cat-a"}}
	r, err := NewRetriever(stubEmbedder{}, vector, keyword, &RetrieverOptions{Filter: def, Candidates: 7})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := r.Search(context.Background(), "q", 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a_0"}, passageIDs(ps)); diff != "" {
		t.Errorf("default filter (-want +got):\n%s", diff)
	}
	if vector.gotK != 8 || keyword.gotK != 8 {
		t.Errorf("candidates asked = %d, %d; want max(7, 4k) = 8", vector.gotK, keyword.gotK)
	}
	own := Filter{DocumentIDs: []string{"b"}}
	ps, err = r.SearchFilter(context.Background(), "q", 100, own)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b_0"}, passageIDs(ps)); diff != "" {
		t.Errorf("own filter (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(own, keyword.gotF); diff != "" {
		t.Errorf("filter passed on (-want +got):\n%s", diff)
	}
	if vector.gotK != 4*MaxTopK {
		t.Errorf("k above MaxTopK asked %d candidates, want %d", vector.gotK, 4*MaxTopK)
	}
}

func TestRetrieverDegradesInHybridMode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	down := &flux.Error{Code: flux.EUnavailable, Message: "the embedding service failed"}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	good := &stubSearch{matches: []Match{m("a", 0, 0.9)}}
	broken := &stubSearch{err: errors.New("index gone")}

	// The embedder fails: keyword search answers alone, with a warning.
	r, _ := NewRetriever(stubEmbedder{err: down}, good, &stubSearch{matches: []Match{m("k", 0, 2)}}, &RetrieverOptions{Logger: log})
	ps, err := r.Search(ctx, "q", 3)
	if err != nil || len(ps) != 1 || ps[0].DocumentID != "k" {
		t.Errorf("embedder down: %v, %v", passageIDs(ps), err)
	}
	if !strings.Contains(logs.String(), "vector search failed") {
		t.Errorf("no warning logged: %q", logs.String())
	}
	// The keyword index fails: vector search answers alone.
	r, _ = NewRetriever(stubEmbedder{}, good, broken, &RetrieverOptions{Logger: log})
	if ps, err := r.Search(ctx, "q", 3); err != nil || len(ps) != 1 || ps[0].DocumentID != "a" {
		t.Errorf("keywords down: %v, %v", passageIDs(ps), err)
	}
	// Both fail: the error comes back.
	r, _ = NewRetriever(stubEmbedder{err: down}, good, broken, nil)
	if _, err := r.Search(ctx, "q", 3); !flux.IsCode(err, flux.EUnavailable) {
		t.Errorf("both down: %v, want EUnavailable", err)
	}
	// Vector-only mode does not hide the failure.
	r, _ = NewRetriever(stubEmbedder{err: down}, good, nil, &RetrieverOptions{Mode: VectorOnly})
	if _, err := r.Search(ctx, "q", 3); !flux.IsCode(err, flux.EUnavailable) {
		t.Errorf("vector only: %v, want EUnavailable", err)
	}
	r, _ = NewRetriever(nil, nil, broken, &RetrieverOptions{Mode: KeywordOnly})
	if _, err := r.Search(ctx, "q", 3); err == nil || !strings.Contains(err.Error(), "index gone") {
		t.Errorf("keyword only: %v", err)
	}
	// A canceled search is an error, not a degraded answer.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	r, _ = NewRetriever(stubEmbedder{err: context.Canceled}, good, good, nil)
	if _, err := r.Search(cctx, "q", 3); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

func TestRetrieverInvalid(t *testing.T) {
	t.Parallel()
	s := &stubSearch{}
	r, err := NewRetriever(stubEmbedder{}, s, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", "  \n", strings.Repeat("x", MaxQueryLength+1), "bad \xff"} {
		_, err := r.Search(context.Background(), q, 5)
		if diff := cmp.Diff([]string{"query"}, fieldsOf(t, err)); diff != "" {
			t.Errorf("query %.20q (-want +got):\n%s", q, diff)
		}
	}
	_, err = NewRetriever(nil, nil, nil, &RetrieverOptions{TopK: -1, Threshold: 2, Candidates: -1, RRFK: -1})
	if diff := cmp.Diff([]string{"embedder", "index", "keywords", "top_k", "threshold", "candidates", "rrf_k"}, fieldsOf(t, err)); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	_, err = NewRetriever(nil, nil, nil, &RetrieverOptions{Mode: Mode(9)})
	if diff := cmp.Diff([]string{"mode", "embedder", "index", "keywords"}, fieldsOf(t, err)); diff != "" {
		t.Errorf("mode (-want +got):\n%s", diff)
	}
	if Hybrid.String() != "hybrid" || VectorOnly.String() != "vector" || KeywordOnly.String() != "keyword" || Mode(9).String() != "Mode(9)" {
		t.Error("Mode.String")
	}
}

func TestDefaultThreshold(t *testing.T) {
	t.Parallel()
	if DefaultThreshold(NewHashEmbedder(0)) != 0.15 || DefaultThreshold(stubEmbedder{}) != 0.2 {
		t.Error("DefaultThreshold")
	}
}

// On the bundled library, an offline search for a running question finds
// the running article first, and a question about nothing in the library
// finds little.
func TestRetrieverOnBundledLibrary(t *testing.T) {
	t.Parallel()
	lib := newBundledLibrary(t)
	ps, err := lib.Search(context.Background(), "I want to start running but I get out of breath", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 || ps[0].DocumentID != "starting-to-run" {
		t.Fatalf("first passage is from %v", passageIDs(ps))
	}
	per := map[string]int{}
	for _, p := range ps {
		per[p.DocumentID]++
		if per[p.DocumentID] > DefaultMaxPerDocument {
			t.Errorf("more than %d passages of %s", DefaultMaxPerDocument, p.DocumentID)
		}
		if p.Title == "" || p.Source == "" || p.Text == "" || p.Category == "" || p.Authority == "" {
			t.Errorf("passage lacks metadata: %+v", p)
		}
	}
	ps, err = lib.SearchFilter(context.Background(), "how should I plan my week", 5, Filter{Categories: []string{"money"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Category != "money" {
			t.Errorf("filter let through %s (%s)", p.DocumentID, p.Category)
		}
	}
	ps, err = lib.Search(context.Background(), "xylophone zeppelin quasar", 5)
	if err != nil || len(ps) != 0 {
		t.Errorf("nonsense query found %v, %v", passageIDs(ps), err)
	}
}
