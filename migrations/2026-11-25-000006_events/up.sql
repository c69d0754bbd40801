-- The transactional outbox, webhook subscriptions, deliveries (claimed with a lease) and
-- every delivery attempt.

CREATE TABLE events (
    org_id       uuid NOT NULL REFERENCES organizations (id),
    id           uuid NOT NULL,            -- UUIDv7: time-ordered, the polling cursor
    type         text NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    data         jsonb NOT NULL,           -- ids, statuses, codes and links only
    PRIMARY KEY (org_id, id)
);

CREATE TABLE webhook_subscriptions (
    org_id                    uuid NOT NULL REFERENCES organizations (id),
    id                        uuid NOT NULL,
    url                       text NOT NULL,
    event_types               text[] NOT NULL CHECK (cardinality(event_types) >= 1),
    secret                    bytea NOT NULL CHECK (length(secret) >= 24),
    previous_secret           bytea,            -- NULL: no rotation in progress
    previous_secret_until     timestamptz,      -- the rotation overlap's end
    enabled                   boolean NOT NULL DEFAULT true,
    created_by                text NOT NULL,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL))
);
CREATE INDEX webhook_subscriptions_by_time ON webhook_subscriptions (org_id, created_at DESC, id DESC);

CREATE TABLE webhook_deliveries (
    org_id            uuid NOT NULL,
    id                uuid NOT NULL,
    subscription_id   uuid NOT NULL,
    event_id          uuid NOT NULL,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    leased_until      timestamptz,     -- NULL: not claimed by a worker
    last_status_code  smallint,        -- NULL: no HTTP answer yet
    last_error        text,            -- NULL: no error yet
    delivered_at      timestamptz,     -- NULL: not delivered
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, subscription_id) REFERENCES webhook_subscriptions (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, event_id) REFERENCES events (org_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (org_id, subscription_id, created_at DESC, id DESC);
-- The workers' queue, across tenants.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    org_id        uuid NOT NULL,
    id            uuid NOT NULL,
    delivery_id   uuid NOT NULL,
    attempted_at  timestamptz NOT NULL DEFAULT now(),
    status_code   smallint,        -- NULL: no HTTP answer (refused, timed out)
    latency_ms    integer NOT NULL,
    error         text,            -- NULL: answered 2xx
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, delivery_id) REFERENCES webhook_deliveries (org_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (org_id, delivery_id, attempted_at);
