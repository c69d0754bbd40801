//! Referrals: a coordinator sends a case to a partner hospital; the partner reads a fixed,
//! minimal view of it (never the patient's name or contact details, never internal notes),
//! accepts or declines it, downloads its documents and answers with a second opinion.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::cases::{case_updated, next_step, treatment_status};
use super::idempotency::{self, Created, IdempotencyKey};
use super::json::{RequestBody, ValidJson};
use super::pagination::{Page, PageRequest};
use super::problem::{ApiError, ApiResult, ProblemKind};
use crate::audit;
use crate::auth::Principal;
use crate::auth::policy::{self, Op, Resource};
use crate::db::cases::{self, CaseRow, PlanVersionRow};
use crate::db::documents::{self, DocumentRow};
use crate::db::organizations;
use crate::db::patients::{self, PatientRow};
use crate::db::referrals::{self, ReferralFilter, ReferralRow};
use crate::domain::case_status::CaseStatus;
use crate::domain::discordance::{NextStep, TreatmentStatus};
use crate::domain::picture::{Diagnosis, Plan};
use crate::domain::records::DocumentKind;
use crate::domain::validation::{FieldErrors, check_text};
use crate::events::outbox::{self, Outbox};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_referral)
        .service(list_case_referrals)
        .service(list_referrals)
        .service(get_referral)
        .service(accept_referral)
        .service(decline_referral)
        .service(withdraw_referral)
        .service(referral_document);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    Sent,
    Accepted,
    Declined,
    Answered,
    Withdrawn,
}

impl ReferralStatus {
    pub fn code(self) -> &'static str {
        match self {
            ReferralStatus::Sent => "sent",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::Declined => "declined",
            ReferralStatus::Answered => "answered",
            ReferralStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> ReferralStatus {
        serde_json::from_value(serde_json::Value::from(code)).unwrap_or(ReferralStatus::Sent)
    }

    /// A partner may still read the packet and its documents.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReferralStatus::Sent | ReferralStatus::Accepted | ReferralStatus::Answered
        )
    }
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

impl From<ReferralRow> for Referral {
    fn from(r: ReferralRow) -> Referral {
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
    pub diagnosis: Option<Diagnosis>,
    /// The treating team's current plan.
    pub current_plan: Option<Plan>,
    pub plan_version: Option<i32>,
    pub treatment_status: TreatmentStatus,
    pub next_irreversible_step: Option<NextStep>,
    pub patient: PartnerPatient,
    pub documents: Vec<PartnerDocument>,
    pub created_at: DateTime<Utc>,
}

/// Staff see the referral; partners see their packet.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReferralView {
    Staff(Referral),
    Partner(Box<PartnerReferral>),
}

