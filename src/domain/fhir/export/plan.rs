//! The plan as FHIR: a CarePlan (intent `plan` or `proposal`) grouping one RequestGroup per
//! line of systemic therapy (its MedicationRequests, `reportedBoolean` true: Concord relays the
//! plan, it does not order it), ServiceRequests for surgery, radiotherapy (with the CodeX
//! prescribed-dose extension, no CodeX profile claimed), transplant, cellular therapy and
//! tests, ResearchStudies for trials, and active surveillance or best supportive care as
//! activity details.

use serde_json::{Value, json};

use super::{Writer, coding, concept, sid};
use crate::domain::fhir::CONCORD_CODES;
use crate::domain::fhir::codes::{
    EXT_DOSE_PRESCRIBED, EXT_INTENT, EXT_MODALITY, EXT_MODALITY_TECHNIQUE, EXT_TECHNIQUE, ISO_3166,
    RT_COURSE, SNOMED, STUDY_PHASE, Tables, UCUM,
};
use crate::domain::picture::{Plan, Radiotherapy, TransplantType};
use crate::domain::vocabulary::Vocabulary;

pub fn write(w: &mut Writer) {
    let Some(plan) = w.picture.plan.clone() else {
        return;
    };
    let mut activities: Vec<Value> = Vec::new();
    let mut studies: Vec<Value> = Vec::new();
    for (n, line) in plan.systemic_therapy.iter().flatten().enumerate() {
        let group = line_group(w, &plan, n, line);
        activities.push(json!({"reference": Writer::reference(&group)}));
    }
    if let Some(rt) = &plan.radiotherapy {
        let r = radiotherapy(w, &plan, rt);
        activities.push(json!({"reference": Writer::reference(&r)}));
    }
    if let Some(surgery) = &plan.surgery {
        let t = Tables::standard();
        let category = t
            .service_category("surgery")
            .map(|row| json!([{"coding": [coding(SNOMED, &row.code, Some(&row.display))]}]));
        let r = service(
            w,
            &plan,
            "surgery",
            concept(Vec::new(), Some(&surgery.procedure)),
            category,
            true,
            &format!("Surgery: {}.", surgery.procedure),
        );
        activities.push(json!({"reference": Writer::reference(&r)}));
    }
    if let Some(transplant) = &plan.transplant {
        let meaning = match transplant.kind {
            TransplantType::Autologous => "transplant_autologous",
            TransplantType::Allogeneic => "transplant_allogeneic",
        };
        let row = Tables::standard()
            .concord_meaning(meaning)
            .expect("a Concord transplant code");
        let code = concept(
            vec![coding(CONCORD_CODES, &row.code, Some(&row.display))],
            Some(&row.display),
        );
        let r = service(
            w,
            &plan,
            "transplant",
            code,
            None,
            true,
            &format!("{}.", row.display),
        );
        activities.push(json!({"reference": Writer::reference(&r)}));
    }
    if let Some(cellular) = &plan.cellular_therapy {
        let row = Tables::standard()
            .concord_meaning("cellular_therapy")
            .expect("a Concord cellular therapy code");
        let code = concept(
            vec![coding(CONCORD_CODES, &row.code, Some(&row.display))],
            Some(&cellular.product),
        );
        let r = service(
            w,
            &plan,
            "cellular-therapy",
            code,
            None,
            true,
            &format!("Cellular therapy: {}.", cellular.product),
        );
        activities.push(json!({"reference": Writer::reference(&r)}));
    }
    for (n, test) in plan.recommended_investigations.iter().flatten().enumerate() {
        let category = Tables::standard()
            .service_category("investigation")
            .map(|row| json!([{"coding": [coding(SNOMED, &row.code, Some(&row.display))]}]));
        let r = service(
            w,
            &plan,
            &format!("investigation-{n}"),
            concept(Vec::new(), Some(&test.name)),
            category,
            false,
            &format!("Test: {}.", test.name),
        );
        activities.push(json!({"reference": Writer::reference(&r)}));
    }
    for (flag, meaning) in [
        (plan.observes(), "observation"),
        (plan.supportive_care_only(), "best_supportive_care"),
    ] {
        if !flag {
            continue;
        }
        let row = Tables::standard()
            .concord_meaning(meaning)
            .expect("a Concord approach code");
        activities.push(json!({"detail": {
            "code": concept(vec![coding(CONCORD_CODES, &row.code, Some(&row.display))], Some(&row.display)),
            "status": "not-started",
        }}));
    }
    for (n, trial) in plan.clinical_trials.iter().flatten().enumerate() {
        let mut study = json!({
            "resourceType": "ResearchStudy",
            "identifier": [if trial.registry_id.starts_with("NCT") {
                json!({"system": "http://clinicaltrials.gov", "value": trial.registry_id})
            } else {
                json!({"value": trial.registry_id})
            }],
            "status": "active",
        });
        if let Some(title) = &trial.title {
            study["title"] = Value::String(title.clone());
        }
        if let Some(phase) = &trial.phase {
            let code = Tables::standard()
                .phase_code(phase)
                .map(|c| coding(STUDY_PHASE, c, None));
            study["phase"] = concept(code.into_iter().collect(), Some(phase));
        }
        if let Some(country) = &trial.country {
            study["location"] = json!([{"coding": [coding(ISO_3166, country, None)]}]);
        }
        let r = w.add(
            &format!("trial-{n}"),
            study,
            &format!(
                "Clinical trial {}{}.",
                trial.registry_id,
                trial
                    .title
                    .as_deref()
                    .map(|t| format!(": {t}"))
                    .unwrap_or_default()
            ),
        );
        studies.push(Writer::reference(&r));
    }
    let mut care = json!({
        "resourceType": "CarePlan",
        "status": "active",
        "intent": w.intent(),
        "title": match w.x.kind {
            super::PlanKind::CurrentPlan => "Current treatment plan",
            super::PlanKind::SecondOpinion => "Second opinion recommendation",
        },
        "subject": Writer::reference(&w.patient),
        "created": w.time,
    });
    if let Some(extension) = intent_extension(&plan) {
        care["extension"] = json!([extension]);
    }
    if let Some(author) = &w.author {
        care["author"] = Writer::reference(author);
    }
    if let Some(condition) = &w.condition {
        care["addresses"] = json!([Writer::reference(condition)]);
    }
    if !activities.is_empty() {
        care["activity"] = Value::Array(activities);
    }
    if !studies.is_empty() {
        care["supportingInfo"] = Value::Array(studies);
    }
    let title = care["title"].as_str().unwrap_or_default().to_string();
    w.add("careplan", care, &format!("{title}."));
}

