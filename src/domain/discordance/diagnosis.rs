//! Diagnosis dimensions: histology, primary site (with laterality), grade, stage, biomarkers.

use serde_json::{Value, json};

use super::phrases::{behaviour, list};
use super::review::ReviewCode;
use super::{Cancer, Change, Dimension, Finding, PlanVerdict, ReviewReasons, Scope, Severity};
use crate::domain::codes::{Morphology, Site, StageGroup, m_category, parse_site, tnm_core};
use crate::domain::picture::{Biomarker, BiomarkerOrigin, Diagnosis, Laterality, Stage};
use crate::domain::vocabulary::{ResultClass, Vocabulary, fold};

pub(super) fn compare(
    current: Option<&Diagnosis>,
    opinion: Option<&Diagnosis>,
    scope: &Scope,
    verdict: &PlanVerdict,
    cancer: &Cancer,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Vec<Finding> {
    let Some(opinion) = opinion else {
        return Vec::new();
    };
    let empty = Diagnosis::default();
    let current = current.unwrap_or(&empty);
    let mut findings = Vec::new();
    if scope.diagnosis {
        findings.extend(histology(current, opinion, vocab, review));
        findings.extend(primary_site(current, opinion, vocab, review));
        findings.extend(grade(current, opinion, verdict, review));
    }
    if scope.staging {
        findings.extend(stage(
            current.stage.as_ref(),
            opinion.stage.as_ref(),
            verdict,
            review,
        ));
    }
    if scope.biomarkers && cancer.is_r3() {
        let split = |d: &Diagnosis, germline: bool| -> Vec<Biomarker> {
            d.biomarkers
                .iter()
                .flatten()
                .filter(|b| (b.origin == Some(BiomarkerOrigin::Germline)) == germline)
                .cloned()
                .collect()
        };
        let (cur_tumour, op_tumour) = (split(current, false), split(opinion, false));
        findings.extend(biomarkers(
            &cur_tumour,
            &op_tumour,
            cancer,
            verdict,
            vocab,
            review,
        ));
        let (cur_germ, op_germ) = (split(current, true), split(opinion, true));
        if !op_germ.is_empty() {
            let cur: Vec<Marker> = cur_germ
                .iter()
                .map(|b| resolve(b, cancer, vocab, review))
                .collect();
            let op: Vec<Marker> = op_germ
                .iter()
                .map(|b| resolve(b, cancer, vocab, review))
                .collect();
            findings.extend(super::germline::compare(&cur, &op, review));
        }
    } else if scope.biomarkers {
        findings.extend(biomarkers(
            current.biomarkers.as_deref().unwrap_or_default(),
            opinion.biomarkers.as_deref().unwrap_or_default(),
            cancer,
            verdict,
            vocab,
            review,
        ));
    }
    findings
}

fn histology_value(code: Option<&str>, text: Option<&str>) -> Value {
    let mut value = json!({});
    if let Some(code) = code {
        value["code"] = json!(code);
    }
    if let Some(text) = text {
        value["text"] = json!(text);
    }
    value
}

/// "8500/3 (invasive ductal carcinoma)" or "8500/3".
fn histology_words(morphology: Morphology, text: Option<&str>) -> String {
    match text {
        Some(text) => format!("{morphology} ({text})"),
        None => morphology.to_string(),
    }
}

fn histology(
    current: &Diagnosis,
    opinion: &Diagnosis,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Option<Finding> {
    let current_value = histology_value(
        current.histology.as_deref(),
        current.histology_text.as_deref(),
    );
    let opinion_value = histology_value(
        opinion.histology.as_deref(),
        opinion.histology_text.as_deref(),
    );
    let parse = |d: &Diagnosis| {
        d.histology
            .as_deref()
            .and_then(|h| Morphology::parse(h).ok())
    };
    match (parse(current), parse(opinion)) {
        (Some(cur), Some(op)) => {
            let cur_words = histology_words(cur, current.histology_text.as_deref());
            let op_words = histology_words(op, opinion.histology_text.as_deref());
            let behaviour_flip = matches!((cur.behaviour, op.behaviour), (2, 3) | (3, 2));
            let (change, severity, explanation) = if cur == op {
                (
                    Change::Same,
                    Severity::None,
                    format!("Both read the histology as {cur_words}."),
                )
            } else if behaviour_flip {
                (
                    Change::Different,
                    Severity::Major,
                    format!(
                        "The second opinion reads the tumour as {} ({op_words}) where the current diagnosis says {} ({cur_words}).",
                        behaviour(op.behaviour),
                        behaviour(cur.behaviour)
                    ),
                )
            } else if cur.code == op.code {
                (
                    Change::Refined,
                    Severity::Minor,
                    format!(
                        "The second opinion codes the same histology with another behaviour: {op_words} instead of {cur_words}."
                    ),
                )
            } else if let Some(family) = vocab.nos_family(cur.code, op.code) {
                (
                    Change::Refined,
                    Severity::Minor,
                    format!(
                        "The second opinion refines the histology within the {} family: {op_words} instead of {cur_words}.",
                        family.name
                    ),
                )
            } else {
                (
                    Change::Different,
                    Severity::Major,
                    format!(
                        "The second opinion reads the histology as {op_words} instead of {cur_words}: a different diagnosis."
                    ),
                )
            };
            Some(Finding::new(
                Dimension::Histology,
                change,
                severity,
                Some(current_value),
                Some(opinion_value),
                explanation,
            ))
        }
        (None, Some(op)) => {
            let op_words = histology_words(op, opinion.histology_text.as_deref());
            Some(Finding::new(
                Dimension::Histology,
                Change::Added,
                Severity::Minor,
                None,
                Some(opinion_value),
                format!(
                    "The second opinion gives the histology as {op_words}, which the current diagnosis does not code."
                ),
            ))
        }
        (_, None) => {
            // Text only on the opinion side: comparable only as text, and only when it differs.
            let (Some(cur_text), Some(op_text)) = (
                current.histology_text.as_deref(),
                opinion.histology_text.as_deref(),
            ) else {
                return None;
            };
            if opinion.histology.is_some() || fold(cur_text) == fold(op_text) {
                return None;
            }
            review.add(ReviewCode::HistologyTextOnly, format!(
                "Histology given only as text ('{cur_text}' and '{op_text}'): ICD-O-3 codes are needed to judge how far the diagnoses differ."
            ));
            Some(Finding::new(
                Dimension::Histology,
                Change::Different,
                Severity::Minor,
                Some(current_value),
                Some(opinion_value),
                format!(
                    "The second opinion describes the histology as '{op_text}' where the current diagnosis says '{cur_text}'."
                ),
            ))
        }
    }
}

fn laterality_word(laterality: Laterality) -> &'static str {
    match laterality {
        Laterality::Left => "left",
        Laterality::Right => "right",
        Laterality::Bilateral => "bilateral",
    }
}

fn site_value(code: Option<&str>, laterality: Option<Laterality>) -> Value {
    let mut value = json!({});
    if let Some(code) = code {
        value["code"] = json!(code);
    }
    if let Some(laterality) = laterality {
        value["laterality"] = json!(laterality_word(laterality));
    }
    value
}

fn primary_site(
    current: &Diagnosis,
    opinion: &Diagnosis,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Option<Finding> {
    let parse = |code: &str| parse_site(code, &|c| vocab.icd10_topography(c));
    let current_value = site_value(current.primary_site.as_deref(), current.laterality);
    let opinion_value = site_value(opinion.primary_site.as_deref(), opinion.laterality);

    // (change, severity, what differs) for the site code alone.
    let site = match (
        current.primary_site.as_deref(),
        opinion.primary_site.as_deref(),
    ) {
        (Some(cur), Some(op)) => Some(match (parse(cur), parse(op)) {
            (
                Site::Topography {
                    category: cc,
                    subsite: cs,
                },
                Site::Topography {
                    category: oc,
                    subsite: os,
                },
            ) => {
                if cc != oc {
                    (
                        Change::Different,
                        Severity::Major,
                        format!(
                            "places the primary tumour in {op} instead of {cur}, a different organ"
                        ),
                    )
                } else {
                    let specific = |s: Option<u8>| s.filter(|&d| d != 9);
                    match (specific(cs), specific(os)) {
                        (Some(a), Some(b)) if a != b => (
                            Change::Different,
                            Severity::Minor,
                            format!(
                                "places the primary tumour in another part of the same organ ({op} instead of {cur})"
                            ),
                        ),
                        _ => (
                            Change::Same,
                            Severity::None,
                            format!(
                                "places the primary tumour in {op}, as does the current diagnosis ({cur})"
                            ),
                        ),
                    }
                }
            }
            (a, b) => {
                for unmapped in [&a, &b] {
                    if let Site::Unmapped(code) = unmapped {
                        review.add(ReviewCode::SiteUnmapped, format!(
                            "Primary site {code} has no ICD-O-3 topography equivalent: compared as written."
                        ));
                    }
                }
                if a.code() == b.code() {
                    (
                        Change::Same,
                        Severity::None,
                        format!("gives the primary site as {op}, as does the current diagnosis"),
                    )
                } else {
                    (
                        Change::Different,
                        Severity::Minor,
                        format!("gives the primary site as {op} instead of {cur}"),
                    )
                }
            }
        }),
        (None, Some(op)) => Some((
            Change::Added,
            Severity::Minor,
            format!("gives the primary site as {op}, which the current diagnosis does not state"),
        )),
        _ => None,
    };
    let laterality = match (current.laterality, opinion.laterality) {
        (Some(cur), Some(op)) if cur != op => Some(format!(
            "finds the tumour on the {} side, not the {} side",
            laterality_word(op),
            laterality_word(cur)
        )),
        _ => None,
    };

    let (change, severity, mut clauses) = match (site, &laterality) {
        (None, None) => {
            return match (current.laterality, opinion.laterality) {
                (Some(cur), Some(_)) => Some(Finding::new(
                    Dimension::PrimarySite,
                    Change::Same,
                    Severity::None,
                    Some(current_value),
                    Some(opinion_value),
                    format!(
                        "Both place the tumour on the {} side.",
                        laterality_word(cur)
                    ),
                )),
                _ => None,
            };
        }
        (Some((change, severity, clause)), None) => (change, severity, vec![clause]),
        (site, Some(lat)) => {
            let mut clauses = Vec::new();
            if let Some((Change::Different, _, clause)) = &site {
                clauses.push(clause.clone());
            }
            clauses.push(lat.clone());
            (Change::Different, Severity::Major, clauses)
        }
    };
    if change == Change::Same {
        return Some(Finding::new(
            Dimension::PrimarySite,
            change,
            severity,
            Some(current_value),
            Some(opinion_value),
            format!("The second opinion {}.", clauses.remove(0)),
        ));
    }
    let current_value = (change != Change::Added).then_some(current_value);
    Some(Finding::new(
        Dimension::PrimarySite,
        change,
        severity,
        current_value,
        Some(opinion_value),
        format!("The second opinion {}.", list(&clauses)),
    ))
}

fn grade(
    current: &Diagnosis,
    opinion: &Diagnosis,
    verdict: &PlanVerdict,
    review: &mut ReviewReasons,
) -> Option<Finding> {
    let op = opinion.grade?;
    let value = |d: &Diagnosis| {
        let mut v = json!({ "grade": d.grade });
        if let Some(system) = &d.grade_system {
            v["system"] = json!(system);
        }
        v
    };
    let system_words = |d: &Diagnosis| {
        d.grade_system
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default()
    };
    let Some(cur) = current.grade else {
        return Some(Finding::new(
            Dimension::Grade,
            Change::Added,
            Severity::Minor,
            None,
            Some(value(opinion)),
            format!(
                "The second opinion grades the tumour {op}{}; the current diagnosis gives no grade.",
                system_words(opinion)
            ),
        ));
    };
    if let (Some(a), Some(b)) = (&current.grade_system, &opinion.grade_system)
        && fold(a) != fold(b)
    {
        review.add(
            ReviewCode::GradeNotComparable,
            format!("Grades in different systems ({a} and {b}) are not comparable."),
        );
        return None;
    }
    if cur == op {
        return Some(Finding::new(
            Dimension::Grade,
            Change::Same,
            Severity::None,
            Some(value(current)),
            Some(value(opinion)),
            format!("Both give grade {cur}{}.", system_words(current)),
        ));
    }
    let severity = if verdict.plans_differ || verdict.opinion_gives_no_plan {
        Severity::Major
    } else {
        Severity::Minor
    };
    Some(Finding::new(
        Dimension::Grade,
        Change::Different,
        severity,
        Some(value(current)),
        Some(value(opinion)),
        format!(
            "The second opinion grades the tumour {op} instead of {cur}{}.",
            if opinion.grade_system.is_some() {
                system_words(opinion)
            } else {
                system_words(current)
            }
        ),
    ))
}

fn stage_value(stage: &Stage) -> Value {
    serde_json::to_value(stage).unwrap_or(Value::Null)
}

/// "IIIB (T3 N1 M0)", "T1a N0 M0", "III".
fn stage_words(stage: &Stage) -> String {
    let tnm: Vec<&str> = [&stage.t, &stage.n, &stage.m]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    match (&stage.group, tnm.is_empty()) {
        (Some(group), true) => format!("stage {group}"),
        (Some(group), false) => format!("stage {group} ({})", tnm.join(" ")),
        (None, false) => tnm.join(" "),
        (None, true) => "an unstated stage".into(),
    }
}

fn stage(
    current: Option<&Stage>,
    opinion: Option<&Stage>,
    verdict: &PlanVerdict,
    review: &mut ReviewReasons,
) -> Option<Finding> {
    let opinion = opinion?;
    let Some(current) = current else {
        return Some(Finding::new(
            Dimension::Stage,
            Change::Added,
            Severity::Minor,
            None,
            Some(stage_value(opinion)),
            format!(
                "The second opinion stages the cancer as {}; the current diagnosis gives no stage.",
                stage_words(opinion)
            ),
        ));
    };
    let same_system = match (&current.system, &opinion.system) {
        (Some(a), Some(b)) => fold(a) == fold(b),
        _ => false,
    };
    let prefixes_agree = match (&current.prefix, &opinion.prefix) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => true,
    };
    if !same_system || !prefixes_agree {
        let describe = |s: &Stage| {
            format!(
                "{}{}",
                s.prefix.as_deref().unwrap_or(""),
                s.system.as_deref().unwrap_or("no system")
            )
        };
        review.add(ReviewCode::StageNotComparable, format!(
            "Stages not comparable: {} and {} (stages compare only within one system and prefix).",
            describe(current),
            describe(opinion)
        ));
        return None;
    }

    let mut severity = Severity::None;
    let mut raise = |s: Severity| severity = severity.max(s);
    let plans_differ_or_no_plan = verdict.plans_differ || verdict.opinion_gives_no_plan;

    let m_flip = match (
        current.m.as_deref().and_then(m_category),
        opinion.m.as_deref().and_then(m_category),
    ) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    };
    if m_flip {
        raise(Severity::Major);
    } else if let (Some(a), Some(b)) = (&current.m, &opinion.m)
        && tnm_core(a) != tnm_core(b)
    {
        raise(Severity::Minor);
    }
    if let (Some(a), Some(b)) = (&current.group, &opinion.group) {
        match (StageGroup::parse(a), StageGroup::parse(b)) {
            (Some(a), Some(b)) if a.numeral != b.numeral => raise(if plans_differ_or_no_plan {
                Severity::Major
            } else {
                Severity::Minor
            }),
            (Some(a), Some(b)) if a.suffix != b.suffix => raise(if verdict.plans_differ {
                Severity::Major
            } else {
                Severity::Minor
            }),
            (Some(_), Some(_)) => {}
            _ if fold(a) != fold(b) => raise(Severity::Minor),
            _ => {}
        }
    }
    for (a, b) in [(&current.t, &opinion.t), (&current.n, &opinion.n)] {
        if let (Some(a), Some(b)) = (a, b)
            && tnm_core(a) != tnm_core(b)
        {
            raise(if verdict.plans_differ {
                Severity::Major
            } else {
                Severity::Minor
            });
        }
    }

    let (change, explanation) = if severity == Severity::None {
        (
            Change::Same,
            format!("Both stage the cancer as {}.", stage_words(current)),
        )
    } else {
        let spread = if m_flip {
            if opinion.m.as_deref().and_then(m_category) == Some(true) {
                ": it finds spread to distant parts of the body"
            } else {
                ": it finds no spread to distant parts of the body"
            }
        } else {
            ""
        };
        (
            Change::Different,
            format!(
                "The second opinion stages the cancer as {} instead of {}{spread}.",
                stage_words(opinion),
                stage_words(current)
            ),
        )
    };
    Some(Finding::new(
        Dimension::Stage,
        change,
        severity,
        Some(stage_value(current)),
        Some(stage_value(opinion)),
        explanation,
    ))
}

