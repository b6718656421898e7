-- An admin provisioned by an identity provider (SCIM with `scim.realm = "admins"`) keeps its
-- `userName` in `username`, unique case-insensitively through its folded copy (NULL for
-- admins made any other way), and the attributes the admin realm has no column of its own
-- for (`profile`: name parts, every email with its type, the enterprise extension…), kept as
-- given so they read back unchanged, as `users.profile` does for end users. An admin role
-- pushed as a SCIM Group keeps the provider's id for it, as `roles.external_id` does.
ALTER TABLE admins ADD COLUMN username_folded TEXT;
ALTER TABLE admins ADD COLUMN profile TEXT;
CREATE UNIQUE INDEX admins_username_folded_key ON admins (username_folded);
ALTER TABLE admin_roles ADD COLUMN external_id TEXT;
