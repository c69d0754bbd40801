//! Diesel table definitions, kept by hand in step with `migrations/`.

diesel::table! {
    organizations (id) {
        id -> Uuid,
        org_id -> Uuid,
        kind -> Text,
        name -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        occurred_at -> Timestamptz,
        actor_kind -> Text,
        actor_id -> Text,
        actor_role -> Nullable<Text>,
        action -> Text,
        object_type -> Text,
        object_ids -> Array<Uuid>,
        case_id -> Nullable<Uuid>,
        request_id -> Text,
        outcome -> Text,
        client_ip -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (org_id, caller, method, path, key) {
        org_id -> Uuid,
        caller -> Text,
        method -> Text,
        path -> Text,
        key -> Text,
        request_hash -> Bytea,
        response_status -> Int2,
        response_body -> Bytea,
        location -> Nullable<Text>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    api_keys (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        partner_id -> Uuid,
        name -> Text,
        prefix -> Text,
        secret_sha256 -> Bytea,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}
