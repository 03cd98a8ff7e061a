package rag

import (
	"context"
	"errors"
	"math"
	"testing"
)

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func cosine(a, b []float32) float64 { return dot(unit(a), unit(b)) }

func TestHashEmbedder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := NewHashEmbedder(0)
	if e.Dimensions() != DefaultHashDimensions || e.Name() != "flux-hash-v1" || e.String() != "flux-hash-v1/1024" {
		t.Fatalf("defaults: %d %q %q", e.Dimensions(), e.Name(), e.String())
	}
	texts := []string{
		"How do I start running three times a week?",
		"A beginner running plan: run three times a week with walking breaks.",
		"Build an emergency fund with automatic savings transfers.",
		"",
		"the and of",
	}
	vecs, err := e.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("got %d vectors for %d texts", len(vecs), len(texts))
	}
	for i, v := range vecs[:3] {
		if len(v) != e.Dimensions() {
			t.Errorf("vector %d has %d dimensions", i, len(v))
		}
		if n := norm(v); math.Abs(n-1) > 1e-5 {
			t.Errorf("vector %d has norm %f, want 1", i, n)
		}
	}
	for i, v := range vecs[3:] {
		if n := norm(v); n != 0 {
			t.Errorf("vector of a text without terms %d has norm %f, want 0", i, n)
		}
	}
	related, unrelated := cosine(vecs[0], vecs[1]), cosine(vecs[0], vecs[2])
	if related <= unrelated+0.2 {
		t.Errorf("similarity of related texts %.3f is not well above unrelated %.3f", related, unrelated)
	}

	// Deterministic across instances and calls.
	again, err := NewHashEmbedder(0).Embed(ctx, texts[:1])
	if err != nil {
		t.Fatal(err)
	}
	for i := range again[0] {
		if again[0][i] != vecs[0][i] {
			t.Fatalf("embedding differs between calls at %d", i)
		}
	}
}

func TestHashEmbedderDimensions(t *testing.T) {
	t.Parallel()
	for dims, want := range map[int]int{-1: DefaultHashDimensions, 0: DefaultHashDimensions, 8: 8, 1 << 20: 1 << 16} {
		if got := NewHashEmbedder(dims).Dimensions(); got != want {
			t.Errorf("NewHashEmbedder(%d).Dimensions() = %d, want %d", dims, got, want)
		}
	}
	vecs, err := NewHashEmbedder(8).Embed(context.Background(), []string{"tiny vectors still work fine"})
	if err != nil || len(vecs[0]) != 8 || math.Abs(norm(vecs[0])-1) > 1e-5 {
		t.Errorf("8-dimensional embedding = %v, %v", vecs, err)
	}
}

func TestHashEmbedderCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewHashEmbedder(0).Embed(ctx, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// Word pairs make phrase matches count: the same words in the same order
// are more similar than the same words shuffled.
func TestHashEmbedderWordPairs(t *testing.T) {
	t.Parallel()
	vecs, err := NewHashEmbedder(0).Embed(context.Background(), []string{
		"emergency fund savings account",
		"emergency fund savings account tips",
		"account savings fund emergency tips",
	})
	if err != nil {
		t.Fatal(err)
	}
	if inOrder, shuffled := cosine(vecs[0], vecs[1]), cosine(vecs[0], vecs[2]); inOrder <= shuffled {
		t.Errorf("same phrase %.3f, shuffled %.3f: want the phrase more similar", inOrder, shuffled)
	}
}
