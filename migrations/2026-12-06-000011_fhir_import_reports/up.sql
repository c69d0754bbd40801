-- FHIR R4 / mCODE (issue 18). The report of a FHIR import: what a plan version or an opinion
-- read from a FHIR Bundle did not carry over as sent (NULL for pictures sent as JSON).
ALTER TABLE plan_versions ADD COLUMN fhir_report jsonb;
ALTER TABLE second_opinions ADD COLUMN fhir_report jsonb;
-- A partner document's version-independent Composition.identifier (system|value): an amended
-- document or an entered-in-error one names the opinion it replaces or withdraws by it.
ALTER TABLE second_opinions ADD COLUMN fhir_composition text;
CREATE INDEX second_opinions_fhir_composition ON second_opinions (org_id, referral_id, fhir_composition)
    WHERE fhir_composition IS NOT NULL;
-- A partner withdraws an opinion with an entered-in-error document.
ALTER TABLE second_opinions DROP CONSTRAINT second_opinions_status_check;
ALTER TABLE second_opinions ADD CONSTRAINT second_opinions_status_check
    CHECK (status IN ('received', 'superseded', 'withdrawn'));
