//! The one mapping, checked: every application and auth error gets its status and type.

use super::*;

/// Every application and auth error, with the status and problem type a caller gets.
#[test]
fn every_error_maps_to_its_status_and_type() {
    use crate::app::error::GateRefusal;
    use crate::domain::validation::FieldError;
    let field = || {
        vec![FieldError {
            field: "f".into(),
            message: "m".into(),
        }]
    };
    let id = uuid::Uuid::nil();
    let cases: Vec<(AppError, u16, &str)> = vec![
        (AppError::Invalid(field()), 400, "validation-error"),
        (AppError::Unprocessable(field()), 422, "unprocessable"),
        (AppError::NotFound("case"), 404, "not-found"),
        (AppError::forbidden("no"), 403, "forbidden"),
        (AppError::conflict("no"), 409, "conflict"),
        (
            AppError::InvalidTransition {
                detail: "no".into(),
                allowed: vec!["closed".into()],
            },
            409,
            "invalid-transition",
        ),
        (
            AppError::ReferralClosed {
                detail: "no".into(),
                allowed: None,
            },
            409,
            "referral-closed",
        ),
        (
            AppError::DuplicateExternalId {
                detail: "no".into(),
                existing_id: id,
            },
            409,
            "duplicate-external-id",
        ),
        (
            AppError::gate(GateRefusal::AlreadySignedOff, "no"),
            409,
            "already-signed-off",
        ),
        (
            AppError::gate(GateRefusal::NoReviewNeeded, "no"),
            409,
            "no-review-needed",
        ),
        (
            AppError::gate(GateRefusal::AssessmentSuperseded, "no"),
            409,
            "assessment-superseded",
        ),
        (
            AppError::gate(GateRefusal::AwaitingClinicianReview, "no"),
            409,
            "awaiting-clinician-review",
        ),
        (AppError::KeyInUse, 409, "idempotency-key-in-use"),
        (AppError::KeyReused, 422, "idempotency-key-reused"),
        (
            AppError::PreconditionFailed("no".into()),
            412,
            "precondition-failed",
        ),
        (AppError::Gone("no".into()), 410, "gone"),
        (
            AppError::UnsupportedLanguage("xx".into()),
            422,
            "unsupported-language",
        ),
        (
            AppError::Unavailable {
                detail: "no".into(),
                retry_after: 2,
            },
            503,
            "service-unavailable",
        ),
        (AppError::Internal(anyhow::anyhow!("x")), 500, "internal"),
        (
            AppError::Auth(AuthError::Unauthenticated("no".into())),
            401,
            "unauthorized",
        ),
        (AppError::Auth(AuthError::forbidden("no")), 403, "forbidden"),
        (
            AppError::Auth(AuthError::NotFound("case")),
            404,
            "not-found",
        ),
        (
            AppError::Auth(AuthError::RateLimited { retry_after: 3 }),
            429,
            "rate-limited",
        ),
        (
            AppError::Auth(AuthError::Store(diesel::result::Error::NotFound.into())),
            404,
            "not-found",
        ),
    ];
    for (error, status, slug) in cases {
        let shown = format!("{error:?}");
        let api = ApiError::from(error);
        assert_eq!(api.kind.status().as_u16(), status, "{shown}");
        assert_eq!(api.kind.slug(), slug, "{shown}");
    }
    let unavailable = ApiError::from(AppError::Unavailable {
        detail: "db".into(),
        retry_after: 2,
    });
    assert_eq!(unavailable.retry_after, Some(2));
    let limited = ApiError::from(AuthError::RateLimited { retry_after: 3 });
    assert_eq!(limited.retry_after, Some(3));
    let moved = ApiError::from(AppError::InvalidTransition {
        detail: "no".into(),
        allowed: vec!["closed".into()],
    });
    assert_eq!(moved.allowed.as_deref(), Some(&["closed".to_string()][..]));
}

#[test]
fn slugs_are_unique_and_round_trip() {
    let mut slugs: Vec<&str> = ProblemKind::ALL.iter().map(|k| k.slug()).collect();
    for kind in ProblemKind::ALL {
        assert_eq!(ProblemKind::from_slug(kind.slug()), Some(kind));
    }
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), ProblemKind::ALL.len());
}
