DROP FUNCTION concord_idempotency_claim(bigint, uuid, text, text, text, text);
