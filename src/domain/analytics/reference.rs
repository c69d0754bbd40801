//! Published reference rates from oncology second-opinion series (issue 21, point 4). Context
//! shown beside the organisation's own figures, never mixed into them: each study measured
//! its own thing (a treatment plan, a diagnosis, a stage) under its own definition of
//! agreement, so each comes with that definition, its population and its denominator.
//! The data is `data/analytics/reference_rates.toml`; every figure names the page it was read from.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a study's second opinion reviewed. Figures of different measures are not comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewMeasure {
    /// A second opinion on what should be done (the measure Concord's own figures use).
    TreatmentPlan,
    /// A pathologist's re-review of the diagnosis on outside material.
    Diagnosis,
    /// A radiologist's re-review of outside imaging for stage and extent.
    Staging,
}

/// One published series, with its figures as the study defines them.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceStudy {
    pub id: String,
    pub citation: String,
    pub doi: Option<String>,
    pub measure: ReviewMeasure,
    pub population: String,
    /// The denominator of the shares.
    pub n: i64,
    /// The study's own definition of agreement and of a major change, paraphrased.
    pub agreement_definition: String,
    /// Share (0..1) left unchanged, where the study gives or implies it.
    pub confirmed: Option<f64>,
    /// Share with a change the study calls minor.
    pub changed_minor: Option<f64>,
    /// Share with a change the study calls major (affecting care).
    pub changed_major: Option<f64>,
    /// Share with any change, where the study gives no minor/major split.
    pub changed_any: Option<f64>,
    /// The counts behind the shares, where the source gives them.
    #[serde(default)]
    pub counts: BTreeMap<String, i64>,
    /// Shares computed from the source's counts rather than stated by it.
    #[serde(default)]
    pub derived: Vec<String>,
    /// What does not map onto confirms / refines / contradicts.
    pub notes: String,
    /// The page the figures were read from.
    pub source_seen: String,
}

impl ReferenceStudy {
    /// The shares the study carries, by field name.
    pub fn shares(&self) -> [(&'static str, Option<f64>); 4] {
        [
            ("confirmed", self.confirmed),
            ("changed_minor", self.changed_minor),
            ("changed_major", self.changed_major),
            ("changed_any", self.changed_any),
        ]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferenceFile {
    study: Vec<ReferenceStudy>,
}

/// Every reference study, parsed once from the embedded file.
pub fn reference_studies() -> &'static [ReferenceStudy] {
    static STUDIES: OnceLock<Vec<ReferenceStudy>> = OnceLock::new();
    STUDIES.get_or_init(|| {
        let file: ReferenceFile =
            toml::from_str(include_str!("../../../data/analytics/reference_rates.toml"))
                .expect("data/analytics/reference_rates.toml is valid (a test parses it)");
        file.study
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_study_is_sourced_and_its_shares_add_up() {
        let studies = reference_studies();
        assert!(studies.len() >= 3);
        let mut ids = std::collections::BTreeSet::new();
        for s in studies {
            assert!(ids.insert(&s.id), "{} twice", s.id);
            assert!(s.n > 0, "{}: n", s.id);
            assert!(s.source_seen.starts_with("http"), "{}: source", s.id);
            assert!(!s.agreement_definition.is_empty(), "{}: definition", s.id);
            let given: Vec<_> = s.shares().into_iter().filter_map(|(_, v)| v).collect();
            assert!(!given.is_empty(), "{}: no figure", s.id);
            assert!(given.iter().all(|v| (0.0..=1.0).contains(v)), "{}", s.id);
            // Parts of one whole never add up to more than the whole.
            let parts: f64 = [s.confirmed, s.changed_minor, s.changed_major]
                .into_iter()
                .flatten()
                .sum();
            assert!(parts <= 1.0 + 0.002, "{}: {parts}", s.id);
            // A share with a count behind it is that count over n, to 3 places.
            for (name, share) in s.shares() {
                if let (Some(share), Some(count)) = (share, s.counts.get(name)) {
                    let exact = *count as f64 / s.n as f64;
                    assert!((share - exact).abs() < 0.0015, "{}: {name}", s.id);
                }
            }
            // A derived share names a field that is there.
            for d in &s.derived {
                let present = s.shares().iter().any(|(n, v)| *n == d && v.is_some());
                assert!(present, "{}: derived {d} missing", s.id);
            }
        }
    }
}
