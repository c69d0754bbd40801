-- Seeds navigator :'org' with a large, realistic history, straight into the tables, for the scale
-- benchmark (scripts/load-scale.sh) and EXPLAIN tests of the list routes at size:
--   :cases cases, each with its patient, spread over the three years before :'until', in every
--     status (the young ones not yet far along, most old ones shared or closed), six coordinators;
--     current plans (one to three versions);
--   referrals to the organisation's partners (three partner hospitals, each with an API key, are
--     created when it has none) in every status; second opinions for the answered ones (one in
--     twelve amended: the earlier one superseded);
--   :assessments assessments: one per amended opinion, the rest spread over the answered opinions
--     (first made when the opinion arrived, then again for each later plan version and after the
--     ruleset upgrade; only the last is current); those the release gate holds are signed off by
--     a clinician after a day or two, except in the last ten days;
--   tasks: those the assessments' actions open, the clinicians' review tasks, and work opened by
--     hand (records, translation, the oncologist's appointment, follow-up), open, done or
--     cancelled; the conversations with the oncologist;
--   :audit audit rows (one case, the organisation's busiest, gets 1 % of them; the rest follow the
--     cases' activity) and :events events of the feed, with the types, payloads and links the
--     service emits.
-- The classifications are the engine's own results for worked examples of tests/fixtures/cases,
-- with their pictures. Ids derive from :'tag' and the row number (the events' and audit rows' as
-- UUIDv7 of their time, as the service makes them), so two seeds with different tags never collide.
--   psql -v org=<uuid> -v cases=100000 -v audit=1000000 -v events=500000 -v assessments=200000 \
--        -v tag=scale -f seed-scale.sql
-- Optional: -v until=YYYY-MM-DD, the history's end (default: today, UTC); -v base=<url>, the
-- PUBLIC_BASE_URL of the links in event payloads (default https://concord.example);
-- -v audit_from=N adds only the audit rows N..:audit to an earlier seed made with the same tag,
-- counts and until (to grow the trail: audit=10000, then audit=1000000 audit_from=10001).
-- Needs :assessments at least the number of opinions (about 0.75 times :cases).
\set ON_ERROR_STOP on
\if :{?until}
\else
SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS until \gset
\endif
\if :{?base}
\else
\set base 'https://concord.example'
\endif
\if :{?audit_from}
\else
\set audit_from 1
\endif
SELECT :audit_from > 1 AS audit_only,
       (timestamptz :'until' - interval '1095 days')::text AS t0 \gset
SELECT EXISTS (SELECT 1 FROM organizations WHERE id = :'org' AND kind = 'navigator') AS is_navigator \gset
\if :is_navigator
\else
DO $$ BEGIN RAISE EXCEPTION 'org names no navigator organisation'; END $$;
\endif

BEGIN;
SET LOCAL work_mem = '64MB';
-- A uniform draw in [0, 1) derived from a text; a UUIDv7 of a time with its random bits from
-- an md5 (hex digits: pass a column, or the inlined body computes the md5 once per use).
CREATE FUNCTION pg_temp.u(text) RETURNS double precision LANGUAGE sql IMMUTABLE
    AS $$ SELECT ('x' || substr(md5($1), 1, 12))::bit(48)::bigint / 281474976710656.0 $$;
CREATE FUNCTION pg_temp.v7(timestamptz, text) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT (lpad(to_hex(floor(extract(epoch FROM $1) * 1000)::bigint), 12, '0') || '7' || substr($2, 1, 3)
                  || translate(substr($2, 4, 1), '0123456789abcdef', '89ab89ab89ab89ab') || substr($2, 5, 15))::uuid $$;

\if :audit_only
\else
-- Row by row, the units would be refreshed through plans made while the tables were still
-- empty (nothing is analysed inside one transaction): the seed turns them off, and refreshes
-- every unit once the tables are analysed.
ALTER TABLE second_opinions DISABLE TRIGGER second_opinions_concordance;
ALTER TABLE assessments DISABLE TRIGGER assessments_concordance;
ALTER TABLE conversations DISABLE TRIGGER conversations_concordance;

-- Partner hospitals, with a key each (its secret unknown: the key only names the sender).
INSERT INTO organizations (id, org_id, kind, name, created_at, updated_at)
SELECT md5(:'org' || :'tag' || 'partner' || p)::uuid, :'org', 'partner', name, timestamptz :'t0' - interval '30 days',
       timestamptz :'t0' - interval '30 days'
  FROM (VALUES (1, 'Tata Memorial Centre'), (2, 'Apollo Cancer Centre'), (3, 'Christian Medical College Vellore')) AS p (p, name)
 WHERE NOT EXISTS (SELECT 1 FROM organizations WHERE org_id = :'org' AND kind = 'partner');
INSERT INTO api_keys (org_id, id, partner_id, name, prefix, secret_sha256, created_by, created_at)
SELECT :'org', md5(:'org' || :'tag' || 'key' || p)::uuid, md5(:'org' || :'tag' || 'partner' || p)::uuid, 'Referral desk',
       substr(md5(:'org' || :'tag' || 'key-prefix' || p), 1, 8), sha256(convert_to(:'org' || :'tag' || 'key-secret' || p, 'UTF8')),
       'admin-1', timestamptz :'t0' - interval '29 days'
  FROM generate_series(1, 3) AS p
 WHERE EXISTS (SELECT 1 FROM organizations WHERE id = md5(:'org' || :'tag' || 'partner' || p)::uuid AND org_id = :'org');
\endif

CREATE TEMP TABLE seed_partners ON COMMIT DROP AS
SELECT o.id, o.name, row_number() OVER (ORDER BY o.created_at, o.id) - 1 AS k,
       coalesce((SELECT k.id FROM api_keys k WHERE k.org_id = o.org_id AND k.partner_id = o.id
                  ORDER BY k.created_at LIMIT 1), md5(:'tag' || 'key' || o.id)::uuid) AS key_id
  FROM organizations o WHERE o.org_id = :'org' AND o.kind = 'partner';
SELECT count(*) AS partners FROM seed_partners \gset

\if :audit_only
\else
-- The engine's results for worked examples (tests/fixtures/cases), weighted so that about 40 %
-- of opinions confirm the plan, 38 % refine it and 22 % contradict it.
CREATE TEMP TABLE seed_tpl (
    k integer PRIMARY KEY, weight double precision, name text, current jsonb, opinion jsonb,
    context jsonb, computed jsonb
) ON COMMIT DROP;
-- Generated once from a running service: per example the current and the opinion's picture as
-- PUT /v1/cases/{id}/plan stores them, the example's context, and POST /v1/discordance/classify's
-- answer (the computed result an ingestion stores).
INSERT INTO seed_tpl (k, weight, name, current, opinion, context, computed) VALUES
(1, 6.6667, 'breast-confirms-brand-name',
 $j${"plan":{"intent":"curative","surgery":{"procedure":"lumpectomy"},"location":{"country":"IN"},"radiotherapy":{"fractions":15,"total_dose_gy":40.05,"radiation_type":"photon"},"systemic_therapy":[{"drugs":["letrozole"]}]},"diagnosis":{"grade":2,"stage":{"m":"M0","n":"N0","t":"T2","group":"IIA","system":"AJCC8"},"histology":"8500/3","biomarkers":[{"name":"ER","result":"positive"},{"name":"PR","result":"positive"},{"name":"HER2","result":"negative"}],"primary_site":"C50.4","histology_text":"invasive ductal carcinoma"}}$j$,
 $j${"plan":{"intent":"curative","surgery":{"procedure":"Lumpectomy"},"location":{"country":"IN"},"radiotherapy":{"fractions":15,"total_dose_gy":40.05,"radiation_type":"photon"},"systemic_therapy":[{"drugs":["Femara"]}]},"diagnosis":{"grade":2,"stage":{"m":"M0","n":"N0","t":"T2","group":"IIA","system":"AJCC8"},"histology":"8500/3","biomarkers":[{"name":"ER","result":"positive"},{"name":"PR","result":"positive"},{"name":"HER2","result":"negative"}],"primary_site":"C50.4","histology_text":"invasive ductal carcinoma"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started","next_irreversible_step":{"kind":"surgery","date":"2026-12-15"},"patient_country":"IN"}$j$,
 $j${"outcome":"confirms","primary_scenario":"confirms_plan","scenarios":["confirms_plan"],"actions":["proceed_with_plan"],"urgency":"routine","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8500/3","text":"invasive ductal carcinoma"},"opinion":{"code":"8500/3","text":"invasive ductal carcinoma"},"explanation":"Both read the histology as 8500/3 (invasive ductal carcinoma)."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C50.4"},"opinion":{"code":"C50.4"},"explanation":"The second opinion places the primary tumour in C50.4, as does the current diagnosis (C50.4)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":2},"opinion":{"grade":2},"explanation":"Both give grade 2."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IIA","m":"M0","n":"N0","system":"AJCC8","t":"T2"},"opinion":{"group":"IIA","m":"M0","n":"N0","system":"AJCC8","t":"T2"},"explanation":"Both stage the cancer as stage IIA (T2 N0 M0)."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"ER","name":"ER","result":"positive"},"opinion":{"gene":"ER","name":"ER","result":"positive"},"explanation":"Both report ER positive."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"HER2","name":"HER2","result":"negative"},"opinion":{"gene":"HER2","name":"HER2","result":"negative"},"explanation":"Both report HER2 negative."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"PR","name":"PR","result":"positive"},"opinion":{"gene":"PR","name":"PR","result":"positive"},"explanation":"Both report PR positive."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"drugs":["letrozole"],"regimens":[]},"opinion":{"drugs":["letrozole"],"regimens":[]},"explanation":"Both recommend the same anticancer medicines: letrozole."},{"dimension":"radiotherapy","change":"same","severity":"none","current":{"dose_per_fraction_gy":2.67,"fractions":15,"radiation_type":"photon","total_dose_gy":40.05},"opinion":{"dose_per_fraction_gy":2.67,"fractions":15,"radiation_type":"photon","total_dose_gy":40.05},"explanation":"Both recommend the same radiotherapy (40.05 Gy in 15 sessions)."},{"dimension":"surgery","change":"same","severity":"none","current":{"as_written":"lumpectomy","extent":"conserving","organ":"breast","procedure":"breast-conserving surgery"},"opinion":{"as_written":"Lumpectomy","extent":"conserving","organ":"breast","procedure":"breast-conserving surgery"},"explanation":"Both recommend the same operation: breast-conserving surgery."},{"dimension":"location","change":"same","severity":"none","current":{"country":"IN"},"opinion":{"country":"IN"},"explanation":"Both plans would be delivered in India (IN)."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion confirms the current diagnosis and plan as far as it states them."}$j$),
(2, 6.6667, 'lung-rt-equivalent-fractionation',
 $j${"plan":{"intent":"curative","radiotherapy":{"fractions":30,"total_dose_gy":60.0},"systemic_therapy":[{"regimen":"carbo-taxol"}]},"diagnosis":{"stage":{"group":"IIIA","system":"AJCC8"},"histology":"8070/3","primary_site":"C34.3"}}$j$,
 $j${"plan":{"intent":"curative","radiotherapy":{"fractions":33,"total_dose_gy":59.4},"systemic_therapy":[{"drugs":["paclitaxel","carboplatin"]}]},"diagnosis":{"stage":{"group":"IIIA","system":"AJCC8"},"histology":"8070/3","primary_site":"C34.3"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started"}$j$,
 $j${"outcome":"confirms","primary_scenario":"confirms_plan","scenarios":["confirms_plan"],"actions":["proceed_with_plan"],"urgency":"routine","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8070/3"},"opinion":{"code":"8070/3"},"explanation":"Both read the histology as 8070/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C34.3"},"opinion":{"code":"C34.3"},"explanation":"The second opinion places the primary tumour in C34.3, as does the current diagnosis (C34.3)."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IIIA","system":"AJCC8"},"opinion":{"group":"IIIA","system":"AJCC8"},"explanation":"Both stage the cancer as stage IIIA."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"drugs":["carboplatin","paclitaxel"],"regimens":["carbo-taxol"]},"opinion":{"drugs":["carboplatin","paclitaxel"],"regimens":[]},"explanation":"Both recommend the same anticancer medicines: carboplatin and paclitaxel."},{"dimension":"radiotherapy","change":"same","severity":"none","current":{"alpha_beta_gy":10.0,"dose_per_fraction_gy":2.0,"eqd2_gy":60.0,"fractions":30,"total_dose_gy":60.0},"opinion":{"alpha_beta_gy":10.0,"dose_per_fraction_gy":1.8,"eqd2_gy":58.41,"fractions":33,"total_dose_gy":59.4},"explanation":"The second opinion's radiotherapy (59.4 Gy in 33 sessions) matches the current plan's (60 Gy in 30 sessions): the difference in effective dose is within 5% (EQD2 58.4 vs 60.0 Gy, alpha/beta 10)."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion confirms the current diagnosis and plan as far as it states them."}$j$),
(3, 6.6667, 'r3-tnbc-cps-5-score-only-still-positive',
 $j${"plan":{"line":"first","intent":"palliative","systemic_therapy":[{"drugs":["nab-paclitaxel"]}]},"diagnosis":{"grade":3,"stage":{"m":"M1","group":"IV","system":"AJCC8"},"histology":"8500/3","biomarkers":[{"name":"ER","result":"negative"},{"name":"PR","result":"negative"},{"name":"HER2","result":"negative"},{"name":"PD-L1","value":"CPS 5","result":"positive"}],"primary_site":"C50.9"}}$j$,
 $j${"plan":{"line":"first","intent":"palliative","systemic_therapy":[{"drugs":["nab-paclitaxel"]}]},"diagnosis":{"grade":3,"stage":{"m":"M1","group":"IV","system":"AJCC8"},"histology":"8500/3","biomarkers":[{"name":"ER","result":"negative"},{"name":"PR","result":"negative"},{"name":"HER2","result":"negative"},{"name":"PD-L1","score":{"assay":"22C3","value":5.0,"system":"CPS"}}],"primary_site":"C50.9"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started"}$j$,
 $j${"outcome":"confirms","primary_scenario":"confirms_plan","scenarios":["confirms_plan"],"actions":["proceed_with_plan"],"urgency":"routine","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8500/3"},"opinion":{"code":"8500/3"},"explanation":"Both read the histology as 8500/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C50.9"},"opinion":{"code":"C50.9"},"explanation":"The second opinion places the primary tumour in C50.9, as does the current diagnosis (C50.9)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":3},"opinion":{"grade":3},"explanation":"Both give grade 3."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IV","m":"M1","system":"AJCC8"},"opinion":{"group":"IV","m":"M1","system":"AJCC8"},"explanation":"Both stage the cancer as stage IV (M1)."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"ER","name":"ER","result":"negative"},"opinion":{"gene":"ER","name":"ER","result":"negative"},"explanation":"Both report ER negative."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"HER2","name":"HER2","result":"negative"},"opinion":{"gene":"HER2","name":"HER2","result":"negative"},"explanation":"Both report HER2 negative."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"PD-L1","name":"PD-L1","result":"positive","value":"CPS 5"},"opinion":{"gene":"PD-L1","name":"PD-L1","result":"positive (CPS 5)","score":{"assay":"22C3","system":"CPS","value":5.0}},"explanation":"Both report PD-L1 positive (CPS 5) (CPS 5, below the cut-off of 10 (pembrolizumab + chemo, metastatic TNBC (KEYNOTE-355)))."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"PR","name":"PR","result":"negative"},"opinion":{"gene":"PR","name":"PR","result":"negative"},"explanation":"Both report PR negative."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"palliative"},"opinion":{"intent":"palliative"},"explanation":"Both plans aim to control the cancer and its symptoms rather than cure it."},{"dimension":"line","change":"same","severity":"none","current":{"line":"first"},"opinion":{"line":"first"},"explanation":"Both plans are first-line therapy."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"drugs":["nab-paclitaxel"],"regimens":[]},"opinion":{"drugs":["nab-paclitaxel"],"regimens":[]},"explanation":"Both recommend the same anticancer medicines: nab-paclitaxel."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion confirms the current diagnosis and plan as far as it states them."}$j$),
