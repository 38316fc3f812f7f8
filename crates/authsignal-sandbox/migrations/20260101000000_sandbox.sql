-- The sandbox's own state. Times are unix milliseconds from the sandbox clock.

CREATE TABLE users (
    user_id                     TEXT PRIMARY KEY NOT NULL,
    email                       TEXT,
    email_verified              INTEGER,
    phone_number                TEXT,
    phone_number_verified       INTEGER,
    username                    TEXT,
    display_name                TEXT,
    locale                      TEXT,
    custom                      TEXT,
    default_verification_method TEXT,
    created_at                  INTEGER NOT NULL
);

CREATE TABLE authenticators (
    authenticator_id    TEXT PRIMARY KEY NOT NULL,
    user_id             TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    verification_method TEXT NOT NULL,
    email               TEXT,
    phone_number        TEXT,
    totp_secret         TEXT,
    -- Highest TOTP time step accepted, so a used code cannot be replayed.
    last_totp_step      INTEGER,
    created_at          INTEGER NOT NULL,
    verified_at         INTEGER,
    last_verified_at    INTEGER
);
CREATE INDEX authenticators_by_user ON authenticators(user_id, created_at);

CREATE TABLE actions (
    user_id              TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    action_code          TEXT NOT NULL,
    idempotency_key      TEXT NOT NULL,
    state                TEXT NOT NULL,
    verification_method  TEXT,
    redirect_url         TEXT,
    redirect_to_settings INTEGER NOT NULL DEFAULT 0,
    scope                TEXT NOT NULL,
    email                TEXT,
    phone_number         TEXT,
    ip_address           TEXT,
    user_agent           TEXT,
    device_id            TEXT,
    custom               TEXT,
    token                TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    state_updated_at     INTEGER NOT NULL,
    -- When a challenge or enrollment was last completed in the pre-built UI for this action.
    ui_verified_at       INTEGER,
    PRIMARY KEY (user_id, action_code, idempotency_key)
);

-- Email / SMS one-time codes issued by the pre-built UI.
CREATE TABLE otp_codes (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id             TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    action_code         TEXT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    verification_method TEXT NOT NULL,
    destination         TEXT NOT NULL,
    authenticator_id    TEXT,
    code                TEXT NOT NULL,
    failed_attempts     INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    consumed_at         INTEGER
);
CREATE INDEX otp_codes_by_action ON otp_codes(user_id, action_code, idempotency_key, purpose);

-- Authenticator-app secrets shown during enrollment but not yet confirmed with a code.
CREATE TABLE pending_totp (
    user_id         TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    action_code     TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    secret          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, action_code, idempotency_key)
);

-- Messages Authsignal would have sent; kept for developers and tests instead.
CREATE TABLE outbox_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    to_address TEXT NOT NULL,
    channel    TEXT NOT NULL,
    code       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_by_address ON outbox_messages(to_address, id);