/// The partner's packets for these referrals, in their order: case, patient, current plan
/// and documents read once for all of them, not once per referral.
async fn partner_views(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    rows: Vec<ReferralRow>,
) -> ApiResult<Vec<PartnerReferral>> {
    use std::collections::HashMap;
    let case_ids: Vec<Uuid> = rows.iter().map(|r| r.case_id).collect();
    let case_of: HashMap<Uuid, CaseRow> = cases::find_many(conn, org_id, &case_ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let patient_ids: Vec<Uuid> = case_of.values().map(|c| c.patient_id).collect();
    let patient_of: HashMap<Uuid, PatientRow> = patients::find_many(conn, org_id, &patient_ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let plan_of: HashMap<Uuid, PlanVersionRow> = cases::current_plans(conn, org_id, &case_ids)
        .await?
        .into_iter()
        .map(|p| (p.case_id, p))
        .collect();
    let mut documents_of: HashMap<Uuid, Vec<DocumentRow>> = HashMap::new();
    for d in documents::of_cases(conn, org_id, &case_ids).await? {
        documents_of.entry(d.case_id).or_default().push(d);
    }
    rows.into_iter()
        .map(|row| {
            let case = case_of
                .get(&row.case_id)
                .ok_or_else(|| ApiError::not_found("referral"))?;
            // Two referrals of one case share its patient, plan and documents.
            let patient = patient_of.get(&case.patient_id);
            let plan = plan_of.get(&row.case_id);
            let docs = documents_of
                .get(&row.case_id)
                .map_or(&[][..], Vec::as_slice);
            Ok(partner_view(row, case, patient, plan, docs))
        })
        .collect()
}

fn partner_view(
    row: ReferralRow,
    case: &CaseRow,
    patient: Option<&PatientRow>,
    plan: Option<&PlanVersionRow>,
    docs: &[DocumentRow],
) -> PartnerReferral {
    let picture: Option<crate::domain::picture::Picture> =
        plan.and_then(|p| serde_json::from_value(p.picture.clone()).ok());
    PartnerReferral {
        id: row.id,
        status: ReferralStatus::parse(&row.status),
        questions: serde_json::from_value(row.questions).unwrap_or_default(),
        due_date: row.due_date,
        diagnosis: picture.as_ref().and_then(|p| p.diagnosis.clone()),
        current_plan: picture.and_then(|p| p.plan),
        plan_version: plan.map(|p| p.version),
        treatment_status: treatment_status(&case.treatment_status),
        next_irreversible_step: next_step(case),
        patient: PartnerPatient {
            birth_year: patient.and_then(|p| p.birth_year).map(i32::from),
            country: patient.and_then(|p| p.country.clone()),
        },
        // At most 200, newest first, as the packet always carried.
        documents: docs
            .iter()
            .take(200)
            .map(|d| PartnerDocument {
                download: format!("/v1/referrals/{}/documents/{}", row.id, d.id),
                id: d.id,
                kind: DocumentKind::parse(&d.kind).unwrap_or(DocumentKind::Other),
                title: d.title.clone(),
                date: d.document_date,
                content_type: d.content_type.clone(),
                size_bytes: d.size_bytes,
                sha256: hex::encode(&d.sha256),
            })
            .collect(),
        created_at: row.created_at,
    }
}

/// The referral if the caller may see it: staff of the tenant, or the partner it was sent to.
pub async fn visible_referral(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<ReferralRow> {
    referrals::find(conn, principal.org_id(), id)
        .await?
        .filter(|row| policy::sees_referral(principal, row.partner_id))
        .ok_or_else(|| ApiError::not_found("referral"))
}

fn referral_event(state: &State, row: &ReferralRow) -> serde_json::Value {
    outbox::case_data(
        &state.config.public_base_url,
        row.case_id,
        serde_json::json!({"referral_id": row.id, "partner_id": row.partner_id, "status": row.status,
                           "links": {"referral": outbox::link(&state.config.public_base_url, &format!("/v1/referrals/{}", row.id))}}),
    )
}

/// Refer a case to a partner hospital for a second opinion.
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
#[post("/cases/{id}/referrals")]
pub async fn create_referral(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewReferral>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Referral, Op::Create)?;
    let scope = idempotency::Scope::new(&caller, &req, &key, &body.raw);
    let case_id = *id;
    let r = body.into_inner();
    let mut conn = state.db.get().await?;
    let created = idempotency::create_once(&mut conn, scope.as_ref(), async |conn| {
        policy::case_access(conn, &caller, case_id).await?;
        if organizations::find_partner(conn, caller.org_id(), r.partner_id)
            .await?
            .is_none()
        {
            return Err(ApiError::unprocessable_field(
                "partner_id",
                "names no partner hospital of your organisation",
            ));
        }
        let now = Utc::now();
        let questions: Vec<String> = r.questions.iter().map(|q| q.trim().to_string()).collect();
        let row = referrals::insert(
            conn,
            &ReferralRow {
                org_id: caller.org_id(),
                id: Uuid::now_v7(),
                case_id,
                partner_id: r.partner_id,
                status: "sent".into(),
                questions: serde_json::json!(questions),
                due_date: r.due_date,
                decline_reason: None,
                created_by: caller.created_by(),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        audit::write(
            conn,
            caller.audit("referral.create", "referral", vec![row.id], Some(case_id)),
        )
        .await?;
        let mut outbox = Outbox::new(caller.org_id());
        outbox.add("referral.created", referral_event(&state, &row));
        advance_case(
            conn,
            &state,
            &mut outbox,
            caller.org_id(),
            case_id,
            CaseStatus::Referred,
        )
        .await?;
        outbox.write(conn).await?;
        let created = Created::new(StatusCode::CREATED, Referral::from(row.clone()))
            .at(format!("/v1/referrals/{}", row.id));
        Ok(created)
    })
    .await?;
    Ok(created.response())
}

/// Moves the case forward to `to` (never back) and queues `case.updated` when it moved.
pub async fn advance_case(
    conn: &mut AsyncPgConnection,
    state: &State,
    outbox: &mut Outbox,
    org_id: Uuid,
    case_id: Uuid,
    to: CaseStatus,
) -> ApiResult<()> {
    if let Some(after) = cases::advance_status(conn, org_id, case_id, to).await? {
        outbox.add("case.updated", case_updated(state, &after));
    }
    Ok(())
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
    #[serde(skip_serializing)]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[serde(skip_serializing)]
    pub cursor: Option<String>,
}

async fn list(
    state: &State,
    caller: &Caller,
    query: &ReferralQuery,
    case_id: Option<Uuid>,
) -> ApiResult<Page<ReferralView>> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &(query, case_id))?;
    let mut filter = ReferralFilter {
        case_id: case_id.or(query.case_id),
        partner_id: query.partner_id,
        status: query.status.map(|s| s.code().to_string()),
        after: page.after,
        limit: page.fetch(),
    };
    let partner = matches!(caller.principal, Principal::Partner { .. });
    if let Principal::Partner { partner_id, .. } = &caller.principal {
        filter.partner_id = Some(*partner_id);
        filter.case_id = None;
    }
    let mut conn = state.db.get().await?;
    let rows = referrals::list(&mut conn, caller.org_id(), &filter).await?;
    let ids = rows.iter().map(|r| r.id).collect();
    let page_rows = page.page(rows, |r| (r.created_at, r.id), |r| r);
    let items: Vec<ReferralView> = if partner {
        partner_views(&mut conn, caller.org_id(), page_rows.items)
            .await?
            .into_iter()
            .map(|v| ReferralView::Partner(Box::new(v)))
            .collect()
    } else {
        page_rows
            .items
            .into_iter()
            .map(|r| ReferralView::Staff(r.into()))
            .collect()
    };
    audit::write(
        &mut conn,
        caller.audit("referral.list", "referral", ids, case_id),
    )
    .await?;
    Ok(Page {
        items,
        next_cursor: page_rows.next_cursor,
    })
}

/// A case's referrals, newest first.
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path, description = "The case"), ReferralQuery), responses((status = 200, description = "A page of referrals", body = Page<ReferralView>)), security(("jwt" = [])))]
#[get("/cases/{id}/referrals")]
pub async fn list_case_referrals(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<ReferralQuery>,
) -> ApiResult<web::Json<Page<ReferralView>>> {
    policy::require(&caller, Resource::Referral, Op::Read)?;
    {
        let mut conn = state.db.get().await?;
        policy::case_access(&mut conn, &caller, *id).await?;
    }
    Ok(web::Json(list(&state, &caller, &query, Some(*id)).await?))
}

