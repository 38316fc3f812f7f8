-- Authenticator webhook events: each row is written in the same transaction as the change it
-- describes (only when a webhook URL is configured), so none is lost, then POSTed in `id`
-- order by the delivery task.
CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The event's own `id`: the same on every attempt, so receivers can drop duplicates.
    event_id     TEXT NOT NULL UNIQUE,
    event_type   TEXT NOT NULL,
    -- The exact JSON sent (and signed) on every attempt.
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    -- HTTP status of the last attempt; NULL before one, or when it got no answer.
    last_status  INTEGER,
    -- Why the last attempt got no answer (connection refused, timeout …).
    last_error   TEXT,
    delivered_at INTEGER,
    -- Set when the task gave up after its last attempt.
    abandoned_at INTEGER
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(id)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;
