DROP TRIGGER second_opinions_concordance ON second_opinions;
CREATE TRIGGER second_opinions_concordance AFTER INSERT OR UPDATE ON second_opinions
    FOR EACH ROW EXECUTE FUNCTION concordance_units_follow();
