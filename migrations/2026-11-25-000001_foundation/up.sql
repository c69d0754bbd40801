-- Foundation: tenants (navigator organisations and their partner hospitals), the audit
-- trail and idempotency records.

-- A navigator is a tenant; a partner belongs to the navigator that created it. Every
-- tenant-owned row carries the navigator's org_id and leads its keys with it.
CREATE TABLE organizations (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id),
    kind        text NOT NULL CHECK (kind IN ('navigator', 'partner')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- A navigator is its own tenant; a partner is another organisation's.
    CHECK ((kind = 'navigator') = (org_id = id)),
    UNIQUE (org_id, id)
);
CREATE INDEX organizations_by_tenant ON organizations (org_id, created_at DESC, id DESC);

-- One row per request that reads or writes health data and per admin action. Ids only,
-- never health data. Append-only: the trigger below refuses UPDATE and DELETE for every
-- role, the service's included.
CREATE TABLE audit_events (
    org_id       uuid NOT NULL REFERENCES organizations (id),
    id           uuid NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor_kind   text NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'share_link', 'operator', 'system')),
    actor_id     text NOT NULL,
    actor_role   text,            -- NULL for keys, links and the system
    action       text NOT NULL,
    object_type  text NOT NULL,
    object_ids   uuid[] NOT NULL DEFAULT '{}',
    case_id      uuid,            -- NULL when the object belongs to no case (partners, keys, webhooks)
    request_id   text NOT NULL,
    outcome      text NOT NULL CHECK (outcome IN ('success', 'denied', 'not_found', 'failure')),
    client_ip    text,            -- NULL when the request came from no socket (CLI)
    PRIMARY KEY (org_id, id)
);
CREATE INDEX audit_events_by_time ON audit_events (org_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_by_case ON audit_events (org_id, case_id, occurred_at DESC) WHERE case_id IS NOT NULL;

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows cannot be changed or deleted', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Idempotency-Key records: scoped to the organisation, the caller (key or subject), the
-- method and the path; the first response is replayed for the same body.
CREATE TABLE idempotency_keys (
    org_id           uuid NOT NULL REFERENCES organizations (id),
    caller           text NOT NULL,
    method           text NOT NULL,
    path             text NOT NULL,
    key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash     bytea NOT NULL,
    response_status  smallint NOT NULL,
    response_body    bytea NOT NULL,
    location         text,          -- the Location header of a 201, if any
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (org_id, caller, method, path, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
