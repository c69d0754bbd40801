-- Takes an Idempotency-Key's transaction-scoped advisory lock (tried, never waited for) and,
-- when taken, reads the answer the key remembers: one round trip where there were two. It is
-- a VOLATILE function because each of its statements then takes a fresh snapshot, so the read
-- sees an answer that committed while the lock was being taken; one plain statement would
-- read with the snapshot it started with, and could miss it and create the thing twice.
CREATE FUNCTION concord_idempotency_claim(lock_key bigint, key_org uuid, key_caller text,
                                          key_method text, key_path text, key_name text)
RETURNS TABLE (locked boolean, request_hash bytea, response_status smallint,
               response_body bytea, location text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(lock_key) THEN
        RETURN QUERY SELECT false, NULL::bytea, NULL::smallint, NULL::bytea, NULL::text;
        RETURN;
    END IF;
    RETURN QUERY
        SELECT true, k.request_hash, k.response_status, k.response_body, k.location
          FROM (SELECT 1) AS one
          LEFT JOIN idempotency_keys k
                 ON k.org_id = key_org AND k.caller = key_caller AND k.method = key_method
                AND k.path = key_path AND k.key = key_name AND k.expires_at > clock_timestamp();
END
$$;
