//! Referrals: a coordinator sends a case to a partner hospital; the partner reads a fixed,
//! minimal packet of it, accepts or declines, downloads its documents, and answers with a
//! second opinion (`opinions`).

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::cases::{self};
use super::{Actor, AppError, AppResult, Tx, access};
use crate::auth::policy;
use crate::db::organizations;
use crate::db::referrals::{self};
use crate::domain::case_status::CaseStatus;
use crate::domain::referral::ReferralStatus;
use crate::events::Event;
use crate::events::catalogue::ReferralState;

mod inbox;

pub use crate::db::referrals::ReferralRow as ReferralRecord;
pub use inbox::{Listed, Packet, ReferralQuery, Seen, document, get, list};

/// A referral as a coordinator sends it.
#[derive(Debug, Clone)]
pub struct NewReferral {
    pub partner_id: Uuid,
    pub questions: Vec<String>,
    pub due_date: Option<NaiveDate>,
}

/// The referral as its events report it.
fn state(row: &ReferralRecord) -> ReferralState {
    ReferralState {
        case_id: row.case_id,
        referral_id: row.id,
        partner_id: row.partner_id,
        status: row.status.clone(),
    }
}

/// Refers a case the actor can see to one of the organisation's partners; the case moves to
/// `referred`.
pub async fn refer(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    referral: NewReferral,
) -> AppResult<ReferralRecord> {
    access::case(tx.conn, tx.actor, case_id).await?;
    if organizations::find_partner(tx.conn, tx.org, referral.partner_id)
        .await?
        .is_none()
    {
        return Err(AppError::unprocessable_field(
            "partner_id",
            "names no partner hospital of your organisation",
        ));
    }
    let now = Utc::now();
    let row = referrals::insert(
        tx.conn,
        &ReferralRecord {
            org_id: tx.org,
            id: Uuid::now_v7(),
            case_id,
            partner_id: referral.partner_id,
            status: ReferralStatus::Sent.code().into(),
            questions: serde_json::json!(referral.questions),
            due_date: referral.due_date,
            decline_reason: None,
            created_by: tx.created_by(),
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    tx.audit("referral.create", "referral", vec![row.id], Some(case_id));
    tx.emit(Event::ReferralCreated(state(&row)));
    cases::advance(tx, case_id, CaseStatus::Referred).await?;
    Ok(row)
}

/// The referral if the actor may see it: staff of the tenant, or the partner it was sent to.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
) -> AppResult<ReferralRecord> {
    referrals::find(conn, actor.org_id(), id)
        .await?
        .filter(|row| policy::sees_referral(actor, row.partner_id))
        .ok_or(AppError::NotFound("referral"))
}

/// Moves a referral by hand (a partner accepts or declines, staff withdraw) when its status
/// allows; a referral already there stays as it is.
pub async fn move_to(
    tx: &mut Tx<'_>,
    id: Uuid,
    to: ReferralStatus,
    reason: Option<String>,
) -> AppResult<ReferralRecord> {
    let row = visible(tx.conn, tx.actor, id).await?;
    let row = referrals::lock(tx.conn, tx.org, row.id)
        .await?
        .ok_or(AppError::NotFound("referral"))?;
    let status = ReferralStatus::parse(&row.status);
    if status == to {
        return Ok(row);
    }
    let from = ReferralStatus::moves_to(to);
    if !from.contains(&status) {
        return Err(AppError::ReferralClosed {
            detail: format!(
                "a referral that is {} cannot become {}",
                status.code(),
                to.code()
            )
            .into(),
            allowed: Some(from.iter().map(|s| s.code().to_string()).collect()),
        });
    }
    let row = referrals::set_status(tx.conn, tx.org, id, to.code(), reason).await?;
    tx.audit(
        &format!("referral.{}", to.code()),
        "referral",
        vec![id],
        Some(row.case_id),
    );
    tx.emit(Event::ReferralMoved(state(&row)));
    Ok(row)
}
