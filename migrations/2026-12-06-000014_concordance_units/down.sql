DROP TRIGGER conversations_concordance ON conversations;
DROP TRIGGER assessments_concordance ON assessments;
DROP TRIGGER second_opinions_concordance ON second_opinions;
DROP FUNCTION concordance_units_follow();
DROP FUNCTION concordance_unit_refresh(uuid, uuid);
CREATE INDEX second_opinions_answered
    ON second_opinions (org_id, received_at, referral_id)
    WHERE status = 'received' AND referral_id IS NOT NULL;
DROP INDEX second_opinions_by_referral;
DROP TABLE concordance_units;
