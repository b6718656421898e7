-- Free-standing groups of end users (SCIM Groups with `scim.groups = "groups"`): a group is
-- not a role; configuration maps group names to roles, and a membership change recomputes the
-- role of each user it touches. The display name is unique case-insensitively (its folded
-- copy carries the unique index). Memberships go with their user or their group.
CREATE TABLE user_groups (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    display_name        TEXT    NOT NULL,
    display_name_folded TEXT    NOT NULL,
    external_id         TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX user_groups_display_name_folded_key ON user_groups (display_name_folded);

CREATE TABLE user_group_members (
    group_id INTEGER NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX user_group_members_user_id_idx ON user_group_members (user_id, group_id);
