-- Ruleset 3's release gate (api.md, "Clinician sign-off"): an assessment whose computed result
-- needs a clinician's review is held back from the patient until a clinician signs it off.
-- Assessments made before the gate existed need no review and stay released.
ALTER TABLE assessments
    ADD COLUMN needs_clinician_review   boolean NOT NULL DEFAULT false,
    ADD COLUMN clinician_review_reasons text[]  NOT NULL DEFAULT '{}',
    -- false while a review is needed and no valid sign-off exists; kept with the sign-offs
    ADD COLUMN released                 boolean NOT NULL DEFAULT true,
    ADD CHECK (released OR needs_clinician_review);

-- The review queue: current, held assessments, urgent first, then oldest first.
CREATE INDEX assessments_awaiting_sign_off
    ON assessments (org_id, (urgency = 'urgent') DESC, created_at, id)
    WHERE current AND NOT released;

-- Append-only: a sign-off is never changed, except that an override recorded after it voids it.
CREATE TABLE assessment_sign_offs (
    org_id                     uuid NOT NULL,
    id                         uuid NOT NULL,
    assessment_id              uuid NOT NULL,
    signed_by                  text NOT NULL,
    reason                     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    -- the effective result the clinician approved
    approved_outcome           text NOT NULL,
    approved_primary_scenario  text NOT NULL,
    approved_override_id       uuid,
    -- a sign-off carried over to a reassessment with the same plan version, ruleset and result
    carried_from               uuid,
    voided_by_override         uuid,
    voided_at                  timestamptz,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, assessment_id) REFERENCES assessments (org_id, id) ON DELETE CASCADE,
    CHECK ((voided_at IS NULL) = (voided_by_override IS NULL))
);
-- Two clinicians signing at once: one wins, the other meets this index.
CREATE UNIQUE INDEX assessment_sign_offs_one_valid
    ON assessment_sign_offs (org_id, assessment_id) WHERE voided_at IS NULL;

-- A summary records the result it was written from, so a sign-off releases only the summaries
-- that say what the clinician approved. Summaries written before the gate stay released.
ALTER TABLE summaries
    ADD COLUMN released          boolean NOT NULL DEFAULT true,
    ADD COLUMN outcome           text,
    ADD COLUMN primary_scenario  text;

-- A summary's words never change; only whether the patient may see them does.
DROP TRIGGER summaries_immutable ON summaries;
CREATE FUNCTION summaries_only_release_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) - 'released') IS DISTINCT FROM (to_jsonb(OLD) - 'released') THEN
        RAISE EXCEPTION 'summaries rows cannot be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER summaries_immutable BEFORE UPDATE ON summaries
    FOR EACH ROW EXECUTE FUNCTION summaries_only_release_changes();