/// A biomarker with its gene key and result class resolved.
pub(super) struct Marker<'a> {
    pub gene: String,
    pub variant: Option<String>,
    pub class: ResultClass,
    pub source: &'a Biomarker,
}

impl Marker<'_> {
    pub fn value(&self) -> Value {
        let mut v = json!({ "gene": self.gene, "name": self.source.name, "result": if self.source.result.is_empty() { self.result_words() } else { self.source.result.clone() } });
        if let Some(score) = &self.source.score {
            v["score"] = json!(score);
        }
        if self.source.origin == Some(BiomarkerOrigin::Germline) {
            v["origin"] = json!("germline");
        }
        if let Some(variant) = &self.source.variant {
            v["variant"] = json!(variant);
        }
        if let Some(value) = &self.source.value {
            v["value"] = json!(value);
        }
        v
    }

    /// The result as written, or derived from a PD-L1 score (ruleset 3).
    pub fn result_words(&self) -> String {
        if !self.source.result.trim().is_empty() {
            return self.source.result.trim().to_string();
        }
        match (&self.source.score, &self.class) {
            (Some(score), ResultClass::Positive) => format!(
                "positive ({} {})",
                score.system.code(),
                super::phrases::number(score.value)
            ),
            (Some(score), _) => format!(
                "negative ({} {})",
                score.system.code(),
                super::phrases::number(score.value)
            ),
            _ => String::new(),
        }
    }

    /// "KRAS G12C detected", "HER2 low (IHC 1+)".
    pub fn words(&self) -> String {
        let mut words = self.gene.clone();
        if let Some(variant) = &self.source.variant {
            words.push(' ');
            words.push_str(variant);
        }
        words.push(' ');
        words.push_str(&self.result_words());
        if let Some(value) = &self.source.value {
            words.push_str(&format!(" ({value})"));
        }
        words
    }

    pub fn is_positive(&self) -> bool {
        self.class == ResultClass::Positive
    }
}

