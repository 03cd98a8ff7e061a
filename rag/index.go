package rag

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/fluxlife/flux"
)

// Vector is one embedded chunk as an Index stores it.
type Vector struct {
	// ID is the chunk's id (Chunk.ID): upserting an existing id replaces it.
	ID     string
	Values []float32
	Chunk  Chunk
}

// Match is one result of a query: a chunk and its score, higher is better.
// Index scores are cosine similarities in [-1, 1]; KeywordIndex scores are
// relevance scores on the implementation's own scale.
type Match struct {
	ID    string
	Score float64
	Chunk Chunk
}

// Filter narrows a query by metadata. Each non-empty list keeps only chunks
// whose field is one of its values; the zero Filter keeps everything.
type Filter struct {
	Categories  []string
	Authorities []string
	DocumentIDs []string
}

// IsZero reports whether f keeps everything.
func (f Filter) IsZero() bool {
	return len(f.Categories) == 0 && len(f.Authorities) == 0 && len(f.DocumentIDs) == 0
}

// Matches reports whether c passes the filter.
func (f Filter) Matches(c Chunk) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return in(f.Categories, c.Category) && in(f.Authorities, c.Authority) && in(f.DocumentIDs, c.DocumentID)
}

// Index stores chunk vectors and finds the nearest ones by cosine
// similarity. MemoryIndex is the embedded implementation; rag/pinecone is a
// hosted one.
type Index interface {
	// Upsert stores the vectors, replacing any with the same ID.
	Upsert(ctx context.Context, vectors []Vector) error
	// Query returns at most k matches passing filter, best first; ties are
	// broken by ID so that results are stable.
	Query(ctx context.Context, vec []float32, k int, filter Filter) ([]Match, error)
	// DeleteDocument removes every vector of the document. Deleting a
	// document that has none is not an error.
	DeleteDocument(ctx context.Context, docID string) error
	// Count returns the number of vectors stored.
	Count(ctx context.Context) (int, error)
}

// MemoryIndex is an Index held in memory and searched exactly: every query
// compares the query vector with every stored vector. That is fast for
// libraries of thousands of chunks (the bundled one has about a hundred).
// All vectors must have the same length, set by the first Upsert into an
// empty index. Safe for concurrent use.
type MemoryIndex struct {
	mu      sync.RWMutex
	dims    int
	entries map[string]*memoryEntry
	byDoc   map[string]map[string]struct{}
}

type memoryEntry struct {
	unit  []float32 // normalised to unit length; nil for the zero vector
	chunk Chunk
}

// NewMemoryIndex returns an empty index.
func NewMemoryIndex() *MemoryIndex {
	return &MemoryIndex{entries: map[string]*memoryEntry{}, byDoc: map[string]map[string]struct{}{}}
}

// Dimensions returns the vector length the index holds, 0 while it is
// empty.
func (m *MemoryIndex) Dimensions() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.dims
}

// Upsert stores the vectors. A vector without an ID, with a length other
// than the index's, or with a NaN or infinite value is an EInvalid error and
// nothing is stored.
func (m *MemoryIndex) Upsert(ctx context.Context, vectors []Vector) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(vectors) == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	dims := m.dims
	if len(m.entries) == 0 {
		dims = len(vectors[0].Values)
	}
	var fields []flux.FieldError
	for i, v := range vectors {
		switch {
		case v.ID == "":
			fields = append(fields, flux.FieldError{Field: fmt.Sprintf("vectors[%d].id", i), Message: "is missing"})
		case len(v.Values) == 0 || len(v.Values) != dims:
			fields = append(fields, flux.FieldError{Field: fmt.Sprintf("vectors[%d].values", i),
				Message: fmt.Sprintf("has %d dimensions, the index has %d", len(v.Values), dims)})
		case !finite(v.Values):
			fields = append(fields, flux.FieldError{Field: fmt.Sprintf("vectors[%d].values", i), Message: "contains NaN or infinity"})
		}
	}
	if len(fields) > 0 {
		return flux.Invalid("invalid vectors", fields...)
	}
	m.dims = dims
	for _, v := range vectors {
		if old, ok := m.entries[v.ID]; ok {
			m.unlink(old.chunk.DocumentID, v.ID)
		}
		m.entries[v.ID] = &memoryEntry{unit: unit(v.Values), chunk: v.Chunk}
		ids := m.byDoc[v.Chunk.DocumentID]
		if ids == nil {
			ids = map[string]struct{}{}
			m.byDoc[v.Chunk.DocumentID] = ids
		}
		ids[v.ID] = struct{}{}
	}
	return nil
}

func (m *MemoryIndex) unlink(docID, id string) {
	if ids := m.byDoc[docID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(m.byDoc, docID)
		}
	}
}

// Query returns the k stored vectors most similar to vec that pass filter.
// k <= 0 or an empty index gives no matches; a query of the wrong length is
// an EInvalid error.
func (m *MemoryIndex) Query(ctx context.Context, vec []float32, k int, filter Filter) ([]Match, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if k <= 0 || len(m.entries) == 0 {
		return nil, nil
	}
	if len(vec) != m.dims {
		return nil, flux.Invalid("invalid query vector",
			flux.FieldError{Field: "vector", Message: fmt.Sprintf("has %d dimensions, the index has %d", len(vec), m.dims)})
	}
	if !finite(vec) {
		return nil, flux.Invalid("invalid query vector", flux.FieldError{Field: "vector", Message: "contains NaN or infinity"})
	}
	q := unit(vec)
	matches := make([]Match, 0, len(m.entries))
	for id, e := range m.entries {
		if !filter.Matches(e.chunk) {
			continue
		}
		matches = append(matches, Match{ID: id, Score: dot(q, e.unit), Chunk: e.chunk})
	}
	sortMatches(matches)
	if len(matches) > k {
		matches = matches[:k]
	}
	return matches, nil
}

// DeleteDocument removes the document's vectors.
func (m *MemoryIndex) DeleteDocument(ctx context.Context, docID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id := range m.byDoc[docID] {
		delete(m.entries, id)
	}
	delete(m.byDoc, docID)
	if len(m.entries) == 0 {
		m.dims = 0
	}
	return nil
}

// Count returns the number of vectors.
func (m *MemoryIndex) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.entries), nil
}

// sortMatches orders matches best first, then by ID.
func sortMatches(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// unit returns v scaled to unit length, or nil for the zero vector.
func unit(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return nil
	}
	n = math.Sqrt(n)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out
}

// dot returns the dot product of two unit vectors; a nil vector scores 0.
func dot(a, b []float32) float64 {
	if a == nil || b == nil {
		return 0
	}
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}
