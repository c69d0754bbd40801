ALTER TABLE second_opinions DROP CONSTRAINT second_opinions_status_check;
UPDATE second_opinions SET status = 'superseded' WHERE status = 'withdrawn';
ALTER TABLE second_opinions ADD CONSTRAINT second_opinions_status_check
    CHECK (status IN ('received', 'superseded'));
DROP INDEX second_opinions_fhir_composition;
ALTER TABLE second_opinions DROP COLUMN fhir_composition;
ALTER TABLE second_opinions DROP COLUMN fhir_report;
ALTER TABLE plan_versions DROP COLUMN fhir_report;
