-- Concordance analytics read answered referrals by their opinion's arrival, one tenant at a
-- time, and the last conversation of each case after it.
CREATE INDEX second_opinions_answered
    ON second_opinions (org_id, received_at, referral_id)
    WHERE status = 'received' AND referral_id IS NOT NULL;
CREATE INDEX conversations_by_day ON conversations (org_id, case_id, held_on DESC, created_at DESC);
