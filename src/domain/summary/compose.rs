//! The patient-facing parts 1 to 8 of `summary.md`: headline, findings and agreements, what
//! to say, what to expect, questions, next steps, timing and sharing tips.

use std::cmp::Reverse;

use super::SummaryRequest;
use super::phrases::Worded;
use super::templates::{Templates, fill};
use crate::domain::discordance::{Change, Dimension, Scenario, Severity};

mod conversation;

/// Parts 1 to 8, before the glossary explains the medical words they use.
#[derive(Debug, Clone, Default)]
pub(super) struct Parts {
    pub headline: String,
    pub source: Option<super::Source>,
    pub findings: Vec<String>,
    pub agreements: Vec<String>,
    pub what_to_say: String,
    pub what_to_expect: String,
    pub questions: Vec<String>,
    pub next_steps: Vec<String>,
    pub timing: Option<String>,
    pub sharing_tips: Vec<String>,
}

impl Parts {
    /// The text whose readability is measured: every part in reading order, one per line.
    pub fn patient_text(&self) -> String {
        let mut lines: Vec<&str> = vec![self.headline.as_str()];
        lines.extend(self.source.as_ref().map(|s| s.sentence.as_str()));
        lines.extend(self.findings.iter().map(String::as_str));
        lines.extend(self.agreements.iter().map(String::as_str));
        lines.push(&self.what_to_say);
        lines.push(&self.what_to_expect);
        lines.extend(self.questions.iter().map(String::as_str));
        lines.extend(self.next_steps.iter().map(String::as_str));
        lines.extend(self.timing.as_deref());
        lines.extend(self.sharing_tips.iter().map(String::as_str));
        lines.join("\n")
    }
}

/// The assessment in words, with the finding that decides the primary scenario.
struct Case<'a> {
    req: &'a SummaryRequest<'a>,
    t: &'a Templates,
    worded: Vec<Worded>,
    /// Index into `worded` of the finding the primary scenario is about.
    key: Option<usize>,
    /// Placeholders every part may use.
    vars: Vec<(&'static str, String)>,
}

pub(super) fn compose(req: &SummaryRequest, t: &Templates) -> Parts {
    let case = Case::new(req, t);
    Parts {
        headline: case.headline(),
        source: source(req.source.as_ref(), t),
        findings: case.findings(),
        agreements: case.agreements(),
        what_to_say: case.what_to_say(),
        what_to_expect: case.what_to_expect(),
        questions: case.questions(),
        next_steps: case.next_steps(),
        timing: case.timing(),
        sharing_tips: t.list("sharing_tips.items"),
    }
}

/// Who gave the opinion, in a sentence: the specialty only when the name tables have plain
/// words for it, the institution as sent. `None` when neither is known.
fn source(source: Option<&super::OpinionSource>, t: &Templates) -> Option<super::Source> {
    let given = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let source = source?;
    let (institution, specialty) = (given(&source.institution), given(&source.specialty));
    let plain = specialty
        .as_deref()
        .and_then(|s| super::names::names().specialty(s, t.code));
    let sentence = match (plain, &institution) {
        (Some(plain), Some(institution)) => t.fill(
            "source.specialty_at",
            &[("specialty", plain), ("institution", institution)],
        ),
        (None, Some(institution)) => t.fill("source.doctors_at", &[("institution", institution)]),
        (Some(plain), None) => t.fill("source.specialty", &[("specialty", plain)]),
        (None, None) => return None,
    };
    Some(super::Source {
        sentence,
        institution,
        specialty,
    })
}

/// Placeholders that name a finding of the primary scenario, with a generic default.
const FALLBACKS: [&str; 10] = [
    "alternative",
    "current_plan",
    "difference",
    "trials",
    "trial_ids",
    "trial_places",
    "tests",
    "place",
    "gene",
    "treatment",
];

const TREATMENT_DIMENSIONS: [Dimension; 8] = [
    Dimension::Intent,
    Dimension::Sequence,
    Dimension::ModalitySwap,
    Dimension::SystemicTherapy,
    Dimension::Radiotherapy,
    Dimension::Surgery,
    Dimension::Transplant,
    Dimension::CellularTherapy,
];