fn intent_extension(plan: &Plan) -> Option<Value> {
    let row = Tables::standard().intent_row(plan.intent?)?;
    Some(
        json!({"url": EXT_INTENT, "valueCodeableConcept": {"coding": [coding(SNOMED, &row.code, Some(&row.display))]}}),
    )
}

/// What every plan request carries: status, intent, subject, time, requester, reason.
fn request(w: &Writer, plan: &Plan, resource: &mut Value, with_intent: bool) {
    resource["status"] = json!("active");
    resource["intent"] = json!(w.intent());
    resource["subject"] = Writer::reference(&w.patient);
    resource["authoredOn"] = json!(w.time);
    if let Some(author) = &w.author {
        resource["requester"] = Writer::reference(author);
    }
    if let Some(condition) = &w.condition {
        resource["reasonReference"] = json!([Writer::reference(condition)]);
    }
    if with_intent && let Some(ext) = intent_extension(plan) {
        let list = resource["extension"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut all = vec![ext];
        all.extend(list);
        resource["extension"] = Value::Array(all);
    }
}

fn service(
    w: &mut Writer,
    plan: &Plan,
    item: &str,
    code: Value,
    category: Option<Value>,
    with_intent: bool,
    words: &str,
) -> String {
    let mut resource = json!({"resourceType": "ServiceRequest", "code": code});
    if let Some(category) = category {
        resource["category"] = category;
    }
    request(w, plan, &mut resource, with_intent);
    w.add(item, resource, words)
}

fn line_group(
    w: &mut Writer,
    plan: &Plan,
    n: usize,
    line: &crate::domain::picture::SystemicTherapy,
) -> String {
    let t = Tables::standard();
    let vocab = Vocabulary::standard();
    let group_id = json!({"system": sid("systemic-therapy-line"), "value": format!("{}/{}", w.x.version_id, n)});
    let mut actions = Vec::new();
    for (m, drug) in line.drugs.iter().flatten().enumerate() {
        let rx = vocab
            .drug(drug)
            .and_then(|d| t.rxnorm_code(&d.name))
            .map(|c| coding(c.system, c.code, Some(c.display)));
        let mut resource = json!({
            "resourceType": "MedicationRequest",
            "reportedBoolean": true,
            "medicationCodeableConcept": concept(rx.into_iter().collect(), Some(drug)),
            "groupIdentifier": group_id,
        });
        request(w, plan, &mut resource, true);
        let r = w.add(
            &format!("line-{n}-drug-{m}"),
            resource,
            &format!("Drug: {drug}."),
        );
        actions.push(json!({"resource": Writer::reference(&r)}));
    }
    let mut group = json!({
        "resourceType": "RequestGroup",
        "groupIdentifier": group_id,
        "status": "active",
        "intent": w.intent(),
        "subject": Writer::reference(&w.patient),
        "authoredOn": w.time,
    });
    if let Some(regimen) = &line.regimen {
        group["code"] = json!({"text": regimen});
    }
    if !actions.is_empty() {
        group["action"] = Value::Array(actions);
    }
    let words = match (&line.regimen, &line.drugs) {
        (Some(r), Some(d)) => format!("Systemic therapy {r}: {}.", d.join(", ")),
        (Some(r), None) => format!("Systemic therapy {r}."),
        (None, Some(d)) => format!("Systemic therapy: {}.", d.join(", ")),
        (None, None) => "Systemic therapy.".into(),
    };
    w.add(&format!("line-{n}"), group, &words)
}

fn radiotherapy(w: &mut Writer, plan: &Plan, rt: &Radiotherapy) -> String {
    let t = Tables::standard();
    let mut extensions = Vec::new();
    if rt.radiation_type.is_some() || rt.technique.is_some() {
        let mut parts = Vec::new();
        if let Some(c) = rt.radiation_type.and_then(|r| t.modality_code(r)) {
            parts.push(json!({"url": EXT_MODALITY, "valueCodeableConcept": {"coding": [coding(c.system, c.code, Some(c.display))]}}));
        }
        if let Some(technique) = &rt.technique {
            let c = t
                .technique_code(technique)
                .map(|c| coding(c.system, c.code, Some(c.display)));
            parts.push(json!({"url": EXT_TECHNIQUE, "valueCodeableConcept": concept(c.into_iter().collect(), Some(technique))}));
        }
        extensions.push(json!({"url": EXT_MODALITY_TECHNIQUE, "extension": parts}));
    }
    if rt.total_dose_gy.is_some() || rt.fractions.is_some() {
        let volume = w.add(
            "radiotherapy-volume",
            json!({
                "resourceType": "BodyStructure",
                "description": rt.site.clone().unwrap_or_else(|| "Radiotherapy target volume".into()),
                "patient": Writer::reference(&w.patient),
            }),
            &format!("Treated volume: {}.", rt.site.as_deref().unwrap_or("not named")),
        );
        let mut parts =
            vec![json!({"url": "volume", "valueReference": Writer::reference(&volume)})];
        if let Some(gy) = rt.total_dose_gy {
            let cgy = (gy * 100.0 * 1000.0).round() / 1000.0;
            parts.push(json!({"url": "totalDose", "valueQuantity": {"value": cgy, "unit": "cGy", "system": UCUM, "code": "cGy"}}));
        }
        if let Some(fractions) = rt.fractions {
            parts.push(json!({"url": "fractions", "valuePositiveInt": fractions}));
        }
        extensions.push(json!({"url": EXT_DOSE_PRESCRIBED, "extension": parts}));
    }
    let mut resource = json!({
        "resourceType": "ServiceRequest",
        "code": concept(vec![coding(SNOMED, RT_COURSE, None)], Some("Radiotherapy course")),
    });
    if !extensions.is_empty() {
        resource["extension"] = Value::Array(extensions);
    }
    if let Some(site) = &rt.site {
        resource["bodySite"] = json!([{"text": site}]);
    }
    request(w, plan, &mut resource, true);
    let words = format!(
        "Radiotherapy{}{}{}.",
        rt.total_dose_gy
            .map(|d| format!(" {d} Gy"))
            .unwrap_or_default(),
        rt.fractions
            .map(|f| format!(" in {f} fractions"))
            .unwrap_or_default(),
        rt.site
            .as_deref()
            .map(|s| format!(" to {s}"))
            .unwrap_or_default()
    );
    w.add("radiotherapy", resource, &words)
}
