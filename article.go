package flux

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The article library that grounds plans (package rag) is kept in the store
// beside the users' data, but it belongs to no user: articles are shared by
// everyone and changed only by an administrator or at start-up.

// MaxArticleIDLength is the longest article id, in characters.
const MaxArticleIDLength = 100

// Article is one article of the library, as the store keeps it: its header,
// its content, and how it was indexed.
type Article struct {
	// ID is a slug: 1 to MaxArticleIDLength lower-case letters (of any
	// script), digits, '-' and '_', not starting or ending with '-' (see
	// ValidArticleID).
	ID        string `json:"id"`
	Title     string `json:"title"`
	Source    string `json:"source"`
	Category  string `json:"category"`
	Authority string `json:"authority"`
	// Content is the body. ListArticles leaves it empty.
	Content string `json:"content,omitempty"`
	// Hash identifies the indexed version (rag uses the SHA-256 of the
	// formatted article).
	Hash string `json:"hash"`
	// EmbedderKey names the embedder the chunks' vectors were made with,
	// e.g. "flux-hash-v1/1024"; ScanVectors selects by it.
	EmbedderKey string `json:"embedder_key"`
	// Chunking describes the chunker's settings, e.g. "2000/200".
	Chunking string `json:"chunking"`
	// Chunks is the number of chunks; PutArticle sets it.
	Chunks int `json:"chunks"`
	// IndexedAt is when PutArticle stored this version (the store's clock).
	IndexedAt time.Time `json:"indexed_at"`
}

// ArticleChunk is one passage of an article with its vector.
type ArticleChunk struct {
	// ID is "<article id>_<index>"; PutArticle sets it.
	ID        string `json:"id"`
	ArticleID string `json:"article_id"`
	// Index is the chunk's position in its article, from 0.
	Index int    `json:"index"`
	Text  string `json:"text"`
	// Category, Title, Source and Authority are the article's: the store
	// fills them in when it reads a chunk, and PutArticle ignores them.
	Category  string `json:"category"`
	Title     string `json:"title"`
	Source    string `json:"source"`
	Authority string `json:"authority"`
	// Vector is the chunk's embedding; nil when the vectors live elsewhere
	// (a hosted index). SearchChunks never returns it.
	Vector []float32 `json:"vector,omitempty"`
}

// ChunkID returns the id of chunk index of an article: "<article>_<index>".
func ChunkID(articleID string, index int) string { return fmt.Sprintf("%s_%d", articleID, index) }

// ChunkFilter narrows SearchChunks. Each non-empty list keeps only chunks of
// articles whose field is one of its values; the zero ChunkFilter keeps
// everything.
type ChunkFilter struct {
	Categories  []string
	Authorities []string
	ArticleIDs  []string
}

// ChunkMatch is one result of SearchChunks: a chunk (without its vector) and
// its relevance, higher is better, on the store's own scale.
type ChunkMatch struct {
	Chunk ArticleChunk
	Score float64
}

// MaxChunkMatches is the most results one SearchChunks call returns.
const MaxChunkMatches = 1000

// ArticleStore keeps the article library: articles, their chunks and
// vectors, and a full-text index of the chunks.
type ArticleStore interface {
	// PutArticle stores a, replacing the article with a.ID and all its
	// chunks, in one transaction. chunks[i].Index must be i; the vectors
	// must all have one length (0 for none) and be finite. It sets a.Chunks
	// to len(chunks) and a.IndexedAt to the store's clock and writes them
	// back into a. An invalid article is EInvalid listing every problem
	// (fields "id", "title", "chunks[i].index", ...).
	PutArticle(ctx context.Context, a *Article, chunks []ArticleChunk) error
	// GetArticle returns the article with its content; ENotFound for an
	// unknown or malformed id.
	GetArticle(ctx context.Context, id string) (*Article, error)
	// ListArticles returns the articles by ID ascending (byte order),
	// without their content.
	ListArticles(ctx context.Context, p Page) ([]Article, string, error)
	// DeleteArticle deletes the article and its chunks; ENotFound when
	// there is none.
	DeleteArticle(ctx context.Context, id string) error
	// ScanVectors calls fn with every chunk that has a vector, of every
	// article indexed under embedderKey, ordered by article id then index,
	// with the article's fields filled in. fn's error stops the scan and is
	// returned. fn must not call the store.
	ScanVectors(ctx context.Context, embedderKey string, fn func(ArticleChunk) error) error
	// SearchChunks returns at most k chunks (k <= 0: none; at most
	// MaxChunkMatches) whose article title or text matches a word of query,
	// passing f, best first (then by article id and index), without vectors;
	// Score is positive. The words are ArticleSearchWords(query); any of
	// them suffices, in any form English stemming relates ("runs" finds
	// "running"). Ranking is the store's full-text engine: SQLite FTS5 with
	// bm25, PostgreSQL's 'english' tsvector with ts_rank_cd. Query syntax is
	// never interpreted: quotes, '*', '-', ':', NEAR, OR and NOT are plain
	// text, and a query of only stop words or punctuation matches nothing.
	SearchChunks(ctx context.Context, query string, k int, f ChunkFilter) ([]ChunkMatch, error)
	// CountChunks returns the number of chunks stored, of every article.
	CountChunks(ctx context.Context) (int, error)
	// ArticlesVersion returns the catalog's version: a number that every
	// committed PutArticle and DeleteArticle increases, in its own
	// transaction, whichever process made it. A process that keeps
	// articles in memory (rag.StoreIndex) compares it to tell whether
	// another process changed the library.
	ArticlesVersion(ctx context.Context) (int64, error)
}

