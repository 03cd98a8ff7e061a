package rag

import (
	"context"
	"math"
	"sync"
)

// KeywordIndex finds chunks by the words they contain. MemoryKeywordIndex
// ranks by BM25 in memory; the SQLite store implements it with FTS5 and the
// Postgres store with full-text search.
type KeywordIndex interface {
	// IndexChunks adds the chunks, replacing any with the same ID
	// (Chunk.ID). Their IndexText is what is searched.
	IndexChunks(ctx context.Context, chunks []Chunk) error
	// Search returns at most k chunks matching the query and passing
	// filter, best first, ties broken by ID. A query without any searchable
	// word has no matches.
	Search(ctx context.Context, query string, k int, filter Filter) ([]Match, error)
	// DeleteDocument removes every chunk of the document.
	DeleteDocument(ctx context.Context, docID string) error
}

// BM25 parameters: the usual values.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// MemoryKeywordIndex is a KeywordIndex held in memory that ranks chunks by
// Okapi BM25 (k1 = 1.2, b = 0.75) over their Terms. Safe for concurrent use.
type MemoryKeywordIndex struct {
	mu       sync.RWMutex
	chunks   map[string]*keywordEntry
	postings map[string]map[string]int // term -> chunk id -> term frequency
	byDoc    map[string]map[string]struct{}
	totalLen int
}

type keywordEntry struct {
	chunk  Chunk
	length int
	terms  map[string]int
}

// NewMemoryKeywordIndex returns an empty index.
func NewMemoryKeywordIndex() *MemoryKeywordIndex {
	return &MemoryKeywordIndex{
		chunks:   map[string]*keywordEntry{},
		postings: map[string]map[string]int{},
		byDoc:    map[string]map[string]struct{}{},
	}
}

// IndexChunks adds the chunks.
func (x *MemoryKeywordIndex) IndexChunks(ctx context.Context, chunks []Chunk) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries := make([]*keywordEntry, len(chunks))
	for i, c := range chunks {
		terms := Terms(c.IndexText())
		tf := make(map[string]int, len(terms))
		for _, t := range terms {
			tf[t]++
		}
		entries[i] = &keywordEntry{chunk: c, length: len(terms), terms: tf}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range entries {
		id := e.chunk.ID()
		if old := x.chunks[id]; old != nil {
			x.remove(id, old)
		}
		x.chunks[id] = e
		x.totalLen += e.length
		for t, n := range e.terms {
			p := x.postings[t]
			if p == nil {
				p = map[string]int{}
				x.postings[t] = p
			}
			p[id] = n
		}
		ids := x.byDoc[e.chunk.DocumentID]
		if ids == nil {
			ids = map[string]struct{}{}
			x.byDoc[e.chunk.DocumentID] = ids
		}
		ids[id] = struct{}{}
	}
	return nil
}

// remove unlinks one chunk; the caller holds the lock.
func (x *MemoryKeywordIndex) remove(id string, e *keywordEntry) {
	for t := range e.terms {
		if p := x.postings[t]; p != nil {
			delete(p, id)
			if len(p) == 0 {
				delete(x.postings, t)
			}
		}
	}
	x.totalLen -= e.length
	delete(x.chunks, id)
	if ids := x.byDoc[e.chunk.DocumentID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(x.byDoc, e.chunk.DocumentID)
		}
	}
}

// Search ranks the chunks containing any of the query's terms by BM25.
func (x *MemoryKeywordIndex) Search(ctx context.Context, query string, k int, filter Filter) ([]Match, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	terms := Terms(query)
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := len(x.chunks)
	if n == 0 || len(terms) == 0 {
		return nil, nil
	}
	avg := float64(x.totalLen) / float64(n)
	if avg == 0 {
		avg = 1
	}
	seen := make(map[string]bool, len(terms))
	scores := map[string]float64{}
	for _, t := range terms {
		if seen[t] {
			continue // a repeated query word counts once
		}
		seen[t] = true
		p := x.postings[t]
		if len(p) == 0 {
			continue
		}
		df := float64(len(p))
		idf := math.Log(1 + (float64(n)-df+0.5)/(df+0.5))
		for id, tf := range p {
			e := x.chunks[id]
			f := float64(tf)
			scores[id] += idf * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(e.length)/avg))
		}
	}
	matches := make([]Match, 0, len(scores))
	for id, s := range scores {
		e := x.chunks[id]
		if !filter.Matches(e.chunk) {
			continue
		}
		matches = append(matches, Match{ID: id, Score: s, Chunk: e.chunk})
	}
	sortMatches(matches)
	if len(matches) > k {
		matches = matches[:k]
	}
	return matches, nil
}

// DeleteDocument removes the document's chunks.
func (x *MemoryKeywordIndex) DeleteDocument(ctx context.Context, docID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for id := range x.byDoc[docID] {
		if e := x.chunks[id]; e != nil {
			x.remove(id, e)
		}
	}
	delete(x.byDoc, docID)
	return nil
}

// Count returns the number of chunks indexed.
func (x *MemoryKeywordIndex) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.chunks), nil
}
