//! The access policy of `api.md`, in one place.
//!
//! Two questions, in this order:
//! 1. May this role ever do this to this kind of resource? If not: 403 (`require`).
//! 2. Can this caller see this object? Another tenant's object, another patient's case, a
//!    case no grant names: 404, so the caller never learns it exists (`case_access`).

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{AuthError, Principal, Role};
use crate::db::access;

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
    /// Figures across the organisation's referrals (concordance analytics).
    Analytics,
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
    /// Assessments: a clinician's sign-off of a held result.
    SignOff,
    /// Assessments: the queue of held results waiting for a sign-off.
    ReviewQueue,
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
        (Assessment, Override | SignOff) => role == Clinician,
        (Assessment, ReviewQueue) => case_worker,
        (Summary, Read) => true,
        (Summary, Create) => case_worker,
        (ShareLink, Read) => matches!(role, Patient | Coordinator | Clinician | Admin),
        (ShareLink, Create) => matches!(role, Patient | Coordinator | Clinician),
        (ShareLink, Delete | Update) => case_worker,
        (Organization, Read) => role.is_staff(),
        (Organization | ApiKey | Webhook, _) => role == Admin,
        (Analytics, Read) => matches!(role, Coordinator | Clinician | Admin),
        (AuditEvent | Event, Read) => role == Admin || (resource == Event && case_worker),
        _ => false,
    }
}

fn denied(resource: Resource, op: Op) -> AuthError {
    AuthError::forbidden(
        format!("this role may not {op:?} {resource:?}")
            .to_lowercase()
            .replace("  ", " "),
    )
}

/// 403 unless the caller's role may do `op` to `resource` at all.
pub fn require(principal: &Principal, resource: Resource, op: Op) -> Result<(), AuthError> {
    match principal.role() {
        Some(role) if permits(role, resource, op) => Ok(()),
        _ => Err(denied(resource, op)),
    }
}

/// What a use case needs of its caller before anything else happens (403 first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// A role the permission table allows `Op` on `Resource`.
    Role(Resource, Op),
    /// A partner hospital's API key.
    Partner,
    /// Coordinators, clinicians and admins.
    Staff,
    /// Whoever holds a share link: the use case opens what the link names.
    Public,
    /// The use case decides, after finding the object (404 before 403).
    Checked,
}

/// 403 unless the caller has `need`.
pub fn check(principal: &Principal, need: Permission) -> Result<(), AuthError> {
    match need {
        Permission::Role(resource, op) => require(principal, resource, op),
        Permission::Partner => require_partner(principal).map(|_| ()),
        Permission::Staff => require_staff(principal),
        Permission::Public => match principal {
            Principal::ShareLink { .. } => Ok(()),
            _ => Err(AuthError::forbidden("this opens with a share link only")),
        },
        Permission::Checked => Ok(()),
    }
}

/// Partner routes: only partner keys.
pub fn require_partner(principal: &Principal) -> Result<(Uuid, Uuid), AuthError> {
    match principal {
        Principal::Partner {
            partner_id, org_id, ..
        } => Ok((*org_id, *partner_id)),
        _ => Err(AuthError::forbidden(
            "this route is for partner hospitals' API keys",
        )),
    }
}

/// Staff functions: coordinators, clinicians and admins (classify, summary preview ...).
pub fn require_staff(principal: &Principal) -> Result<(), AuthError> {
    require(principal, Resource::Stateless, Op::Read)
}

/// A referral is seen by the staff of its organisation and by the partner it was sent to.
pub fn sees_referral(principal: &Principal, referral_partner: Uuid) -> bool {
    match principal {
        Principal::Partner { partner_id, .. } => *partner_id == referral_partner,
        Principal::User { role, .. } => role.is_staff(),
        Principal::ShareLink { .. } => false,
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
) -> Result<CaseAccess, AuthError> {
    let Principal::User {
        subject,
        role,
        org_id,
    } = principal
    else {
        return Err(AuthError::forbidden(
            "partner keys reach cases only through their referrals",
        ));
    };
    let access = match role {
        Role::Coordinator | Role::Clinician | Role::Admin => {
            access::case_exists(conn, *org_id, case_id)
                .await?
                .then_some(CaseAccess::Staff)
        }
        Role::Patient => access::patient_owns_case(conn, *org_id, case_id, subject)
            .await?
            .then_some(CaseAccess::Patient),
        Role::Advocate => access::advocate_scope(conn, *org_id, case_id, subject)
            .await?
            .map(|scope| CaseAccess::Advocate { scope }),
    };
    access.ok_or(AuthError::NotFound("case"))
}

/// `case_access`, then the advocate's scope for `part`: 404 outside it (the grant does not name it).
pub async fn case_part_access(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    case_id: Uuid,
    part: &'static str,
) -> Result<CaseAccess, AuthError> {
    let access = case_access(conn, principal, case_id).await?;
    if access.covers(part) {
        Ok(access)
    } else {
        Err(AuthError::NotFound(part))
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
            permits(Clinician, Assessment, SignOff)
                && !permits(Coordinator, Assessment, SignOff)
                && !permits(Admin, Assessment, SignOff)
        );
        assert!(
            permits(Coordinator, Assessment, ReviewQueue)
                && permits(Clinician, Assessment, ReviewQueue)
                && !permits(Admin, Assessment, ReviewQueue)
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
