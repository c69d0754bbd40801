-- An assessment's effective result equals the computed one until a clinician overrides it;
-- storing the copy anyway doubled the JSON (and the WAL) of every assessment. NULL now means
-- "no override: the computed result stands"; reads take coalesce(effective, computed).
ALTER TABLE assessments ALTER COLUMN effective DROP NOT NULL;
UPDATE assessments SET effective = NULL WHERE effective = computed;
