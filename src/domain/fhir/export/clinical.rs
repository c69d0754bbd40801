//! The diagnosis as FHIR: the primary Condition (ICD-O-3 site with laterality, morphology in
//! the mCODE histology extension), stage group with T/N/M members, grade, one Observation
//! per biomarker (tumour marker test, or genomic variant when a variant is named), and the
//! performance status.

use serde_json::{Value, json};

use super::{Writer, coding, concept, profile};
use crate::domain::fhir::CONCORD_CODES;
use crate::domain::fhir::codes::{
    AnswerKind, EXT_HISTOLOGY, EXT_LATERALITY, GENE_STUDIED, HGNC, ICD_10, ICD_O_3, LOINC, NCIT,
    OBSERVATION_CATEGORY, SIGNIFICANCE, SNOMED, SOURCE_CLASS, StageKind, Tables, VARIANT,
    VARIANT_CODE,
};
use crate::domain::fhir::import::topography;
use crate::domain::picture::{Biomarker, BiomarkerOrigin, Diagnosis, PerformanceStatus, Stage};
use crate::domain::vocabulary::{ResultClass, Vocabulary};

pub fn write(w: &mut Writer) {
    if let Some(status) = w.picture.performance_status {
        performance_status(w, status);
    }
    let Some(diagnosis) = w.picture.diagnosis.clone() else {
        return;
    };
    condition(w, &diagnosis);
    if let Some(stage) = &diagnosis.stage {
        stage_observations(w, stage);
    }
    if let Some(grade) = diagnosis.grade {
        grade_observation(w, grade, diagnosis.grade_system.as_deref());
    }
    for (n, marker) in diagnosis.biomarkers.iter().flatten().enumerate() {
        biomarker(w, n, marker);
    }
}

fn category(code: &str) -> Value {
    json!([{"coding": [coding(OBSERVATION_CATEGORY, code, None)]}])
}

