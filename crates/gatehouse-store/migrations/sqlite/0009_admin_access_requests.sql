-- Admin access requests: someone asks, through a public form, to become an admin. The password
-- is stored as the argon2id hash made when the request arrived; the confirmation link's token
-- only as its SHA-256 (NULL once used). A request counts for admins once confirmed, until it is
-- approved, rejected or expires. At most one request per email is pending at a time; an
-- expired one is marked `expired` (lazily) and frees the email.
CREATE TABLE admin_access_requests (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    email             TEXT    NOT NULL,
    email_folded      TEXT    NOT NULL,
    firstname         TEXT    NOT NULL,
    lastname          TEXT,
    message           TEXT,
    password_hash     TEXT    NOT NULL,
    confirmation_hash TEXT,
    status            TEXT    NOT NULL DEFAULT 'pending',
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    confirmed_at      INTEGER,
    decided_at        INTEGER,
    decided_by        INTEGER,
    admin_id          INTEGER REFERENCES admins (id) ON DELETE SET NULL,
    reason            TEXT
);

CREATE UNIQUE INDEX admin_access_requests_pending_email_key ON admin_access_requests (email_folded)
    WHERE status = 'pending';
CREATE UNIQUE INDEX admin_access_requests_confirmation_hash_key ON admin_access_requests (confirmation_hash);
CREATE INDEX admin_access_requests_status_idx ON admin_access_requests (status, id);
