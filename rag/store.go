package rag

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fluxlife/flux"
)

// The store adapters keep a library in a Flux store (flux.ArticleStore):
// StoreCatalog holds the documents with their chunks and vectors, each
// document written in one transaction; StoreIndex searches the vectors in
// memory, loaded from the store on first use; StoreKeywordIndex searches
// with the store's full-text engine (SQLite FTS5, PostgreSQL full-text
// search). NewStoreLibrary wires the three.

// NewStoreLibrary returns a library kept in st: what opts leaves nil is
// NewStoreCatalog(st), NewStoreIndex(st, EmbedderKey(emb)) refreshed every
// opts.RefreshInterval by opts.Clock, and NewStoreKeywordIndex(st). Another
// Index (a hosted one) may be given in opts; the store then still keeps the
// documents, chunks and vectors, and answers keyword searches.
func NewStoreLibrary(st flux.ArticleStore, emb Embedder, opts *LibraryOptions) (*Library, error) {
	var o LibraryOptions
	if opts != nil {
		o = *opts
	}
	if st == nil {
		return nil, flux.Invalid("invalid library settings", flux.FieldError{Field: "store", Message: "is required"})
	}
	if emb == nil {
		return nil, flux.Invalid("invalid library settings", flux.FieldError{Field: "embedder", Message: "is required"})
	}
	if o.Catalog == nil {
		o.Catalog = NewStoreCatalog(st)
	}
	if o.Index == nil {
		o.Index = NewStoreIndex(st, EmbedderKey(emb)).WithRefresh(o.RefreshInterval, o.Clock)
	}
	if o.Keywords == nil {
		o.Keywords = NewStoreKeywordIndex(st)
	}
	return NewLibrary(emb, &o)
}

// StoreCatalog is a DocumentWriter over a flux.ArticleStore: each document
// is an article, written with its chunks and vectors in one transaction.
// Safe for concurrent use.
type StoreCatalog struct {
	st flux.ArticleStore
}

var _ DocumentWriter = (*StoreCatalog)(nil)

// NewStoreCatalog returns a catalog kept in st.
func NewStoreCatalog(st flux.ArticleStore) *StoreCatalog { return &StoreCatalog{st: st} }

