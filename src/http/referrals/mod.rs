//! Referrals: a coordinator sends a case to a partner hospital; the partner reads a fixed,
//! minimal view of it (never the patient's name or contact details, never internal notes),
//! accepts or declines it, downloads its documents and answers with a second opinion.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

mod packet;

use self::packet::{PartnerReferral, partner_view};
use super::State;
use super::attachment::attachment;
use super::caller::Caller;
use super::idempotency::{IdempotencyKey, respond};
use super::json::{RequestBody, ValidJson};
use super::pagination::{Page, PageRequest};
use super::problem::ApiResult;
use crate::app::referrals::{self, Listed, ReferralRecord, Seen};
use crate::app::{Creation, Permit};
use crate::auth::Principal;
use crate::auth::policy::{Op, Permission, Resource};
pub use crate::domain::referral::ReferralStatus;
use crate::domain::validation::{FieldErrors, check_text};

/// Under `/v1/cases`.
pub fn case_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_referral).service(list_case_referrals);
}

/// Under `/v1/referrals` (a partner's ingestion is in `opinions`).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_referrals)
        .service(get_referral)
        .service(accept_referral)
        .service(decline_referral)
        .service(withdraw_referral)
        .service(referral_document);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"partner_id": "0193a0e4-7d1c-7c7a-9b8e-3f2d1c0b4a59", "questions": ["Is adjuvant FOLFOX the best option?"], "due_date": "2026-12-10"}))]
pub struct NewReferral {
    pub partner_id: Uuid,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub questions: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
}

impl RequestBody for NewReferral {
    fn check(&self, errors: &mut FieldErrors) {
        for (i, q) in self.questions.iter().enumerate() {
            if q.trim().is_empty() {
                errors.add(format!("questions.{i}"), "must not be blank");
            }
            check_text(Some(q), 10_000, format!("questions.{i}"), errors);
        }
    }
}

