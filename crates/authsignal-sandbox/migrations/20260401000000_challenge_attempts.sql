-- Failed answers to a challenge that has no issued code (authenticator app, passkey), per
-- action and method: like an emailed code, a challenge takes a limited number of them.
CREATE TABLE challenge_attempts (
    user_id             TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    action_code         TEXT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    verification_method TEXT NOT NULL,
    failed_attempts     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, action_code, idempotency_key, verification_method)
);
