//! A partner's second opinion sent as a FHIR document Bundle (`fhir.md` 9.5): read with
//! `import_opinion` against the case's patient, then ingested exactly as a JSON submission
//! (stored verbatim, idempotent by `external_id`, assessed at once). An amended document
//! supersedes the version it replaces; an entered-in-error one withdraws the opinion it names.

use serde_json::json;
use uuid::Uuid;

use super::OpinionRecord;
use super::ingest::{Ingested, Source, Submission, ingest};
use crate::app::{AppError, AppResult, Tx};
use crate::auth::api_key::sha256;
use crate::auth::policy;
use crate::db::opinions as stored;
use crate::db::{cases as case_rows, patients, referrals, tasks};
use crate::domain::fhir::{FhirError, ImportContext, Report, import_opinion};
use crate::events::Event;

/// What a FHIR document did.
#[derive(Debug)]
pub enum FhirIngested {
    /// An opinion taken in (or the same document again), with the import's report.
    Ingested(Ingested, Report),
    /// An entered-in-error document withdrew this opinion.
    Withdrawn(OpinionRecord),
}

/// Takes in a partner's FHIR document for a referral it was sent.
pub async fn ingest_document(
    tx: &mut Tx<'_>,
    referral_id: Uuid,
    body: &[u8],
) -> AppResult<FhirIngested> {
    let referral = referrals::find(tx.conn, tx.org, referral_id)
        .await?
        .filter(|r| policy::sees_referral(tx.actor, r.partner_id))
        .ok_or(AppError::NotFound("referral"))?;
    let case = case_rows::find(tx.conn, tx.org, referral.case_id)
        .await?
        .ok_or(AppError::NotFound("referral"))?;
    let birth_year = patients::find(tx.conn, tx.org, case.patient_id)
        .await?
        .and_then(|p| p.birth_year)
        .map(i32::from);
    let context = ImportContext::new(chrono::Utc::now()).with_birth_year(birth_year);
    let import = match import_opinion(body, &context) {
        Ok(import) => import,
        Err(FhirError::EnteredInError {
            external_id,
            composition_identifier,
        }) => {
            let named = Named {
                external_id,
                composition_identifier,
            };
            return withdraw(tx, referral_id, named, body).await;
        }
        Err(error) => return Err(error.into()),
    };
    let document = import.document;
    let reviewer = document.reviewer.clone().unwrap_or_default();
    let Some(name) = reviewer.name.filter(|n| !n.trim().is_empty()) else {
        return Err(FhirError::DocumentShape {
            expression: "Bundle.entry[0].resource.attester".into(),
            detail: "no reviewer: neither a legal attester nor an author with a name".into(),
        }
        .into());
    };
    let supersedes = match document.supersedes.as_deref() {
        Some(named) => Some(
            named_opinion(tx, referral_id, named)
                .await?
                .ok_or_else(|| {
                    AppError::unprocessable_field(
                        "supersedes",
                        format!(
                            "the document replaces {named}, which names no opinion of this referral"
                        ),
                    )
                })?,
        ),
        None => None,
    }
    // A resend of the amendment itself names the opinion it is: not a supersession.
    .filter(|old| old.external_id.as_deref() != Some(document.external_id.as_str()))
    .map(|old| old.id);
    let submission = Submission {
        reviewer: json!({
            "name": name,
            "specialty": reviewer.specialty,
            "institution": reviewer.institution,
        }),
        narrative: document.narrative,
        picture: import.picture,
        answers: json!([]),
        external_id: Some(document.external_id),
        supersedes,
        attachments: Vec::new(),
        fhir_report: Some(serde_json::to_value(&import.report)?),
        fhir_composition: document.composition_identifier,
    };
    let ingested = ingest(tx, Source::Referral(referral_id), submission, body).await?;
    Ok(FhirIngested::Ingested(ingested, import.report))
}

/// The referral's opinion a document names: by Composition.identifier (the newest version),
/// else by external id (`Bundle.identifier`).
async fn named_opinion(
    tx: &mut Tx<'_>,
    referral_id: Uuid,
    named: &str,
) -> AppResult<Option<OpinionRecord>> {
    if let Some(found) = stored::find_by_composition(tx.conn, tx.org, referral_id, named).await? {
        return Ok(Some(found));
    }
    Ok(stored::find_by_external_id(tx.conn, tx.org, referral_id, named).await?)
}

/// How an entered-in-error document names the opinion it withdraws.
struct Named {
    external_id: Option<String>,
    composition_identifier: Option<String>,
}

/// The sender withdraws an opinion: found by its Composition.identifier, else its external id.
/// None found: the error stands (422). The document is kept (sealed) whatever it changes;
/// already withdrawn: the same answer again.
async fn withdraw(
    tx: &mut Tx<'_>,
    referral_id: Uuid,
    named: Named,
    body: &[u8],
) -> AppResult<FhirIngested> {
    let Named {
        external_id,
        composition_identifier,
    } = named;
    let mut found = None;
    for named in [composition_identifier.as_deref(), external_id.as_deref()]
        .into_iter()
        .flatten()
    {
        found = named_opinion(tx, referral_id, named).await?;
        if found.is_some() {
            break;
        }
    }
    let Some(opinion) = found else {
        return Err(FhirError::EnteredInError {
            external_id,
            composition_identifier,
        }
        .into());
    };
    let case = case_rows::find(tx.conn, tx.org, opinion.case_id)
        .await?
        .ok_or(AppError::NotFound("referral"))?;
    let sealed = crate::app::sealing::seal_for_patient(tx, case.patient_id, body).await?;
    stored::insert_withdrawal(
        tx.conn,
        &stored::WithdrawalRow {
            org_id: tx.org,
            id: Uuid::now_v7(),
            second_opinion_id: opinion.id,
            submitted_by: tx.created_by(),
            raw_body: sealed,
            raw_sha256: sha256(body).to_vec(),
            raw_sealed: true,
            received_at: chrono::Utc::now(),
        },
    )
    .await?;
    if opinion.status != "withdrawn" {
        stored::mark_withdrawn(tx.conn, tx.org, opinion.id).await?;
        tx.emit(Event::SecondOpinionWithdrawn {
            case_id: opinion.case_id,
            second_opinion_id: opinion.id,
            referral_id: Some(referral_id),
        });
        // The work its result opened is no longer called for.
        if let Some(assessment) = stored::current_assessment(tx.conn, tx.org, opinion.id).await? {
            for task in tasks::open_for_case(tx.conn, tx.org, opinion.case_id).await? {
                if task.assessment_id == Some(assessment.id) {
                    tasks::cancel(tx.conn, tx.org, task.id).await?;
                }
            }
        }
        tx.audit(
            "second_opinion.withdraw",
            "second_opinion",
            vec![opinion.id],
            Some(opinion.case_id),
        );
    }
    Ok(FhirIngested::Withdrawn(OpinionRecord {
        status: "withdrawn".into(),
        ..opinion
    }))
}
