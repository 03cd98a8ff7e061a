package rag

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux"
)

// countingEmbedder wraps an embedder, counting the texts it embeds and
// failing when fail is set.
type countingEmbedder struct {
	Embedder
	texts atomic.Int64
	fail  atomic.Bool
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if c.fail.Load() {
		return nil, &flux.Error{Code: flux.EUnavailable, Message: "embedding service down"}
	}
	c.texts.Add(int64(len(texts)))
	return c.Embedder.Embed(ctx, texts)
}

func testDoc(id, body string) Document {
	return Document{ID: id, Title: "Title " + id, Source: "Source " + id, Category: "general", Authority: "tests", Content: body}
}

type testRig struct {
	emb      *countingEmbedder
	index    *MemoryIndex
	keywords *MemoryKeywordIndex
	catalog  *MemoryCatalog
	in       *Ingester
}

var testClock = flux.ClockFunc(func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) })

func newRig(t *testing.T, emb Embedder, chunker Chunker) *testRig {
	t.Helper()
	r := &testRig{emb: &countingEmbedder{Embedder: emb}, index: NewMemoryIndex(), keywords: NewMemoryKeywordIndex(), catalog: NewMemoryCatalog()}
	in, err := NewIngester(r.emb, r.index, r.catalog, &IngesterOptions{Keywords: r.keywords, Chunker: chunker, Clock: testClock, EmbedBatch: 3})
	if err != nil {
		t.Fatal(err)
	}
	r.in = in
	return r
}

func (r *testRig) counts(t *testing.T) (vectors, keywords int) {
	t.Helper()
	v, _ := r.index.Count(context.Background())
	k, _ := r.keywords.Count(context.Background())
	return v, k
}

func TestIngesterSkipsUnchanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, NewHashEmbedder(64), Chunker{Size: 100})
	docs := []Document{testDoc("a", sentences(6)), testDoc("b", "short body about budgets"), testDoc("c", sentences(3))}

	res, err := r.in.Ingest(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	v, k := r.counts(t)
	if res.Documents != 3 || res.Indexed != 3 || res.Unchanged != 0 || res.Chunks != v || v != k || v < 5 {
		t.Fatalf("first ingest = %+v, %d vectors, %d keyword chunks", res, v, k)
	}
	if int(r.emb.texts.Load()) != v {
		t.Errorf("embedded %d texts for %d chunks", r.emb.texts.Load(), v)
	}
	recs, _ := r.in.Documents(ctx)
	if len(recs) != 3 || recs[0].ID != "a" || recs[0].Embedder != "flux-hash-v1/64" || recs[0].Chunking != "100/10" ||
		!recs[0].IndexedAt.Equal(testClock.Now()) || recs[0].Hash != docs[0].Normalize().Hash || recs[1].Chunks != 1 {
		t.Errorf("catalog = %+v", recs)
	}

	// Same documents again: nothing is embedded.
	before := r.emb.texts.Load()
	res, err = r.in.Ingest(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(IngestResult{Documents: 3, Unchanged: 3}, res); diff != "" {
		t.Errorf("second ingest (-want +got):\n%s", diff)
	}
	if r.emb.texts.Load() != before {
		t.Errorf("unchanged documents were embedded again")
	}

	// One document changes (and shrinks): only it is re-indexed, and its
	// old chunks are gone.
	docs[0].Content = "now a single short chunk"
	res, err = r.in.Ingest(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(IngestResult{Documents: 3, Indexed: 1, Unchanged: 2, Chunks: 1}, res); diff != "" {
		t.Errorf("changed ingest (-want +got):\n%s", diff)
	}
	if r.emb.texts.Load() != before+1 {
		t.Errorf("embedded %d texts, want 1", r.emb.texts.Load()-before)
	}
	ms, _ := r.index.Query(ctx, make64(1), 100, Filter{DocumentIDs: []string{"a"}})
	if len(ms) != 1 {
		t.Errorf("document a has %d vectors after shrinking, want 1", len(ms))
	}
	if v2, k2 := r.counts(t); v2 != k2 {
		t.Errorf("%d vectors but %d keyword chunks", v2, k2)
	}

	// A header change counts as a change too.
	docs[1].Title = "A new title"
	if res, _ := r.in.Ingest(ctx, docs); res.Indexed != 1 {
		t.Errorf("title change re-indexed %d documents, want 1", res.Indexed)
	}
}

// make64 returns a 64-dimensional query vector.
func make64(x float32) []float32 {
	v := make([]float32, 64)
	v[0] = x
	return v
}

func TestIngesterEmbedderChangeReindexesEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	index, keywords, catalog := NewMemoryIndex(), NewMemoryKeywordIndex(), NewMemoryCatalog()
	old, _ := NewIngester(NewHashEmbedder(32), index, catalog, &IngesterOptions{Keywords: keywords})
	if _, err := old.Ingest(ctx, []Document{testDoc("a", "alpha text"), testDoc("uploaded", "an article an admin uploaded")}); err != nil {
		t.Fatal(err)
	}
	// A new embedder with another vector length; only "a" is given, yet the
	// uploaded document is re-embedded from the catalog's copy, so the
	// index never mixes lengths.
	next, _ := NewIngester(NewHashEmbedder(48), index, catalog, &IngesterOptions{Keywords: keywords})
	res, err := next.Ingest(ctx, []Document{testDoc("a", "alpha text")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(IngestResult{Documents: 1, Indexed: 2, Chunks: 2}, res); diff != "" {
		t.Errorf("ingest (-want +got):\n%s", diff)
	}
	if index.Dimensions() != 48 {
		t.Errorf("index has %d dimensions, want 48", index.Dimensions())
	}
	recs, _ := catalog.Documents(ctx)
	for _, rec := range recs {
		if rec.Embedder != "flux-hash-v1/48" {
			t.Errorf("%s recorded with %s", rec.ID, rec.Embedder)
		}
	}
}

func TestIngesterReindexesALostIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	catalog := NewMemoryCatalog()
	first, _ := NewIngester(NewHashEmbedder(16), NewMemoryIndex(), catalog, nil)
	docs := []Document{testDoc("a", "alpha"), testDoc("b", "beta")}
	first.Ingest(ctx, docs)
	// A fresh in-memory index with the old catalog, as after a restart
	// where only the catalog was persisted.
	index := NewMemoryIndex()
	second, _ := NewIngester(NewHashEmbedder(16), index, catalog, nil)
	res, err := second.Ingest(ctx, docs)
	if err != nil || res.Indexed != 2 {
		t.Fatalf("ingest = %+v, %v; want both re-indexed", res, err)
	}
	if n, _ := index.Count(ctx); n != 2 {
		t.Errorf("index holds %d vectors", n)
	}
}

// laggingIndex is a MemoryIndex whose Count reports a fixed number, as a
// Pinecone serverless index whose statistics have not caught up yet.
type laggingIndex struct {
	*MemoryIndex
	count int
}

func (l *laggingIndex) Count(context.Context) (int, error) { return l.count, nil }
func (l *laggingIndex) CountLags() bool                    { return true }

func TestIngesterToleratesALaggingCount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	catalog := NewMemoryCatalog()
	idx := &laggingIndex{MemoryIndex: NewMemoryIndex()}
	first, _ := NewIngester(NewHashEmbedder(16), idx, catalog, nil)
	docs := []Document{testDoc("a", "alpha"), testDoc("b", "beta"), testDoc("c", "gamma")}
	if res, err := first.Ingest(ctx, docs); err != nil || res.Indexed != 3 {
		t.Fatalf("first ingest = %+v, %v", res, err)
	}
	for _, tc := range []struct {
		count       int
		wantIndexed int
	}{
		{1, 0}, // behind the catalog's 3 chunks: lagging, not lost
		{3, 0},
		{0, 3}, // nothing at all: a new or emptied index
	} {
		idx.count = tc.count
		emb := &countingEmbedder{Embedder: NewHashEmbedder(16)}
		in, _ := NewIngester(emb, idx, catalog, nil)
		res, err := in.Ingest(ctx, docs)
		if err != nil || res.Indexed != tc.wantIndexed || int(emb.texts.Load()) != tc.wantIndexed {
			t.Errorf("Count %d: ingest = %+v, %v, %d texts embedded; want %d indexed", tc.count, res, err, emb.texts.Load(), tc.wantIndexed)
		}
	}
}

func TestIngesterEmbedFailureLeavesIndexAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, NewHashEmbedder(16), Chunker{})
	docs := []Document{testDoc("a", "alpha"), testDoc("b", "beta")}
	if _, err := r.in.Ingest(ctx, docs); err != nil {
		t.Fatal(err)
	}
	before, _ := r.catalog.Documents(ctx)
	r.emb.fail.Store(true)
	docs[0].Content = "changed alpha"
	docs = append(docs, testDoc("c", "gamma"))
	_, err := r.in.Ingest(ctx, docs)
	if !flux.IsCode(err, flux.EUnavailable) {
		t.Fatalf("err = %v, want EUnavailable", err)
	}
	after, _ := r.catalog.Documents(ctx)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("catalog changed (-before +after):\n%s", diff)
	}
	if v, k := r.counts(t); v != 2 || k != 2 {
		t.Errorf("index changed: %d vectors, %d keyword chunks", v, k)
	}
	ms, _ := r.keywords.Search(ctx, "alpha", 5, Filter{})
	if len(ms) != 1 || ms[0].Chunk.Text != "alpha" {
		t.Errorf("old version of a is gone: %v", ms)
	}
}

