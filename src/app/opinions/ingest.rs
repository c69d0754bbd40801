//! A partner's submission against a referral (or one a coordinator enters for a case) is
//! stored verbatim beside its parsed form and, in the same transaction, assessed against the
//! case's current plan; the referral and the case move on. Without a plan, the assessment
//! waits for the first plan version.

use diesel_async::AsyncPgConnection;
use futures_util::future::try_join;
use uuid::Uuid;

use super::OpinionRecord;
use crate::app::assessing::{self, Comparison};
use crate::app::documents::{self, NewDocument};
use crate::app::{AppError, AppResult, Tx, access, cases};
use crate::auth::Principal;
use crate::auth::api_key::sha256;
use crate::auth::policy;
use crate::db::opinions::{self as stored, OpinionRow};
use crate::db::{cases as case_rows, referrals};
use crate::domain::case_status::CaseStatus;
use crate::domain::picture::Picture;
use crate::domain::referral::ReferralStatus;
use crate::events::Event;
use crate::events::catalogue::ReferralState;

/// Where a submission comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// A partner, against a referral it was sent.
    Referral(Uuid),
    /// A coordinator, for a case (an opinion received another way).
    Case(Uuid),
}

/// A second opinion as submitted. `reviewer` and `answers` are kept as sent.
#[derive(Debug, Clone)]
pub struct Submission {
    pub reviewer: serde_json::Value,
    pub narrative: Option<String>,
    pub picture: Picture,
    pub answers: serde_json::Value,
    pub external_id: Option<String>,
    pub supersedes: Option<Uuid>,
    pub attachments: Vec<NewDocument>,
    /// The import report, for an opinion read from a FHIR document.
    pub fhir_report: Option<serde_json::Value>,
    /// The FHIR document's Composition.identifier, the same for each of its versions.
    pub fhir_composition: Option<String>,
}

/// What an ingestion did.
#[derive(Debug)]
pub enum Ingested {
    /// A new opinion.
    New(OpinionRecord),
    /// This external id was received before with this very body: that opinion.
    Again(OpinionRecord),
}