pub(super) fn resolve<'a>(
    marker: &'a Biomarker,
    cancer: &Cancer,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Marker<'a> {
    let variant = marker
        .variant
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let gene = vocab
        .gene(&marker.name, variant.is_some())
        .map(str::to_string)
        .unwrap_or_else(|| marker.name.trim().to_uppercase());
    let class = if !cancer.is_r3() {
        vocab.classify_result(&marker.result)
    } else if marker.result.trim().is_empty() && marker.score.is_some() {
        // A scored PD-L1 entry without a result: positive at >= 1 in every system.
        match &marker.score {
            Some(score) if score.value >= 1.0 => ResultClass::Positive,
            _ => ResultClass::Negative,
        }
    } else {
        crate::domain::vocabulary_r3::acmg_class(&marker.result)
            .unwrap_or_else(|| vocab.classify_result(&marker.result))
    };
    if let ResultClass::Unrecognised(text) = &class {
        review.add(
            ReviewCode::UnrecognisedBiomarkerResult,
            format!("Unrecognised biomarker result '{text}' for {gene}: compared as written."),
        );
    }
    Marker {
        gene,
        variant: variant.map(fold),
        class,
        source: marker,
    }
}

fn biomarkers(
    current: &[Biomarker],
    opinion: &[Biomarker],
    cancer: &Cancer,
    verdict: &PlanVerdict,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Vec<Finding> {
    let current: Vec<Marker> = current
        .iter()
        .map(|b| resolve(b, cancer, vocab, review))
        .collect();
    let mut opinion: Vec<Marker> = opinion
        .iter()
        .map(|b| resolve(b, cancer, vocab, review))
        .collect();
    // Findings must not depend on the order biomarkers are listed in.
    opinion.sort_by(|a, b| {
        (&a.gene, &a.variant, fold(&a.source.result)).cmp(&(
            &b.gene,
            &b.variant,
            fold(&b.source.result),
        ))
    });
    let mut findings = Vec::new();
    for op in &opinion {
        let mut unscored_only = false;
        if cancer.is_r3() && op.gene == "PD-L1" {
            match super::pdl1::compare(&current, op, cancer, verdict, review) {
                super::pdl1::Pairing::Found(finding) => {
                    findings.push(*finding);
                    continue;
                }
                super::pdl1::Pairing::NotCompared => continue,
                super::pdl1::Pairing::ByResult {
                    unscored_only: only,
                } => unscored_only = only,
            }
        }
        let same_gene: Vec<&Marker> = current
            .iter()
            .filter(|c| c.gene == op.gene && !(unscored_only && c.source.score.is_some()))
            .collect();
        let matching = same_gene
            .iter()
            .filter(|c| c.variant.is_none() || op.variant.is_none() || c.variant == op.variant)
            .min_by_key(|c| (c.variant != op.variant, c.class != op.class));
        if let Some(cur) = matching {
            let mut finding = compare_marker(cur, op);
            if cancer.is_r3() && op.gene == "PD-L1" {
                super::pdl1::name_bands(&mut finding, &[cur, op], cancer);
            }
            findings.push(finding);
            continue;
        }
        // Same gene, both detected, different variants: e.g. KRAS G12C against G12D.
        if op.is_positive()
            && let Some(cur) = same_gene.iter().find(|c| c.is_positive())
        {
            findings.push(Finding::new(
                Dimension::Biomarkers,
                Change::Different,
                Severity::Major,
                Some(cur.value()),
                Some(op.value()),
                format!(
                    "{}: the second opinion finds the variant {} where the current diagnosis says {}.",
                    op.gene,
                    op.source.variant.as_deref().unwrap_or("?"),
                    cur.source.variant.as_deref().unwrap_or("?")
                ),
            ));
            continue;
        }
        findings.push(Finding::new(
            Dimension::Biomarkers,
            Change::Added,
            Severity::Minor,
            None,
            Some(op.value()),
            format!(
                "The second opinion reports a biomarker result the current diagnosis does not: {}.",
                op.words()
            ),
        ));
    }
    findings
}

pub(super) fn compare_marker(cur: &Marker, op: &Marker) -> Finding {
    use ResultClass::{Negative, Positive};
    let (change, severity, explanation) = match (&cur.class, &op.class) {
        (Positive, Negative) | (Negative, Positive) => (
            Change::Different,
            Severity::Major,
            format!(
                "{}: the second opinion finds it {} where the current diagnosis says {}.",
                op.gene,
                op.result_words(),
                cur.result_words()
            ),
        ),
        (a, b) if a == b => {
            let values_differ = match (&cur.source.value, &op.source.value) {
                (Some(x), Some(y)) => fold(x) != fold(y),
                _ => false,
            };
            if values_differ {
                (
                    Change::Refined,
                    Severity::Minor,
                    format!(
                        "{}: both find it {}, with another value ({} instead of {}).",
                        op.gene,
                        op.result_words(),
                        op.source.value.as_deref().unwrap_or_default(),
                        cur.source.value.as_deref().unwrap_or_default()
                    ),
                )
            } else {
                (
                    Change::Same,
                    Severity::None,
                    format!("Both report {}.", cur.words()),
                )
            }
        }
        _ => (
            Change::Different,
            Severity::Minor,
            format!(
                "{}: the second opinion reports {} where the current diagnosis says {}.",
                op.gene,
                op.words(),
                cur.words()
            ),
        ),
    };
    Finding::new(
        Dimension::Biomarkers,
        change,
        severity,
        Some(cur.value()),
        Some(op.value()),
        explanation,
    )
}
