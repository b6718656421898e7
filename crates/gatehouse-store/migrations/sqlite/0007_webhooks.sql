-- Webhooks: the endpoints events are delivered to, one delivery row per (event, endpoint), the
-- history of every attempt, and the fan-out cursor over the events table.

CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    -- JSON array of event types, or ["*"]
    events     TEXT    NOT NULL,
    -- JSON object of extra request headers
    headers    TEXT    NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    -- `whsec_…`, kept in clear: signing needs it (never shown after creation)
    secret     TEXT    NOT NULL,
    -- the end of the outbox when it was created: older events are not sent to it
    from_seq   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    occurred_at      INTEGER NOT NULL,
    -- the exact body sent on every attempt
    payload          TEXT    NOT NULL,
    -- pending, succeeded, failed
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,
    claimed_by       TEXT,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
-- The claim reads three small sets, never the whole backlog: per endpoint its oldest pending
-- first attempt, the retries that are due, and the leases held.
CREATE INDEX webhook_deliveries_first_idx ON webhook_deliveries (webhook_id, id)
    WHERE status = 'pending' AND attempts = 0;
CREATE INDEX webhook_deliveries_retry_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending' AND attempts > 0;
CREATE INDEX webhook_deliveries_leased_idx ON webhook_deliveries (webhook_id, lease_until)
    WHERE lease_until IS NOT NULL;
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_status_idx ON webhook_deliveries (status);
CREATE UNIQUE INDEX webhook_deliveries_event_key ON webhook_deliveries (webhook_id, event_id);

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER,
    duration_ms INTEGER NOT NULL,
    error       TEXT
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt);

-- One row: the last events.seq fanned out to deliveries. Starts at the current end of the
-- outbox, so installing webhooks does not replay history.
CREATE TABLE webhook_cursor (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO webhook_cursor (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM events;
