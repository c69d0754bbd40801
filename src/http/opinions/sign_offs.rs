//! The clinician release gate over HTTP: a clinician's sign-off of a held assessment, and the
//! queue of results still held from patients.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::assessments::{Assessment, SignOff, assessment_view};
use crate::app::assessing::Annotations;
use crate::app::{Creation, sign_offs};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::validation::FieldErrors;
use crate::http::State;
use crate::http::caller::Caller;
use crate::http::etag::IfMatch;
use crate::http::idempotency::{IdempotencyKey, respond};
use crate::http::json::{RequestBody, ValidJson};
use crate::http::pagination::PageRequest;
use crate::http::problem::{ApiError, ApiResult};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Read the partner's report and the slides review; the new diagnosis stands and the oncologist is informed."}))]
pub struct NewSignOff {
    /// Why the clinician releases this result (kept in the audit trail; never sent in events).
    #[schema(pattern = r"\S", min_length = 1, max_length = 2000)]
    pub reason: String,
}

impl RequestBody for NewSignOff {
    fn check(&self, errors: &mut FieldErrors) {
        if self.reason.trim().is_empty() {
            errors.add("reason", "must not be blank");
        }
        if self.reason.chars().count() > 2000 {
            errors.add("reason", "must be at most 2000 characters");
        }
    }
}

/// Sign off a held assessment's result in force (clinicians): it is released to the patient,
/// with the summaries written from that result; the review task is completed.
///
/// Clinicians only. A stale `If-Match` is a 412; signed off already, needing no sign-off, or
/// superseded is a 409. Records the approved outcome and scenario with the reason and sends
/// `assessment.signed_off`; each summary released sends `summary.released` and moves the case on to
/// `summary_ready`. Audited; Idempotency-Key retries replay.
#[utoipa::path(
    tag = "assessments",
    params(
        ("id" = Uuid, Path, description = "The assessment"),
        ("If-Match" = Option<String>, Header, description = "The assessment's ETag as last read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body"),
    ),
    request_body = NewSignOff,
    responses(
        (status = 201, description = "Signed off", body = SignOff, headers(("Location" = String))),
        (status = 409, description = "Signed off already, no review needed, or superseded", body = crate::http::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The assessment changed since its ETag was read", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/{id}/sign-offs")]
pub async fn sign_off(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: ValidJson<NewSignOff>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Assessment, Op::SignOff))?;
    let once = key.once(&caller, &req, &body.raw);
    let reason = body.value.reason.trim().to_string();
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let (record, _) = sign_offs::sign_off(tx, *id, reason, &if_match.0).await?;
            let location = format!("/v1/assessments/{}", record.assessment_id);
            Ok(Creation::created(SignOff::of(&record)).at(location))
        })
        .await?;
    Ok(respond(creation))
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQueueQuery {
    /// `true`: the review queue (the only listing of assessments across opinions).
    pub awaiting_sign_off: bool,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A held assessment in the review queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingAssessment {
    #[serde(flatten)]
    pub assessment: Assessment,
    /// Hours since the result was held.
    pub waiting_hours: i64,
    /// When it is due for a sign-off (SIGN_OFF_DUE_HOURS; sooner for urgent results).
    pub sign_off_due_at: DateTime<Utc>,
    /// Held longer than that: a result kept from a patient must not be forgotten.
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewQueue {
    /// Urgent first, then oldest first.
    pub items: Vec<WaitingAssessment>,
    pub next_cursor: Option<String>,
}

/// The review queue: current assessments held for a clinician's sign-off (clinicians and
/// coordinators).
///
/// `awaiting_sign_off=true` is required (a 400 otherwise); admins get a 403. Each item says how
/// long it has waited, when it is due and whether it is `overdue`. Paged with `limit` and `cursor`:
/// pass back `next_cursor` until it is null. The read is audited.
#[utoipa::path(tag = "assessments", params(ReviewQueueQuery), responses((status = 200, description = "Held assessments, urgent first, then oldest first", body = ReviewQueue)), security(("jwt" = [])))]
#[get("")]
pub async fn review_queue(
    state: State,
    caller: Caller,
    query: web::Query<ReviewQueueQuery>,
) -> ApiResult<web::Json<ReviewQueue>> {
    let permit = caller.permit(Permission::Role(Resource::Assessment, Op::ReviewQueue))?;
    if !query.awaiting_sign_off {
        return Err(ApiError::field(
            "awaiting_sign_off",
            "must be true: assessments are listed here only as the review queue; an opinion's assessments are at /v1/second-opinions/{id}/assessments",
        ));
    }
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*query)?;
    let after = match (page.after_rank, page.after) {
        (Some(urgent), Some((at, id))) => Some((urgent, at, id)),
        _ => None,
    };
    let waiting = state
        .app
        .read(permit, async |q| {
            let waiting = sign_offs::queue(q, after, page.fetch()).await?;
            let ids: Vec<Uuid> = waiting.iter().map(|w| w.assessment.id).collect();
            let annotations = Annotations::of(q.conn, q.org, &ids).await?;
            Ok((waiting, annotations))
        })
        .await?;
    let (waiting, annotations) = waiting;
    let now = Utc::now();
    let page = page.page_ranked(waiting, |w| sign_offs::position(&w.assessment), |w| w);
    let items = page
        .items
        .into_iter()
        .map(|w| {
            Ok(WaitingAssessment {
                assessment: assessment_view(&w.assessment, &annotations)?,
                waiting_hours: (now - w.assessment.created_at).num_hours(),
                sign_off_due_at: w.due_at,
                overdue: w.overdue,
            })
        })
        .collect::<Result<_, crate::app::AppError>>()?;
    Ok(web::Json(ReviewQueue {
        items,
        next_cursor: page.next_cursor,
    }))
}