/// Referrals: a partner's inbox (its packets), or staff's list of their organisation's referrals.
#[utoipa::path(tag = "referrals", params(ReferralQuery), responses((status = 200, description = "A page of referrals", body = Page<ReferralView>)), security(("jwt" = []), ("api_key" = [])))]
#[get("/referrals")]
pub async fn list_referrals(
    state: State,
    caller: Caller,
    query: web::Query<ReferralQuery>,
) -> ApiResult<web::Json<Page<ReferralView>>> {
    if !matches!(caller.principal, Principal::Partner { .. }) {
        policy::require(&caller, Resource::Referral, Op::Read)?;
    }
    Ok(web::Json(list(&state, &caller, &query, None).await?))
}

/// A referral: the partner's packet for its partner, the referral itself for staff.
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path)), responses((status = 200, description = "The referral", body = ReferralView)), security(("jwt" = []), ("api_key" = [])))]
#[get("/referrals/{id}")]
pub async fn get_referral(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ReferralView>> {
    if !matches!(caller.principal, Principal::Partner { .. }) {
        policy::require(&caller, Resource::Referral, Op::Read)?;
    }
    let mut conn = state.db.get().await?;
    let row = visible_referral(&mut conn, &caller, *id).await?;
    let case_id = row.case_id;
    let view = if matches!(caller.principal, Principal::Partner { .. }) {
        if !ReferralStatus::parse(&row.status).is_open() {
            return Err(ApiError::not_found("referral"));
        }
        let org_id = row.org_id;
        let view = partner_views(&mut conn, org_id, vec![row]).await?.remove(0);
        ReferralView::Partner(Box::new(view))
    } else {
        ReferralView::Staff(row.into())
    };
    audit::write(
        &mut conn,
        caller.audit("referral.read", "referral", vec![*id], Some(case_id)),
    )
    .await?;
    Ok(web::Json(view))
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

/// Moves a referral between statuses when allowed; 409 `referral-closed` otherwise.
async fn transition(
    state: &State,
    caller: &Caller,
    id: Uuid,
    from: &[ReferralStatus],
    to: ReferralStatus,
    reason: Option<String>,
) -> ApiResult<web::Json<Referral>> {
    let mut conn = state.db.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = visible_referral(conn, caller, id).await?;
            let row = referrals::lock(conn, caller.org_id(), row.id)
                .await?
                .ok_or_else(|| ApiError::not_found("referral"))?;
            let status = ReferralStatus::parse(&row.status);
            if status == to {
                return Ok(row);
            }
            if !from.contains(&status) {
                return Err(ApiError::conflict(
                    ProblemKind::ReferralClosed,
                    format!(
                        "a referral that is {} cannot become {}",
                        status.code(),
                        to.code()
                    ),
                )
                .with_allowed(from.iter().map(|s| s.code().to_string()).collect()));
            }
            let row = referrals::set_status(conn, caller.org_id(), id, to.code(), reason).await?;
            audit::write(
                conn,
                caller.audit(
                    &format!("referral.{}", to.code()),
                    "referral",
                    vec![id],
                    Some(row.case_id),
                ),
            )
            .await?;
            outbox::emit(
                conn,
                caller.org_id(),
                "referral.updated",
                referral_event(state, &row),
            )
            .await?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// Accept a referral (partner).
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path)), responses((status = 200, description = "Accepted", body = Referral), (status = 409, description = "The referral is closed", body = super::problem::Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
#[post("/referrals/{id}/accept")]
pub async fn accept_referral(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Referral>> {
    policy::require_partner(&caller)?;
    transition(
        &state,
        &caller,
        *id,
        &[ReferralStatus::Sent],
        ReferralStatus::Accepted,
        None,
    )
    .await
}

/// Decline a referral with a reason (partner).
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path)), request_body = Decline, responses((status = 200, description = "Declined", body = Referral), (status = 409, description = "The referral is closed", body = super::problem::Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
#[post("/referrals/{id}/decline")]
pub async fn decline_referral(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<Decline>,
) -> ApiResult<web::Json<Referral>> {
    policy::require_partner(&caller)?;
    let reason = body.into_inner().reason.trim().to_string();
    transition(
        &state,
        &caller,
        *id,
        &[ReferralStatus::Sent, ReferralStatus::Accepted],
        ReferralStatus::Declined,
        Some(reason),
    )
    .await
}

/// Withdraw a referral (staff).
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path)), responses((status = 200, description = "Withdrawn", body = Referral), (status = 409, description = "The referral is closed", body = super::problem::Problem, content_type = "application/problem+json")), security(("jwt" = [])))]
#[post("/referrals/{id}/withdraw")]
pub async fn withdraw_referral(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Referral>> {
    policy::require(&caller, Resource::Referral, Op::Update)?;
    transition(
        &state,
        &caller,
        *id,
        &[ReferralStatus::Sent, ReferralStatus::Accepted],
        ReferralStatus::Withdrawn,
        None,
    )
    .await
}

/// Download a document of an open referral's case (partner).
#[utoipa::path(tag = "referrals", params(("id" = Uuid, Path), ("doc_id" = Uuid, Path)), responses((status = 200, description = "The bytes, as an attachment", content_type = "application/octet-stream", body = Vec<u8>)), security(("api_key" = [])))]
#[get("/referrals/{id}/documents/{doc_id}")]
pub async fn referral_document(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    policy::require_partner(&caller)?;
    let (id, doc_id) = path.into_inner();
    let mut conn = state.db.get().await?;
    let referral = visible_referral(&mut conn, &caller, id).await?;
    if !ReferralStatus::parse(&referral.status).is_open() {
        return Err(ApiError::not_found("document"));
    }
    let doc = documents::find(&mut conn, caller.org_id(), doc_id)
        .await?
        .filter(|d| d.case_id == referral.case_id)
        .ok_or_else(|| ApiError::not_found("document"))?;
    let response = super::documents::attachment(&mut conn, state.documents.as_ref(), &doc).await?;
    audit::write(
        &mut conn,
        caller.audit(
            "document.download",
            "document",
            vec![doc.id, id],
            Some(referral.case_id),
        ),
    )
    .await?;
    Ok(response)
}
