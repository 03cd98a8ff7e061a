package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// article returns an article and its chunks: one chunk per text, each with
// a 4-dimensional vector that differs by chunk. The store fills in the
// chunks' ids and the article's fields.
func article(id, title, category string, texts ...string) (flux.Article, []flux.ArticleChunk) {
	a := flux.Article{
		ID: id, Title: title, Source: "https://example.org/" + id, Category: category, Authority: "Tests authority",
		Content: strings.Join(texts, "\n\n"), Hash: "hash-" + id, EmbedderKey: "test-embedder/4", Chunking: "2000/200",
	}
	chunks := make([]flux.ArticleChunk, len(texts))
	for i, t := range texts {
		chunks[i] = flux.ArticleChunk{Index: i, Text: t, Vector: []float32{float32(i) + 0.5, -1.25, float32(len(t)), 1e-7}}
	}
	return a, chunks
}

// storedChunks returns chunks as the store reads them back: ids and the
// article's fields filled in.
func storedChunks(a flux.Article, chunks []flux.ArticleChunk, withVectors bool) []flux.ArticleChunk {
	out := make([]flux.ArticleChunk, len(chunks))
	for i, c := range chunks {
		c.ID, c.ArticleID = flux.ChunkID(a.ID, i), a.ID
		c.Category, c.Title, c.Source, c.Authority = a.Category, a.Title, a.Source, a.Authority
		if !withVectors {
			c.Vector = nil
		}
		out[i] = c
	}
	return out
}

// putArticle stores an article and returns it as stored.
func (e *env) putArticle(a flux.Article, chunks []flux.ArticleChunk) flux.Article {
	e.t.Helper()
	must(e.t, e.s.Articles().PutArticle(e.ctx, &a, chunks), "PutArticle "+a.ID)
	return a
}

// scanAll returns every chunk ScanVectors streams for key.
func scanAll(t testing.TB, ctx context.Context, s flux.ArticleStore, key string) []flux.ArticleChunk {
	t.Helper()
	var out []flux.ArticleChunk
	must(t, s.ScanVectors(ctx, key, func(c flux.ArticleChunk) error { out = append(out, c); return nil }), "ScanVectors")
	return out
}

// searchIDs returns the chunk ids SearchChunks finds, in order.
func searchIDs(t testing.TB, ctx context.Context, s flux.ArticleStore, q string, k int, f flux.ChunkFilter) []string {
	t.Helper()
	ms, err := s.SearchChunks(ctx, q, k, f)
	must(t, err, fmt.Sprintf("SearchChunks(%q)", q))
	ids := []string{}
	for _, m := range ms {
		ids = append(ids, m.Chunk.ID)
	}
	return ids
}

// searchCorpus stores a small library for the search cases and returns it.
func searchCorpus(e *env) map[string]flux.Article {
	e.t.Helper()
	out := map[string]flux.Article{}
	for _, x := range []struct {
		id, title, category, authority string
		texts                          []string
	}{
		{"starting-to-run", "Starting to Run", "running", "NHS", []string{
			"Begin with run-walk intervals three times a week. Running too far too soon causes injuries.",
			"Good shoes matter less than a slow pace. Rest days let the body adapt.",
		}},
		{"budgeting", "Budgeting and Saving", "money", "Consumer bureau", []string{
			"Keep an emergency fund of three months of expenses before investing.",
			"Track every expense for a month, then set a budget by category.",
		}},
		{"sleep", "Sleep Basics", "wellbeing", "CDC", []string{
			"Adults need seven or more hours of sleep. Keep a regular schedule, even on weekends.",
		}},
		{"marathon", "Marathon Training", "running", "Coaches association", []string{
			"Long runs build endurance for a marathon; increase the weekly distance by about ten percent.",
		}},
	} {
		a, cs := article(x.id, x.title, x.category, x.texts...)
		a.Authority = x.authority
		out[x.id] = e.putArticle(a, cs)
	}
	return out
}