fn condition(w: &mut Writer, d: &Diagnosis) {
    if d.primary_site.is_none() && d.histology.is_none() && d.histology_text.is_none() {
        return;
    }
    let t = Tables::standard();
    let morphology: Vec<Value> = d
        .histology
        .iter()
        .map(|h| coding(ICD_O_3, h, None))
        .collect();
    let mut resource = json!({
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", None)]},
        "verificationStatus": {"coding": [coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", None)]},
        "category": [{"coding": [coding("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", None)]}],
        "code": concept(morphology.clone(), Some(d.histology_text.as_deref().unwrap_or("Primary cancer"))),
        "subject": Writer::reference(&w.patient),
        "recordedDate": w.time,
    });
    if d.histology.is_some() || d.histology_text.is_some() {
        resource["extension"] = json!([{
            "url": EXT_HISTOLOGY,
            "valueCodeableConcept": concept(morphology, d.histology_text.as_deref()),
        }]);
    }
    if d.primary_site.is_some() || d.laterality.is_some() {
        let mut site = serde_json::Map::new();
        if let Some(code) = &d.primary_site {
            let system = if topography(code).is_some() {
                ICD_O_3
            } else {
                ICD_10
            };
            site.insert("coding".into(), json!([coding(system, code, None)]));
        }
        if let Some(row) = d.laterality.and_then(|l| t.laterality_row(l)) {
            site.insert(
                "extension".into(),
                json!([{"url": EXT_LATERALITY, "valueCodeableConcept": {"coding": [coding(SNOMED, &row.code, Some(&row.display))]}}]),
            );
        }
        resource["bodySite"] = json!([Value::Object(site)]);
    }
    let words = format!(
        "Primary cancer: {}{}{}.",
        d.histology_text
            .as_deref()
            .or(d.histology.as_deref())
            .unwrap_or("cell type not stated"),
        d.primary_site
            .as_deref()
            .map(|s| format!(", site {s}"))
            .unwrap_or_default(),
        d.laterality
            .map(|l| format!(", {l:?}").to_lowercase())
            .unwrap_or_default(),
    );
    w.condition = Some(w.add("condition", resource, &words));
}

/// "c" or "p", the prefixes a staging-type code names; anything else is not exported.
fn prefix(stage: &Stage) -> &'static str {
    match stage.prefix.as_deref() {
        Some("c") => "c",
        Some("p") => "p",
        _ => "",
    }
}

fn method(stage: &Stage) -> Option<Value> {
    let system = stage.system.as_deref()?;
    Some(match Tables::standard().stage_method_for(system) {
        Some(row) => concept(
            vec![coding(&row.system, &row.code, Some(&row.display))],
            None,
        ),
        None => concept(Vec::new(), Some(system)),
    })
}

fn stage_observation(w: &mut Writer, stage: &Stage, kind: StageKind, value: &str) -> Value {
    let t = Tables::standard();
    let p = prefix(stage);
    let code_row = t.stage_type_row(kind, p);
    let label = match kind {
        StageKind::Group => value.to_string(),
        _ if value.starts_with(['c', 'p']) => value.to_string(),
        _ => format!("{p}{value}"),
    };
    let value_coding: Vec<Value> = t
        .stage_code(kind, &label)
        .filter(|_| kind == StageKind::Group || !p.is_empty())
        .map(|c| coding(SNOMED, c, None))
        .into_iter()
        .collect();
    let mut resource = json!({
        "resourceType": "Observation",
        "status": "final",
        "category": category(if p == "p" { "laboratory" } else { "exam" }),
        "code": match code_row {
            Some(row) => concept(vec![coding(SNOMED, &row.code, Some(&row.display))], None),
            None => concept(Vec::new(), Some("Stage")),
        },
        "subject": Writer::reference(&w.patient),
        "valueCodeableConcept": concept(value_coding, Some(value)),
    });
    if let Some(m) = method(stage) {
        resource["method"] = m;
    }
    // T, N and M claim their mCODE profile (subject and method present); the stage group does
    // not: its profile requires a focus on an mCODE primary cancer Condition, which the
    // exported Condition does not claim to be.
    if kind != StageKind::Group && !p.is_empty() && stage.system.is_some() {
        let name = match kind {
            StageKind::T => "mcode-tnm-primary-tumor-category",
            StageKind::N => "mcode-tnm-regional-nodes-category",
            _ => "mcode-tnm-distant-metastases-category",
        };
        resource["meta"] = profile(name);
    }
    resource
}

fn stage_observations(w: &mut Writer, stage: &Stage) {
    let mut members = Vec::new();
    for (kind, value) in [
        (StageKind::T, &stage.t),
        (StageKind::N, &stage.n),
        (StageKind::M, &stage.m),
    ] {
        let Some(value) = value else { continue };
        let resource = stage_observation(w, stage, kind, value);
        let item = format!("stage-{}", kind.field());
        members.push(w.add(
            &item,
            resource,
            &format!("{}{value}", stage.prefix.as_deref().unwrap_or("")),
        ));
    }
    let Some(group) = &stage.group else { return };
    let mut resource = stage_observation(w, stage, StageKind::Group, group);
    if let Some(condition) = &w.condition {
        resource["focus"] = json!([Writer::reference(condition)]);
    }
    if !members.is_empty() {
        resource["hasMember"] =
            Value::Array(members.iter().map(|m| Writer::reference(m)).collect());
    }
    let words = format!(
        "Stage {}{} ({}).",
        stage.prefix.as_deref().unwrap_or(""),
        group,
        stage.system.as_deref().unwrap_or("system not stated")
    );
    w.add("stage-group", resource, &words);
}

/// The ECOG or Karnofsky score as the mCODE profiles shape it (LOINC code, survey category,
/// `valueInteger`), dated when the picture was recorded. No `meta.profile`: their
/// StructureDefinitions are not among those the tests assert (tests/fixtures/fhir/mcode).
fn performance_status(w: &mut Writer, status: PerformanceStatus) {
    let Some(row) = Tables::standard().performance_code(status.scale) else {
        return;
    };
    let resource = json!({
        "resourceType": "Observation",
        "status": "final",
        "category": category("survey"),
        "code": concept(vec![coding(&row.system, &row.code, Some(&row.display))], None),
        "subject": Writer::reference(&w.patient),
        "effectiveDateTime": w.time,
        "valueInteger": status.value,
    });
    let words = format!("{}: {}.", row.display, status.value);
    w.add("performance-status", resource, &words);
}

fn grade_observation(w: &mut Writer, grade: i64, system: Option<&str>) {
    let mut resource = json!({
        "resourceType": "Observation",
        "status": "final",
        "category": category("laboratory"),
        "code": concept(vec![coding(NCIT, "C18000", None)], Some("Histologic grade")),
        "subject": Writer::reference(&w.patient),
        "valueCodeableConcept": {"text": format!("Grade {grade}")},
    });
    if let Some(system) = system {
        resource["method"] = json!({"text": system});
    }
    if let Some(condition) = &w.condition {
        resource["focus"] = json!([Writer::reference(condition)]);
    }
    w.add(
        "grade",
        resource,
        &format!(
            "Grade {grade}{}.",
            system.map(|s| format!(" ({s})")).unwrap_or_default()
        ),
    );
}

const ACMG: [&str; 5] = [
    "pathogenic",
    "likely pathogenic",
    "uncertain significance",
    "likely benign",
    "benign",
];

/// The positive or negative answer code of a result, by its class.
fn class_code(kind: AnswerKind, result: &str, positive: &str, negative: &str) -> Vec<Value> {
    let t = Tables::standard();
    let word = match Vocabulary::standard().classify_result(result) {
        ResultClass::Positive => positive,
        ResultClass::Negative => negative,
        _ => return Vec::new(),
    };
    t.answer_code(kind, word)
        .map(|c| coding(c.system, c.code, Some(c.display)))
        .into_iter()
        .collect()
}

fn biomarker(w: &mut Writer, n: usize, marker: &Biomarker) {
    let t = Tables::standard();
    let vocab = Vocabulary::standard();
    let mut components = Vec::new();
    if let Some(origin) = marker.origin {
        let word = match origin {
            BiomarkerOrigin::Germline => "germline",
            BiomarkerOrigin::Somatic => "somatic",
        };
        if let Some(c) = t.answer_code(AnswerKind::Origin, word) {
            components.push(json!({
                "code": {"coding": [coding(LOINC, SOURCE_CLASS, None)]},
                "valueCodeableConcept": {"coding": [coding(c.system, c.code, Some(c.display))]},
            }));
        }
    }
    let variant = marker.variant.is_some();
    let (code, profile_name) = if variant {
        let gene_codings: Vec<Value> = t
            .gene_id(&marker.name)
            .map(|id| coding(HGNC[0], id, Some(&marker.name)))
            .into_iter()
            .collect();
        components.insert(
            0,
            json!({
                "code": {"coding": [coding(LOINC, GENE_STUDIED, None)]},
                "valueCodeableConcept": concept(gene_codings, Some(&marker.name)),
            }),
        );
        components.insert(
            1,
            json!({
                "code": {"coding": [coding(LOINC, VARIANT_CODE, None)]},
                "valueCodeableConcept": {"text": marker.variant},
            }),
        );
        (
            concept(
                vec![coding(LOINC, VARIANT, Some("Genetic variant assessment"))],
                None,
            ),
            Some("mcode-genomic-variant"),
        )
    } else {
        let key = vocab.gene(&marker.name, false).unwrap_or(&marker.name);
        match t.marker_code(key) {
            Some(c) => (
                concept(
                    vec![coding(c.system, c.code, Some(c.display))],
                    Some(&marker.name),
                ),
                Some("mcode-tumor-marker-test"),
            ),
            None => (concept(Vec::new(), Some(&marker.name)), None),
        }
    };
    let mut resource = json!({
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {"coding": [coding(OBSERVATION_CATEGORY, "laboratory", None)]},
            {"coding": [coding(CONCORD_CODES, "biomarker", Some("Biomarker result"))]},
        ],
        "code": code,
        "subject": Writer::reference(&w.patient),
    });
    let result = marker.result.as_str();
    let significance = ACMG.iter().find(|a| a.eq_ignore_ascii_case(result.trim()));
    if let Some(value) = &marker.value {
        resource["valueString"] = Value::String(value.clone());
        resource["interpretation"] = json!([concept(
            class_code(AnswerKind::Interpretation, result, "positive", "negative"),
            Some(result)
        )]);
    } else if variant && let Some(word) = significance {
        let c = t.answer_code(AnswerKind::Significance, word);
        components.push(json!({
            "code": {"coding": [coding(LOINC, SIGNIFICANCE, None)]},
            "valueCodeableConcept": concept(c.map(|c| coding(c.system, c.code, Some(c.display))).into_iter().collect(), Some(result)),
        }));
        let present = t.answer_code(AnswerKind::Result, "detected");
        resource["valueCodeableConcept"] = concept(
            present
                .map(|c| coding(c.system, c.code, Some(c.display)))
                .into_iter()
                .collect(),
            None,
        );
    } else if variant {
        resource["valueCodeableConcept"] = concept(
            class_code(AnswerKind::Result, result, "detected", "not detected"),
            Some(result),
        );
    } else {
        resource["valueCodeableConcept"] = concept(
            class_code(AnswerKind::Result, result, "positive", "negative"),
            Some(result),
        );
    }
    if !components.is_empty() {
        resource["component"] = Value::Array(components);
    }
    if let Some(name) = profile_name {
        resource["meta"] = profile(name);
    }
    let words = format!(
        "{}{}: {}{}.",
        marker.name,
        marker
            .variant
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default(),
        result,
        marker
            .value
            .as_deref()
            .map(|v| format!(" ({v})"))
            .unwrap_or_default()
    );
    w.add(&format!("biomarker-{n}"), resource, &words);
}
