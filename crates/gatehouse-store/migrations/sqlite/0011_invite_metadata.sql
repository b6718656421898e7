-- Invites keep an optional JSON object of metadata (at most 16 KiB; the Medusa dialect's
-- invite `metadata`).
ALTER TABLE admin_invites ADD COLUMN metadata TEXT;
