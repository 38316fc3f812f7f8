-- What Authsignal last said about the customer's enrollment (NULL = never asked), so that
-- sign-in can fail closed for enrolled customers when Authsignal can't be reached.
ALTER TABLE users ADD COLUMN two_step_enrolled INTEGER;
