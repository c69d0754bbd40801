//! Validation of a classification input: every bad field, with its path from the body's root.

use super::ClassificationInput;
use crate::domain::validation::{FieldError, FieldErrors, check_country};

impl ClassificationInput {
    /// Reports every bad field under `prefix` (`current.…`, `opinion.…`, `context.…`).
    pub fn check(&self, prefix: &str, errors: &mut FieldErrors) {
        use crate::domain::validation::join;
        self.current.check(&join(prefix, "current"), errors);
        self.opinion.check(&join(prefix, "opinion"), errors);
        check_country(
            self.context.patient_country.as_deref(),
            join(&join(prefix, "context"), "patient_country"),
            errors,
        );
    }

    /// The input with trial ids in their registry's canonical case (after `check`).
    pub fn normalised(self) -> ClassificationInput {
        ClassificationInput {
            current: self.current.normalised(),
            opinion: self.opinion.normalised(),
            context: self.context,
        }
    }
}

/// Checks the input and returns it normalised, or every field error.
pub fn validate_input(input: ClassificationInput) -> Result<ClassificationInput, Vec<FieldError>> {
    let mut errors = FieldErrors::new();
    input.check("", &mut errors);
    errors.finish(input.normalised())
}