/// A referral as the navigator's staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Referral {
    pub id: Uuid,
    pub case_id: Uuid,
    pub partner_id: Uuid,
    pub status: ReferralStatus,
    pub questions: Vec<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    pub decline_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ReferralRecord> for Referral {
    fn from(r: ReferralRecord) -> Referral {
        Referral {
            id: r.id,
            case_id: r.case_id,
            partner_id: r.partner_id,
            status: ReferralStatus::parse(&r.status),
            questions: serde_json::from_value(r.questions).unwrap_or_default(),
            due_date: r.due_date,
            decline_reason: r.decline_reason,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Staff see the referral; partners see their packet.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReferralView {
    Staff(Referral),
    Partner(Box<PartnerReferral>),
}

/// Refer a case to a partner hospital for a second opinion.
///
/// Coordinators and clinicians, on a case of their organisation, to one of its partner hospitals
/// (another `partner_id` is a 422). The referral starts `sent` and the case moves on to `referred`;
/// sends `referral.created` (and `case.updated` when the case moved), audited. A retry with the
/// same `Idempotency-Key` and body replays the first answer.
#[utoipa::path(
    tag = "referrals",
    params(("id" = Uuid, Path, description = "The case"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = NewReferral,
    responses(
        (status = 201, description = "Sent", body = Referral, headers(("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/{id}/referrals")]
pub async fn create_referral(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewReferral>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Referral, Op::Create))?;
    let once = key.once(&caller, &req, &body.raw);
    let case_id = *id;
    let r = body.into_inner();
    let referral = referrals::NewReferral {
        partner_id: r.partner_id,
        questions: r.questions.iter().map(|q| q.trim().to_string()).collect(),
        due_date: r.due_date,
    };
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let row = referrals::refer(tx, case_id, referral).await?;
            let location = format!("/v1/referrals/{}", row.id);
            Ok(Creation::created(Referral::from(row)).at(location))
        })
        .await?;
    Ok(respond(creation))
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReferralQuery {
    pub status: Option<ReferralStatus>,
    /// Staff only: referrals of one case.
    pub case_id: Option<Uuid>,
    /// Staff only: referrals to one partner.
    pub partner_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of referrals: staff's, or the partner's packets.
async fn list(
    state: &State,
    permit: Permit<'_>,
    query: &ReferralQuery,
    case_id: Option<Uuid>,
) -> ApiResult<Page<ReferralView>> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &(query, case_id))?;
    let filter = referrals::ReferralQuery {
        status: query.status,
        case_id: query.case_id,
        partner_id: query.partner_id,
    };
    let limit = usize::try_from(page.limit).unwrap_or(0);
    let listed = state
        .app
        .read(permit, async |q| {
            referrals::list(q, filter, case_id, page.after, page.fetch(), limit).await
        })
        .await?;
    Ok(match listed {
        Listed::Staff(rows) => page.page(
            rows,
            |r| (r.created_at, r.id),
            |r| ReferralView::Staff(r.into()),
        ),
        Listed::Partner { rows, packets } => {
            let next_cursor = page.page(rows, |r| (r.created_at, r.id), |r| r).next_cursor;
            Page {
                items: packets
                    .into_iter()
                    .map(|p| ReferralView::Partner(Box::new(partner_view(p))))
                    .collect(),
                next_cursor,
            }
        }
    })
}

/// Partners reach referrals by their key; people by their role.
fn reader_permit(caller: &Caller) -> Result<Permit<'_>, crate::auth::AuthError> {
    match caller.principal {
        Principal::Partner { .. } => caller.permit(Permission::Partner),
        _ => caller.permit(Permission::Role(Resource::Referral, Op::Read)),
    }
}

/// A case's referrals, newest first.
///
/// For coordinators, clinicians and admins, on a case of their organisation (else a 404); partner
/// keys use `GET /v1/referrals`. Filter by `status` or `partner_id`; paged with `limit` and
/// `cursor`: pass back `next_cursor` until it is null. The read is audited.
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path, description = "The case"), ReferralQuery), responses((status = 200, description = "A page of referrals", body = Page<ReferralView>)), security(("jwt" = [])))]
#[get("/{id}/referrals")]
pub async fn list_case_referrals(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<ReferralQuery>,
) -> ApiResult<web::Json<Page<ReferralView>>> {
    let permit = caller.permit(Permission::Role(Resource::Referral, Op::Read))?;
    Ok(web::Json(list(&state, permit, &query, Some(*id)).await?))
}

/// Referrals: a partner's inbox (its packets), or staff's list of their organisation's referrals.
///
/// A partner key gets the referrals sent to its hospital, as packets (its `case_id` and
/// `partner_id` filters are ignored); coordinators, clinicians and admins get their organisation's,
/// filtered by `status`, `case_id` or `partner_id`. Patients and advocates get a 403. Paged with
/// `limit` and `cursor` from `next_cursor`; audited.
#[utoipa::path(tag = "referrals", params(ReferralQuery), responses((status = 200, description = "A page of referrals", body = Page<ReferralView>)), security(("jwt" = []), ("api_key" = [])))]
#[get("")]
pub async fn list_referrals(
    state: State,
    caller: Caller,
    query: web::Query<ReferralQuery>,
) -> ApiResult<web::Json<Page<ReferralView>>> {
    let permit = reader_permit(&caller)?;
    Ok(web::Json(list(&state, permit, &query, None).await?))
}

