-- Sign-up verifies the customer's email with a code the storefront mails
-- (STOREFRONT_SIGN_UP_VERIFIES_EMAIL). Verified, the address is enrolled with Authsignal as an
-- EMAIL_OTP authenticator; `email_verified_at` set and `email_enrolled_at` not = still to do
-- (Authsignal was down), retried on the next visit to the account page. `email_enroll_started_at`
-- lets one request at a time try it.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
ALTER TABLE users ADD COLUMN email_enrolled_at BIGINT;
ALTER TABLE users ADD COLUMN email_enroll_started_at BIGINT;

-- The one live code per customer (a new code replaces it); only a salted hash is kept.
CREATE TABLE email_verification_codes (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    code_salt  TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    tries_left BIGINT NOT NULL,
    used_at    BIGINT
);
