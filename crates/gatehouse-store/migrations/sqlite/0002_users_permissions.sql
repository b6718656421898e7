-- Users & Permissions: API tokens with their actions, and indexes for the users query language.

CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    name_folded     TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    type            TEXT    NOT NULL,
    access_key_hash TEXT    NOT NULL,
    lifespan_ms     INTEGER,
    expires_at      INTEGER,
    last_used_at    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX api_tokens_name_folded_key ON api_tokens (name_folded);
CREATE UNIQUE INDEX api_tokens_access_key_hash_key ON api_tokens (access_key_hash);

CREATE TABLE api_token_actions (
    token_id INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    action   TEXT    NOT NULL,
    PRIMARY KEY (token_id, action)
);

CREATE INDEX users_created_at_idx ON users (created_at);
CREATE INDEX users_updated_at_idx ON users (updated_at);
