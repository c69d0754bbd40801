//! A picture read from FHIR whose import report lost something clinical (`fhir.md` 9.2): every
//! assessment made from it carries the review reason `fhir_import_incomplete`, so the release
//! gate holds the result until a clinician has seen what the import could not carry over.

use crate::db::cases::PlanVersionRow;
use crate::db::opinions::OpinionRow;
use crate::domain::discordance::{Classification, ReviewCode, ReviewItem};
use crate::domain::fhir::Report;

/// The review reason's code (`discordance.md`, review reasons); its text is the report's.
pub const FHIR_IMPORT_INCOMPLETE: &str = "fhir_import_incomplete";

/// Adds the review reason text of each side's import report that lost something clinical.
pub(super) fn hold_lossy_imports(
    computed: &mut Classification,
    plan: &PlanVersionRow,
    opinion: &OpinionRow,
) {
    for (side, report) in [
        ("current plan", plan.fhir_report.as_ref()),
        ("second opinion", opinion.fhir_report.as_ref()),
    ] {
        let Some(reason) = report
            .and_then(|r| serde_json::from_value::<Report>(r.clone()).ok())
            .and_then(|r| r.review_reason())
        else {
            continue;
        };
        let text = format!("{FHIR_IMPORT_INCOMPLETE}: {side}: {reason}");
        if !computed.review_reasons.contains(&text) {
            computed.review_reasons.push(text);
            computed.review_items.push(ReviewItem {
                code: ReviewCode::FhirImportIncomplete,
                text: format!("{side}: {reason}"),
            });
        }
    }
}
