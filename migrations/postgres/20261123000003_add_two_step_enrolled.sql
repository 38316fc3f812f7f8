-- What Authsignal last said about the customer's enrollment (NULL = never asked), so that
-- sign-in can fail closed for enrolled customers when Authsignal can't be reached.
-- SMALLINT 0/1, not BOOLEAN: the same queries run on SQLite, which has no boolean type.
ALTER TABLE users ADD COLUMN two_step_enrolled SMALLINT;