// Documents returns every record, by ID, without Content.
func (c *StoreCatalog) Documents(ctx context.Context) ([]IndexedDocument, error) {
	var out []IndexedDocument
	p := flux.Page{Limit: flux.MaxPageLimit}
	for {
		as, next, err := c.st.ListArticles(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			out = append(out, indexedOf(a))
		}
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}

// Document returns one record with its Content.
func (c *StoreCatalog) Document(ctx context.Context, id string) (IndexedDocument, error) {
	a, err := c.st.GetArticle(ctx, id)
	if err != nil {
		if flux.IsCode(err, flux.ENotFound) {
			return IndexedDocument{}, flux.NotFound("document")
		}
		return IndexedDocument{}, err
	}
	return indexedOf(*a), nil
}

// PutDocument records d without chunks, replacing any chunks the document
// had (Chunks is stored as 0); WriteDocument records it with them.
func (c *StoreCatalog) PutDocument(ctx context.Context, d IndexedDocument) error {
	a := articleOf(d)
	return c.st.PutArticle(ctx, &a, nil)
}

// WriteDocument replaces the document, its chunks and vectors in one
// transaction. The store stamps IndexedAt with its own clock.
func (c *StoreCatalog) WriteDocument(ctx context.Context, rec IndexedDocument, vectors []Vector) error {
	a := articleOf(rec)
	chunks := make([]flux.ArticleChunk, len(vectors))
	for i, v := range vectors {
		chunks[i] = flux.ArticleChunk{Index: v.Chunk.Index, Text: v.Chunk.Text, Vector: v.Values}
	}
	return c.st.PutArticle(ctx, &a, chunks)
}

// DeleteDocument deletes the document with its chunks; an unknown id is not
// an error.
func (c *StoreCatalog) DeleteDocument(ctx context.Context, id string) error {
	if err := c.st.DeleteArticle(ctx, id); err != nil && !flux.IsCode(err, flux.ENotFound) {
		return err
	}
	return nil
}

func articleOf(d IndexedDocument) flux.Article {
	return flux.Article{
		ID: d.ID, Title: d.Title, Source: d.Source, Category: d.Category, Authority: d.Authority,
		Content: d.Content, Hash: d.Hash, EmbedderKey: d.Embedder, Chunking: d.Chunking,
	}
}

func indexedOf(a flux.Article) IndexedDocument {
	return IndexedDocument{
		Document: Document{ID: a.ID, Title: a.Title, Source: a.Source, Category: a.Category, Authority: a.Authority, Content: a.Content, Hash: a.Hash},
		Embedder: a.EmbedderKey, Chunking: a.Chunking, Chunks: a.Chunks, IndexedAt: a.IndexedAt,
	}
}

// storedChunk returns the rag chunk of a stored chunk.
func storedChunk(c flux.ArticleChunk) Chunk {
	return Chunk{DocumentID: c.ArticleID, Index: c.Index, Text: c.Text,
		Metadata: Metadata{Title: c.Title, Source: c.Source, Category: c.Category, Authority: c.Authority}}
}

// DefaultRefreshInterval is how often a StoreIndex asks the store whether
// another process changed the library (see StoreIndex).
const DefaultRefreshInterval = 2 * time.Second

// StoreIndex is an Index whose vectors persist in a flux.ArticleStore and
// are searched exactly in memory (a MemoryIndex). On first use it loads the
// vectors of every article indexed under its embedder key; Upsert and
// DeleteDocument then keep the memory in step with what StoreCatalog writes.
// It does not write to the store itself: persistence is StoreCatalog's
// WriteDocument, which the Ingester calls after Upsert.
//
// Another process writing to the same store (a second fluxd on one
// PostgreSQL database) is seen within the refresh interval: at most once
// per interval a search asks the store for its catalog version
// (flux.ArticleStore.ArticlesVersion, one small query) and, when it moved
// since the vectors were loaded, loads them again into a new MemoryIndex
// while other searches go on over the old one. Reload does it at once.
// Safe for concurrent use.
type StoreIndex struct {
	st    flux.ArticleStore
	key   string
	every time.Duration
	clock flux.Clock

	load sync.Mutex // serialises loads

	mu       sync.Mutex // guards what follows
	loaded   bool
	mem      *MemoryIndex
	version  int64     // the catalog version mem was loaded at
	checked  time.Time // when the version was last compared
	checking bool      // a search is comparing it now
}

var _ Index = (*StoreIndex)(nil)

// NewStoreIndex returns an index over the vectors st holds under
// embedderKey (see EmbedderKey), refreshed every DefaultRefreshInterval by
// the system clock.
func NewStoreIndex(st flux.ArticleStore, embedderKey string) *StoreIndex {
	return &StoreIndex{st: st, key: embedderKey, mem: NewMemoryIndex(), every: DefaultRefreshInterval, clock: flux.SystemClock{}}
}

// WithRefresh sets how often the index compares the store's catalog version
// (0: DefaultRefreshInterval; negative: never, only Reload) and the clock
// that measures it (nil: the system clock), and returns x. Call it before
// the first use.
func (x *StoreIndex) WithRefresh(every time.Duration, clock flux.Clock) *StoreIndex {
	if every == 0 {
		every = DefaultRefreshInterval
	}
	if clock == nil {
		clock = flux.SystemClock{}
	}
	x.mu.Lock()
	x.every, x.clock = every, clock
	x.mu.Unlock()
	return x
}

// memory returns the in-memory index, loading it first when needed; with
// refresh (searches and counts, not writes) it reloads it when the refresh
// interval has passed and the store's catalog changed.
func (x *StoreIndex) memory(ctx context.Context, refresh bool) (*MemoryIndex, error) {
	x.mu.Lock()
	if !x.loaded {
		x.mu.Unlock()
		return x.reload(ctx, false)
	}
	m, now := x.mem, x.clock.Now()
	due := refresh && x.every > 0 && !x.checking && !now.Before(x.checked.Add(x.every))
	if due {
		x.checking, x.checked = true, now
	}
	x.mu.Unlock()
	if !due {
		return m, nil
	}
	defer func() {
		x.mu.Lock()
		x.checking = false
		x.mu.Unlock()
	}()
	v, err := x.st.ArticlesVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("rag: check the article catalog: %w", err)
	}
	x.mu.Lock()
	same := v == x.version
	x.mu.Unlock()
	if same {
		return m, nil
	}
	return x.reload(ctx, true)
}

