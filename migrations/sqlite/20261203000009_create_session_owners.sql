-- Which signed-in session belongs to which customer, for the signed-in devices list and
-- "sign out everywhere" (the session stores keep the sessions themselves). Before this
-- migration the storefront created it in code; IF NOT EXISTS keeps such a table as it is.
CREATE TABLE IF NOT EXISTS session_owners (
    session_id TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS session_owners_by_user ON session_owners (user_id);