/// A referral: the partner's packet for its partner, the referral itself for staff.
///
/// Coordinators, clinicians and admins of the organisation, or the partner key it was sent to,
/// which sees it only while it is sent, accepted or answered (else a 404). The packet shows the
/// diagnosis, current plan and documents to download, and of the patient only birth year and
/// country. The read is audited.
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path)), responses((status = 200, description = "The referral", body = ReferralView)), security(("jwt" = []), ("api_key" = [])))]
#[get("/{id}")]
pub async fn get_referral(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ReferralView>> {
    let permit = reader_permit(&caller)?;
    let seen = state
        .app
        .read(permit, async |q| referrals::get(q, *id).await)
        .await?;
    Ok(web::Json(match seen {
        Seen::Staff(row) => ReferralView::Staff(row.into()),
        Seen::Partner(packet) => ReferralView::Partner(Box::new(partner_view(*packet))),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "No capacity for a review before the due date"}))]
pub struct Decline {
    #[schema(pattern = r"\S", min_length = 1, max_length = 10000)]
    pub reason: String,
}

impl RequestBody for Decline {
    fn check(&self, errors: &mut FieldErrors) {
        if self.reason.trim().is_empty() {
            errors.add("reason", "must not be blank");
        }
    }
}

/// Moves the referral by hand; 409 `referral-closed` when its status does not allow it.
async fn move_to(
    state: &State,
    permit: Permit<'_>,
    id: Uuid,
    to: ReferralStatus,
    reason: Option<String>,
) -> ApiResult<web::Json<Referral>> {
    let row = state
        .app
        .write(permit, async |tx| {
            referrals::move_to(tx, id, to, reason).await
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// Accept a referral (partner).
///
/// Partner API keys only, for a referral sent to that partner (others are a 404). Moves a `sent`
/// referral to `accepted`; accepting again changes nothing, and a declined, withdrawn or answered
/// referral is a 409 `referral-closed`. Sends `referral.updated`; audited.
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path)), responses((status = 200, description = "Accepted", body = Referral), (status = 409, description = "The referral is closed", body = super::problem::Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
#[post("/{id}/accept")]
pub async fn accept_referral(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Referral>> {
    let permit = caller.permit(Permission::Partner)?;
    move_to(&state, permit, *id, ReferralStatus::Accepted, None).await
}

/// Decline a referral with a reason (partner).
///
/// Partner API keys only, for a referral sent to that partner (others are a 404). Moves a sent or
/// accepted referral to `declined`, keeping the reason as `decline_reason`; declining again changes
/// nothing, and a withdrawn or answered referral is a 409 `referral-closed`. Sends
/// `referral.updated`; audited.
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path)), request_body = Decline, responses((status = 200, description = "Declined", body = Referral), (status = 409, description = "The referral is closed", body = super::problem::Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
#[post("/{id}/decline")]
pub async fn decline_referral(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<Decline>,
) -> ApiResult<web::Json<Referral>> {
    let permit = caller.permit(Permission::Partner)?;
    let reason = body.into_inner().reason.trim().to_string();
    move_to(&state, permit, *id, ReferralStatus::Declined, Some(reason)).await
}

/// Withdraw a referral (staff).
///
/// Coordinators and clinicians. Moves a sent or accepted referral to `withdrawn`: its partner no
/// longer sees it or its documents and can submit no opinion. Withdrawing again changes nothing; a
/// declined or answered referral is a 409 `referral-closed`. Sends `referral.updated`; audited.
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path)), responses((status = 200, description = "Withdrawn", body = Referral), (status = 409, description = "The referral is closed", body = super::problem::Problem, content_type = "application/problem+json")), security(("jwt" = [])))]
#[post("/{id}/withdraw")]
pub async fn withdraw_referral(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Referral>> {
    let permit = caller.permit(Permission::Role(Resource::Referral, Op::Update))?;
    move_to(&state, permit, *id, ReferralStatus::Withdrawn, None).await
}

/// Download a document of an open referral's case (partner).
///
/// Partner API keys only, for a referral sent to that partner while it is sent, accepted or
/// answered, and a document of the referred case; anything else is a 404. Answers the exact bytes
/// with a `Content-Digest` (sha-256). The download is audited.
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path), ("doc_id" = Uuid, Path)), responses((status = 200, description = "The bytes, as an attachment", content_type = "application/octet-stream", body = Vec<u8>)), security(("api_key" = [])))]
#[get("/{id}/documents/{doc_id}")]
pub async fn referral_document(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Partner)?;
    let (id, doc_id) = path.into_inner();
    let (doc, bytes) = state
        .app
        .read(permit, async |q| referrals::document(q, id, doc_id).await)
        .await?;
    Ok(attachment(&doc, bytes))
}
