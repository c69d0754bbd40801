-- A partner's entered-in-error document withdraws the opinion it names; the document itself is
-- kept verbatim like every other submission (nothing a partner sends is lost), sealed under
-- the patient's erasure key. The same bytes again are the same withdrawal.
CREATE TABLE opinion_withdrawals (
    org_id             uuid NOT NULL,
    id                 uuid NOT NULL,
    second_opinion_id  uuid NOT NULL,
    submitted_by       text NOT NULL,
    raw_body           bytea NOT NULL,
    raw_sha256         bytea NOT NULL,
    raw_sealed         boolean NOT NULL,
    received_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, second_opinion_id) REFERENCES second_opinions (org_id, id) ON DELETE CASCADE,
    UNIQUE (org_id, second_opinion_id, raw_sha256)
);
CREATE TRIGGER opinion_withdrawals_append_only BEFORE UPDATE ON opinion_withdrawals
    FOR EACH ROW EXECUTE FUNCTION refuse_update();
