package rag

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func chunkOf(doc string, i int, category string) Chunk {
	return Chunk{DocumentID: doc, Index: i, Text: fmt.Sprintf("%s chunk %d", doc, i), Metadata: Metadata{Title: doc, Category: category, Authority: "auth-" + category}}
}

func vec(xs ...float32) []float32 { return xs }

func matchIDs(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func TestMemoryIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idx := NewMemoryIndex()
	if ms, err := idx.Query(ctx, vec(1, 0, 0), 3, Filter{}); err != nil || len(ms) != 0 {
		t.Fatalf("query of an empty index = %v, %v", ms, err)
	}
	a0, a1, b0, c0 := chunkOf("a", 0, "fitness"), chunkOf("a", 1, "fitness"), chunkOf("b", 0, "money"), chunkOf("c", 0, "study")
	err := idx.Upsert(ctx, []Vector{
		{ID: a0.ID(), Values: vec(1, 0, 0), Chunk: a0},
		{ID: a1.ID(), Values: vec(2, 2, 0), Chunk: a1}, // not normalised on purpose
		{ID: b0.ID(), Values: vec(0, 1, 0), Chunk: b0},
		{ID: c0.ID(), Values: vec(0, 0, 0), Chunk: c0}, // zero vector: similar to nothing
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := idx.Count(ctx); n != 4 || idx.Dimensions() != 3 {
		t.Fatalf("Count = %d, Dimensions = %d", n, idx.Dimensions())
	}

	ms, err := idx.Query(ctx, vec(3, 0, 0), 10, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a_0", "a_1", "b_0", "c_0"}, matchIDs(ms)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if math.Abs(ms[0].Score-1) > 1e-6 || math.Abs(ms[1].Score-math.Sqrt2/2) > 1e-6 || ms[3].Score != 0 {
		t.Errorf("scores = %v %v %v", ms[0].Score, ms[1].Score, ms[3].Score)
	}
	if diff := cmp.Diff(a0, ms[0].Chunk); diff != "" {
		t.Errorf("chunk (-want +got):\n%s", diff)
	}

	// k, filters.
	tests := []struct {
		k      int
		filter Filter
		want   []string
	}{
		{1, Filter{}, []string{"a_0"}},
		{10, Filter{Categories: []string{"money", "study"}}, []string{"b_0", "c_0"}},
		{10, Filter{Authorities: []string{"auth-fitness"}}, []string{"a_0", "a_1"}},
		{10, Filter{DocumentIDs: []string{"a"}, Categories: []string{"money"}}, []string{}},
		{0, Filter{}, []string{}},
	}
	for _, tt := range tests {
		ms, err := idx.Query(ctx, vec(1, 0, 0), tt.k, tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, matchIDs(ms)); diff != "" {
			t.Errorf("k=%d filter=%+v (-want +got):\n%s", tt.k, tt.filter, diff)
		}
	}

	// Upsert replaces, even when the chunk moves to another document.
	moved := chunkOf("b", 7, "money")
	if err := idx.Upsert(ctx, []Vector{{ID: "a_1", Values: vec(0, 1, 0), Chunk: moved}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := idx.Count(ctx); n != 4 {
		t.Errorf("Count after replace = %d", n)
	}
	if err := idx.DeleteDocument(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	ms, _ = idx.Query(ctx, vec(0, 1, 0), 10, Filter{})
	if diff := cmp.Diff([]string{"a_0", "c_0"}, matchIDs(ms)); diff != "" {
		t.Errorf("after delete (-want +got):\n%s", diff)
	}
	if err := idx.DeleteDocument(ctx, "nope"); err != nil {
		t.Errorf("deleting an unknown document: %v", err)
	}

	// Emptying the index frees the dimension for another embedder.
	idx.DeleteDocument(ctx, "a")
	idx.DeleteDocument(ctx, "c")
	if err := idx.Upsert(ctx, []Vector{{ID: "x_0", Values: vec(1, 2), Chunk: chunkOf("x", 0, "general")}}); err != nil || idx.Dimensions() != 2 {
		t.Errorf("upsert of 2 dimensions into an emptied index: %v (dims %d)", err, idx.Dimensions())
	}
}

func TestMemoryIndexInvalid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idx := NewMemoryIndex()
	c := chunkOf("a", 0, "general")
	if err := idx.Upsert(ctx, []Vector{{ID: "a_0", Values: vec(1, 0), Chunk: c}}); err != nil {
		t.Fatal(err)
	}
	err := idx.Upsert(ctx, []Vector{
		{ID: "", Values: vec(1, 0), Chunk: c},
		{ID: "a_1", Values: vec(1, 0, 0), Chunk: c},
		{ID: "a_2", Values: vec(float32(math.NaN()), 0), Chunk: c},
		{ID: "a_3", Values: vec(1, 1), Chunk: c},
	})
	if diff := cmp.Diff([]string{"vectors[0].id", "vectors[1].values", "vectors[2].values"}, fieldsOf(t, err)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if n, _ := idx.Count(ctx); n != 1 {
		t.Errorf("a failed upsert stored something: Count = %d", n)
	}
	if _, err := idx.Query(ctx, vec(1, 0, 0), 1, Filter{}); err == nil {
		t.Error("query of the wrong length succeeded")
	}
	if _, err := idx.Query(ctx, vec(float32(math.Inf(1)), 0), 1, Filter{}); err == nil {
		t.Error("query with infinity succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := idx.Query(cctx, vec(1, 0), 1, Filter{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled query: %v", err)
	}
}

func TestMemoryIndexConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idx := NewMemoryIndex()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			doc := fmt.Sprintf("d%d", w)
			for i := range 50 {
				c := chunkOf(doc, i, "general")
				if err := idx.Upsert(ctx, []Vector{{ID: c.ID(), Values: vec(float32(w+1), float32(i+1)), Chunk: c}}); err != nil {
					t.Error(err)
					return
				}
				if _, err := idx.Query(ctx, vec(1, 1), 5, Filter{}); err != nil {
					t.Error(err)
					return
				}
				if i%10 == 9 && w%2 == 0 {
					idx.DeleteDocument(ctx, doc)
				}
			}
		})
	}
	wg.Wait()
	if n, _ := idx.Count(ctx); n == 0 || n > 400 {
		t.Errorf("Count = %d", n)
	}
}
