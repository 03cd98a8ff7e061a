package rag

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func textChunk(doc string, i int, category, title, text string) Chunk {
	return Chunk{DocumentID: doc, Index: i, Text: text, Metadata: Metadata{Title: title, Category: category}}
}

func TestMemoryKeywordIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	x := NewMemoryKeywordIndex()
	chunks := []Chunk{
		textChunk("run", 0, "running", "Start running", "Alternate running and walking three times a week."),
		textChunk("run", 1, "running", "Start running", "Rest days let your legs adapt."),
		textChunk("money", 0, "money", "Budgeting", "Build an emergency fund and automate your savings."),
		textChunk("debt", 0, "money", "Debt", "Pay the card with the highest interest first. Interest, interest, interest."),
		textChunk("sleep", 0, "wellbeing", "Sleep", "Adults need seven hours of sleep; avoid caffeine late."),
	}
	if err := x.IndexChunks(ctx, chunks); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query  string
		k      int
		filter Filter
		want   []string
	}{
		{"how do I start running?", 5, Filter{}, []string{"run_0", "run_1"}},
		{"emergency savings", 5, Filter{}, []string{"money_0"}},
		{"interest on my card", 5, Filter{}, []string{"debt_0"}},
		{"running savings", 5, Filter{Categories: []string{"money"}}, []string{"money_0"}},
		{"running", 1, Filter{}, []string{"run_0"}},
		{"the and of", 5, Filter{}, []string{}},
		{"zebra", 5, Filter{}, []string{}},
		{"running", 0, Filter{}, []string{}},
	}
	for _, tt := range tests {
		ms, err := x.Search(ctx, tt.query, tt.k, tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, matchIDs(ms)); diff != "" {
			t.Errorf("Search(%q) (-want +got):\n%s", tt.query, diff)
		}
		for _, m := range ms {
			if m.Score <= 0 {
				t.Errorf("Search(%q): %s has score %v", tt.query, m.ID, m.Score)
			}
		}
	}

	// Re-indexing a chunk replaces it; deleting a document removes its chunks
	// and their statistics.
	if err := x.IndexChunks(ctx, []Chunk{textChunk("run", 1, "running", "Start running", "Stretch your calves.")}); err != nil {
		t.Fatal(err)
	}
	if ms, _ := x.Search(ctx, "legs adapt", 5, Filter{}); len(ms) != 0 {
		t.Errorf("replaced text still found: %v", matchIDs(ms))
	}
	if err := x.DeleteDocument(ctx, "run"); err != nil {
		t.Fatal(err)
	}
	if ms, _ := x.Search(ctx, "running calves", 5, Filter{}); len(ms) != 0 {
		t.Errorf("deleted document still found: %v", matchIDs(ms))
	}
	if n, _ := x.Count(ctx); n != 3 {
		t.Errorf("Count = %d, want 3", n)
	}
	x.DeleteDocument(ctx, "money")
	x.DeleteDocument(ctx, "debt")
	x.DeleteDocument(ctx, "sleep")
	if x.totalLen != 0 || len(x.postings) != 0 || len(x.byDoc) != 0 {
		t.Errorf("empty index keeps state: totalLen %d, %d postings, %d docs", x.totalLen, len(x.postings), len(x.byDoc))
	}
}

// BM25 prefers the rarer of two matching words and a shorter chunk.
func TestMemoryKeywordIndexRanking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	x := NewMemoryKeywordIndex()
	var chunks []Chunk
	for i := range 10 {
		chunks = append(chunks, textChunk(fmt.Sprintf("d%d", i), 0, "general", "", "common words about plans and goals"))
	}
	chunks = append(chunks,
		textChunk("rare", 0, "general", "", "a metronome helps"),
		textChunk("long", 0, "general", "", "a metronome helps and then many more words follow here to make this chunk much longer than the other"),
	)
	x.IndexChunks(ctx, chunks)
	ms, err := x.Search(ctx, "metronome plans", 3, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"rare_0", "long_0", "d0_0"}, matchIDs(ms)); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}
}

func TestMemoryKeywordIndexConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	x := NewMemoryKeywordIndex()
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			doc := fmt.Sprintf("d%d", w)
			for i := range 40 {
				x.IndexChunks(ctx, []Chunk{textChunk(doc, i, "general", "T", fmt.Sprintf("word%d shared text", i))})
				if _, err := x.Search(ctx, "shared word3", 5, Filter{}); err != nil {
					t.Error(err)
				}
				if i == 20 {
					x.DeleteDocument(ctx, doc)
				}
			}
		})
	}
	wg.Wait()
	if n, _ := x.Count(ctx); n != 6*19 {
		t.Errorf("Count = %d, want %d", n, 6*19)
	}
}