impl<'a> Case<'a> {
    fn new(req: &'a SummaryRequest<'a>, t: &'a Templates) -> Case<'a> {
        let worded: Vec<Worded> = req
            .classification
            .findings
            .iter()
            .map(|f| Worded::of(f, t))
            .collect();
        let key = key_finding(req.classification.primary_scenario, &worded);
        let mut case = Case {
            req,
            t,
            worded,
            key,
            vars: Vec::new(),
        };
        case.vars = case.shared_vars();
        case
    }

    fn scenario(&self) -> Scenario {
        self.req.classification.primary_scenario
    }

    fn key(&self) -> Option<&Worded> {
        self.key.map(|i| &self.worded[i])
    }

    fn differing(&self) -> impl Iterator<Item = &Worded> {
        self.worded.iter().filter(|w| w.differs())
    }

    /// The first differing finding of a dimension, major first.
    fn first_differing(&self, dimension: Dimension) -> Option<&Worded> {
        self.differing()
            .filter(|w| w.dimension == dimension)
            .min_by_key(|w| Reverse(w.severity))
    }

    fn shared_vars(&self) -> Vec<(&'static str, String)> {
        let t = self.t;
        let mut vars: Vec<(&'static str, String)> = Vec::new();
        let oncologist = self
            .req
            .oncologist_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| t.text("words.your_oncologist"));
        vars.push(("oncologist", oncologist));
        if let Some(trials) = self.first_differing(Dimension::ClinicalTrials) {
            vars.push(("trials", trials.opinion.clone()));
            for name in ["trial_ids", "trial_places"] {
                vars.push((name, trials.extra(name).unwrap_or_default().to_string()));
            }
        }
        if let Some(tests) = self.first_differing(Dimension::Workup) {
            vars.push(("tests", tests.opinion.clone()));
        }
        if let Some(place) = self.first_differing(Dimension::Location) {
            vars.push(("place", place.opinion.clone()));
        }
        if let Some(marker) = self.first_differing(Dimension::Biomarkers) {
            vars.push(("gene", marker.extra("gene").unwrap_or_default().to_string()));
        }
        if let Some(key) = self.key() {
            let (alternative, current_plan) = key.contrast(t);
            vars.push(("alternative", alternative));
            vars.push(("current_plan", current_plan));
            vars.push(("difference", key.difference(t)));
        }
        if let Some(treatment) = self.treatment_abroad() {
            vars.push(("treatment", treatment));
        }
        vars.push(("parts", self.reviewed_parts()));
        // Defaults for an effective result whose primary scenario a clinician overrode: the
        // finding a text would name may be missing, and no placeholder may reach the patient.
        for name in FALLBACKS {
            vars.push((name, t.text(&format!("fallback.{name}"))));
        }
        vars
    }

    /// The opinion's treatment, for a plan delivered abroad: a differing one first.
    fn treatment_abroad(&self) -> Option<String> {
        let treatments = [
            Dimension::ModalitySwap,
            Dimension::CellularTherapy,
            Dimension::Transplant,
            Dimension::Surgery,
            Dimension::Radiotherapy,
            Dimension::SystemicTherapy,
        ];
        let candidates = || {
            self.worded
                .iter()
                .filter(|w| treatments.contains(&w.dimension) && !w.opinion.is_empty())
        };
        let chosen = candidates()
            .find(|w| w.differs())
            .or_else(|| candidates().next())?;
        Some(chosen.noun(&chosen.opinion, self.t))
    }

    /// "the type of cancer, where the cancer started and the grade": what the opinion agreed with.
    fn reviewed_parts(&self) -> String {
        let mut topics: Vec<String> = Vec::new();
        for w in &self.worded {
            let topic = self.t.text(&format!("topic.{}", w.dimension.code()));
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        self.t.join(&topics)
    }

    /// Shared placeholders, then the given finding's own (which win).
    fn vars_with<'v>(&'v self, worded: Option<&'v Worded>) -> Vec<(&'v str, &'v str)> {
        let mut vars: Vec<(&str, &str)> = worded.map(Worded::vars).unwrap_or_default();
        vars.extend(self.vars.iter().map(|(k, v)| (*k, v.as_str())));
        vars
    }

    fn fill(&self, pattern: &str, worded: Option<&Worded>) -> String {
        fill(pattern, &self.vars_with(worded))
    }

    /// `{part}.{scenario}_{dimension}_{change}` and `{part}.{scenario}_{dimension}`: a scenario
    /// that covers several dimensions names the one it is about ("how much you can do day to
    /// day", not "a different diagnosis").
    fn dimension_keys(&self, part: &str) -> Vec<String> {
        let scenario = self.scenario().code();
        self.key()
            .map(|w| {
                let dim = w.dimension.code();
                vec![
                    format!("{part}.{scenario}_{dim}_{}", change_code(w.change)),
                    format!("{part}.{scenario}_{dim}"),
                ]
            })
            .unwrap_or_default()
    }

    fn what_to_expect(&self) -> String {
        let mut keys = self.dimension_keys("what_to_expect");
        keys.push(format!("what_to_expect.{}", self.scenario().code()));
        self.fill(&self.t.first(&keys), self.key())
    }

    fn headline(&self) -> String {
        let scenario = self.scenario().code();
        let key = self.key();
        let mut keys = Vec::new();
        if let (Scenario::DifferentTreatment, Some(w)) = (self.scenario(), key) {
            let dim = w.dimension.code();
            if let Some(variant) = w.variant {
                keys.push(format!("headline.treatment.{dim}_{variant}"));
            }
            keys.push(format!(
                "headline.treatment.{dim}_{}",
                change_code(w.change)
            ));
            keys.push(format!("headline.treatment.{dim}"));
        }
        if let Some(variant) = key.and_then(|w| w.variant) {
            keys.push(format!("headline.{scenario}_{variant}"));
        }
        keys.extend(self.dimension_keys("headline"));
        keys.push(format!("headline.{scenario}"));
        let headline = self.fill(&self.t.first(&keys), key);
        match self.patient_name() {
            Some(name) => self.t.fill(
                "words.named_headline",
                &[("name", name), ("headline", &lower_first(&headline))],
            ),
            None => headline,
        }
    }

    fn patient_name(&self) -> Option<&str> {
        self.req
            .patient_first_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }

    fn findings(&self) -> Vec<String> {
        if self.differing().next().is_none() {
            return vec![self.t.text("finding.none")];
        }
        self.differing()
            .map(|w| {
                let base = format!("finding.{}.{}", w.dimension.code(), change_code(w.change));
                let mut keys = Vec::new();
                if let Some(variant) = w.variant {
                    keys.push(format!("{base}_{variant}"));
                }
                keys.push(base);
                self.fill(&self.t.first(&keys), Some(w))
            })
            .collect()
    }

    /// One sentence per topic both opinions state the same way.
    fn agreements(&self) -> Vec<String> {
        let same: Vec<&Worded> = self.worded.iter().filter(|w| !w.differs()).collect();
        let mut sentences = Vec::new();
        let mut done: Vec<Dimension> = Vec::new();
        for w in &same {
            if done.contains(&w.dimension) {
                continue;
            }
            done.push(w.dimension);
            let group: Vec<&Worded> = same
                .iter()
                .copied()
                .filter(|o| o.dimension == w.dimension)
                .collect();
            sentences.push(self.agreement(w, &group));
        }
        sentences
    }

    fn agreement(&self, w: &Worded, group: &[&Worded]) -> String {
        let dim = w.dimension.code();
        let side = |w: &Worded| {
            if w.current.is_empty() {
                w.opinion.clone()
            } else {
                w.current.clone()
            }
        };
        let value = self
            .t
            .join(&group.iter().map(|w| side(w)).collect::<Vec<_>>());
        let variant = match w.dimension {
            Dimension::Histology if w.extra("code_only").is_some() => Some("code_only".into()),
            Dimension::Intent => self
                .req
                .classification
                .findings
                .iter()
                .find(|f| f.dimension == Dimension::Intent)
                .and_then(|f| f.current.as_ref()?.get("intent")?.as_str())
                .map(str::to_string),
            Dimension::Radiotherapy if w.current != w.opinion => Some("close".into()),
            _ => None,
        };
        let mut keys = Vec::new();
        if let Some(variant) = variant {
            keys.push(format!("agreement.{dim}_{variant}"));
        }
        keys.push(format!("agreement.{dim}"));
        let mut vars = w.vars();
        vars.push(("value", &value));
        fill(&self.t.first(&keys), &vars)
    }
}

/// The finding the primary scenario is about (none when nothing differs). When a clinician
/// overrode the scenario and none of its findings exists, the most severe difference.
fn key_finding(scenario: Scenario, worded: &[Worded]) -> Option<usize> {
    scenario_finding(scenario, worded).or_else(|| {
        worded
            .iter()
            .enumerate()
            .filter(|(_, w)| w.differs())
            .min_by_key(|(i, w)| (Reverse(w.severity), *i))
            .map(|(i, _)| i)
    })
}

fn scenario_finding(scenario: Scenario, worded: &[Worded]) -> Option<usize> {
    let pick = |keep: &dyn Fn(&Worded) -> bool| {
        worded
            .iter()
            .enumerate()
            .filter(|(_, w)| w.differs() && keep(w))
            .min_by_key(|(i, w)| (Reverse(w.severity), *i))
            .map(|(i, _)| i)
    };
    match scenario {
        Scenario::DiagnosisDiscordance => {
            pick(&|w| w.dimension.is_diagnosis() && w.severity == Severity::Major)
        }
        Scenario::ObservationVsTreatment => pick(&|w| w.dimension == Dimension::Observation),
        Scenario::GoalsOfCare => pick(&|w| w.dimension == Dimension::SupportiveCare),
        Scenario::ClinicalTrialNotOffered => pick(&|w| w.dimension == Dimension::ClinicalTrials),
        Scenario::DifferentTreatment => pick(&|w| TREATMENT_DIMENSIONS.contains(&w.dimension)),
        Scenario::AdditionalTestsRecommended => pick(&|w| w.dimension == Dimension::Workup),
        Scenario::TreatmentAbroad => pick(&|w| w.dimension == Dimension::Location),
        Scenario::DiagnosisRefined => {
            pick(&|w| w.dimension.is_diagnosis() && w.severity == Severity::Minor)
        }
        Scenario::ConfirmsPlan | Scenario::ConfirmsReviewedParts => None,
    }
}

pub(super) fn change_code(change: Change) -> &'static str {
    match change {
        Change::Same => "same",
        Change::Refined => "refined",
        Change::EquivalentAlternative => "equivalent_alternative",
        Change::Different => "different",
        Change::Added => "added",
        Change::Removed => "removed",
    }
}

pub(super) fn severity_code(severity: Severity) -> &'static str {
    match severity {
        Severity::None => "none",
        Severity::Minor => "minor",
        Severity::Major => "major",
    }
}

/// "The second opinion ..." -> "the second opinion ...", after the patient's name.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