// reload loads the vectors into a new MemoryIndex and swaps it in; unless
// force, it does nothing when another call loaded them meanwhile. The
// catalog version is read before the vectors, so a write committed during
// the load is loaded again at the next refresh.
func (x *StoreIndex) reload(ctx context.Context, force bool) (*MemoryIndex, error) {
	x.load.Lock()
	defer x.load.Unlock()
	x.mu.Lock()
	if x.loaded && !force {
		m := x.mem
		x.mu.Unlock()
		return m, nil
	}
	x.mu.Unlock()
	v, err := x.st.ArticlesVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("rag: load vectors: %w", err)
	}
	mem := NewMemoryIndex()
	var vs []Vector
	err = x.st.ScanVectors(ctx, x.key, func(c flux.ArticleChunk) error {
		vs = append(vs, Vector{ID: c.ID, Values: c.Vector, Chunk: storedChunk(c)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rag: load vectors: %w", err)
	}
	if err := mem.Upsert(ctx, vs); err != nil {
		return nil, fmt.Errorf("rag: load vectors: %w", err)
	}
	x.mu.Lock()
	x.mem, x.loaded, x.version, x.checked = mem, true, v, x.clock.Now()
	x.mu.Unlock()
	return mem, nil
}

// Reload reads the vectors from the store again, now.
func (x *StoreIndex) Reload(ctx context.Context) error {
	_, err := x.reload(ctx, true)
	return err
}

// Upsert adds the vectors to the in-memory index (see StoreIndex).
func (x *StoreIndex) Upsert(ctx context.Context, vectors []Vector) error {
	m, err := x.memory(ctx, false)
	if err != nil {
		return err
	}
	return m.Upsert(ctx, vectors)
}

// Query returns the k nearest vectors passing filter.
func (x *StoreIndex) Query(ctx context.Context, vec []float32, k int, filter Filter) ([]Match, error) {
	m, err := x.memory(ctx, true)
	if err != nil {
		return nil, err
	}
	return m.Query(ctx, vec, k, filter)
}

// DeleteDocument removes the document's vectors from the in-memory index
// (see StoreIndex).
func (x *StoreIndex) DeleteDocument(ctx context.Context, docID string) error {
	m, err := x.memory(ctx, false)
	if err != nil {
		return err
	}
	return m.DeleteDocument(ctx, docID)
}

// Count returns the number of vectors in memory.
func (x *StoreIndex) Count(ctx context.Context) (int, error) {
	m, err := x.memory(ctx, true)
	if err != nil {
		return 0, err
	}
	return m.Count(ctx)
}

// StoreKeywordIndex is a KeywordIndex over the full-text search of a
// flux.ArticleStore (SearchChunks). It searches what StoreCatalog writes:
// IndexChunks and DeleteDocument do nothing, since the store indexes a
// document's chunks in the transaction that writes them. Safe for
// concurrent use.
type StoreKeywordIndex struct {
	st flux.ArticleStore
}

var _ KeywordIndex = (*StoreKeywordIndex)(nil)

// NewStoreKeywordIndex returns a keyword index over st's full-text search.
func NewStoreKeywordIndex(st flux.ArticleStore) *StoreKeywordIndex {
	return &StoreKeywordIndex{st: st}
}

// IndexChunks does nothing: StoreCatalog.WriteDocument indexes the chunks.
func (x *StoreKeywordIndex) IndexChunks(ctx context.Context, chunks []Chunk) error { return ctx.Err() }

// DeleteDocument does nothing: StoreCatalog.DeleteDocument removes the
// chunks.
func (x *StoreKeywordIndex) DeleteDocument(ctx context.Context, docID string) error { return ctx.Err() }

// Search returns the store's full-text matches, best first.
func (x *StoreKeywordIndex) Search(ctx context.Context, query string, k int, filter Filter) ([]Match, error) {
	ms, err := x.st.SearchChunks(ctx, query, k, flux.ChunkFilter{
		Categories: filter.Categories, Authorities: filter.Authorities, ArticleIDs: filter.DocumentIDs,
	})
	if err != nil {
		return nil, err
	}
	out := make([]Match, len(ms))
	for i, m := range ms {
		out[i] = Match{ID: m.Chunk.ID, Score: m.Score, Chunk: storedChunk(m.Chunk)}
	}
	sortMatches(out)
	return out, nil
}

// Count returns the number of chunks the store holds.
func (x *StoreKeywordIndex) Count(ctx context.Context) (int, error) {
	return x.st.CountChunks(ctx)
}
