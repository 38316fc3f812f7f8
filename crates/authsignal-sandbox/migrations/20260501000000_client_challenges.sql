-- Passkey ceremonies started through the Client API (the Web SDK), found by the challengeId
-- the SDK sends back. A usernameless sign-in has no user until its credential answers, so
-- user_id and idempotency_key stay NULL for it.
CREATE TABLE client_challenges (
    challenge_id    TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT REFERENCES users(user_id) ON DELETE CASCADE,
    action_code     TEXT NOT NULL,
    idempotency_key TEXT,
    purpose         TEXT NOT NULL,
    -- webauthn-rs's ceremony state as JSON; NULL until options were handed out.
    state           TEXT,
    created_at      INTEGER NOT NULL
);
