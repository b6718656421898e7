-- The actions whose default grants have been seeded. Default grants come from the action
-- registry in Rust, once per action, so a grant an administrator removes stays removed. The
-- actions whose defaults 0001 and 0004 granted are marked seen here.
CREATE TABLE seeded_actions (
    action    TEXT    NOT NULL PRIMARY KEY,
    seeded_at INTEGER NOT NULL
);

INSERT INTO seeded_actions (action, seeded_at) VALUES
    ('plugin::users-permissions.user.me', 0),
    ('plugin::users-permissions.auth.changePassword', 0),
    ('plugin::users-permissions.auth.logout', 0),
    ('plugin::users-permissions.auth.getSessions', 0),
    ('plugin::users-permissions.auth.callback', 0),
    ('plugin::users-permissions.auth.register', 0),
    ('plugin::users-permissions.auth.forgotPassword', 0),
    ('plugin::users-permissions.auth.resetPassword', 0),
    ('plugin::users-permissions.auth.emailConfirmation', 0),
    ('plugin::users-permissions.auth.sendEmailConfirmation', 0),
    ('plugin::users-permissions.auth.connect', 0),
    ('plugin::users-permissions.auth.refresh', 0),
    ('admin::users.read', 0),
    ('admin::invites.read', 0),
    ('plugin::users-permissions.users.read', 0),
    ('plugin::users-permissions.users.create', 0),
    ('plugin::users-permissions.users.update', 0),
    ('plugin::users-permissions.users.delete', 0),
    ('plugin::users-permissions.roles.read', 0),
    ('admin::audit-logs.read', 0);
