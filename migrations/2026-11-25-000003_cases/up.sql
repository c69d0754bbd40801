-- Patients, cases, versioned plans, documents and advocates' grants. Every table carries
-- the navigator's org_id, leads its keys with it, and references its parent through
-- (org_id, id), so a row can never point into another tenant.

CREATE TABLE patients (
    org_id              uuid NOT NULL REFERENCES organizations (id),
    id                  uuid NOT NULL,
    -- NULL only after erasure (the tombstone keeps the id, nothing else)
    display_name        text CHECK (length(display_name) BETWEEN 1 AND 200),
    birth_year          smallint CHECK (birth_year BETWEEN 1900 AND 2100),
    preferred_language  text CHECK (preferred_language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
    country             text CHECK (country ~ '^[A-Z]{2}$'),
    login_sub           text CHECK (length(login_sub) BETWEEN 1 AND 255),   -- NULL: no patient login
    erased_at           timestamptz,                                         -- NULL: not erased
    created_by          text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CHECK ((erased_at IS NULL) = (display_name IS NOT NULL))
);
CREATE UNIQUE INDEX patients_login ON patients (org_id, login_sub) WHERE login_sub IS NOT NULL;
CREATE INDEX patients_by_time ON patients (org_id, created_at DESC, id DESC);

CREATE TABLE cases (
    org_id                  uuid NOT NULL,
    id                      uuid NOT NULL,
    patient_id              uuid NOT NULL,
    status                  text NOT NULL DEFAULT 'intake' CHECK (status IN
        ('intake', 'records_collecting', 'referred', 'opinion_received', 'summary_ready', 'shared_with_oncologist', 'closed')),
    assigned_coordinator    text,          -- NULL: not yet assigned
    oncologist_name         text,          -- the treating oncologist may be unknown at intake
    oncologist_institution  text,
    oncologist_country      text CHECK (oncologist_country ~ '^[A-Z]{2}$'),
    cancer_summary          text CHECK (length(cancer_summary) <= 10000),
    treatment_status        text NOT NULL DEFAULT 'not_started' CHECK (treatment_status IN ('not_started', 'in_treatment', 'completed')),
    next_step_kind          text CHECK (next_step_kind IN ('surgery', 'transplant', 'radiotherapy_planning', 'cellular_therapy', 'other')),
    next_step_date          date,          -- NULL: no step scheduled, or not yet dated
    revision                integer NOT NULL DEFAULT 1,   -- the ETag; bumped by every change
    created_by              text NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id) ON DELETE CASCADE,
    CHECK (next_step_date IS NULL OR next_step_kind IS NOT NULL)
);
CREATE INDEX cases_by_time ON cases (org_id, created_at DESC, id DESC);
CREATE INDEX cases_by_patient ON cases (org_id, patient_id);
CREATE INDEX cases_by_status ON cases (org_id, status, created_at DESC);
CREATE INDEX cases_by_next_step ON cases (org_id, next_step_date) WHERE next_step_date IS NOT NULL;
CREATE INDEX cases_by_update ON cases (org_id, updated_at);

-- Plan versions never change once written.
CREATE TABLE plan_versions (
    org_id      uuid NOT NULL,
    case_id     uuid NOT NULL,
    version     integer NOT NULL CHECK (version >= 1),
    picture     jsonb NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, case_id, version),
    FOREIGN KEY (org_id, case_id) REFERENCES cases (org_id, id) ON DELETE CASCADE
);
CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows cannot be changed', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER plan_versions_immutable BEFORE UPDATE ON plan_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_update();

CREATE TABLE documents (
    org_id              uuid NOT NULL,
    id                  uuid NOT NULL,
    case_id             uuid NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('pathology_report', 'imaging_report', 'biomarker_report',
                                                      'treatment_history', 'clinical_notes', 'other')),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    document_date       date,          -- NULL: undated
    source_institution  text,          -- NULL: not stated
    language            text,          -- NULL: not stated
    content_type        text NOT NULL,
    size_bytes          bigint NOT NULL CHECK (size_bytes >= 0),
    sha256              bytea NOT NULL CHECK (length(sha256) = 32),
    uploaded_by         text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, case_id) REFERENCES cases (org_id, id) ON DELETE CASCADE,
    UNIQUE (org_id, case_id, sha256)
);
CREATE INDEX documents_by_case ON documents (org_id, case_id, created_at DESC, id DESC);

-- The default document store: bytes in PostgreSQL, behind the DocumentStore seam.
CREATE TABLE document_blobs (
    org_id       uuid NOT NULL,
    document_id  uuid NOT NULL,
    bytes        bytea NOT NULL,
    PRIMARY KEY (org_id, document_id),
    FOREIGN KEY (org_id, document_id) REFERENCES documents (org_id, id) ON DELETE CASCADE
);

-- Advocates (family members) see the cases a grant names, within its scope and expiry.
CREATE TABLE case_members (
    org_id      uuid NOT NULL,
    id          uuid NOT NULL,
    case_id     uuid NOT NULL,
    subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    scope       text[] NOT NULL CHECK (scope <@ ARRAY['case', 'documents', 'summaries']::text[] AND cardinality(scope) >= 1),
    expires_at  timestamptz,   -- NULL: until revoked
    revoked_at  timestamptz,   -- NULL: active
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, case_id) REFERENCES cases (org_id, id) ON DELETE CASCADE
);
CREATE INDEX case_members_by_subject ON case_members (org_id, subject) WHERE revoked_at IS NULL;
CREATE INDEX case_members_by_case ON case_members (org_id, case_id, created_at DESC);
