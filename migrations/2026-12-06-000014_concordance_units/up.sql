-- Concordance analytics at scale (issue 21): one row per answered referral, kept by the
-- database itself whenever an opinion, an assessment or a conversation changes, so the
-- figures are one index-only read of narrow rows instead of four joins and two correlated
-- lookups per referral (which took minutes at 100,000 referrals). The row is what the
-- referral counts as: its latest received opinion's current assessment (whose outcome and
-- scenario are the effective ones), the plan's site, the days from referral to the first
-- opinion, and the case's latest conversation (the read keeps it only when it is on or after
-- the opinion's day in the asked time zone; the latest overall is the latest after, if any).
CREATE TABLE concordance_units (
    org_id           uuid NOT NULL,
    referral_id      uuid NOT NULL,
    partner_id       uuid NOT NULL,
    site             text,
    scenario         text NOT NULL,
    outcome          text NOT NULL,
    needed_review    boolean NOT NULL,
    ruleset          text NOT NULL,
    received_at      timestamptz NOT NULL,
    days             double precision,
    conversation_on  date,
    conversation     text,
    PRIMARY KEY (org_id, referral_id),
    FOREIGN KEY (org_id, referral_id) REFERENCES referrals (org_id, id) ON DELETE CASCADE
);
CREATE INDEX concordance_units_by_arrival ON concordance_units (org_id, received_at)
    INCLUDE (partner_id, site, scenario, outcome, needed_review, ruleset, days,
             conversation_on, conversation);
-- The first opinion of a referral, for the days it took.
CREATE INDEX second_opinions_by_referral ON second_opinions (org_id, referral_id, received_at)
    WHERE referral_id IS NOT NULL;
-- The units read replaces the one this index served.
DROP INDEX second_opinions_answered;

-- The one definition of a referral's unit: recomputed whole, so the order in which a
-- transaction changes the rows never matters; no unit when nothing answered counts.
CREATE FUNCTION concordance_unit_refresh(p_org uuid, p_referral uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO concordance_units AS cu
           (org_id, referral_id, partner_id, site, scenario, outcome, needed_review, ruleset,
            received_at, days, conversation_on, conversation)
    SELECT r.org_id, r.id, r.partner_id,
           left(pv.picture #>> '{diagnosis,primary_site}', 3),
           a.primary_scenario, a.outcome, a.needs_clinician_review,
           split_part(a.ruleset_version, '+', 1),
           o.received_at,
           extract(epoch FROM (SELECT min(f.received_at) FROM second_opinions f
                                WHERE f.org_id = r.org_id AND f.referral_id = r.id)
                              - r.created_at) / 86400.0,
           c.held_on, c.response
      FROM referrals r
      JOIN second_opinions o
        ON o.org_id = r.org_id AND o.referral_id = r.id AND o.status = 'received'
      JOIN assessments a ON a.org_id = o.org_id AND a.second_opinion_id = o.id AND a.current
      JOIN plan_versions pv
        ON pv.org_id = a.org_id AND pv.case_id = a.case_id AND pv.version = a.plan_version
      LEFT JOIN LATERAL (
            SELECT held_on, response FROM conversations c
             WHERE c.org_id = r.org_id AND c.case_id = r.case_id
             ORDER BY held_on DESC, created_at DESC
             LIMIT 1) c ON true
     WHERE r.org_id = p_org AND r.id = p_referral
     ORDER BY o.received_at DESC, o.id DESC
     LIMIT 1
    ON CONFLICT (org_id, referral_id) DO UPDATE
       SET partner_id = EXCLUDED.partner_id, site = EXCLUDED.site,
           scenario = EXCLUDED.scenario, outcome = EXCLUDED.outcome,
           needed_review = EXCLUDED.needed_review, ruleset = EXCLUDED.ruleset,
           received_at = EXCLUDED.received_at, days = EXCLUDED.days,
           conversation_on = EXCLUDED.conversation_on, conversation = EXCLUDED.conversation;
    IF NOT FOUND THEN
        DELETE FROM concordance_units WHERE org_id = p_org AND referral_id = p_referral;
    END IF;
END $$;

CREATE FUNCTION concordance_units_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'second_opinions' THEN
        IF NEW.referral_id IS NOT NULL THEN
            PERFORM concordance_unit_refresh(NEW.org_id, NEW.referral_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'assessments' THEN
        PERFORM concordance_unit_refresh(o.org_id, o.referral_id)
           FROM second_opinions o
          WHERE o.org_id = NEW.org_id AND o.id = NEW.second_opinion_id
            AND o.referral_id IS NOT NULL;
    ELSE -- conversations
        PERFORM concordance_unit_refresh(r.org_id, r.id)
           FROM referrals r
          WHERE r.org_id = NEW.org_id AND r.case_id = NEW.case_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER second_opinions_concordance AFTER INSERT OR UPDATE ON second_opinions
    FOR EACH ROW EXECUTE FUNCTION concordance_units_follow();
CREATE TRIGGER assessments_concordance AFTER INSERT OR UPDATE ON assessments
    FOR EACH ROW EXECUTE FUNCTION concordance_units_follow();
CREATE TRIGGER conversations_concordance AFTER INSERT OR UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION concordance_units_follow();

DO $$ BEGIN PERFORM concordance_unit_refresh(org_id, id) FROM referrals; END $$;
