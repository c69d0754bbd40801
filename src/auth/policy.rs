//! The access policy of `api.md`, in one place.
//!
//! Two questions, in this order:
//! 1. May this role ever do this to this kind of resource? If not: 403 (`require`).
//! 2. Can this caller see this object? Another tenant's object, another patient's case, a
//!    case no grant names: 404, so the caller never learns it exists (`case_access`).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{Principal, Role};
use crate::db::schema::{case_members, cases, patients};
use crate::http::problem::{ApiError, ApiResult};

/// Kinds of resource the permission table covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    PatientRecord,
    Case,
    Plan,
    Document,
    Grant,
    Referral,
    SecondOpinion,
    Assessment,
    Summary,
    ShareLink,
    Conversation,
    Task,
    Organization,
    ApiKey,
    Webhook,
    AuditEvent,
    Event,
    /// Classification and summary preview: nothing stored.
    Stateless,
}

/// What is done to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Read,
    Update,
    Delete,
    /// Assessments: compute again on request.
    Reassess,
    /// Assessments: a clinician's override.
    Override,
}

/// The permission table (api.md "Permission summary"), for people. Partner keys reach only
/// their own routes (`require_partner`).
pub fn permits(role: Role, resource: Resource, op: Op) -> bool {
    use Op::*;
    use Resource::*;
    use Role::*;
    let case_worker = matches!(role, Coordinator | Clinician);
    match (resource, op) {
        (Stateless, _) => role.is_staff(),
        (PatientRecord | Case | Plan, Read) => true,
        (PatientRecord | Case | Plan, Create | Update) => case_worker,
        (PatientRecord, Delete) => role == Admin,
        (Document, Read) => true,
        (Document, Create) => case_worker,
        (Grant, Read) => matches!(role, Patient | Coordinator | Clinician | Admin),
        (Grant, Create | Update | Delete) => matches!(role, Patient | Coordinator | Clinician),
        (Referral | SecondOpinion | Conversation | Task, Read) => role.is_staff(),
        (Referral | SecondOpinion | Conversation | Task, Create | Update) => case_worker,
        (Assessment, Read) => role.is_staff(),
        (Assessment, Reassess) => case_worker,
        (Assessment, Override) => role == Clinician,
        (Summary, Read) => true,
        (Summary, Create) => case_worker,
        (ShareLink, Read) => matches!(role, Patient | Coordinator | Clinician | Admin),
        (ShareLink, Create) => matches!(role, Patient | Coordinator | Clinician),
        (ShareLink, Delete | Update) => case_worker,
        (Organization, Read) => role.is_staff(),
        (Organization | ApiKey | Webhook, _) => role == Admin,
        (AuditEvent | Event, Read) => role == Admin || (resource == Event && case_worker),
        _ => false,
    }
}

fn denied(resource: Resource, op: Op) -> ApiError {
    ApiError::forbidden(
        format!("this role may not {op:?} {resource:?}")
            .to_lowercase()
            .replace("  ", " "),
    )
}

/// 403 unless the caller's role may do `op` to `resource` at all.
pub fn require(principal: &Principal, resource: Resource, op: Op) -> ApiResult<()> {
    match principal.role() {
        Some(role) if permits(role, resource, op) => Ok(()),
        _ => Err(denied(resource, op)),
    }
}

/// Partner routes: only partner keys.
pub fn require_partner(principal: &Principal) -> ApiResult<(Uuid, Uuid)> {
    match principal {
        Principal::Partner {
            partner_id, org_id, ..
        } => Ok((*org_id, *partner_id)),
        Principal::User { .. } => Err(ApiError::forbidden(
            "this route is for partner hospitals' API keys",
        )),
    }
}

/// Staff functions: coordinators, clinicians and admins (classify, summary preview ...).
pub fn require_staff(principal: &Principal) -> ApiResult<()> {
    require(principal, Resource::Stateless, Op::Read)
}

