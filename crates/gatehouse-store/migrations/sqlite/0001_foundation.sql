-- Foundation: end users, roles and their grants, sessions, the event outbox, generated secrets.
-- Timestamps are integer milliseconds since the Unix epoch (UTC) on every backend.
-- Case-insensitive identity uses *_folded columns computed in Rust, so SQLite and PostgreSQL
-- agree on non-ASCII text whatever their collation.

CREATE TABLE roles (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id  TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    type         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    published_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX roles_type_key ON roles (type);

CREATE TABLE role_permissions (
    role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    action  TEXT    NOT NULL,
    PRIMARY KEY (role_id, action)
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id     TEXT    NOT NULL UNIQUE,
    username        TEXT    NOT NULL,
    username_folded TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    email_folded    TEXT    NOT NULL,
    provider        TEXT    NOT NULL DEFAULT 'local',
    password_hash   TEXT,
    confirmed       BOOLEAN NOT NULL DEFAULT FALSE,
    blocked         BOOLEAN NOT NULL DEFAULT FALSE,
    role_id         INTEGER NOT NULL REFERENCES roles (id),
    display_name    TEXT,
    settings        TEXT,
    last_login_at   INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    published_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email_folded_key ON users (email_folded);
CREATE UNIQUE INDEX users_username_folded_key ON users (username_folded);
CREATE INDEX users_role_id_idx ON users (role_id);

CREATE TABLE user_sessions (
    id             TEXT    PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id      TEXT,
    created_at     INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT
);
CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id);

CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    type        TEXT    NOT NULL,
    occurred_at INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    data        TEXT    NOT NULL
);

CREATE TABLE secrets (
    name       TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- The two built-in roles, with Strapi's ids, names and default grants.
INSERT INTO roles (id, document_id, name, description, type, created_at, updated_at, published_at) VALUES
    (1, 'authenticatedrole0000000', 'Authenticated', 'Default role given to authenticated user.', 'authenticated',
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
    (2, 'publicrole00000000000000', 'Public', 'Default role given to unauthenticated user.', 'public',
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

INSERT INTO role_permissions (role_id, action) VALUES
    (1, 'plugin::users-permissions.user.me'),
    (1, 'plugin::users-permissions.auth.changePassword'),
    (1, 'plugin::users-permissions.auth.logout'),
    (1, 'plugin::users-permissions.auth.getSessions'),
    (2, 'plugin::users-permissions.auth.callback'),
    (2, 'plugin::users-permissions.auth.register'),
    (2, 'plugin::users-permissions.auth.forgotPassword'),
    (2, 'plugin::users-permissions.auth.resetPassword'),
    (2, 'plugin::users-permissions.auth.emailConfirmation'),
    (2, 'plugin::users-permissions.auth.sendEmailConfirmation'),
    (2, 'plugin::users-permissions.auth.connect'),
    (2, 'plugin::users-permissions.auth.refresh');
