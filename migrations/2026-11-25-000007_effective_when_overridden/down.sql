UPDATE assessments SET effective = computed WHERE effective IS NULL;
ALTER TABLE assessments ALTER COLUMN effective SET NOT NULL;
