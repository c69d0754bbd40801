//! Collecting every invalid field with its JSON path, rather than stopping at the first.

use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field: a dotted path from the body's root (array indices as numbers) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    #[schema(example = "opinion.plan.clinical_trials.0.registry_id")]
    pub field: String,
    #[schema(example = "is not a valid ClinicalTrials.gov id (NCT followed by 8 digits)")]
    pub message: String,
}

/// Accumulates field errors under a path prefix.
#[derive(Debug, Default)]
pub struct FieldErrors {
    errors: Vec<FieldError>,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.errors
    }

    /// `Ok(value)` when nothing was collected, else every error.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

/// Joins a path prefix and a key: `join("a.b", "c") == "a.b.c"`, `join("", "c") == "c"`.
pub fn join(prefix: &str, key: impl std::fmt::Display) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Whether `code` is an assigned ISO 3166-1 alpha-2 code (upper case).
pub fn is_country(code: &str) -> bool {
    super::countries::name(code).is_some()
}

/// Checks an optional country field: upper-case ISO 3166-1 alpha-2.
pub fn check_country(value: Option<&str>, field: String, errors: &mut FieldErrors) {
    if let Some(code) = value
        && !is_country(code)
    {
        errors.add(
            field,
            format!("'{code}' is not an ISO 3166-1 alpha-2 country code (two upper-case letters, e.g. IN)"),
        );
    }
}

/// Checks a free-text length limit (characters, not bytes).
pub fn check_text(value: Option<&str>, max: usize, field: String, errors: &mut FieldErrors) {
    if let Some(text) = value {
        let count = text.chars().count();
        if count > max {
            errors.add(
                field,
                format!("is {count} characters long; at most {max} are allowed"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_checked_against_the_iso_list() {
        assert!(is_country("IN"));
        assert!(is_country("CN"));
        assert!(!is_country("XX"));
        assert!(!is_country("in"));
        assert!(!is_country("IND"));
    }

    #[test]
    fn paths_join_with_dots() {
        assert_eq!(join("", "plan"), "plan");
        assert_eq!(join("opinion.plan", 3), "opinion.plan.3");
    }
}
