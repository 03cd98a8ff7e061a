package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

// Articles returns d as the article library's store.
func (d *db) Articles() flux.ArticleStore { return d }

// Articles returns the article library's store.
func (s *Store) Articles() flux.ArticleStore { return s.db }

const articleCols = `id, title, source, category, authority, hash, embedder_key, chunking, chunks, indexed_at`

func scanArticle(withContent bool) func(pgx.Row) (*flux.Article, error) {
	return func(r pgx.Row) (*flux.Article, error) {
		var a flux.Article
		dest := []any{&a.ID, &a.Title, &a.Source, &a.Category, &a.Authority, &a.Hash, &a.EmbedderKey, &a.Chunking, &a.Chunks, &a.IndexedAt}
		if withContent {
			dest = append(dest, &a.Content)
		}
		if err := r.Scan(dest...); err != nil {
			return nil, err
		}
		return &a, nil
	}
}

// PutArticle stores an article with its chunks, replacing the article with
// that id and all its chunks, in one transaction.
func (d *db) PutArticle(ctx context.Context, a *flux.Article, chunks []flux.ArticleChunk) error {
	v := *a
	if err := flux.ValidateArticle(&v, chunks); err != nil {
		return err
	}
	v.Chunks = len(chunks)
	v.IndexedAt = d.now()
	idx := make([]int32, len(chunks))
	texts := make([]string, len(chunks))
	vectors := make([][]byte, len(chunks))
	for i, c := range chunks {
		idx[i], texts[i], vectors[i] = int32(i), c.Text, flux.EncodeVector(c.Vector)
	}
	err := d.inTx(ctx, func(q querier) error {
		if _, err := q.Exec(ctx, `DELETE FROM article_chunks WHERE article_id = $1`, v.ID); err != nil {
			return mapErr("put article", err)
		}
		if _, err := q.Exec(ctx, `INSERT INTO articles (`+articleCols+`, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (id) DO UPDATE SET title = excluded.title, source = excluded.source, category = excluded.category,
			authority = excluded.authority, hash = excluded.hash, embedder_key = excluded.embedder_key,
			chunking = excluded.chunking, chunks = excluded.chunks, indexed_at = excluded.indexed_at, content = excluded.content`,
			v.ID, v.Title, v.Source, v.Category, v.Authority, v.Hash, v.EmbedderKey, v.Chunking, v.Chunks, v.IndexedAt, v.Content); err != nil {
			return mapErr("put article", err)
		}
		if len(chunks) == 0 {
			return nil
		}
		if _, err := q.Exec(ctx, `INSERT INTO article_chunks (article_id, idx, text, vector, tsv)
			SELECT $1, u.idx, u.text, u.vector, to_tsvector('english', $2 || E'\n\n' || u.text)
			FROM unnest($3::integer[], $4::text[], $5::bytea[]) AS u (idx, text, vector)`,
			v.ID, v.Title, idx, texts, vectors); err != nil {
			return mapErr("put article chunks", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// GetArticle returns the article with its content.
func (d *db) GetArticle(ctx context.Context, id string) (*flux.Article, error) {
	if !flux.ValidArticleID(id) {
		return nil, notFound("article")
	}
	return one(ctx, d.q, "get article", "article", scanArticle(true),
		`SELECT `+articleCols+`, content FROM articles WHERE id = $1`, id)
}

// ListArticles returns the articles by id, without their content.
func (d *db) ListArticles(ctx context.Context, p flux.Page) ([]flux.Article, string, error) {
	var a args
	cond := "TRUE"
	if p.Cursor != "" {
		after, err := flux.DecodeArticleCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		cond = "id > " + a.add(after)
	}
	size := p.Size()
	rows, err := collect(ctx, d.q, "list articles", scanArticle(false),
		`SELECT `+articleCols+` FROM articles WHERE `+cond+` ORDER BY id LIMIT `+a.add(size+1), a...)
	if err != nil {
		return nil, "", err
	}
	if len(rows) <= size {
		return rows, "", nil
	}
	rows = rows[:size]
	return rows, flux.EncodeArticleCursor(rows[size-1].ID), nil
}

// DeleteArticle deletes the article and its chunks.
func (d *db) DeleteArticle(ctx context.Context, id string) error {
	if !flux.ValidArticleID(id) {
		return notFound("article")
	}
	return deleteOne(ctx, d.q, "delete article", "article", `DELETE FROM articles WHERE id = $1`, id)
}

const chunkCols = `c.article_id, c.idx, c.text, a.category, a.title, a.source, a.authority`

func scanChunk(r pgx.Row, extra ...any) (flux.ArticleChunk, error) {
	var c flux.ArticleChunk
	var idx int32
	if err := r.Scan(append([]any{&c.ArticleID, &idx, &c.Text, &c.Category, &c.Title, &c.Source, &c.Authority}, extra...)...); err != nil {
		return c, err
	}
	c.Index = int(idx)
	c.ID = flux.ChunkID(c.ArticleID, c.Index)
	return c, nil
}

// ScanVectors streams the vectors of the articles indexed under
// embedderKey.
func (d *db) ScanVectors(ctx context.Context, embedderKey string, fn func(flux.ArticleChunk) error) error {
	if !storable(embedderKey) {
		return nil
	}
	rows, err := d.q.Query(ctx, `SELECT `+chunkCols+`, c.vector FROM articles a JOIN article_chunks c ON c.article_id = a.id
		WHERE a.embedder_key = $1 AND c.vector IS NOT NULL ORDER BY a.id, c.idx`, embedderKey)
	if err != nil {
		return mapErr("scan vectors", err)
	}
	defer rows.Close()
	for rows.Next() {
		var blob []byte
		c, err := scanChunk(rows, &blob)
		if err != nil {
			return mapErr("scan vectors", err)
		}
		if c.Vector, err = flux.DecodeVector(blob); err != nil {
			return fmt.Errorf("postgres: scan vectors: chunk %s: %w", c.ID, err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return mapErr("scan vectors", rows.Err())
}

// SearchChunks ranks the chunks matching any word of query by ts_rank_cd.
func (d *db) SearchChunks(ctx context.Context, query string, k int, f flux.ChunkFilter) ([]flux.ChunkMatch, error) {
	words := flux.ArticleSearchWords(query)
	if k <= 0 || len(words) == 0 {
		return nil, ctx.Err()
	}
	for _, w := range words {
		if !storable(w) {
			return nil, nil
		}
	}
	k = min(k, flux.MaxChunkMatches)
	f, ok := storableFilter(f)
	if !ok {
		return nil, nil
	}
	var a args
	// The words hold only letters, digits and marks, and none is "or":
	// websearch_to_tsquery reads them as alternatives and, unlike
	// to_tsquery, never fails on what is left.
	cs := conds{"c.tsv @@ q.q"}
	tsq := a.add(strings.Join(words, " or "))
	if len(f.Categories) > 0 {
		cs = append(cs, "a.category = ANY("+a.add(f.Categories)+")")
	}
	if len(f.Authorities) > 0 {
		cs = append(cs, "a.authority = ANY("+a.add(f.Authorities)+")")
	}
	if len(f.ArticleIDs) > 0 {
		cs = append(cs, "a.id = ANY("+a.add(f.ArticleIDs)+")")
	}
	sql := `SELECT ` + chunkCols + `, ts_rank_cd(c.tsv, q.q) AS score
		FROM websearch_to_tsquery('english', ` + tsq + `) AS q (q), article_chunks c JOIN articles a ON a.id = c.article_id
		WHERE ` + cs.sql() + ` ORDER BY score DESC, c.article_id, c.idx LIMIT ` + a.add(k)
	return collect(ctx, d.q, "search chunks", func(r pgx.Row) (*flux.ChunkMatch, error) {
		var m flux.ChunkMatch
		var score float32
		c, err := scanChunk(r, &score)
		if err != nil {
			return nil, err
		}
		m.Chunk, m.Score = c, float64(score)
		return &m, nil
	}, sql, a...)
}

// storableFilter drops the values PostgreSQL cannot store (and so no
// article has) from the lists of f; ok is false when a list is left empty,
// so that nothing matches.
func storableFilter(f flux.ChunkFilter) (flux.ChunkFilter, bool) {
	ok := true
	keep := func(list []string) []string {
		if len(list) == 0 {
			return nil
		}
		var out []string
		for _, v := range list {
			if storable(v) {
				out = append(out, v)
			}
		}
		if len(out) == 0 {
			ok = false
		}
		return out
	}
	f = flux.ChunkFilter{Categories: keep(f.Categories), Authorities: keep(f.Authorities), ArticleIDs: keep(f.ArticleIDs)}
	return f, ok
}

// CountChunks returns the number of chunks stored.
func (d *db) CountChunks(ctx context.Context) (int, error) {
	var n int64
	if err := d.q.QueryRow(ctx, `SELECT count(*) FROM article_chunks`).Scan(&n); err != nil {
		return 0, mapErr("count chunks", err)
	}
	return int(n), nil
}

// ArticlesVersion returns the catalog's version, which a trigger on
// articles increases in every transaction that writes one.
func (d *db) ArticlesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := d.q.QueryRow(ctx, `SELECT coalesce(max(version), 1) FROM article_catalog`).Scan(&v); err != nil {
		return 0, mapErr("articles version", err)
	}
	return v, nil
}
