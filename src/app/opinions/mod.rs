//! Second opinions: taken in by `ingest`, read by staff (with their current assessment) and by
//! the partner that sent them.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::assessing::{self, AssessmentRecord};
use super::{Actor, AppError, AppResult, Reader, access};
use crate::auth::policy::{self, Op, Resource};
use crate::auth::{Principal, Role};
use crate::db::opinions::{self as stored};
use crate::db::{cases as case_rows, organizations, patients, referrals};
use crate::domain::fhir::{Author, PlanExport, PlanKind, export_plan, stable_id};
use crate::domain::picture::Picture;

mod fhir;
mod ingest;

pub use crate::db::opinions::OpinionRow as OpinionRecord;
pub use fhir::{FhirIngested, ingest_document};
pub use ingest::{Ingested, Source, Submission, ingest};

/// An opinion the actor may read: staff of the tenant (not found before forbidden), or the
/// partner whose referral it answers.
pub async fn readable(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
) -> AppResult<OpinionRecord> {
    let row = stored::find(conn, actor.org_id(), id)
        .await?
        .ok_or(AppError::NotFound("second opinion"))?;
    match &actor.principal {
        Principal::User { .. } => {
            policy::require(actor, Resource::SecondOpinion, Op::Read)?;
            Ok(row)
        }
        Principal::Partner { partner_id, .. } => {
            let referral = match row.referral_id {
                Some(r) => referrals::find(conn, actor.org_id(), r).await?,
                None => None,
            };
            match referral {
                Some(r) if r.partner_id == *partner_id => Ok(row),
                _ => Err(AppError::NotFound("second opinion")),
            }
        }
        Principal::ShareLink { .. } => Err(AppError::NotFound("second opinion")),
    }
}

/// A page of a case's opinions, newest first, with their current assessments and those
/// assessments' overrides.
pub async fn of_case(
    q: &mut Reader<'_>,
    case_id: Uuid,
    after: Option<(chrono::DateTime<chrono::Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(
    Vec<OpinionRecord>,
    Vec<AssessmentRecord>,
    assessing::Annotations,
)> {
    access::case(q.conn, q.actor, case_id).await?;
    let rows = stored::list_for_case(q.conn, q.org, case_id, after, limit).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let current = stored::current_assessments(q.conn, q.org, &ids).await?;
    let assessment_ids: Vec<Uuid> = current.iter().map(|a| a.id).collect();
    let annotations = assessing::Annotations::of(q.conn, q.org, &assessment_ids).await?;
    q.audit("second_opinion.list", "second_opinion", ids, Some(case_id));
    Ok((rows, current, annotations))
}

/// An opinion; staff also get its current assessment (with overrides), partners never.
pub async fn get(
    q: &mut Reader<'_>,
    id: Uuid,
) -> AppResult<(OpinionRecord, Option<assessing::AssessmentWithOverrides>)> {
    let row = readable(q.conn, q.actor, id).await?;
    let current = if q.actor.is_staff() {
        match stored::current_assessment(q.conn, q.org, row.id).await? {
            Some(a) => {
                let annotations = assessing::Annotations::of(q.conn, q.org, &[a.id]).await?;
                Some((a, annotations))
            }
            None => None,
        }
    } else {
        None
    };
    q.audit(
        "second_opinion.read",
        "second_opinion",
        vec![row.id],
        Some(row.case_id),
    );
    Ok((row, current))
}

/// The submission exactly as received.
pub async fn submission(q: &mut Reader<'_>, id: Uuid) -> AppResult<OpinionRecord> {
    let mut row = readable(q.conn, q.actor, id).await?;
    if row.raw_sealed {
        // `fhir.md` 9.10: a partner's FHIR document is read by admins and clinicians only.
        if !matches!(q.actor.role(), Some(Role::Admin | Role::Clinician)) {
            return Err(AppError::forbidden(
                "a partner's FHIR document is read by admins and clinicians only",
            ));
        }
        let case = case_rows::find(q.conn, q.org, row.case_id)
            .await?
            .ok_or(AppError::NotFound("second opinion"))?;
        let key = patients::erasure_key(q.conn, q.org, case.patient_id)
            .await?
            .ok_or_else(|| {
                AppError::Gone("the patient was erased with the document's key".into())
            })?;
        row.raw_body = super::sealing::open(&key, &row.raw_body)?;
    }
    q.audit(
        "second_opinion.read_submission",
        "second_opinion",
        vec![row.id],
        Some(row.case_id),
    );
    Ok(row)
}

/// The opinion as the FHIR R4 collection Bundle of its recommendation (`fhir.md` 9.8: intent
/// `proposal`, the reviewer as author). Resource ids are stable per opinion. A partner's Bundle
/// names the patient by a pseudonym of the opinion, never by Concord's patient id.
pub async fn fhir_export(q: &mut Reader<'_>, id: Uuid) -> AppResult<serde_json::Value> {
    let row = readable(q.conn, q.actor, id).await?;
    q.audit(
        "second_opinion.read",
        "second_opinion",
        vec![row.id],
        Some(row.case_id),
    );
    let case = case_rows::find(q.conn, q.org, row.case_id)
        .await?
        .ok_or(AppError::NotFound("second opinion"))?;
    let birth_year = patients::find(q.conn, q.org, case.patient_id)
        .await?
        .and_then(|p| p.birth_year)
        .map(i32::from);
    let organization_name = organizations::find(q.conn, q.org, q.org)
        .await?
        .map_or_else(|| "Concord".to_string(), |o| o.name);
    let picture: Picture = assessing::parse("opinion", &row.picture)?;
    let text = |field: &str| row.reviewer[field].as_str().map(str::to_owned);
    let patient_id = if q.actor.is_staff() {
        case.patient_id
    } else {
        stable_id(row.id, 0, "patient")
    };
    Ok(export_plan(&PlanExport {
        picture: &picture,
        kind: PlanKind::SecondOpinion,
        // Ids from the opinion's own id: never those of a plan version of the case.
        case_id: row.id,
        version: 1,
        version_id: row.id,
        recorded_at: row.received_at,
        patient_id,
        patient_birth_year: birth_year,
        patient_name: None,
        author: text("name").map(|name| Author {
            name,
            institution: text("institution"),
            specialty: text("specialty"),
        }),
        entered_by: Some(row.submitted_by.clone()),
        organization_id: q.org,
        organization_name,
    }))
}
