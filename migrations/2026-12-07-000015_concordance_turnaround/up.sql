-- Each partner's turnaround (median and 90th percentile of days to the first opinion) read in
-- the order the percentiles need: an index-only scan hands percentile_cont its days already
-- sorted per partner, instead of a sort of every unit (issue 21, point 5). The included columns
-- are the ones the analytics filters test.
CREATE INDEX concordance_units_turnaround ON concordance_units (org_id, partner_id, days)
    INCLUDE (received_at, ruleset);
