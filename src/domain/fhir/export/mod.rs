//! `Picture` -> a FHIR R4 collection Bundle an EHR can file (`fhir.md` 9.8): stable ids
//! (UUIDv5 of case, version and item), `urn:uuid` references throughout, generated text, a
//! Provenance naming Concord and whoever entered the plan, a CarePlan grouping the plan items.
//! A `meta.profile` (mCODE, pinned `|4.0.0`) is claimed only where a test asserts that profile's
//! mandatory elements. What the export does not carry is `NOT_EXPORTED`.

mod clinical;
mod plan;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::CONCORD_FHIR_BASE;
use super::codes::mcode_profile;
use super::subset::restrict;
use crate::domain::picture::Picture;

/// Whose plan the Bundle carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    /// The treating team's current plan: requests with intent `plan`.
    CurrentPlan,
    /// A second opinion's recommendation: intent `proposal`.
    SecondOpinion,
}

/// The treating oncologist (current plan) or the reviewer (opinion).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    pub institution: Option<String>,
    pub specialty: Option<String>,
}

/// One stored plan version (or opinion) to export.
#[derive(Debug, Clone)]
pub struct PlanExport<'a> {
    pub picture: &'a Picture,
    pub kind: PlanKind,
    pub case_id: Uuid,
    /// The version number; with `case_id` it makes every resource id.
    pub version: i64,
    /// The stored version's (or opinion's) id: `Bundle.identifier`.
    pub version_id: Uuid,
    /// When the version was made: `Bundle.timestamp`, `authoredOn`, `Provenance.recorded`.
    pub recorded_at: DateTime<Utc>,
    pub patient_id: Uuid,
    pub patient_birth_year: Option<i32>,
    /// The patient's display name, if the caller chooses to send it.
    pub patient_name: Option<String>,
    pub author: Option<Author>,
    /// The `sub` of whoever entered the plan in Concord (a coordinator).
    pub entered_by: Option<String>,
    /// The Concord organisation (navigator) holding the record.
    pub organization_id: Uuid,
    pub organization_name: String,
}

impl<'a> PlanExport<'a> {
    /// An export of a picture with no stored case around it (the `fhir-export` command, tests):
    /// ids from `case_id` and `version`, no patient details, no author.
    pub fn standalone(
        picture: &'a Picture,
        kind: PlanKind,
        case_id: Uuid,
        version: i64,
        recorded_at: DateTime<Utc>,
    ) -> PlanExport<'a> {
        PlanExport {
            picture,
            kind,
            case_id,
            version,
            version_id: stable_id(case_id, version, "version"),
            recorded_at,
            patient_id: stable_id(case_id, 0, "patient"),
            patient_birth_year: None,
            patient_name: None,
            author: None,
            entered_by: None,
            organization_id: Uuid::nil(),
            organization_name: "Concord".into(),
        }
    }
}

/// The id of one item of one version: UUIDv5 under Concord's namespace, so a second export of
/// the same version gives the same ids (an EHR updates instead of duplicating).
pub fn stable_id(case_id: Uuid, version: i64, item: &str) -> Uuid {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, CONCORD_FHIR_BASE.as_bytes());
    Uuid::new_v5(&namespace, format!("{case_id}/{version}/{item}").as_bytes())
}

pub(crate) fn sid(kind: &str) -> String {
    format!("{CONCORD_FHIR_BASE}/sid/{kind}")
}

pub(crate) fn coding(system: &str, code: &str, display: Option<&str>) -> Value {
    match display.filter(|d| !d.is_empty()) {
        Some(display) => json!({"system": system, "code": code, "display": display}),
        None => json!({"system": system, "code": code}),
    }
}

pub(crate) fn concept(codings: Vec<Value>, text: Option<&str>) -> Value {
    let mut c = serde_json::Map::new();
    if !codings.is_empty() {
        c.insert("coding".into(), Value::Array(codings));
    }
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        c.insert("text".into(), Value::String(text.to_string()));
    }
    Value::Object(c)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Generated narrative: one line of plain words, escaped.
pub(crate) fn narrative(line: &str) -> Value {
    json!({
        "status": "generated",
        "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{}</p></div>", escape(line)),
    })
}

/// Builds the Bundle: resources in order, each with its stable id and `urn:uuid` fullUrl.
pub(crate) struct Writer<'a> {
    pub x: &'a PlanExport<'a>,
    pub picture: Picture,
    entries: Vec<(String, Value)>,
    pub time: String,
    pub patient: String,
    pub author: Option<String>,
    pub condition: Option<String>,
}

