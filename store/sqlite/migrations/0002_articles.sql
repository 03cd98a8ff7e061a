-- Flux schema, version 2: the article library of package rag. Articles
-- belong to no user. Vectors are BLOBs of little-endian float32; the
-- full-text index is a contentless FTS5 table whose rowid is the chunk's.

CREATE TABLE articles (
    id           TEXT    NOT NULL PRIMARY KEY,
    title        TEXT    NOT NULL,
    source       TEXT    NOT NULL DEFAULT '',
    category     TEXT    NOT NULL DEFAULT '',
    authority    TEXT    NOT NULL DEFAULT '',
    content      TEXT    NOT NULL DEFAULT '',
    hash         TEXT    NOT NULL DEFAULT '',
    embedder_key TEXT    NOT NULL DEFAULT '',
    chunking     TEXT    NOT NULL DEFAULT '',
    chunks       INTEGER NOT NULL DEFAULT 0,
    indexed_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX articles_embedder ON articles (embedder_key, id);

CREATE TABLE article_chunks (
    id         INTEGER NOT NULL PRIMARY KEY,
    article_id TEXT    NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    text       TEXT    NOT NULL,
    vector     BLOB,
    UNIQUE (article_id, idx)
) STRICT;

-- body is the article title, a blank line and the chunk text.
CREATE VIRTUAL TABLE article_chunks_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
