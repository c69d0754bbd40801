-- Summaries (immutable snapshots of an assessment in words), share links for the treating
-- oncologist, and the conversations where an opinion was shared.

CREATE TABLE summaries (
    org_id         uuid NOT NULL,
    id             uuid NOT NULL,
    assessment_id  uuid NOT NULL,
    case_id        uuid NOT NULL,
    plan_version   integer NOT NULL,
    language       text NOT NULL,
    options        jsonb NOT NULL DEFAULT '{}',
    content        jsonb NOT NULL,
    created_by     text NOT NULL,
    generated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, assessment_id) REFERENCES assessments (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, case_id) REFERENCES cases (org_id, id) ON DELETE CASCADE
);
CREATE INDEX summaries_by_case ON summaries (org_id, case_id, generated_at DESC, id DESC);
CREATE TRIGGER summaries_immutable BEFORE UPDATE ON summaries
    FOR EACH ROW EXECUTE FUNCTION refuse_update();

-- Only the token's SHA-256 is stored; the hash is the global lookup.
CREATE TABLE share_links (
    org_id          uuid NOT NULL,
    id              uuid NOT NULL,
    summary_id      uuid NOT NULL,
    case_id         uuid NOT NULL,
    token_sha256    bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,   -- NULL: not revoked
    opened_count    integer NOT NULL DEFAULT 0,
    last_opened_at  timestamptz,   -- NULL: never opened
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, summary_id) REFERENCES summaries (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, case_id) REFERENCES cases (org_id, id) ON DELETE CASCADE
);
CREATE INDEX share_links_by_summary ON share_links (org_id, summary_id, created_at DESC);

CREATE TABLE conversations (
    org_id      uuid NOT NULL,
    id          uuid NOT NULL,
    case_id     uuid NOT NULL,
    summary_id  uuid,          -- NULL: no summary was shared at this appointment
    held_on     date NOT NULL,
    attendees   jsonb NOT NULL DEFAULT '[]',
    response    text NOT NULL CHECK (response IN ('agreed', 'plan_changed', 'kept_plan_with_reasons', 'dismissed_without_reasons')),
    notes       text CHECK (length(notes) <= 10000),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, case_id) REFERENCES cases (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, summary_id) REFERENCES summaries (org_id, id) ON DELETE CASCADE
);
CREATE INDEX conversations_by_case ON conversations (org_id, case_id, created_at DESC, id DESC);
