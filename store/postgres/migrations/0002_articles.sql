-- Flux schema, version 2 (PostgreSQL): the article library of package rag.
-- Articles belong to no user. Ids compare byte by byte (COLLATE "C") so that
-- the list order is the same as on SQLite. Vectors are bytea of
-- little-endian float32; tsv is the English full-text vector of the article
-- title and the chunk text.

CREATE TABLE articles (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    title        text        NOT NULL,
    source       text        NOT NULL DEFAULT '',
    category     text        NOT NULL DEFAULT '',
    authority    text        NOT NULL DEFAULT '',
    content      text        NOT NULL DEFAULT '',
    hash         text        NOT NULL DEFAULT '',
    embedder_key text        NOT NULL DEFAULT '',
    chunking     text        NOT NULL DEFAULT '',
    chunks       integer     NOT NULL DEFAULT 0,
    indexed_at   timestamptz NOT NULL
);

CREATE INDEX articles_embedder ON articles (embedder_key, id);

CREATE TABLE article_chunks (
    article_id text COLLATE "C" NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    idx        integer  NOT NULL,
    text       text     NOT NULL,
    vector     bytea,
    tsv        tsvector NOT NULL,
    PRIMARY KEY (article_id, idx)
);

CREATE INDEX article_chunks_tsv ON article_chunks USING gin (tsv);
