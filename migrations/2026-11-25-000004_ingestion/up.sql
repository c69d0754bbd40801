-- Referrals to partner hospitals, second opinions (stored verbatim beside their parsed form),
-- their assessments against plan versions, clinicians' overrides, and coordinator tasks.

CREATE TABLE referrals (
    org_id          uuid NOT NULL,
    id              uuid NOT NULL,
    case_id         uuid NOT NULL,
    partner_id      uuid NOT NULL,
    status          text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'accepted', 'declined', 'answered', 'withdrawn')),
    questions       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(questions) = 'array'),
    due_date        date,          -- NULL: no due date agreed
    decline_reason  text,          -- set only when declined
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, case_id) REFERENCES cases (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, partner_id) REFERENCES organizations (org_id, id),
    CHECK ((status = 'declined') = (decline_reason IS NOT NULL))
);
CREATE INDEX referrals_by_partner ON referrals (org_id, partner_id, created_at DESC, id DESC);
CREATE INDEX referrals_by_case ON referrals (org_id, case_id, created_at DESC, id DESC);

CREATE TABLE second_opinions (
    org_id             uuid NOT NULL,
    id                 uuid NOT NULL,
    case_id            uuid NOT NULL,
    referral_id        uuid,          -- NULL: entered by a coordinator, received another way
    submitted_by_kind  text NOT NULL CHECK (submitted_by_kind IN ('partner', 'staff')),
    submitted_by       text NOT NULL,
    reviewer           jsonb NOT NULL,
    narrative          text NOT NULL DEFAULT '',
    picture            jsonb NOT NULL,
    answers            jsonb NOT NULL DEFAULT '[]',
    external_id        text,          -- NULL: the partner sent none
    supersedes         uuid,          -- NULL: not an amendment
    raw_body           bytea NOT NULL,          -- exactly the bytes received
    raw_sha256         bytea NOT NULL CHECK (length(raw_sha256) = 32),
    status             text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'superseded')),
    received_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, case_id) REFERENCES cases (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, referral_id) REFERENCES referrals (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, supersedes) REFERENCES second_opinions (org_id, id) ON DELETE CASCADE
);
CREATE INDEX second_opinions_by_case ON second_opinions (org_id, case_id, received_at DESC, id DESC);
CREATE UNIQUE INDEX second_opinions_external_id ON second_opinions (org_id, referral_id, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE assessments (
    org_id             uuid NOT NULL,
    id                 uuid NOT NULL,
    second_opinion_id  uuid NOT NULL,
    case_id            uuid NOT NULL,
    plan_version       integer NOT NULL,
    context            jsonb NOT NULL,
    computed           jsonb NOT NULL,          -- the engine's Classification, as computed
    effective          jsonb NOT NULL,          -- the same with clinicians' overrides applied
    ruleset_version    text NOT NULL,
    -- the effective result's codes, in columns for filters
    outcome            text NOT NULL CHECK (outcome IN ('confirms', 'refines', 'contradicts')),
    primary_scenario   text NOT NULL,
    urgency            text NOT NULL CHECK (urgency IN ('routine', 'before_next_decision', 'urgent')),
    current            boolean NOT NULL DEFAULT true,
    superseded_by      uuid,                    -- NULL while current
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, second_opinion_id) REFERENCES second_opinions (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, case_id, plan_version) REFERENCES plan_versions (org_id, case_id, version) ON DELETE CASCADE,
    CHECK (current = (superseded_by IS NULL))
);
CREATE UNIQUE INDEX assessments_one_current ON assessments (org_id, second_opinion_id) WHERE current;
CREATE INDEX assessments_by_opinion ON assessments (org_id, second_opinion_id, created_at DESC, id DESC);

-- Append-only: an override is never changed; a later one takes precedence.
CREATE TABLE assessment_overrides (
    org_id            uuid NOT NULL,
    id                uuid NOT NULL,
    assessment_id     uuid NOT NULL,
    outcome           text CHECK (outcome IN ('confirms', 'refines', 'contradicts')),   -- NULL: keeps the outcome
    primary_scenario  text,                                                            -- NULL: keeps the scenario
    reason            text NOT NULL CHECK (length(reason) BETWEEN 1 AND 10000),
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, assessment_id) REFERENCES assessments (org_id, id) ON DELETE CASCADE,
    CHECK (outcome IS NOT NULL OR primary_scenario IS NOT NULL)
);
CREATE INDEX assessment_overrides_by_assessment ON assessment_overrides (org_id, assessment_id, created_at);
CREATE TRIGGER assessment_overrides_append_only BEFORE UPDATE ON assessment_overrides
    FOR EACH ROW EXECUTE FUNCTION refuse_update();

CREATE TABLE tasks (
    org_id         uuid NOT NULL,
    id             uuid NOT NULL,
    case_id        uuid NOT NULL,
    assessment_id  uuid,          -- NULL: opened by something other than an assessment
    kind           text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    title          text NOT NULL,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    assignee       text,          -- NULL: unassigned
    due_date       date,          -- NULL: no deadline
    completed_by   text,
    completed_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, case_id) REFERENCES cases (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, assessment_id) REFERENCES assessments (org_id, id) ON DELETE CASCADE,
    CHECK ((status = 'open') = (completed_at IS NULL))
);
CREATE INDEX tasks_by_time ON tasks (org_id, created_at DESC, id DESC);
CREATE INDEX tasks_by_case ON tasks (org_id, case_id, status);
CREATE INDEX tasks_by_assignee ON tasks (org_id, assignee, status) WHERE assignee IS NOT NULL;
