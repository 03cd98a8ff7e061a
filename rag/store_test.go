package rag

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/fluxlife/flux/store/sqlite"
)

// openSQLite opens the SQLite store at path; the test closes it.
func openSQLite(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// storeKinds opens a fresh store of each kind: SQLite always, PostgreSQL
// when a test server answers (pgtest skips otherwise).
var storeKinds = []struct {
	name string
	open func(t *testing.T) flux.Store
}{
	{"sqlite", func(t *testing.T) flux.Store { return openSQLite(t, filepath.Join(t.TempDir(), "flux.db")) }},
	{"postgres", func(t *testing.T) flux.Store { return pgtest.Open(t, nil) }},
}

func TestStoreLibrarySurvivesARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flux.db")
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	const q = "how do I start running?"

	st := openSQLite(t, path)
	emb := &countingEmbedder{Embedder: NewHashEmbedder(0)}
	lib, err := NewStoreLibrary(st.Articles(), emb, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := lib.Ingest(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := st.Articles().CountChunks(ctx)
	if res.Indexed != len(docs) || res.Chunks != n || n < len(docs) {
		t.Fatalf("first ingest = %+v with %d chunks stored", res, n)
	}
	before, err := lib.Search(ctx, q, 5)
	if err != nil || len(before) == 0 || before[0].DocumentID != "starting-to-run" {
		t.Fatalf("search before the restart = %v, %v", before, err)
	}
	st.Close()

	// A second start on the same file: nothing is embedded again, and the
	// vectors come back from the store.
	st = openSQLite(t, path)
	emb = &countingEmbedder{Embedder: NewHashEmbedder(0)}
	lib, err = NewStoreLibrary(st.Articles(), emb, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err = lib.Ingest(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(IngestResult{Documents: len(docs), Unchanged: len(docs)}, res); diff != "" {
		t.Errorf("second start (-want +got):\n%s", diff)
	}
	if emb.texts.Load() != 0 {
		t.Errorf("the second start embedded %d texts", emb.texts.Load())
	}
	after, err := lib.Search(ctx, q, 5)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("search after the restart differs (-before +after):\n%s", diff)
	}
	if emb.texts.Load() != 1 {
		t.Errorf("a search embedded %d texts, want the query alone", emb.texts.Load())
	}
}

func TestStoreLibrary(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := kind.open(t)
			lib, err := NewStoreLibrary(st.Articles(), NewHashEmbedder(64), &LibraryOptions{Chunker: Chunker{Size: 100}})
			if err != nil {
				t.Fatal(err)
			}
			docs := []Document{
				testDoc("a", "Running builds endurance. "+sentences(4)),
				testDoc("b", "A budget tracks every expense."),
				testDoc("c", "Sleep seven hours every night."),
			}
			res, err := lib.Ingest(ctx, docs)
			if err != nil || res.Indexed != 3 {
				t.Fatalf("ingest = %+v, %v", res, err)
			}

			// Both halves of hybrid search answer from the store.
			ps, err := lib.Search(ctx, "budget expense", 3)
			if err != nil || len(ps) == 0 || ps[0].DocumentID != "b" || ps[0].Title != "Title b" || ps[0].Source != "Source b" {
				t.Fatalf("search = %+v, %v", ps, err)
			}
			kw, err := lib.Keywords().Search(ctx, "endurance", 5, Filter{})
			if err != nil || len(kw) != 1 || kw[0].Chunk.DocumentID != "a" || kw[0].Chunk.Index != 0 || kw[0].ID != "a_0" || kw[0].Chunk.Category != "general" {
				t.Errorf("keyword search = %+v, %v", kw, err)
			}
			kw, err = lib.Keywords().Search(ctx, "endurance budget sleep", 5, Filter{DocumentIDs: []string{"b", "c"}, Categories: []string{"general"}, Authorities: []string{"tests"}})
			if err != nil || len(kw) != 2 {
				t.Errorf("filtered keyword search = %+v, %v", kw, err)
			}

			// The catalog reads without content, Document with it.
			recs, err := lib.Documents(ctx)
			if err != nil || len(recs) != 3 || recs[0].Content != "" || recs[0].Embedder != "flux-hash-v1/64" || recs[0].Chunking != "100/10" || recs[0].Chunks < 2 {
				t.Fatalf("documents = %+v, %v", recs, err)
			}
			full, err := lib.Ingester().catalog.Document(ctx, "a")
			if err != nil || full.Content != docs[0].Normalize().Content || full.Hash != docs[0].Normalize().Hash {
				t.Errorf("Document(a) = %+v, %v", full, err)
			}
			if _, err := lib.Ingester().catalog.Document(ctx, "zzz"); !flux.IsCode(err, flux.ENotFound) {
				t.Errorf("Document of an unknown id: %v", err)
			}

			// Pages of documents.
			page, next, err := lib.DocumentPage(ctx, flux.Page{Limit: 2})
			if err != nil || len(page) != 2 || page[0].ID != "a" || page[1].ID != "b" || next == "" {
				t.Fatalf("first page = %v, %q, %v", page, next, err)
			}
			page, next, err = lib.DocumentPage(ctx, flux.Page{Limit: 2, Cursor: next})
			if err != nil || len(page) != 1 || page[0].ID != "c" || next != "" {
				t.Errorf("second page = %v, %q, %v", page, next, err)
			}
			if _, _, err := lib.DocumentPage(ctx, flux.Page{Cursor: "bogus"}); !flux.IsCode(err, flux.EInvalid) {
				t.Errorf("bad cursor: %v", err)
			}

			// Remove deletes the article, its chunks and its vectors.
			if err := lib.Remove(ctx, "b"); err != nil {
				t.Fatal(err)
			}
			if err := lib.Remove(ctx, "b"); !flux.IsCode(err, flux.ENotFound) {
				t.Errorf("second Remove = %v", err)
			}
			if ps, _ := lib.Search(ctx, "budget expense", 3); slices.ContainsFunc(ps, func(p Passage) bool { return p.DocumentID == "b" }) {
				t.Errorf("a removed document is still found: %v", ps)
			}
			v, _ := lib.Index().Count(ctx)
			k, _ := st.Articles().CountChunks(ctx)
			if v != k || v == 0 {
				t.Errorf("%d vectors in memory, %d chunks stored", v, k)
			}

			// Replace keeps what is given, removes the rest.
			res, err = lib.Replace(ctx, []Document{docs[0], testDoc("d", "Learn Spanish words daily.")})
			if err != nil || res.Indexed != 1 || res.Unchanged != 1 || res.Removed != 1 {
				t.Fatalf("replace = %+v, %v", res, err)
			}
			recs, _ = lib.Documents(ctx)
			if ids := docIDs(recs); !slices.Equal(ids, []string{"a", "d"}) {
				t.Errorf("after replace: %v", ids)
			}
			// Replace with nothing changes nothing.
			if res, err := lib.Replace(ctx, nil); err != nil || res.Removed != 0 {
				t.Errorf("empty replace = %+v, %v", res, err)
			}
			if n, err := lib.Clear(ctx); err != nil || n != 2 {
				t.Errorf("clear = %d, %v", n, err)
			}
			if n, _ := st.Articles().CountChunks(ctx); n != 0 {
				t.Errorf("%d chunks left after Clear", n)
			}
		})
	}
}

