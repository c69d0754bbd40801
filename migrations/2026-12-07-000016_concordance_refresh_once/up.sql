-- A new opinion never changes its referral's unit: until its assessment is written it is not
-- counted, and the assessment's insert refreshes the unit. Only a change of status (superseded,
-- withdrawn) or of referral does. This halves the refreshes of an ingestion (one instead of two).
DROP TRIGGER second_opinions_concordance ON second_opinions;
CREATE TRIGGER second_opinions_concordance AFTER UPDATE OF status, referral_id ON second_opinions
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.referral_id IS DISTINCT FROM NEW.referral_id)
    EXECUTE FUNCTION concordance_units_follow();
