-- Authsignal webhook events already applied (replays and redeliveries change nothing).
CREATE TABLE webhook_events (
    event_id    TEXT PRIMARY KEY NOT NULL,
    event_type  TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- Mail to send (receipts, reset links), written with the change it reports; a worker sends
-- it and retries failures. `sent_at` set = delivered (or kept in the dev mailbox).
CREATE TABLE outgoing_mail (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT
);
CREATE INDEX outgoing_mail_due ON outgoing_mail (sent_at, next_attempt_at);

-- Single-use links mailed to a customer ("this wasn't me", password reset); only a hash
-- of each token is kept.
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    -- What the link undoes: the authenticator a receipt reported as added.
    subject    TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose);

-- Browsers (device-id cookies) a customer has signed in from: a new one gets a receipt.
CREATE TABLE known_devices (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id     TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, device_id)
);

-- The browser that last started a change to the customer's authenticators (a launch, a
-- removal), so the webhook's receipt can say where the change was made.
ALTER TABLE users ADD COLUMN change_browser TEXT;
ALTER TABLE users ADD COLUMN change_network TEXT;
ALTER TABLE users ADD COLUMN change_started_at BIGINT;

-- Changes when the password is reset or "this wasn't me" is reported: a session started with
-- credentials checked before that is ended, even one whose sign-in was in flight.
ALTER TABLE users ADD COLUMN security_stamp TEXT;
