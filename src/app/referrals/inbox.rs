//! How referrals are read: staff list their organisation's, and a partner reads its inbox of
//! packets (the case's current plan and documents, and of the patient only what the packet
//! shows) and downloads the documents of an open referral.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use futures_util::future::try_join;
use uuid::Uuid;

use super::{ReferralRecord, visible};
use crate::app::documents::{self, DocumentRecord};
use crate::app::{AppError, AppResult, Reader, access};
use crate::auth::Principal;
use crate::db::documents as document_rows;
use crate::db::referrals::{self, PacketCase, ReferralFilter};
use crate::domain::referral::ReferralStatus;

/// What a partner sees of a referral: the case's current plan and documents, and of the
/// patient only what the packet shows.
#[derive(Debug)]
pub struct Packet {
    pub referral: ReferralRecord,
    pub case: PacketCase,
    pub documents: Vec<DocumentRecord>,
}

/// The packets of these referrals, in their order: the cases' parts (with their patients and
/// current plans) and their documents are read once for all of them, not once per referral.
async fn packets(
    conn: &AsyncPgConnection,
    org: Uuid,
    rows: Vec<ReferralRecord>,
) -> AppResult<Vec<Packet>> {
    let case_ids: Vec<Uuid> = rows.iter().map(|r| r.case_id).collect();
    // The two reads are independent: sent together, they cost one round trip, not two.
    let (parts, documents) = try_join(
        referrals::packet_cases(conn, org, &case_ids),
        document_rows::of_cases(conn, org, &case_ids),
    )
    .await?;
    let mut case_of: HashMap<Uuid, PacketCase> =
        parts.into_iter().map(|c| (c.case_id, c)).collect();
    let mut documents_of: HashMap<Uuid, Vec<DocumentRecord>> = HashMap::new();
    for d in documents {
        documents_of.entry(d.case_id).or_default().push(d);
    }
    // Two referrals of one case share its parts and documents: each referral but a case's
    // last on the page gets a copy, the last one the parts themselves (most pages have one
    // referral a case, and the plan is most of a packet).
    let mut left: HashMap<Uuid, usize> = HashMap::new();
    for referral in &rows {
        *left.entry(referral.case_id).or_default() += 1;
    }
    rows.into_iter()
        .map(|referral| {
            let id = referral.case_id;
            let last = left.get_mut(&id).is_some_and(|n| {
                *n -= 1;
                *n == 0
            });
            let case = take(&mut case_of, &id, last).ok_or(AppError::NotFound("referral"))?;
            Ok(Packet {
                documents: take(&mut documents_of, &id, last).unwrap_or_default(),
                case,
                referral,
            })
        })
        .collect()
}

/// The value at `key`: taken out of the map on its `last` use, else a copy.
fn take<V: Clone>(map: &mut HashMap<Uuid, V>, key: &Uuid, last: bool) -> Option<V> {
    if last {
        map.remove(key)
    } else {
        map.get(key).cloned()
    }
}

/// The filters of the referral list.
#[derive(Debug, Clone, Default)]
pub struct ReferralQuery {
    pub status: Option<ReferralStatus>,
    pub case_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
}

/// A page of referrals, as staff see them or as a partner's packets.
#[derive(Debug)]
pub enum Listed {
    Staff(Vec<ReferralRecord>),
    /// The partner's inbox: a packet for each referral on the page (at most `limit`), and
    /// the rows fetched (one more than the page, to tell whether another follows).
    Partner {
        rows: Vec<ReferralRecord>,
        packets: Vec<Packet>,
    },
}

/// Referrals of the actor's organisation (of one case when `case_id` is given, which the
/// actor must see), or a partner's inbox; `fetch` rows from `after`, packets for `limit`.
pub async fn list(
    q: &mut Reader<'_>,
    query: ReferralQuery,
    case_id: Option<Uuid>,
    after: Option<(DateTime<Utc>, Uuid)>,
    fetch: i64,
    limit: usize,
) -> AppResult<Listed> {
    if let Some(case_id) = case_id {
        access::case(q.conn, q.actor, case_id).await?;
    }
    let mut filter = ReferralFilter {
        case_id: case_id.or(query.case_id),
        partner_id: query.partner_id,
        status: query.status.map(|s| s.code().to_string()),
        after,
        limit: fetch,
    };
    let partner = match q.actor.principal {
        Principal::Partner { partner_id, .. } => Some(partner_id),
        _ => None,
    };
    if let Some(partner_id) = partner {
        filter.partner_id = Some(partner_id);
        filter.case_id = None;
    }
    let rows = referrals::list(q.conn, q.org, &filter).await?;
    let listed = match partner {
        Some(_) => {
            let on_page = rows.iter().take(limit).cloned().collect();
            let packets = packets(q.conn, q.org, on_page).await?;
            Listed::Partner { rows, packets }
        }
        None => Listed::Staff(rows),
    };
    let ids = match &listed {
        Listed::Staff(rows) | Listed::Partner { rows, .. } => rows.iter().map(|r| r.id).collect(),
    };
    q.audit("referral.list", "referral", ids, case_id);
    Ok(listed)
}

/// A referral as its reader sees it.
#[derive(Debug)]
pub enum Seen {
    Staff(ReferralRecord),
    Partner(Box<Packet>),
}

/// One referral: staff see it; its partner sees its packet while the referral is open.
pub async fn get(q: &mut Reader<'_>, id: Uuid) -> AppResult<Seen> {
    let row = visible(q.conn, q.actor, id).await?;
    let case_id = row.case_id;
    let seen = if matches!(q.actor.principal, Principal::Partner { .. }) {
        if !ReferralStatus::parse(&row.status).is_open() {
            return Err(AppError::NotFound("referral"));
        }
        let org = row.org_id;
        Seen::Partner(Box::new(packets(q.conn, org, vec![row]).await?.remove(0)))
    } else {
        Seen::Staff(row)
    };
    q.audit("referral.read", "referral", vec![id], Some(case_id));
    Ok(seen)
}

/// A document of an open referral's case, for its partner to download.
pub async fn document(
    q: &mut Reader<'_>,
    id: Uuid,
    document_id: Uuid,
) -> AppResult<(DocumentRecord, Vec<u8>)> {
    let referral = visible(q.conn, q.actor, id).await?;
    if !ReferralStatus::parse(&referral.status).is_open() {
        return Err(AppError::NotFound("document"));
    }
    let doc = document_rows::find(q.conn, q.org, document_id)
        .await?
        .filter(|d| d.case_id == referral.case_id)
        .ok_or(AppError::NotFound("document"))?;
    let bytes = documents::bytes(q.conn, q.documents, &doc).await?;
    q.audit(
        "document.download",
        "document",
        vec![doc.id, id],
        Some(referral.case_id),
    );
    Ok((doc, bytes))
}
