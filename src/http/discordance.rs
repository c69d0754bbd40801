//! `POST /v1/discordance/classify`: the stateless classification; nothing is stored.

use actix_web::{post, web};
use chrono::Utc;

use super::json::{RequestBody, ValidJson};
use super::problem::ApiResult;
use crate::auth::{Principal, policy};
use crate::domain::discordance::{Classification, ClassificationInput, classify as classify_input};
use crate::domain::validation::FieldErrors;

impl RequestBody for ClassificationInput {
    fn check_parts(pruned: &serde_json::Value, errors: &mut FieldErrors) {
        for side in ["current", "opinion"] {
            if let Ok(picture) =
                serde_json::from_value::<crate::domain::picture::Picture>(pruned[side].clone())
            {
                picture.check(side, errors);
            }
        }
    }

    fn check(&self, errors: &mut FieldErrors) {
        ClassificationInput::check(self, "", errors);
    }
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(classify);
}

/// Classify a second opinion against the current plan.
///
/// Compares the opinion's picture with the current one and answers whether it confirms,
/// refines or contradicts the plan, in which scenarios, with findings, actions and urgency
/// (`discordance.md`). `context.as_of` defaults to today (UTC). Nothing is stored.
#[utoipa::path(
    tag = "discordance",
    request_body = ClassificationInput,
    responses((status = 200, description = "The classification", body = Classification)),
    security(("jwt" = [])),
)]
#[post("/classify")]
pub async fn classify(
    principal: Principal,
    body: ValidJson<ClassificationInput>,
) -> ApiResult<web::Json<Classification>> {
    policy::require_staff(&principal)?;
    let input = body.into_inner().normalised();
    Ok(web::Json(classify_input(&input, Utc::now().date_naive())))
}
