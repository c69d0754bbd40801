//! After an upgrade of the rules: every answered opinion whose current assessment an older
//! ruleset made is assessed again under the running one, through the same use case as
//! `POST /v1/second-opinions/{id}/assessments` (so each new assessment meets the release gate).
//! Batched, one transaction per opinion; resumable and idempotent, because an opinion already
//! assessed under the running ruleset is no longer listed.

use uuid::Uuid;

use super::{Actor, App, AppResult, assessing};
use crate::auth::Principal;
use crate::auth::Role;
use crate::auth::policy::{Op, Permission, Resource};
use crate::db::opinions as stored;
use crate::domain::discordance::RULESET_3_VERSION;

/// Who the audit trail names for an upgrade's reassessments.
pub const REASSESS_SUBJECT: &str = "concord-reassess";

/// How far a run has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub batches: u64,
    pub reassessed: u64,
    /// Opinions that could not be reassessed (each is logged); a later run tries them again.
    pub failed: u64,
}

/// Reassesses every outdated opinion, `batch` at a time, calling `report` after each batch.
pub async fn reassess_outdated(
    app: &App,
    batch: i64,
    mut report: impl FnMut(&Progress),
) -> AppResult<Progress> {
    let mut progress = Progress::default();
    let mut after: Option<(Uuid, Uuid)> = None;
    loop {
        let due = {
            let mut conn = app.pool().get().await?;
            stored::outdated(&mut conn, RULESET_3_VERSION, after, batch).await?
        };
        let Some(last) = due.last().copied() else {
            return Ok(progress);
        };
        for (org_id, opinion) in due {
            let actor = Actor {
                principal: Principal::User {
                    subject: REASSESS_SUBJECT.into(),
                    role: Role::Coordinator,
                    org_id,
                },
                request_id: format!("reassess-{}", Uuid::now_v7()),
                client_ip: None,
            };
            let permit = actor
                .permit(Permission::Role(Resource::Assessment, Op::Reassess))
                .map_err(super::AppError::from)?;
            match app
                .write(permit, async move |tx| {
                    assessing::reassess(tx, opinion).await.map(|_| ())
                })
                .await
            {
                Ok(()) => progress.reassessed += 1,
                Err(e) => {
                    tracing::warn!(%opinion, error = %e, "could not reassess");
                    progress.failed += 1;
                }
            }
        }
        progress.batches += 1;
        report(&progress);
        after = Some(last);
    }
}
