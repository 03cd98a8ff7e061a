package rag

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkIngestLibrary measures a first start: chunking, embedding with
// the offline embedder and indexing the whole bundled library.
func BenchmarkIngestLibrary(b *testing.B) {
	docs, err := Articles()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		lib, err := NewLibrary(NewHashEmbedder(0), nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := lib.Ingest(ctx, docs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIngestLibraryUnchanged measures a later start: every article is
// already indexed with the same hash.
func BenchmarkIngestLibraryUnchanged(b *testing.B) {
	lib := newBundledLibrary(b)
	docs, _ := Articles()
	ctx := context.Background()
	for b.Loop() {
		if _, err := lib.Ingest(ctx, docs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch measures one hybrid query on the bundled library.
func BenchmarkSearch(b *testing.B) {
	lib := newBundledLibrary(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := lib.Search(ctx, "how do I start running without getting injured?", 5); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStoreIngestLibrary measures fluxd's first start on the embedded
// store: the bundled library chunked, embedded offline and written to a
// fresh SQLite file, one transaction per article.
func BenchmarkStoreIngestLibrary(b *testing.B) {
	docs, err := Articles()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dir := b.TempDir()
	n := 0
	for b.Loop() {
		n++
		st := openSQLite(b, filepath.Join(dir, fmt.Sprintf("flux-%d.db", n)))
		lib, err := NewStoreLibrary(st.Articles(), NewHashEmbedder(0), nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := lib.Ingest(ctx, docs); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
}

// BenchmarkStoreSearch measures one hybrid query on the bundled library kept
// in SQLite: the vector half in memory, the keyword half FTS5.
func BenchmarkStoreSearch(b *testing.B) {
	docs, _ := Articles()
	ctx := context.Background()
	st := openSQLite(b, filepath.Join(b.TempDir(), "flux.db"))
	lib, err := NewStoreLibrary(st.Articles(), NewHashEmbedder(0), nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := lib.Ingest(ctx, docs); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := lib.Search(ctx, "how do I start running without getting injured?", 5); err != nil {
			b.Fatal(err)
		}
	}
}