// testArticles specifies flux.ArticleStore.
func testArticles(t *testing.T, open Opener) {
	subtest(t, open, "PutAndGet", func(t *testing.T, e *env) {
		a, chunks := article("starting-to-run", "Starting to Run", "running", "First text.", "Second text.", "Third text.")
		a.Chunks, a.IndexedAt = 99, tm("2020-01-01T00:00:00Z") // set by the store
		must(t, e.s.Articles().PutArticle(e.ctx, &a, chunks), "PutArticle")
		want := a
		want.Chunks, want.IndexedAt = 3, e.clock.stored()
		wantEqual(t, "PutArticle writes the stored article back", want, a)
		wantEqual(t, "GetArticle", want, *mustGet[*flux.Article](t, "GetArticle")(e.s.Articles().GetArticle(e.ctx, a.ID)))
		if n := mustGet[int](t, "CountChunks")(e.s.Articles().CountChunks(e.ctx)); n != 3 {
			t.Errorf("CountChunks = %d, want 3", n)
		}
		wantEqual(t, "ScanVectors", storedChunks(a, chunks, true), scanAll(t, e.ctx, e.s.Articles(), a.EmbedderKey))

		_, err := e.s.Articles().GetArticle(e.ctx, "unknown-article")
		wantNotFound(t, err, "GetArticle of an unknown id")
		for _, bad := range []string{"", "Upper", "with space", "a/b", "../etc", "-lead", strings.Repeat("x", flux.MaxArticleIDLength+1), "nul\x00"} {
			_, err := e.s.Articles().GetArticle(e.ctx, bad)
			wantNotFound(t, err, fmt.Sprintf("GetArticle(%q)", bad))
		}

		// An article without chunks, and one without vectors (a hosted
		// index keeps them), are fine.
		empty, _ := article("empty", "Empty", "general")
		e.putArticle(empty, nil)
		novec, cs := article("no-vectors", "No Vectors", "general", "text only")
		cs[0].Vector = nil
		e.putArticle(novec, cs)
		if n := mustGet[int](t, "CountChunks")(e.s.Articles().CountChunks(e.ctx)); n != 4 {
			t.Errorf("CountChunks = %d, want 4", n)
		}
		if got := scanAll(t, e.ctx, e.s.Articles(), a.EmbedderKey); len(got) != 3 {
			t.Errorf("ScanVectors streamed %d chunks, want the 3 with vectors", len(got))
		}
	})

	subtest(t, open, "Version", func(t *testing.T, e *env) {
		version := func(what string) int64 {
			t.Helper()
			return mustGet[int64](t, "ArticlesVersion "+what)(e.s.Articles().ArticlesVersion(e.ctx))
		}
		v := version("of an empty library")
		a, chunks := article("versioned", "Versioned", "general", "Some text.")
		e.putArticle(a, chunks)
		after := func(what string) {
			t.Helper()
			if nv := version("after " + what); nv <= v {
				t.Errorf("ArticlesVersion after %s = %d, want more than %d", what, nv, v)
			} else {
				v = nv
			}
		}
		after("PutArticle")
		e.putArticle(a, chunks)
		after("PutArticle of the same article again")
		must(t, e.s.Articles().DeleteArticle(e.ctx, a.ID), "DeleteArticle")
		after("DeleteArticle")

		// What changes nothing leaves the version alone: a refused put, a
		// delete of an unknown article, a rolled-back transaction, reads.
		bad := a
		bad.Title = ""
		wantInvalidFields(t, e.s.Articles().PutArticle(e.ctx, &bad, chunks), "PutArticle without a title", "title")
		wantNotFound(t, e.s.Articles().DeleteArticle(e.ctx, "unknown-article"), "DeleteArticle of an unknown id")
		boom := errors.New("roll back")
		if err := e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			b := a
			if err := tx.Articles().PutArticle(ctx, &b, chunks); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Errorf("Atomic = %v, want the function's error", err)
		}
		_, _, _ = e.s.Articles().ListArticles(e.ctx, flux.Page{})
		if nv := version("after nothing changed"); nv != v {
			t.Errorf("ArticlesVersion after no change = %d, want %d", nv, v)
		}
	})

	subtest(t, open, "Replace", func(t *testing.T, e *env) {
		a, chunks := article("sleep", "Sleep Basics", "wellbeing", "Old first chunk about pillows.", "Old second chunk about mattresses.")
		e.putArticle(a, chunks)
		other, ochunks := article("other", "Other", "general", "Pillows elsewhere.")
		other = e.putArticle(other, ochunks)

		e.clock.Advance(time.Hour)
		b, bchunks := article("sleep", "Sleep, Revised", "wellbeing", "A single new chunk about naps.")
		b.EmbedderKey, b.Hash, b.Content = "other-embedder/4", "hash-2", "revised content"
		b = e.putArticle(b, bchunks)
		if !b.IndexedAt.Equal(e.clock.stored()) || b.Chunks != 1 {
			t.Errorf("replaced article: IndexedAt %s, Chunks %d; want %s, 1", b.IndexedAt, b.Chunks, e.clock.stored())
		}
		wantEqual(t, "GetArticle after a replace", b, *mustGet[*flux.Article](t, "GetArticle")(e.s.Articles().GetArticle(e.ctx, "sleep")))
		if n := mustGet[int](t, "CountChunks")(e.s.Articles().CountChunks(e.ctx)); n != 2 {
			t.Errorf("CountChunks after replacing 2 chunks by 1 = %d, want 2", n)
		}
		wantEqual(t, "ScanVectors of the old embedder", storedChunks(other, ochunks, true), scanAll(t, e.ctx, e.s.Articles(), a.EmbedderKey))
		wantEqual(t, "ScanVectors of the new embedder", storedChunks(b, bchunks, true), scanAll(t, e.ctx, e.s.Articles(), b.EmbedderKey))
		// The full-text index follows: old words are gone, the new title is
		// searchable.
		wantIDs(t, "search for a word of the old version", []string{"other_0"}, searchIDs(t, e.ctx, e.s.Articles(), "pillows mattresses", 10, flux.ChunkFilter{}))
		wantIDs(t, "search for the new title", []string{"sleep_0"}, searchIDs(t, e.ctx, e.s.Articles(), "revised", 10, flux.ChunkFilter{}))
		ms, err := e.s.Articles().SearchChunks(e.ctx, "naps", 10, flux.ChunkFilter{})
		must(t, err, "SearchChunks")
		if len(ms) != 1 || ms[0].Chunk.Title != "Sleep, Revised" {
			t.Errorf("search after a replace = %+v, want the new chunk with the new title", ms)
		}
	})

	subtest(t, open, "PutRefused", func(t *testing.T, e *env) {
		a, chunks := article("Bad ID", "", "general", "one", "two", "three")
		a.Source = "bad \x00 source"
		chunks[1].Index = 5
		chunks[2].Vector = []float32{1, 2}
		wantInvalid(t, e.s.Articles().PutArticle(e.ctx, &a, chunks), flux.ValidateArticle(&a, chunks), "PutArticle of an invalid article")
		wantInvalidFields(t, e.s.Articles().PutArticle(e.ctx, &a, chunks), "PutArticle of an invalid article",
			"id", "title", "source", "chunks[1].index", "chunks[2].vector")

		b, bchunks := article("nan", "NaN", "general", "x", "y")
		bchunks[1].Vector[0] = float32(math.NaN())
		wantInvalidFields(t, e.s.Articles().PutArticle(e.ctx, &b, bchunks), "PutArticle with a NaN", "chunks[1].vector")
		c, cchunks := article("inf", "Inf", "general", "x")
		cchunks[0].Vector[2] = float32(math.Inf(-1))
		cchunks = append(cchunks, flux.ArticleChunk{Index: 1, Text: "bad \xff utf-8", Vector: []float32{1, 2, 3, 4}})
		wantInvalidFields(t, e.s.Articles().PutArticle(e.ctx, &c, cchunks), "PutArticle with infinity and bad UTF-8", "chunks[0].vector", "chunks[1].text")
		for _, id := range []string{"nan", "inf"} {
			_, err := e.s.Articles().GetArticle(e.ctx, id)
			wantNotFound(t, err, "GetArticle of a refused article")
		}
		if n := mustGet[int](t, "CountChunks")(e.s.Articles().CountChunks(e.ctx)); n != 0 {
			t.Errorf("refused articles left %d chunks", n)
		}

		// A refused replace leaves the old version whole.
		good, gchunks := article("good", "Good", "general", "kept text")
		good = e.putArticle(good, gchunks)
		bad, badChunks := article("good", "", "general", "lost")
		wantInvalidFields(t, e.s.Articles().PutArticle(e.ctx, &bad, badChunks), "PutArticle replacing with an invalid article", "title")
		wantEqual(t, "the article after a refused replace", good, *mustGet[*flux.Article](t, "GetArticle")(e.s.Articles().GetArticle(e.ctx, "good")))
		wantIDs(t, "search after a refused replace", []string{"good_0"}, searchIDs(t, e.ctx, e.s.Articles(), "kept", 5, flux.ChunkFilter{}))
	})

	subtest(t, open, "List", func(t *testing.T, e *env) {
		// Byte order: digits, upper-case never (ids are lower-case), then
		// '_' (0x5f) before letters, then non-ASCII letters.
		ids := []string{"zeta", "alpha", "alpha-2", "alpha_2", "01-first", "été", "ß-article", "学习", "b"}
		var want []flux.Article
		for i, id := range ids {
			e.clock.Advance(time.Duration(i) * time.Second)
			a, cs := article(id, "Title "+id, "general", "text of "+id)
			a = e.putArticle(a, cs)
			a.Content = ""
			want = append(want, a)
		}
		slices.SortFunc(want, func(a, b flux.Article) int { return strings.Compare(a.ID, b.ID) })
		list := func(p flux.Page) ([]flux.Article, string, error) { return e.s.Articles().ListArticles(e.ctx, p) }
		wantList(t, "ListArticles", want, list, 1, 2, 4, 0, 200)

		// Keyset: an article added before the cursor does not show up, one
		// after it does.
		first, next, err := list(flux.Page{Limit: 3})
		must(t, err, "ListArticles first page")
		early, cs := article("0-early", "Early", "general", "x")
		e.putArticle(early, cs)
		late, cs := article("zzz-late", "Late", "general", "x")
		late = e.putArticle(late, cs)
		late.Content = ""
		rest := walk(t, "ListArticles after the cursor", 3, func(p flux.Page) ([]flux.Article, string, error) {
			if p.Cursor == "" {
				p.Cursor = next
			}
			return list(p)
		})
		want = append(want, late)
		slices.SortFunc(want, func(a, b flux.Article) int { return strings.Compare(a.ID, b.ID) })
		wantIDs(t, "ListArticles while articles are added", idsOf(want), idsOf(append(first, rest...)))

		wantBadCursors(t, "ListArticles", list)
		_, _, err = list(flux.Page{Cursor: flux.EncodeCursor(flux.Cursor{Time: tm("2026-01-01T00:00:00Z"), ID: flux.NewID()})})
		wantCode(t, err, flux.EInvalid, "ListArticles with another list's cursor")
	})

	subtest(t, open, "Delete", func(t *testing.T, e *env) {
		a, cs := article("budgeting", "Budgeting", "money", "Emergency fund first.", "Then a budget.")
		e.putArticle(a, cs)
		b, bcs := article("sleep", "Sleep", "wellbeing", "Sleep seven hours.")
		b = e.putArticle(b, bcs)
		must(t, e.s.Articles().DeleteArticle(e.ctx, "budgeting"), "DeleteArticle")
		_, err := e.s.Articles().GetArticle(e.ctx, "budgeting")
		wantNotFound(t, err, "GetArticle after DeleteArticle")
		wantNotFound(t, e.s.Articles().DeleteArticle(e.ctx, "budgeting"), "DeleteArticle twice")
		for _, bad := range []string{"", "Bad", "a/b", "nul\x00"} {
			wantNotFound(t, e.s.Articles().DeleteArticle(e.ctx, bad), fmt.Sprintf("DeleteArticle(%q)", bad))
		}
		if n := mustGet[int](t, "CountChunks")(e.s.Articles().CountChunks(e.ctx)); n != 1 {
			t.Errorf("CountChunks after DeleteArticle = %d, want 1", n)
		}
		wantIDs(t, "search after DeleteArticle", []string{}, searchIDs(t, e.ctx, e.s.Articles(), "emergency budget", 10, flux.ChunkFilter{}))
		wantEqual(t, "ScanVectors after DeleteArticle", storedChunks(b, bcs, true), scanAll(t, e.ctx, e.s.Articles(), b.EmbedderKey))
		// The id can be used again.
		e.putArticle(a, cs)
		wantIDs(t, "search after putting the article again", []string{"budgeting_0"}, searchIDs(t, e.ctx, e.s.Articles(), "emergency", 10, flux.ChunkFilter{}))
	})

	subtest(t, open, "ScanVectors", func(t *testing.T, e *env) {
		// Vectors come back bit for bit, every float32 included.
		v := []float32{0, float32(math.Copysign(0, -1)), 1, -1, math.MaxFloat32, math.SmallestNonzeroFloat32, 1.0 / 3, -123456.789}
		a, cs := article("b-article", "B", "general", "one", "two")
		cs[0].Vector, cs[1].Vector = v, slices.Clone(v)
		a = e.putArticle(a, cs)
		first, fcs := article("a-article", "A", "general", "zero")
		fcs[0].Vector = slices.Clone(v)
		first = e.putArticle(first, fcs)
		got := scanAll(t, e.ctx, e.s.Articles(), a.EmbedderKey)
		want := append(storedChunks(first, fcs, true), storedChunks(a, cs, true)...)
		wantIDs(t, "ScanVectors order", idsOf(want), idsOf(got))
		for i := range got {
			for j := range v {
				if math.Float32bits(got[i].Vector[j]) != math.Float32bits(v[j]) {
					t.Errorf("ScanVectors: chunk %s value %d = %v, want %v bit for bit", got[i].ID, j, got[i].Vector[j], v[j])
				}
			}
		}
		if got := scanAll(t, e.ctx, e.s.Articles(), "unknown/1"); len(got) != 0 {
			t.Errorf("ScanVectors of an unknown key streamed %d chunks", len(got))
		}
		// fn's error stops the scan and comes back.
		calls := 0
		err := e.s.Articles().ScanVectors(e.ctx, a.EmbedderKey, func(flux.ArticleChunk) error { calls++; return errSentinel })
		if !errors.Is(err, errSentinel) || calls != 1 {
			t.Errorf("ScanVectors with a failing fn: %v after %d calls, want fn's error after 1", err, calls)
		}
	})

	subtest(t, open, "Search", func(t *testing.T, e *env) {
		lib := searchCorpus(e)
		s := e.s.Articles()
		ms, err := s.SearchChunks(e.ctx, "running injuries", 10, flux.ChunkFilter{})
		must(t, err, "SearchChunks")
		if len(ms) == 0 || ms[0].Chunk.ID != "starting-to-run_0" {
			t.Fatalf("search for \"running injuries\" = %v, want starting-to-run_0 first", ms)
		}
		want := storedChunks(lib["starting-to-run"], []flux.ArticleChunk{{Index: 0, Text: "Begin with run-walk intervals three times a week. Running too far too soon causes injuries."}}, false)[0]
		wantEqual(t, "a match's chunk", want, ms[0].Chunk)
		for i, m := range ms {
			if m.Score <= 0 || m.Chunk.Vector != nil {
				t.Errorf("match %d: score %v (want > 0), vector %v (want none)", i, m.Score, m.Chunk.Vector)
			}
			if i > 0 && m.Score > ms[i-1].Score {
				t.Errorf("match %d scores %v, more than the one before it (%v)", i, m.Score, ms[i-1].Score)
			}
		}
		// Stemming: "runs" and "running" meet "run"; the title counts.
		for _, q := range []string{"runs", "RUNNING", "run"} {
			got := searchIDs(t, e.ctx, s, q, 10, flux.ChunkFilter{})
			if !slices.Contains(got, "starting-to-run_0") || !slices.Contains(got, "starting-to-run_1") || !slices.Contains(got, "marathon_0") {
				t.Errorf("search for %q = %v, want both chunks of starting-to-run (its title) and marathon_0", q, got)
			}
		}
		// Any word suffices.
		got := searchIDs(t, e.ctx, s, "emergency fund marathon", 10, flux.ChunkFilter{})
		slices.Sort(got)
		wantIDs(t, "search for words of two articles", []string{"budgeting_0", "marathon_0"}, got)
		if got := searchIDs(t, e.ctx, s, "emergency fund before investing", 10, flux.ChunkFilter{}); len(got) == 0 || got[0] != "budgeting_0" {
			t.Errorf("search for an emergency fund question = %v, want budgeting_0 first", got)
		}
		got = searchIDs(t, e.ctx, s, "hours of sleep on weekends", 10, flux.ChunkFilter{})
		if len(got) == 0 || got[0] != "sleep_0" {
			t.Errorf("search for a sleep question = %v, want sleep_0 first", got)
		}
		// k bounds the results.
		if got := searchIDs(t, e.ctx, s, "run", 1, flux.ChunkFilter{}); len(got) != 1 {
			t.Errorf("search with k 1 = %v", got)
		}
		for _, k := range []int{0, -1} {
			if got := searchIDs(t, e.ctx, s, "run", k, flux.ChunkFilter{}); len(got) != 0 {
				t.Errorf("search with k %d = %v, want nothing", k, got)
			}
		}
		if got := searchIDs(t, e.ctx, s, "unrelatedword", 10, flux.ChunkFilter{}); len(got) != 0 {
			t.Errorf("search for an unknown word = %v", got)
		}
	})

	subtest(t, open, "SearchFilters", func(t *testing.T, e *env) {
		searchCorpus(e)
		s := e.s.Articles()
		for _, tc := range []struct {
			name string
			f    flux.ChunkFilter
			want []string
		}{
			{"no filter", flux.ChunkFilter{}, []string{"budgeting_0", "budgeting_1", "marathon_0", "sleep_0", "starting-to-run_0", "starting-to-run_1"}},
			{"empty lists", flux.ChunkFilter{Categories: []string{}, Authorities: []string{}, ArticleIDs: []string{}}, []string{"budgeting_0", "budgeting_1", "marathon_0", "sleep_0", "starting-to-run_0", "starting-to-run_1"}},
			{"category", flux.ChunkFilter{Categories: []string{"running"}}, []string{"marathon_0", "starting-to-run_0", "starting-to-run_1"}},
			{"two categories", flux.ChunkFilter{Categories: []string{"money", "wellbeing"}}, []string{"budgeting_0", "budgeting_1", "sleep_0"}},
			{"authority", flux.ChunkFilter{Authorities: []string{"CDC", "NHS"}}, []string{"sleep_0", "starting-to-run_0", "starting-to-run_1"}},
			{"article", flux.ChunkFilter{ArticleIDs: []string{"budgeting"}}, []string{"budgeting_0", "budgeting_1"}},
			{"all three", flux.ChunkFilter{Categories: []string{"running"}, Authorities: []string{"NHS", "CDC"}, ArticleIDs: []string{"starting-to-run", "marathon"}}, []string{"starting-to-run_0", "starting-to-run_1"}},
			{"unknown category", flux.ChunkFilter{Categories: []string{"nope"}}, []string{}},
			{"unstorable values", flux.ChunkFilter{Categories: []string{"nul\x00", "bad \xff"}}, []string{}},
			{"unstorable beside a good value", flux.ChunkFilter{Categories: []string{"nul\x00", "money"}}, []string{"budgeting_0", "budgeting_1"}},
		} {
			// A query every chunk matches (each has one of the words).
			got := searchIDs(t, e.ctx, s, "run week fund expense sleep marathon shoes budget", 50, tc.f)
			slices.Sort(got)
			wantIDs(t, "search with filter "+tc.name, tc.want, got)
		}
	})

	subtest(t, open, "SearchSyntax", func(t *testing.T, e *env) {
		searchCorpus(e)
		s := e.s.Articles()
		// Nothing of a query is syntax: each of these finds the running
		// article through the word "running" or "run" and never fails.
		for _, q := range []string{
			`"running`, `running"`, `"running"`, `run*`, `*running`, `-running`, `running -shoes`, `NOT running`,
			`running NOT shoes`, `running AND`, `OR running`, `NEAR(running shoes)`, `NEAR running`, `running NEAR/2 shoes`,
			`body:running`, `title:running`, `running:`, `:running`, `{running}`, `(running`, `running)`, `running^`,
			`^running`, `+running`, `running + shoes`, `running's`, `running & shoes`, `running | shoes`, `!running`,
			`running <-> shoes`, `running:*`, `'running'`, `running\`, `running;`, `running -- DROP TABLE articles`,
			`running' OR '1'='1`, `running%`, `running_`, `run…ning running`,
		} {
			got := searchIDs(t, e.ctx, s, q, 10, flux.ChunkFilter{})
			if !slices.Contains(got, "starting-to-run_0") {
				t.Errorf("SearchChunks(%q) = %v, want starting-to-run_0 among the results", q, got)
			}
		}
		// Queries without a searchable word find nothing and are not errors.
		for _, q := range []string{
			"", "   ", `"`, `""`, `*`, `-`, `:`, `NEAR`, `AND`, `OR`, `NOT`, `OR AND NOT`, `()`, `"*"`, `^`, `-*-`,
			"the and of", "how do I", "???!!!...", "\x00", "\xff\xfe", "is it a the to", `" OR "`, `NEAR()`, `'`, `\`,
		} {
			ms, err := s.SearchChunks(e.ctx, q, 10, flux.ChunkFilter{})
			if err != nil || len(ms) != 0 {
				t.Errorf("SearchChunks(%q) = %v, %v; want nothing and no error", q, ms, err)
			}
		}
		// Stop words among real words are ignored.
		if got := searchIDs(t, e.ctx, s, "how do I start running?", 10, flux.ChunkFilter{}); len(got) == 0 || !strings.HasPrefix(got[0], "starting-to-run") {
			t.Errorf("search for \"how do I start running?\" = %v, want the running article first", got)
		}
		// A long query is fine.
		long := strings.Repeat("running shoes marathon ", 500)
		if got := searchIDs(t, e.ctx, s, long, 10, flux.ChunkFilter{}); len(got) == 0 {
			t.Errorf("a long query found nothing")
		}
	})

	subtest(t, open, "Unicode", func(t *testing.T, e *env) {
		for i, s := range unicodeTexts {
			a, cs := article(fmt.Sprintf("unicode-%d", i), s, s, s, s+" second")
			a.Source, a.Authority, a.Content = s, s, s+s
			a = e.putArticle(a, cs)
			wantEqual(t, fmt.Sprintf("GetArticle of text %d %q", i, s), a, *mustGet[*flux.Article](t, "GetArticle")(e.s.Articles().GetArticle(e.ctx, a.ID)))
			got := scanAll(t, e.ctx, e.s.Articles(), a.EmbedderKey)
			wantEqual(t, fmt.Sprintf("ScanVectors of text %d %q", i, s), storedChunks(a, cs, true), got[len(got)-2:])
		}
		// Ids in other scripts.
		for _, id := range []string{"学习中文", "été-2", "ß", "марафон_1"} {
			a, cs := article(id, "Title", "general", "x")
			a = e.putArticle(a, cs)
			wantEqual(t, "GetArticle of id "+id, a, *mustGet[*flux.Article](t, "GetArticle")(e.s.Articles().GetArticle(e.ctx, id)))
		}
		// Words of other scripts are found, case-insensitively where the
		// script has case.
		lib := map[string]string{
			"zh": "每天 学习中文 三十分钟",
			"ru": "Марафон требует терпения",
			"de": "Die Straße ist lang",
			"fr": "Un café avant de courir",
		}
		for id, text := range lib {
			a, cs := article("lang-"+id, "Lang "+id, "language", text)
			e.putArticle(a, cs)
		}
		for q, want := range map[string]string{"学习中文": "lang-zh_0", "марафон": "lang-ru_0", "МАРАФОН": "lang-ru_0", "straße": "lang-de_0", "café": "lang-fr_0"} {
			got := searchIDs(t, e.ctx, e.s.Articles(), q, 10, flux.ChunkFilter{})
			if !slices.Contains(got, want) {
				t.Errorf("SearchChunks(%q) = %v, want %s", q, got, want)
			}
		}
	})

	subtest(t, open, "Atomic", func(t *testing.T, e *env) {
		a, cs := article("in-tx", "In a transaction", "general", "transactional words")
		err := e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			if err := tx.Articles().PutArticle(ctx, &a, cs); err != nil {
				return err
			}
			got, err := tx.Articles().GetArticle(ctx, a.ID)
			if err != nil || got.Title != a.Title {
				return fmt.Errorf("GetArticle inside the transaction: %v, %v", got, err)
			}
			if ms, err := tx.Articles().SearchChunks(ctx, "transactional", 5, flux.ChunkFilter{}); err != nil || len(ms) != 1 {
				return fmt.Errorf("SearchChunks inside the transaction: %v, %v", ms, err)
			}
			return errSentinel
		})
		if !errors.Is(err, errSentinel) {
			t.Fatalf("Atomic = %v, want fn's error", err)
		}
		_, err = e.s.Articles().GetArticle(e.ctx, a.ID)
		wantNotFound(t, err, "GetArticle after a rolled-back PutArticle")
		if n := mustGet[int](t, "CountChunks")(e.s.Articles().CountChunks(e.ctx)); n != 0 {
			t.Errorf("a rolled-back PutArticle left %d chunks", n)
		}
		if got := searchIDs(t, e.ctx, e.s.Articles(), "transactional", 5, flux.ChunkFilter{}); len(got) != 0 {
			t.Errorf("a rolled-back PutArticle is still searchable: %v", got)
		}
		must(t, e.s.Atomic(e.ctx, func(ctx context.Context, tx flux.Stores) error {
			return tx.Articles().PutArticle(ctx, &a, cs)
		}), "Atomic PutArticle")
		if got := searchIDs(t, e.ctx, e.s.Articles(), "transactional", 5, flux.ChunkFilter{}); len(got) != 1 {
			t.Errorf("a committed PutArticle is not searchable: %v", got)
		}
	})
}
