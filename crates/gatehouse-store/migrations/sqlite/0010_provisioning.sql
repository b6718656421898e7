-- Provisioning by an identity provider (SCIM): the provider's own id for a user or a role
-- (`external_id`, as given), and the user attributes Gatehouse has no column of its own for
-- (`profile`: a JSON object such as name parts, every email with its type, the enterprise
-- extension), kept as given so they read back unchanged.
ALTER TABLE users ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN profile TEXT;
ALTER TABLE roles ADD COLUMN external_id TEXT;
CREATE INDEX users_external_id_idx ON users (external_id);
