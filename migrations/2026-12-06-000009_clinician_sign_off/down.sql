DROP TRIGGER summaries_immutable ON summaries;
DROP FUNCTION summaries_only_release_changes();
CREATE TRIGGER summaries_immutable BEFORE UPDATE ON summaries
    FOR EACH ROW EXECUTE FUNCTION refuse_update();
ALTER TABLE summaries DROP COLUMN primary_scenario, DROP COLUMN outcome, DROP COLUMN released;
DROP TABLE assessment_sign_offs;
DROP INDEX assessments_awaiting_sign_off;
ALTER TABLE assessments DROP COLUMN released, DROP COLUMN clinician_review_reasons, DROP COLUMN needs_clinician_review;
