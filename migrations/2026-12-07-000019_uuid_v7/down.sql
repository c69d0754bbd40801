DROP FUNCTION concord_uuid_v7();
