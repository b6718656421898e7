-- The audit log: admin-realm actions and security events, written in the same transaction as
-- their change. The actor is a kind (admin, user, api_token, system, anonymous) with its id and
-- a display label; a failed login's subject is the SHA-256 of the identifier, never the text.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at  INTEGER NOT NULL,
    actor_kind   TEXT    NOT NULL,
    actor_id     INTEGER,
    actor_label  TEXT,
    action       TEXT    NOT NULL,
    subject_type TEXT,
    subject_id   TEXT,
    client_ip    TEXT,
    user_agent   TEXT,
    outcome      TEXT    NOT NULL,
    event_id     TEXT
);

CREATE INDEX audit_log_occurred_at ON audit_log (occurred_at, id);
CREATE INDEX audit_log_action ON audit_log (action, occurred_at);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id);
