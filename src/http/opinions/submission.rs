//! A second opinion as partners (and coordinators) send it, and the partner's receipt.

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::documents::NewDocument;
use crate::app::opinions::Submission;
use crate::domain::picture::Picture;
use crate::domain::records::{DocumentKind, content_type};
use crate::domain::validation::{FieldErrors, check_text};
use crate::http::json::RequestBody;

/// Who wrote the opinion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reviewer {
    #[schema(
        pattern = r"\S",
        min_length = 1,
        max_length = 200,
        example = "Dr. S. Banerjee"
    )]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200, example = "medical oncology")]
    pub specialty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200, example = "Tata Memorial Centre")]
    pub institution: Option<String>,
}

/// The answer to one of the referral's questions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The question, as asked (or its position in the referral's list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 10000)]
    pub question: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 49)]
    pub question_index: Option<i32>,
    #[schema(pattern = r"\S", min_length = 1, max_length = 10000)]
    pub answer: String,
}

/// A report attached to the opinion, stored as a document of the case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub kind: DocumentKind,
    #[schema(pattern = r"\S", min_length = 1, max_length = 500)]
    pub title: String,
    #[schema(example = "application/pdf", max_length = 200)]
    pub content_type: String,
    /// The file, base64 (standard alphabet).
    pub content_base64: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
}

/// A second opinion as a partner (or a coordinator) submits it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reviewer": {"name": "Dr. S. Banerjee", "specialty": "medical oncology", "institution": "Tata Memorial Centre"},
    "narrative": "Stage III colon cancer; CAPOX is preferred for its shorter course.",
    "picture": {"diagnosis": {"primary_site": "C18.7", "histology": "8140/3"},
                "plan": {"intent": "curative", "systemic_therapy": [{"regimen": "CAPOX"}]}},
    "external_id": "TMC-2026-00042"
}))]
pub struct OpinionSubmission {
    pub reviewer: Reviewer,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub narrative: Option<String>,
    /// The opinion's diagnosis and recommended plan.
    pub picture: Picture,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub answers: Option<Vec<Answer>>,
    /// The partner's own id for this opinion: the same id again is the same opinion.
    #[serde(default)]
    #[schema(pattern = r"\S", min_length = 1, max_length = 200)]
    pub external_id: Option<String>,
    /// An amendment: the earlier opinion (on the same referral) this one replaces.
    #[serde(default)]
    pub supersedes: Option<Uuid>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachments: Option<Vec<Attachment>>,
}

impl RequestBody for OpinionSubmission {
    fn check_parts(pruned: &serde_json::Value, errors: &mut FieldErrors) {
        if let Ok(picture) = serde_json::from_value::<Picture>(pruned["picture"].clone()) {
            picture.check("picture", errors);
        }
    }

    fn check(&self, errors: &mut FieldErrors) {
        if self.reviewer.name.trim().is_empty() {
            errors.add("reviewer.name", "must not be blank");
        }
        self.picture.check("picture", errors);
        check_text(
            self.narrative.as_deref(),
            10_000,
            "narrative".into(),
            errors,
        );
        for (i, a) in self.answers.iter().flatten().enumerate() {
            if a.answer.trim().is_empty() {
                errors.add(format!("answers.{i}.answer"), "must not be blank");
            }
        }
        if self
            .external_id
            .as_deref()
            .is_some_and(|e| e.trim().is_empty())
        {
            errors.add("external_id", "must not be blank");
        }
        for (i, a) in self.attachments.iter().flatten().enumerate() {
            if base64::engine::general_purpose::STANDARD
                .decode(a.content_base64.as_bytes())
                .is_err()
            {
                errors.add(
                    format!("attachments.{i}.content_base64"),
                    "is not valid base64",
                );
            }
            if a.title.trim().is_empty() {
                errors.add(format!("attachments.{i}.title"), "must not be blank");
            }
        }
    }
}

/// The partner's receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub id: Uuid,
    #[schema(example = "received")]
    pub status: String,
    pub received_at: DateTime<Utc>,
    /// For a FHIR document: what the import did not carry over as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<crate::domain::fhir::Report>,
}

impl OpinionSubmission {
    /// The submission as the use case takes it: attachments decoded (the body check made sure
    /// they decode), reviewer and answers kept as sent.
    pub fn into_submission(self) -> Submission {
        let attachments = self
            .attachments
            .into_iter()
            .flatten()
            .map(|a| NewDocument {
                kind: a.kind,
                title: a.title,
                date: a.date,
                source_institution: None,
                language: None,
                content_type: content_type(Some(&a.content_type)),
                bytes: base64::engine::general_purpose::STANDARD
                    .decode(a.content_base64.as_bytes())
                    .unwrap_or_default(),
            })
            .collect();
        Submission {
            reviewer: serde_json::to_value(&self.reviewer).unwrap_or_default(),
            narrative: self.narrative,
            picture: self.picture,
            answers: serde_json::to_value(self.answers.unwrap_or_default()).unwrap_or_default(),
            external_id: self.external_id,
            supersedes: self.supersedes,
            attachments,
            fhir_report: None,
            fhir_composition: None,
        }
    }
}