impl Writer<'_> {
    /// Adds a resource under `item`; returns its reference.
    pub fn add(&mut self, item: &str, mut resource: Value, text: &str) -> String {
        let id = stable_id(self.x.case_id, self.x.version, item).to_string();
        resource["id"] = Value::String(id.clone());
        resource["text"] = narrative(text);
        let url = format!("urn:uuid:{id}");
        self.entries.push((url.clone(), resource));
        url
    }

    pub fn reference(url: &str) -> Value {
        json!({ "reference": url })
    }

    pub fn intent(&self) -> &'static str {
        match self.x.kind {
            PlanKind::CurrentPlan => "plan",
            PlanKind::SecondOpinion => "proposal",
        }
    }
}

pub(crate) fn profile(name: &str) -> Value {
    json!({ "profile": [mcode_profile(name)] })
}

/// The collection Bundle of one plan version or opinion.
pub fn export_plan(x: &PlanExport) -> Value {
    let time = x.recorded_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut w = Writer {
        x,
        picture: restrict(x.picture),
        entries: Vec::new(),
        time: time.clone(),
        patient: String::new(),
        author: None,
        condition: None,
    };
    let organization = w.add(
        "organization",
        json!({
            "resourceType": "Organization",
            "identifier": [{"system": sid("organization"), "value": x.organization_id.to_string()}],
            "name": x.organization_name,
        }),
        &format!(
            "{}, which holds this record in Concord.",
            x.organization_name
        ),
    );
    w.patient = patient(&mut w);
    w.author = author(&mut w);
    clinical::write(&mut w);
    plan::write(&mut w);
    provenance(&mut w, &organization);
    let entries: Vec<Value> = w
        .entries
        .into_iter()
        .map(|(url, resource)| json!({"fullUrl": url, "resource": resource}))
        .collect();
    let kind = match x.kind {
        PlanKind::CurrentPlan => "plan-version",
        PlanKind::SecondOpinion => "second-opinion",
    };
    json!({
        "resourceType": "Bundle",
        "id": stable_id(x.case_id, x.version, "bundle").to_string(),
        "identifier": {"system": sid(kind), "value": x.version_id.to_string()},
        "type": "collection",
        "timestamp": time,
        "entry": entries,
    })
}

/// The patient, as mCODE's cancer patient: Concord's identifier, gender `unknown` (Concord
/// does not record it) and a name whose parts are marked absent (US Core's us-core-6).
fn patient(w: &mut Writer) -> String {
    let mut name = json!({
        "extension": [{
            "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
            "valueCode": "unknown"
        }]
    });
    if let Some(text) = w.x.patient_name.as_deref() {
        name["text"] = Value::String(text.to_string());
    }
    let mut resource = json!({
        "resourceType": "Patient",
        "meta": profile("mcode-cancer-patient"),
        "identifier": [{"system": sid("patient"), "value": w.x.patient_id.to_string()}],
        "name": [name],
        "gender": "unknown",
    });
    if let Some(year) = w.x.patient_birth_year {
        resource["birthDate"] = Value::String(format!("{year:04}"));
    }
    w.add("patient", resource, "The patient this plan is for.")
}

fn author(w: &mut Writer) -> Option<String> {
    let author = w.x.author.clone()?;
    let practitioner = w.add(
        "author",
        json!({"resourceType": "Practitioner", "name": [{"text": author.name}]}),
        &author.name,
    );
    if author.institution.is_some() || author.specialty.is_some() {
        let mut role = json!({
            "resourceType": "PractitionerRole",
            "practitioner": Writer::reference(&practitioner),
        });
        if let Some(institution) = &author.institution {
            let org = w.add(
                "author-organization",
                json!({"resourceType": "Organization", "name": institution}),
                institution,
            );
            role["organization"] = Writer::reference(&org);
        }
        if let Some(specialty) = &author.specialty {
            role["specialty"] = json!([{"text": specialty}]);
        }
        w.add(
            "author-role",
            role,
            &format!(
                "{} at {}",
                author.name,
                author.institution.as_deref().unwrap_or("their institution")
            ),
        );
    }
    Some(practitioner)
}

/// Who entered the plan and who holds it, for every resource of the Bundle.
fn provenance(w: &mut Writer, organization: &str) {
    let targets: Vec<Value> = w
        .entries
        .iter()
        .map(|(url, _)| Writer::reference(url))
        .collect();
    let participant = |code: &str| json!({"coding": [coding("http://terminology.hl7.org/CodeSystem/provenance-participant-type", code, None)]});
    let mut agents = Vec::new();
    if let Some(sub) = &w.x.entered_by {
        agents.push(json!({
            "type": participant("enterer"),
            "who": {"identifier": {"system": sid("user"), "value": sub}, "display": format!("Concord user {sub}")},
            "onBehalfOf": Writer::reference(organization),
        }));
    }
    agents.push(json!({"type": participant("custodian"), "who": Writer::reference(organization)}));
    let time = w.time.clone();
    w.add(
        "provenance",
        json!({
            "resourceType": "Provenance",
            "target": targets,
            "recorded": time,
            "agent": agents,
        }),
        "Entered in Concord; Concord holds the record.",
    );
}
