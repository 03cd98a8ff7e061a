-- Local sign-in (the Supabase Auth subset fluxd serves in local mode):
-- password hashes, sign-in sessions and their refresh tokens, stored by
-- hash. Everything cascades from users; a session's access tokens
-- (local_tokens.session_id) and refresh tokens cascade from the session.

CREATE TABLE auth_passwords (
    user_id    TEXT    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE auth_sessions (
    id           TEXT    NOT NULL PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    refreshed_at INTEGER,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX auth_sessions_user ON auth_sessions (user_id, created_at, id);

CREATE TABLE auth_refresh_tokens (
    id         TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id TEXT    NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL,
    parent_id  TEXT    NOT NULL DEFAULT '',
    revoked    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX auth_refresh_tokens_hash_key ON auth_refresh_tokens (token_hash);
CREATE INDEX auth_refresh_tokens_session ON auth_refresh_tokens (session_id);
CREATE INDEX auth_refresh_tokens_user ON auth_refresh_tokens (user_id);
-- DeleteRevokedRefreshTokens.
CREATE INDEX auth_refresh_tokens_revoked ON auth_refresh_tokens (updated_at) WHERE revoked = 1;

-- The sign-in session an access token was minted for; NULL for the tokens
-- of `fluxd token`.
ALTER TABLE local_tokens ADD COLUMN session_id TEXT REFERENCES auth_sessions (id) ON DELETE CASCADE;
CREATE INDEX local_tokens_session ON local_tokens (session_id) WHERE session_id IS NOT NULL;
