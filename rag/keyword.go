package rag

import (
	"context"
	"math"
	"slices"
	"strings"
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
// Okapi BM25 (k1 = 1.2, b = 0.75) over their Terms. It keeps a posting list
// per term (the chunks containing it, with the term's frequency), so a
// search reads only the postings of the query's terms and keeps the best k
// in a bounded heap. Removed chunks are dropped from the posting lists
// lazily: they are skipped by searches, and the lists are rebuilt when they
// hold more removed chunks than live ones. Safe for concurrent use.
type MemoryKeywordIndex struct {
	mu       sync.RWMutex
	entries  []keywordEntry // by slot; removed ones have live unset
	ids      []string       // chunk ID by slot ("" when removed)
	slots    map[string]int32
	postings map[string]*postingList
	byDoc    map[string]map[string]struct{}
	totalLen int
	dead     int    // removed slots still in entries
	removals uint64 // posting lists deleted, so far (see termDict)
	scratch  sync.Pool
}

type keywordEntry struct {
	chunk  Chunk
	length int
	live   bool
}

// postingList is the chunks containing one term. df counts the live ones;
// list may also hold removed slots.
type postingList struct {
	df   int
	list []posting
	last int32 // the slot of the last posting added, while indexing
}

type posting struct {
	slot int32
	tf   int32
}

// NewMemoryKeywordIndex returns an empty index.
func NewMemoryKeywordIndex() *MemoryKeywordIndex {
	return &MemoryKeywordIndex{
		slots:    map[string]int32{},
		postings: map[string]*postingList{},
		byDoc:    map[string]map[string]struct{}{},
	}
}

// IndexChunks adds the chunks.
func (x *MemoryKeywordIndex) IndexChunks(ctx context.Context, chunks []Chunk) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// Find the terms before taking the lock: one list for all the chunks,
	// ends[i] closing chunk i's part.
	var (
		terms []string
		ends  = make([]int, len(chunks))
		buf   []byte
	)
	for i, c := range chunks {
		terms = appendTerms(terms, c.IndexText(), &buf)
		ends[i] = len(terms)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	prev := 0
	for i, c := range chunks {
		slot := x.addEntry(c, ends[i]-prev)
		for _, t := range terms[prev:ends[i]] {
			p := x.postings[t]
			if p == nil {
				p = &postingList{last: -1}
				x.postings[strings.Clone(t)] = p
			}
			p.add(slot)
		}
		prev = ends[i]
	}
	x.compact()
	return nil
}

// indexIDs implements termIndexer: IndexChunks of chunks given with their
// term ids.
func (x *MemoryKeywordIndex) indexIDs(ctx context.Context, chunks []Chunk, d *termDict, ids []uint32, bounds []int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for i, c := range chunks {
		terms := ids[bounds[i]:bounds[i+1]]
		slot := x.addEntry(c, len(terms))
		for _, id := range terms {
			x.postingsOf(d, id).add(slot)
		}
	}
	x.compact()
	return nil
}

// postingsOf returns the posting list of term id of d, made when missing;
// the caller holds the lock.
func (x *MemoryKeywordIndex) postingsOf(d *termDict, id uint32) *postingList {
	if d.listsOf != x || d.listsEpoch != x.removals {
		clear(d.lists)
		d.listsOf, d.listsEpoch = x, x.removals
	}
	if int(id) >= len(d.lists) {
		d.lists = append(d.lists, make([]*postingList, len(d.terms)-len(d.lists))...)
	}
	p := d.lists[id]
	if p == nil {
		t := d.terms[id]
		if p = x.postings[t]; p == nil {
			p = &postingList{last: -1}
			x.postings[t] = p
		}
		d.lists[id] = p
	}
	return p
}

// addEntry adds chunk c of n terms, replacing the chunk of the same ID, and
// returns its slot; the caller holds the lock and adds its postings.
func (x *MemoryKeywordIndex) addEntry(c Chunk, n int) int32 {
	id := c.ID()
	if old, ok := x.slots[id]; ok {
		x.remove(old)
	}
	slot := int32(len(x.entries))
	x.entries = append(x.entries, keywordEntry{chunk: c, length: n, live: true})
	x.ids = append(x.ids, id)
	x.slots[id] = slot
	x.totalLen += n
	ids := x.byDoc[c.DocumentID]
	if ids == nil {
		ids = map[string]struct{}{}
		x.byDoc[c.DocumentID] = ids
	}
	ids[id] = struct{}{}
	return slot
}

// add counts one occurrence of the list's term in the chunk at slot, the
// last chunk added.
func (p *postingList) add(slot int32) {
	if p.last == slot {
		p.list[len(p.list)-1].tf++ // a repeated term of this chunk
		return
	}
	p.df++
	p.last = slot
	p.list = append(p.list, posting{slot: slot, tf: 1})
}

// remove marks one chunk removed; the caller holds the lock. Its postings
// stay until compact.
func (x *MemoryKeywordIndex) remove(slot int32) {
	e := &x.entries[slot]
	id := x.ids[slot]
	terms := Terms(e.chunk.IndexText())
	for i, t := range terms {
		if slices.Contains(terms[:i], t) {
			continue
		}
		if p := x.postings[t]; p != nil {
			if p.df--; p.df == 0 {
				delete(x.postings, t)
				x.removals++
			}
		}
	}
	x.totalLen -= e.length
	if ids := x.byDoc[e.chunk.DocumentID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(x.byDoc, e.chunk.DocumentID)
		}
	}
	*e = keywordEntry{}
	x.ids[slot] = ""
	x.dead++
	delete(x.slots, id)
}

