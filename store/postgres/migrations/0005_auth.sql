-- Local sign-in (the Supabase Auth subset fluxd serves in local mode):
-- password hashes, sign-in sessions and their refresh tokens, stored by
-- hash. Everything cascades from users; a session's access tokens
-- (local_tokens.session_id) and refresh tokens cascade from the session.

CREATE TABLE auth_passwords (
    user_id    uuid        NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash       text        NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE auth_sessions (
    id           uuid        NOT NULL PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    refreshed_at timestamptz,
    created_at   timestamptz NOT NULL
);

CREATE INDEX auth_sessions_user ON auth_sessions (user_id, created_at, id);

CREATE TABLE auth_refresh_tokens (
    id         uuid        NOT NULL PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id uuid        NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    token_hash text        NOT NULL,
    parent_id  text        NOT NULL DEFAULT '',
    revoked    boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE UNIQUE INDEX auth_refresh_tokens_hash_key ON auth_refresh_tokens (token_hash);
CREATE INDEX auth_refresh_tokens_session ON auth_refresh_tokens (session_id);
CREATE INDEX auth_refresh_tokens_user ON auth_refresh_tokens (user_id);
-- DeleteRevokedRefreshTokens.
CREATE INDEX auth_refresh_tokens_revoked ON auth_refresh_tokens (updated_at) WHERE revoked;

-- The sign-in session an access token was minted for; NULL for the tokens
-- of `fluxd token`.
ALTER TABLE local_tokens ADD COLUMN session_id uuid REFERENCES auth_sessions (id) ON DELETE CASCADE;
CREATE INDEX local_tokens_session ON local_tokens (session_id) WHERE session_id IS NOT NULL;
