//! The patient-friendly second-opinion summary (`design/summary.md`): one page the patient
//! brings to the treating oncologist, built from an assessment. Pure code: the same request
//! gives the same summary, Markdown, HTML and PDF, byte for byte.
//!
//! All wording is data (`data/summary/<language>.toml`); this module picks and fills it.

mod compose;
mod glossary;
mod html;
mod markdown;
mod names;
mod pdf;
mod phrases;
pub(crate) mod readability;
mod table;
mod templates;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::discordance::{Classification, Dimension, NextStep, TreatmentStatus};

pub use html::to_html;
pub use markdown::to_markdown;
pub use pdf::to_pdf;

/// What a summary is built from: the effective assessment and the options of the request.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRequest<'a> {
    /// The effective result (with any clinician override applied).
    pub classification: &'a Classification,
    pub patient_first_name: Option<String>,
    pub oncologist_name: Option<String>,
    /// A code of `supported_languages()`.
    pub language: String,
    /// The next irreversible step, for the timing sentence.
    pub next_step: Option<NextStep>,
    pub treatment_status: Option<TreatmentStatus>,
    /// Who gave the second opinion, as the partner sent it; `None` where no one is known
    /// (a preview of two pictures).
    pub source: Option<OpinionSource>,
}

/// Who gave the second opinion: the reviewer's institution (else the partner hospital's name)
/// and specialty, as sent. Blank values count as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpinionSource {
    pub institution: Option<String>,
    pub specialty: Option<String>,
}

/// Who gave the second opinion, for the patient and for the oncologist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// For the patient, in the summary's language, with the specialty in plain words
    /// (left out when it has none yet).
    #[schema(
        example = "This second opinion came from doctors who treat cancer with medicines at Tata Memorial Centre."
    )]
    pub sentence: String,
    /// The institution, as sent.
    #[schema(example = "Tata Memorial Centre")]
    pub institution: Option<String>,
    /// The specialty, as sent; the oncologist's part shows it.
    #[schema(example = "medical oncology")]
    pub specialty: Option<String>,
}

/// The summary, in the order the patient reads it (`summary.md`, "JSON shape").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    #[schema(example = "en")]
    pub language: String,
    /// The bottom line, in one sentence.
    pub headline: String,
    /// Who gave the second opinion; absent in a preview, and in summaries written before
    /// the service said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// One short sentence per difference the second opinion found.
    pub findings: Vec<String>,
    /// What both opinions agree on.
    pub agreements: Vec<String>,
    /// A script for the conversation with the oncologist.
    pub what_to_say: String,
    pub what_to_expect: String,
    /// Three to five questions specific to the findings.
    pub questions: Vec<String>,
    pub next_steps: Vec<String>,
    /// When to share the summary; null when nothing is time-sensitive.
    pub timing: Option<String>,
    pub sharing_tips: Vec<String>,
    /// For the treating oncologist: one row per finding, with codes.
    pub oncologist_table: Vec<OncologistRow>,
    pub disclaimer: String,
    pub readability: Readability,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OncologistRow {
    pub dimension: String,
    pub current: String,
    pub opinion: String,
    pub change: String,
}

/// Readability of the patient-facing parts (headline to sharing tips): the Flesch-Kincaid grade
/// and word count, and for a Spanish summary the Spanish formulas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Readability {
    /// Rounded to one decimal, as Python textstat 0.7.3 reports it. For a Spanish summary the
    /// English formula is informative only: read `fernandez_huerta`.
    #[schema(example = 6.9)]
    pub flesch_kincaid_grade: f64,
    #[schema(example = 312)]
    pub words: u32,
    /// Spanish summaries: Fernández-Huerta reading ease (80 or more reads as "fácil"), with
    /// Spanish syllable rules; one decimal. Absent in other languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 84.2)]
    pub fernandez_huerta: Option<f64>,
    /// Spanish summaries: Szigriszt-Pazos perspicuity, read on the INFLESZ scale (65-80
    /// "bastante fácil", 80 or more "muy fácil"); one decimal. Absent in other languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 80.1)]
    pub szigriszt_pazos: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    #[error("no summary templates for language '{0}'")]
    UnsupportedLanguage(String),
    #[error("cannot render the summary: {0}")]
    Render(String),
}

/// The language codes summaries can be written in.
/// A primary site's plain name for patients and its formal ICD-O-3 title, in `language`;
/// `None` outside the name tables.
pub fn site_name(code: &str, language: &str) -> Option<(String, Option<String>)> {
    names::names()
        .site(code, language)
        .map(|n| (n.plain.to_string(), n.formal.map(str::to_string)))
}

pub fn supported_languages() -> Vec<&'static str> {
    templates::codes()
}

/// What building a summary noticed that the service may want to count, beyond the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildNotes {
    /// Codes (primary site, histology) that the name tables do not cover: the patient reads
    /// "a part of the body your doctors will explain" (or "a type of tumor ..."), and the
    /// code is only in the oncologist's table. Each distinct code once, in finding order.
    pub unnamed_codes: Vec<String>,
}

