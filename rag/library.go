package rag

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// LibraryOptions chooses a Library's parts; nil or zero fields mean the
// in-memory defaults.
type LibraryOptions struct {
	// Index holds the vectors; nil means NewMemoryIndex().
	Index Index
	// Keywords is the keyword index; nil means NewMemoryKeywordIndex().
	Keywords KeywordIndex
	// Catalog records what is indexed; nil means NewMemoryCatalog(). It
	// must live as long as Index and Keywords.
	Catalog Catalog
	// Chunker splits documents; the zero Chunker is DefaultChunker.
	Chunker Chunker
	// Retrieval tunes searches (mode, top-k, threshold, passages per
	// document).
	Retrieval RetrieverOptions
	// Clock stamps catalog records; nil means the system clock.
	Clock flux.Clock
	// RefreshInterval is how often a library kept in a store
	// (NewStoreLibrary) looks for changes other processes made to it; 0
	// means DefaultRefreshInterval, negative never (see StoreIndex).
	RefreshInterval time.Duration
}

// Library is an article library ready to search: an Ingester and a
// Retriever over one embedder, index, keyword index and catalog. Safe for
// concurrent use.
type Library struct {
	ingester  *Ingester
	retriever *Retriever
	index     Index
	keywords  KeywordIndex
}

// NewLibrary returns an empty library that embeds with emb.
func NewLibrary(emb Embedder, opts *LibraryOptions) (*Library, error) {
	var o LibraryOptions
	if opts != nil {
		o = *opts
	}
	if o.Index == nil {
		o.Index = NewMemoryIndex()
	}
	if o.Keywords == nil {
		o.Keywords = NewMemoryKeywordIndex()
	}
	if o.Catalog == nil {
		o.Catalog = NewMemoryCatalog()
	}
	in, err := NewIngester(emb, o.Index, o.Catalog, &IngesterOptions{Keywords: o.Keywords, Chunker: o.Chunker, Clock: o.Clock})
	if err != nil {
		return nil, err
	}
	r, err := NewRetriever(emb, o.Index, o.Keywords, &o.Retrieval)
	if err != nil {
		return nil, err
	}
	return &Library{ingester: in, retriever: r, index: o.Index, keywords: o.Keywords}, nil
}

// Ingest indexes new and changed documents; see Ingester.Ingest.
func (l *Library) Ingest(ctx context.Context, docs []Document) (IngestResult, error) {
	return l.ingester.Ingest(ctx, docs)
}

// Replace makes the library hold exactly docs; see Ingester.Replace.
func (l *Library) Replace(ctx context.Context, docs []Document) (IngestResult, error) {
	return l.ingester.Replace(ctx, docs)
}

// Prune removes every document whose ID is not in keep; see Ingester.Prune.
func (l *Library) Prune(ctx context.Context, keep []string) (int, error) {
	return l.ingester.Prune(ctx, keep)
}

// Search returns up to k passages answering query; see Retriever.Search.
func (l *Library) Search(ctx context.Context, query string, k int) ([]Passage, error) {
	return l.retriever.Search(ctx, query, k)
}

// SearchFilter is Search with a metadata filter.
func (l *Library) SearchFilter(ctx context.Context, query string, k int, f Filter) ([]Passage, error) {
	return l.retriever.SearchFilter(ctx, query, k, f)
}

// Documents returns what is indexed, by document ID.
func (l *Library) Documents(ctx context.Context) ([]IndexedDocument, error) {
	return l.ingester.Documents(ctx)
}

// DocumentPage returns one page of what is indexed, by document ID, and the
// cursor of the next page ("" after the last). Records may come without
// their Content (see Catalog). A cursor this method did not issue is an
// EInvalid error.
func (l *Library) DocumentPage(ctx context.Context, p flux.Page) ([]IndexedDocument, string, error) {
	after := ""
	if p.Cursor != "" {
		id, err := flux.DecodeArticleCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		after = id
	}
	docs, err := l.ingester.Documents(ctx)
	if err != nil {
		return nil, "", err
	}
	start, _ := slices.BinarySearchFunc(docs, after, func(d IndexedDocument, id string) int { return strings.Compare(d.ID, id) })
	if after != "" && start < len(docs) && docs[start].ID == after {
		start++
	}
	docs = docs[start:]
	size := p.Size()
	if len(docs) <= size {
		return docs, "", nil
	}
	docs = docs[:size]
	return docs, flux.EncodeArticleCursor(docs[size-1].ID), nil
}

// Remove deletes one document; ENotFound when it is not indexed.
func (l *Library) Remove(ctx context.Context, id string) error {
	return l.ingester.Remove(ctx, id)
}

// Clear deletes every document and returns how many there were.
func (l *Library) Clear(ctx context.Context) (int, error) {
	return l.ingester.Clear(ctx)
}

// Retriever returns the library's retriever.
func (l *Library) Retriever() *Retriever { return l.retriever }

// Ingester returns the library's ingester.
func (l *Library) Ingester() *Ingester { return l.ingester }

// Index returns the library's vector index.
func (l *Library) Index() Index { return l.index }

// Keywords returns the library's keyword index.
func (l *Library) Keywords() KeywordIndex { return l.keywords }

// Retrieve is Search under the name package planner's Retriever uses:
// a *Library grounds a planner as it is.
func (l *Library) Retrieve(ctx context.Context, query string, k int) ([]Passage, error) {
	return l.Search(ctx, query, k)
}
