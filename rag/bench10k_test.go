package rag

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sentenceRE finds the sentences of an article.
var sentenceRE = regexp.MustCompile(`[^.!?\n]+[.!?]`)

// syntheticCorpus returns documents made of the bundled articles' sentences,
// drawn by a fixed-seed generator, whose chunks under DefaultChunker number
// exactly n (ten per document, fewer in the last). The same n gives the
// same corpus on every run.
func syntheticCorpus(tb testing.TB, n int) []Document {
	tb.Helper()
	bundled, err := Articles()
	if err != nil {
		tb.Fatal(err)
	}
	var sentences []string
	for _, d := range bundled {
		for _, s := range sentenceRE.FindAllString(d.Content, -1) {
			if s = strings.TrimSpace(s); len(s) >= 20 {
				sentences = append(sentences, s)
			}
		}
	}
	rng := rand.New(rand.NewPCG(2026, 5))
	var out []Document
	total := 0
	for i := 0; total < n; i++ {
		want := min(10, n-total)
		src := bundled[i%len(bundled)]
		d := Document{ID: fmt.Sprintf("synthetic-%05d", i), Title: fmt.Sprintf("%s, part %d", src.Title, i),
			Source: src.Source, Category: src.Category, Authority: src.Authority}
		var parts []string
		content := func() string {
			var b strings.Builder
			for j, p := range parts {
				switch {
				case j == 0:
				case j%6 == 0:
					b.WriteString("\n\n") // a paragraph every six sentences
				default:
					b.WriteByte(' ')
				}
				b.WriteString(p)
			}
			return b.String()
		}
		size := 0
		for size < want*(DefaultChunkSize-DefaultChunkOverlap)-DefaultChunkSize/2 {
			s := sentences[rng.IntN(len(sentences))]
			parts = append(parts, s)
			size += len(s) + 1
		}
		count := func() int { d.Content = content(); return len(DefaultChunker.Chunk(d.Normalize())) }
		got := count()
		for range 200 {
			if got == want {
				break
			}
			if got < want {
				parts = append(parts, sentences[rng.IntN(len(sentences))])
			} else {
				parts = parts[:len(parts)-1]
			}
			got = count()
		}
		if got != want {
			tb.Fatalf("synthetic document %d has %d chunks, want %d", i, got, want)
		}
		out = append(out, d.Normalize())
		total += got
	}
	return out
}

