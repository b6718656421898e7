-- The admin realm: admins (soft-deletable), their roles and actions, their sessions, and invites.
-- Separate tables from the end-user realm: the two are never conflated.

CREATE TABLE admins (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id       TEXT    NOT NULL UNIQUE,
    firstname         TEXT    NOT NULL,
    lastname          TEXT,
    username          TEXT,
    email             TEXT    NOT NULL,
    email_folded      TEXT    NOT NULL,
    password_hash     TEXT,
    is_active         BOOLEAN NOT NULL DEFAULT FALSE,
    blocked           BOOLEAN NOT NULL DEFAULT FALSE,
    prefered_language TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    published_at      INTEGER NOT NULL,
    deleted_at        INTEGER
);
-- Soft-deleted admins keep their email reserved until purged.
CREATE UNIQUE INDEX admins_email_folded_key ON admins (email_folded);

-- At most one row: inserting it is how the first admin claims the installation.
CREATE TABLE admin_bootstrap (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    admin_id   INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE admin_roles (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id  TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    code         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    published_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX admin_roles_code_key ON admin_roles (code);

CREATE TABLE admin_role_permissions (
    role_id INTEGER NOT NULL REFERENCES admin_roles (id) ON DELETE CASCADE,
    action  TEXT    NOT NULL,
    PRIMARY KEY (role_id, action)
);

CREATE TABLE admin_user_roles (
    admin_id INTEGER NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    role_id  INTEGER NOT NULL REFERENCES admin_roles (id) ON DELETE CASCADE,
    PRIMARY KEY (admin_id, role_id)
);
CREATE INDEX admin_user_roles_role_id_idx ON admin_user_roles (role_id);

CREATE TABLE admin_sessions (
    id             TEXT    PRIMARY KEY,
    admin_id       INTEGER NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    refresh_hash   TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT
);
CREATE INDEX admin_sessions_admin_id_idx ON admin_sessions (admin_id);
CREATE UNIQUE INDEX admin_sessions_refresh_hash_key ON admin_sessions (refresh_hash);

CREATE TABLE admin_invites (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    admin_id    INTEGER NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    revoked_at  INTEGER
);
CREATE UNIQUE INDEX admin_invites_token_hash_key ON admin_invites (token_hash);
CREATE INDEX admin_invites_admin_id_idx ON admin_invites (admin_id);

INSERT INTO admin_roles (id, document_id, name, code, description, created_at, updated_at, published_at)  VALUES
    (1, 'superadminrole0000000000', 'Super Admin', 'strapi-super-admin', 'Super Admins can access and manage all features and settings.', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
    (2, 'editorrole00000000000000', 'Editor', 'strapi-editor', 'Editors can manage and publish contents including those of other users.', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
    (3, 'authorrole00000000000000', 'Author', 'strapi-author', 'Authors can manage the content they have created.', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

-- Super Admin holds every action implicitly (checked in code); Editor's defaults:
INSERT INTO admin_role_permissions (role_id, action) VALUES
    (2, 'admin::users.read'),
    (2, 'admin::invites.read'),
    (2, 'plugin::users-permissions.users.read'),
    (2, 'plugin::users-permissions.users.create'),
    (2, 'plugin::users-permissions.users.update'),
    (2, 'plugin::users-permissions.users.delete'),
    (2, 'plugin::users-permissions.roles.read'),
    (2, 'admin::audit-logs.read');
