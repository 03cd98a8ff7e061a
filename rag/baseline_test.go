package rag

// This file keeps the retrieval and ingest code as it was before the
// contiguous vector matrix, the posting-list keyword index and the
// allocation-free term scanner, so that the benchmarks measure both side by
// side in one run (BenchmarkQuery10k, BenchmarkQuery100k,
// BenchmarkIngestThroughput: the "baseline" sub-benchmarks). Only the
// benchmarks use it.

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// baselineMemoryIndex is an Index held in memory and searched exactly: every query
// compares the query vector with every stored vector. That is fast for
// libraries of thousands of chunks (the bundled one has about a hundred).
// All vectors must have the same length, set by the first Upsert into an
// empty index. Safe for concurrent use.
type baselineMemoryIndex struct {
	mu      sync.RWMutex
	dims    int
	entries map[string]*baselineMemoryEntry
	byDoc   map[string]map[string]struct{}
}

type baselineMemoryEntry struct {
	unit  []float32 // normalised to unit length; nil for the zero vector
	chunk Chunk
}

// newBaselineMemoryIndex returns an empty index.
func newBaselineMemoryIndex() *baselineMemoryIndex {
	return &baselineMemoryIndex{entries: map[string]*baselineMemoryEntry{}, byDoc: map[string]map[string]struct{}{}}
}

// Dimensions returns the vector length the index holds, 0 while it is
// empty.
func (m *baselineMemoryIndex) Dimensions() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.dims
}

// Upsert stores the vectors. A vector without an ID, with a length other
// than the index's, or with a NaN or infinite value is an EInvalid error and
// nothing is stored.
func (m *baselineMemoryIndex) Upsert(ctx context.Context, vectors []Vector) error {
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
		case !baselineFinite(v.Values):
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
		m.entries[v.ID] = &baselineMemoryEntry{unit: baselineUnit(v.Values), chunk: v.Chunk}
		ids := m.byDoc[v.Chunk.DocumentID]
		if ids == nil {
			ids = map[string]struct{}{}
			m.byDoc[v.Chunk.DocumentID] = ids
		}
		ids[v.ID] = struct{}{}
	}
	return nil
}

func (m *baselineMemoryIndex) unlink(docID, id string) {
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
func (m *baselineMemoryIndex) Query(ctx context.Context, vec []float32, k int, filter Filter) ([]Match, error) {
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
	if !baselineFinite(vec) {
		return nil, flux.Invalid("invalid query vector", flux.FieldError{Field: "vector", Message: "contains NaN or infinity"})
	}
	q := baselineUnit(vec)
	matches := make([]Match, 0, len(m.entries))
	for id, e := range m.entries {
		if !filter.Matches(e.chunk) {
			continue
		}
		matches = append(matches, Match{ID: id, Score: baselineDot(q, e.unit), Chunk: e.chunk})
	}
	baselineSortMatches(matches)
	if len(matches) > k {
		matches = matches[:k]
	}
	return matches, nil
}

// DeleteDocument removes the document's vectors.
func (m *baselineMemoryIndex) DeleteDocument(ctx context.Context, docID string) error {
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
func (m *baselineMemoryIndex) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.entries), nil
}

