-- A patient's erasure key (`fhir.md` 9.10): a partner's FHIR document is kept verbatim but
-- sealed under it (AES-256-GCM); erasing the patient destroys the key with the patient's data.
CREATE TABLE patient_keys (
    org_id     uuid NOT NULL,
    patient_id uuid NOT NULL,
    key        bytea NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, patient_id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id) ON DELETE CASCADE
);
-- Whether `raw_body` is sealed under the case's patient's key (nonce first).
ALTER TABLE second_opinions ADD COLUMN raw_sealed boolean NOT NULL DEFAULT false;
