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
// scores every stored vector that passes the filter and keeps the best k in
// a bounded heap. The vectors are normalised to unit length when stored, so
// a score is a dot product, and kept in one matrix of float32 in blocks of
// memoryBlock vectors, dimension by dimension inside a block: a query
// reads, for each of its non-zero dimensions, one contiguous run per block.
// Queries of the offline hashing embedder, which have a few dozen non-zero
// dimensions, thus read a small part of the matrix; dense queries read all
// of it. All vectors must have the same length, set by the first Upsert into
// an empty index. Safe for concurrent use.
type MemoryIndex struct {
	mu     sync.RWMutex
	dims   int
	blocks [][]float32 // blocks[b][d*memoryBlock+j] is dimension d of slot b*memoryBlock+j
	ids    []string    // by slot
	chunks []Chunk     // by slot
	slots  map[string]int
	byDoc  map[string]map[string]struct{}
}

// memoryBlock is the number of vectors in one block of a MemoryIndex.
const memoryBlock = 256

// NewMemoryIndex returns an empty index.
func NewMemoryIndex() *MemoryIndex {
	return &MemoryIndex{slots: map[string]int{}, byDoc: map[string]map[string]struct{}{}}
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
	if len(m.ids) == 0 {
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
	if m.dims != dims {
		m.blocks = nil
	}
	m.dims = dims
	for _, v := range vectors {
		slot, ok := m.slots[v.ID]
		if ok {
			m.unlink(m.chunks[slot].DocumentID, v.ID)
			m.chunks[slot] = v.Chunk
		} else {
			slot = len(m.ids)
			if slot/memoryBlock == len(m.blocks) {
				m.blocks = append(m.blocks, make([]float32, dims*memoryBlock))
			}
			m.ids = append(m.ids, v.ID)
			m.chunks = append(m.chunks, v.Chunk)
			m.slots[v.ID] = slot
		}
		m.setValues(slot, v.Values)
		ids := m.byDoc[v.Chunk.DocumentID]
		if ids == nil {
			ids = map[string]struct{}{}
			m.byDoc[v.Chunk.DocumentID] = ids
		}
		ids[v.ID] = struct{}{}
	}
	return nil
}

// setValues writes v, scaled to unit length (the zero vector stays zero),
// into the matrix column of slot.
func (m *MemoryIndex) setValues(slot int, v []float32) {
	block, j := m.blocks[slot/memoryBlock], slot%memoryBlock
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		for d := range v {
			block[d*memoryBlock+j] = 0
		}
		return
	}
	n = math.Sqrt(n)
	for d, x := range v {
		block[d*memoryBlock+j] = float32(float64(x) / n)
	}
}

// moveSlot copies the vector and chunk of slot from into slot to.
func (m *MemoryIndex) moveSlot(to, from int) {
	bt, jt := m.blocks[to/memoryBlock], to%memoryBlock
	bf, jf := m.blocks[from/memoryBlock], from%memoryBlock
	for d := range m.dims {
		bt[d*memoryBlock+jt] = bf[d*memoryBlock+jf]
	}
	m.ids[to], m.chunks[to] = m.ids[from], m.chunks[from]
	m.slots[m.ids[to]] = to
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
	if k <= 0 || len(m.ids) == 0 {
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
	// Only the query's non-zero dimensions contribute; adding the others'
	// zero products would not change a sum.
	var nz []int
	for d, x := range q {
		if x != 0 {
			nz = append(nz, d)
		}
	}
	all := filter.IsZero()
	top := newTopK(k, m.ids)
	var acc [memoryBlock]float32
	for b, block := range m.blocks {
		clear(acc[:])
		for _, d := range nz {
			w, col := q[d], block[d*memoryBlock:(d+1)*memoryBlock]
			for j := range acc {
				acc[j] += w * col[j]
			}
		}
		base := b * memoryBlock
		for j, s := range acc[:min(memoryBlock, len(m.ids)-base)] {
			slot := base + j
			if top.admits(float64(s), slot) && (all || filter.Matches(m.chunks[slot])) {
				top.push(float64(s), slot)
			}
		}
	}
	return top.matches(m.chunks), nil
}

// DeleteDocument removes the document's vectors.
func (m *MemoryIndex) DeleteDocument(ctx context.Context, docID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id := range m.byDoc[docID] {
		slot := m.slots[id]
		last := len(m.ids) - 1
		if slot != last {
			m.moveSlot(slot, last)
		}
		m.ids[last], m.chunks[last] = "", Chunk{}
		m.ids, m.chunks = m.ids[:last], m.chunks[:last]
		delete(m.slots, id)
	}
	delete(m.byDoc, docID)
	m.blocks = m.blocks[:(len(m.ids)+memoryBlock-1)/memoryBlock]
	if len(m.ids) == 0 {
		m.dims, m.blocks = 0, nil
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
	return len(m.ids), nil
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
		if x-x != 0 { // NaN and ±Inf give NaN
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