// baselineSortMatches orders matches best first, then by ID.
func baselineSortMatches(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

func baselineFinite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// baselineUnit returns v scaled to unit length, or nil for the zero vector.
func baselineUnit(v []float32) []float32 {
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

// baselineDot returns the dot product of two unit vectors; a nil vector scores 0.
func baselineDot(a, b []float32) float64 {
	if a == nil || b == nil {
		return 0
	}
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}

// baselineKeywordIndex is a KeywordIndex held in memory that ranks chunks by
// Okapi BM25 (k1 = 1.2, b = 0.75) over their Terms. Safe for concurrent use.
type baselineKeywordIndex struct {
	mu       sync.RWMutex
	chunks   map[string]*baselineKeywordEntry
	postings map[string]map[string]int // term -> chunk id -> term frequency
	byDoc    map[string]map[string]struct{}
	totalLen int
}

type baselineKeywordEntry struct {
	chunk  Chunk
	length int
	terms  map[string]int
}

// newBaselineKeywordIndex returns an empty index.
func newBaselineKeywordIndex() *baselineKeywordIndex {
	return &baselineKeywordIndex{
		chunks:   map[string]*baselineKeywordEntry{},
		postings: map[string]map[string]int{},
		byDoc:    map[string]map[string]struct{}{},
	}
}

// IndexChunks adds the chunks.
func (x *baselineKeywordIndex) IndexChunks(ctx context.Context, chunks []Chunk) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries := make([]*baselineKeywordEntry, len(chunks))
	for i, c := range chunks {
		terms := baselineTerms(c.IndexText())
		tf := make(map[string]int, len(terms))
		for _, t := range terms {
			tf[t]++
		}
		entries[i] = &baselineKeywordEntry{chunk: c, length: len(terms), terms: tf}
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
func (x *baselineKeywordIndex) remove(id string, e *baselineKeywordEntry) {
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
func (x *baselineKeywordIndex) Search(ctx context.Context, query string, k int, filter Filter) ([]Match, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	terms := baselineTerms(query)
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
	baselineSortMatches(matches)
	if len(matches) > k {
		matches = matches[:k]
	}
	return matches, nil
}

// DeleteDocument removes the document's chunks.
func (x *baselineKeywordIndex) DeleteDocument(ctx context.Context, docID string) error {
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
func (x *baselineKeywordIndex) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.chunks), nil
}

// baselineHashEmbedder is an offline Embedder: it hashes the terms of a text (see
// Terms) and the pairs of adjacent terms into a fixed number of signed
// buckets, weighs repeated features sublinearly (1 + ln count) and
// normalises the vector to unit length. It needs no network and no model,
// is deterministic across runs and machines, and is fast enough to index the
// bundled library at every start. It matches words, not meanings: "budget"
// does not find "spending plan". Safe for concurrent use.
type baselineHashEmbedder struct {
	dims int
}

// newBaselineHashEmbedder returns a hashing embedder making vectors of dims numbers;
// dims <= 0 means DefaultHashDimensions, and dims is at most 65536.
func newBaselineHashEmbedder(dims int) *baselineHashEmbedder {
	if dims <= 0 {
		dims = DefaultHashDimensions
	}
	if dims > maxHashDimensions {
		dims = maxHashDimensions
	}
	return &baselineHashEmbedder{dims: dims}
}

// Name returns "flux-hash-v1"; the version changes whenever the features
// change, so indexed vectors are rebuilt.
func (h *baselineHashEmbedder) Name() string { return "flux-hash-v1" }

// Dimensions returns the vector length.
func (h *baselineHashEmbedder) Dimensions() int { return h.dims }

// String describes the embedder, e.g. "flux-hash-v1/1024".
func (h *baselineHashEmbedder) String() string { return h.Name() + "/" + strconv.Itoa(h.dims) }

// Embed returns the vector of each text. A text without any term has the
// zero vector, which is similar to nothing.
func (h *baselineHashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out[i] = h.embed(baselineTerms(t))
	}
	return out, nil
}

func (h *baselineHashEmbedder) embed(terms []string) []float32 {
	// Count each feature once per hash so that repetitions are weighed
	// sublinearly.
	type feature struct {
		weight float64
		count  int
	}
	features := make(map[uint64]*feature, 2*len(terms))
	add := func(hash uint64, weight float64) {
		f := features[hash]
		if f == nil {
			f = &feature{weight: weight}
			features[hash] = f
		}
		f.count++
	}
	for i, t := range terms {
		add(fnv64(1, t, ""), hashWordWeight)
		if i > 0 {
			add(fnv64(2, terms[i-1], t), hashPairWeight)
		}
	}
	vec := make([]float64, h.dims)
	for hash, f := range features {
		w := f.weight * (1 + math.Log(float64(f.count)))
		bucket := int(hash % uint64(h.dims))
		if hash>>63 == 1 {
			w = -w
		}
		vec[bucket] += w
	}
	var norm float64
	for _, v := range vec {
		norm += v * v
	}
	out := make([]float32, h.dims)
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for i, v := range vec {
		out[i] = float32(v / norm)
	}
	return out
}

// baselineTerms returns the index terms of text as the offline embedder and the
// in-memory keyword index see them: words (runs of letters and digits, with
// apostrophes inside a word dropped) lower-cased, English stop words
// removed, and English words lightly stemmed ("running" and "runs" become
// "run"; "study", "studies" and "studied" become "studi"). Stores that implement KeywordIndex
// with their own full-text engine need not use it.
func baselineTerms(text string) []string {
	var out []string
	var word strings.Builder
	flush := func() {
		if word.Len() == 0 {
			return
		}
		w := word.String()
		word.Reset()
		if _, stop := stopWords[w]; stop {
			return
		}
		if utf8.RuneCountInString(w) < 2 && !baselineIsDigits(w) {
			return
		}
		out = append(out, baselineStem(w))
	}
	rs := []rune(text)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc):
			word.WriteRune(unicode.ToLower(r))
		case (r == '\'' || r == '’') && word.Len() > 0 && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			// "don't" -> "dont", "week's" -> "weeks"
		default:
			flush()
		}
	}
	flush()
	return out
}

func baselineIsDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// baselineStem strips common English inflections from an ASCII word. It is a small,
// predictable subset of Porter's algorithm: plurals, -ing, -ed, -er, -ion
// after t or s, a final e, and a final y after a consonant (made i), so that
// related forms meet on one key. Stems need not be words.
func baselineStem(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return w
		}
	}
	if len(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ing") && len(w) >= 6 && baselineHasVowel(w[:len(w)-3]):
		w = baselineUndouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) >= 5 && baselineHasVowel(w[:len(w)-2]):
		w = baselineUndouble(w[:len(w)-2])
	case strings.HasSuffix(w, "er") && len(w) >= 5 && baselineHasVowel(w[:len(w)-2]):
		w = baselineUndouble(w[:len(w)-2])
	case strings.HasSuffix(w, "ion") && len(w) >= 7 && strings.ContainsAny(w[len(w)-4:len(w)-3], "ts"):
		w = w[:len(w)-3]
	}
	if len(w) > 3 && w[len(w)-1] == 'e' && !strings.HasSuffix(w, "ee") {
		w = w[:len(w)-1]
	}
	if len(w) > 3 && w[len(w)-1] == 'y' && !strings.ContainsRune("aeiou", rune(w[len(w)-2])) {
		w = w[:len(w)-1] + "i" // "study", "studies", "studied" -> "studi"
	}
	return w
}

func baselineHasVowel(s string) bool { return strings.ContainsAny(s, "aeiouy") }

// baselineUndouble turns a doubled final consonant into one ("runn" -> "run"),
// except l, s and z ("fall", "stress", "buzz").
func baselineUndouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeioulsz", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

