package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/rag"
)

const ragAdmin = "admin-secret-token"

// newRAGEnv is newEnv with an admin token and a server whose article
// library, kept in the env's store, holds the bundled articles.
func newRAGEnv(t *testing.T, kind storeKind) (*testEnv, *rag.Library) {
	t.Helper()
	e := newEnv(t, kind, auth.Config{AdminToken: ragAdmin})
	lib, err := rag.NewStoreLibrary(e.store.Articles(), rag.NewHashEmbedder(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := rag.Articles()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Ingest(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	e.srv = New(Config{Store: e.store, Auth: e.auth, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RAG: lib,
		ExpensivePerMinute: 60000, ExpensiveBurst: 10000})
	return e, lib
}

// wantError checks a response's status, error code and field names.
func wantError(t *testing.T, what string, r response, status int, code string, fields ...string) {
	t.Helper()
	var body errorBody
	r.json(t, &body)
	var got []string
	for _, f := range body.Errors {
		got = append(got, f.Field)
	}
	if r.Code != status || body.Code != code || strings.Join(got, ",") != strings.Join(fields, ",") {
		t.Errorf("%s = %d %s; want %d, code %s, fields %v", what, r.Code, r.Body, status, code, fields)
	}
}

// multipartBody builds a multipart body of files (name -> content) in
// order, plus extra form fields.
func multipartBody(t *testing.T, files [][2]string, fields map[string]string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		// CreateFormFile escapes quotes but keeps slashes, as a hostile
		// client would send them.
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename="%s"`, f[0]))
		h.Set("Content-Type", "text/markdown")
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(part, f[1])
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func (e *testEnv) upload(path, token, contentType string, body []byte) response {
	e.t.Helper()
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return response{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

func articleText(title, body string) string {
	return rag.FormatArticle(rag.Document{Title: title, Source: "https://example.org", Category: "general", Authority: "Tests", Content: body})
}

func TestRAGSearch(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e, _ := newRAGEnv(t, kind)
		tok, _ := e.token("reader@example.com")

		r := e.do("GET", "/api/v1/rag/search?q="+url.QueryEscape("how do I start running"), tok, nil)
		var res ragSearchResponse
		r.json(t, &res)
		if r.Code != 200 || res.Query != "how do I start running" || len(res.Results) == 0 || len(res.Results) > rag.DefaultTopK {
			t.Fatalf("search = %d %s", r.Code, r.Body)
		}
		first := res.Results[0]
		if first.DocumentID != "starting-to-run" || !strings.HasPrefix(first.Title, "Starting to Run") || first.Text == "" ||
			first.Source == "" || first.Category != "running" || first.Authority == "" || first.Score <= 0 {
			t.Errorf("first result = %+v", first)
		}
		// The original's field names are there.
		for _, f := range []string{`"text"`, `"title"`, `"source"`, `"category"`, `"authority"`, `"score"`} {
			if !bytes.Contains(r.Body, []byte(f)) {
				t.Errorf("search body lacks %s", f)
			}
		}

		r = e.do("GET", "/api/v1/rag/search?q=budget&top_k=2", tok, nil)
		r.json(t, &res)
		if r.Code != 200 || len(res.Results) != 2 {
			t.Errorf("top_k 2 = %d, %d results", r.Code, len(res.Results))
		}
		// Nothing found is an empty list, not null.
		r = e.do("GET", "/api/v1/rag/search?q=the+of+and", tok, nil)
		if r.Code != 200 || !bytes.Contains(r.Body, []byte(`"results":[]`)) {
			t.Errorf("search for stop words = %d %s", r.Code, r.Body)
		}

		for _, tc := range []struct{ query, field string }{
			{"", "q"}, {"q=", "q"}, {"q=+++", "q"}, {"q=run&top_k=0", "top_k"}, {"q=run&top_k=51", "top_k"},
			{"q=run&top_k=five", "top_k"}, {"q=" + strings.Repeat("x", rag.MaxQueryLength+1), "q"},
		} {
			wantError(t, "search ?"+tc.query[:min(len(tc.query), 30)], e.do("GET", "/api/v1/rag/search?"+tc.query, tok, nil), 400, flux.EInvalid, tc.field)
		}
		wantError(t, "search with two errors", e.do("GET", "/api/v1/rag/search?top_k=-1", tok, nil), 400, flux.EInvalid, "q", "top_k")
	})
}

func TestRAGDocuments(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e, _ := newRAGEnv(t, kind)
		tok, _ := e.token("reader@example.com")
		var all []ragDocumentView
		cursor := ""
		for page := 0; ; page++ {
			r := e.do("GET", "/api/v1/rag/documents?limit=10&cursor="+url.QueryEscape(cursor), tok, nil)
			var res ragDocumentsResponse
			r.json(t, &res)
			if r.Code != 200 || len(res.Documents) > 10 {
				t.Fatalf("documents page %d = %d %s", page, r.Code, r.Body)
			}
			all = append(all, res.Documents...)
			if res.NextCursor == "" {
				break
			}
			cursor = res.NextCursor
		}
		docs, _ := rag.Articles()
		if len(all) != len(docs) {
			t.Fatalf("listed %d documents, want %d", len(all), len(docs))
		}
		for i, d := range all {
			if d.ID != docs[i].ID || d.Title != docs[i].Title || d.Source != docs[i].Source || d.Chunks < 1 ||
				d.Embedder != "flux-hash-v1/1024" || d.IndexedAt.IsZero() {
				t.Errorf("document %d = %+v", i, d)
			}
		}
		if r := e.do("GET", "/api/v1/rag/documents", tok, nil); bytes.Contains(r.Body, []byte(`"content"`)) {
			t.Errorf("the list carries the articles' content")
		}
		for _, q := range []string{"limit=0", "limit=201", "limit=ten"} {
			wantError(t, "documents ?"+q, e.do("GET", "/api/v1/rag/documents?"+q, tok, nil), 400, flux.EInvalid, "limit")
		}
		wantError(t, "documents with a bad cursor", e.do("GET", "/api/v1/rag/documents?cursor=bogus", tok, nil), 400, flux.EInvalid, "cursor")
	})
}

func TestRAGIngestJSON(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e, lib := newRAGEnv(t, kind)
		tok, _ := e.token("someone@example.com")
		count := func() int {
			docs, err := lib.Documents(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return len(docs)
		}
		bundled := count()
		article := map[string]any{"title": "Kayaking Basics", "source": "https://example.org/kayak", "category": "fitness",
			"authority": "Paddling club", "content": "Kayaking builds shoulder strength. Always wear a buoyancy aid on the water."}
		body := map[string]any{"articles": []any{article}}

		// Only an administrator may ingest; nothing is stored otherwise.
		wantError(t, "ingest by a user", e.do("POST", "/api/v1/rag/ingest?clear_existing=false", tok, body), 403, flux.EForbidden)
		if n := count(); n != bundled {
			t.Fatalf("a refused ingest changed the library: %d documents", n)
		}

		r := e.do("POST", "/api/v1/rag/ingest?clear_existing=false", ragAdmin, body)
		var res ragIngestResponse
		r.json(t, &res)
		if r.Code != 200 || res != (ragIngestResponse{Status: "ok", Articles: 1, Chunks: 1, Indexed: 1}) {
			t.Fatalf("ingest = %d %s", r.Code, r.Body)
		}
		if n := count(); n != bundled+1 {
			t.Errorf("%d documents after the ingest, want %d", n, bundled+1)
		}
		r = e.do("GET", "/api/v1/rag/search?q=kayaking+buoyancy", tok, nil)
		var sr ragSearchResponse
		r.json(t, &sr)
		if len(sr.Results) == 0 || sr.Results[0].DocumentID != "kayaking-basics" {
			t.Errorf("search for the new article = %s", r.Body)
		}
		// The same again: unchanged.
		r = e.do("POST", "/api/v1/rag/ingest?clear_existing=false", ragAdmin, body)
		r.json(t, &res)
		if r.Code != 200 || res != (ragIngestResponse{Status: "ok", Articles: 1, Unchanged: 1}) {
			t.Errorf("second ingest = %d %s", r.Code, r.Body)
		}

		// Server paths are refused in every form.
		for _, tc := range []struct {
			name, query string
			body        any
			fields      []string
		}{
			{"articles_dir query", "?articles_dir=/etc", body, []string{"articles_dir"}},
			{"path query", "?path=../../etc", body, []string{"path"}},
			{"directory field", "", map[string]any{"articles": []any{article}, "directory": "/etc"}, []string{"directory"}},
			{"articles_dir field", "", map[string]any{"articles_dir": "/srv/articles"}, []string{"articles_dir"}},
			{"path in an article", "", map[string]any{"articles": []any{map[string]any{"title": "t", "path": "/etc/passwd"}}}, []string{"path"}},
			{"path-like id", "", map[string]any{"articles": []any{map[string]any{"id": "../../etc/passwd", "title": "T", "source": "s", "category": "c", "authority": "a", "content": "x"}}}, []string{"articles[0].id"}},
			{"no articles", "", map[string]any{"articles": []any{}}, []string{"articles"}},
			{"missing fields", "", map[string]any{"articles": []any{map[string]any{"title": "Only a title"}}}, []string{"articles[0].source", "articles[0].category", "articles[0].authority", "articles[0].content"}},
			{"bad clear_existing", "?clear_existing=maybe", body, []string{"clear_existing"}},
		} {
			wantError(t, "ingest with "+tc.name, e.do("POST", "/api/v1/rag/ingest"+tc.query, ragAdmin, tc.body), 400, flux.EInvalid, tc.fields...)
		}
		many := make([]any, MaxIngestArticles+1)
		for i := range many {
			many[i] = map[string]any{"title": fmt.Sprint("T", i), "source": "s", "category": "c", "authority": "a", "content": "x"}
		}
		wantError(t, "ingest of too many articles", e.do("POST", "/api/v1/rag/ingest", ragAdmin, map[string]any{"articles": many}), 400, flux.EInvalid, "articles")
		big := map[string]any{"articles": []any{map[string]any{"title": "Big", "source": "s", "category": "c", "authority": "a", "content": strings.Repeat("x", MaxBodyBytes)}}}
		wantError(t, "ingest of a body over 1 MiB", e.do("POST", "/api/v1/rag/ingest", ragAdmin, big), 413, flux.ETooLarge)
		r = e.do("POST", "/api/v1/rag/ingest", ragAdmin, "title: x")
		if r.Code != 400 {
			t.Errorf("ingest of a text body = %d", r.Code)
		}
		req := e.upload("/api/v1/rag/ingest", ragAdmin, "text/plain", []byte("Title: x"))
		wantError(t, "ingest of text/plain", req, 400, flux.EInvalid, "Content-Type")
		if n := count(); n != bundled+1 {
			t.Errorf("refused ingests changed the library: %d documents", n)
		}

		// clear_existing defaults to true, as the original: the library
		// becomes exactly what was sent.
		r = e.do("POST", "/api/v1/rag/ingest", ragAdmin, body)
		r.json(t, &res)
		if r.Code != 200 || res != (ragIngestResponse{Status: "ok", Articles: 1, Unchanged: 1, Removed: bundled}) {
			t.Errorf("ingest with clear_existing = %d %s", r.Code, r.Body)
		}
		if n := count(); n != 1 {
			t.Errorf("%d documents after clear_existing, want 1", n)
		}
	})
}

func TestRAGIngestMultipart(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e, lib := newRAGEnv(t, kind)
		tok, _ := e.token("someone@example.com")
		files := [][2]string{
			{"rowing.md", articleText("Rowing Technique", "Drive with the legs, then the back, then the arms.")},
			{"climbing.txt", articleText("Indoor Climbing", "Start on easy routes and keep your arms straight.")},
		}
		ct, body := multipartBody(t, files, nil)
		wantError(t, "multipart ingest by a user", e.upload("/api/v1/rag/ingest", tok, ct, body), 403, flux.EForbidden)

		r := e.upload("/api/v1/rag/ingest?clear_existing=false", ragAdmin, ct, body)
		var res ragIngestResponse
		r.json(t, &res)
		if r.Code != 200 || res.Articles != 2 || res.Indexed != 2 || res.Removed != 0 {
			t.Fatalf("multipart ingest = %d %s", r.Code, r.Body)
		}
		ps, err := lib.Search(context.Background(), "rowing legs", 3)
		if err != nil || len(ps) == 0 || ps[0].DocumentID != "rowing" {
			t.Errorf("search for the uploaded article = %v, %v", ps, err)
		}

		for _, tc := range []struct {
			name   string
			files  [][2]string
			fields map[string]string
			want   []string
		}{
			{"a parent path", [][2]string{{"../../etc/passwd.md", files[0][1]}}, nil, []string{"files[0].name"}},
			{"a directory", [][2]string{files[0], {"sub/dir.md", files[1][1]}}, nil, []string{"files[1].name"}},
			{"a backslash", [][2]string{{`..\windows.md`, files[0][1]}}, nil, []string{"files[0].name"}},
			{"an absolute path", [][2]string{{"/etc/hosts.txt", files[0][1]}}, nil, []string{"files[0].name"}},
			{"a hidden file", [][2]string{{".env.md", files[0][1]}}, nil, []string{"files[0].name"}},
			{"another extension", [][2]string{{"notes.pdf", files[0][1]}}, nil, []string{"files[0].name"}},
			{"a path field", [][2]string{files[0]}, map[string]string{"path": "/srv/articles"}, []string{"path"}},
			{"a malformed article", [][2]string{{"bad.md", "no header at all"}}, nil, []string{"files[0].header"}},
			{"no files", nil, nil, []string{"files"}},
			{"two files with one id", [][2]string{files[0], {"rowing.txt", files[1][1]}}, nil, []string{"files[1].id"}},
		} {
			ct, body := multipartBody(t, tc.files, tc.fields)
			wantError(t, "multipart ingest with "+tc.name, e.upload("/api/v1/rag/ingest", ragAdmin, ct, body), 400, flux.EInvalid, tc.want...)
		}
		huge := strings.Repeat("Lorem ipsum dolor sit amet. ", 36000) // ~1 MB each
		var many [][2]string
		for i := range 9 {
			many = append(many, [2]string{fmt.Sprintf("big-%d.md", i), articleText("Big", huge)})
		}
		ct, body = multipartBody(t, many, nil)
		wantError(t, "multipart ingest over 8 MiB", e.upload("/api/v1/rag/ingest", ragAdmin, ct, body), 413, flux.ETooLarge)
		if docs, _ := lib.Documents(context.Background()); len(docs) != 28 {
			t.Errorf("refused uploads changed the library: %d documents", len(docs))
		}
	})
}

func TestRAGDelete(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e, _ := newRAGEnv(t, kind)
		tok, _ := e.token("someone@example.com")
		wantError(t, "delete by a user", e.do("DELETE", "/api/v1/rag/documents/sleep", tok, nil), 403, flux.EForbidden)
		if r := e.do("DELETE", "/api/v1/rag/documents/sleep", ragAdmin, nil); r.Code != http.StatusNoContent || len(r.Body) != 0 {
			t.Fatalf("delete = %d %s", r.Code, r.Body)
		}
		wantError(t, "delete twice", e.do("DELETE", "/api/v1/rag/documents/sleep", ragAdmin, nil), 404, flux.ENotFound)
		for _, id := range []string{"unknown", "UPPER", "a..b", flux.NewID()} {
			wantError(t, "delete "+id, e.do("DELETE", "/api/v1/rag/documents/"+url.PathEscape(id), ragAdmin, nil), 404, flux.ENotFound)
		}
		var res ragSearchResponse
		e.do("GET", "/api/v1/rag/search?q=sleep+hours+night&top_k=50", tok, nil).json(t, &res)
		for _, p := range res.Results {
			if p.DocumentID == "sleep" {
				t.Errorf("a deleted article is still found: %+v", p)
			}
		}
	})
}

func TestRAGNotConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{AdminToken: ragAdmin})
	tok, _ := e.token("someone@example.com")
	for _, tc := range []struct{ method, path, token string }{
		{"GET", "/api/v1/rag/search?q=run", tok},
		{"GET", "/api/v1/rag/documents", tok},
		{"POST", "/api/v1/rag/ingest", ragAdmin},
		{"DELETE", "/api/v1/rag/documents/sleep", ragAdmin},
	} {
		r := e.do(tc.method, tc.path, tc.token, nil)
		var body errorBody
		r.json(t, &body)
		if r.Code != 503 || body.Code != flux.EUnavailable || body.Detail != "RAG is not configured" {
			t.Errorf("%s %s without RAG = %d %s", tc.method, tc.path, r.Code, r.Body)
		}
	}
	// The admin check comes first.
	wantError(t, "ingest by a user without RAG", e.do("POST", "/api/v1/rag/ingest", tok, nil), 403, flux.EForbidden)
}
