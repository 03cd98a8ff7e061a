package rag

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/fluxlife/flux"
)

// IndexedDocument is a Catalog's record of one indexed document: the
// document itself (so that it can be indexed again when the embedder or the
// chunking changes), how it was indexed, and when.
type IndexedDocument struct {
	Document
	// Embedder names the embedder and its vector length, e.g.
	// "flux-hash-v1/1024" (see EmbedderKey).
	Embedder string `json:"embedder"`
	// Chunking is the chunker's effective settings, e.g. "2000/200".
	Chunking string `json:"chunking"`
	// Chunks is the number of chunks indexed.
	Chunks    int       `json:"chunks"`
	IndexedAt time.Time `json:"indexed_at"`
}

// Catalog records which documents are indexed, with which hash and how, so
// that an ingest skips what has not changed. MemoryCatalog keeps it in
// memory; StoreCatalog keeps it in a Flux store beside the vectors. A Catalog must
// live as long as the Index and KeywordIndex it describes.
type Catalog interface {
	// Documents returns every record, ordered by document ID. It may leave
	// Content empty: a catalog need not load every document's text.
	Documents(ctx context.Context) ([]IndexedDocument, error)
	// Document returns the record of one document with its Content; an
	// unknown id is an ENotFound error.
	Document(ctx context.Context, id string) (IndexedDocument, error)
	// PutDocument adds or replaces the record of d.ID.
	PutDocument(ctx context.Context, d IndexedDocument) error
	// DeleteDocument removes the record of the document; an unknown id is
	// not an error.
	DeleteDocument(ctx context.Context, id string) error
}

// DocumentWriter is a Catalog that also keeps the chunks and vectors of its
// documents, so that a document's record, chunks and vectors are replaced in
// one transaction (StoreCatalog does this in a Flux store). When an
// Ingester's catalog is a DocumentWriter it calls WriteDocument instead of
// PutDocument, and the catalog's DeleteDocument removes the chunks too.
type DocumentWriter interface {
	Catalog
	// WriteDocument replaces the record of rec.ID, and all the chunks and
	// vectors of the document, by rec and vectors (one per chunk, in chunk
	// order).
	WriteDocument(ctx context.Context, rec IndexedDocument, vectors []Vector) error
}

// MemoryCatalog is a Catalog held in memory. Safe for concurrent use.
type MemoryCatalog struct {
	mu   sync.RWMutex
	docs map[string]IndexedDocument
}

// NewMemoryCatalog returns an empty catalog.
func NewMemoryCatalog() *MemoryCatalog {
	return &MemoryCatalog{docs: map[string]IndexedDocument{}}
}

// Documents returns the records by ID.
func (c *MemoryCatalog) Documents(ctx context.Context) ([]IndexedDocument, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]IndexedDocument, 0, len(c.docs))
	for _, d := range c.docs {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b IndexedDocument) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Document returns one record; ENotFound when there is none.
func (c *MemoryCatalog) Document(ctx context.Context, id string) (IndexedDocument, error) {
	if err := ctx.Err(); err != nil {
		return IndexedDocument{}, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.docs[id]
	if !ok {
		return IndexedDocument{}, flux.NotFound("document")
	}
	return d, nil
}

// PutDocument stores the record.
func (c *MemoryCatalog) PutDocument(ctx context.Context, d IndexedDocument) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.ID == "" {
		return flux.Invalid("invalid catalog record", flux.FieldError{Field: "id", Message: "is missing"})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.docs[d.ID] = d
	return nil
}

// DeleteDocument removes the record.
func (c *MemoryCatalog) DeleteDocument(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.docs, id)
	return nil
}

// EmbedderKey identifies an embedder's vectors: its name and vector length,
// e.g. "flux-hash-v1/1024". Vectors under different keys are not comparable.
func EmbedderKey(e Embedder) string { return e.Name() + "/" + strconv.Itoa(e.Dimensions()) }

// IngesterOptions tunes an Ingester; nil means every default.
type IngesterOptions struct {
	// Keywords, when set, receives every chunk too, for keyword search.
	Keywords KeywordIndex
	// Chunker splits the documents; the zero Chunker is DefaultChunker.
	Chunker Chunker
	// Clock stamps IndexedAt; nil means the system clock.
	Clock flux.Clock
	// EmbedBatch is the most texts passed to one Embed call; 0 means 256.
	// (An embedder may split a call further: rag/openai sends 64 texts
	// per request.)
	EmbedBatch int
}

