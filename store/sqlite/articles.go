package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/fluxlife/flux"
)

// Articles returns the article library's store.
func (s *stores) Articles() flux.ArticleStore { return s }

const articleColumns = `id, title, source, category, authority, hash, embedder_key, chunking, chunks, indexed_at`

func scanArticle(sc scanner, withContent bool) (flux.Article, error) {
	var (
		a       flux.Article
		indexed int64
	)
	dest := []any{&a.ID, &a.Title, &a.Source, &a.Category, &a.Authority, &a.Hash, &a.EmbedderKey, &a.Chunking, &a.Chunks, &indexed}
	if withContent {
		dest = append(dest, &a.Content)
	}
	if err := sc.Scan(dest...); err != nil {
		return a, err
	}
	a.IndexedAt = fromMicros(indexed)
	return a, nil
}

// PutArticle stores an article with its chunks, replacing the article with
// that id and all its chunks, in one transaction.
func (s *stores) PutArticle(ctx context.Context, a *flux.Article, chunks []flux.ArticleChunk) error {
	v := *a
	if err := flux.ValidateArticle(&v, chunks); err != nil {
		return err
	}
	v.Chunks = len(chunks)
	v.IndexedAt = s.now()
	err := s.write(ctx, func(q querier) error {
		if err := deleteArticleChunks(ctx, q, v.ID); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO articles (`+articleColumns+`, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET title = excluded.title, source = excluded.source, category = excluded.category,
			authority = excluded.authority, hash = excluded.hash, embedder_key = excluded.embedder_key,
			chunking = excluded.chunking, chunks = excluded.chunks, indexed_at = excluded.indexed_at, content = excluded.content`,
			v.ID, v.Title, v.Source, v.Category, v.Authority, v.Hash, v.EmbedderKey, v.Chunking, v.Chunks, micros(v.IndexedAt), v.Content); err != nil {
			return dbError("put article", err)
		}
		if len(chunks) == 0 {
			return nil
		}
		ins, err := q.PrepareContext(ctx, `INSERT INTO article_chunks (article_id, idx, text, vector) VALUES (?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return dbError("put article chunks", err)
		}
		defer ins.Close()
		fts, err := q.PrepareContext(ctx, `INSERT INTO article_chunks_fts (rowid, body) VALUES (?, ?)`)
		if err != nil {
			return dbError("put article chunks", err)
		}
		defer fts.Close()
		for i, c := range chunks {
			var rowid int64
			if err := ins.QueryRowContext(ctx, v.ID, i, c.Text, vectorArg(c.Vector)).Scan(&rowid); err != nil {
				return dbError("put article chunk", err)
			}
			if _, err := fts.ExecContext(ctx, rowid, v.Title+"\n\n"+c.Text); err != nil {
				return dbError("index article chunk", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// deleteArticleChunks removes an article's chunks and their full-text rows.
func deleteArticleChunks(ctx context.Context, q querier, id string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM article_chunks_fts WHERE rowid IN (SELECT id FROM article_chunks WHERE article_id = ?)`, id); err != nil {
		return dbError("delete article chunks", err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM article_chunks WHERE article_id = ?`, id); err != nil {
		return dbError("delete article chunks", err)
	}
	return nil
}

// GetArticle returns the article with its content.
func (s *stores) GetArticle(ctx context.Context, id string) (*flux.Article, error) {
	if !flux.ValidArticleID(id) {
		return nil, notFound("article")
	}
	a, err := scanArticle(s.r.QueryRowContext(ctx, `SELECT `+articleColumns+`, content FROM articles WHERE id = ?`, id), true)
	if err != nil {
		return nil, rowError("get article", "article", err)
	}
	return &a, nil
}

// ListArticles returns the articles by id, without their content.
func (s *stores) ListArticles(ctx context.Context, p flux.Page) ([]flux.Article, string, error) {
	var w where
	if p.Cursor != "" {
		after, err := flux.DecodeArticleCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		w.add("id > ?", after)
	}
	size := p.Size()
	as, err := queryAll(ctx, s.r, "list articles", func(sc scanner) (flux.Article, error) { return scanArticle(sc, false) },
		`SELECT `+articleColumns+` FROM articles`+w.String()+` ORDER BY id LIMIT ?`, append(w.args, size+1)...)
	if err != nil {
		return nil, "", err
	}
	if len(as) <= size {
		return as, "", nil
	}
	as = as[:size]
	return as, flux.EncodeArticleCursor(as[size-1].ID), nil
}

// DeleteArticle deletes the article and its chunks.
func (s *stores) DeleteArticle(ctx context.Context, id string) error {
	if !flux.ValidArticleID(id) {
		return notFound("article")
	}
	return s.write(ctx, func(q querier) error {
		if err := deleteArticleChunks(ctx, q, id); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `DELETE FROM articles WHERE id = ?`, id)
		if err != nil {
			return dbError("delete article", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return dbError("delete article", err)
		}
		if n == 0 {
			return notFound("article")
		}
		return nil
	})
}

const chunkColumns = `c.article_id, c.idx, c.text, a.category, a.title, a.source, a.authority`

func scanChunk(sc scanner, extra ...any) (flux.ArticleChunk, error) {
	var c flux.ArticleChunk
	if err := sc.Scan(append([]any{&c.ArticleID, &c.Index, &c.Text, &c.Category, &c.Title, &c.Source, &c.Authority}, extra...)...); err != nil {
		return c, err
	}
	c.ID = flux.ChunkID(c.ArticleID, c.Index)
	return c, nil
}

// ScanVectors streams the vectors of the articles indexed under
// embedderKey.
func (s *stores) ScanVectors(ctx context.Context, embedderKey string, fn func(flux.ArticleChunk) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT `+chunkColumns+`, c.vector FROM articles a JOIN article_chunks c ON c.article_id = a.id
		WHERE a.embedder_key = ? AND c.vector IS NOT NULL ORDER BY a.id, c.idx`, embedderKey)
	if err != nil {
		return dbError("scan vectors", err)
	}
	defer rows.Close()
	for rows.Next() {
		var blob []byte
		c, err := scanChunk(rows, &blob)
		if err != nil {
			return dbError("scan vectors", err)
		}
		if c.Vector, err = flux.DecodeVector(blob); err != nil {
			return fmt.Errorf("sqlite: scan vectors: chunk %s: %w", c.ID, err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return dbError("scan vectors", rows.Err())
}

// SearchChunks ranks the chunks matching any word of query by FTS5's bm25.
func (s *stores) SearchChunks(ctx context.Context, query string, k int, f flux.ChunkFilter) ([]flux.ChunkMatch, error) {
	match := ftsQuery(query)
	if k <= 0 || match == "" {
		return nil, ctx.Err()
	}
	k = min(k, flux.MaxChunkMatches)
	var w where
	w.add("article_chunks_fts MATCH ?", match)
	in(&w, "a.category", f.Categories)
	in(&w, "a.authority", f.Authorities)
	in(&w, "a.id", f.ArticleIDs)
	return queryAll(ctx, s.r, "search chunks", func(sc scanner) (flux.ChunkMatch, error) {
		var m flux.ChunkMatch
		var rank float64
		c, err := scanChunk(sc, &rank)
		m.Chunk, m.Score = c, -rank
		return m, err
	}, `SELECT `+chunkColumns+`, bm25(article_chunks_fts) AS rank FROM article_chunks_fts
		JOIN article_chunks c ON c.id = article_chunks_fts.rowid JOIN articles a ON a.id = c.article_id`+w.String()+`
		ORDER BY rank, c.article_id, c.idx LIMIT ?`, append(w.args, k)...)
}

// CountChunks returns the number of chunks stored.
func (s *stores) CountChunks(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM article_chunks`).Scan(&n); err != nil {
		return 0, dbError("count chunks", err)
	}
	return n, nil
}

// ftsQuery turns free text into an FTS5 query matching any of its words
// (flux.ArticleSearchWords), each a quoted string so that nothing of FTS5's
// syntax is interpreted; "" when there is no word.
func ftsQuery(text string) string {
	words := flux.ArticleSearchWords(text)
	for i, w := range words {
		words[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
	}
	return strings.Join(words, " OR ")
}

// vectorArg is the query argument of a vector: NULL when it is empty.
func vectorArg(v []float32) any {
	if b := flux.EncodeVector(v); b != nil {
		return b
	}
	return nil
}

// ArticlesVersion returns the catalog's version, which triggers on articles
// increase in every transaction that writes one.
func (s *stores) ArticlesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.r.QueryRowContext(ctx, `SELECT version FROM article_catalog`).Scan(&v); err != nil {
		return 0, dbError("articles version", err)
	}
	return v, nil
}
