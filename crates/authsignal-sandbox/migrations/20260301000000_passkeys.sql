-- Passkeys: the WebAuthn credential kept with its authenticator, and the ceremonies in flight.

-- webauthn-rs's `Passkey` (public key, counter, backup flags) as JSON.
ALTER TABLE authenticators ADD COLUMN passkey TEXT;
-- base64url credential id, to find the authenticator an assertion was made with.
ALTER TABLE authenticators ADD COLUMN credential_id TEXT;
-- What Authsignal reports about the credential (name, aaguid, user agent …) as JSON.
ALTER TABLE authenticators ADD COLUMN passkey_details TEXT;
-- A credential belongs to one account only.
CREATE UNIQUE INDEX authenticators_by_credential ON authenticators(credential_id) WHERE credential_id IS NOT NULL;

-- The server half of a registration or authentication started in the pre-built UI.
CREATE TABLE passkey_ceremonies (
    user_id         TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    action_code     TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    state           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, action_code, idempotency_key, purpose)
);