/// Stores one submission and everything that follows from it.
pub async fn ingest(
    tx: &mut Tx<'_>,
    source: Source,
    submission: Submission,
    raw: &[u8],
) -> AppResult<Ingested> {
    let raw_sha = sha256(raw);
    let external_id = submission.external_id.as_deref().map(str::trim);
    // The referral and its case are locked together, and what the ingestion reads of the case
    // goes out with the lock (one round trip); a coordinator's case after the access check.
    let (case, referral, reads) = match source {
        Source::Referral(id) => {
            let conn: &AsyncPgConnection = tx.conn;
            let (locked, reads) = try_join(
                referrals::lock_with_case(conn, tx.org, id),
                case_rows::referral_assessment_reads(conn, tx.org, id, external_id),
            )
            .await?;
            let (referral, case) = locked
                .filter(|(r, _)| policy::sees_referral(tx.actor, r.partner_id))
                .ok_or(AppError::NotFound("referral"))?;
            let reads = reads.ok_or(AppError::NotFound("referral"))?;
            (case, Some(referral), reads)
        }
        Source::Case(id) => {
            access::case(tx.conn, tx.actor, id).await?;
            let case = case_rows::lock(tx.conn, tx.org, id)
                .await?
                .ok_or(AppError::NotFound("case"))?;
            let reads = case_rows::assessment_reads(tx.conn, tx.org, &case).await?;
            (case, None, reads)
        }
    };
    let case_id = case.id;
    if let Some(taken_by) = reads.external_id_taken_by {
        let existing = stored::find(tx.conn, tx.org, taken_by)
            .await?
            .ok_or(AppError::NotFound("second opinion"))?;
        // The same opinion again: answer as the first time; another body: a conflict naming it.
        return if existing.raw_sha256 == raw_sha {
            Ok(Ingested::Again(existing))
        } else {
            Err(AppError::DuplicateExternalId {
                detail: format!(
                    "external_id {} already names opinion {} with another body",
                    submission.external_id.as_deref().unwrap_or_default(),
                    existing.id
                )
                .into(),
                existing_id: existing.id,
            })
        };
    }
    match &referral {
        Some(referral) => {
            check_referral_open(tx.conn, tx.org, referral, submission.supersedes).await?
        }
        None => check_supersedes_in_case(tx.conn, tx.org, case_id, submission.supersedes).await?,
    }
    for attachment in &submission.attachments {
        documents::store(tx, case_id, attachment).await?;
    }
    // A partner's FHIR document is the record: kept verbatim, sealed under the patient's key.
    let sealed = submission.fhir_report.is_some();
    let raw_body = if sealed {
        crate::app::sealing::seal_for_patient(tx, case.patient_id, raw).await?
    } else {
        raw.to_vec()
    };
    let opinion = OpinionRow {
        org_id: tx.org,
        id: Uuid::now_v7(),
        case_id,
        referral_id: referral.as_ref().map(|r| r.id),
        submitted_by_kind: if matches!(tx.actor.principal, Principal::Partner { .. }) {
            "partner".into()
        } else {
            "staff".into()
        },
        submitted_by: tx.created_by(),
        reviewer: submission.reviewer,
        narrative: submission.narrative.unwrap_or_default(),
        picture: serde_json::to_value(submission.picture.normalised())?,
        answers: submission.answers,
        external_id: external_id.map(str::to_owned),
        supersedes: submission.supersedes,
        raw_body,
        raw_sha256: raw_sha.to_vec(),
        status: "received".into(),
        // As PostgreSQL keeps it: the row is answered as sent, not read back.
        received_at: crate::db::stored_time(chrono::Utc::now()),
        fhir_report: submission.fhir_report.clone(),
        fhir_composition: submission.fhir_composition.clone(),
        raw_sealed: sealed,
    };
    if let Some(old) = submission.supersedes {
        stored::mark_superseded(tx.conn, tx.org, old).await?;
    }
    // With a plan, the opinion is written with its assessment, in one statement (below).
    if reads.plan.is_none() {
        stored::insert(tx.conn, &opinion).await?;
    }
    tx.audit(
        "second_opinion.create",
        "second_opinion",
        vec![opinion.id],
        Some(case_id),
    );
    tx.emit(Event::SecondOpinionReceived {
        case_id,
        second_opinion_id: opinion.id,
        referral_id: opinion.referral_id,
        supersedes: opinion.supersedes,
    });
    if let Some(plan) = &reads.plan {
        let previous = match submission.supersedes {
            Some(old) => stored::current_assessment(tx.conn, tx.org, old).await?,
            None => None,
        };
        let comparison = Comparison {
            case: &case,
            plan,
            opinion: &opinion,
            reads: &reads,
            opinion_unsaved: true,
        };
        // An amendment's assessment supersedes the amended opinion's: that one stops being
        // current (it leaves the review queue and the counts) and its open work moves over.
        let row = assessing::assess(tx, comparison, previous.as_ref()).await?;
        tx.audit(
            "assessment.create",
            "assessment",
            vec![row.id, opinion.id],
            Some(case_id),
        );
    }
    if let Some(referral) = &referral
        && ReferralStatus::parse(&referral.status) != ReferralStatus::Answered
    {
        // Written with the unit's queued rows: the referral is locked and read no more.
        tx.move_referral(referral.id, ReferralStatus::Answered);
        tx.emit(Event::ReferralAnswered(ReferralState {
            case_id,
            referral_id: referral.id,
            partner_id: referral.partner_id,
            status: ReferralStatus::Answered.code().to_string(),
        }));
    }
    cases::advance_locked(tx, &case, CaseStatus::OpinionReceived).await?;
    Ok(Ingested::New(opinion))
}

/// A submission needs an open referral; an answered one takes only an amendment of its own
/// current opinion.
async fn check_referral_open(
    conn: &mut AsyncPgConnection,
    org: Uuid,
    referral: &referrals::ReferralRow,
    supersedes: Option<Uuid>,
) -> AppResult<()> {
    ReferralStatus::parse(&referral.status)
        .takes_submission(supersedes.is_some())
        .map_err(|closed| AppError::ReferralClosed {
            detail: closed.0.into(),
            allowed: None,
        })?;
    let Some(old) = supersedes else { return Ok(()) };
    match stored::find(conn, org, old).await? {
        Some(o) if o.referral_id == Some(referral.id) && o.status == "received" => Ok(()),
        _ => Err(AppError::unprocessable_field(
            "supersedes",
            "names no current opinion of this referral",
        )),
    }
}

async fn check_supersedes_in_case(
    conn: &mut AsyncPgConnection,
    org: Uuid,
    case_id: Uuid,
    supersedes: Option<Uuid>,
) -> AppResult<()> {
    let Some(old) = supersedes else { return Ok(()) };
    match stored::find(conn, org, old).await? {
        Some(o) if o.case_id == case_id && o.status == "received" => Ok(()),
        _ => Err(AppError::unprocessable_field(
            "supersedes",
            "names no current opinion of this case",
        )),
    }
}
