//! What a partner sees of a referral: the treating team's diagnosis and plan, the case's
//! documents to download, and of the patient the birth year and country only.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::referrals::Packet;
use crate::domain::discordance::{NextStep, TreatmentStatus};
use crate::domain::picture::{Diagnosis, Plan};
use crate::domain::records::DocumentKind;
use crate::domain::referral::ReferralStatus;

/// What a partner learns of the patient: birth year and country only.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerPatient {
    pub birth_year: Option<i32>,
    pub country: Option<String>,
}

/// A document of the referred case, for the partner to download.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerDocument {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub title: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// `GET` this path with the partner key to download the bytes.
    pub download: String,
}

/// The partner's fixed, minimal view of a referral.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerReferral {
    pub id: Uuid,
    pub status: ReferralStatus,
    pub questions: Vec<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// The treating team's diagnosis (from the current plan version).
    #[schema(value_type = Option<Diagnosis>)]
    pub diagnosis: Option<Box<RawValue>>,
    /// The treating team's current plan.
    #[schema(value_type = Option<Plan>)]
    pub current_plan: Option<Box<RawValue>>,
    pub plan_version: Option<i32>,
    pub treatment_status: TreatmentStatus,
    pub next_irreversible_step: Option<NextStep>,
    pub patient: PartnerPatient,
    pub documents: Vec<PartnerDocument>,
    pub created_at: DateTime<Utc>,
}

/// The partner's view of its packet: the treating team's diagnosis and plan, and of the
/// patient the birth year and country only.
pub(super) fn partner_view(packet: Packet) -> PartnerReferral {
    let Packet {
        referral: row,
        case,
        documents,
    } = packet;
    PartnerReferral {
        id: row.id,
        status: ReferralStatus::parse(&row.status),
        questions: serde_json::from_value(row.questions).unwrap_or_default(),
        due_date: row.due_date,
        diagnosis: case.diagnosis,
        current_plan: case.plan,
        plan_version: case.plan_version,
        treatment_status: case.treatment,
        next_irreversible_step: case.next_step,
        patient: PartnerPatient {
            birth_year: case.birth_year.map(i32::from),
            country: case.country,
        },
        // At most 200, newest first, as the packet always carried.
        documents: documents
            .into_iter()
            .take(200)
            .map(|d| PartnerDocument {
                download: format!("/v1/referrals/{}/documents/{}", row.id, d.id),
                id: d.id,
                kind: DocumentKind::parse(&d.kind).unwrap_or(DocumentKind::Other),
                title: d.title,
                date: d.document_date,
                content_type: d.content_type,
                size_bytes: d.size_bytes,
                sha256: hex::encode(&d.sha256),
            })
            .collect(),
        created_at: row.created_at,
    }
}
