//! Small English phrasing helpers for the findings' explanation sentences.

use crate::domain::countries;
use crate::domain::picture::{Intent, Modality};

pub fn modality_name(modality: Modality) -> &'static str {
    match modality {
        Modality::SystemicTherapy => "systemic therapy",
        Modality::Radiotherapy => "radiotherapy",
        Modality::Surgery => "surgery",
        Modality::Transplant => "stem cell transplant",
        Modality::CellularTherapy => "cellular therapy",
    }
}

pub fn intent_name(intent: Intent) -> &'static str {
    match intent {
        Intent::Curative => "curative",
        Intent::Palliative => "palliative",
    }
}

/// "a", "a and b", "a, b and c".
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let head: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", head.join(", "), last.as_ref())
        }
    }
}

/// A number without trailing zeros: 60, 50.4, 40.05, 1.5.
pub fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" {
        "0".into()
    } else {
        trimmed.to_string()
    }
}

/// "66 Gy in 33 sessions".
pub fn schedule(dose: Option<f64>, fractions: Option<i64>) -> String {
    match (dose, fractions) {
        (Some(d), Some(1)) => format!("{} Gy in 1 session", number(d)),
        (Some(d), Some(f)) => format!("{} Gy in {f} sessions", number(d)),
        (Some(d), None) => format!("{} Gy", number(d)),
        (None, Some(f)) => format!("{f} sessions"),
        (None, None) => "an unstated dose".into(),
    }
}

/// "Germany (DE)", or the code when it is not a known country.
pub fn country(code: &str) -> String {
    match countries::name(code) {
        Some(name) => format!("{name} ({code})"),
        None => code.to_string(),
    }
}

/// ICD-O-3 behaviour digit in words.
pub fn behaviour(digit: u8) -> &'static str {
    match digit {
        0 => "benign",
        1 => "of uncertain behaviour",
        2 => "in situ (non-invasive)",
        3 => "malignant (invasive)",
        6 => "metastatic",
        9 => "malignant, primary or metastatic uncertain",
        _ => "of unknown behaviour",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_read_naturally() {
        assert_eq!(list(&["a"]), "a");
        assert_eq!(list(&["a", "b"]), "a and b");
        assert_eq!(list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(number(60.0), "60");
        assert_eq!(number(50.4), "50.4");
        assert_eq!(number(40.05), "40.05");
        assert_eq!(schedule(Some(8.0), Some(1)), "8 Gy in 1 session");
        assert_eq!(country("DE"), "Germany (DE)");
    }
}
