//! Grade (numbered grades of a known system, Nottingham and ISUP codes, the ICD-O-3 grade digit)
//! and histologic type Observations, when linked to the primary Condition.

use super::Ctx;
use super::diagnosis::{Link, observation_link};
use super::site::histology_code;
use crate::domain::fhir::codes::{HISTOLOGIC_TYPE, LOINC};
use crate::domain::fhir::model::Observation;
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::Diagnosis;

/// Histologic type Observations (when the Condition gives none) and grade Observations.
pub fn grade_and_histology_observations(
    cx: &mut Ctx,
    primary: Option<usize>,
    diagnosis: &mut Diagnosis,
) {
    // A grade digit of the ICD-O-3 morphology (read with the Condition) is one source among others.
    let mut grades: Vec<(i64, Option<String>, String)> = diagnosis
        .grade
        .map(|g| {
            (
                g,
                diagnosis.grade_system.clone(),
                "the ICD-O-3 morphology".to_string(),
            )
        })
        .into_iter()
        .collect();
    for i in cx.of_kind("Observation") {
        if cx.used[i] {
            continue;
        }
        let Ok(obs) = cx.item(i).read::<Observation>() else {
            continue;
        };
        let Some(code) = obs.code.clone() else {
            continue;
        };
        let is_histology = code.has(LOINC, HISTOLOGIC_TYPE);
        let grade_row = code.coding.iter().find_map(|c| {
            cx.tables
                .grade_code(c.system.as_deref()?, c.code.as_deref()?)
                .map(|r| r.grade_system.clone())
        });
        if !is_histology && grade_row.is_none() {
            continue;
        }
        cx.mark(i);
        if observation_link(cx, &obs, primary) == Link::Other {
            cx.note_at(
                i,
                "focus",
                Note::new(
                    EntryKind::NotLinked,
                    false,
                    "This Observation is about another Condition than the primary cancer.",
                ),
            );
            continue;
        }
        let Some(value) = obs.value_codeable_concept.clone() else {
            if let Some(grade) = obs.value_integer.filter(|g| (1..=5).contains(g)) {
                grades.push((
                    grade,
                    grade_row.filter(|s| !s.is_empty()),
                    cx.item(i).path(),
                ));
            }
            continue;
        };
        if is_histology {
            if let Some(code) =
                histology_code(cx, i, "valueCodeableConcept", &value).map(|m| m.code)
            {
                match &diagnosis.histology {
                    None => diagnosis.histology = Some(code),
                    Some(known) if *known == code => {}
                    Some(known) => cx.note_at(
                        i,
                        "valueCodeableConcept",
                        Note::new(
                            EntryKind::Conflict,
                            true,
                            format!("The histologic type Observation says {code}, the Condition {known}; the Condition's is kept."),
                        )
                        .element("diagnosis.histology"),
                    ),
                }
            }
            continue;
        }
        let system = grade_row.filter(|s| !s.is_empty()).or_else(|| {
            obs.method
                .as_ref()
                .and_then(|m| m.words())
                .map(|w| w.trim().to_string())
        });
        if let Some(row) = value.coding.iter().find_map(|c| {
            cx.tables
                .grade_value(c.system.as_deref()?, c.code.as_deref()?)
        }) {
            grades.push((row.grade, Some(row.grade_system.clone()), cx.item(i).path()));
        } else if let Some(grade) = value.text.as_deref().and_then(grade_from_text) {
            grades.push((grade, system, cx.item(i).path()));
        } else {
            let coding = value.coding.first();
            cx.note_at(
                i,
                "valueCodeableConcept",
                Note::new(
                    EntryKind::Unmapped,
                    true,
                    format!(
                        "The grade '{}' is not a numbered grade of a known system: left out.",
                        value.words().unwrap_or("no text")
                    ),
                )
                .element("diagnosis.grade")
                .code(
                    coding.and_then(|c| c.system.as_deref()),
                    coding.and_then(|c| c.code.as_deref()),
                ),
            );
        }
    }
    if let Some((grade, system, _)) = grades.first().cloned() {
        if grades.iter().all(|(g, s, _)| *g == grade && *s == system) {
            diagnosis.grade = Some(grade);
            diagnosis.grade_system = system;
        } else {
            diagnosis.grade = None;
            diagnosis.grade_system = None;
            let listed: Vec<String> = grades
                .iter()
                .map(|(g, s, at)| format!("{g} {} ({at})", s.as_deref().unwrap_or("")))
                .collect();
            cx.note(
                Note::new(
                    EntryKind::Conflict,
                    true,
                    format!("Different grades: {}; left out.", listed.join(", ")),
                )
                .element("diagnosis.grade"),
            );
        }
    }
}

/// `2`, `G2`, `Grade 2` -> 2.
pub fn grade_from_text(text: &str) -> Option<i64> {
    let lowered = text.trim().to_lowercase();
    let rest = lowered
        .strip_prefix("grade")
        .or_else(|| lowered.strip_prefix('g'))
        .unwrap_or(&lowered)
        .trim();
    rest.parse().ok().filter(|g| (1..=5).contains(g))
}
