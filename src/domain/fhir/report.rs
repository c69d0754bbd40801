//! What an import did not map, mapped by name, or found in conflict: never hidden. Each entry
//! names the resource, the FHIRPath of the element, the code and system, and why; it says
//! whether it is clinical. A picture whose report has a clinical entry may misstate what the
//! sender meant, so assessments made from it carry the review reason `fhir_import_incomplete`
//! (`Report::review_reason`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Why an element is in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A coded element no table maps, or one without usable words: left out.
    Unmapped,
    /// No code maps; the words are kept as written (the engine compares them as text).
    KeptAsWritten,
    /// No code maps (or none was sent); the words matched the vocabulary or a code table.
    MatchedByName,
    /// A malformed code read in its correct form (`80463/3` -> `8046/3`).
    Normalised,
    /// Two sources disagree; the message says which value was used, if any.
    Conflict,
    /// History: treatment given, delivered, completed, stopped or stale (not put in the plan),
    /// or a performance status older than the latest or than 90 days (not the patient now).
    HistoryNotPlan,
    /// In a partner's document, an order that is not a proposal: not the recommendation.
    NotRecommendation,
    /// A request marked `doNotPerform`: never a plan item.
    DoNotPerform,
    /// A clinical element the picture has no field for yet.
    NotInPicture,
    /// A reference that resolves to nothing in the Bundle.
    UnresolvedReference,
    /// A resource that could not be read (wrong shape); the rest of the Bundle was.
    Unreadable,
    /// An entry not used: a transaction GET, an entered-in-error or refuted resource.
    SkippedEntry,
    /// A search result page with a next link: the rest was not sent.
    IncompletePage,
    /// An element in its FHIR R5 shape.
    R5Shape,
    /// A stage without its staging system or edition: never defaulted.
    MissingEdition,
    /// A resource not linked to this patient's cancer or plan (another Condition's stage, a
    /// study no plan item names).
    NotLinked,
    /// A resource type this import does not read.
    NotRead,
    /// The identifier systems of the Patient (never their values).
    PatientIdentifiers,
}

/// One element of the input and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportEntry {
    pub kind: EntryKind,
    /// Whether it concerns a clinical element (diagnosis, stage, biomarker, treatment): the
    /// assessment then carries the review reason `fhir_import_incomplete`.
    pub clinical: bool,
    /// The picture field concerned, e.g. `diagnosis.stage` or `plan.systemic_therapy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "diagnosis.stage")]
    pub element: Option<String>,
    /// The resource: `Type/id`, else its fullUrl.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Observation/tnm-clinical-stage-group-jenny-m")]
    pub resource: Option<String>,
    /// FHIRPath of the element in the request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Bundle.entry[12].resource.valueCodeableConcept")]
    pub expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "http://snomed.info/sct")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "1222769001")]
    pub code: Option<String>,
    /// Why, in a sentence naming the values.
    pub message: String,
}

/// Everything an import could not carry over as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub entries: Vec<ReportEntry>,
    /// Resources of types never mapped to a picture (practitioners, vitals ...), counted.
    pub skipped: BTreeMap<String, usize>,
}

impl Report {
    /// Whether an entry concerns a clinical element.
    pub fn has_clinical(&self) -> bool {
        self.entries.iter().any(|e| e.clinical)
    }

    /// The picture fields named by clinical entries, each once, in report order.
    pub fn clinical_elements(&self) -> Vec<String> {
        let mut elements: Vec<String> = Vec::new();
        for entry in self.entries.iter().filter(|e| e.clinical) {
            let element = entry.element.clone().unwrap_or_else(|| "picture".into());
            if !elements.contains(&element) {
                elements.push(element);
            }
        }
        elements
    }

    /// The text of the review reason `fhir_import_incomplete` for assessments made from this
    /// picture, or `None` when nothing clinical was lost.
    pub fn review_reason(&self) -> Option<String> {
        let elements = self.clinical_elements();
        (!elements.is_empty()).then(|| {
            format!(
                "The FHIR import did not carry over everything as sent ({}): check the import report before relying on these parts.",
                elements.join(", ")
            )
        })
    }

    pub(crate) fn push(&mut self, entry: ReportEntry) {
        if !self.entries.contains(&entry) {
            self.entries.push(entry);
        }
    }

    pub(crate) fn count_skipped(&mut self, resource_type: &str) {
        *self.skipped.entry(resource_type.to_string()).or_default() += 1;
    }
}

/// Builder for one entry: `Note::new(kind, clinical, message).at(...)`.
#[derive(Debug, Clone)]
pub(crate) struct Note(pub ReportEntry);

impl Note {
    pub fn new(kind: EntryKind, clinical: bool, message: impl Into<String>) -> Note {
        Note(ReportEntry {
            kind,
            clinical,
            element: None,
            resource: None,
            expression: None,
            system: None,
            code: None,
            message: message.into(),
        })
    }

    pub fn element(mut self, element: &str) -> Note {
        self.0.element = Some(element.to_string());
        self
    }

    pub fn at(mut self, resource: Option<String>, expression: impl Into<String>) -> Note {
        self.0.resource = resource;
        self.0.expression = Some(expression.into());
        self
    }

    pub fn code(mut self, system: Option<&str>, code: Option<&str>) -> Note {
        self.0.system = system.map(str::to_string);
        self.0.code = code.map(str::to_string);
        self
    }
}
