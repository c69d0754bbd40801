//! The per-object access policy of `api.md`: one place decides what each principal may do.
//! Another tenant's object is 404 (the caller never learns it exists); a function the
//! caller's role may not use on its own tenant's object is 403.

use super::{Principal, Role};
use crate::http::problem::ApiError;

/// Staff functions: coordinators, clinicians and admins (classify, summary preview ...).
pub fn require_staff(principal: &Principal) -> Result<(), ApiError> {
    if principal.is_staff() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only navigator staff (coordinator, clinician, admin) may use this",
        ))
    }
}

/// Roles that run cases day to day: coordinators and clinicians.
pub fn require_case_worker(principal: &Principal) -> Result<(), ApiError> {
    match principal.role() {
        Some(Role::Coordinator | Role::Clinician) => Ok(()),
        _ => Err(ApiError::forbidden(
            "only coordinators and clinicians may do this",
        )),
    }
}

pub fn require_admin(principal: &Principal) -> Result<(), ApiError> {
    match principal.role() {
        Some(Role::Admin) => Ok(()),
        _ => Err(ApiError::forbidden("only administrators may do this")),
    }
}
