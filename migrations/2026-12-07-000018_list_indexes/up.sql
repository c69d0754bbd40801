-- The list filters routes offer read through an index that also gives the list's order
-- (newest first by time, then id), so page 1 and page 100 cost the same whatever the tables
-- hold (issue 19, point 3; the test `tests/api/scale.rs` and scripts/load-scale.sh show it).
-- The few left without one (task kind, audit object id, case dates) walk another index.
-- The id ends each key so the keyset cursor `(time, id) < (t, id)` is one index seek.
DROP INDEX cases_by_status;
CREATE INDEX cases_by_status ON cases (org_id, status, created_at DESC, id DESC);
-- A coordinator's own cases (`?coordinator=`), a name with no case included.
CREATE INDEX cases_by_coordinator ON cases (org_id, assigned_coordinator, created_at DESC, id DESC)
    WHERE assigned_coordinator IS NOT NULL;
-- The work queue (`/tasks?status=open`), and a coordinator's own (`&assignee=`).
CREATE INDEX tasks_by_status ON tasks (org_id, status, created_at DESC, id DESC);
DROP INDEX tasks_by_assignee;
CREATE INDEX tasks_by_assignee ON tasks (org_id, assignee, status, created_at DESC, id DESC)
    WHERE assignee IS NOT NULL;
-- A case's audit trail, and who did what (`?actor_id=`, the access report a privacy officer asks for).
DROP INDEX audit_events_by_case;
CREATE INDEX audit_events_by_case ON audit_events (org_id, case_id, occurred_at DESC, id DESC)
    WHERE case_id IS NOT NULL;
CREATE INDEX audit_events_by_actor ON audit_events (org_id, actor_id, occurred_at DESC, id DESC);
-- One kind of action or object (`?action=`, `?object_type=`): without these, one nobody took
-- was a sequential scan of the whole trail (the test saw it). No index on `object_ids` (GIN): every request
-- writes an audit row, and `?object_id=` reads through the indexes above without one.
CREATE INDEX audit_events_by_action ON audit_events (org_id, action, occurred_at DESC, id DESC);
CREATE INDEX audit_events_by_object_type ON audit_events (org_id, object_type, occurred_at DESC, id DESC);
-- A consumer of one kind of event (`/events?type=`) in the feed's own order.
CREATE INDEX events_by_type ON events (org_id, type, tx, id);
-- A partner's inbox by status (`/referrals?status=sent` with a partner key).
CREATE INDEX referrals_by_partner_status ON referrals (org_id, partner_id, status, created_at DESC, id DESC);
