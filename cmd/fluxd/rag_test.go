package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/rag"
	"github.com/fluxlife/flux/store/sqlite"
)

// ragLogLine returns the "rag library indexed" line of the logs.
func ragLogLine(t *testing.T, logs string) string {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "rag library indexed") {
			return l
		}
	}
	t.Fatalf("no \"rag library indexed\" line in the logs:\n%s", logs)
	return ""
}

// TestRAGOnAFreshFluxd is the acceptance test: a fresh fluxd with
// no key answers a search about running from the bundled running article,
// a second start indexes nothing again, and ingest is for admins only.
func TestRAGOnAFreshFluxd(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"FLUX_DATA_DIR": t.TempDir(), "FLUX_ADMIN_TOKEN": "admin-token-for-tests"}
			keyword := "sqlite fts5"
			if backend == "postgres" {
				vars["DATABASE_URL"] = freshPostgresURL(t)
				keyword = "postgres full-text"
			}
			docs, _ := rag.Articles()
			f := start(t, vars)
			line := ragLogLine(t, f.logs.String())
			for _, want := range []string{fmt.Sprintf("articles=%d", len(docs)), fmt.Sprintf("indexed=%d", len(docs)), "unchanged=0"} {
				if !strings.Contains(line, want) {
					t.Errorf("first start: %q lacks %q", line, want)
				}
			}
			if want := "provider=\"offline hashing embedder + " + keyword + "\""; !strings.Contains(f.logs.String(), want) {
				t.Errorf("no rag capability line %s:\n%s", want, f.logs)
			}
			tok := mintToken(t, vars, "runner@example.com")
			code, body := f.call(t, "GET", "/api/v1/rag/search?q="+url.QueryEscape("how do I start running"), tok, "")
			results, _ := body["results"].([]any)
			if code != 200 || len(results) == 0 {
				t.Fatalf("search = %d %v", code, body)
			}
			first, _ := results[0].(map[string]any)
			if title, _ := first["title"].(string); !strings.HasPrefix(title, "Starting to Run") || first["text"] == "" {
				t.Errorf("first passage = %v", first)
			}
			code, _ = f.call(t, "POST", "/api/v1/rag/ingest", tok, `{"articles": []}`)
			if code != 403 {
				t.Errorf("ingest by a user = %d, want 403", code)
			}
			code, body = f.call(t, "POST", "/api/v1/rag/ingest?clear_existing=false", "admin-token-for-tests",
				`{"articles": [{"title": "Canoe Trips", "source": "s", "category": "fitness", "authority": "a", "content": "Plan the portage."}]}`)
			if code != 200 || body["indexed"] != float64(1) {
				t.Errorf("ingest by the admin = %d %v", code, body)
			}
			f.stop()

			f2 := start(t, vars)
			line = ragLogLine(t, f2.logs.String())
			for _, want := range []string{"indexed=0", fmt.Sprintf("unchanged=%d", len(docs)), "chunks=0"} {
				if !strings.Contains(line, want) {
					t.Errorf("second start: %q lacks %q", line, want)
				}
			}
			code, body = f2.call(t, "GET", "/api/v1/rag/search?q=portage", tok, "")
			results, _ = body["results"].([]any)
			if code != 200 || len(results) == 0 || results[0].(map[string]any)["document_id"] != "canoe-trips" {
				t.Errorf("the uploaded article after a restart: %d %v", code, body)
			}
		})
	}
}

