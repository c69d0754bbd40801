-- A UUIDv7 (RFC 9562) made in SQL: 48 bits of Unix milliseconds, then a random v4's bits with
-- the version nibble set to 7. The unit of work writes a change's webhook deliveries in the
-- same statement as its events, so their ids are made there; v7 keeps them in time order, as
-- the ids made in Rust (Uuid::now_v7) are. PostgreSQL 18 has uuidv7() built in; this is for 15.
CREATE FUNCTION concord_uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    placing substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;
