-- Mail anyone can cause (a reset link from a browser that is not the customer's, a notice of a
-- sign-up with a taken address) is marked, and only it counts against the hourly cap per address.
ALTER TABLE outgoing_mail ADD COLUMN unsolicited INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outgoing_mail_by_address ON outgoing_mail (to_address, created_at);
