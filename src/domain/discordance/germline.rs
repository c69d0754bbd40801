//! Ruleset 3, section 5: germline results, a dimension of their own, never paired with tumour
//! results.

use serde_json::json;

use super::diagnosis::Marker;
use super::review::ReviewCode;
use super::{Change, Dimension, Finding, ReviewReasons, Severity};
use crate::domain::vocabulary::ResultClass;

/// Genes whose new pathogenic result changes the patient's own care (olaparib, surgery,
/// surveillance).
const ACTIONABLE: [&str; 8] = [
    "BRCA1", "BRCA2", "PALB2", "MLH1", "MSH2", "MSH6", "PMS2", "EPCAM",
];

/// The actions germline findings add.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GermlineActions {
    pub counselling: bool,
    pub implications: bool,
}

pub(super) fn actions(findings: &[Finding]) -> GermlineActions {
    let germline = || {
        findings
            .iter()
            .filter(|f| f.dimension == Dimension::Germline)
    };
    GermlineActions {
        counselling: germline().any(|f| f.family_implications),
        implications: germline().any(|f| {
            f.opinion
                .as_ref()
                .and_then(|v| v.get("new_pathogenic"))
                .is_some_and(|v| v == true)
        }),
    }
}

fn uncertain(class: &ResultClass) -> bool {
    matches!(class, ResultClass::Other(t) if t == "uncertain significance")
}

pub(super) fn compare(
    current: &[Marker],
    opinion: &[Marker],
    review: &mut ReviewReasons,
) -> Vec<Finding> {
    let any_positive = current.iter().chain(opinion).any(Marker::is_positive);
    let mut findings = Vec::new();
    let mut ops: Vec<&Marker> = opinion.iter().collect();
    ops.sort_by(|a, b| (&a.gene, &a.variant).cmp(&(&b.gene, &b.variant)));
    for op in ops {
        let same_gene: Vec<&Marker> = current.iter().filter(|c| c.gene == op.gene).collect();
        let cur = same_gene
            .iter()
            .filter(|c| c.variant.is_none() || op.variant.is_none() || c.variant == op.variant)
            .min_by_key(|c| (c.variant != op.variant, c.class != op.class))
            .or_else(|| same_gene.first())
            .copied();
        let new_plp = op.is_positive()
            && ACTIONABLE.contains(&op.gene.as_str())
            && !current.iter().any(|c| c.gene == op.gene && c.is_positive());
        let (change, severity, mut explanation) = match cur {
            None => (
                Change::Added,
                Severity::Minor,
                format!(
                    "The second opinion reports an inherited (germline) result the current picture does not: {}",
                    op.words()
                ),
            ),
            Some(c) => {
                use ResultClass::{Negative, Positive};
                match (&c.class, &op.class) {
                    (Positive, Negative) | (Negative, Positive) => (
                        Change::Different,
                        Severity::Major,
                        format!(
                            "Inherited {}: the second opinion reports {} where the current picture says {}",
                            op.gene,
                            op.words(),
                            c.words()
                        ),
                    ),
                    (a, Positive) if uncertain(a) => (
                        Change::Different,
                        Severity::Major,
                        format!(
                            "Inherited {}: the second opinion reclassifies a variant of uncertain significance as {}",
                            op.gene,
                            op.words()
                        ),
                    ),
                    (Positive, Positive)
                        if c.variant.is_some()
                            && op.variant.is_some()
                            && c.variant != op.variant =>
                    {
                        review.add(
                            ReviewCode::GermlineVariantDiffers,
                            format!(
                                "Germline {} written {} and {}: check the nomenclature and both reports.",
                                op.gene,
                                c.source.variant.as_deref().unwrap_or_default(),
                                op.source.variant.as_deref().unwrap_or_default()
                            ),
                        );
                        (
                            Change::Different,
                            Severity::Minor,
                            format!(
                                "Inherited {}: both find a disease-causing variant, written {} and {} (labs write one variant in several notations)",
                                op.gene,
                                c.source.variant.as_deref().unwrap_or_default(),
                                op.source.variant.as_deref().unwrap_or_default()
                            ),
                        )
                    }
                    (a, b) if a == b => (
                        Change::Same,
                        Severity::None,
                        format!("Both report the inherited result {}", c.words()),
                    ),
                    _ => (
                        Change::Different,
                        Severity::Minor,
                        format!(
                            "Inherited {}: the second opinion reports {} where the current picture says {}",
                            op.gene,
                            op.words(),
                            c.words()
                        ),
                    ),
                }
            }
        };
        let family = change != Change::Same && any_positive;
        if family {
            explanation.push_str(
                "; blood relatives may carry the variant, and genetic counselling is advised",
            );
        }
        if new_plp {
            explanation.push_str(&format!(
                "; a new disease-causing {} result can change the patient's own care (e.g. adjuvant olaparib (OlympiA), breast conservation or risk-reducing mastectomy, risk-reducing salpingo-oophorectomy, colonoscopy surveillance in Lynch syndrome)",
                op.gene
            ));
        }
        explanation.push('.');
        let mut op_value = op.value();
        if new_plp {
            op_value["new_pathogenic"] = json!(true);
        }
        let mut finding = Finding::new(
            Dimension::Germline,
            change,
            severity,
            cur.map(Marker::value),
            Some(op_value),
            explanation,
        );
        finding.family_implications = family;
        findings.push(finding);
    }
    findings
}