// ValidArticleID reports whether id is an article id: 1 to
// MaxArticleIDLength lower-case letters (any script), digits, '-' and '_',
// not starting or ending with '-'.
func ValidArticleID(id string) bool {
	if id == "" || !utf8.ValidString(id) || utf8.RuneCountInString(id) > MaxArticleIDLength ||
		strings.HasPrefix(id, "-") || strings.HasSuffix(id, "-") {
		return false
	}
	for _, r := range id {
		if r != '-' && r != '_' && !unicode.IsDigit(r) && !(unicode.IsLetter(r) && !unicode.IsUpper(r)) {
			return false
		}
	}
	return true
}

// ValidateArticle checks an article and its chunks as PutArticle does and
// returns an EInvalid *Error listing every problem, or nil.
func ValidateArticle(a *Article, chunks []ArticleChunk) error {
	var fs []FieldError
	add := func(f, m string) { fs = append(fs, FieldError{Field: f, Message: m}) }
	if !ValidArticleID(a.ID) {
		add("id", fmt.Sprintf("must be 1 to %d lower-case letters, digits, '-' or '_'", MaxArticleIDLength))
	}
	if strings.TrimSpace(a.Title) == "" {
		add("title", "is required")
	}
	for _, f := range []struct{ name, v string }{
		{"title", a.Title}, {"source", a.Source}, {"category", a.Category}, {"authority", a.Authority},
		{"content", a.Content}, {"hash", a.Hash}, {"embedder_key", a.EmbedderKey}, {"chunking", a.Chunking},
	} {
		if !storableText(f.v) {
			add(f.name, "must be valid UTF-8 without NUL characters")
		}
	}
	dims := -1
	for i, c := range chunks {
		if c.Index != i {
			add(fmt.Sprintf("chunks[%d].index", i), fmt.Sprintf("is %d, want %d", c.Index, i))
		}
		if !storableText(c.Text) {
			add(fmt.Sprintf("chunks[%d].text", i), "must be valid UTF-8 without NUL characters")
		}
		switch {
		case dims >= 0 && len(c.Vector) != dims:
			add(fmt.Sprintf("chunks[%d].vector", i), fmt.Sprintf("has %d dimensions, chunk 0 has %d", len(c.Vector), dims))
		case !finiteVector(c.Vector):
			add(fmt.Sprintf("chunks[%d].vector", i), "contains NaN or infinity")
		}
		if dims < 0 {
			dims = len(c.Vector)
		}
	}
	if len(fs) > 0 {
		return Invalid("invalid article", fs...)
	}
	return nil
}

func storableText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func finiteVector(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// articleCursorPrefix marks article cursors, which name an article id
// rather than a time and a UUID (see EncodeCursor).
const articleCursorPrefix = "article:"

// EncodeArticleCursor returns the opaque cursor of the article list after
// the article id.
func EncodeArticleCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(articleCursorPrefix + id))
}

// DecodeArticleCursor returns the article id of a cursor made by
// EncodeArticleCursor; any other string is an EInvalid error.
func DecodeArticleCursor(s string) (string, error) {
	bad := Invalid("invalid cursor", FieldError{Field: "cursor", Message: "is not a cursor this server issued"})
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", bad
	}
	id, ok := strings.CutPrefix(string(b), articleCursorPrefix)
	if !ok || !ValidArticleID(id) {
		return "", bad
	}
	return id, nil
}

// MaxSearchWords is the most words of a query SearchChunks looks for.
const MaxSearchWords = 64

// ArticleSearchWords returns the words SearchChunks looks for in query:
// runs of letters, digits and combining marks, lower-cased, without English
// stop words (PostgreSQL's list), each once, in order, at most
// MaxSearchWords. Both stores read queries this way.
func ArticleSearchWords(query string) []string {
	var words []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me)
	}) {
		if stopWords[w] || seen[w] {
			continue
		}
		seen[w] = true
		words = append(words, w)
		if len(words) == MaxSearchWords {
			break
		}
	}
	return words
}

// stopWords are PostgreSQL's English stop words (the Snowball list).
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`i me my myself we our ours ourselves you your yours yourself yourselves he
him his himself she her hers herself it its itself they them their theirs themselves what which who whom
this that these those am is are was were be been being have has had having do does did doing a an the and
but if or because as until while of at by for with about against between into through during before after
above below to from up down in out on off over under again further then once here there when where why how
all any both each few more most other some such no nor not only own same so than too very s t can will just
don should now`) {
		m[w] = true
	}
	return m
}()

// EncodeVector returns v as stores keep it: little-endian float32s, nil
// when v is empty.
func EncodeVector(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// DecodeVector reads a vector written by EncodeVector.
func DecodeVector(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("vector of %d bytes is not a whole number of float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
