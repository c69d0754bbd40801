//! Validation of a classification input: every bad field, with its path from the body's root.

use super::ClassificationInput;
use crate::domain::validation::{FieldError, FieldErrors, check_country};

/// Checks the input and returns it with trial ids canonicalised, or every field error.
pub fn validate_input(input: ClassificationInput) -> Result<ClassificationInput, Vec<FieldError>> {
    let mut errors = FieldErrors::new();
    input.current.check("current", &mut errors);
    input.opinion.check("opinion", &mut errors);
    check_country(
        input.context.patient_country.as_deref(),
        "context.patient_country".into(),
        &mut errors,
    );
    errors.finish(ClassificationInput {
        current: input.current.normalised(),
        opinion: input.opinion.normalised(),
        context: input.context,
    })
}
