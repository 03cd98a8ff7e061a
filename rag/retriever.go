package rag

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// Retrieval defaults.
const (
	// DefaultTopK is RAG_TOP_K: passages returned when the caller asks for
	// none in particular.
	DefaultTopK = 5
	// MaxTopK is the most passages one search returns.
	MaxTopK = 50
	// DefaultMaxPerDocument is the most passages one document contributes
	// to a result.
	DefaultMaxPerDocument = 2
	// DefaultRRFK is the constant of reciprocal rank fusion.
	DefaultRRFK = 60
	// DefaultCandidates is how many matches each of vector and keyword
	// search contributes to the fusion.
	DefaultCandidates = 50
	// MaxQueryLength is the longest query, in characters.
	MaxQueryLength = 4000
)

// Mode chooses which searches a Retriever runs.
type Mode int

// Modes. Hybrid is the default; the others exist to measure each half.
const (
	Hybrid      Mode = iota // vector and keyword search, fused
	VectorOnly              // vector search only
	KeywordOnly             // keyword search only
)

// String returns "hybrid", "vector" or "keyword".
func (m Mode) String() string {
	switch m {
	case Hybrid:
		return "hybrid"
	case VectorOnly:
		return "vector"
	case KeywordOnly:
		return "keyword"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Passage is one retrieved piece of an article, ready to be quoted in a
// prompt and cited in a plan: flux.Passage, the type package planner's
// Retriever returns too. Its Score, higher is better, is in Hybrid mode
// the reciprocal-rank-fusion score (at most 2/(RRFK+1)); in VectorOnly
// mode the cosine similarity; in KeywordOnly mode the keyword index's
// score.
type Passage = flux.Passage

// RetrieverOptions tunes a Retriever. The zero value (or nil) means every
// default.
type RetrieverOptions struct {
	// Mode is Hybrid unless set.
	Mode Mode
	// TopK is the number of passages a search asking for k <= 0 returns;
	// 0 means DefaultTopK (RAG_TOP_K). Searches never return more than
	// MaxTopK.
	TopK int
	// Threshold is the least cosine similarity a vector match needs to be
	// kept (RAG_RELEVANCE_THRESHOLD). 0 means DefaultThreshold of the
	// embedder; a negative value means no threshold. Matches at or below 0
	// are never kept. Keyword matches are kept when they contain a query
	// word.
	Threshold float64
	// MaxPerDocument caps the passages taken from one document; 0 means
	// DefaultMaxPerDocument, a negative value means no cap.
	MaxPerDocument int
	// Candidates is how many matches each search contributes before
	// fusion; 0 means DefaultCandidates (or more when a search asks for
	// more passages).
	Candidates int
	// RRFK is the k of reciprocal rank fusion, score = Σ 1/(RRFK + rank);
	// 0 means DefaultRRFK (60).
	RRFK float64
	// Filter applies to every search that does not give its own.
	Filter Filter
	// Logger receives a warning when one half of a hybrid search fails and
	// the other half answers alone; nil means no logging.
	Logger *slog.Logger
}

// DefaultThreshold returns the relevance threshold suited to an embedder.
//
// For the offline hashing embedder it is 0.15: a query made only of words
// the library does not contain still matches some chunk through hash
// collisions, and at the default 1024 dimensions the best such match scores
// below 0.15 for 99% of such queries (measured on the bundled library), so
// the threshold keeps hybrid search from returning noise when the keyword
// search rightly finds nothing. For any other embedder it is 0.2, the
// original system's RAG_RELEVANCE_THRESHOLD with text-embedding-3-small.
func DefaultThreshold(e Embedder) float64 {
	if _, ok := e.(*HashEmbedder); ok {
		return 0.15
	}
	return 0.2
}

// Retriever finds the passages that answer a question: it embeds the
// question and queries the Index, searches the KeywordIndex, fuses both
// rankings by reciprocal rank fusion, drops vector matches below the
// threshold, keeps at most MaxPerDocument passages of one document and
// returns the best k. Safe for concurrent use.
type Retriever struct {
	embedder Embedder
	index    Index
	keywords KeywordIndex
	opts     RetrieverOptions
	log      *slog.Logger
}

// NewRetriever returns a retriever. Vector search needs emb and idx,
// keyword search needs kw; what the mode needs must not be nil. Invalid
// options are an EInvalid *flux.Error.
func NewRetriever(emb Embedder, idx Index, kw KeywordIndex, opts *RetrieverOptions) (*Retriever, error) {
	var o RetrieverOptions
	if opts != nil {
		o = *opts
	}
	var fields []flux.FieldError
	add := func(f, m string) { fields = append(fields, flux.FieldError{Field: f, Message: m}) }
	switch o.Mode {
	case Hybrid, VectorOnly, KeywordOnly:
	default:
		add("mode", "is not hybrid, vector or keyword")
	}
	if o.Mode != KeywordOnly {
		if emb == nil {
			add("embedder", fmt.Sprintf("is required for %s search", o.Mode))
		}
		if idx == nil {
			add("index", fmt.Sprintf("is required for %s search", o.Mode))
		}
	}
	if o.Mode != VectorOnly && kw == nil {
		add("keywords", fmt.Sprintf("is required for %s search", o.Mode))
	}
	if o.TopK < 0 {
		add("top_k", "must not be negative")
	}
	if o.Threshold < -1 || o.Threshold > 1 || o.Threshold != o.Threshold {
		add("threshold", "must be between -1 and 1")
	}
	if o.Candidates < 0 {
		add("candidates", "must not be negative")
	}
	if o.RRFK < 0 || o.RRFK != o.RRFK {
		add("rrf_k", "must not be negative")
	}
	if len(fields) > 0 {
		return nil, flux.Invalid("invalid retriever settings", fields...)
	}
	if o.TopK == 0 {
		o.TopK = DefaultTopK
	}
	if o.Threshold == 0 && emb != nil {
		o.Threshold = DefaultThreshold(emb)
	}
	o.TopK = min(o.TopK, MaxTopK)
	if o.MaxPerDocument == 0 {
		o.MaxPerDocument = DefaultMaxPerDocument
	}
	if o.Candidates == 0 {
		o.Candidates = DefaultCandidates
	}
	if o.RRFK == 0 {
		o.RRFK = DefaultRRFK
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Retriever{embedder: emb, index: idx, keywords: kw, opts: o, log: log}, nil
}

// Mode returns the retriever's mode.
func (r *Retriever) Mode() Mode { return r.opts.Mode }

// Search returns up to k passages answering query, best first, with the
// retriever's default filter. k <= 0 means TopK. An empty or over-long query
// is an EInvalid error; a failing embedder or index is returned as is,
// except in Hybrid mode, where the other half answers alone when only one
// fails.
func (r *Retriever) Search(ctx context.Context, query string, k int) ([]Passage, error) {
	return r.SearchFilter(ctx, query, k, r.opts.Filter)
}

// SearchFilter is Search with a filter of its own, which replaces the
// retriever's default filter.
func (r *Retriever) SearchFilter(ctx context.Context, query string, k int, filter Filter) ([]Passage, error) {
	query = strings.TrimSpace(query)
	switch {
	case query == "":
		return nil, flux.Invalid("the query is empty", flux.FieldError{Field: "query", Message: "is empty"})
	case !utf8.ValidString(query):
		return nil, flux.Invalid("the query is not valid UTF-8", flux.FieldError{Field: "query", Message: "is not valid UTF-8"})
	case utf8.RuneCountInString(query) > MaxQueryLength:
		return nil, flux.Invalid("the query is too long",
			flux.FieldError{Field: "query", Message: fmt.Sprintf("is longer than %d characters", MaxQueryLength)})
	}
	if k <= 0 {
		k = r.opts.TopK
	}
	k = min(k, MaxTopK)
	candidates := max(r.opts.Candidates, 4*k)

	var vec, kw []Match
	var vecErr, kwErr error
	if r.opts.Mode != KeywordOnly {
		vec, vecErr = r.vectorSearch(ctx, query, candidates, filter)
	}
	if r.opts.Mode != VectorOnly {
		kw, kwErr = r.keywords.Search(ctx, query, candidates, filter)
		if kwErr != nil {
			kwErr = fmt.Errorf("rag: keyword search: %w", kwErr)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("rag: search: %w", err)
	}
	switch {
	case vecErr != nil && (r.opts.Mode != Hybrid || kwErr != nil):
		return nil, vecErr
	case kwErr != nil && r.opts.Mode != Hybrid:
		return nil, kwErr
	case vecErr != nil:
		r.log.WarnContext(ctx, "rag: vector search failed; answering from keyword search alone", "err", vecErr)
	case kwErr != nil:
		r.log.WarnContext(ctx, "rag: keyword search failed; answering from vector search alone", "err", kwErr)
	}

	var ranked []Match
	switch r.opts.Mode {
	case VectorOnly:
		ranked = vec
	case KeywordOnly:
		ranked = kw
	default:
		ranked = fuse(r.opts.RRFK, vec, kw)
	}
	return r.cap(ranked, k), nil
}

// vectorSearch embeds the query and returns the index's matches above the
// threshold.
func (r *Retriever) vectorSearch(ctx context.Context, query string, n int, filter Filter) ([]Match, error) {
	vecs, err := r.embedder.Embed(ctx, []string{query})
	if err != nil {
		return nil, fmt.Errorf("rag: embed query: %w", err)
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("rag: embed query: embedder returned %d vectors for 1 text", len(vecs))
	}
	ms, err := r.index.Query(ctx, vecs[0], n, filter)
	if err != nil {
		return nil, fmt.Errorf("rag: vector query: %w", err)
	}
	kept := ms[:0:0]
	for _, m := range ms {
		if m.Score > 0 && m.Score >= r.opts.Threshold {
			kept = append(kept, m)
		}
	}
	return kept, nil
}

// fuse merges rankings by reciprocal rank fusion. Ties go to the better
// vector similarity, then to the ID.
func fuse(k float64, lists ...[]Match) []Match {
	type fused struct {
		m      Match
		score  float64
		vector float64
	}
	byID := map[string]*fused{}
	for li, list := range lists {
		for rank, m := range list {
			f := byID[m.ID]
			if f == nil {
				f = &fused{m: m}
				byID[m.ID] = f
			}
			f.score += 1 / (k + float64(rank+1))
			if li == 0 {
				f.vector = m.Score
			}
		}
	}
	all := make([]*fused, 0, len(byID))
	for _, f := range byID {
		all = append(all, f)
	}
	slices.SortFunc(all, func(a, b *fused) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.vector, a.vector); c != 0 {
			return c
		}
		return cmp.Compare(a.m.ID, b.m.ID)
	})
	out := make([]Match, len(all))
	for i, f := range all {
		out[i] = f.m
		out[i].Score = f.score
	}
	return out
}

// cap keeps the first k matches, at most MaxPerDocument of each document.
func (r *Retriever) cap(ranked []Match, k int) []Passage {
	perDoc := map[string]int{}
	out := make([]Passage, 0, min(k, len(ranked)))
	for _, m := range ranked {
		if len(out) == k {
			break
		}
		if r.opts.MaxPerDocument > 0 && perDoc[m.Chunk.DocumentID] >= r.opts.MaxPerDocument {
			continue
		}
		perDoc[m.Chunk.DocumentID]++
		out = append(out, passageOf(m))
	}
	return out
}

func passageOf(m Match) Passage {
	c := m.Chunk
	return Passage{
		Text: c.Text, Title: c.Title, Source: c.Source, Category: c.Category, Authority: c.Authority,
		Score: m.Score, DocumentID: c.DocumentID, ChunkIndex: c.Index,
	}
}
