//! Patient summaries: written from an assessment's result in force, stored as a snapshot of
//! what the patient was told, read by staff, the patient, and advocates granted summaries.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{Actor, AppError, AppResult, Reader, Tx, access, assessing, cases};
use crate::db::{cases as case_rows, opinions, patients, summaries};
use crate::domain::case_status::CaseStatus;
use crate::domain::summary::{self, OpinionSource, Summary, SummaryError, SummaryRequest};
use crate::events::Event;

pub use crate::db::summaries::SummaryRow as SummaryRecord;

/// What a summary is written with, when not the defaults.
#[derive(Debug, Clone, Default)]
pub struct SummaryOptions {
    /// A supported template language; default: the patient's preferred language.
    pub language: Option<String>,
    /// Default: the first word of the patient's display name.
    pub patient_first_name: Option<String>,
    /// Default: the treating oncologist on the case.
    pub oncologist_name: Option<String>,
}

/// Why a summary cannot be written, as the application says it.
pub fn summary_error(e: SummaryError) -> AppError {
    match e {
        SummaryError::UnsupportedLanguage(lang) => AppError::UnsupportedLanguage(
            format!(
                "no summary templates for '{lang}'; supported: {}",
                summary::supported_languages().join(", ")
            )
            .into(),
        ),
        SummaryError::Render(why) => {
            AppError::Internal(anyhow::anyhow!("summary rendering failed: {why}"))
        }
    }
}

/// Builds a summary; a code the name tables do not know is shown to the patient in general
/// words, and counted, so the tables can grow where patients meet such codes.
pub fn build(request: &SummaryRequest) -> AppResult<Summary> {
    let (content, notes) = summary::build_with_notes(request).map_err(summary_error)?;
    if !notes.unnamed_codes.is_empty() {
        metrics::counter!("summary_unnamed_codes_total")
            .increment(notes.unnamed_codes.len() as u64);
    }
    Ok(content)
}

/// The first word of a display name, for "Asha, ...".
pub fn first_name(display_name: Option<&str>) -> Option<String> {
    display_name
        .and_then(|n| n.split_whitespace().next())
        .map(|n| n.trim_end_matches(['.', ',']).to_string())
        .filter(|n| !n.is_empty())
}

/// Who gave the opinion: the reviewer's institution, else the partner hospital it came
/// through, and the reviewer's specialty.
async fn opinion_source(
    conn: &mut AsyncPgConnection,
    org: Uuid,
    opinion_id: Uuid,
) -> AppResult<Option<OpinionSource>> {
    let Some((reviewer, partner)) = opinions::source(conn, org, opinion_id).await? else {
        return Ok(None);
    };
    let said = |field: &str| {
        reviewer
            .get(field)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Ok(Some(OpinionSource {
        institution: said("institution").or(partner),
        specialty: said("specialty"),
    }))
}

/// Writes the patient summary of an assessment (its result in force) and stores it. A summary
/// of a result held for a clinician's sign-off is held with it (staff read it, the patient
/// does not); a released one moves the case to `summary_ready`.
pub async fn write(
    tx: &mut Tx<'_>,
    assessment_id: Uuid,
    options: SummaryOptions,
) -> AppResult<SummaryRecord> {
    let assessment = opinions::find_assessment(tx.conn, tx.org, assessment_id)
        .await?
        .ok_or(AppError::NotFound("assessment"))?;
    let case = case_rows::find(tx.conn, tx.org, assessment.case_id)
        .await?
        .ok_or(AppError::NotFound("assessment"))?;
    let patient = patients::find(tx.conn, tx.org, case.patient_id).await?;
    let language = options
        .language
        .clone()
        .or_else(|| patient.as_ref().and_then(|p| p.preferred_language.clone()))
        .unwrap_or_else(|| "en".into());
    let effective = assessing::effective(&assessment)?;
    let source = opinion_source(tx.conn, tx.org, assessment.second_opinion_id).await?;
    let content = build(&SummaryRequest {
        classification: &effective,
        patient_first_name: options
            .patient_first_name
            .clone()
            .or_else(|| first_name(patient.as_ref().and_then(|p| p.display_name.as_deref()))),
        oncologist_name: options
            .oncologist_name
            .clone()
            .or(case.oncologist_name.clone()),
        language: language.clone(),
        next_step: case.next_step(),
        treatment_status: Some(case.treatment()),
        source,
    })?;
    let row = summaries::insert(
        tx.conn,
        &SummaryRecord {
            org_id: tx.org,
            id: Uuid::now_v7(),
            assessment_id,
            case_id: case.id,
            plan_version: assessment.plan_version,
            language,
            options: serde_json::json!({"patient_first_name": options.patient_first_name, "oncologist_name": options.oncologist_name}),
            content: serde_json::to_value(&content)?,
            created_by: tx.created_by(),
            generated_at: Utc::now(),
            released: assessment.released,
            outcome: Some(assessment.outcome.clone()),
            primary_scenario: Some(assessment.primary_scenario.clone()),
        },
    )
    .await?;
    tx.audit(
        "summary.create",
        "summary",
        vec![row.id, assessment_id],
        Some(case.id),
    );
    tx.emit(Event::SummaryGenerated {
        case_id: case.id,
        summary_id: row.id,
        assessment_id,
        language: row.language.clone(),
        released: row.released,
    });
    if row.released {
        cases::advance(tx, case.id, CaseStatus::SummaryReady).await?;
    }
    Ok(row)
}

/// A summary the actor may read: staff, the patient, or an advocate granted summaries;
/// not found for anyone else. For the patient and advocates a summary held for a clinician's
/// sign-off does not exist yet.
pub async fn readable(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
) -> AppResult<SummaryRecord> {
    let row = summaries::find(conn, actor.org_id(), id)
        .await?
        .filter(|r| r.released || actor.is_staff())
        .ok_or(AppError::NotFound("summary"))?;
    access::case_part(conn, actor, row.case_id, "summaries")
        .await
        .map_err(|_| AppError::NotFound("summary"))?;
    Ok(row)
}

/// The stored content of a summary.
pub fn content(row: &SummaryRecord) -> AppResult<Summary> {
    assessing::parse("summary", &row.content)
}

pub async fn get(q: &mut Reader<'_>, id: Uuid) -> AppResult<SummaryRecord> {
    let row = readable(q.conn, q.actor, id).await?;
    q.audit("summary.read", "summary", vec![row.id], Some(row.case_id));
    Ok(row)
}

/// A page of a case's summaries, newest first.
pub async fn of_case(
    q: &mut Reader<'_>,
    case_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<SummaryRecord>> {
    access::case_part(q.conn, q.actor, case_id, "summaries").await?;
    let released_only = !q.actor.is_staff();
    let rows =
        summaries::list_for_case(q.conn, q.org, case_id, released_only, after, limit).await?;
    q.audit(
        "summary.list",
        "summary",
        rows.iter().map(|r| r.id).collect(),
        Some(case_id),
    );
    Ok(rows)
}
