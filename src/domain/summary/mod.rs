//! The patient-friendly second-opinion summary (`design/summary.md`): one page the patient
//! brings to the treating oncologist, built from an assessment. Pure code: the same request
//! gives the same summary, Markdown, HTML and PDF, byte for byte.
//!
//! All wording is data (`data/summary/<language>.toml`); this module picks and fills it.

mod templates;

/// The language codes summaries can be written in.
pub fn supported_languages() -> Vec<&'static str> {
    templates::codes()
}
