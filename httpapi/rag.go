package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/rag"
)

// RAG is the article library the /api/v1/rag routes serve; *rag.Library
// implements it.
type RAG interface {
	// Ingest indexes new and changed articles and keeps the others.
	Ingest(ctx context.Context, docs []rag.Document) (rag.IngestResult, error)
	// Replace indexes the articles and removes every other one.
	Replace(ctx context.Context, docs []rag.Document) (rag.IngestResult, error)
	// Search returns up to k passages (k <= 0: the configured top-k).
	Search(ctx context.Context, query string, k int) ([]rag.Passage, error)
	// DocumentPage lists what is indexed, by id.
	DocumentPage(ctx context.Context, p flux.Page) ([]rag.IndexedDocument, string, error)
	// Remove deletes one article; ENotFound when it is not indexed.
	Remove(ctx context.Context, id string) error
}

// Limits of POST /api/v1/rag/ingest.
const (
	// MaxIngestArticles is the most articles one ingest request carries.
	MaxIngestArticles = 200
	// MaxIngestMultipartBytes bounds a multipart ingest request (8 MiB); a
	// JSON one has the usual MaxBodyBytes (1 MiB). Each article is at most
	// rag.MaxArticleBytes either way.
	MaxIngestMultipartBytes = 8 << 20
)

// ragArticle is one article of a JSON ingest request.
type ragArticle struct {
	// ID is optional: the slug of the title when absent.
	ID        string `json:"id,omitempty"`
	Title     string `json:"title"`
	Source    string `json:"source"`
	Category  string `json:"category"`
	Authority string `json:"authority"`
	Content   string `json:"content"`
}

// ragIngestRequest is the JSON body of POST /api/v1/rag/ingest. Articles
// come in the body only: there is no field naming a file or directory on
// the server.
type ragIngestRequest struct {
	Articles []ragArticle `json:"articles"`
}

