-- Invites keep an optional JSON object of metadata (at most 16 KiB; the Medusa dialect's
-- invite `metadata`).
ALTER TABLE admin_invites ADD COLUMN metadata TEXT;

-- Registered identities (the Medusa dialect's emailpass registration): an email and the
-- argon2id hash of its password, waiting for the account they become (an invited admin, a
-- customer). The registration token the client holds is random and kept only as its SHA-256;
-- the row is taken when the account is made and swept once expired (24 h).
CREATE TABLE pending_identities (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    realm         TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);

CREATE UNIQUE INDEX pending_identities_token_hash_key ON pending_identities (token_hash);
CREATE INDEX pending_identities_expires_at_idx ON pending_identities (expires_at);