// BenchmarkIngestThroughput measures ingest throughput with the offline
// embedder: chunking, embedding and indexing a synthetic corpus of 1,000
// chunks into a new library, in memory and in a new SQLite store (one
// transaction per document). It reports chunks per second. The baseline
// sub-benchmark runs the memory case on the code before the term scanner and
// the matrix and posting-list indexes (baseline_test.go).
func BenchmarkIngestThroughput(b *testing.B) {
	docs := syntheticCorpus(b, 1000)
	ctx := context.Background()
	memory := func(newLib func(testing.TB) *Library) func(b *testing.B) {
		return func(b *testing.B) {
			chunks := 0
			done := reportCPU(b)
			for b.Loop() {
				res, err := newLib(b).Ingest(ctx, docs)
				if err != nil {
					b.Fatal(err)
				}
				chunks += res.Chunks
			}
			done()
			b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
		}
	}
	b.Run("baseline", memory(newBaselineLibrary))
	b.Run("memory", memory(newMemoryLibrary))
	b.Run("sqlite", func(b *testing.B) {
		dir := b.TempDir()
		chunks, n := 0, 0
		for b.Loop() {
			b.StopTimer()
			n++
			st := openSQLite(b, filepath.Join(dir, fmt.Sprintf("flux-%d.db", n)))
			lib, err := NewStoreLibrary(st.Articles(), NewHashEmbedder(0), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			res, err := lib.Ingest(ctx, docs)
			if err != nil {
				b.Fatal(err)
			}
			chunks += res.Chunks
			b.StopTimer()
			st.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
	})
}

// newMemoryLibrary returns an empty library on the memory indexes and the
// offline embedder.
func newMemoryLibrary(tb testing.TB) *Library {
	lib, err := NewLibrary(NewHashEmbedder(0), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return lib
}

// newBaselineLibrary is newMemoryLibrary on the code kept in
// baseline_test.go: the chunker, the embedder, the exact index and the BM25
// index as they were before the matrix and the posting lists. (The ingester
// is today's, which without the hashing embedder and the memory keyword
// index runs as it did.)
func newBaselineLibrary(tb testing.TB) *Library {
	emb := newBaselineHashEmbedder(0)
	lib, err := NewLibrary(emb, &LibraryOptions{
		Index: newBaselineMemoryIndex(), Keywords: newBaselineKeywordIndex(),
		Retrieval: RetrieverOptions{Threshold: DefaultThreshold(NewHashEmbedder(0))},
	})
	if err != nil {
		tb.Fatal(err)
	}
	lib.ingester.chunkFunc = func(d Document) []Chunk { return baselineChunk(DefaultChunker, d) }
	return lib
}

// benchQueries ingests docs (n chunks) into lib and measures one hybrid
// query per iteration, cycling through the labelled questions.
func benchQueries(b *testing.B, lib *Library, docs []Document, n int) {
	ctx := context.Background()
	qs := loadQuestions(b)
	res, err := lib.Ingest(ctx, docs)
	if err != nil {
		b.Fatal(err)
	}
	if res.Chunks != n {
		b.Fatalf("%d chunks indexed, want %d", res.Chunks, n)
	}
	b.ReportAllocs()
	done := reportCPU(b)
	i := 0
	for b.Loop() {
		if _, err := lib.Search(ctx, qs[i%len(qs)].Question, DefaultTopK); err != nil {
			b.Fatal(err)
		}
		i++
	}
	done()
}

// BenchmarkQuery10k measures the latency of one hybrid query (vector and
// keyword search fused, the threshold, top 5) over a library of 10,000
// chunks, on the memory indexes (exact cosine search and BM25), on the same
// before the matrix and posting lists (baseline), and on the SQLite store
// (the vectors searched in memory, the keywords by FTS5). The queries cycle
// through the labelled questions.
func BenchmarkQuery10k(b *testing.B) {
	const n = 10_000
	docs := syntheticCorpus(b, n)
	run := func(b *testing.B, lib *Library) { benchQueries(b, lib, docs, n) }
	b.Run("baseline", func(b *testing.B) { run(b, newBaselineLibrary(b)) })
	b.Run("memory", func(b *testing.B) { run(b, newMemoryLibrary(b)) })
	b.Run("sqlite", func(b *testing.B) {
		st := openSQLite(b, filepath.Join(b.TempDir(), "flux.db"))
		lib, err := NewStoreLibrary(st.Articles(), NewHashEmbedder(0), nil)
		if err != nil {
			b.Fatal(err)
		}
		run(b, lib)
	})
}

// BenchmarkQuery100k is BenchmarkQuery10k's memory and baseline cases over
// 100,000 chunks. Building the corpus and the two libraries takes minutes;
// run it alone: go test -run '^$' -bench Query100k ./rag/
func BenchmarkQuery100k(b *testing.B) {
	const n = 100_000
	docs := syntheticCorpus(b, n)
	b.Run("baseline", func(b *testing.B) { benchQueries(b, newBaselineLibrary(b), docs, n) })
	b.Run("memory", func(b *testing.B) { benchQueries(b, newMemoryLibrary(b), docs, n) })
}

// TestSyntheticCorpus checks that the benchmarks' corpus is deterministic
// and has the chunk count asked for.
func TestSyntheticCorpus(t *testing.T) {
	t.Parallel()
	a, b := syntheticCorpus(t, 95), syntheticCorpus(t, 95)
	if len(a) != 10 || len(b) != len(a) {
		t.Fatalf("%d and %d documents, want 10", len(a), len(b))
	}
	chunks := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("document %d differs between two runs", i)
		}
		if err := a[i].Validate(); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		chunks += len(DefaultChunker.Chunk(a[i]))
	}
	if chunks != 95 {
		t.Errorf("%d chunks, want 95", chunks)
	}
}
