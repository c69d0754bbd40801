//! `GET /v1/analytics/concordance`: how often the organisation's second opinions confirm,
//! refine or contradict the plan, grouped as asked, as JSON or CSV.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::problem::{ApiError, ApiResult, ProblemKind};
use crate::app::analytics::{
    self, Concordance, ConcordanceFilter, ConcordanceRequest, Dimensions, Turnaround,
};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::analytics::{Count, GroupBy, GroupFigures, ReferenceStudy, reference_studies};
use crate::domain::validation::FieldErrors;

mod render;
use render::{to_csv, to_svg};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(concordance);
}

/// What one answered referral counts as.
const COUNTING_UNIT: &str = "One answered referral, through its latest opinion's current assessment and that assessment's effective result (a clinician's override where there is one): an amended opinion counts once, a superseded assessment never.";
const SMALL_NUMBERS: &str = "A group of fewer than 5 referrals shows its count as \"< 5\" and no shares; when only one group of a list would be hidden, the next smallest is hidden too, so no hidden count follows from the total by subtraction.";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodUnit {
    #[default]
    Month,
    Quarter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalyticsFormat {
    Json,
    Csv,
    Svg,
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConcordanceParams {
    /// Comma-separated, any of `partner`, `site`, `scenario`, `period`; none: only the whole.
    #[param(example = "partner,period")]
    pub group_by: Option<String>,
    /// The length of a `period` group.
    #[param(inline)]
    pub period: Option<PeriodUnit>,
    /// The time zone periods and `from`/`to` are read in (IANA name); default `UTC`.
    #[param(example = "Asia/Kolkata")]
    pub tz: Option<String>,
    /// Opinions that arrived on or after this day.
    pub from: Option<NaiveDate>,
    /// Opinions that arrived on or before this day.
    pub to: Option<NaiveDate>,
    /// One partner hospital only.
    pub partner_id: Option<Uuid>,
    /// Results of one ruleset only (`2`, `3`): a reassessment under a new ruleset does not move
    /// history into the upgrade month.
    #[param(pattern = "^[0-9]+$")]
    pub ruleset_version: Option<String>,
    /// `csv` for spreadsheets, `svg` for a chart; overrides `Accept`.
    #[param(inline)]
    pub format: Option<AnalyticsFormat>,
}

/// A group with the names behind its key.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelledGroup {
    #[serde(flatten)]
    pub figures: GroupFigures,
    /// `partner_name`, `site_name` (plain words) and `site_formal` (ICD-O-3 title) where the
    /// key has them.
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerTurnaround {
    pub partner_id: Uuid,
    pub name: String,
    /// A number, or "< 5".
    pub referrals: Count,
    /// Days from the referral to its first opinion; null when hidden.
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConcordanceReport {
    pub counting_unit: &'static str,
    pub small_numbers: &'static str,
    pub group_by: Vec<GroupBy>,
    pub period: PeriodUnit,
    pub time_zone: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub partner_id: Option<Uuid>,
    pub ruleset_version: Option<String>,
    /// Every counted referral together.
    pub total: GroupFigures,
    pub groups: Vec<LabelledGroup>,
    pub partners: Vec<PartnerTurnaround>,
    /// Published second-opinion series, as context only: each measured its own thing (a
    /// treatment plan, a diagnosis, a stage) under its own definition of agreement, so none is
    /// comparable with these figures or with another measure. Never mixed into the figures.
    pub reference_rates: &'static [ReferenceStudy],
}

/// Concordance of the organisation's second opinions with the plans they reviewed
/// (coordinators, clinicians, administrators; own organisation only).
///
/// Each answered referral counts once, through its latest opinion's current assessment and result
/// in force; `group_by` splits the figures by partner, site, scenario or period, and a group under
/// 5 shows `< 5`. JSON by default, CSV or SVG by `?format=` or `Accept` (406 otherwise). Nothing is
/// stored; the read is audited.
#[utoipa::path(
    tag = "analytics",
    params(ConcordanceParams),
    responses(
        (status = 200, description = "The figures as JSON, the groups as a spreadsheet (`?format=csv` or `Accept: text/csv`), or their outcome shares as a stacked-bar chart (`?format=svg` or `Accept: image/svg+xml`)", content(
            (ConcordanceReport = "application/json"),
            (String = "text/csv"),
            (String = "image/svg+xml"),
        )),
        (status = 406, description = "None of JSON, CSV or SVG is accepted", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[get("/concordance")]
pub async fn concordance(
    state: State,
    caller: Caller,
    req: HttpRequest,
    params: web::Query<ConcordanceParams>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Analytics, Op::Read))?;
    let format = negotiate(&req, params.format)?;
    let request = parse(&params, caller.org_id())?;
    let figures = state
        .app
        .read(permit, {
            let request = request.clone();
            async move |q| analytics::concordance(q, request).await
        })
        .await?;
    let report = report(&request, &params, figures);
    let (content_type, body) = match format {
        AnalyticsFormat::Json => {
            return Ok(HttpResponse::Ok()
                .insert_header((header::VARY, "Accept"))
                .json(report));
        }
        AnalyticsFormat::Csv => ("text/csv; charset=utf-8", to_csv(&report)),
        AnalyticsFormat::Svg => ("image/svg+xml; charset=utf-8", to_svg(&report)),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::VARY, "Accept"))
        .body(body))
}

fn negotiate(req: &HttpRequest, format: Option<AnalyticsFormat>) -> ApiResult<AnalyticsFormat> {
    if let Some(format) = format {
        return Ok(format);
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let ranges: Vec<&str> = accept
        .split(',')
        .map(|r| r.split(';').next().unwrap_or("").trim())
        .filter(|r| !r.is_empty())
        .collect();
    if ranges.is_empty() {
        return Ok(AnalyticsFormat::Json);
    }
    ranges
        .iter()
        .find_map(|r| match *r {
            "application/json" | "application/*" | "*/*" => Some(AnalyticsFormat::Json),
            "text/csv" | "text/*" => Some(AnalyticsFormat::Csv),
            "image/svg+xml" | "image/*" => Some(AnalyticsFormat::Svg),
            _ => None,
        })
        .ok_or_else(|| {
            ApiError::new(
                ProblemKind::NotAcceptable,
                "the figures are available as application/json, text/csv or image/svg+xml",
            )
        })
}

fn parse(params: &ConcordanceParams, org_id: Uuid) -> ApiResult<ConcordanceRequest> {
    let mut errors = FieldErrors::default();
    let mut group_by = Vec::new();
    for word in params
        .group_by
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        match GroupBy::parse(word) {
            Some(d) if !group_by.contains(&d) => group_by.push(d),
            Some(_) => {}
            None => errors.add(
                "group_by",
                format!("unknown group {word:?}; allowed: partner, site, scenario, period"),
            ),
        }
    }
    let time_zone = params.tz.clone().unwrap_or_else(|| "UTC".into());
    let sane = !time_zone.is_empty()
        && time_zone.len() <= 64
        && time_zone
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
    if !sane {
        errors.add("tz", "an IANA time zone name such as UTC or Europe/Madrid");
    }
    if let (Some(from), Some(to)) = (params.from, params.to)
        && from > to
    {
        errors.add("to", "must not be before from");
    }
    if let Some(ruleset) = &params.ruleset_version
        && (ruleset.is_empty() || !ruleset.chars().all(|c| c.is_ascii_digit()))
    {
        errors.add(
            "ruleset_version",
            "the ruleset's revision number, such as 3",
        );
    }
    errors.finish(()).map_err(ApiError::validation)?;
    let by = Dimensions::of(&group_by);
    Ok(ConcordanceRequest {
        group_by,
        filter: ConcordanceFilter {
            org_id,
            from: params.from,
            to: params.to,
            time_zone,
            period: match params.period.unwrap_or_default() {
                PeriodUnit::Month => "month",
                PeriodUnit::Quarter => "quarter",
            },
            partner_id: params.partner_id,
            ruleset: params.ruleset_version.clone(),
            by,
        },
    })
}

fn report(
    request: &ConcordanceRequest,
    params: &ConcordanceParams,
    figures: Concordance,
) -> ConcordanceReport {
    let groups = figures
        .groups
        .iter()
        .map(|g| {
            let mut labels = BTreeMap::new();
            if let Some(partner) = g.key.get(&GroupBy::Partner)
                && let Some(name) = figures.partner_names.get(partner)
            {
                labels.insert("partner_name".to_string(), name.clone());
            }
            if let Some(site) = g.key.get(&GroupBy::Site)
                && let Some((plain, formal)) = figures.site_names.get(site)
            {
                labels.insert("site_name".to_string(), plain.clone());
                if let Some(formal) = formal {
                    labels.insert("site_formal".to_string(), formal.clone());
                }
            }
            LabelledGroup {
                figures: g.clone(),
                labels,
            }
        })
        .collect();
    ConcordanceReport {
        counting_unit: COUNTING_UNIT,
        small_numbers: SMALL_NUMBERS,
        group_by: request.group_by.clone(),
        period: params.period.unwrap_or_default(),
        time_zone: request.filter.time_zone.clone(),
        from: params.from,
        to: params.to,
        partner_id: params.partner_id,
        ruleset_version: params.ruleset_version.clone(),
        total: figures.total,
        groups,
        partners: figures.partners.into_iter().map(turnaround).collect(),
        reference_rates: reference_studies(),
    }
}

fn turnaround(t: Turnaround) -> PartnerTurnaround {
    PartnerTurnaround {
        partner_id: t.partner_id,
        name: t.name,
        referrals: t.referrals,
        median_days: t.median_days,
        p90_days: t.p90_days,
    }
}
