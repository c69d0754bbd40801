-- Partner API keys: `cnc_<prefix>_<secret>`, stored only as SHA-256 of the secret. The
-- prefix is the global lookup (small, like a reference table); several active keys per
-- partner allow rotation.
CREATE TABLE api_keys (
    org_id        uuid NOT NULL,
    id            uuid NOT NULL,
    partner_id    uuid NOT NULL,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prefix        text NOT NULL UNIQUE CHECK (prefix ~ '^[0-9A-Za-z]{8}$'),
    secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
    expires_at    timestamptz,   -- NULL: does not expire
    revoked_at    timestamptz,   -- NULL: not revoked
    last_used_at  timestamptz,   -- NULL: never used
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, partner_id) REFERENCES organizations (org_id, id)
);
CREATE INDEX api_keys_by_partner ON api_keys (org_id, partner_id, created_at DESC, id DESC);