// baselineSplit returns the chunks of text, trimmed, none empty, each at most Size
// characters long.
func baselineSplit(c Chunker, text string) []string {
	size, overlap := c.effective()
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	runes := []rune(text)
	n := len(runes)
	if n <= size {
		return []string{text}
	}
	strength := baselineBoundaries(runes)
	// A chunk must bring at least minNew characters of new text unless the
	// text ends sooner, so that a paragraph break just after the previous
	// cut does not make a chunk of little more than the overlap.
	minNew := max(size/4, 1)

	var out []string
	s, prevEnd := 0, 0
	for s < n {
		e := n
		if limit := s + size; limit < n {
			e = -1
			best := int8(cutNever)
			lo := max(s, prevEnd+minNew-1)
			if lo >= limit {
				lo = max(s, prevEnd)
			}
			for i := limit; i > lo; i-- {
				if st := strength[i]; st > best {
					e, best = i, st
					if st == cutSection {
						break
					}
				}
			}
			if e < 0 {
				e = limit // nowhere to cut cleanly: cut at the size
			}
		}
		if t := strings.TrimSpace(string(runes[s:e])); t != "" {
			out = append(out, t)
		}
		if e >= n {
			break
		}
		next := e
		if overlap > 0 {
			lo := max(e-overlap, s+1)
			next = baselineFirstAtLeast(strength, lo, e, cutSentence)
			if next < 0 {
				next = baselineFirstAtLeast(strength, lo, e, cutWord)
			}
			if next < 0 {
				next = e
			}
		}
		prevEnd = e
		s = next
	}
	return out
}

// baselineFirstAtLeast returns the first i in [lo, hi) whose strength is at least
// min, or -1.
func baselineFirstAtLeast(strength []int8, lo, hi int, min int8) int {
	for i := lo; i < hi; i++ {
		if strength[i] >= min {
			return i
		}
	}
	return -1
}

// baselineBoundaries returns, for each position i in [0, len(runes)], how good a
// place it is to cut the text before runes[i].
func baselineBoundaries(runes []rune) []int8 {
	n := len(runes)
	st := make([]int8, n+1)
	st[0], st[n] = cutSection, cutSection
	for i := 1; i < n; i++ {
		r, prev := runes[i], runes[i-1]
		switch {
		case unicode.IsSpace(r):
			// Cut at the start of the next word instead; trailing space is
			// trimmed anyway.
			st[i] = cutRune
		case unicode.IsSpace(prev):
			st[i] = baselineSpaceRunStrength(runes, i)
		case strings.ContainsRune("。！？", prev):
			st[i] = cutSentence
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) || r == '\u200d' || prev == '\u200d' ||
			unicode.In(r, unicode.Variation_Selector) || (r >= 0x1F3FB && r <= 0x1F3FF):
			st[i] = cutNever
		default:
			st[i] = cutRune
		}
	}
	return st
}

// baselineSpaceRunStrength grades a cut at i, the first character after a run of
// white space: a blank line makes a paragraph break, a newline a line break,
// sentence-ending punctuation before the run a sentence break.
func baselineSpaceRunStrength(runes []rune, i int) int8 {
	j := i - 1
	newlines := 0
	for j >= 0 && unicode.IsSpace(runes[j]) {
		if runes[j] == '\n' {
			newlines++
		}
		j--
	}
	if newlines > 0 {
		// Never leave a Markdown heading at the end of a chunk, away from
		// its section: cut before the heading, not after it.
		lineStart := j
		for lineStart > 0 && runes[lineStart-1] != '\n' {
			lineStart--
		}
		switch {
		case j >= 0 && runes[lineStart] == '#':
			return cutWord
		case runes[i] == '#':
			return cutSection
		case newlines >= 2:
			return cutParagraph
		default:
			return cutLine
		}
	}
	// Skip closing quotes and brackets after the punctuation: `end." Next`.
	for j >= 0 && strings.ContainsRune("\"')]»”’", runes[j]) {
		j--
	}
	if j >= 0 && strings.ContainsRune(".!?…", runes[j]) {
		return cutSentence
	}
	return cutWord
}

// baselineChunk is Chunker.Chunk on baselineSplit.
func baselineChunk(c Chunker, d Document) []Chunk {
	texts := baselineSplit(c, d.Content)
	out := make([]Chunk, len(texts))
	md := MetadataOf(d)
	for i, t := range texts {
		out[i] = Chunk{DocumentID: d.ID, Index: i, Text: t, Metadata: md}
	}
	return out
}