// compact rebuilds the entries and the posting lists without the removed
// chunks once these outnumber the live ones; the caller holds the lock.
func (x *MemoryKeywordIndex) compact() {
	if x.dead == 0 || x.dead < len(x.entries)-x.dead {
		return
	}
	renum := make([]int32, len(x.entries))
	entries, ids := x.entries[:0:0], x.ids[:0:0]
	for slot, e := range x.entries {
		renum[slot] = -1
		if e.live {
			renum[slot] = int32(len(entries))
			entries = append(entries, e)
			ids = append(ids, x.ids[slot])
			x.slots[x.ids[slot]] = renum[slot]
		}
	}
	for _, p := range x.postings {
		list := p.list[:0]
		for _, ps := range p.list {
			if s := renum[ps.slot]; s >= 0 {
				list = append(list, posting{slot: s, tf: ps.tf})
			}
		}
		p.list, p.last = slices.Clip(list), -1
	}
	x.entries, x.ids, x.dead = entries, ids, 0
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
	n := len(x.entries) - x.dead
	if n == 0 || len(terms) == 0 {
		return nil, nil
	}
	avg := float64(x.totalLen) / float64(n)
	if avg == 0 {
		avg = 1
	}
	// Sum the scores of the chunks in the query terms' postings in a
	// slice by slot, remembering which slots it touched.
	s, _ := x.scratch.Get().(*keywordScratch)
	if s == nil {
		s = &keywordScratch{}
	}
	defer x.scratch.Put(s)
	if len(s.scores) < len(x.entries) {
		s.scores = make([]float64, len(x.entries))
	}
	scores, touched := s.scores, s.touched[:0]
	for i, t := range terms {
		if slices.Contains(terms[:i], t) {
			continue // a repeated query word counts once
		}
		p := x.postings[t]
		if p == nil || p.df == 0 {
			continue
		}
		df := float64(p.df)
		idf := math.Log(1 + (float64(n)-df+0.5)/(df+0.5))
		for _, ps := range p.list {
			e := &x.entries[ps.slot]
			if !e.live {
				continue
			}
			if scores[ps.slot] == 0 {
				touched = append(touched, ps.slot)
			}
			f := float64(ps.tf)
			scores[ps.slot] += idf * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(e.length)/avg))
		}
	}
	all := filter.IsZero()
	top := newTopK(k, x.ids)
	for _, slot := range touched {
		sc := scores[slot]
		scores[slot] = 0
		if top.admits(sc, int(slot)) && (all || filter.Matches(x.entries[slot].chunk)) {
			top.push(sc, int(slot))
		}
	}
	s.touched = touched
	return top.matchesFunc(func(slot int) Chunk { return x.entries[slot].chunk }), nil
}

// keywordScratch is a search's working space: scores by slot, zero between
// searches, and the slots touched.
type keywordScratch struct {
	scores  []float64
	touched []int32
}

// DeleteDocument removes the document's chunks.
func (x *MemoryKeywordIndex) DeleteDocument(ctx context.Context, docID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for id := range x.byDoc[docID] {
		if slot, ok := x.slots[id]; ok {
			x.remove(slot)
		}
	}
	delete(x.byDoc, docID)
	x.compact()
	return nil
}

// Count returns the number of chunks indexed.
func (x *MemoryKeywordIndex) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.entries) - x.dead, nil
}
