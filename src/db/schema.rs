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

diesel::table! {
    patients (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        display_name -> Nullable<Text>,
        birth_year -> Nullable<Int2>,
        preferred_language -> Nullable<Text>,
        country -> Nullable<Text>,
        login_sub -> Nullable<Text>,
        erased_at -> Nullable<Timestamptz>,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    cases (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        patient_id -> Uuid,
        status -> Text,
        assigned_coordinator -> Nullable<Text>,
        oncologist_name -> Nullable<Text>,
        oncologist_institution -> Nullable<Text>,
        oncologist_country -> Nullable<Text>,
        cancer_summary -> Nullable<Text>,
        treatment_status -> Text,
        next_step_kind -> Nullable<Text>,
        next_step_date -> Nullable<Date>,
        revision -> Int4,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    plan_versions (org_id, case_id, version) {
        org_id -> Uuid,
        case_id -> Uuid,
        version -> Int4,
        picture -> Jsonb,
        created_by -> Text,
        created_at -> Timestamptz,
        fhir_report -> Nullable<Jsonb>,
    }
}

diesel::table! {
    documents (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        case_id -> Uuid,
        kind -> Text,
        title -> Text,
        document_date -> Nullable<Date>,
        source_institution -> Nullable<Text>,
        language -> Nullable<Text>,
        content_type -> Text,
        size_bytes -> Int8,
        sha256 -> Bytea,
        uploaded_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    document_blobs (org_id, document_id) {
        org_id -> Uuid,
        document_id -> Uuid,
        bytes -> Bytea,
    }
}

diesel::table! {
    case_members (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        case_id -> Uuid,
        subject -> Text,
        scope -> Array<Text>,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    referrals (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        case_id -> Uuid,
        partner_id -> Uuid,
        status -> Text,
        questions -> Jsonb,
        due_date -> Nullable<Date>,
        decline_reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    second_opinions (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        case_id -> Uuid,
        referral_id -> Nullable<Uuid>,
        submitted_by_kind -> Text,
        submitted_by -> Text,
        reviewer -> Jsonb,
        narrative -> Text,
        picture -> Jsonb,
        answers -> Jsonb,
        external_id -> Nullable<Text>,
        supersedes -> Nullable<Uuid>,
        raw_body -> Bytea,
        raw_sha256 -> Bytea,
        status -> Text,
        received_at -> Timestamptz,
        fhir_report -> Nullable<Jsonb>,
        fhir_composition -> Nullable<Text>,
        raw_sealed -> Bool,
    }
}

diesel::table! {
    assessments (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        second_opinion_id -> Uuid,
        case_id -> Uuid,
        plan_version -> Int4,
        context -> Jsonb,
        computed -> Jsonb,
        effective -> Nullable<Jsonb>,
        ruleset_version -> Text,
        outcome -> Text,
        primary_scenario -> Text,
        urgency -> Text,
        current -> Bool,
        superseded_by -> Nullable<Uuid>,
        created_by -> Text,
        created_at -> Timestamptz,
        needs_clinician_review -> Bool,
        clinician_review_reasons -> Array<Text>,
        released -> Bool,
    }
}

diesel::table! {
    assessment_sign_offs (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        assessment_id -> Uuid,
        signed_by -> Text,
        reason -> Text,
        approved_outcome -> Text,
        approved_primary_scenario -> Text,
        approved_override_id -> Nullable<Uuid>,
        carried_from -> Nullable<Uuid>,
        voided_by_override -> Nullable<Uuid>,
        voided_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    assessment_overrides (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        assessment_id -> Uuid,
        outcome -> Nullable<Text>,
        primary_scenario -> Nullable<Text>,
        reason -> Text,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tasks (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        case_id -> Uuid,
        assessment_id -> Nullable<Uuid>,
        kind -> Text,
        title -> Text,
        status -> Text,
        assignee -> Nullable<Text>,
        due_date -> Nullable<Date>,
        completed_by -> Nullable<Text>,
        completed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    summaries (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        assessment_id -> Uuid,
        case_id -> Uuid,
        plan_version -> Int4,
        language -> Text,
        options -> Jsonb,
        content -> Jsonb,
        created_by -> Text,
        generated_at -> Timestamptz,
        released -> Bool,
        outcome -> Nullable<Text>,
        primary_scenario -> Nullable<Text>,
    }
}

diesel::table! {
    share_links (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        summary_id -> Uuid,
        case_id -> Uuid,
        token_sha256 -> Bytea,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        opened_count -> Int4,
        last_opened_at -> Nullable<Timestamptz>,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    conversations (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        case_id -> Uuid,
        summary_id -> Nullable<Uuid>,
        held_on -> Date,
        attendees -> Jsonb,
        response -> Text,
        notes -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    events (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        #[sql_name = "type"]
        event_type -> Text,
        occurred_at -> Timestamptz,
        data -> Jsonb,
    }
}

diesel::table! {
    webhook_subscriptions (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        url -> Text,
        event_types -> Array<Text>,
        secret -> Bytea,
        previous_secret_until -> Nullable<Timestamptz>,
        enabled -> Bool,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        previous_secrets -> Array<Bytea>,
    }
}

diesel::table! {
    webhook_deliveries (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        subscription_id -> Uuid,
        event_id -> Uuid,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        leased_until -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int2>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_attempts (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        delivery_id -> Uuid,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int2>,
        latency_ms -> Int4,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    patient_keys (org_id, patient_id) {
        org_id -> Uuid,
        patient_id -> Uuid,
        key -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    opinion_withdrawals (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        second_opinion_id -> Uuid,
        submitted_by -> Text,
        raw_body -> Bytea,
        raw_sha256 -> Bytea,
        raw_sealed -> Bool,
        received_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    opinion_withdrawals,
    patient_keys,
    organizations,
    audit_events,
    idempotency_keys,
    api_keys,
    patients,
    cases,
    plan_versions,
    documents,
    document_blobs,
    case_members,
    referrals,
    second_opinions,
    assessments,
    assessment_overrides,
    assessment_sign_offs,
    tasks,
    summaries,
    share_links,
    conversations,
    events,
    webhook_subscriptions,
    webhook_deliveries,
    webhook_attempts,
);
