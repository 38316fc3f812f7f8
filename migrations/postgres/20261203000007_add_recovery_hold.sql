-- When a "this wasn't me" report left the customer with no second factor (NULL = no hold):
-- until support releases it, neither a sign-in nor a reset goes through.
ALTER TABLE users ADD COLUMN held_since TEXT;