// IngestResult says what an ingest did.
type IngestResult struct {
	// Documents is the number of documents given.
	Documents int `json:"articles"`
	// Indexed is the number of documents chunked, embedded and indexed:
	// new or changed ones, and catalogued ones that had to be indexed again
	// because the embedder or the chunking changed or the index lost them.
	Indexed int `json:"indexed"`
	// Unchanged is the number of documents skipped because their hash,
	// embedder and chunking are those already indexed.
	Unchanged int `json:"unchanged"`
	// Chunks is the number of chunks written.
	Chunks int `json:"chunks"`
	// Removed is the number of catalogued documents removed because they
	// were not given (Replace, Prune).
	Removed int `json:"removed"`
}

// Ingester chunks, embeds and indexes documents into an Index (and a
// KeywordIndex), recording each in a Catalog, and skips documents that are
// indexed already with the same hash, embedder and chunking. Ingests are
// serialised. Safe for concurrent use.
type Ingester struct {
	embedder Embedder
	index    Index
	keywords KeywordIndex
	catalog  Catalog
	chunker  Chunker
	clock    flux.Clock
	batch    int
	mu       sync.Mutex
}

// NewIngester returns an ingester. emb, idx and cat are required.
func NewIngester(emb Embedder, idx Index, cat Catalog, opts *IngesterOptions) (*Ingester, error) {
	var o IngesterOptions
	if opts != nil {
		o = *opts
	}
	var fields []flux.FieldError
	if emb == nil {
		fields = append(fields, flux.FieldError{Field: "embedder", Message: "is required"})
	}
	if idx == nil {
		fields = append(fields, flux.FieldError{Field: "index", Message: "is required"})
	}
	if cat == nil {
		fields = append(fields, flux.FieldError{Field: "catalog", Message: "is required"})
	}
	if o.EmbedBatch < 0 {
		fields = append(fields, flux.FieldError{Field: "embed_batch", Message: "must not be negative"})
	}
	var fe *flux.Error
	if err := o.Chunker.Validate(); errors.As(err, &fe) {
		fields = append(fields, fe.Fields...)
	}
	if len(fields) > 0 {
		return nil, flux.Invalid("invalid ingester settings", fields...)
	}
	if o.Clock == nil {
		o.Clock = flux.SystemClock{}
	}
	if o.EmbedBatch == 0 {
		o.EmbedBatch = 256
	}
	return &Ingester{embedder: emb, index: idx, keywords: o.Keywords, catalog: cat, chunker: o.Chunker, clock: o.Clock, batch: o.EmbedBatch}, nil
}

// Documents returns what is indexed, by document ID.
func (in *Ingester) Documents(ctx context.Context) ([]IndexedDocument, error) {
	docs, err := in.catalog.Documents(ctx)
	if err != nil {
		return nil, fmt.Errorf("rag: list indexed documents: %w", err)
	}
	return docs, nil
}

// Ingest indexes the documents that are new or changed and leaves the
// others alone. Each document is normalised (see Document.Normalize) and
// validated first; any invalid document, or two with one ID, makes the whole
// call an EInvalid error whose fields are prefixed "documents[i]." and
// nothing is indexed. Catalogued documents that are not given but were
// indexed with another embedder or chunking are indexed again from the
// catalog's copy, so that the index never mixes vectors of two embedders.
//
// Everything is embedded before anything is replaced: when the embedder
// fails, the index is as it was.
func (in *Ingester) Ingest(ctx context.Context, docs []Document) (IngestResult, error) {
	return in.ingest(ctx, docs, false)
}

// Replace is Ingest followed by the removal of every catalogued document
// that is not among docs, so that the library holds exactly docs (the
// original ingest's clear_existing). Documents are removed only after the
// given ones are embedded and indexed: when that fails, nothing is removed.
// With no documents, Replace changes nothing (as the original, which
// cleared the index only when it found an article).
func (in *Ingester) Replace(ctx context.Context, docs []Document) (IngestResult, error) {
	return in.ingest(ctx, docs, len(docs) > 0)
}

