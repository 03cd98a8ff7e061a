package rag

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

// The tests of this file check that the term scanner, the hashing embedder
// and the memory indexes give what the code they replaced gives (kept in
// baseline_test.go for the benchmarks).

func TestTermsMatchBaseline(t *testing.T) {
	t.Parallel()
	texts := []string{
		"", "a", "I", "7", "x 1 22 ab", "Don't stop: it's the RUNNER’s week's plan’", "rock 'n' roll 'quoted' o'",
		"Café NAÏVE über Straße ÉTÉ İstanbul ǅemal", "e\u0301te\u0301 and \u0301x", "日本語のテキスト。次の文！", "½ ² ٣ 12km 5k",
		"invalid \xff\xfe bytes\xc3 and\xe2\x80 end", "studies studying studied ponies caresses", "’tis 'tis x’y",
		"The Emergency-Fund: 3–6 months (of expenses)!", "tab\tnew\nline\r\nCRLF",
	}
	for _, d := range syntheticCorpus(t, 200) {
		texts = append(texts, d.Content, d.Title)
	}
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		texts = append(texts, d.Content)
	}
	var buf []byte
	var dst []string
	for _, text := range texts {
		want := baselineTerms(text)
		if diff := cmp.Diff(want, Terms(text)); diff != "" {
			t.Fatalf("Terms(%.60q) (-baseline +new):\n%s", text, diff)
		}
		dst = appendTerms(dst[:0], text, &buf)
		if len(want) == 0 && len(dst) == 0 {
			continue
		}
		if diff := cmp.Diff(want, dst); diff != "" {
			t.Fatalf("appendTerms(%.60q) with scratch (-baseline +new):\n%s", text, diff)
		}
	}
}

func TestHashEmbedderMatchesBaseline(t *testing.T) {
	t.Parallel()
	var texts []string
	for _, d := range syntheticCorpus(t, 100) {
		for _, c := range DefaultChunker.Chunk(d) {
			texts = append(texts, c.IndexText())
		}
	}
	texts = append(texts, "", "the and of", "running running running", "budget")
	ctx := context.Background()
	for _, dims := range []int{0, 7, 1536} {
		want, err := newBaselineHashEmbedder(dims).Embed(ctx, texts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := NewHashEmbedder(dims).Embed(ctx, texts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			for d := range want[i] {
				// The old embedder summed colliding features in map
				// order, so its last bits varied from run to run.
				if math.Abs(float64(want[i][d]-got[i][d])) > 1e-6 {
					t.Fatalf("dims %d, text %d, dimension %d: %v, baseline %v", dims, i, d, got[i][d], want[i][d])
				}
			}
		}
	}
}

// TestRetrievalMatchesBaseline ingests the same corpus into a library on the
// memory indexes and one on the baseline code, replaces part of it (so that
// removals and slot reuse are exercised), and checks that every labelled
// question gets the same passages in each mode, with and without a filter,
// and that the indexes answer the same top 50.
func TestRetrievalMatchesBaseline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	docs := syntheticCorpus(t, 1200)
	bundled, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, bundled...)
	newLib, oldLib := newMemoryLibrary(t), newBaselineLibrary(t)
	for _, lib := range []*Library{newLib, oldLib} {
		if _, err := lib.Ingest(ctx, docs); err != nil {
			t.Fatal(err)
		}
		// Drop two documents in three (the keyword index then compacts
		// its posting lists), change a few, add them back.
		var kept []Document
		for i, d := range docs {
			switch {
			case i%3 != 1:
				continue
			case i%7 == 0:
				d.Content += "\n\nA changed paragraph about sleep and running shoes."
				d = d.Normalize()
			}
			kept = append(kept, d)
		}
		if _, err := lib.Replace(ctx, kept); err != nil {
			t.Fatal(err)
		}
		if _, err := lib.Ingest(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	for _, kind := range []string{"index", "keywords"} {
		n1, _ := newLib.Index().Count(ctx)
		n2, _ := oldLib.Index().Count(ctx)
		if kind == "keywords" {
			n1, _ = newLib.Keywords().(*MemoryKeywordIndex).Count(ctx)
			n2, _ = oldLib.Keywords().(*baselineKeywordIndex).Count(ctx)
		}
		if n1 != n2 {
			t.Fatalf("%s counts %d, baseline %d", kind, n1, n2)
		}
	}
	filters := []Filter{{}, {Categories: []string{"fitness", "career"}}, {DocumentIDs: []string{docs[1].ID, docs[5].ID, bundled[0].ID}}}
	emb := NewHashEmbedder(0)
	for _, q := range loadQuestions(t) {
		for _, f := range filters {
			for _, mode := range []Mode{Hybrid, VectorOnly, KeywordOnly} {
				ropts := &RetrieverOptions{Mode: mode, Filter: f, Threshold: DefaultThreshold(emb)}
				rn, err := NewRetriever(emb, newLib.Index(), newLib.Keywords(), ropts)
				if err != nil {
					t.Fatal(err)
				}
				ro, err := NewRetriever(newBaselineHashEmbedder(0), oldLib.Index(), oldLib.Keywords(), ropts)
				if err != nil {
					t.Fatal(err)
				}
				got, err := rn.Search(ctx, q.Question, 10)
				if err != nil {
					t.Fatal(err)
				}
				want, err := ro.Search(ctx, q.Question, 10)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s search %q, filter %+v (-baseline +new):\n%s", mode, q.Question, f, diff)
				}
			}
			vecs, _ := emb.Embed(ctx, []string{q.Question})
			got, err := newLib.Index().Query(ctx, vecs[0], 50, f)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := oldLib.Index().Query(ctx, vecs[0], 50, f)
			if diff := cmp.Diff(matchKeys(want), matchKeys(got)); diff != "" {
				t.Errorf("index query %q, filter %+v (-baseline +new):\n%s", q.Question, f, diff)
			}
			got, err = newLib.Keywords().Search(ctx, q.Question, 50, f)
			if err != nil {
				t.Fatal(err)
			}
			want, _ = oldLib.Keywords().Search(ctx, q.Question, 50, f)
			if diff := cmp.Diff(matchKeys(want), matchKeys(got)); diff != "" {
				t.Errorf("keyword search %q, filter %+v (-baseline +new):\n%s", q.Question, f, diff)
			}
		}
	}
}