// articleDir writes n valid articles (and the given extra files) into a new
// directory.
func articleDir(t *testing.T, n int, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		sub := dir
		if i%3 == 0 {
			sub = filepath.Join(dir, "nested")
		}
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		text := rag.FormatArticle(rag.Document{Title: fmt.Sprint("Article ", i), Source: "https://example.org", Category: "general",
			Authority: "Tests", Content: fmt.Sprintf("Body of article %d about topic%d.", i, i)})
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("article-%02d.md", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range extra {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestIngestCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir()}
	dir := articleDir(t, 25, map[string]string{"empty.txt": "", "ignored.pdf": "x"})

	var out, errb bytes.Buffer
	if err := run(ctx, []string{"ingest", dir}, env(vars), &out, &errb); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errb.String())
	}
	want := regexp.MustCompile(`^ingested .* with offline hashing embedder \+ sqlite fts5: 26 files, 25 indexed, 0 unchanged, 1 empty skipped, 25 chunks in \S+\n$`)
	if !want.MatchString(out.String()) {
		t.Errorf("summary = %q", out.String())
	}
	if strings.Contains(errb.String(), "files\r") || strings.Contains(errb.String(), "[#") {
		t.Errorf("a progress bar was drawn on a non-terminal: %q", errb.String())
	}
	out.Reset()
	if err := run(ctx, []string{"ingest", dir}, env(vars), &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "26 files, 0 indexed, 25 unchanged") {
		t.Errorf("second ingest = %q", out.String())
	}

	// The articles are in the store fluxd serves from.
	st, err := sqlite.Open(ctx, filepath.Join(vars["FLUX_DATA_DIR"], "flux.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if a, err := st.Articles().GetArticle(ctx, "article-24"); err != nil || a.Title != "Article 24" {
		t.Errorf("GetArticle = %v, %v", a, err)
	}

	// Errors: a bad file names the file and indexes nothing; not a
	// directory; no directory.
	bad := articleDir(t, 2, map[string]string{"broken.md": "no header here"})
	err = run(ctx, []string{"ingest", bad}, env(vars), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "broken.md: header") {
		t.Errorf("ingest of a broken file: %v", err)
	}
	if _, err := st.Articles().GetArticle(ctx, "article-00"); err != nil {
		t.Fatal(err) // from the first directory
	}
	for _, args := range [][]string{{"ingest"}, {"ingest", filepath.Join(dir, "nested", "article-00.md")}, {"ingest", "/no/such/dir"}, {"ingest", dir, dir}} {
		if err := run(ctx, args, env(vars), &out, &errb); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
}

func TestProgressBar(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if progressBar(&b) != nil {
		t.Errorf("a progress bar for a buffer")
	}
	drawBar(&b, 0, 40)
	drawBar(&b, 10, 40)
	drawBar(&b, 40, 40)
	want := "\r[..............................] 0/40 files" +
		"\r[#######.......................] 10/40 files" +
		"\r[##############################] 40/40 files\n"
	if b.String() != want {
		t.Errorf("bar = %q, want %q", b.String(), want)
	}
}

func TestPlannerRetriever(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "flux.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg, _ := loadConfig(newFlagSet(), nil, env(nil))
	lib, desc, closeLib, err := openLibrary(ctx, cfg, st, flux.SystemClock{}, slog.New(slog.DiscardHandler), nil)
	if err != nil || desc != "offline hashing embedder + sqlite fts5" {
		t.Fatalf("openLibrary = %q, %v", desc, err)
	}
	defer closeLib()
	indexBundled(ctx, lib, slog.New(slog.DiscardHandler))
	ps, err := plannerRetriever(lib).Retrieve(ctx, "save an emergency fund", 3)
	if err != nil || len(ps) == 0 || ps[0].Title != "Budgeting and Saving Money" || ps[0].Text == "" || ps[0].Score <= 0 {
		t.Errorf("Retrieve = %+v, %v", ps, err)
	}
	if _, err := plannerRetriever(lib).Retrieve(ctx, "", 3); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("Retrieve of an empty query: %v", err)
	}
	// A bad setting is an error naming it.
	cfg, _ = loadConfig(newFlagSet(), nil, env(map[string]string{"RAG_TOP_K": "500"}))
	if _, _, _, err := openLibrary(ctx, cfg, st, flux.SystemClock{}, slog.New(slog.DiscardHandler), nil); err == nil || !strings.Contains(err.Error(), "RAG_TOP_K") {
		t.Errorf("RAG_TOP_K=500: %v", err)
	}
}
