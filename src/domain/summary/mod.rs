//! The patient-friendly second-opinion summary (`design/summary.md`): one page the patient
//! brings to the treating oncologist, built from an assessment. Pure code: the same request
//! gives the same summary, Markdown, HTML and PDF, byte for byte.
//!
//! All wording is data (`data/summary/<language>.toml`); this module picks and fills it.

mod compose;
mod glossary;
mod html;
mod markdown;
mod pdf;
mod phrases;
pub(crate) mod readability;
mod table;
mod templates;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::discordance::{Classification, NextStep, TreatmentStatus};

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
}

/// The summary, in the order the patient reads it (`summary.md`, "JSON shape").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    #[schema(example = "en")]
    pub language: String,
    /// The bottom line, in one sentence.
    pub headline: String,
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

/// Flesch-Kincaid grade and word count of the patient-facing parts (headline to sharing tips).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Readability {
    /// Rounded to one decimal, as Python textstat 0.7.3 reports it.
    #[schema(example = 6.9)]
    pub flesch_kincaid_grade: f64,
    #[schema(example = 312)]
    pub words: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    #[error("no summary templates for language '{0}'")]
    UnsupportedLanguage(String),
    #[error("cannot render the summary: {0}")]
    Render(String),
}

/// The language codes summaries can be written in.
pub fn supported_languages() -> Vec<&'static str> {
    templates::codes()
}

/// Builds the summary of an assessment in the requested language.
pub fn build(req: &SummaryRequest) -> Result<Summary, SummaryError> {
    let t = templates::for_language(&req.language)
        .ok_or_else(|| SummaryError::UnsupportedLanguage(req.language.clone()))?;
    let mut parts = compose::compose(req, t);
    glossary::explain(&mut parts, t);
    let readability = readability::measure(&parts.patient_text(), t);
    Ok(Summary {
        language: t.code.to_string(),
        headline: parts.headline,
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
    })
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
        let grade = format!("{:.1}", summary.readability.flesch_kincaid_grade)
            .replace('.', &t.text("words.decimal_point"));
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
            disclaimer: t.text("sections.disclaimer"),
            readability: t.fill(
                "sections.readability",
                &[
                    ("grade", &grade),
                    ("words", &summary.readability.words.to_string()),
                ],
            ),
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
