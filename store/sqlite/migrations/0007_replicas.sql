-- Kept in step with the PostgreSQL schema, where several fluxd processes
-- share one database.
--
-- article_catalog holds one counter that every write to articles bumps in
-- the writing transaction (triggers): a process compares it with the
-- version its in-memory vector index was loaded at and reloads when it
-- moved (rag.StoreIndex, flux.ArticleStore.ArticlesVersion).
CREATE TABLE article_catalog (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;

INSERT INTO article_catalog (id, version) VALUES (1, 1);

CREATE TRIGGER articles_bump_catalog_insert AFTER INSERT ON articles
BEGIN
    UPDATE article_catalog SET version = version + 1;
END;

CREATE TRIGGER articles_bump_catalog_update AFTER UPDATE ON articles
BEGIN
    UPDATE article_catalog SET version = version + 1;
END;

CREATE TRIGGER articles_bump_catalog_delete AFTER DELETE ON articles
BEGIN
    UPDATE article_catalog SET version = version + 1;
END;

-- One open voice session per user: extra open sessions are closed (the
-- newest one stays open), then a partial unique index refuses a second one.
UPDATE conversations SET ended_at = updated_at, state = 'closed'
WHERE kind = 'voice' AND ended_at IS NULL AND EXISTS (
    SELECT 1 FROM conversations n
    WHERE n.user_id = conversations.user_id AND n.kind = 'voice' AND n.ended_at IS NULL
      AND (n.created_at > conversations.created_at OR (n.created_at = conversations.created_at AND n.id > conversations.id)));

CREATE UNIQUE INDEX conversations_one_open_voice ON conversations (user_id) WHERE kind = 'voice' AND ended_at IS NULL;