// ragIngestResponse is the original's {status, articles, chunks} with what
// the ingest did.
type ragIngestResponse struct {
	Status string `json:"status"`
	// Articles is the number of articles in the request.
	Articles int `json:"articles"`
	// Chunks is the number of chunks written by this request (articles
	// that did not change are not written again).
	Chunks    int `json:"chunks"`
	Indexed   int `json:"indexed"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
}

// ragSearchResponse is the original's search answer.
type ragSearchResponse struct {
	Query   string        `json:"query"`
	Results []rag.Passage `json:"results"`
}

// ragDocumentView is one indexed article, without its content.
type ragDocumentView struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Source    string    `json:"source"`
	Category  string    `json:"category"`
	Authority string    `json:"authority"`
	Chunks    int       `json:"chunks"`
	Embedder  string    `json:"embedder"`
	IndexedAt time.Time `json:"indexed_at"`
}

type ragDocumentsResponse struct {
	Documents  []ragDocumentView `json:"documents"`
	NextCursor string            `json:"next_cursor"`
}

func (s *Server) ragRoutes() {
	s.handle(Route{Method: "POST", Path: "/api/v1/rag/ingest", Tag: "rag",
		Summary: "Admin only. Index articles sent in the body: JSON {articles: [...]} or multipart/form-data files " +
			"(field \"files\", .md or .txt in the header format, at most 8 MiB in all); never a server path. " +
			"clear_existing (default true, as the original) removes every article not sent.",
		Request: ragIngestRequest{}, Response: ragIngestResponse{}}, s.ragIngest)
	s.handle(Route{Method: "GET", Path: "/api/v1/rag/search", Tag: "rag",
		Summary:  "Passages of the article library answering q (hybrid vector and keyword search); top_k 1 to 50, default RAG_TOP_K",
		Response: ragSearchResponse{}}, s.ragSearch)
	s.handle(Route{Method: "GET", Path: "/api/v1/rag/documents", Tag: "rag",
		Summary: "The indexed articles by id (limit, cursor)", Response: ragDocumentsResponse{}}, s.ragDocuments)
	s.handle(Route{Method: "DELETE", Path: "/api/v1/rag/documents/{id}", Tag: "rag",
		Summary: "Admin only. Remove an article from the library", Status: http.StatusNoContent}, s.ragDelete)
}

// ragLibrary returns the configured library, or the EUnavailable error.
func (s *Server) ragLibrary() (RAG, error) {
	if s.rag == nil {
		return nil, &flux.Error{Code: flux.EUnavailable, Message: "RAG is not configured"}
	}
	return s.rag, nil
}

// requireAdmin refuses a caller who is not an administrator.
func requireAdmin(r *http.Request, what string) error {
	if p := principal(r.Context()); p == nil || !p.Admin {
		return &flux.Error{Code: flux.EForbidden, Message: "only an administrator may " + what}
	}
	return nil
}

// serverPathParams are query parameters the original accepted to read
// articles from the server's disk; they are refused, not ignored.
var serverPathParams = []string{"articles_dir", "path", "dir", "directory"}

func (s *Server) ragIngest(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "ingest articles"); err != nil {
		return err
	}
	lib, err := s.ragLibrary()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	for _, p := range serverPathParams {
		if q.Has(p) {
			return flux.Invalid("articles are read from the request body, never from a server path",
				flux.FieldError{Field: p, Message: "is not accepted: send the articles in the body"})
		}
	}
	replace := true
	if v := q.Get("clear_existing"); q.Has("clear_existing") {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return flux.Invalid("invalid clear_existing", flux.FieldError{Field: "clear_existing", Message: "must be true or false"})
		}
		replace = b
	}

	var (
		docs   []rag.Document
		prefix string
	)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		docs, err = readArticleFiles(w, r)
		prefix = "files"
	case "application/json", "":
		docs, err = readArticleJSON(w, r)
		prefix = "articles"
	default:
		return flux.Invalid("the body must be application/json or multipart/form-data",
			flux.FieldError{Field: "Content-Type", Message: "must be application/json or multipart/form-data"})
	}
	if err != nil {
		return err
	}
	ingest := lib.Ingest
	if replace {
		ingest = lib.Replace
	}
	res, err := ingest(r.Context(), docs)
	if err != nil {
		return renameFields(err, "documents[", prefix+"[")
	}
	writeJSON(w, http.StatusOK, ragIngestResponse{
		Status: "ok", Articles: res.Documents, Chunks: res.Chunks,
		Indexed: res.Indexed, Unchanged: res.Unchanged, Removed: res.Removed,
	})
	return nil
}

// readArticleJSON reads the articles of a JSON ingest request.
func readArticleJSON(w http.ResponseWriter, r *http.Request) ([]rag.Document, error) {
	var req ragIngestRequest
	if err := decode(w, r, &req); err != nil {
		return nil, err
	}
	if err := checkArticleCount(len(req.Articles), "articles"); err != nil {
		return nil, err
	}
	var fields []flux.FieldError
	docs := make([]rag.Document, len(req.Articles))
	for i, a := range req.Articles {
		if a.ID != "" && !rag.ValidDocumentID(a.ID) {
			fields = append(fields, flux.FieldError{Field: fmt.Sprintf("articles[%d].id", i),
				Message: fmt.Sprintf("must be 1 to %d lower-case letters, digits, '-' or '_'", rag.MaxIDLength)})
		}
		docs[i] = rag.Document{ID: a.ID, Title: a.Title, Source: a.Source, Category: a.Category, Authority: a.Authority, Content: a.Content}
	}
	if len(fields) > 0 {
		return nil, flux.Invalid("invalid articles", fields...)
	}
	return docs, nil
}

// readArticleFiles reads the article files of a multipart ingest request:
// parts named "files" (or "file"), each a .md or .txt file in the header
// format whose plain name (no directory) gives the article id.
func readArticleFiles(w http.ResponseWriter, r *http.Request) ([]rag.Document, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxIngestMultipartBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, flux.Invalid("the body is not multipart/form-data: " + err.Error())
	}
	var (
		docs   []rag.Document
		fields []flux.FieldError
	)
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, &flux.Error{Code: flux.ETooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)}
			}
			return nil, flux.Invalid("the multipart body is malformed")
		}
		field := fmt.Sprintf("files[%d]", i)
		if name := part.FormName(); name != "files" && name != "file" {
			part.Close()
			return nil, flux.Invalid("unknown field "+name, flux.FieldError{Field: name, Message: "is not a known field (send article files as \"files\")"})
		}
		// The raw name: Part.FileName drops any directory, which would hide
		// a path-like name instead of refusing it.
		_, params, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		raw := params["filename"]
		if msg := badArticleFileName(raw); msg != "" {
			fields = append(fields, flux.FieldError{Field: field + ".name", Message: msg})
			part.Close()
			docs = append(docs, rag.Document{}) // keeps files[i] aligned with the parts
			continue
		}
		d, err := rag.ParseArticle(raw, part)
		part.Close()
		var mbe *http.MaxBytesError
		var fe *flux.Error
		switch {
		case errors.As(err, &mbe):
			return nil, &flux.Error{Code: flux.ETooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)}
		case errors.As(err, &fe) && fe.Code == flux.EInvalid:
			for _, f := range fe.Fields {
				fields = append(fields, flux.FieldError{Field: field + "." + f.Field, Message: f.Message + " (" + raw + ")"})
			}
			docs = append(docs, rag.Document{}) // keeps files[i] aligned with the parts
			continue
		case err != nil:
			return nil, flux.Invalid("the multipart body is malformed")
		}
		docs = append(docs, d)
		if len(docs) > MaxIngestArticles {
			break
		}
	}
	if len(fields) > 0 && len(docs) <= MaxIngestArticles {
		return nil, flux.Invalid("invalid article files", fields...)
	}
	if err := checkArticleCount(len(docs), "files"); err != nil {
		return nil, err
	}
	return docs, nil
}

// badArticleFileName says what is wrong with an uploaded file's name, or
// "" when it is a plain .md or .txt name.
func badArticleFileName(name string) string {
	switch {
	case name == "":
		return "is missing: each part must be a file"
	case strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0) || name == "." || name == "..":
		return "must be a plain file name, without a directory"
	case strings.HasPrefix(name, "."):
		return "must not start with '.'"
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".txt":
		return ""
	}
	return "must end in .md or .txt"
}

func checkArticleCount(n int, field string) error {
	switch {
	case n == 0:
		return flux.Invalid("no articles", flux.FieldError{Field: field, Message: "must hold at least one article"})
	case n > MaxIngestArticles:
		return flux.Invalid("too many articles", flux.FieldError{Field: field, Message: fmt.Sprintf("must hold at most %d articles", MaxIngestArticles)})
	}
	return nil
}

// renameFields returns err with every field name starting with from
// starting with to instead.
func renameFields(err error, from, to string) error {
	var fe *flux.Error
	if !errors.As(err, &fe) || len(fe.Fields) == 0 {
		return err
	}
	out := *fe
	out.Fields = make([]flux.FieldError, len(fe.Fields))
	for i, f := range fe.Fields {
		if rest, ok := strings.CutPrefix(f.Field, from); ok {
			f.Field = to + rest
		}
		out.Fields[i] = f
	}
	return &out
}

func (s *Server) ragSearch(w http.ResponseWriter, r *http.Request) error {
	lib, err := s.ragLibrary()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	query := q.Get("q")
	var fields []flux.FieldError
	if strings.TrimSpace(query) == "" {
		fields = append(fields, flux.FieldError{Field: "q", Message: "is required"})
	}
	k := 0
	if q.Has("top_k") {
		n, err := strconv.Atoi(q.Get("top_k"))
		if err != nil || n < 1 || n > rag.MaxTopK {
			fields = append(fields, flux.FieldError{Field: "top_k", Message: fmt.Sprintf("must be a whole number from 1 to %d", rag.MaxTopK)})
		}
		k = n
	}
	if len(fields) > 0 {
		return flux.Invalid("invalid search", fields...)
	}
	ps, err := lib.Search(r.Context(), query, k)
	if err != nil {
		return renameFields(err, "query", "q")
	}
	if ps == nil {
		ps = []rag.Passage{}
	}
	writeJSON(w, http.StatusOK, ragSearchResponse{Query: query, Results: ps})
	return nil
}

// ragPageQuery reads the limit and cursor query parameters.
func ragPageQuery(r *http.Request) (flux.Page, error) {
	q := r.URL.Query()
	p := flux.Page{Cursor: q.Get("cursor")}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > flux.MaxPageLimit {
			return p, flux.Invalid("invalid limit", flux.FieldError{Field: "limit", Message: fmt.Sprintf("must be a whole number from 1 to %d", flux.MaxPageLimit)})
		}
		p.Limit = n
	}
	return p, nil
}

func (s *Server) ragDocuments(w http.ResponseWriter, r *http.Request) error {
	lib, err := s.ragLibrary()
	if err != nil {
		return err
	}
	p, err := ragPageQuery(r)
	if err != nil {
		return err
	}
	docs, next, err := lib.DocumentPage(r.Context(), p)
	if err != nil {
		return err
	}
	out := ragDocumentsResponse{Documents: make([]ragDocumentView, len(docs)), NextCursor: next}
	for i, d := range docs {
		out.Documents[i] = ragDocumentView{ID: d.ID, Title: d.Title, Source: d.Source, Category: d.Category,
			Authority: d.Authority, Chunks: d.Chunks, Embedder: d.Embedder, IndexedAt: d.IndexedAt.UTC()}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) ragDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "remove articles"); err != nil {
		return err
	}
	lib, err := s.ragLibrary()
	if err != nil {
		return err
	}
	if err := lib.Remove(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
