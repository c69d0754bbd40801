//! Who can see a case: the three lookups the access policy (`auth::policy`) decides with.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{case_members, cases, patients};

/// Whether the organisation has this case.
pub async fn case_exists(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        cases::table
            .filter(cases::org_id.eq(org_id))
            .filter(cases::id.eq(case_id)),
    ))
    .get_result(conn)
    .await
}

/// Whether the case belongs to the patient who logs in as `subject` (and is not erased).
pub async fn patient_owns_case(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    subject: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        cases::table
            .inner_join(
                patients::table.on(patients::org_id
                    .eq(cases::org_id)
                    .and(patients::id.eq(cases::patient_id))),
            )
            .filter(cases::org_id.eq(org_id))
            .filter(cases::id.eq(case_id))
            .filter(patients::login_sub.eq(subject))
            .filter(patients::erased_at.is_null()),
    ))
    .get_result(conn)
    .await
}

/// What the advocate `subject`'s live grants on the case cover together (sorted, once each),
/// or None without a live grant.
pub async fn advocate_scope(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    subject: &str,
) -> QueryResult<Option<Vec<String>>> {
    let scopes: Vec<Vec<String>> = case_members::table
        .filter(case_members::org_id.eq(org_id))
        .filter(case_members::case_id.eq(case_id))
        .filter(case_members::subject.eq(subject))
        .filter(case_members::revoked_at.is_null())
        .filter(
            case_members::expires_at
                .is_null()
                .or(case_members::expires_at.gt(Utc::now())),
        )
        .select(case_members::scope)
        .load(conn)
        .await?;
    Ok((!scopes.is_empty()).then(|| {
        let mut scope: Vec<String> = scopes.into_iter().flatten().collect();
        scope.sort();
        scope.dedup();
        scope
    }))
}
