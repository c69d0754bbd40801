//! Review reasons: what a clinician should look at before the patient sees the result. Ruleset 3
//! gives each a stable code (`review_items`), beside the unchanged `review_reasons` texts.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Ruleset;

/// In the spec's order (`discordance.md`, "Review reasons"); the codes the spec's table does not
/// name (ruleset-2 reasons without a code there) follow it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReviewCode {
    StageNotComparable,
    UnrecognisedBiomarkerResult,
    Pdl1NotComparable,
    Pdl1AssayDiffers,
    GermlineVariantDiffers,
    UnknownDrug,
    DrugClassUnknown,
    ResidualAtcGroup,
    AmbiguousRegimen,
    TreatmentLengthNotComparable,
    PerformanceStatusVsIntensivePlan,
    PartialBreastCriteria,
    TrialBiomarkerUntested,
    TrialBiomarkerNotMet,
    /// Not in the spec's table: grades in different systems.
    GradeNotComparable,
    /// Not in the spec's table: histology given only as text.
    HistologyTextOnly,
    /// Not in the spec's table: a primary site without an ICD-O-3 topography.
    SiteUnmapped,
    /// Not in the spec's table: an unknown surgical procedure.
    UnknownProcedure,
    /// Not in the spec's table: an unknown cellular therapy product.
    UnknownCellularProduct,
    /// Not in the spec's table: a radiotherapy schedule without dose or sessions.
    RadiotherapyScheduleIncomplete,
    /// `fhir.md` 9.2: a side was read from FHIR and its import report lost something clinical.
    FhirImportIncomplete,
}

impl ReviewCode {
    pub fn code(self) -> &'static str {
        match self {
            ReviewCode::StageNotComparable => "stage_not_comparable",
            ReviewCode::UnrecognisedBiomarkerResult => "unrecognised_biomarker_result",
            ReviewCode::Pdl1NotComparable => "pdl1_not_comparable",
            ReviewCode::Pdl1AssayDiffers => "pdl1_assay_differs",
            ReviewCode::GermlineVariantDiffers => "germline_variant_differs",
            ReviewCode::UnknownDrug => "unknown_drug",
            ReviewCode::DrugClassUnknown => "drug_class_unknown",
            ReviewCode::ResidualAtcGroup => "residual_atc_group",
            ReviewCode::AmbiguousRegimen => "ambiguous_regimen",
            ReviewCode::TreatmentLengthNotComparable => "treatment_length_not_comparable",
            ReviewCode::PerformanceStatusVsIntensivePlan => "performance_status_vs_intensive_plan",
            ReviewCode::PartialBreastCriteria => "partial_breast_criteria",
            ReviewCode::TrialBiomarkerUntested => "trial_biomarker_untested",
            ReviewCode::TrialBiomarkerNotMet => "trial_biomarker_not_met",
            ReviewCode::GradeNotComparable => "grade_not_comparable",
            ReviewCode::HistologyTextOnly => "histology_text_only",
            ReviewCode::SiteUnmapped => "site_unmapped",
            ReviewCode::UnknownProcedure => "unknown_procedure",
            ReviewCode::UnknownCellularProduct => "unknown_cellular_product",
            ReviewCode::RadiotherapyScheduleIncomplete => "radiotherapy_schedule_incomplete",
            ReviewCode::FhirImportIncomplete => "fhir_import_incomplete",
        }
    }
}

/// One review reason: a stable code and a text naming every occurrence with the real values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReviewItem {
    pub code: ReviewCode,
    pub text: String,
}

/// Collected while classifying: sorted and de-duplicated, so the order of input items never shows.
#[derive(Debug, Default)]
pub(crate) struct ReviewReasons {
    texts: BTreeSet<String>,
    items: BTreeMap<ReviewCode, BTreeSet<String>>,
}

impl ReviewReasons {
    pub fn add(&mut self, code: ReviewCode, reason: impl Into<String>) {
        let reason = reason.into();
        self.texts.insert(reason.clone());
        self.items.entry(code).or_default().insert(reason);
    }

    /// The `review_reasons` texts (sorted, as in ruleset 2) and, in ruleset 3, the items in
    /// code order, each text joining its occurrences.
    pub fn finish(self, ruleset: Ruleset) -> (Vec<String>, Vec<ReviewItem>) {
        let items = match ruleset {
            Ruleset::Two => Vec::new(),
            Ruleset::Three => self
                .items
                .into_iter()
                .map(|(code, texts)| ReviewItem {
                    code,
                    text: texts.into_iter().collect::<Vec<_>>().join(" "),
                })
                .collect(),
        };
        (self.texts.into_iter().collect(), items)
    }
}
