//! Tolerant serde structs for the part of FHIR R4 the importer reads. Only the elements read
//! are declared: unknown elements are ignored, every element is optional, extensions are
//! matched by URL, and a code written as a JSON number is read as its digits. Each resource is
//! read on its own (`serde_json::from_value`), so one resource that cannot be read is reported
//! and the rest of the Bundle still is.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A string that some senders write as a number (`"code": 3002`).
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Coding {
    pub system: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub code: Option<String>,
    pub display: Option<String>,
}

impl Coding {
    pub fn is(&self, system: &str, code: &str) -> bool {
        self.system.as_deref() == Some(system) && self.code.as_deref() == Some(code)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CodeableConcept {
    pub coding: Vec<Coding>,
    pub text: Option<String>,
}

impl CodeableConcept {
    /// The first coding of `system` with a code.
    pub fn code_in(&self, system: &str) -> Option<&str> {
        self.coding
            .iter()
            .find(|c| c.system.as_deref() == Some(system))
            .and_then(|c| c.code.as_deref())
    }

    pub fn has(&self, system: &str, code: &str) -> bool {
        self.coding.iter().any(|c| c.is(system, code))
    }

    /// The text, else the first display: what a person reading it would see.
    pub fn words(&self) -> Option<&str> {
        self.text
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .or_else(|| {
                self.coding
                    .iter()
                    .filter_map(|c| c.display.as_deref())
                    .find(|d| !d.trim().is_empty())
            })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Identifier {
    pub system: Option<String>,
    pub value: Option<String>,
}

impl Identifier {
    /// `system|value`, or the value alone when no system is given.
    pub fn token(&self) -> Option<String> {
        let value = self.value.as_deref().filter(|v| !v.trim().is_empty())?;
        Some(match self.system.as_deref() {
            Some(system) => format!("{system}|{value}"),
            None => value.to_string(),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Reference {
    pub reference: Option<String>,
    pub display: Option<String>,
    pub identifier: Option<Identifier>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Quantity {
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub system: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Period {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Extension {
    pub url: String,
    pub extension: Vec<Extension>,
    pub value_codeable_concept: Option<CodeableConcept>,
    pub value_reference: Option<Reference>,
    pub value_quantity: Option<Quantity>,
    pub value_unsigned_int: Option<i64>,
    pub value_positive_int: Option<i64>,
    pub value_integer: Option<i64>,
    pub value_string: Option<String>,
}

impl Extension {
    /// A sub-extension by its (relative) URL.
    pub fn part(&self, url: &str) -> Option<&Extension> {
        self.extension.iter().find(|e| e.url == url)
    }

    pub fn int(&self) -> Option<i64> {
        self.value_unsigned_int
            .or(self.value_positive_int)
            .or(self.value_integer)
    }
}

/// The extensions of `list` whose URL is `url`, ignoring a `|version` suffix.
pub fn extensions<'a>(list: &'a [Extension], url: &'a str) -> impl Iterator<Item = &'a Extension> {
    list.iter()
        .filter(move |e| e.url.split('|').next() == Some(url))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Patient {
    pub identifier: Vec<Identifier>,
    pub birth_date: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConditionStage {
    pub summary: Option<CodeableConcept>,
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    pub extension: Vec<Extension>,
    pub verification_status: Option<CodeableConcept>,
    pub code: Option<CodeableConcept>,
    pub body_site: Vec<BodySite>,
    pub subject: Option<Reference>,
    pub stage: Vec<ConditionStage>,
}

/// A `bodySite` CodeableConcept with its extensions (laterality qualifier).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BodySite {
    pub extension: Vec<Extension>,
    pub coding: Vec<Coding>,
    pub text: Option<String>,
}

impl BodySite {
    pub fn concept(&self) -> CodeableConcept {
        CodeableConcept {
            coding: self.coding.clone(),
            text: self.text.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Component {
    pub code: Option<CodeableConcept>,
    pub value_codeable_concept: Option<CodeableConcept>,
    pub value_string: Option<String>,
    pub value_quantity: Option<Quantity>,
    pub value_integer: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Observation {
    pub status: Option<String>,
    pub category: Vec<CodeableConcept>,
    pub code: Option<CodeableConcept>,
    pub subject: Option<Reference>,
    pub focus: Vec<Reference>,
    pub extension: Vec<Extension>,
    pub effective_date_time: Option<String>,
    pub effective_period: Option<Period>,
    pub value_codeable_concept: Option<CodeableConcept>,
    pub value_quantity: Option<Quantity>,
    pub value_string: Option<String>,
    pub value_integer: Option<i64>,
    pub interpretation: Vec<CodeableConcept>,
    pub method: Option<CodeableConcept>,
    pub has_member: Vec<Reference>,
    pub component: Vec<Component>,
}

impl Observation {
    /// The effective time as written (dateTime or period start), for "latest first".
    pub fn effective(&self) -> Option<&str> {
        self.effective_date_time
            .as_deref()
            .or_else(|| self.effective_period.as_ref()?.start.as_deref())
    }

    pub fn has_value(&self) -> bool {
        self.value_codeable_concept.is_some()
            || self.value_quantity.is_some()
            || self.value_string.is_some()
            || self.value_integer.is_some()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Repeat {
    pub bounds_period: Option<Period>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Timing {
    pub repeat: Option<Repeat>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Dosage {
    pub timing: Option<Timing>,
}

/// MedicationRequest, ServiceRequest and Procedure: the elements a plan item needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Request {
    pub extension: Vec<Extension>,
    pub status: Option<String>,
    pub intent: Option<String>,
    pub do_not_perform: Option<bool>,
    pub category: Vec<CodeableConcept>,
    pub code: Option<CodeableConcept>,
    pub medication_codeable_concept: Option<CodeableConcept>,
    pub medication_reference: Option<Reference>,
    /// R5 shape (`medication: CodeableReference`): reported, not read.
    pub medication: Option<Value>,
    pub subject: Option<Reference>,
    pub authored_on: Option<String>,
    pub occurrence_date_time: Option<String>,
    pub occurrence_period: Option<Period>,
    pub performed_date_time: Option<String>,
    pub performed_period: Option<Period>,
    pub dosage_instruction: Vec<Dosage>,
    pub group_identifier: Option<Identifier>,
    pub reason_reference: Vec<Reference>,
    pub body_site: Vec<BodySite>,
    pub supporting_info: Vec<Reference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Medication {
    pub code: Option<CodeableConcept>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActivityDetail {
    pub code: Option<CodeableConcept>,
    pub status: Option<String>,
    pub do_not_perform: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Activity {
    pub reference: Option<Reference>,
    pub detail: Option<ActivityDetail>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CarePlan {
    pub extension: Vec<Extension>,
    pub status: Option<String>,
    pub intent: Option<String>,
    pub subject: Option<Reference>,
    pub activity: Vec<Activity>,
    pub supporting_info: Vec<Reference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupAction {
    pub resource: Option<Reference>,
    pub action: Vec<GroupAction>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestGroup {
    pub status: Option<String>,
    pub intent: Option<String>,
    pub subject: Option<Reference>,
    pub code: Option<CodeableConcept>,
    pub action: Vec<GroupAction>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResearchStudy {
    pub identifier: Vec<Identifier>,
    pub title: Option<String>,
    pub phase: Option<CodeableConcept>,
    pub location: Vec<CodeableConcept>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResearchSubject {
    pub status: Option<String>,
    pub study: Option<Reference>,
    pub individual: Option<Reference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BodyStructure {
    pub description: Option<String>,
    pub location: Option<CodeableConcept>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Narrative {
    pub div: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Section {
    pub title: Option<String>,
    pub text: Option<Narrative>,
    pub section: Vec<Section>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Attester {
    pub mode: Option<String>,
    pub party: Option<Reference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RelatesTo {
    pub code: Option<String>,
    pub target_identifier: Option<Identifier>,
    pub target_reference: Option<Reference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Composition {
    pub identifier: Option<Identifier>,
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
    pub title: Option<String>,
    pub subject: Option<Reference>,
    pub author: Vec<Reference>,
    pub attester: Vec<Attester>,
    pub relates_to: Vec<RelatesTo>,
    pub section: Vec<Section>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HumanName {
    pub text: Option<String>,
    pub family: Option<String>,
    pub given: Vec<String>,
    pub prefix: Vec<String>,
    pub suffix: Vec<String>,
}

impl HumanName {
    /// The name as a person would write it: `text`, else prefix, given, family, suffix.
    pub fn written(&self) -> Option<String> {
        if let Some(text) = self.text.as_deref().filter(|t| !t.trim().is_empty()) {
            return Some(text.trim().to_string());
        }
        let parts: Vec<&str> = self
            .prefix
            .iter()
            .chain(&self.given)
            .map(String::as_str)
            .chain(self.family.as_deref())
            .chain(self.suffix.iter().map(String::as_str))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Practitioner {
    pub name: Vec<HumanName>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PractitionerRole {
    pub practitioner: Option<Reference>,
    pub organization: Option<Reference>,
    pub specialty: Vec<CodeableConcept>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Organization {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BundleLink {
    pub relation: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EntryRequest {
    pub method: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BundleEntry {
    pub full_url: Option<String>,
    pub request: Option<EntryRequest>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Bundle {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub identifier: Option<Identifier>,
    pub timestamp: Option<String>,
    pub link: Vec<BundleLink>,
    pub entry: Vec<BundleEntry>,
}