type matchKey struct {
	ID    string
	Score float32
	Chunk Chunk
}

// matchKeys keeps the scores to float32 precision: the hashing embedder's
// vectors may differ from the baseline's in the last bit.
func matchKeys(ms []Match) []matchKey {
	out := make([]matchKey, len(ms))
	for i, m := range ms {
		out[i] = matchKey{m.ID, float32(m.Score), m.Chunk}
	}
	return out
}

func TestStopWordTable(t *testing.T) {
	t.Parallel()
	for w := range stopWords {
		if !isStopWord(w) {
			t.Errorf("isStopWord(%q) = false", w)
		}
	}
	for _, w := range []string{"", "b", "abouts", "th", "thee", "yourselves2", "Über", "running", "x", "zz", "yourselvez"} {
		if _, want := stopWords[w]; isStopWord(w) != want {
			t.Errorf("isStopWord(%q) = %v", w, !want)
		}
	}
}

func TestSplitMatchesBaseline(t *testing.T) {
	t.Parallel()
	texts := []string{
		"", "short", strings.Repeat("word ", 900), strings.Repeat("x", 5000),
		strings.Repeat("Sentence one. \"Quoted!\" (Aside.) Next? ", 120),
		strings.Repeat("# Heading\n\nParagraph text here.\nA line.\n\n", 90),
		strings.Repeat("Café naïve — “quoted.” ’Tis… 日本語の文。次！ e\u0301 👍🏽 ", 80),
		strings.Repeat("bad \xff bytes \xc3 here. ", 300),
		strings.Repeat("crlf\r\nline\rend.  ", 300),
	}
	for _, d := range syntheticCorpus(t, 300) {
		texts = append(texts, d.Content)
	}
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		texts = append(texts, d.Content)
	}
	for _, c := range []Chunker{DefaultChunker, {Size: 300, Overlap: 40}, {Size: 120, Overlap: -1}, {Size: 50}} {
		for _, text := range texts {
			if diff := cmp.Diff(baselineSplit(c, text), c.Split(text)); diff != "" {
				t.Fatalf("%v Split(%.60q) (-baseline +new):\n%s", c, text, diff)
			}
		}
	}
}

func TestSumHashIsTheArticleHash(t *testing.T) {
	t.Parallel()
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, Document{}, Document{Title: "Ünïcode", Content: "x\n\ny"})
	for _, d := range docs {
		sum := sha256.Sum256([]byte(FormatArticle(d)))
		if want := hex.EncodeToString(sum[:]); d.SumHash() != want {
			t.Errorf("%q: SumHash %s, want %s", d.ID, d.SumHash(), want)
		}
	}
}

func TestCleanBodyFastPath(t *testing.T) {
	t.Parallel()
	slow := func(s string) string {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
		}
		return strings.Trim(strings.Join(lines, "\n"), "\n")
	}
	texts := []string{"", "\n", "a", "a\n", "\na", "a \nb", "a\u00a0\nb", "a\n\n\nb", "a\r\nb\r", "x\t", "  lead\ntrail  ", "a\xff\nb", "é\u2003"}
	for _, d := range syntheticCorpus(t, 50) {
		texts = append(texts, d.Content, d.Content+" \n", "\n"+d.Content)
	}
	for _, s := range texts {
		if got, want := cleanBody(s), slow(s); got != want {
			t.Errorf("cleanBody(%.40q) = %.40q, want %.40q", s, got, want)
		}
	}
}