func docIDs(recs []IndexedDocument) []string {
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestStoreLibraryEmbedderChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openSQLite(t, filepath.Join(t.TempDir(), "flux.db"))
	old, err := NewStoreLibrary(st.Articles(), NewHashEmbedder(32), nil)
	if err != nil {
		t.Fatal(err)
	}
	uploaded := testDoc("uploaded", "An article an administrator uploaded about marathons.")
	if _, err := old.Ingest(ctx, []Document{testDoc("a", "alpha text"), uploaded}); err != nil {
		t.Fatal(err)
	}
	// A new embedder: the uploaded document, not given, is re-embedded from
	// the content the store kept.
	next, err := NewStoreLibrary(st.Articles(), NewHashEmbedder(48), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := next.Ingest(ctx, []Document{testDoc("a", "alpha text")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(IngestResult{Documents: 1, Indexed: 2, Chunks: 2}, res); diff != "" {
		t.Errorf("ingest (-want +got):\n%s", diff)
	}
	ps, err := next.Search(ctx, "marathons", 3)
	if err != nil || len(ps) == 0 || ps[0].DocumentID != "uploaded" {
		t.Errorf("search after the embedder change = %v, %v", ps, err)
	}
	var keys []string
	if err := st.Articles().ScanVectors(ctx, "flux-hash-v1/48", func(c flux.ArticleChunk) error {
		keys = append(keys, c.ID)
		return nil
	}); err != nil || len(keys) != 2 {
		t.Errorf("vectors under the new key: %v, %v", keys, err)
	}
}

func TestStoreIndexReload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flux.db")
	st := openSQLite(t, path)
	emb := NewHashEmbedder(32)
	// The reader's clock stands still: it never refreshes by itself.
	reader, err := NewStoreLibrary(st.Articles(), emb, &LibraryOptions{Clock: testClock})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := reader.Index().Count(ctx); n != 0 {
		t.Fatalf("empty store: %d vectors", n)
	}
	// Another process writes to the same database.
	writer, err := NewStoreLibrary(openSQLite(t, path).Articles(), emb, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Ingest(ctx, []Document{testDoc("a", "alpha"), testDoc("b", "beta")}); err != nil {
		t.Fatal(err)
	}
	if n, _ := reader.Index().Count(ctx); n != 0 {
		t.Errorf("before Reload the reader sees %d vectors", n)
	}
	// Keyword search reads the store directly.
	if ms, _ := reader.Keywords().Search(ctx, "beta", 5, Filter{}); len(ms) != 1 {
		t.Errorf("keyword search of the reader = %v", ms)
	}
	if err := reader.Index().(*StoreIndex).Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := reader.Index().Count(ctx); n != 2 {
		t.Errorf("after Reload the reader sees %d vectors, want 2", n)
	}
}

// TestStoreIndexRefresh: a library sees what another process writes to its
// store (ingests, replacements, deletions) at its first search once the
// refresh interval has passed, on both stores, and not before.
func TestStoreIndexRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flux.db")
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var a, b flux.ArticleStore
			if name == "sqlite" {
				a, b = openSQLite(t, path).Articles(), openSQLite(t, path).Articles()
			} else {
				// Two stores on one schema, as two fluxd on one database.
				url, schema := pgtest.URL(t), pgtest.Schema()
				t.Cleanup(func() { pgtest.DropSchema(t, url, schema) })
				for _, st := range []*flux.ArticleStore{&a, &b} {
					p, err := postgres.Open(ctx, url, &postgres.Options{Schema: schema})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { p.Close() })
					*st = p.Articles()
				}
			}
			emb := NewHashEmbedder(32)
			clock := fluxtest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
			reader, err := NewStoreLibrary(a, emb, &LibraryOptions{Clock: clock, RefreshInterval: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			writer, err := NewStoreLibrary(b, emb, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids := func() []string {
				t.Helper()
				ps, err := reader.Retriever().SearchFilter(ctx, "alpha beta gamma", 10, Filter{})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, p := range ps {
					if !slices.Contains(out, p.DocumentID) {
						out = append(out, p.DocumentID)
					}
				}
				slices.Sort(out)
				return out
			}
			count := func() int {
				t.Helper()
				n, err := reader.Index().Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := count(); n != 0 {
				t.Fatalf("empty store: %d vectors", n)
			}
			if _, err := writer.Ingest(ctx, []Document{testDoc("a", "alpha"), testDoc("b", "beta")}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(999 * time.Millisecond)
			if n := count(); n != 0 {
				t.Errorf("before the interval the reader sees %d vectors, want its loaded 0", n)
			}
			clock.Advance(time.Millisecond)
			if n := count(); n != 2 {
				t.Errorf("after the interval the reader sees %d vectors, want 2", n)
			}
			// A deletion and a replacement by the writer.
			if err := writer.Remove(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			if _, err := writer.Ingest(ctx, []Document{testDoc("b", "gamma gamma")}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
			if n := count(); n != 1 {
				t.Errorf("after a deletion the reader sees %d vectors, want 1", n)
			}
			if got := ids(); !slices.Equal(got, []string{"b"}) {
				t.Errorf("reader's search finds %v, want [b]", got)
			}
			// Nothing changed: no reload (the same MemoryIndex stays).
			before, _ := reader.Index().(*StoreIndex).memory(ctx, false)
			clock.Advance(time.Hour)
			count()
			if after, _ := reader.Index().(*StoreIndex).memory(ctx, false); after != before {
				t.Error("the reader reloaded its vectors though the store did not change")
			}
		})
	}
}

func TestStoreCatalogPutDocument(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openSQLite(t, filepath.Join(t.TempDir(), "flux.db"))
	c := NewStoreCatalog(st.Articles())
	rec := IndexedDocument{Document: testDoc("a", "body").Normalize(), Embedder: "e/1", Chunking: "10/1", Chunks: 5}
	if err := c.PutDocument(ctx, rec); err != nil {
		t.Fatal(err)
	}
	got, err := c.Document(ctx, "a")
	if err != nil || got.Chunks != 0 || got.Content != "body" || got.Embedder != "e/1" || got.IndexedAt.IsZero() {
		t.Errorf("Document = %+v, %v", got, err)
	}
	if err := c.DeleteDocument(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteDocument(ctx, "a"); err != nil {
		t.Errorf("deleting an unknown document: %v", err)
	}
	if err := c.PutDocument(ctx, IndexedDocument{Document: Document{ID: "Bad ID"}}); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("invalid record: %v", err)
	}
}

func TestNewStoreLibraryInvalid(t *testing.T) {
	t.Parallel()
	if _, err := NewStoreLibrary(nil, NewHashEmbedder(0), nil); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("nil store: %v", err)
	}
	st := openSQLite(t, filepath.Join(t.TempDir(), "flux.db"))
	if _, err := NewStoreLibrary(st.Articles(), nil, nil); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("nil embedder: %v", err)
	}
}

// TestRetrievalQualityStore measures the offline retriever kept in each
// store, whose keyword half is the store's full-text search (SQLite FTS5,
// PostgreSQL ts_rank_cd), against the labelled questions, and fails when
// hybrid retrieval finds the answering article in its top 5 for fewer than
// 80% of them.
func TestRetrievalQualityStore(t *testing.T) {
	t.Parallel()
	qs := loadQuestions(t)
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			st := kind.open(t)
			lib, err := NewStoreLibrary(st.Articles(), NewHashEmbedder(0), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := lib.Ingest(context.Background(), docs); err != nil {
				t.Fatal(err)
			}
			const k = DefaultTopK
			results := map[Mode]quality{}
			for _, mode := range []Mode{VectorOnly, KeywordOnly, Hybrid} {
				q := measure(t, lib, mode, 0, qs, k)
				results[mode] = q
				t.Logf("%s store, %-7s hit@%d = %.3f  MRR = %.3f  (%d questions)", kind.name, mode, k, q.HitAtK, q.MRR, len(qs))
				for _, m := range q.Misses {
					t.Logf("  %s miss: %s", mode, m)
				}
			}
			if h := results[Hybrid].HitAtK; h < 0.8 {
				t.Errorf("hybrid hit@%d on the %s store = %.3f, want at least 0.8", k, kind.name, h)
			}
		})
	}
}
