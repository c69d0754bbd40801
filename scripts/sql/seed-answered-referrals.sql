-- Seeds :n answered referrals into navigator :'org' (its partners already exist), straight
-- into the tables, for the analytics benchmark and the EXPLAIN test: one patient, case, plan,
-- referral, opinion and current assessment per referral, a conversation for one in four, and
-- for one in ten an amended opinion (the earlier one superseded) and a superseded assessment,
-- so the query has what it must skip. Ids are derived from :'tag' and the row number, so two
-- seeds with different tags never collide. Spread over two years and every partner.
--   psql -v org=<uuid> -v n=100000 -v tag=bench -f seed-answered-referrals.sql
\set ON_ERROR_STOP on
BEGIN;
-- Row by row, the units would be refreshed through plans made while the tables were still
-- empty (nothing is analysed inside one transaction): the seed turns them off, and refreshes
-- every unit once the tables are analysed.
ALTER TABLE second_opinions DISABLE TRIGGER second_opinions_concordance;
ALTER TABLE assessments DISABLE TRIGGER assessments_concordance;
ALTER TABLE conversations DISABLE TRIGGER conversations_concordance;
CREATE TEMP TABLE seed_partners ON COMMIT DROP AS
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
      FROM organizations WHERE org_id = :'org' AND kind = 'partner';
CREATE TEMP TABLE seed ON COMMIT DROP AS
SELECT i,
       md5(:'tag' || 'patient' || i)::uuid AS patient_id,
       md5(:'tag' || 'case' || i)::uuid AS case_id,
       md5(:'tag' || 'referral' || i)::uuid AS referral_id,
       md5(:'tag' || 'opinion' || i)::uuid AS opinion_id,
       md5(:'tag' || 'earlier' || i)::uuid AS earlier_id,
       md5(:'tag' || 'assessment' || i)::uuid AS assessment_id,
       md5(:'tag' || 'old-assessment' || i)::uuid AS old_assessment_id,
       (SELECT id FROM seed_partners WHERE k = i % (SELECT count(*) FROM seed_partners)) AS partner_id,
       timestamptz '2025-01-01 00:00Z' + (i % 730) * interval '1 day' + (i % 1440) * interval '1 minute' AS received_at,
       (ARRAY['C18', 'C50', 'C34', 'C61', 'C20', 'C16', 'C25', 'C56'])[1 + i % 8] || '.' || (i % 10) AS site,
       (ARRAY['confirms', 'confirms', 'confirms', 'refines', 'refines', 'contradicts'])[1 + i % 6] AS outcome,
       (ARRAY['same_plan', 'regimen_change', 'surgery_extent', 'intent_change', 'more_workup'])[1 + i % 5] AS scenario
  FROM generate_series(1, :n) AS i;

INSERT INTO patients (org_id, id, display_name, created_by)
SELECT :'org', patient_id, 'Seeded patient ' || i, 'seed' FROM seed;
INSERT INTO cases (org_id, id, patient_id, status, created_by)
SELECT :'org', case_id, patient_id, 'opinion_received', 'seed' FROM seed;
INSERT INTO plan_versions (org_id, case_id, version, picture, created_by)
SELECT :'org', case_id, 1, jsonb_build_object('diagnosis', jsonb_build_object('primary_site', site)), 'seed'
  FROM seed;
INSERT INTO referrals (org_id, id, case_id, partner_id, status, created_by, created_at)
SELECT :'org', referral_id, case_id, partner_id, 'answered', 'seed',
       received_at - (3 + i % 40) * interval '1 day'
  FROM seed;
-- One in ten was amended: the earlier opinion is superseded and must not count.
INSERT INTO second_opinions (org_id, id, case_id, referral_id, submitted_by_kind, submitted_by,
                             reviewer, picture, raw_body, raw_sha256, status, received_at)
SELECT :'org', earlier_id, case_id, referral_id, 'partner', partner_id::text, '{}', '{}',
       '\x7b7d', sha256(convert_to('earlier' || i, 'UTF8')), 'superseded', received_at - interval '1 day'
  FROM seed WHERE i % 10 = 0;
INSERT INTO second_opinions (org_id, id, case_id, referral_id, submitted_by_kind, submitted_by,
                             reviewer, picture, raw_body, raw_sha256, status, received_at, supersedes)
SELECT :'org', opinion_id, case_id, referral_id, 'partner', partner_id::text, '{}', '{}',
       '\x7b7d', sha256(convert_to('opinion' || i, 'UTF8')), 'received', received_at,
       CASE WHEN i % 10 = 0 THEN earlier_id END
  FROM seed;
-- One in ten was reassessed: the first assessment is superseded and must not count.
INSERT INTO assessments (org_id, id, second_opinion_id, case_id, plan_version, context, computed,
                         ruleset_version, outcome, primary_scenario, urgency, current,
                         superseded_by, created_by, needs_clinician_review, released)
SELECT :'org', old_assessment_id, opinion_id, case_id, 1, '{}', '{}', '2+seed', 'contradicts',
       'intent_change', 'routine', false, assessment_id, 'seed', false, true
  FROM seed WHERE i % 10 = 5;
INSERT INTO assessments (org_id, id, second_opinion_id, case_id, plan_version, context, computed,
                         ruleset_version, outcome, primary_scenario, urgency, current,
                         created_by, needs_clinician_review, released)
SELECT :'org', assessment_id, opinion_id, case_id, 1, '{}', '{}', '3+seed', outcome, scenario,
       'routine', true, 'seed', outcome = 'contradicts', true
  FROM seed;
INSERT INTO conversations (org_id, id, case_id, held_on, response, created_by)
SELECT :'org', md5(:'tag' || 'conversation' || i)::uuid, case_id, (received_at + interval '9 days')::date,
       (ARRAY['agreed', 'plan_changed', 'kept_plan_with_reasons', 'dismissed_without_reasons'])[1 + i % 4], 'seed'
  FROM seed WHERE i % 4 = 0;
ALTER TABLE second_opinions ENABLE TRIGGER second_opinions_concordance;
ALTER TABLE assessments ENABLE TRIGGER assessments_concordance;
ALTER TABLE conversations ENABLE TRIGGER conversations_concordance;
COMMIT;
ANALYZE;
DO $$ BEGIN
    PERFORM concordance_unit_refresh(r.org_id, r.id)
       FROM referrals r
      WHERE r.created_by = 'seed'
        AND NOT EXISTS (SELECT 1 FROM concordance_units u
                         WHERE u.org_id = r.org_id AND u.referral_id = r.id);
END $$;
ANALYZE concordance_units;
