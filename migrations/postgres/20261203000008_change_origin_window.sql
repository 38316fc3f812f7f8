-- A change is named after the browser that made it only inside that browser's launch: the
-- window ends at the launch's return (milliseconds: a change a moment later is not its). `change_by` says who opened it: 'browser' or 'support'.
ALTER TABLE users ADD COLUMN change_ended_at_ms BIGINT;
ALTER TABLE users ADD COLUMN change_by TEXT;