(4, 6.6667, 'pathology-only-review-agrees',
 $j${"plan":{"intent":"curative","surgery":{"procedure":"cytoreductive surgery"},"systemic_therapy":[{"regimen":"carbo-taxol"}]},"diagnosis":{"grade":3,"stage":{"group":"IIIC","system":"AJCC8"},"histology":"8461/3","primary_site":"C56.9"}}$j$,
 $j${"diagnosis":{"grade":3,"histology":"8461/3","primary_site":"C56.9"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started"}$j$,
 $j${"outcome":"confirms","primary_scenario":"confirms_reviewed_parts","scenarios":["confirms_reviewed_parts"],"actions":["plan_not_fully_reviewed"],"urgency":"routine","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8461/3"},"opinion":{"code":"8461/3"},"explanation":"Both read the histology as 8461/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C56.9"},"opinion":{"code":"C56.9"},"explanation":"The second opinion places the primary tumour in C56.9, as does the current diagnosis (C56.9)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":3},"opinion":{"grade":3},"explanation":"Both give grade 3."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion agrees with what it reviewed (diagnosis) and did not review the rest of the plan."}$j$),
(5, 6.6667, 'r3-dlbcl-ecog3-rchop-agreed',
 $j${"plan":{"intent":"curative","systemic_therapy":[{"cycles":6,"regimen":"R-CHOP","cycle_length_days":21}]},"diagnosis":{"stage":{"group":"IV","system":"Lugano"},"histology":"9680/3","primary_site":"C77.9"},"performance_status":{"scale":"ECOG","value":3}}$j$,
 $j${"plan":{"intent":"curative","systemic_therapy":[{"cycles":6,"regimen":"R-CHOP","cycle_length_days":21}]},"diagnosis":{"stage":{"group":"IV","system":"Lugano"},"histology":"9680/3","primary_site":"C77.9"},"performance_status":{"scale":"ECOG","value":3}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started"}$j$,
 $j${"outcome":"confirms","primary_scenario":"confirms_plan","scenarios":["confirms_plan"],"actions":["proceed_with_plan","assess_fitness_for_treatment"],"urgency":"routine","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"9680/3"},"opinion":{"code":"9680/3"},"explanation":"Both read the histology as 9680/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C77.9"},"opinion":{"code":"C77.9"},"explanation":"The second opinion places the primary tumour in C77.9, as does the current diagnosis (C77.9)."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IV","system":"Lugano"},"opinion":{"group":"IV","system":"Lugano"},"explanation":"Both stage the cancer as stage IV."},{"dimension":"performance_status","change":"same","severity":"none","current":{"fit":false,"scale":"ECOG","value":3},"opinion":{"fit":false,"scale":"ECOG","value":3},"explanation":"Both describe how much the patient can do day to day alike (ECOG 3 and ECOG 3)."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"cycle_length_days":21,"cycles":6,"drugs":["cyclophosphamide","doxorubicin","prednisone","rituximab","vincristine"],"regimens":["R-CHOP"]},"opinion":{"cycle_length_days":21,"cycles":6,"drugs":["cyclophosphamide","doxorubicin","prednisone","rituximab","vincristine"],"regimens":["R-CHOP"]},"explanation":"Both recommend the same anticancer medicines: cyclophosphamide, doxorubicin, prednisone, rituximab and vincristine."}],"review_reasons":["Performance status ECOG 3 against an intensive plan: the current plan gives three or more chemotherapy drugs (cyclophosphamide, doxorubicin, vincristine; tested at ECOG 0-1, e.g. PRODIGE 4); the second opinion gives three or more chemotherapy drugs (cyclophosphamide, doxorubicin, vincristine; tested at ECOG 0-1, e.g. PRODIGE 4). Check fitness for treatment first."],"review_items":[{"code":"performance_status_vs_intensive_plan","text":"Performance status ECOG 3 against an intensive plan: the current plan gives three or more chemotherapy drugs (cyclophosphamide, doxorubicin, vincristine; tested at ECOG 0-1, e.g. PRODIGE 4); the second opinion gives three or more chemotherapy drugs (cyclophosphamide, doxorubicin, vincristine; tested at ECOG 0-1, e.g. PRODIGE 4). Check fitness for treatment first."}],"ruleset_version":"3","explanation":"The second opinion confirms the current diagnosis and plan as far as it states them."}$j$),
(6, 6.6667, 'r3-pancreas-ecog2-folfirinox-fitness-check',
 $j${"plan":{"line":"first","intent":"palliative","systemic_therapy":[{"regimen":"FOLFIRINOX"}]},"diagnosis":{"stage":{"m":"M0","n":"N0","t":"T4","group":"III","prefix":"c","system":"AJCC8"},"histology":"8140/3","primary_site":"C25.0"},"performance_status":{"scale":"ECOG","value":2}}$j$,
 $j${"plan":{"line":"first","intent":"palliative","systemic_therapy":[{"regimen":"FOLFIRINOX"}]},"diagnosis":{"stage":{"m":"M0","n":"N0","t":"T4","group":"III","prefix":"c","system":"AJCC8"},"histology":"8140/3","primary_site":"C25.0"},"performance_status":{"scale":"ECOG","value":2}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started"}$j$,
 $j${"outcome":"confirms","primary_scenario":"confirms_plan","scenarios":["confirms_plan"],"actions":["proceed_with_plan","assess_fitness_for_treatment"],"urgency":"routine","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8140/3"},"opinion":{"code":"8140/3"},"explanation":"Both read the histology as 8140/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C25.0"},"opinion":{"code":"C25.0"},"explanation":"The second opinion places the primary tumour in C25.0, as does the current diagnosis (C25.0)."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"III","m":"M0","n":"N0","prefix":"c","system":"AJCC8","t":"T4"},"opinion":{"group":"III","m":"M0","n":"N0","prefix":"c","system":"AJCC8","t":"T4"},"explanation":"Both stage the cancer as stage III (T4 N0 M0)."},{"dimension":"performance_status","change":"same","severity":"none","current":{"fit":true,"scale":"ECOG","value":2},"opinion":{"fit":true,"scale":"ECOG","value":2},"explanation":"Both describe how much the patient can do day to day alike (ECOG 2 and ECOG 2)."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"palliative"},"opinion":{"intent":"palliative"},"explanation":"Both plans aim to control the cancer and its symptoms rather than cure it."},{"dimension":"line","change":"same","severity":"none","current":{"line":"first"},"opinion":{"line":"first"},"explanation":"Both plans are first-line therapy."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"drugs":["fluorouracil","irinotecan","oxaliplatin"],"left_out":["leucovorin"],"regimens":["FOLFIRINOX"]},"opinion":{"drugs":["fluorouracil","irinotecan","oxaliplatin"],"left_out":["leucovorin"],"regimens":["FOLFIRINOX"]},"explanation":"Both recommend the same anticancer medicines: fluorouracil, irinotecan and oxaliplatin."}],"review_reasons":["Performance status ECOG 2 against an intensive plan: the current plan gives three or more chemotherapy drugs (fluorouracil, irinotecan, oxaliplatin; tested at ECOG 0-1, e.g. PRODIGE 4); the second opinion gives three or more chemotherapy drugs (fluorouracil, irinotecan, oxaliplatin; tested at ECOG 0-1, e.g. PRODIGE 4). Check fitness for treatment first."],"review_items":[{"code":"performance_status_vs_intensive_plan","text":"Performance status ECOG 2 against an intensive plan: the current plan gives three or more chemotherapy drugs (fluorouracil, irinotecan, oxaliplatin; tested at ECOG 0-1, e.g. PRODIGE 4); the second opinion gives three or more chemotherapy drugs (fluorouracil, irinotecan, oxaliplatin; tested at ECOG 0-1, e.g. PRODIGE 4). Check fitness for treatment first."}],"ruleset_version":"3","explanation":"The second opinion confirms the current diagnosis and plan as far as it states them."}$j$),
