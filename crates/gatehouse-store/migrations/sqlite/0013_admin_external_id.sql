-- The provisioning id an identity provider gives an admin (SCIM's `externalId` with
-- `scim.realm = "admins"`), kept as given; NULL for admins made any other way.
ALTER TABLE admins ADD COLUMN external_id TEXT;