func TestIngesterInvalidDocuments(t *testing.T) {
	t.Parallel()
	r := newRig(t, NewHashEmbedder(16), Chunker{})
	docs := []Document{
		testDoc("ok", "fine"),
		{Title: "", Source: "s", Category: "c", Authority: "a", Content: "x"},
		testDoc("ok", "same id"),
		{ID: "x", Title: "t", Source: "s", Category: "c", Authority: "a", Content: "  "},
	}
	_, err := r.in.Ingest(context.Background(), docs)
	want := []string{"documents[1].id", "documents[1].title", "documents[2].id", "documents[3].content"}
	if diff := cmp.Diff(want, fieldsOf(t, err)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if v, _ := r.counts(t); v != 0 {
		t.Errorf("invalid ingest indexed %d vectors", v)
	}
	// A document without an id takes the slug of its title.
	res, err := r.in.Ingest(context.Background(), []Document{{Title: "Sleep Well!", Source: "s", Category: "c", Authority: "a", Content: "x"}})
	if err != nil || res.Indexed != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	recs, _ := r.in.Documents(context.Background())
	if len(recs) != 1 || recs[0].ID != "sleep-well" {
		t.Errorf("catalog = %+v", recs)
	}
}

func TestIngesterRemoveAndClear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, NewHashEmbedder(16), Chunker{})
	r.in.Ingest(ctx, []Document{testDoc("a", "alpha"), testDoc("b", "beta"), testDoc("c", "gamma")})
	if err := r.in.Remove(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := r.in.Remove(ctx, "b"); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("second Remove = %v, want ENotFound", err)
	}
	if v, k := r.counts(t); v != 2 || k != 2 {
		t.Errorf("after Remove: %d vectors, %d keyword chunks", v, k)
	}
	n, err := r.in.Clear(ctx)
	if err != nil || n != 2 {
		t.Errorf("Clear = %d, %v", n, err)
	}
	recs, _ := r.in.Documents(ctx)
	if v, k := r.counts(t); v != 0 || k != 0 || len(recs) != 0 {
		t.Errorf("after Clear: %d vectors, %d keyword chunks, %d records", v, k, len(recs))
	}
}