func (in *Ingester) ingest(ctx context.Context, docs []Document, prune bool) (IngestResult, error) {
	res := IngestResult{Documents: len(docs)}
	var fields []flux.FieldError
	norm := make([]Document, len(docs))
	firstByID := map[string]int{}
	for i, d := range docs {
		d = d.Normalize()
		norm[i] = d
		var fe *flux.Error
		if err := d.Validate(); errors.As(err, &fe) {
			for _, f := range fe.Fields {
				fields = append(fields, flux.FieldError{Field: fmt.Sprintf("documents[%d].%s", i, f.Field), Message: f.Message})
			}
			continue
		}
		if j, dup := firstByID[d.ID]; dup {
			fields = append(fields, flux.FieldError{Field: fmt.Sprintf("documents[%d].id", i), Message: fmt.Sprintf("%q repeats documents[%d]", d.ID, j)})
			continue
		}
		firstByID[d.ID] = i
	}
	if len(fields) > 0 {
		return res, flux.Invalid("invalid documents", fields...)
	}

	in.mu.Lock()
	defer in.mu.Unlock()

	catalogued, err := in.catalog.Documents(ctx)
	if err != nil {
		return res, fmt.Errorf("rag: read catalog: %w", err)
	}
	embKey, chunking := EmbedderKey(in.embedder), in.chunker.String()
	lost, err := in.indexLost(ctx, catalogued)
	if err != nil {
		return res, err
	}
	current := func(rec IndexedDocument) bool {
		return !lost && rec.Embedder == embKey && rec.Chunking == chunking
	}
	known := make(map[string]IndexedDocument, len(catalogued))
	for _, rec := range catalogued {
		known[rec.ID] = rec
	}

	var work []Document
	for _, d := range norm {
		if rec, ok := known[d.ID]; ok && rec.Hash == d.Hash && current(rec) {
			res.Unchanged++
			continue
		}
		work = append(work, d)
	}
	for _, rec := range catalogued {
		if _, given := firstByID[rec.ID]; given || current(rec) || prune {
			continue
		}
		full, err := in.catalog.Document(ctx, rec.ID)
		if err != nil {
			return res, fmt.Errorf("rag: read catalogued document %q: %w", rec.ID, err)
		}
		work = append(work, full.Document.Normalize())
	}
	if len(work) == 0 {
		return res, in.pruneLocked(ctx, catalogued, firstByID, prune, &res)
	}

	// Chunk and embed everything before touching the indexes.
	chunks := make([][]Chunk, len(work))
	var texts []string
	for i, d := range work {
		chunks[i] = in.chunker.Chunk(d)
		for _, c := range chunks[i] {
			texts = append(texts, c.IndexText())
		}
	}
	vectors := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += in.batch {
		part := texts[start:min(start+in.batch, len(texts))]
		vs, err := in.embedder.Embed(ctx, part)
		if err != nil {
			return res, fmt.Errorf("rag: embed chunks: %w", err)
		}
		if len(vs) != len(part) {
			return res, fmt.Errorf("rag: embed chunks: embedder returned %d vectors for %d texts", len(vs), len(part))
		}
		vectors = append(vectors, vs...)
	}

	// Remove the old versions first, so that the index never holds vectors
	// of two embedders at once.
	for _, d := range work {
		if err := in.deleteFromIndexes(ctx, d.ID); err != nil {
			return res, err
		}
	}
	next := 0
	for i, d := range work {
		vs := make([]Vector, len(chunks[i]))
		for j, c := range chunks[i] {
			vs[j] = Vector{ID: c.ID(), Values: vectors[next], Chunk: c}
			next++
		}
		if err := in.index.Upsert(ctx, vs); err != nil {
			return res, fmt.Errorf("rag: index %q: %w", d.ID, err)
		}
		if in.keywords != nil {
			if err := in.keywords.IndexChunks(ctx, chunks[i]); err != nil {
				return res, fmt.Errorf("rag: keyword-index %q: %w", d.ID, err)
			}
		}
		rec := IndexedDocument{Document: d, Embedder: embKey, Chunking: chunking, Chunks: len(chunks[i]), IndexedAt: in.clock.Now().UTC()}
		var err error
		if w, ok := in.catalog.(DocumentWriter); ok {
			err = w.WriteDocument(ctx, rec, vs)
		} else {
			err = in.catalog.PutDocument(ctx, rec)
		}
		if err != nil {
			return res, fmt.Errorf("rag: record %q: %w", d.ID, err)
		}
		res.Indexed++
		res.Chunks += len(chunks[i])
	}
	return res, in.pruneLocked(ctx, catalogued, firstByID, prune, &res)
}

