-- Several fluxd processes on one database agree on two things kept in
-- process memory before.
--
-- article_catalog holds one counter that every write to articles bumps in
-- the writing transaction (a trigger): each process compares it
-- with the version its in-memory vector index was loaded at and reloads
-- when it moved (rag.StoreIndex, flux.ArticleStore.ArticlesVersion).
CREATE TABLE article_catalog (
    id      boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (id),
    version bigint  NOT NULL
);

INSERT INTO article_catalog (id, version) VALUES (true, 1);

CREATE FUNCTION article_catalog_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- An upsert, so a catalog row deleted by hand (or by a test emptying
    -- the tables) comes back instead of the bump being lost.
    INSERT INTO article_catalog (id, version) VALUES (true, 2)
    ON CONFLICT (id) DO UPDATE SET version = article_catalog.version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_bump_catalog AFTER INSERT OR UPDATE OR DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION article_catalog_bump();

-- One open voice session per user, whichever process creates it: extra
-- open sessions left by the per-process check are closed (the newest one
-- stays open), then a partial unique index refuses a second one.
UPDATE conversations SET ended_at = updated_at, state = 'closed'
WHERE kind = 'voice' AND ended_at IS NULL AND EXISTS (
    SELECT 1 FROM conversations n
    WHERE n.user_id = conversations.user_id AND n.kind = 'voice' AND n.ended_at IS NULL
      AND (n.created_at > conversations.created_at OR (n.created_at = conversations.created_at AND n.id > conversations.id)));

CREATE UNIQUE INDEX conversations_one_open_voice ON conversations (user_id) WHERE kind = 'voice' AND ended_at IS NULL;