(7, 3.4545, 'colon-folfox-vs-capox',
 $j${"plan":{"intent":"curative","systemic_therapy":[{"regimen":"FOLFOX"}]},"diagnosis":{"grade":2,"stage":{"m":"M0","n":"N1","t":"T3","group":"IIIB","system":"AJCC8"},"histology":"8140/3","primary_site":"C18.7"}}$j$,
 $j${"plan":{"intent":"curative","systemic_therapy":[{"regimen":"CAPOX"}]},"diagnosis":{"grade":2,"stage":{"m":"M0","n":"N1","t":"T3","group":"IIIB","system":"AJCC8"},"histology":"8140/3","primary_site":"C18.7"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started","patient_country":"IN"}$j$,
 $j${"outcome":"refines","primary_scenario":"different_treatment","scenarios":["different_treatment"],"actions":["discuss_evidence_for_alternative"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8140/3"},"opinion":{"code":"8140/3"},"explanation":"Both read the histology as 8140/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C18.7"},"opinion":{"code":"C18.7"},"explanation":"The second opinion places the primary tumour in C18.7, as does the current diagnosis (C18.7)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":2},"opinion":{"grade":2},"explanation":"Both give grade 2."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IIIB","m":"M0","n":"N1","system":"AJCC8","t":"T3"},"opinion":{"group":"IIIB","m":"M0","n":"N1","system":"AJCC8","t":"T3"},"explanation":"Both stage the cancer as stage IIIB (T3 N1 M0)."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"equivalent_alternative","severity":"minor","current":{"drugs":["fluorouracil","oxaliplatin"],"left_out":["leucovorin"],"regimens":["FOLFOX"]},"opinion":{"drugs":["capecitabine","oxaliplatin"],"regimens":["CAPOX"]},"explanation":"The second opinion recommends CAPOX (capecitabine, oxaliplatin) instead of FOLFOX (fluorouracil, leucovorin, oxaliplatin): capecitabine (L01BC06) instead of fluorouracil (L01BC02): an accepted equivalent within the same drug group (X-ACT (Twelves, NEJM 2005); NO16966 (Cassidy, J Clin Oncol 2008))."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion recommends CAPOX (capecitabine, oxaliplatin) instead of FOLFOX (fluorouracil, leucovorin, oxaliplatin): capecitabine (L01BC06) instead of fluorouracil (L01BC02): an accepted equivalent within the same drug group (X-ACT (Twelves, NEJM 2005); NO16966 (Cassidy, J Clin Oncol 2008))."}$j$),
(8, 3.4545, 'prostate-moderate-hypofractionation',
 $j${"plan":{"intent":"curative","radiotherapy":{"fractions":39,"total_dose_gy":78.0,"radiation_type":"photon"}},"diagnosis":{"grade":2,"stage":{"group":"IIB","system":"AJCC8"},"histology":"8140/3","primary_site":"C61.9"}}$j$,
 $j${"plan":{"intent":"curative","radiotherapy":{"fractions":20,"total_dose_gy":60.0,"radiation_type":"photon"}},"diagnosis":{"grade":2,"stage":{"group":"IIB","system":"AJCC8"},"histology":"8140/3","primary_site":"C61.9"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started","next_irreversible_step":{"kind":"radiotherapy_planning","date":"2026-12-20"}}$j$,
 $j${"outcome":"refines","primary_scenario":"different_treatment","scenarios":["different_treatment"],"actions":["discuss_evidence_for_alternative"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8140/3"},"opinion":{"code":"8140/3"},"explanation":"Both read the histology as 8140/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C61.9"},"opinion":{"code":"C61.9"},"explanation":"The second opinion places the primary tumour in C61.9, as does the current diagnosis (C61.9)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":2},"opinion":{"grade":2},"explanation":"Both give grade 2."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IIB","system":"AJCC8"},"opinion":{"group":"IIB","system":"AJCC8"},"explanation":"Both stage the cancer as stage IIB."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"radiotherapy","change":"equivalent_alternative","severity":"minor","current":{"dose_per_fraction_gy":2.0,"fractions":39,"radiation_type":"photon","total_dose_gy":78.0},"opinion":{"dose_per_fraction_gy":3.0,"fractions":20,"radiation_type":"photon","total_dose_gy":60.0},"explanation":"The second opinion suggests 60 Gy in 20 sessions instead of 78 Gy in 39 sessions: an accepted alternative schedule shown equivalent in trials (prostate radiotherapy (CHHiP, PROFIT, HYPRO))."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion suggests 60 Gy in 20 sessions instead of 78 Gy in 39 sessions: an accepted alternative schedule shown equivalent in trials (prostate radiotherapy (CHHiP, PROFIT, HYPRO))."}$j$),
(9, 3.4545, 'kidney-stage-letter',
 $j${"plan":{"intent":"curative","surgery":{"procedure":"partial nephrectomy"}},"diagnosis":{"grade":2,"stage":{"m":"M0","n":"N0","t":"T1a","group":"I","system":"AJCC8"},"histology":"8312/3","primary_site":"C64.9"}}$j$,
 $j${"plan":{"intent":"curative","surgery":{"procedure":"partial nephrectomy"}},"diagnosis":{"grade":2,"stage":{"m":"M0","n":"N0","t":"T1b","group":"I","system":"AJCC8"},"histology":"8312/3","primary_site":"C64.9"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started"}$j$,
 $j${"outcome":"refines","primary_scenario":"diagnosis_refined","scenarios":["diagnosis_refined"],"actions":["discuss_new_finding"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8312/3"},"opinion":{"code":"8312/3"},"explanation":"Both read the histology as 8312/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C64.9"},"opinion":{"code":"C64.9"},"explanation":"The second opinion places the primary tumour in C64.9, as does the current diagnosis (C64.9)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":2},"opinion":{"grade":2},"explanation":"Both give grade 2."},{"dimension":"stage","change":"different","severity":"minor","current":{"group":"I","m":"M0","n":"N0","system":"AJCC8","t":"T1a"},"opinion":{"group":"I","m":"M0","n":"N0","system":"AJCC8","t":"T1b"},"explanation":"The second opinion stages the cancer as stage I (T1b N0 M0) instead of stage I (T1a N0 M0)."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"surgery","change":"same","severity":"none","current":{"as_written":"partial nephrectomy","extent":"partial","organ":"kidney","procedure":"partial nephrectomy"},"opinion":{"as_written":"partial nephrectomy","extent":"partial","organ":"kidney","procedure":"partial nephrectomy"},"explanation":"Both recommend the same operation: partial nephrectomy."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion stages the cancer as stage I (T1b N0 M0) instead of stage I (T1a N0 M0)."}$j$),
(10, 3.4545, 'lung-new-alk-finding',
 $j${"plan":{"intent":"curative","radiotherapy":{"fractions":30,"total_dose_gy":60.0},"systemic_therapy":[{"regimen":"carbo-taxol"}]},"diagnosis":{"stage":{"group":"IIIA","system":"AJCC8"},"histology":"8140/3","biomarkers":[{"name":"EGFR","result":"not detected"}],"primary_site":"C34.1"}}$j$,
 $j${"plan":{"intent":"curative","radiotherapy":{"fractions":30,"total_dose_gy":60.0},"systemic_therapy":[{"regimen":"carbo-taxol"}]},"diagnosis":{"stage":{"group":"IIIA","system":"AJCC8"},"histology":"8140/3","biomarkers":[{"name":"EGFR","result":"not detected"},{"name":"ALK","result":"detected","variant":"EML4-ALK"}],"primary_site":"C34.1"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started"}$j$,
 $j${"outcome":"refines","primary_scenario":"diagnosis_refined","scenarios":["diagnosis_refined"],"actions":["discuss_new_finding"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8140/3"},"opinion":{"code":"8140/3"},"explanation":"Both read the histology as 8140/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C34.1"},"opinion":{"code":"C34.1"},"explanation":"The second opinion places the primary tumour in C34.1, as does the current diagnosis (C34.1)."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IIIA","system":"AJCC8"},"opinion":{"group":"IIIA","system":"AJCC8"},"explanation":"Both stage the cancer as stage IIIA."},{"dimension":"biomarkers","change":"added","severity":"minor","opinion":{"gene":"ALK","name":"ALK","result":"detected","variant":"EML4-ALK"},"explanation":"The second opinion reports a biomarker result the current diagnosis does not: ALK EML4-ALK detected."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"EGFR","name":"EGFR","result":"not detected"},"opinion":{"gene":"EGFR","name":"EGFR","result":"not detected"},"explanation":"Both report EGFR not detected."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"drugs":["carboplatin","paclitaxel"],"regimens":["carbo-taxol"]},"opinion":{"drugs":["carboplatin","paclitaxel"],"regimens":["carbo-taxol"]},"explanation":"Both recommend the same anticancer medicines: carboplatin and paclitaxel."},{"dimension":"radiotherapy","change":"same","severity":"none","current":{"dose_per_fraction_gy":2.0,"fractions":30,"total_dose_gy":60.0},"opinion":{"dose_per_fraction_gy":2.0,"fractions":30,"total_dose_gy":60.0},"explanation":"Both recommend the same radiotherapy (60 Gy in 30 sessions)."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion reports a biomarker result the current diagnosis does not: ALK EML4-ALK detected."}$j$),
(11, 3.4545, 'ovary-tests-recommended',
 $j${"plan":{"intent":"curative","surgery":{"procedure":"cytoreductive surgery"},"systemic_therapy":[{"regimen":"carbo-taxol"}]},"diagnosis":{"grade":3,"stage":{"group":"IIIC","system":"AJCC8"},"histology":"8461/3","primary_site":"C56.9"}}$j$,
 $j${"plan":{"intent":"curative","surgery":{"procedure":"cytoreductive surgery"},"systemic_therapy":[{"regimen":"carbo-taxol"}],"recommended_investigations":[{"name":"germline BRCA testing"}]},"diagnosis":{"grade":3,"stage":{"group":"IIIC","system":"AJCC8"},"histology":"8461/3","primary_site":"C56.9"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started","next_irreversible_step":{"kind":"surgery","date":"2026-12-02"}}$j$,
 $j${"outcome":"refines","primary_scenario":"additional_tests_recommended","scenarios":["additional_tests_recommended"],"actions":["ask_about_recommended_tests"],"urgency":"urgent","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8461/3"},"opinion":{"code":"8461/3"},"explanation":"Both read the histology as 8461/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C56.9"},"opinion":{"code":"C56.9"},"explanation":"The second opinion places the primary tumour in C56.9, as does the current diagnosis (C56.9)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":3},"opinion":{"grade":3},"explanation":"Both give grade 3."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IIIC","system":"AJCC8"},"opinion":{"group":"IIIC","system":"AJCC8"},"explanation":"Both stage the cancer as stage IIIC."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"drugs":["carboplatin","paclitaxel"],"regimens":["carbo-taxol"]},"opinion":{"drugs":["carboplatin","paclitaxel"],"regimens":["carbo-taxol"]},"explanation":"Both recommend the same anticancer medicines: carboplatin and paclitaxel."},{"dimension":"surgery","change":"same","severity":"none","current":{"as_written":"cytoreductive surgery","extent":"cytoreduction","organ":"ovary","procedure":"cytoreductive surgery"},"opinion":{"as_written":"cytoreductive surgery","extent":"cytoreduction","organ":"ovary","procedure":"cytoreductive surgery"},"explanation":"Both recommend the same operation: cytoreductive surgery."},{"dimension":"workup","change":"added","severity":"minor","opinion":{"investigations":["germline BRCA testing"]},"explanation":"The second opinion recommends a test the current plan does not name: germline BRCA testing."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion recommends a test the current plan does not name: germline BRCA testing."}$j$),
(12, 3.4545, 'lung-kras-trial-same-country',
 $j${"plan":{"intent":"palliative","location":{"country":"IN"},"systemic_therapy":[{"drugs":["carboplatin","pemetrexed","pembrolizumab"]}]},"diagnosis":{"stage":{"m":"M1a","group":"IVA","system":"AJCC8"},"histology":"8140/3","biomarkers":[{"name":"KRAS","result":"detected","variant":"G12C"}],"primary_site":"C34.1"}}$j$,
 $j${"plan":{"intent":"palliative","location":{"country":"IN"},"clinical_trials":[{"title":"KRAS G12C inhibitor after first-line therapy","target":"KRAS G12C","country":"IN","registry_id":"CTRI/2025/03/081234"}],"systemic_therapy":[{"drugs":["Carboplatin","Alimta","Keytruda"]}]},"diagnosis":{"stage":{"m":"M1a","group":"IVA","system":"AJCC8"},"histology":"8140/3","biomarkers":[{"name":"KRAS","result":"detected","variant":"G12C"}],"primary_site":"C34.1"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"in_treatment","patient_country":"IN"}$j$,
 $j${"outcome":"refines","primary_scenario":"clinical_trial_not_offered","scenarios":["clinical_trial_not_offered"],"actions":["check_trial_eligibility"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8140/3"},"opinion":{"code":"8140/3"},"explanation":"Both read the histology as 8140/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C34.1"},"opinion":{"code":"C34.1"},"explanation":"The second opinion places the primary tumour in C34.1, as does the current diagnosis (C34.1)."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IVA","m":"M1a","system":"AJCC8"},"opinion":{"group":"IVA","m":"M1a","system":"AJCC8"},"explanation":"Both stage the cancer as stage IVA (M1a)."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"KRAS","name":"KRAS","result":"detected","variant":"G12C"},"opinion":{"gene":"KRAS","name":"KRAS","result":"detected","variant":"G12C"},"explanation":"Both report KRAS G12C detected."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"palliative"},"opinion":{"intent":"palliative"},"explanation":"Both plans aim to control the cancer and its symptoms rather than cure it."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"drugs":["carboplatin","pembrolizumab","pemetrexed"],"regimens":[]},"opinion":{"drugs":["carboplatin","pembrolizumab","pemetrexed"],"regimens":[]},"explanation":"Both recommend the same anticancer medicines: carboplatin, pembrolizumab and pemetrexed."},{"dimension":"clinical_trials","change":"added","severity":"minor","opinion":{"trials":[{"country":"IN","registry_id":"CTRI/2025/03/081234","target":"KRAS G12C","title":"KRAS G12C inhibitor after first-line therapy"}]},"explanation":"The second opinion names a clinical trial the current plan does not: CTRI/2025/03/081234 (KRAS G12C, India (IN))."},{"dimension":"location","change":"same","severity":"none","current":{"country":"IN"},"opinion":{"country":"IN"},"explanation":"Both plans would be delivered in India (IN)."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion names a clinical trial the current plan does not: CTRI/2025/03/081234 (KRAS G12C, India (IN))."}$j$),
(13, 3.4545, 'r3-colon-completed-lynch-germline',
 $j${"plan":{"intent":"curative","systemic_therapy":[{"cycles":4,"regimen":"CAPOX","cycle_length_days":21}]},"diagnosis":{"grade":2,"stage":{"m":"M0","n":"N1a","t":"T2","group":"IIIA","prefix":"p","system":"AJCC8"},"histology":"8140/3","biomarkers":[{"name":"MLH1","origin":"somatic","result":"absent"}],"primary_site":"C18.2"}}$j$,
 $j${"plan":{"intent":"curative","systemic_therapy":[{"cycles":4,"regimen":"CAPOX","cycle_length_days":21}]},"diagnosis":{"grade":2,"stage":{"m":"M0","n":"N1a","t":"T2","group":"IIIA","prefix":"p","system":"AJCC8"},"histology":"8140/3","biomarkers":[{"name":"MLH1","origin":"somatic","result":"absent"},{"name":"MLH1","origin":"germline","result":"pathogenic"}],"primary_site":"C18.2"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"completed"}$j$,
 $j${"outcome":"refines","primary_scenario":"diagnosis_refined","scenarios":["diagnosis_refined"],"actions":["discuss_new_finding","refer_to_genetic_counselling","discuss_germline_treatment_implications"],"urgency":"routine","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8140/3"},"opinion":{"code":"8140/3"},"explanation":"Both read the histology as 8140/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C18.2"},"opinion":{"code":"C18.2"},"explanation":"The second opinion places the primary tumour in C18.2, as does the current diagnosis (C18.2)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":2},"opinion":{"grade":2},"explanation":"Both give grade 2."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IIIA","m":"M0","n":"N1a","prefix":"p","system":"AJCC8","t":"T2"},"opinion":{"group":"IIIA","m":"M0","n":"N1a","prefix":"p","system":"AJCC8","t":"T2"},"explanation":"Both stage the cancer as stage IIIA (T2 N1a M0)."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"MLH1","name":"MLH1","result":"absent"},"opinion":{"gene":"MLH1","name":"MLH1","result":"absent"},"explanation":"Both report MLH1 absent."},{"dimension":"germline","change":"added","severity":"minor","opinion":{"gene":"MLH1","name":"MLH1","new_pathogenic":true,"origin":"germline","result":"pathogenic"},"explanation":"The second opinion reports an inherited (germline) result the current picture does not: MLH1 pathogenic; blood relatives may carry the variant, and genetic counselling is advised; a new disease-causing MLH1 result can change the patient's own care (e.g. adjuvant olaparib (OlympiA), breast conservation or risk-reducing mastectomy, risk-reducing salpingo-oophorectomy, colonoscopy surveillance in Lynch syndrome).","family_implications":true},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"cycle_length_days":21,"cycles":4,"drugs":["capecitabine","oxaliplatin"],"regimens":["CAPOX"]},"opinion":{"cycle_length_days":21,"cycles":4,"drugs":["capecitabine","oxaliplatin"],"regimens":["CAPOX"]},"explanation":"Both recommend the same anticancer medicines: capecitabine and oxaliplatin."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion reports an inherited (germline) result the current picture does not: MLH1 pathogenic; blood relatives may carry the variant, and genetic counselling is advised; a new disease-causing MLH1 result can change the patient's own care (e.g. adjuvant olaparib (OlympiA), breast conservation or risk-reducing mastectomy, risk-reducing salpingo-oophorectomy, colonoscopy surveillance in Lynch syndrome)."}$j$),
(14, 3.4545, 'brain-proton-abroad',
 $j${"plan":{"intent":"curative","location":{"country":"IN"},"radiotherapy":{"fractions":30,"total_dose_gy":54.0,"radiation_type":"photon"}},"diagnosis":{"histology":"9421/1","primary_site":"C71.9"}}$j$,
 $j${"plan":{"intent":"curative","location":{"centre":"proton therapy centre","country":"DE"},"radiotherapy":{"fractions":30,"total_dose_gy":54.0,"radiation_type":"proton"}},"diagnosis":{"histology":"9421/1","primary_site":"C71.9"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started","next_irreversible_step":{"kind":"radiotherapy_planning","date":"2027-01-10"}}$j$,
 $j${"outcome":"refines","primary_scenario":"different_treatment","scenarios":["different_treatment","treatment_abroad"],"actions":["discuss_evidence_for_alternative","ask_oncologist_to_coordinate_abroad"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"9421/1"},"opinion":{"code":"9421/1"},"explanation":"Both read the histology as 9421/1."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C71.9"},"opinion":{"code":"C71.9"},"explanation":"The second opinion places the primary tumour in C71.9, as does the current diagnosis (C71.9)."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"radiotherapy","change":"different","severity":"minor","current":{"dose_per_fraction_gy":1.8,"fractions":30,"radiation_type":"photon","total_dose_gy":54.0},"opinion":{"dose_per_fraction_gy":1.8,"fractions":30,"radiation_type":"proton","total_dose_gy":54.0},"explanation":"The second opinion suggests proton instead of photon radiotherapy, at the same dose (54 Gy in 30 sessions)."},{"dimension":"location","change":"different","severity":"minor","current":{"country":"IN"},"opinion":{"centre":"proton therapy centre","country":"DE"},"explanation":"The second opinion's plan would be delivered in Germany (DE) at proton therapy centre, not in India (IN)."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion suggests proton instead of photon radiotherapy, at the same dose (54 Gy in 30 sessions); The second opinion's plan would be delivered in Germany (DE) at proton therapy centre, not in India (IN)."}$j$),
(15, 3.4545, 'head-neck-rt-dose',
 $j${"plan":{"intent":"curative","radiotherapy":{"fractions":35,"total_dose_gy":70.0,"radiation_type":"photon"},"systemic_therapy":[{"drugs":["cisplatin"]}]},"diagnosis":{"grade":2,"stage":{"group":"III","system":"AJCC8"},"histology":"8070/3","primary_site":"C10.9"}}$j$,
 $j${"plan":{"intent":"curative","radiotherapy":{"fractions":33,"total_dose_gy":66.0,"radiation_type":"photon"},"systemic_therapy":[{"drugs":["cisplatin"]}]},"diagnosis":{"grade":2,"stage":{"group":"III","system":"AJCC8"},"histology":"8070/3","primary_site":"C10.9"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started","next_irreversible_step":{"kind":"radiotherapy_planning","date":"2026-12-30"}}$j$,
 $j${"outcome":"refines","primary_scenario":"different_treatment","scenarios":["different_treatment"],"actions":["discuss_evidence_for_alternative"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8070/3"},"opinion":{"code":"8070/3"},"explanation":"Both read the histology as 8070/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C10.9"},"opinion":{"code":"C10.9"},"explanation":"The second opinion places the primary tumour in C10.9, as does the current diagnosis (C10.9)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":2},"opinion":{"grade":2},"explanation":"Both give grade 2."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"III","system":"AJCC8"},"opinion":{"group":"III","system":"AJCC8"},"explanation":"Both stage the cancer as stage III."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"drugs":["cisplatin"],"regimens":[]},"opinion":{"drugs":["cisplatin"],"regimens":[]},"explanation":"Both recommend the same anticancer medicines: cisplatin."},{"dimension":"radiotherapy","change":"different","severity":"minor","current":{"alpha_beta_gy":10.0,"dose_per_fraction_gy":2.0,"eqd2_gy":70.0,"fractions":35,"radiation_type":"photon","total_dose_gy":70.0},"opinion":{"alpha_beta_gy":10.0,"dose_per_fraction_gy":2.0,"eqd2_gy":66.0,"fractions":33,"radiation_type":"photon","total_dose_gy":66.0},"explanation":"The second opinion suggests 66 Gy in 33 sessions instead of 70 Gy in 35 sessions (EQD2 66.0 vs 70.0 Gy, alpha/beta 10), 5.7% less."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion suggests 66 Gy in 33 sessions instead of 70 Gy in 35 sessions (EQD2 66.0 vs 70.0 Gy, alpha/beta 10), 5.7% less."}$j$),
(16, 3.4545, 'colon-completed-treatment',
 $j${"plan":{"intent":"curative","systemic_therapy":[{"regimen":"FOLFOX"}]},"diagnosis":{"grade":2,"stage":{"group":"IIIA","system":"AJCC8"},"histology":"8140/3","primary_site":"C18.2"}}$j$,
 $j${"plan":{"intent":"curative","systemic_therapy":[{"regimen":"XELOX"}]},"diagnosis":{"grade":2,"stage":{"group":"IIIA","system":"AJCC8"},"histology":"8140/3","primary_site":"C18.2"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"completed"}$j$,
 $j${"outcome":"refines","primary_scenario":"different_treatment","scenarios":["different_treatment"],"actions":["for_information_no_action"],"urgency":"routine","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8140/3"},"opinion":{"code":"8140/3"},"explanation":"Both read the histology as 8140/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C18.2"},"opinion":{"code":"C18.2"},"explanation":"The second opinion places the primary tumour in C18.2, as does the current diagnosis (C18.2)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":2},"opinion":{"grade":2},"explanation":"Both give grade 2."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IIIA","system":"AJCC8"},"opinion":{"group":"IIIA","system":"AJCC8"},"explanation":"Both stage the cancer as stage IIIA."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"equivalent_alternative","severity":"minor","current":{"drugs":["fluorouracil","oxaliplatin"],"left_out":["leucovorin"],"regimens":["FOLFOX"]},"opinion":{"drugs":["capecitabine","oxaliplatin"],"regimens":["CAPOX"]},"explanation":"The second opinion recommends CAPOX (capecitabine, oxaliplatin) instead of FOLFOX (fluorouracil, leucovorin, oxaliplatin): capecitabine (L01BC06) instead of fluorouracil (L01BC02): an accepted equivalent within the same drug group (X-ACT (Twelves, NEJM 2005); NO16966 (Cassidy, J Clin Oncol 2008))."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion recommends CAPOX (capecitabine, oxaliplatin) instead of FOLFOX (fluorouracil, leucovorin, oxaliplatin): capecitabine (L01BC06) instead of fluorouracil (L01BC02): an accepted equivalent within the same drug group (X-ACT (Twelves, NEJM 2005); NO16966 (Cassidy, J Clin Oncol 2008))."}$j$),
(17, 3.4545, 'stomach-stage-upstaged-same-plan',
 $j${"plan":{"intent":"curative","surgery":{"procedure":"gastrectomy"},"systemic_therapy":[{"regimen":"FLOT"}]},"diagnosis":{"grade":3,"stage":{"group":"IIB","prefix":"c","system":"AJCC8"},"histology":"8140/3","primary_site":"C16.9"}}$j$,
 $j${"plan":{"intent":"curative","surgery":{"procedure":"gastrectomy"},"systemic_therapy":[{"regimen":"FLOT"}]},"diagnosis":{"grade":3,"stage":{"group":"III","prefix":"c","system":"AJCC8"},"histology":"8140/3","primary_site":"C16.9"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"in_treatment"}$j$,
 $j${"outcome":"refines","primary_scenario":"diagnosis_refined","scenarios":["diagnosis_refined"],"actions":["discuss_new_finding"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8140/3"},"opinion":{"code":"8140/3"},"explanation":"Both read the histology as 8140/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C16.9"},"opinion":{"code":"C16.9"},"explanation":"The second opinion places the primary tumour in C16.9, as does the current diagnosis (C16.9)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":3},"opinion":{"grade":3},"explanation":"Both give grade 3."},{"dimension":"stage","change":"different","severity":"minor","current":{"group":"IIB","prefix":"c","system":"AJCC8"},"opinion":{"group":"III","prefix":"c","system":"AJCC8"},"explanation":"The second opinion stages the cancer as stage III instead of stage IIB."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"same","severity":"none","current":{"drugs":["docetaxel","fluorouracil","oxaliplatin"],"left_out":["leucovorin"],"regimens":["FLOT"]},"opinion":{"drugs":["docetaxel","fluorouracil","oxaliplatin"],"left_out":["leucovorin"],"regimens":["FLOT"]},"explanation":"Both recommend the same anticancer medicines: docetaxel, fluorouracil and oxaliplatin."},{"dimension":"surgery","change":"same","severity":"none","current":{"as_written":"gastrectomy","extent":"unspecified","organ":"stomach","procedure":"gastrectomy"},"opinion":{"as_written":"gastrectomy","extent":"unspecified","organ":"stomach","procedure":"gastrectomy"},"explanation":"Both recommend the same operation: gastrectomy."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion refines the current plan: The second opinion stages the cancer as stage III instead of stage IIB."}$j$),
(18, 3.6667, 'breast-her2-flip',
 $j${"plan":{"intent":"curative","surgery":{"procedure":"lumpectomy"},"systemic_therapy":[{"regimen":"AC-T"}]},"diagnosis":{"grade":2,"stage":{"m":"M0","n":"N0","t":"T2","group":"IIA","system":"AJCC8"},"histology":"8500/3","biomarkers":[{"name":"ER","result":"positive"},{"name":"PR","result":"positive"},{"name":"HER2","result":"negative"}],"primary_site":"C50.4","histology_text":"invasive ductal carcinoma"}}$j$,
 $j${"plan":{"intent":"curative","surgery":{"procedure":"lumpectomy"},"systemic_therapy":[{"regimen":"TCHP"}]},"diagnosis":{"grade":2,"stage":{"m":"M0","n":"N0","t":"T2","group":"IIA","system":"AJCC8"},"histology":"8500/3","biomarkers":[{"name":"ER","result":"positive"},{"name":"ERBB2","result":"positive"}],"primary_site":"C50.4"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started"}$j$,
 $j${"outcome":"contradicts","primary_scenario":"diagnosis_discordance","scenarios":["diagnosis_discordance","different_treatment"],"actions":["repeat_biomarker_test","discuss_evidence_for_alternative","consider_third_opinion"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8500/3","text":"invasive ductal carcinoma"},"opinion":{"code":"8500/3"},"explanation":"Both read the histology as 8500/3 (invasive ductal carcinoma)."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C50.4"},"opinion":{"code":"C50.4"},"explanation":"The second opinion places the primary tumour in C50.4, as does the current diagnosis (C50.4)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":2},"opinion":{"grade":2},"explanation":"Both give grade 2."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IIA","m":"M0","n":"N0","system":"AJCC8","t":"T2"},"opinion":{"group":"IIA","m":"M0","n":"N0","system":"AJCC8","t":"T2"},"explanation":"Both stage the cancer as stage IIA (T2 N0 M0)."},{"dimension":"biomarkers","change":"same","severity":"none","current":{"gene":"ER","name":"ER","result":"positive"},"opinion":{"gene":"ER","name":"ER","result":"positive"},"explanation":"Both report ER positive."},{"dimension":"biomarkers","change":"different","severity":"major","current":{"gene":"HER2","name":"HER2","result":"negative"},"opinion":{"gene":"HER2","name":"ERBB2","result":"positive"},"explanation":"HER2: the second opinion finds it positive where the current diagnosis says negative."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"systemic_therapy","change":"different","severity":"major","current":{"drugs":["cyclophosphamide","doxorubicin","paclitaxel"],"regimens":["AC-T"]},"opinion":{"drugs":["carboplatin","docetaxel","pertuzumab","trastuzumab"],"regimens":["TCHP"]},"explanation":"The second opinion recommends TCHP (docetaxel, carboplatin, trastuzumab, pertuzumab) instead of AC-T (doxorubicin, cyclophosphamide, paclitaxel): it adds carboplatin (L01XA02), docetaxel (L01CD02), pertuzumab (L01FD02), trastuzumab (L01FD01) and no longer includes cyclophosphamide (L01AA01), doxorubicin (L01DB01), paclitaxel (L01CD01): a drug class is added, dropped or exchanged."},{"dimension":"surgery","change":"same","severity":"none","current":{"as_written":"lumpectomy","extent":"conserving","organ":"breast","procedure":"breast-conserving surgery"},"opinion":{"as_written":"lumpectomy","extent":"conserving","organ":"breast","procedure":"breast-conserving surgery"},"explanation":"Both recommend the same operation: breast-conserving surgery."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion contradicts the current plan: HER2: the second opinion finds it positive where the current diagnosis says negative; The second opinion recommends TCHP (docetaxel, carboplatin, trastuzumab, pertuzumab) instead of AC-T (doxorubicin, cyclophosphamide, paclitaxel): it adds carboplatin (L01XA02), docetaxel (L01CD02), pertuzumab (L01FD02), trastuzumab (L01FD01) and no longer includes cyclophosphamide (L01AA01), doxorubicin (L01DB01), paclitaxel (L01CD01): a drug class is added, dropped or exchanged."}$j$),
(19, 3.6667, 'dcis-vs-invasive',
 $j${"plan":{"surgery":{"procedure":"lumpectomy"},"radiotherapy":{"fractions":15,"total_dose_gy":40.05}},"diagnosis":{"histology":"8500/2","primary_site":"C50.9","histology_text":"ductal carcinoma in situ"}}$j$,
 $j${"diagnosis":{"histology":"8500/3","primary_site":"C50.9","histology_text":"invasive ductal carcinoma"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started","next_irreversible_step":{"kind":"surgery","date":"2026-12-09"}}$j$,
 $j${"outcome":"contradicts","primary_scenario":"diagnosis_discordance","scenarios":["diagnosis_discordance"],"actions":["request_tiebreak_pathology_review","consider_third_opinion"],"urgency":"urgent","findings":[{"dimension":"histology","change":"different","severity":"major","current":{"code":"8500/2","text":"ductal carcinoma in situ"},"opinion":{"code":"8500/3","text":"invasive ductal carcinoma"},"explanation":"The second opinion reads the tumour as malignant (invasive) (8500/3 (invasive ductal carcinoma)) where the current diagnosis says in situ (non-invasive) (8500/2 (ductal carcinoma in situ))."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C50.9"},"opinion":{"code":"C50.9"},"explanation":"The second opinion places the primary tumour in C50.9, as does the current diagnosis (C50.9)."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion contradicts the current plan: The second opinion reads the tumour as malignant (invasive) (8500/3 (invasive ductal carcinoma)) where the current diagnosis says in situ (non-invasive) (8500/2 (ductal carcinoma in situ))."}$j$),
(20, 3.6667, 'larynx-surgery-vs-radiotherapy',
 $j${"plan":{"intent":"curative","surgery":{"procedure":"total laryngectomy"}},"diagnosis":{"grade":2,"stage":{"group":"III","system":"AJCC8"},"histology":"8070/3","primary_site":"C32.0"}}$j$,
 $j${"plan":{"intent":"curative","radiotherapy":{"fractions":35,"total_dose_gy":70.0}},"diagnosis":{"grade":2,"stage":{"group":"III","system":"AJCC8"},"histology":"8070/3","primary_site":"C32.0"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started","next_irreversible_step":{"kind":"surgery","date":"2026-12-02"}}$j$,
 $j${"outcome":"contradicts","primary_scenario":"different_treatment","scenarios":["different_treatment"],"actions":["discuss_evidence_for_alternative","consider_third_opinion"],"urgency":"urgent","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8070/3"},"opinion":{"code":"8070/3"},"explanation":"Both read the histology as 8070/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C32.0"},"opinion":{"code":"C32.0"},"explanation":"The second opinion places the primary tumour in C32.0, as does the current diagnosis (C32.0)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":2},"opinion":{"grade":2},"explanation":"Both give grade 2."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"III","system":"AJCC8"},"opinion":{"group":"III","system":"AJCC8"},"explanation":"Both stage the cancer as stage III."},{"dimension":"intent","change":"same","severity":"none","current":{"intent":"curative"},"opinion":{"intent":"curative"},"explanation":"Both plans aim to cure the cancer."},{"dimension":"modality_swap","change":"different","severity":"major","current":{"modalities":["surgery"],"surgery":{"procedure":"total laryngectomy"}},"opinion":{"modalities":["radiotherapy"],"radiotherapy":{"dose_per_fraction_gy":2.0,"fractions":35,"total_dose_gy":70.0}},"explanation":"The second opinion replaces surgery (total laryngectomy) with radiotherapy (70 Gy in 35 sessions)."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion contradicts the current plan: The second opinion replaces surgery (total laryngectomy) with radiotherapy (70 Gy in 35 sessions)."}$j$),
(21, 3.6667, 'rectal-curative-vs-palliative',
 $j${"plan":{"intent":"palliative","systemic_therapy":[{"regimen":"FOLFIRI"},{"drugs":["bevacizumab"]}]},"diagnosis":{"grade":2,"stage":{"m":"M1a","group":"IVA","system":"AJCC8"},"histology":"8140/3","primary_site":"C20.9"}}$j$,
 $j${"plan":{"intent":"curative","surgery":{"procedure":"liver metastasectomy"},"systemic_therapy":[{"regimen":"FOLFOX"}]},"diagnosis":{"grade":2,"stage":{"m":"M1a","group":"IVA","system":"AJCC8"},"histology":"8140/3","primary_site":"C20.9"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"in_treatment"}$j$,
 $j${"outcome":"contradicts","primary_scenario":"different_treatment","scenarios":["different_treatment"],"actions":["discuss_evidence_for_alternative","consider_third_opinion"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8140/3"},"opinion":{"code":"8140/3"},"explanation":"Both read the histology as 8140/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C20.9"},"opinion":{"code":"C20.9"},"explanation":"The second opinion places the primary tumour in C20.9, as does the current diagnosis (C20.9)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":2},"opinion":{"grade":2},"explanation":"Both give grade 2."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IVA","m":"M1a","system":"AJCC8"},"opinion":{"group":"IVA","m":"M1a","system":"AJCC8"},"explanation":"Both stage the cancer as stage IVA (M1a)."},{"dimension":"intent","change":"different","severity":"major","current":{"intent":"palliative"},"opinion":{"intent":"curative"},"explanation":"The second opinion sees a chance of cure (curative aim) where the current plan aims at control (palliative)."},{"dimension":"systemic_therapy","change":"different","severity":"major","current":{"drugs":["bevacizumab","fluorouracil","irinotecan"],"left_out":["leucovorin"],"regimens":["FOLFIRI"]},"opinion":{"drugs":["fluorouracil","oxaliplatin"],"left_out":["leucovorin"],"regimens":["FOLFOX"]},"explanation":"The second opinion recommends FOLFOX (fluorouracil, leucovorin, oxaliplatin) instead of FOLFIRI (fluorouracil, leucovorin, irinotecan) and bevacizumab: it adds oxaliplatin (L01XA03) and no longer includes bevacizumab (L01FG01), irinotecan (L01CE02): a drug class is added, dropped or exchanged."},{"dimension":"surgery","change":"added","severity":"major","opinion":{"procedure":"liver metastasectomy"},"explanation":"The second opinion adds surgery (liver metastasectomy)."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion contradicts the current plan: The second opinion sees a chance of cure (curative aim) where the current plan aims at control (palliative); The second opinion recommends FOLFOX (fluorouracil, leucovorin, oxaliplatin) instead of FOLFIRI (fluorouracil, leucovorin, irinotecan) and bevacizumab: it adds oxaliplatin (L01XA03) and no longer includes bevacizumab (L01FG01), irinotecan (L01CE02): a drug class is added, dropped or exchanged; The second opinion adds surgery (liver metastasectomy)."}$j$),
(22, 3.6667, 'stomach-m1-found-in-treatment',
 $j${"plan":{"intent":"curative","surgery":{"procedure":"gastrectomy"},"systemic_therapy":[{"regimen":"FLOT"}]},"diagnosis":{"grade":3,"stage":{"m":"M0","group":"III","system":"AJCC8"},"histology":"8140/3","primary_site":"C16.2"}}$j$,
 $j${"plan":{"intent":"palliative","systemic_therapy":[{"regimen":"FOLFOX"},{"drugs":["nivolumab"]}]},"diagnosis":{"grade":3,"stage":{"m":"M1","group":"IVB","system":"AJCC8"},"histology":"8140/3","primary_site":"C16.2"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"in_treatment","next_irreversible_step":{"kind":"surgery","date":"2026-11-30"}}$j$,
 $j${"outcome":"contradicts","primary_scenario":"diagnosis_discordance","scenarios":["diagnosis_discordance","different_treatment"],"actions":["request_imaging_review","discuss_evidence_for_alternative","consider_third_opinion"],"urgency":"urgent","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8140/3"},"opinion":{"code":"8140/3"},"explanation":"Both read the histology as 8140/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C16.2"},"opinion":{"code":"C16.2"},"explanation":"The second opinion places the primary tumour in C16.2, as does the current diagnosis (C16.2)."},{"dimension":"grade","change":"same","severity":"none","current":{"grade":3},"opinion":{"grade":3},"explanation":"Both give grade 3."},{"dimension":"stage","change":"different","severity":"major","current":{"group":"III","m":"M0","system":"AJCC8"},"opinion":{"group":"IVB","m":"M1","system":"AJCC8"},"explanation":"The second opinion stages the cancer as stage IVB (M1) instead of stage III (M0): it finds spread to distant parts of the body."},{"dimension":"intent","change":"different","severity":"major","current":{"intent":"curative"},"opinion":{"intent":"palliative"},"explanation":"The second opinion aims at control of the cancer (palliative) where the current plan aims at cure (curative)."},{"dimension":"systemic_therapy","change":"different","severity":"major","current":{"drugs":["docetaxel","fluorouracil","oxaliplatin"],"left_out":["leucovorin"],"regimens":["FLOT"]},"opinion":{"drugs":["fluorouracil","nivolumab","oxaliplatin"],"left_out":["leucovorin"],"regimens":["FOLFOX"]},"explanation":"The second opinion recommends FOLFOX (fluorouracil, leucovorin, oxaliplatin) and nivolumab instead of FLOT (fluorouracil, leucovorin, oxaliplatin, docetaxel): it adds nivolumab (L01FF01) and no longer includes docetaxel (L01CD02): a drug class is added, dropped or exchanged."},{"dimension":"surgery","change":"removed","severity":"major","current":{"procedure":"gastrectomy"},"explanation":"The second opinion does not include surgery (gastrectomy) from the current plan."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion contradicts the current plan: The second opinion stages the cancer as stage IVB (M1) instead of stage III (M0): it finds spread to distant parts of the body; The second opinion aims at control of the cancer (palliative) where the current plan aims at cure (curative); The second opinion recommends FOLFOX (fluorouracil, leucovorin, oxaliplatin) and nivolumab instead of FLOT (fluorouracil, leucovorin, oxaliplatin, docetaxel): it adds nivolumab (L01FF01) and no longer includes docetaxel (L01CD02): a drug class is added, dropped or exchanged; The second opinion does not include surgery (gastrectomy) from the current plan."}$j$),
(23, 3.6667, 'lung-best-supportive-care',
 $j${"plan":{"intent":"palliative","systemic_therapy":[{"regimen":"carbo-taxol"}]},"diagnosis":{"stage":{"m":"M1c","group":"IVB","system":"AJCC8"},"histology":"8070/3","primary_site":"C34.9"}}$j$,
 $j${"plan":{"best_supportive_care":true},"diagnosis":{"stage":{"m":"M1c","group":"IVB","system":"AJCC8"},"histology":"8070/3","primary_site":"C34.9"}}$j$,
 $j${"as_of":"2026-11-25","treatment_status":"not_started"}$j$,
 $j${"outcome":"contradicts","primary_scenario":"goals_of_care","scenarios":["goals_of_care"],"actions":["discuss_goals_of_care","consider_third_opinion"],"urgency":"before_next_decision","findings":[{"dimension":"histology","change":"same","severity":"none","current":{"code":"8070/3"},"opinion":{"code":"8070/3"},"explanation":"Both read the histology as 8070/3."},{"dimension":"primary_site","change":"same","severity":"none","current":{"code":"C34.9"},"opinion":{"code":"C34.9"},"explanation":"The second opinion places the primary tumour in C34.9, as does the current diagnosis (C34.9)."},{"dimension":"stage","change":"same","severity":"none","current":{"group":"IVB","m":"M1c","system":"AJCC8"},"opinion":{"group":"IVB","m":"M1c","system":"AJCC8"},"explanation":"Both stage the cancer as stage IVB (M1c)."},{"dimension":"supportive_care","change":"different","severity":"major","current":{"modalities":["systemic_therapy"],"systemic_therapy":{"drugs":["carboplatin","paclitaxel"],"regimens":["carbo-taxol"]}},"opinion":{"best_supportive_care":true},"explanation":"The second opinion recommends best supportive care (care focused on comfort and quality of life) instead of anticancer treatment with systemic therapy (carbo-taxol (carboplatin, paclitaxel))."}],"review_reasons":[],"review_items":[],"ruleset_version":"3","explanation":"The second opinion contradicts the current plan: The second opinion recommends best supportive care (care focused on comfort and quality of life) instead of anticancer treatment with systemic therapy (carbo-taxol (carboplatin, paclitaxel))."}$j$);
ALTER TABLE seed_tpl ADD COLUMN lo double precision, ADD COLUMN hi double precision,
    ADD COLUMN review text[], ADD COLUMN actions text[];
UPDATE seed_tpl t
   SET lo = w.lo, hi = w.hi,
       -- The release gate's reasons (domain/discordance/gate.rs), in its order.
       review = array_remove(ARRAY[
           CASE WHEN computed ->> 'outcome' = 'contradicts' THEN 'contradicts' END,
           CASE WHEN computed -> 'scenarios' ? 'diagnosis_discordance' THEN 'diagnosis_discordance' END,
           CASE WHEN computed -> 'actions' ? 'refer_to_genetic_counselling' THEN 'germline_finding' END,
           CASE WHEN jsonb_array_length(computed -> 'review_reasons') > 0 THEN 'review_reasons' END], NULL),
       actions = ARRAY(SELECT jsonb_array_elements_text(computed -> 'actions'))
  FROM (SELECT k, (sum(weight) OVER (ORDER BY k) - weight) / sum(weight) OVER () AS lo,
               sum(weight) OVER (ORDER BY k) / sum(weight) OVER () AS hi FROM seed_tpl) w
 WHERE w.k = t.k;
-- The task each action opens (domain/tasks.rs); proceeding and information-only open none.
CREATE TEMP TABLE seed_titles (kind text PRIMARY KEY, title text) ON COMMIT DROP;
INSERT INTO seed_titles VALUES
    ('plan_not_fully_reviewed', 'Arrange a review of the parts of the plan the opinion did not cover'),
    ('request_tiebreak_pathology_review', 'Request a tie-break pathology review'),
    ('request_imaging_review', 'Request an independent review of the imaging'),
    ('repeat_biomarker_test', 'Arrange a repeat biomarker test'),
    ('discuss_observation_vs_treatment', 'Set up a talk with the oncologist on observation versus treatment now'),
    ('discuss_goals_of_care', 'Set up a goals-of-care conversation'),
    ('check_trial_eligibility', 'Check eligibility for the recommended clinical trial'),
    ('refer_to_enrolling_centre', 'Contact the trial''s enrolling centre'),
    ('discuss_evidence_for_alternative', 'Prepare the evidence for the alternative treatment for the oncologist'),
    ('ask_about_recommended_tests', 'Ask the oncologist about the recommended tests'),
    ('ask_oncologist_to_coordinate_abroad', 'Ask the oncologist to coordinate with the centre abroad'),
    ('discuss_new_finding', 'Discuss the new finding with the oncologist'),
    ('consider_third_opinion', 'Consider a third opinion'),
    ('repeat_germline_test', 'Arrange a repeat germline (inherited) test'),
    ('reassess_performance_status', 'Ask the oncologist to reassess how much the patient can do day to day'),
    ('discuss_watch_and_wait', 'Set up a talk with the oncologist on watch and wait'),
    ('review_prior_treatment', 'Ask the oncologist to review the treatment so far'),
    ('refer_to_genetic_counselling', 'Arrange a genetic counselling referral'),
    ('discuss_germline_treatment_implications', 'Discuss what the inherited result means for treatment with the oncologist'),
    ('assess_fitness_for_treatment', 'Ask the oncologist to assess fitness for treatment'),
    ('clinician_review', 'Sign off the second opinion''s result before the patient sees it');

-- Cases: their stage (0 intake .. 6 closed) and the days, from opening, of each step. A case
-- younger than its steps need has them compressed into its age: nothing lies in the future.
CREATE TEMP TABLE seed_draw ON COMMIT DROP AS
SELECT i, created_at,
       extract(epoch FROM timestamptz :'until' - created_at) / 86400.0 AS age,
       least(CASE WHEN us < 0.07 THEN 0 WHEN us < 0.17 THEN 1 WHEN us < 0.29 THEN 2 WHEN us < 0.39 THEN 3
                  WHEN us < 0.47 THEN 4 WHEN us < 0.67 THEN 5 ELSE 6 END,
             CASE WHEN extract(epoch FROM timestamptz :'until' - created_at) < 7 * 86400 THEN 1
                  WHEN extract(epoch FROM timestamptz :'until' - created_at) < 21 * 86400 THEN 2
                  WHEN extract(epoch FROM timestamptz :'until' - created_at) < 45 * 86400 THEN 4
                  ELSE 6 END) AS stage,
       (SELECT k FROM seed_tpl WHERE ut >= lo AND ut < hi) AS k,
       u1, u2, u3, u4, u5, u6
  FROM (SELECT i,
               timestamptz :'t0' + ((i - 1 + pg_temp.u(:'tag' || 'case-time' || i)) / :cases) * interval '1095 days' AS created_at,
               pg_temp.u(:'tag' || 'case-status' || i) AS us,
               pg_temp.u(:'tag' || 'case-template' || i) AS ut,
               pg_temp.u(:'tag' || 'case-1' || i) AS u1, pg_temp.u(:'tag' || 'case-2' || i) AS u2,
               pg_temp.u(:'tag' || 'case-3' || i) AS u3, pg_temp.u(:'tag' || 'case-4' || i) AS u4,
               pg_temp.u(:'tag' || 'case-5' || i) AS u5, pg_temp.u(:'tag' || 'case-6' || i) AS u6
          FROM generate_series(1, :cases) AS i OFFSET 0) d;

CREATE TEMP TABLE seed_case ON COMMIT DROP AS
SELECT i, created_at, age, stage, k, answered, u1, u2, u3, u4, u5, u6,
       r_plan * f AS d_plan, r_ref * f AS d_ref, r_op * f AS d_op, r_sum * f AS d_sum,
       r_share * f AS d_share, r_final * f AS d_final
  FROM (SELECT d.*, least(1.0, 0.95 * age / greatest(r_final, 0.01)) AS f
          FROM (SELECT d.*,
                       CASE stage WHEN 0 THEN CASE WHEN u4 < 0.3 THEN r_plan ELSE 2 * u5 END
                                  WHEN 1 THEN r_plan WHEN 2 THEN r_ref + 2 * u5
                                  WHEN 3 THEN r_op WHEN 4 THEN r_sum WHEN 5 THEN r_share
                                  ELSE CASE WHEN answered THEN r_share + 20 + 150 * u5 ELSE r_ref + 10 + 60 * u5 END
                       END AS r_final
                  FROM (SELECT d.*,
                               stage IN (3, 4, 5) OR (stage = 6 AND u6 < 0.75) AS answered,
                               1 + 4 * u1 AS r_plan,
                               1 + 4 * u1 + 3 + 6 * u2 AS r_ref,
                               1 + 4 * u1 + 3 + 6 * u2 + 5 + 20 * u3 AS r_op,
                               1 + 4 * u1 + 3 + 6 * u2 + 5 + 20 * u3 + 1 + 2 * u4 AS r_sum,
                               1 + 4 * u1 + 3 + 6 * u2 + 5 + 20 * u3 + 1 + 2 * u4 + 3 + 10 * u4 AS r_share
                          FROM seed_draw d) d) d) d;
ALTER TABLE seed_case ADD PRIMARY KEY (i);

CREATE TEMP TABLE seed_cases ON COMMIT DROP AS
SELECT c.i, c.k, c.stage, c.answered, c.created_at, c.u1, c.u2, c.u3, c.u4, c.u5, c.u6,
       md5(:'tag' || 'case' || c.i)::uuid AS case_id,
       md5(:'tag' || 'patient' || c.i)::uuid AS patient_id,
       (ARRAY['intake', 'records_collecting', 'referred', 'opinion_received', 'summary_ready',
              'shared_with_oncologist', 'closed'])[1 + c.stage] AS status,
       CASE WHEN c.stage = 0 AND c.u6 < 0.3 THEN NULL ELSE 'coordinator-' || (1 + floor(c.u2 * 6)::int) END AS coordinator,
       'coordinator-' || (1 + floor(c.u3 * 6)::int) AS opened_by,
       c.stage >= 1 OR c.u4 < 0.3 AS has_plan,
       1 + (c.u5 < 0.30)::int + (c.u5 < 0.08)::int AS versions,
       c.created_at + c.d_plan * interval '1 day' AS plan_at,
       c.created_at + c.d_ref * interval '1 day' AS referred_at,
       c.created_at + c.d_op * interval '1 day' AS opinion_at,
       c.created_at + c.d_sum * interval '1 day' AS summary_at,
       c.created_at + c.d_share * interval '1 day' AS shared_at,
       c.created_at + c.d_final * interval '1 day' AS updated_at,
       (ARRAY['IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN', 'IN',
              'BD', 'NP', 'KE'])[1 + floor(c.u1 * 20)::int] AS country,
       coalesce(t.context ->> 'treatment_status',
                CASE WHEN c.stage >= 5 THEN 'in_treatment' ELSE 'not_started' END) AS treatment_status,
       t.context #>> '{next_irreversible_step,kind}' AS step_kind,
       CASE WHEN t.context #> '{next_irreversible_step,date}' IS NOT NULL
            THEN (c.created_at + (30 + 60 * c.u4) * interval '1 day')::date END AS step_date,
       t.context, t.computed, t.current, t.opinion, t.review, t.actions
  FROM seed_case c JOIN seed_tpl t USING (k);
ALTER TABLE seed_cases ADD PRIMARY KEY (i);
CREATE UNIQUE INDEX ON seed_cases (case_id);
-- Temporary tables have no statistics until analysed: without them the joins below are planned blind.
ANALYZE seed_cases;

INSERT INTO patients (org_id, id, display_name, birth_year, preferred_language, country, login_sub,
                      created_by, created_at, updated_at)
SELECT :'org', patient_id, 'Patient ' || i, 1940 + floor(pg_temp.u(:'tag' || 'birth' || i) * 60)::int,
       (ARRAY['en', 'en', 'en', 'en', 'hi', 'hi', 'hi', 'bn', 'ta', 'mr'])[1 + floor(pg_temp.u(:'tag' || 'language' || i) * 10)::int],
       country,
       CASE WHEN pg_temp.u(:'tag' || 'login' || i) < 0.15 THEN :'tag' || '-patient-' || i END,
       opened_by, created_at - interval '5 minutes', created_at - interval '5 minutes'
  FROM seed_cases;
INSERT INTO cases (org_id, id, patient_id, status, assigned_coordinator, oncologist_name,
                   oncologist_institution, oncologist_country, cancer_summary, treatment_status,
                   next_step_kind, next_step_date, revision, created_by, created_at, updated_at)
SELECT :'org', case_id, patient_id, status, coordinator,
       CASE WHEN pg_temp.u(:'tag' || 'oncologist' || i) < 0.9
            THEN 'Dr. ' || (ARRAY['R.', 'S.', 'A.', 'P.', 'K.', 'M.', 'N.', 'V.'])[1 + i % 8] || ' '
                 || (ARRAY['Mehta', 'Iyer', 'Banerjee', 'Reddy', 'Sharma', 'Nair', 'Das', 'Khan', 'Pillai', 'Joshi'])[1 + (i / 8) % 10] END,
       (ARRAY['City Cancer Hospital', 'District Hospital', 'Lifeline Oncology', 'Sunrise Medical College',
              'Government Medical College', 'St. Mary''s Hospital'])[1 + (i / 3) % 6],
       country,
       CASE WHEN pg_temp.u(:'tag' || 'summary' || i) < 0.6
            THEN 'Second opinion wanted on the treatment plan (' || coalesce(current #>> '{diagnosis,primary_site}', 'site unknown') || ').' END,
       treatment_status, step_kind, step_date, 1 + stage + versions, opened_by, created_at, updated_at
  FROM seed_cases;
INSERT INTO plan_versions (org_id, case_id, version, picture, created_by, created_at)
SELECT :'org', case_id, v, current, coordinator_or_opener,
       CASE WHEN v = 1 THEN plan_at
            -- later versions: after the first opinion for an answered case, else before the last step
            WHEN answered THEN opinion_at + (v - 1) * (updated_at - opinion_at) / versions
            ELSE plan_at + (v - 1) * (updated_at - plan_at) / versions END
  FROM (SELECT c.*, coalesce(coordinator, opened_by) AS coordinator_or_opener FROM seed_cases c) c,
       generate_series(1, versions) AS v
 WHERE has_plan;

-- Referrals: a case from `referred` on has one (a closed case without an opinion: declined,
-- withdrawn, or none); one in five answered cases and one in ten referred ones a second.
CREATE TEMP TABLE seed_referrals AS
SELECT r.*, md5(:'tag' || 'referral' || r.i || '.' || r.slot)::uuid AS referral_id,
       p.id AS partner_id, p.key_id, p.name AS partner_name
  FROM (SELECT c.i, c.case_id, c.k, c.coordinator, c.opened_by, s.slot,
               CASE WHEN c.answered AND (s.slot = 1 OR ur < 0.5) THEN 'answered'
                    WHEN c.stage = 2 AND s.slot = 1 THEN CASE WHEN ur < 0.6 THEN 'sent' ELSE 'accepted' END
                    WHEN ur < 0.75 THEN 'declined' ELSE 'withdrawn' END AS status,
               -- the second two days after the first, or sooner in a young case
               c.referred_at + (s.slot - 1) * least(interval '2 days', (c.opinion_at - c.referred_at) / 2,
                                                    (c.updated_at - c.referred_at) / 4) AS created_at,
               c.opinion_at + (s.slot - 1) * least(interval '3 days', (c.updated_at - c.opinion_at) / 2) AS answered_at,
               c.updated_at AS case_updated_at, ur
          FROM seed_cases c
          CROSS JOIN generate_series(1, 2) AS s (slot)
          CROSS JOIN LATERAL (SELECT pg_temp.u(:'tag' || 'referral' || c.i || '.' || s.slot) AS ur) u
         WHERE CASE s.slot
                   WHEN 1 THEN c.stage BETWEEN 2 AND 5 OR c.answered OR (c.stage = 6 AND c.u6 < 0.92)
                   ELSE (c.answered AND c.u4 < 0.2) OR (c.stage = 2 AND c.u4 < 0.1)
               END) r
  JOIN seed_partners p ON p.k = (r.i + r.slot - 1) % :partners;
INSERT INTO referrals (org_id, id, case_id, partner_id, status, questions, due_date, decline_reason,
                       created_by, created_at, updated_at)
SELECT :'org', referral_id, case_id, partner_id, status,
       (ARRAY['["Is the recommended plan the best option?"]',
              '["Do you agree with the diagnosis?", "Is the recommended plan the best option?"]',
              '["Is surgery needed before chemotherapy?"]',
              '[]'])[1 + i % 4]::jsonb,
       (created_at + interval '21 days')::date,
       CASE status WHEN 'declined' THEN (ARRAY['No capacity this month', 'Outside our specialty', 'Records incomplete'])[1 + i % 3] END,
       coalesce(coordinator, opened_by), created_at,
       least(CASE status WHEN 'sent' THEN created_at
                         WHEN 'accepted' THEN created_at + (1 + 2 * ur) * interval '1 day'
                         WHEN 'answered' THEN answered_at
                         ELSE created_at + (2 + 8 * ur) * interval '1 day' END,
             greatest(case_updated_at, created_at))
  FROM seed_referrals;

-- Opinions: one per answered referral; one in twelve amended, the earlier one superseded.
CREATE TEMP TABLE seed_opinions ON COMMIT DROP AS
SELECT r.i, r.slot, r.case_id, r.referral_id, r.partner_id, r.partner_name, r.key_id, r.coordinator, r.opened_by,
       md5(:'tag' || 'opinion' || r.i || '.' || r.slot)::uuid AS opinion_id,
       md5(:'tag' || 'earlier' || r.i || '.' || r.slot)::uuid AS earlier_id,
       pg_temp.u(:'tag' || 'amended' || r.i || '.' || r.slot) < 1.0 / 12 AS amended,
       r.answered_at AS received_at,
       greatest(r.created_at + (r.answered_at - r.created_at) * 0.6, r.answered_at - interval '4 days') AS earlier_at,
       c.versions, c.opinion, c.computed, c.context, c.review, c.actions, c.country, c.treatment_status,
       c.step_kind, c.step_date, c.stage, c.plan_at, c.opinion_at, c.updated_at AS case_updated_at,
       row_number() OVER (ORDER BY r.answered_at, r.referral_id) AS m
  FROM seed_referrals r JOIN seed_cases c USING (i)
 WHERE r.status = 'answered';
ANALYZE seed_referrals, seed_opinions;
-- What a partner sends: the reviewer, the narrative, the picture, answers, its own id.
CREATE TEMP TABLE seed_bodies ON COMMIT DROP AS
SELECT o.opinion_id AS id, o.case_id, o.referral_id, o.key_id, 'received' AS status, o.received_at,
       CASE WHEN o.amended THEN o.earlier_id END AS supersedes,
       b.reviewer, b.narrative, o.opinion AS picture, b.answers,
       CASE WHEN o.i % 5 < 3 THEN 'PH-' || o.i || '.' || o.slot || CASE WHEN o.amended THEN '-v2' ELSE '' END END AS external_id
  FROM seed_opinions o
 CROSS JOIN LATERAL (SELECT jsonb_build_object('name', 'Dr. ' || (ARRAY['S. Banerjee', 'L. Thomas', 'H. Rao', 'G. Menon', 'F. Qureshi'])[1 + o.i % 5],
                                               'specialty', (ARRAY['medical oncology', 'radiation oncology', 'surgical oncology', 'pathology'])[1 + o.i % 4],
                                               'institution', o.partner_name) AS reviewer,
                            'Reviewed the records, slides and scans; see the recommended plan.' AS narrative,
                            CASE WHEN o.i % 3 = 0 THEN '[{"question_index": 0, "answer": "See the recommended plan."}]'::jsonb
                                 ELSE '[]'::jsonb END AS answers) b
UNION ALL
SELECT o.earlier_id, o.case_id, o.referral_id, o.key_id, 'superseded', o.earlier_at, NULL,
       jsonb_build_object('name', 'Dr. ' || (ARRAY['S. Banerjee', 'L. Thomas', 'H. Rao', 'G. Menon', 'F. Qureshi'])[1 + o.i % 5],
                          'institution', o.partner_name),
       'Preliminary review.', o.opinion, '[]'::jsonb,
       CASE WHEN o.i % 5 < 3 THEN 'PH-' || o.i || '.' || o.slot END
  FROM seed_opinions o WHERE o.amended;
INSERT INTO second_opinions (org_id, id, case_id, referral_id, submitted_by_kind, submitted_by, reviewer,
                             narrative, picture, answers, external_id, supersedes, raw_body, raw_sha256,
                             status, received_at)
SELECT :'org', id, case_id, referral_id, 'partner', 'api_key:' || key_id, reviewer, narrative, picture, answers,
       external_id, supersedes, raw, sha256(raw), status, received_at
  FROM (SELECT b.*, convert_to(jsonb_strip_nulls(jsonb_build_object(
                        'reviewer', reviewer, 'narrative', narrative, 'picture', picture,
                        'answers', CASE WHEN answers = '[]' THEN NULL ELSE answers END,
                        'external_id', external_id, 'supersedes', supersedes))::text, 'UTF8') AS raw
          FROM seed_bodies b) b;

-- Assessments: one for each amended (earlier) opinion; the rest spread over the answered opinions
-- in rounds: the first when the opinion arrived, each later plan version one more, the rest after
-- the ruleset upgrade (concord reassess). The last round is current.
SELECT count(*) AS opinions, count(*) FILTER (WHERE amended) AS earlier,
       count(*) + count(*) FILTER (WHERE amended) > :assessments AS too_few
  FROM seed_opinions \gset
\if :too_few
DO $$ BEGIN RAISE EXCEPTION 'assessments must be at least the number of opinions; raise -v assessments'; END $$;
\endif
SELECT (:assessments - :earlier) / :opinions AS rounds, (:assessments - :earlier) % :opinions AS extra \gset
-- Each made when its plan version was (or the opinion arrived); the gate's holds released by a
-- sign-off, except in the last ten days (and one in thirty-three still waiting).
CREATE TEMP TABLE seed_rounds ON COMMIT DROP AS
SELECT s.*, NOT s.needs OR (s.created_at < timestamptz :'until' - interval '10 days'
                            AND pg_temp.u(:'tag' || 'released' || s.assessment_id) < 0.97) AS released
  FROM (SELECT s.*, cardinality(s.review) > 0 AS needs,
               least(greatest(s.received_at,
                              CASE WHEN s.plan_version = 1 THEN s.plan_at
                                   ELSE s.opinion_at + (s.plan_version - 1) * (greatest(s.case_updated_at, s.opinion_at) - s.opinion_at) / s.versions END)
                     + s.round * interval '2 seconds',
                     timestamptz :'until' - interval '1 minute') AS created_at
          FROM (
                SELECT o.*, r.round, o.rounds_of AS rounds,
                       md5(:'tag' || 'assessment' || o.i || '.' || o.slot || '.' || r.round)::uuid AS assessment_id,
                       CASE WHEN r.round < o.rounds_of
                            THEN md5(:'tag' || 'assessment' || o.i || '.' || o.slot || '.' || (r.round + 1))::uuid END AS superseded_by,
                       greatest(1, o.versions - (o.rounds_of - r.round)) AS plan_version,
                       -- a round on the same plan version as the next one was made by the ruleset before the upgrade
                       r.round < o.rounds_of AND greatest(1, o.versions - (o.rounds_of - r.round)) = greatest(1, o.versions - (o.rounds_of - r.round - 1)) AS old_rules
                  FROM (SELECT o.*, :rounds + (o.m <= :extra)::int AS rounds_of FROM seed_opinions o) o
                 CROSS JOIN LATERAL generate_series(1, o.rounds_of) AS r (round)) s) s;
-- The computed result as the engine gave it (under the old ruleset's version for the old rounds).
CREATE TEMP TABLE seed_assessments ON COMMIT DROP AS
SELECT a.*, CASE WHEN a.needs AND a.released
                 THEN least(a.created_at + (1 + pg_temp.u(:'tag' || 'sign-off' || a.id)) * interval '1 day',
                            timestamptz :'until' - interval '1 minute') END AS signed_at
  FROM (
        SELECT s.assessment_id AS id, s.opinion_id, s.case_id, s.plan_version, s.round = s.rounds AS current,
               s.superseded_by, s.created_at, s.needs, s.released, s.review, s.i, s.slot, s.round,
               CASE WHEN s.old_rules THEN s.computed || '{"ruleset_version": "2026.11+4f0c2a9d81be", "review_items": []}'
                    ELSE s.computed END AS computed,
               CASE WHEN s.old_rules THEN '2026.11+4f0c2a9d81be' ELSE '3' END AS ruleset_version,
               CASE WHEN s.round = 1 THEN 'api_key:' || s.key_id
                    WHEN s.old_rules OR s.plan_version = 1 THEN 'concord-reassess'
                    ELSE coalesce(s.coordinator, s.opened_by) END AS created_by,
               jsonb_strip_nulls(jsonb_build_object(
                   'as_of', to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                   'treatment_status', s.treatment_status,
                   'next_irreversible_step', CASE WHEN s.step_kind IS NOT NULL
                                                  THEN jsonb_strip_nulls(jsonb_build_object('kind', s.step_kind, 'date', s.step_date)) END,
                   'patient_country', s.country)) AS context
          FROM seed_rounds s
        UNION ALL
        -- An amendment's first assessment supersedes the amended opinion's.
        SELECT md5(:'tag' || 'assessment-earlier' || s.i || '.' || s.slot)::uuid, s.earlier_id, s.case_id,
               s.plan_version, false, s.assessment_id, s.earlier_at + interval '2 seconds', s.needs,
               NOT s.needs OR s.earlier_at < timestamptz :'until' - interval '10 days', s.review, s.i, s.slot, 0,
               s.computed, '3', 'api_key:' || s.key_id,
               jsonb_strip_nulls(jsonb_build_object(
                   'as_of', to_char(s.earlier_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                   'treatment_status', s.treatment_status, 'patient_country', s.country))
          FROM seed_rounds s WHERE s.amended AND s.round = 1) a;
CREATE INDEX ON seed_assessments (i, slot, round);
ANALYZE seed_assessments;
INSERT INTO assessments (org_id, id, second_opinion_id, case_id, plan_version, context, computed, effective,
                         ruleset_version, outcome, primary_scenario, urgency, current, superseded_by,
                         created_by, created_at, needs_clinician_review, clinician_review_reasons, released)
SELECT :'org', id, opinion_id, case_id, plan_version, context, computed, NULL, ruleset_version,
       computed ->> 'outcome', computed ->> 'primary_scenario', computed ->> 'urgency', current, superseded_by,
       created_by, created_at, needs, review, released
  FROM seed_assessments ORDER BY created_at;
-- A clinician signed off each released result the gate held, a day or two after it was made.
INSERT INTO assessment_sign_offs (org_id, id, assessment_id, signed_by, reason, approved_outcome,
                                  approved_primary_scenario, created_at)
SELECT :'org', md5(:'tag' || 'sign-off' || id)::uuid, id, 'clinician-' || (1 + i % 3),
       'Read the opinion against the plan; the classification stands.',
       computed ->> 'outcome', computed ->> 'primary_scenario', signed_at
  FROM seed_assessments WHERE signed_at IS NOT NULL;

-- Tasks: those the first opinion's actions opened (kept on its current assessment) and its
-- review task while the gate holds it or until a clinician signed it off; then work opened by
-- hand. A closed case keeps none open but a review still waiting for a clinician.
CREATE TEMP TABLE seed_tasks ON COMMIT DROP AS
SELECT md5(:'tag' || 'task' || c.i || '.' || x.kind)::uuid AS id, c.i, c.case_id, cur.id AS assessment_id,
       x.kind, t.title,
       CASE WHEN x.kind = 'clinician_review' THEN CASE WHEN cur.released THEN 'done' ELSE 'open' END
            WHEN c.stage IN (3, 4) THEN CASE WHEN ut < 0.75 THEN 'open' ELSE 'done' END
            WHEN c.stage = 5 THEN CASE WHEN ut < 0.3 THEN 'open' ELSE 'done' END
            ELSE CASE WHEN ut < 0.85 THEN 'done' ELSE 'cancelled' END END AS status,
       CASE WHEN x.kind <> 'clinician_review' THEN c.coordinator END AS assignee,
       CASE WHEN x.kind = 'clinician_review'
            THEN (cur.created_at + CASE cur.computed ->> 'urgency' WHEN 'urgent' THEN 24 ELSE 72 END * interval '1 hour')::date
            ELSE (first.created_at + CASE first.computed ->> 'urgency' WHEN 'urgent' THEN 1
                                          WHEN 'before_next_decision' THEN 7 ELSE 14 END * interval '1 day')::date
       END AS due_date,
       CASE WHEN x.kind = 'clinician_review' THEN cur.created_at ELSE first.created_at END + interval '1 millisecond' AS created_at,
       CASE WHEN x.kind = 'clinician_review' THEN cur.signed_at
            ELSE least(first.created_at + (2 + 20 * ut) * interval '1 day', timestamptz :'until' - interval '1 minute') END AS done_at,
       CASE WHEN x.kind = 'clinician_review' THEN 'clinician-' || (1 + c.i % 3)
            ELSE coalesce(c.coordinator, c.opened_by) END AS done_by
  FROM seed_cases c
  JOIN seed_assessments cur ON cur.i = c.i AND cur.slot = 1 AND cur.current
  JOIN seed_assessments first ON first.i = c.i AND first.slot = 1 AND first.round = 1
 CROSS JOIN LATERAL (SELECT unnest(c.actions) UNION ALL SELECT 'clinician_review' WHERE cur.needs) AS x (kind)
  JOIN seed_titles t ON t.kind = x.kind
 CROSS JOIN LATERAL (SELECT pg_temp.u(:'tag' || 'task' || c.i || '.' || x.kind) AS ut) u
UNION ALL
SELECT md5(:'tag' || 'task' || c.i || '.' || h.kind)::uuid, c.i, c.case_id, NULL, h.kind, h.title,
       CASE WHEN c.stage <= h.open_until AND c.stage < 6 THEN 'open' ELSE 'done' END,
       c.coordinator, (h.at + interval '7 days')::date, h.at,
       least(greatest(h.done_at, h.at + interval '1 hour'), timestamptz :'until' - interval '1 minute'),
       coalesce(c.coordinator, c.opened_by)
  FROM seed_cases c
 CROSS JOIN LATERAL (VALUES
       ('collect_records', 'Collect the pathology, imaging and treatment records', c.created_at + interval '3 hours',
        c.plan_at, 1, c.stage >= 1 OR c.u1 < 0.5),
       ('translate_documents', 'Have the reports translated into English', c.created_at + interval '1 day',
        c.referred_at, 2, c.u3 < 0.15),
       ('book_oncologist_appointment', 'Book the appointment with the treating oncologist to go through the opinion',
        c.summary_at, c.shared_at, 4, c.stage BETWEEN 4 AND 5 OR (c.stage = 6 AND c.answered)),
       ('follow_up_patient', 'Call the patient after the appointment', c.shared_at + interval '1 day',
        c.shared_at + (3 + 7 * c.u2) * interval '1 day', CASE WHEN c.u5 < 0.5 THEN 5 ELSE -1 END,
        (c.stage = 5 AND c.u4 < 0.6) OR (c.stage = 6 AND c.answered AND c.u4 < 0.5))
   ) AS h (kind, title, at, done_at, open_until, wanted)
 WHERE h.wanted;
INSERT INTO tasks (org_id, id, case_id, assessment_id, kind, title, status, assignee, due_date,
                   completed_by, completed_at, created_at, updated_at)
SELECT :'org', id, case_id, assessment_id, kind, title, status, assignee, due_date,
       CASE status WHEN 'done' THEN done_by WHEN 'cancelled' THEN 'system' END,
       CASE WHEN status <> 'open' THEN greatest(done_at, created_at) END,
       created_at, CASE WHEN status <> 'open' THEN greatest(done_at, created_at) ELSE created_at END
  FROM seed_tasks ORDER BY seed_tasks.created_at;

-- The conversations where the opinion was gone through with the oncologist.
CREATE TEMP TABLE seed_conversations ON COMMIT DROP AS
SELECT md5(:'tag' || 'conversation' || i)::uuid AS id, case_id, shared_at::date AS held_on,
       CASE WHEN u < 0.45 THEN 'agreed' WHEN u < 0.70 THEN 'plan_changed'
            WHEN u < 0.92 THEN 'kept_plan_with_reasons' ELSE 'dismissed_without_reasons' END AS response,
       (ARRAY['[{"role": "patient"}, {"role": "coordinator"}]', '[{"role": "patient"}, {"role": "family_member"}, {"role": "oncologist"}]',
              '[{"role": "patient"}, {"role": "interpreter"}, {"role": "oncologist"}]'])[1 + i % 3]::jsonb AS attendees,
       coalesce(coordinator, opened_by) AS created_by,
       least(shared_at + interval '2 hours', timestamptz :'until' - interval '1 minute') AS created_at
  FROM (SELECT c.*, pg_temp.u(:'tag' || 'conversation' || c.i) AS u FROM seed_cases c) c
 WHERE stage = 5 OR (stage = 6 AND answered AND u1 < 0.7);
INSERT INTO conversations (org_id, id, case_id, held_on, attendees, response, created_by, created_at)
SELECT :'org', id, case_id, held_on, attendees, response, created_by, created_at FROM seed_conversations;

-- The event feed: each event names an object of its type made at its time (the n-th event of
-- a type the object at the same fraction of that type's history), with the payload and links
-- the service gives it (events/catalogue.rs). One transaction wrote them all: the feed orders
-- them by their (UUIDv7) ids, that is by time.
CREATE TEMP TABLE seed_events ON COMMIT DROP AS
SELECT j, (j - 1 + pg_temp.u(:'tag' || 'event-time' || j)) / :events AS f,
       CASE WHEN ut < 0.09 THEN 'case.created' WHEN ut < 0.26 THEN 'case.updated'
            WHEN ut < 0.33 THEN 'plan.revised' WHEN ut < 0.41 THEN 'referral.created'
            WHEN ut < 0.49 THEN 'referral.updated' WHEN ut < 0.56 THEN 'second_opinion.received'
            WHEN ut < 0.70 THEN 'assessment.created' WHEN ut < 0.73 THEN 'assessment.signed_off'
            WHEN ut < 0.88 THEN 'task.created' WHEN ut < 0.97 THEN 'task.completed'
            ELSE 'conversation.recorded' END AS type
  FROM (SELECT j, pg_temp.u(:'tag' || 'event-type' || j) AS ut FROM generate_series(1, :events) AS j OFFSET 0) e;
CREATE TEMP TABLE seed_event_rows (j bigint, type text, at timestamptz, case_id uuid, data jsonb, links jsonb) ON COMMIT DROP;
INSERT INTO seed_event_rows
SELECT e.j, e.type, o.at, o.case_id, jsonb_build_object('status', 'intake', 'treatment_status', o.treatment_status), '{}'
  FROM seed_events e
  JOIN (SELECT created_at AS at, case_id, treatment_status, row_number() OVER (ORDER BY created_at, case_id) AS rn FROM seed_cases) o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM seed_cases)))
 WHERE e.type = 'case.created';
INSERT INTO seed_event_rows
SELECT e.j, e.type, o.at, o.case_id, jsonb_build_object('status', o.status, 'treatment_status', o.treatment_status), '{}'
  FROM seed_events e
  JOIN (SELECT updated_at AS at, case_id, status, treatment_status, row_number() OVER (ORDER BY updated_at, case_id) AS rn
          FROM seed_cases WHERE stage > 0) o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM seed_cases WHERE stage > 0)))
 WHERE e.type = 'case.updated';
INSERT INTO seed_event_rows
SELECT e.j, e.type, o.at, o.case_id, jsonb_build_object('plan_version', o.version), '{}'
  FROM seed_events e
  JOIN (SELECT p.created_at AS at, p.case_id, p.version, row_number() OVER (ORDER BY p.created_at, p.case_id, p.version) AS rn
          FROM plan_versions p JOIN seed_cases USING (case_id) WHERE p.org_id = :'org') o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM plan_versions p JOIN seed_cases USING (case_id) WHERE p.org_id = :'org')))
 WHERE e.type = 'plan.revised';
INSERT INTO seed_event_rows
SELECT e.j, e.type, o.created_at, o.case_id,
       jsonb_build_object('referral_id', o.id, 'partner_id', o.partner_id, 'status', 'sent'),
       jsonb_build_object('referral', :'base' || '/v1/referrals/' || o.id)
  FROM seed_events e
  JOIN (SELECT r.*, row_number() OVER (ORDER BY r.created_at, r.id) AS rn
          FROM referrals r JOIN seed_referrals s ON s.referral_id = r.id WHERE r.org_id = :'org') o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM seed_referrals)))
 WHERE e.type = 'referral.created';
INSERT INTO seed_event_rows
SELECT e.j, e.type, o.updated_at, o.case_id,
       jsonb_build_object('referral_id', o.id, 'partner_id', o.partner_id, 'status', o.status),
       -- an answered referral's event carries no link of its own
       CASE WHEN o.status = 'answered' THEN '{}' ELSE jsonb_build_object('referral', :'base' || '/v1/referrals/' || o.id) END
  FROM seed_events e
  JOIN (SELECT r.*, row_number() OVER (ORDER BY r.updated_at, r.id) AS rn
          FROM referrals r JOIN seed_referrals s ON s.referral_id = r.id WHERE r.org_id = :'org' AND r.status <> 'sent') o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM seed_referrals WHERE status <> 'sent')))
 WHERE e.type = 'referral.updated';
INSERT INTO seed_event_rows
SELECT e.j, e.type, o.received_at, o.case_id,
       jsonb_build_object('second_opinion_id', o.id, 'referral_id', o.referral_id, 'supersedes', o.supersedes),
       jsonb_build_object('second_opinion', :'base' || '/v1/second-opinions/' || o.id)
  FROM seed_events e
  JOIN (SELECT b.*, row_number() OVER (ORDER BY b.received_at, b.id) AS rn FROM seed_bodies b) o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM seed_bodies)))
 WHERE e.type = 'second_opinion.received';
INSERT INTO seed_event_rows
SELECT e.j, e.type, o.created_at, o.case_id,
       jsonb_build_object('assessment_id', o.id, 'second_opinion_id', o.opinion_id, 'plan_version', o.plan_version,
                          'outcome', o.computed ->> 'outcome', 'primary_scenario', o.computed ->> 'primary_scenario',
                          'urgency', o.computed ->> 'urgency', 'released', NOT o.needs),
       jsonb_build_object('assessment', :'base' || '/v1/assessments/' || o.id)
  FROM seed_events e
  JOIN (SELECT a.*, row_number() OVER (ORDER BY a.created_at, a.id) AS rn FROM seed_assessments a) o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM seed_assessments)))
 WHERE e.type = 'assessment.created';
INSERT INTO seed_event_rows
SELECT e.j, e.type, o.signed_at, o.case_id,
       jsonb_build_object('assessment_id', o.id, 'sign_off_id', md5(:'tag' || 'sign-off' || o.id)::uuid, 'released', true,
                          'outcome', o.computed ->> 'outcome', 'primary_scenario', o.computed ->> 'primary_scenario'),
       jsonb_build_object('assessment', :'base' || '/v1/assessments/' || o.id)
  FROM seed_events e
  JOIN (SELECT a.*, row_number() OVER (ORDER BY a.signed_at, a.id) AS rn FROM seed_assessments a WHERE signed_at IS NOT NULL) o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM seed_assessments WHERE signed_at IS NOT NULL)))
 WHERE e.type = 'assessment.signed_off';
INSERT INTO seed_event_rows
SELECT e.j, e.type, o.created_at, o.case_id,
       jsonb_build_object('task_id', o.id, 'kind', o.kind, 'status', 'open', 'due_date', o.due_date)
           || CASE WHEN o.assessment_id IS NOT NULL THEN jsonb_build_object('assessment_id', o.assessment_id) ELSE '{}' END,
       jsonb_build_object('task', :'base' || '/v1/tasks/' || o.id)
  FROM seed_events e
  JOIN (SELECT t.*, row_number() OVER (ORDER BY t.created_at, t.id) AS rn FROM seed_tasks t) o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM seed_tasks)))
 WHERE e.type = 'task.created';
INSERT INTO seed_event_rows
SELECT e.j, e.type, greatest(o.done_at, o.created_at), o.case_id,
       jsonb_build_object('task_id', o.id, 'kind', o.kind, 'status', 'done', 'due_date', o.due_date),
       jsonb_build_object('task', :'base' || '/v1/tasks/' || o.id)
  FROM seed_events e
  JOIN (SELECT t.*, row_number() OVER (ORDER BY t.done_at, t.id) AS rn FROM seed_tasks t WHERE status = 'done') o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM seed_tasks WHERE status = 'done')))
 WHERE e.type = 'task.completed';
INSERT INTO seed_event_rows
SELECT e.j, e.type, o.created_at, o.case_id,
       jsonb_build_object('conversation_id', o.id, 'response', o.response, 'follow_up_task_ids', '[]'::jsonb), '{}'
  FROM seed_events e
  JOIN (SELECT c.*, row_number() OVER (ORDER BY c.created_at, c.id) AS rn FROM seed_conversations c) o
    ON o.rn = greatest(1, ceil(e.f * (SELECT count(*) FROM seed_conversations)))
 WHERE e.type = 'conversation.recorded';
INSERT INTO events (org_id, id, type, occurred_at, data)
SELECT :'org', pg_temp.v7(at, h), type, at,
       data || jsonb_build_object('case_id', case_id,
                                  'links', links || jsonb_build_object('case', :'base' || '/v1/cases/' || case_id))
  FROM (SELECT r.*, md5(:'tag' || 'event' || j) AS h FROM seed_event_rows r OFFSET 0) r ORDER BY at, j;
\endif

-- The audit trail. Each row is a request at a time drawn over the three years, mostly on a
-- case opened shortly before (one in a hundred on the busiest case, the first), by the
-- coordinator, a clinician, an admin or the partner's key, with the ids the service records.
CREATE TEMP TABLE seed_ctx ON COMMIT DROP AS
SELECT g.i, c.id AS case_id, c.patient_id, c.assigned_coordinator, r.id AS referral_id, r.partner_id,
       p.key_id, p.k AS partner_k, o.id AS opinion_id, a.id AS assessment_id, t.id AS task_id,
       array_agg(c.id) OVER (ORDER BY g.i ROWS 24 PRECEDING) AS page
  FROM generate_series(1, :cases) AS g (i)
  JOIN cases c ON c.org_id = :'org' AND c.id = md5(:'tag' || 'case' || g.i)::uuid
  LEFT JOIN LATERAL (SELECT id, partner_id FROM referrals
                      WHERE org_id = :'org' AND case_id = c.id ORDER BY created_at, id LIMIT 1) r ON true
  LEFT JOIN seed_partners p ON p.id = r.partner_id
  LEFT JOIN LATERAL (SELECT id FROM second_opinions
                      WHERE org_id = :'org' AND case_id = c.id AND status = 'received' ORDER BY received_at, id LIMIT 1) o ON true
  LEFT JOIN LATERAL (SELECT id FROM assessments
                      WHERE org_id = :'org' AND second_opinion_id = o.id AND current) a ON true
  LEFT JOIN LATERAL (SELECT id FROM tasks WHERE org_id = :'org' AND case_id = c.id ORDER BY created_at, id LIMIT 1) t ON true;
ALTER TABLE seed_ctx ADD PRIMARY KEY (i);
ANALYZE seed_ctx;
INSERT INTO audit_events (org_id, id, occurred_at, actor_kind, actor_id, actor_role, action, object_type,
                          object_ids, case_id, request_id, outcome, client_ip)
SELECT :'org', pg_temp.v7(at, h_id), at,
       CASE WHEN partner THEN 'api_key' ELSE 'user' END,
       CASE WHEN partner THEN key_id::text
            WHEN role = 'clinician' THEN 'clinician-' || (1 + j % 3)
            WHEN role = 'admin' THEN 'admin-1'
            ELSE coalesce(assigned_coordinator, 'coordinator-' || (1 + j % 6)) END,
       CASE WHEN NOT partner THEN role END,
       CASE action WHEN 'referral.inbox' THEN 'referral.list' ELSE action END,
       CASE split_part(action, '.', 1) WHEN 'plan' THEN 'plan_version' WHEN 'records_checklist' THEN 'case'
            WHEN 'analytics' THEN 'organization' ELSE split_part(action, '.', 1) END,
       CASE WHEN action = 'case.list' THEN page
            WHEN action LIKE 'patient.%' THEN ARRAY[patient_id]
            WHEN action LIKE 'referral.%' THEN ARRAY[referral_id]
            WHEN action LIKE 'second_opinion.%' THEN ARRAY[opinion_id]
            WHEN action = 'assessment.create' THEN ARRAY[assessment_id, opinion_id]
            WHEN action = 'assessment.review_queue' THEN '{}'
            WHEN action LIKE 'assessment.%' THEN ARRAY[assessment_id]
            WHEN action LIKE 'task.%' THEN ARRAY[task_id]
            WHEN action = 'audit_event.list' THEN '{}'
            WHEN action = 'analytics.concordance' THEN ARRAY[:'org'::uuid]
            ELSE ARRAY[case_id] END,
       CASE WHEN action IN ('case.list', 'referral.inbox', 'task.list', 'assessment.review_queue', 'audit_event.list',
                            'analytics.concordance') OR action LIKE 'patient.%' THEN NULL
            ELSE case_id END,
       pg_temp.v7(at, h_request)::text,
       CASE WHEN uo < 0.965 THEN 'success' WHEN uo < 0.98 THEN 'not_found' WHEN uo < 0.995 THEN 'denied' ELSE 'failure' END,
       CASE WHEN partner THEN '203.0.113.' || (10 + partner_k) ELSE '10.20.' || (j % 8) || '.' || (1 + j % 250) END
  FROM (SELECT a.*,
               action IN ('referral.read', 'referral.inbox', 'referral.accepted', 'second_opinion.create', 'assessment.create') AS partner,
               CASE WHEN action IN ('audit_event.list', 'analytics.concordance') THEN 'admin'
                    WHEN action IN ('assessment.sign_off', 'assessment.review_queue')
                         OR (clinician AND action IN ('assessment.read', 'assessment.list', 'second_opinion.read')) THEN 'clinician'
                    ELSE 'coordinator' END AS role
          FROM (
                SELECT d.j, d.at, d.uo, d.h_id, d.h_request, x.*,
                       CASE WHEN d.action IN ('referral.create', 'referral.list', 'referral.read', 'referral.inbox', 'referral.accepted')
                                 AND x.referral_id IS NULL THEN 'case.read'
                            WHEN d.action IN ('second_opinion.create', 'second_opinion.read', 'second_opinion.list', 'assessment.create',
                                              'assessment.read', 'assessment.list', 'assessment.sign_off')
                                 AND x.assessment_id IS NULL THEN 'case.read'
                            WHEN d.action LIKE 'task.%' AND x.task_id IS NULL THEN 'case.read'
                            ELSE d.action END AS action,
                       d.clinician
                  FROM (SELECT d.*,
                               CASE WHEN ua < 0.16 THEN 'case.read' WHEN ua < 0.24 THEN 'case.list' WHEN ua < 0.27 THEN 'case.update'
                                    WHEN ua < 0.30 THEN 'case.status' WHEN ua < 0.32 THEN 'case.create' WHEN ua < 0.37 THEN 'patient.read'
                                    WHEN ua < 0.39 THEN 'patient.create' WHEN ua < 0.40 THEN 'patient.update' WHEN ua < 0.46 THEN 'plan.read'
                                    WHEN ua < 0.48 THEN 'plan.revise' WHEN ua < 0.49 THEN 'plan.list' WHEN ua < 0.51 THEN 'records_checklist.read'
                                    WHEN ua < 0.53 THEN 'referral.create' WHEN ua < 0.56 THEN 'referral.list' WHEN ua < 0.62 THEN 'referral.read'
                                    WHEN ua < 0.67 THEN 'referral.inbox' WHEN ua < 0.68 THEN 'referral.accepted'
                                    WHEN ua < 0.70 THEN 'second_opinion.create' WHEN ua < 0.72 THEN 'assessment.create'
                                    WHEN ua < 0.76 THEN 'second_opinion.read' WHEN ua < 0.77 THEN 'second_opinion.list'
                                    WHEN ua < 0.81 THEN 'assessment.read' WHEN ua < 0.83 THEN 'assessment.list'
                                    WHEN ua < 0.84 THEN 'assessment.sign_off' WHEN ua < 0.85 THEN 'assessment.review_queue'
                                    WHEN ua < 0.91 THEN 'task.list' WHEN ua < 0.93 THEN 'task.read' WHEN ua < 0.94 THEN 'task.update'
                                    WHEN ua < 0.97 THEN 'task.complete' WHEN ua < 0.985 THEN 'task.create'
                                    WHEN ua < 0.995 THEN 'audit_event.list' ELSE 'analytics.concordance' END AS action,
                               CASE WHEN uh < 0.01 THEN 1
                                    ELSE greatest(1, least(:cases, ceil(ut * :cases)::int - 1 - floor(:cases * 0.03 * ux * ux)::int)) END AS ci
                          FROM (SELECT j, timestamptz :'t0' + ut * interval '1095 days' AS at, ut, ua, uo, uh, ux, j % 2 = 0 AS clinician,
                                       h_id, h_request
                                  FROM (SELECT j, md5(:'tag' || 'audit' || j) AS h_id, md5(:'tag' || 'request' || j) AS h_request,
                                               pg_temp.u(:'tag' || 'audit-time' || j) AS ut, pg_temp.u(:'tag' || 'audit-action' || j) AS ua,
                                               pg_temp.u(:'tag' || 'audit-outcome' || j) AS uo, pg_temp.u(:'tag' || 'audit-hot' || j) AS uh,
                                               pg_temp.u(:'tag' || 'audit-case' || j) AS ux
                                          FROM generate_series(:audit_from, :audit) AS j OFFSET 0) d) d OFFSET 0) d
                  JOIN seed_ctx x ON x.i = d.ci OFFSET 0) a) a
 ORDER BY at;
\if :audit_only
\else
ALTER TABLE second_opinions ENABLE TRIGGER second_opinions_concordance;
ALTER TABLE assessments ENABLE TRIGGER assessments_concordance;
ALTER TABLE conversations ENABLE TRIGGER conversations_concordance;
\endif
COMMIT;
\if :audit_only
ANALYZE audit_events;
\else
ANALYZE organizations, api_keys, patients, cases, plan_versions, referrals, second_opinions, assessments,
        assessment_sign_offs, tasks, conversations, events, audit_events;
DO $$ BEGIN
    PERFORM concordance_unit_refresh(r.org_id, r.id)
       FROM seed_referrals s
       JOIN referrals r ON r.id = s.referral_id
      WHERE s.status = 'answered'
        AND NOT EXISTS (SELECT 1 FROM concordance_units u
                         WHERE u.org_id = r.org_id AND u.referral_id = r.id);
END $$;
ANALYZE concordance_units;
\endif