// pruneLocked removes, when prune is set, the catalogued documents that are
// not in keep, counting them in res. The caller holds in.mu.
func (in *Ingester) pruneLocked(ctx context.Context, catalogued []IndexedDocument, keep map[string]int, prune bool, res *IngestResult) error {
	if !prune {
		return nil
	}
	for _, rec := range catalogued {
		if _, ok := keep[rec.ID]; ok {
			continue
		}
		if err := in.remove(ctx, rec.ID); err != nil {
			return err
		}
		res.Removed++
	}
	return nil
}

// Prune removes every catalogued document whose ID is not in keep and
// returns how many it removed.
func (in *Ingester) Prune(ctx context.Context, keep []string) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	catalogued, err := in.catalog.Documents(ctx)
	if err != nil {
		return 0, fmt.Errorf("rag: read catalog: %w", err)
	}
	set := make(map[string]int, len(keep))
	for i, id := range keep {
		set[id] = i
	}
	var res IngestResult
	err = in.pruneLocked(ctx, catalogued, set, true, &res)
	return res.Removed, err
}

// counter is what an index may offer to say how many entries it holds.
type counter interface {
	Count(ctx context.Context) (int, error)
}

// CountLagger is implemented by an Index whose Count may lag behind its
// writes: a Pinecone serverless index updates its statistics a few seconds
// after an upsert or a delete. An Ingester then takes such an index for lost
// only when it counts no vector at all while the catalog has chunks (a new,
// emptied or other index), not whenever it counts fewer than the catalog:
// a count still catching up with the previous start's writes would
// otherwise make every start embed and upload the whole library again. An
// index that lost only part of its vectors is not noticed; Replace (or
// fluxd ingest of the full library after Clear) rebuilds it.
type CountLagger interface {
	// CountLags reports whether Count may lag behind writes.
	CountLags() bool
}

// indexLost reports whether the index (or the keyword index, when it can
// count) holds fewer chunks than the catalog says were indexed: the index
// was lost or emptied behind the catalog's back, so everything is indexed
// again. An index whose count lags (CountLagger) is lost only when it
// counts nothing.
func (in *Ingester) indexLost(ctx context.Context, catalogued []IndexedDocument) (bool, error) {
	want := 0
	for _, rec := range catalogued {
		want += rec.Chunks
	}
	if want == 0 {
		return false, nil
	}
	have, err := in.index.Count(ctx)
	if err != nil {
		return false, fmt.Errorf("rag: count index: %w", err)
	}
	if cl, ok := in.index.(CountLagger); ok && cl.CountLags() {
		if have == 0 {
			return true, nil
		}
	} else if have < want {
		return true, nil
	}
	if kc, ok := in.keywords.(counter); ok {
		have, err := kc.Count(ctx)
		if err != nil {
			return false, fmt.Errorf("rag: count keyword index: %w", err)
		}
		if have < want {
			return true, nil
		}
	}
	return false, nil
}

func (in *Ingester) deleteFromIndexes(ctx context.Context, id string) error {
	if err := in.index.DeleteDocument(ctx, id); err != nil {
		return fmt.Errorf("rag: delete %q from the index: %w", id, err)
	}
	if in.keywords != nil {
		if err := in.keywords.DeleteDocument(ctx, id); err != nil {
			return fmt.Errorf("rag: delete %q from the keyword index: %w", id, err)
		}
	}
	return nil
}

// Remove deletes a document from the indexes and the catalog. An id the
// catalog does not know is an ENotFound error.
func (in *Ingester) Remove(ctx context.Context, id string) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if _, err := in.catalog.Document(ctx, id); err != nil {
		if flux.IsCode(err, flux.ENotFound) {
			return flux.NotFound("document")
		}
		return fmt.Errorf("rag: read catalog: %w", err)
	}
	return in.remove(ctx, id)
}

func (in *Ingester) remove(ctx context.Context, id string) error {
	if err := in.deleteFromIndexes(ctx, id); err != nil {
		return err
	}
	if err := in.catalog.DeleteDocument(ctx, id); err != nil {
		return fmt.Errorf("rag: forget %q: %w", id, err)
	}
	return nil
}

// Clear removes every catalogued document (the original ingest's
// clear_existing) and returns how many there were.
func (in *Ingester) Clear(ctx context.Context) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	docs, err := in.catalog.Documents(ctx)
	if err != nil {
		return 0, fmt.Errorf("rag: read catalog: %w", err)
	}
	for i, d := range docs {
		if err := in.remove(ctx, d.ID); err != nil {
			return i, err
		}
	}
	return len(docs), nil
}
