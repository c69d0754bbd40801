//! Share links: the treating oncologist opens one summary snapshot without an account. The
//! token exists only in the answer that creates the link (storage keeps its hash); the link
//! ends when it expires or is revoked.

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::audit::Outcome;
use super::error::GateRefusal;
use super::summaries::{self, SummaryRecord};
use super::{AppError, AppResult, Reader, Tx, access, cases};
use crate::auth::Principal;
use crate::auth::api_key::sha256;
use crate::auth::policy::CaseAccess;
use crate::db::share_links::{self, NewShareLink};
use crate::db::summaries as summary_rows;
use crate::domain::case_status::CaseStatus;
use crate::events::Event;

pub use crate::db::share_links::ShareLinkRow as ShareLinkRecord;

/// A link just made: the URL holds the token and exists in this answer only.
#[derive(Debug)]
pub struct NewLink {
    pub id: Uuid,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// Shares a summary the actor may read (advocates may not share).
pub async fn share(tx: &mut Tx<'_>, summary_id: Uuid, days: i64) -> AppResult<NewLink> {
    let summary = summaries::readable(tx.conn, tx.actor, summary_id).await?;
    if !summary.released {
        return Err(AppError::gate(
            GateRefusal::AwaitingClinicianReview,
            "this summary's result waits for a clinician's sign-off; it can be shared once signed off",
        ));
    }
    if matches!(
        access::case(tx.conn, tx.actor, summary.case_id).await?,
        CaseAccess::Advocate { .. }
    ) {
        return Err(AppError::forbidden("advocates cannot share summaries"));
    }
    let mut secret = [0u8; 32];
    rand::fill(&mut secret);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let link_id = Uuid::now_v7();
    let expires_at = Utc::now() + Duration::days(days);
    let created_by = tx.created_by();
    share_links::insert(
        tx.conn,
        NewShareLink {
            org_id: tx.org,
            id: link_id,
            summary_id,
            case_id: summary.case_id,
            token_sha256: &sha256(token.as_bytes()),
            expires_at,
            created_by: &created_by,
        },
    )
    .await?;
    tx.audit(
        "share_link.create",
        "share_link",
        vec![link_id, summary_id],
        Some(summary.case_id),
    );
    Ok(NewLink {
        id: link_id,
        url: tx.links.to(&format!("/v1/shared/{token}")),
        expires_at,
    })
}

/// A page of a summary's links, newest first (never their tokens).
pub async fn of_summary(
    q: &mut Reader<'_>,
    summary_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<ShareLinkRecord>> {
    let summary = summaries::readable(q.conn, q.actor, summary_id).await?;
    let rows = share_links::of_summary(q.conn, q.org, summary.id, after, limit).await?;
    q.audit(
        "share_link.list",
        "share_link",
        rows.iter().map(|r| r.id).collect(),
        Some(summary.case_id),
    );
    Ok(rows)
}

/// Revokes a link at once.
pub async fn revoke(tx: &mut Tx<'_>, id: Uuid) -> AppResult<()> {
    let case_id = share_links::revoke(tx.conn, tx.org, id)
        .await?
        .ok_or(AppError::NotFound("share link"))?;
    access::case(tx.conn, tx.actor, case_id).await?;
    tx.audit("share_link.revoke", "share_link", vec![id], Some(case_id));
    Ok(())
}

/// What opening a link gives.
#[derive(Debug)]
pub enum Opened {
    /// The summary as it was when shared.
    Summary(Box<SummaryRecord>),
    /// The link expired or was revoked (the refusal is audited).
    Ended,
}

/// Opens the link the actor holds (`Principal::ShareLink`): counted, audited, announced, and
/// the case moves to `shared_with_oncologist`. `format` is what the opener asked for.
pub async fn open(tx: &mut Tx<'_>, format: &'static str) -> AppResult<Opened> {
    let Principal::ShareLink { link_id, .. } = tx.actor.principal else {
        return Err(AppError::NotFound("share link"));
    };
    let link = share_links::find(tx.conn, tx.org, link_id)
        .await?
        .ok_or(AppError::NotFound("share link"))?;
    let ids = vec![link.summary_id, link.id];
    if link.revoked_at.is_some() || link.expires_at <= Utc::now() {
        tx.audit_outcome(
            "share_link.open",
            "summary",
            ids,
            Some(link.case_id),
            Outcome::Denied,
        );
        return Ok(Opened::Ended);
    }
    let summary = summary_rows::find(tx.conn, tx.org, link.summary_id)
        .await?
        .ok_or(AppError::NotFound("summary"))?;
    share_links::opened(tx.conn, tx.org, link.id).await?;
    tx.audit("share_link.open", "summary", ids, Some(link.case_id));
    tx.emit(Event::ShareLinkOpened {
        case_id: link.case_id,
        share_link_id: link.id,
        summary_id: link.summary_id,
        format,
    });
    cases::advance(tx, link.case_id, CaseStatus::SharedWithOncologist).await?;
    Ok(Opened::Summary(Box::new(summary)))
}
