-- One change to a customer's authenticators at a time, across every instance: a short lease.
CREATE TABLE authenticator_change_leases (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token   TEXT NOT NULL,
    until   BIGINT NOT NULL
);
