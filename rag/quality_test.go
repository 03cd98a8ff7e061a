package rag

import (
	"context"
	"encoding/json"
	"os"
	"testing"
)

// labelledQuestion is one entry of testdata/questions.json.
type labelledQuestion struct {
	Question string `json:"question"`
	Article  string `json:"article"`
}

func loadQuestions(t testing.TB) []labelledQuestion {
	t.Helper()
	data, err := os.ReadFile("testdata/questions.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Questions []labelledQuestion `json:"questions"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("questions.json: %v", err)
	}
	return f.Questions
}

// quality is hit@k and mean reciprocal rank over a labelled set: a question
// is a hit when a passage of its article is among the first k passages, and
// its reciprocal rank is 1/rank of the first such passage (0 when none).
type quality struct {
	HitAtK float64
	MRR    float64
	Misses []string
}

func measure(t testing.TB, lib *Library, mode Mode, threshold float64, qs []labelledQuestion, k int) quality {
	t.Helper()
	emb := lib.retriever.embedder
	r, err := NewRetriever(emb, lib.index, lib.keywords, &RetrieverOptions{Mode: mode, Threshold: threshold})
	if err != nil {
		t.Fatal(err)
	}
	var q quality
	for _, lq := range qs {
		ps, err := r.Search(context.Background(), lq.Question, k)
		if err != nil {
			t.Fatalf("%s search %q: %v", mode, lq.Question, err)
		}
		rank := 0
		for i, p := range ps {
			if p.DocumentID == lq.Article {
				rank = i + 1
				break
			}
		}
		if rank > 0 {
			q.HitAtK++
			q.MRR += 1 / float64(rank)
		} else {
			got := ""
			if len(ps) > 0 {
				got = ps[0].DocumentID
			}
			q.Misses = append(q.Misses, lq.Question+" -> "+got+" (want "+lq.Article+")")
		}
	}
	q.HitAtK /= float64(len(qs))
	q.MRR /= float64(len(qs))
	return q
}

// TestRetrievalQuality measures the offline retriever on the bundled library
// against the labelled questions, in each mode, and fails when hybrid
// retrieval finds the answering article in its top 5 for fewer than 80% of
// the questions.
func TestRetrievalQuality(t *testing.T) {
	t.Parallel()
	qs := loadQuestions(t)
	if len(qs) < 40 {
		t.Fatalf("questions.json has %d questions, want at least 40", len(qs))
	}
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, d := range docs {
		ids[d.ID] = true
	}
	covered := map[string]bool{}
	for _, q := range qs {
		if !ids[q.Article] {
			t.Fatalf("question %q names unknown article %q", q.Question, q.Article)
		}
		covered[q.Article] = true
	}
	for id := range ids {
		if !covered[id] {
			t.Errorf("no question is answered by article %q", id)
		}
	}
	lib := newBundledLibrary(t)
	const k = DefaultTopK
	// Each mode as it would run by default (threshold 0 means the
	// embedder's default), and vector search also without a threshold, which
	// measures its ranking alone.
	runs := []struct {
		name      string
		mode      Mode
		threshold float64
	}{
		{"vector, no threshold", VectorOnly, -1},
		{"vector", VectorOnly, 0},
		{"keyword", KeywordOnly, 0},
		{"hybrid", Hybrid, 0},
	}
	results := map[string]quality{}
	for _, run := range runs {
		q := measure(t, lib, run.mode, run.threshold, qs, k)
		results[run.name] = q
		t.Logf("%-20s hit@%d = %.3f  MRR = %.3f  (%d questions)", run.name, k, q.HitAtK, q.MRR, len(qs))
		for _, m := range q.Misses {
			t.Logf("  %s miss: %s", run.name, m)
		}
	}
	if h := results["hybrid"].HitAtK; h < 0.8 {
		t.Errorf("hybrid hit@%d = %.3f, want at least 0.8", k, h)
	}
}

// newBundledLibrary returns an offline library with the bundled articles
// indexed.
func newBundledLibrary(t testing.TB) *Library {
	t.Helper()
	lib, err := NewLibrary(NewHashEmbedder(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Ingest(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	return lib
}