/// Builds the summary of an assessment in the requested language.
pub fn build(req: &SummaryRequest) -> Result<Summary, SummaryError> {
    build_with_notes(req).map(|(summary, _)| summary)
}

/// Builds the summary, and says which of its codes had no plain name (for a metric).
pub fn build_with_notes(req: &SummaryRequest) -> Result<(Summary, BuildNotes), SummaryError> {
    let t = templates::for_language(&req.language)
        .ok_or_else(|| SummaryError::UnsupportedLanguage(req.language.clone()))?;
    let mut parts = compose::compose(req, t);
    glossary::explain(&mut parts, t, &cell_types(req.classification, t));
    let readability = readability::measure(&parts.patient_text(), t);
    let summary = Summary {
        language: t.code.to_string(),
        headline: parts.headline,
        source: parts.source,
        findings: parts.findings,
        agreements: parts.agreements,
        what_to_say: parts.what_to_say,
        what_to_expect: parts.what_to_expect,
        questions: parts.questions,
        next_steps: parts.next_steps,
        timing: parts.timing,
        sharing_tips: parts.sharing_tips,
        oncologist_table: table::rows(req.classification, t),
        disclaimer: t.text("disclaimer.text"),
        readability,
    };
    Ok((summary, notes(req.classification, t)))
}

/// (plain name, what it means) of every named cell type the findings mention.
fn cell_types(classification: &Classification, t: &templates::Templates) -> Vec<(String, String)> {
    let mut terms = Vec::new();
    let codes = classification
        .findings
        .iter()
        .filter(|f| f.dimension == Dimension::Histology)
        .flat_map(|f| [&f.current, &f.opinion])
        .flatten()
        .filter_map(|v| v.get("code")?.as_str());
    for code in codes {
        if let Some(named) = names::names().morphology(code, t.code)
            && let Some(means) = named.means
        {
            let term = (named.plain.to_string(), means.to_string());
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
    }
    terms
}

fn notes(classification: &Classification, t: &templates::Templates) -> BuildNotes {
    let mut unnamed_codes: Vec<String> = Vec::new();
    for finding in &classification.findings {
        for side in [&finding.current, &finding.opinion].into_iter().flatten() {
            for code in names::unnamed_codes(finding.dimension, side, t.code) {
                if !unnamed_codes.contains(&code) {
                    unnamed_codes.push(code);
                }
            }
        }
    }
    BuildNotes { unnamed_codes }
}

/// Headings and labels of the rendered forms, in the summary's language.
struct Labels {
    title: String,
    findings: String,
    agreements: String,
    what_to_say: String,
    what_to_expect: String,
    questions: String,
    next_steps: String,
    timing: String,
    sharing_tips: String,
    oncologist_table: String,
    /// "Second opinion: medical oncology, Tata Memorial Centre", for the oncologist.
    source: Option<String>,
    disclaimer: String,
    readability: String,
    columns: [String; 4],
}

impl Labels {
    /// The summary's own language, or English for a language no longer registered.
    fn of(summary: &Summary) -> Labels {
        let t = templates::for_language(&summary.language)
            .or_else(|| templates::for_language("en"))
            .expect("English templates are embedded");
        let decimal =
            |number: f64| format!("{number:.1}").replace('.', &t.text("words.decimal_point"));
        let grade = decimal(summary.readability.flesch_kincaid_grade);
        Labels {
            title: t.text("sections.title"),
            findings: t.text("sections.findings"),
            agreements: t.text("sections.agreements"),
            what_to_say: t.text("sections.what_to_say"),
            what_to_expect: t.text("sections.what_to_expect"),
            questions: t.text("sections.questions"),
            next_steps: t.text("sections.next_steps"),
            timing: t.text("sections.timing"),
            sharing_tips: t.text("sections.sharing_tips"),
            oncologist_table: t.text("sections.oncologist_table"),
            source: summary.source.as_ref().and_then(|source| {
                let named: Vec<&str> = [&source.specialty, &source.institution]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                (!named.is_empty()).then(|| {
                    t.fill(
                        "source.for_oncologist",
                        &[("source", &named.join(&t.text("words.separator")))],
                    )
                })
            }),
            disclaimer: t.text("sections.disclaimer"),
            readability: match summary.readability.fernandez_huerta {
                Some(ease) => t.fill(
                    "sections.readability_ease",
                    &[
                        ("ease", &decimal(ease)),
                        ("words", &summary.readability.words.to_string()),
                    ],
                ),
                None => t.fill(
                    "sections.readability",
                    &[
                        ("grade", &grade),
                        ("words", &summary.readability.words.to_string()),
                    ],
                ),
            },
            columns: [
                t.text("table.dimension"),
                t.text("table.current"),
                t.text("table.opinion"),
                t.text("table.change"),
            ],
        }
    }
}

#[cfg(test)]
mod tests;
