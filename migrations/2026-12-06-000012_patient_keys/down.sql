ALTER TABLE second_opinions DROP COLUMN raw_sealed;
DROP TABLE patient_keys;
