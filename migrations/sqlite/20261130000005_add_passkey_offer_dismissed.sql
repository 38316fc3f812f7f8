-- When the customer said "Not now" to the offer to add a passkey (NULL = never): not repeated.
ALTER TABLE users ADD COLUMN passkey_offer_dismissed_at TEXT;
