-- The feed pages by event, but an event's id is taken while its transaction runs, not when it
-- commits: a transaction committing late could slip an event in behind a reader's cursor.
-- Each event now records its transaction; the feed shows only events of transactions older
-- than every transaction still running, in (transaction, id) order, so nothing can appear
-- behind a cursor once it has been handed out.
ALTER TABLE events ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_feed ON events (org_id, tx, id);