/// A referral is seen by the staff of its organisation and by the partner it was sent to.
pub fn sees_referral(principal: &Principal, referral_partner: Uuid) -> bool {
    match principal {
        Principal::Partner { partner_id, .. } => *partner_id == referral_partner,
        Principal::User { role, .. } => role.is_staff(),
    }
}

/// How a caller reaches a case it can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseAccess {
    /// Coordinators, clinicians and admins: every case of their organisation.
    Staff,
    /// The patient whose case it is.
    Patient,
    /// An advocate, within a grant's scope.
    Advocate { scope: Vec<String> },
}

impl CaseAccess {
    /// Whether an advocate's grant covers this part (`case`, `documents`, `summaries`).
    pub fn covers(&self, part: &str) -> bool {
        match self {
            CaseAccess::Advocate { scope } => scope.iter().any(|s| s == part),
            _ => true,
        }
    }
}

/// Whether the caller can see case `case_id`, and how; 404 when it cannot.
pub async fn case_access(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    case_id: Uuid,
) -> ApiResult<CaseAccess> {
    let not_found = || ApiError::not_found("case");
    let Principal::User {
        subject,
        role,
        org_id,
    } = principal
    else {
        return Err(ApiError::forbidden(
            "partner keys reach cases only through their referrals",
        ));
    };
    let access = match role {
        Role::Coordinator | Role::Clinician | Role::Admin => {
            let exists: bool = diesel::select(diesel::dsl::exists(
                cases::table
                    .filter(cases::org_id.eq(org_id))
                    .filter(cases::id.eq(case_id)),
            ))
            .get_result(conn)
            .await?;
            exists.then_some(CaseAccess::Staff)
        }
        Role::Patient => {
            let own: bool = diesel::select(diesel::dsl::exists(
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
            .await?;
            own.then_some(CaseAccess::Patient)
        }
        Role::Advocate => {
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
            (!scopes.is_empty()).then(|| {
                let mut scope: Vec<String> = scopes.into_iter().flatten().collect();
                scope.sort();
                scope.dedup();
                CaseAccess::Advocate { scope }
            })
        }
    };
    access.ok_or_else(not_found)
}

/// `case_access`, then the advocate's scope for `part`: 404 outside it (the grant does not name it).
pub async fn case_part_access(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    case_id: Uuid,
    part: &str,
) -> ApiResult<CaseAccess> {
    let access = case_access(conn, principal, case_id).await?;
    if access.covers(part) {
        Ok(access)
    } else {
        Err(ApiError::not_found(part))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_permission_table_matches_api_md() {
        use Op::*;
        use Resource::*;
        use Role::*;
        assert!(permits(Patient, Case, Read) && !permits(Patient, Case, Update));
        assert!(permits(Coordinator, Plan, Update) && !permits(Admin, Plan, Update));
        assert!(
            permits(Admin, PatientRecord, Delete) && !permits(Coordinator, PatientRecord, Delete)
        );
        assert!(
            permits(Clinician, Assessment, Override) && !permits(Coordinator, Assessment, Override)
        );
        assert!(
            permits(Coordinator, Assessment, Reassess) && !permits(Admin, Assessment, Reassess)
        );
        assert!(
            permits(Patient, ShareLink, Create)
                && !permits(Advocate, ShareLink, Create)
                && !permits(Admin, ShareLink, Create)
        );
        assert!(permits(Admin, ApiKey, Create) && !permits(Coordinator, ApiKey, Create));
        assert!(
            permits(Coordinator, Organization, Read) && !permits(Coordinator, Organization, Create)
        );
        assert!(!permits(Patient, Task, Read) && !permits(Advocate, Referral, Read));
        assert!(permits(Admin, AuditEvent, Read) && !permits(Clinician, AuditEvent, Read));
        assert!(!permits(Patient, Stateless, Read) && permits(Admin, Stateless, Read));
    }
}