func TestNewIngesterInvalid(t *testing.T) {
	t.Parallel()
	_, err := NewIngester(nil, nil, nil, &IngesterOptions{EmbedBatch: -1, Chunker: Chunker{Size: 100, Overlap: 60}})
	if diff := cmp.Diff([]string{"embedder", "index", "catalog", "embed_batch", "chunk_overlap"}, fieldsOf(t, err)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

// failingCatalog fails every call.
type failingCatalog struct{}

func (failingCatalog) Documents(context.Context) ([]IndexedDocument, error) {
	return nil, errors.New("catalog offline")
}
func (failingCatalog) Document(context.Context, string) (IndexedDocument, error) {
	return IndexedDocument{}, errors.New("catalog offline")
}
func (failingCatalog) PutDocument(context.Context, IndexedDocument) error { return errors.New("no") }
func (failingCatalog) DeleteDocument(context.Context, string) error       { return errors.New("no") }

func TestIngesterCatalogErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in, _ := NewIngester(NewHashEmbedder(8), NewMemoryIndex(), failingCatalog{}, nil)
	for name, call := range map[string]func() error{
		"Ingest":    func() error { _, err := in.Ingest(ctx, []Document{testDoc("a", "x")}); return err },
		"Remove":    func() error { return in.Remove(ctx, "a") },
		"Clear":     func() error { _, err := in.Clear(ctx); return err },
		"Documents": func() error { _, err := in.Documents(ctx); return err },
	} {
		if err := call(); err == nil || !strings.Contains(err.Error(), "catalog offline") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestMemoryCatalog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := NewMemoryCatalog()
	for _, id := range []string{"b", "a", "c"} {
		if err := c.PutDocument(ctx, IndexedDocument{Document: testDoc(id, "x"), Chunks: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.PutDocument(ctx, IndexedDocument{}); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("record without id: %v", err)
	}
	c.DeleteDocument(ctx, "c")
	c.DeleteDocument(ctx, "zzz")
	recs, _ := c.Documents(ctx)
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"a", "b"}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

func TestIngesterBundledLibraryTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, NewHashEmbedder(0), Chunker{})
	res, err := r.in.Ingest(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Indexed != len(docs) || res.Chunks < len(docs)*2 {
		t.Errorf("first start: %+v", res)
	}
	res, err = r.in.Ingest(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(IngestResult{Documents: len(docs), Unchanged: len(docs)}, res); diff != "" {
		t.Errorf("second start (-want +got):\n%s", diff)
	}
}

func TestIngesterReplaceAndPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, NewHashEmbedder(16), Chunker{})
	if _, err := r.in.Ingest(ctx, []Document{testDoc("a", "alpha"), testDoc("b", "beta"), testDoc("c", "gamma")}); err != nil {
		t.Fatal(err)
	}
	next := []Document{testDoc("a", "alpha, changed"), testDoc("d", "delta")}

	// When embedding fails nothing is removed.
	r.emb.fail.Store(true)
	if _, err := r.in.Replace(ctx, next); !flux.IsCode(err, flux.EUnavailable) {
		t.Fatalf("Replace with a failing embedder = %v", err)
	}
	recs, _ := r.in.Documents(ctx)
	if diff := cmp.Diff([]string{"a", "b", "c"}, docIDs(recs)); diff != "" {
		t.Errorf("after a failed Replace (-want +got):\n%s", diff)
	}
	r.emb.fail.Store(false)

	res, err := r.in.Replace(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(IngestResult{Documents: 2, Indexed: 2, Chunks: 2, Removed: 2}, res); diff != "" {
		t.Errorf("Replace (-want +got):\n%s", diff)
	}
	recs, _ = r.in.Documents(ctx)
	if diff := cmp.Diff([]string{"a", "d"}, docIDs(recs)); diff != "" {
		t.Errorf("after Replace (-want +got):\n%s", diff)
	}
	if v, k := r.counts(t); v != 2 || k != 2 {
		t.Errorf("after Replace: %d vectors, %d keyword chunks", v, k)
	}
	// Unchanged documents given again: nothing to do, nothing removed.
	if res, err := r.in.Replace(ctx, next); err != nil || res != (IngestResult{Documents: 2, Unchanged: 2}) {
		t.Errorf("second Replace = %+v, %v", res, err)
	}

	n, err := r.in.Prune(ctx, []string{"d", "unknown"})
	if err != nil || n != 1 {
		t.Errorf("Prune = %d, %v", n, err)
	}
	rec, err := r.catalog.Document(ctx, "d")
	if err != nil || rec.Content != "delta" {
		t.Errorf("Document(d) = %+v, %v", rec, err)
	}
	if _, err := r.catalog.Document(ctx, "a"); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("Document of a pruned document: %v", err)
	}
}
