//! What one plan item names: a drug (RxNorm at every level, else the vocabulary's names), a
//! cellular product, a surgical procedure, a radiotherapy course with its prescribed dose, a
//! transplant, an investigation, or a plan approach (active surveillance, best supportive care).

use super::Ctx;
use crate::domain::fhir::CONCORD_CODES;
use crate::domain::fhir::codes::{
    EXT_DOSE_DELIVERED, EXT_DOSE_PRESCRIBED, EXT_MODALITY, EXT_MODALITY_TECHNIQUE, EXT_TECHNIQUE,
    RT_COURSE, RXNORM, SNOMED,
};
use crate::domain::fhir::model::{CodeableConcept, Extension, Quantity, Request, extensions};
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::{RadiationType, Radiotherapy, TransplantType};
use crate::domain::vocabulary::fold;

/// What a plan item is.
#[derive(Debug, Clone, PartialEq)]
pub enum Named {
    Drug(String),
    /// A regimen named on a drug order (`FOLFOX`).
    Regimen(String),
    Cellular(String),
    Surgery(String),
    Radiotherapy(Radiotherapy),
    Transplant(TransplantType),
    Investigation(String),
    Observation,
    BestSupportiveCare,
}

/// The Concord code or listed words of a concept: approach, transplant or cellular therapy.
fn concord(cx: &Ctx, concept: &CodeableConcept) -> Option<(String, bool)> {
    if let Some(code) = concept.code_in(CONCORD_CODES)
        && let Some(row) = cx.tables.concord_code(code)
    {
        return Some((row.meaning.clone(), false));
    }
    let words = concept.words()?;
    cx.tables
        .concord_words(words)
        .map(|row| (row.meaning.clone(), true))
}

fn from_meaning(meaning: &str, concept: &CodeableConcept) -> Option<Named> {
    match meaning {
        "observation" => Some(Named::Observation),
        "best_supportive_care" => Some(Named::BestSupportiveCare),
        "transplant_autologous" => Some(Named::Transplant(TransplantType::Autologous)),
        "transplant_allogeneic" => Some(Named::Transplant(TransplantType::Allogeneic)),
        "cellular_therapy" => concept.text.clone().map(Named::Cellular),
        _ => None,
    }
}

/// A drug concept: the RxNorm table first, its text kept when it names the same drug; then
/// the vocabulary on the text and displays; else the words as written.
pub fn drug(cx: &mut Ctx, i: usize, at: &str, concept: &CodeableConcept) -> Option<Named> {
    let mut coded: Vec<&'static str> = Vec::new();
    for coding in concept
        .coding
        .iter()
        .filter(|c| c.system.as_deref() == Some(RXNORM))
    {
        if let Some(drug) = coding.code.as_deref().and_then(|c| cx.tables.rxnorm(c))
            && !coded.contains(&drug)
        {
            coded.push(drug);
        }
    }
    let text = concept
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(&drug) = coded.first() {
        if coded.len() > 1 {
            cx.note_at(
                i,
                at,
                Note::new(
                    EntryKind::Conflict,
                    true,
                    format!(
                        "The RxNorm codings name different drugs ({}): {drug} is used.",
                        coded.join(", ")
                    ),
                )
                .element("plan.systemic_therapy"),
            );
        }
        let Some(text) = text else {
            return Some(Named::Drug(drug.to_string()));
        };
        return Some(match cx.vocab.drug(text).map(|d| d.name.as_str()) {
            Some(name) if name == drug => Named::Drug(text.to_string()),
            Some(other) => {
                cx.note_at(
                    i,
                    at,
                    Note::new(
                        EntryKind::Conflict,
                        true,
                        format!("The RxNorm code means {drug} but the text says '{text}' ({other}): {drug} is used."),
                    )
                    .element("plan.systemic_therapy"),
                );
                Named::Drug(drug.to_string())
            }
            None => Named::Drug(drug.to_string()),
        });
    }
    let has_code = concept.coding.iter().any(|c| c.code.is_some());
    let first = concept.coding.iter().find(|c| c.code.is_some());
    let words: Vec<&str> = text
        .into_iter()
        .chain(concept.coding.iter().filter_map(|c| c.display.as_deref()))
        .collect();
    for word in &words {
        let named = if cx.vocab.drug(word).is_some() {
            Some(Named::Drug(word.to_string()))
        } else if cx.vocab.cellular_product(word).is_some() {
            Some(Named::Cellular(word.to_string()))
        } else if cx.vocab.regimen(word, None).is_some() {
            Some(Named::Regimen(word.to_string()))
        } else {
            None
        };
        if let Some(named) = named {
            cx.note_at(
                i,
                at,
                Note::new(
                    EntryKind::MatchedByName,
                    false,
                    if has_code {
                        format!("No code in the drug table; '{word}' is read by name.")
                    } else {
                        format!("'{word}' is read by name (no code was sent).")
                    },
                )
                .element("plan.systemic_therapy")
                .code(
                    first.and_then(|c| c.system.as_deref()),
                    first.and_then(|c| c.code.as_deref()),
                ),
            );
            return Some(named);
        }
    }
    match words.first() {
        Some(word) => {
            cx.note_at(
                i,
                at,
                Note::new(
                    EntryKind::KeptAsWritten,
                    has_code,
                    format!(
                        "'{word}' is neither in the drug table nor the vocabulary: kept as written."
                    ),
                )
                .element("plan.systemic_therapy")
                .code(
                    first.and_then(|c| c.system.as_deref()),
                    first.and_then(|c| c.code.as_deref()),
                ),
            );
            Some(Named::Drug(word.to_string()))
        }
        None => {
            cx.note_at(
                i,
                at,
                Note::new(
                    EntryKind::Unmapped,
                    true,
                    "A drug order whose drug has no code the table knows and no words: left out.",
                )
                .element("plan.systemic_therapy")
                .code(
                    first.and_then(|c| c.system.as_deref()),
                    first.and_then(|c| c.code.as_deref()),
                ),
            );
            None
        }
    }
}

/// A ServiceRequest or Procedure in the plan.
pub fn service(cx: &mut Ctx, i: usize, request: &Request) -> Option<Named> {
    let code = request.code.clone().unwrap_or_default();
    if let Some((meaning, by_words)) = concord(cx, &code)
        && let Some(named) = from_meaning(&meaning, &code)
    {
        if by_words {
            cx.note_at(
                i,
                "code",
                Note::new(
                    EntryKind::MatchedByName,
                    false,
                    format!("'{}' is read by name.", code.words().unwrap_or_default()),
                )
                .element("plan"),
            );
        }
        return Some(named);
    }
    let radiotherapy = code.has(SNOMED, RT_COURSE)
        || code
            .code_in(SNOMED)
            .is_some_and(|c| cx.tables.modality(c).is_some())
        || extensions(&request.extension, EXT_MODALITY_TECHNIQUE)
            .next()
            .is_some()
        || extensions(&request.extension, EXT_DOSE_PRESCRIBED)
            .next()
            .is_some();
    if radiotherapy {
        return Some(Named::Radiotherapy(radiotherapy_course(
            cx, i, request, &code,
        )));
    }
    let role = request.category.iter().find_map(|c| {
        c.coding
            .iter()
            .filter(|c| c.system.as_deref() == Some(SNOMED))
            .find_map(|c| cx.tables.service_role(c.code.as_deref()?))
    });
    let text = code
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(procedure) = code
        .coding
        .iter()
        .filter(|c| c.system.as_deref() == Some(SNOMED))
        .find_map(|c| cx.tables.procedure(c.code.as_deref()?))
    {
        return Some(Named::Surgery(match text {
            Some(t) if cx.vocab.procedure(t).map(|p| p.name.as_str()) == Some(procedure) => {
                t.to_string()
            }
            _ => procedure.to_string(),
        }));
    }
    let words = code.words().map(str::to_string);
    let first = code.coding.iter().find(|c| c.code.is_some());
    let has_code = first.is_some();
    if let Some(words) = &words {
        if role != Some("investigation") && cx.vocab.procedure(words).is_some() {
            cx.note_at(
                i,
                "code",
                Note::new(
                    EntryKind::MatchedByName,
                    false,
                    format!("The procedure '{words}' is read by name."),
                )
                .element("plan.surgery")
                .code(
                    first.and_then(|c| c.system.as_deref()),
                    first.and_then(|c| c.code.as_deref()),
                ),
            );
            return Some(Named::Surgery(words.clone()));
        }
        if cx.vocab.cellular_product(words).is_some() {
            return Some(Named::Cellular(words.clone()));
        }
        match role {
            Some("surgery") => {
                cx.note_at(
                    i,
                    "code",
                    Note::new(
                        EntryKind::KeptAsWritten,
                        has_code,
                        format!(
                            "The operation '{words}' is not in the vocabulary: kept as written."
                        ),
                    )
                    .element("plan.surgery")
                    .code(
                        first.and_then(|c| c.system.as_deref()),
                        first.and_then(|c| c.code.as_deref()),
                    ),
                );
                return Some(Named::Surgery(words.clone()));
            }
            Some(_) => return Some(Named::Investigation(words.clone())),
            None => {}
        }
    }
    cx.note_at(
        i,
        "code",
        Note::new(
            EntryKind::Unmapped,
            true,
            format!(
                "A requested '{}' is not a treatment or test the tables know: left out.",
                words.as_deref().unwrap_or("(no text)")
            ),
        )
        .element("plan")
        .code(
            first.and_then(|c| c.system.as_deref()),
            first.and_then(|c| c.code.as_deref()),
        ),
    );
    None
}

/// Gy from a UCUM quantity in cGy or Gy.
fn gray(q: &Quantity) -> Option<f64> {
    let value = q.value?;
    match q.code.as_deref().or(q.unit.as_deref()) {
        Some("cGy") => Some(value / 100.0),
        Some("Gy") => Some(value),
        _ => None,
    }
}

/// One dose-to-volume extension: (total Gy, fractions), CodeX 1.x and older sub-extension names.
fn dose(ext: &Extension) -> (Option<f64>, Option<i64>, bool) {
    let total = ["totalDose", "totalDosePrescribed", "totalDoseDelivered"]
        .iter()
        .find_map(|u| ext.part(u)?.value_quantity.clone());
    let fractions = ["fractions", "fractionsPrescribed", "fractionsDelivered"]
        .iter()
        .find_map(|u| ext.part(u)?.int());
    let gy = total.as_ref().and_then(gray);
    (gy, fractions, total.is_some() && gy.is_none())
}

fn radiotherapy_course(
    cx: &mut Ctx,
    i: usize,
    request: &Request,
    code: &CodeableConcept,
) -> Radiotherapy {
    let mut rt = Radiotherapy::default();
    let mut doses: Vec<(Option<f64>, Option<i64>)> = Vec::new();
    for ext in extensions(&request.extension, EXT_DOSE_PRESCRIBED)
        .chain(extensions(&request.extension, EXT_DOSE_DELIVERED))
    {
        let (gy, fractions, bad_unit) = dose(ext);
        if bad_unit {
            cx.note_at(
                i,
                "extension",
                Note::new(
                    EntryKind::Unmapped,
                    true,
                    "A radiotherapy dose in a unit other than cGy or Gy: left out.",
                )
                .element("plan.radiotherapy.total_dose_gy"),
            );
        }
        if !doses.contains(&(gy, fractions)) {
            doses.push((gy, fractions));
        }
    }
    match doses.as_slice() {
        [] => {}
        [(gy, fractions)] => {
            rt.total_dose_gy = *gy;
            rt.fractions = *fractions;
        }
        several => {
            let listed: Vec<String> = several
                .iter()
                .map(|(g, f)| {
                    format!(
                        "{} Gy in {} fractions",
                        g.map_or("?".into(), |g| g.to_string()),
                        f.map_or("?".into(), |f| f.to_string())
                    )
                })
                .collect();
            cx.note_at(
                i,
                "extension",
                Note::new(
                    EntryKind::Conflict,
                    true,
                    format!("Several volumes or prescriptions ({}): no dose is read, since no single one is unambiguous.", listed.join("; ")),
                )
                .element("plan.radiotherapy"),
            );
        }
    }
    let mut modalities: Vec<RadiationType> = Vec::new();
    let add_modality = |cx: &mut Ctx,
                        concept: &CodeableConcept,
                        modalities: &mut Vec<RadiationType>| {
        match concept.code_in(SNOMED).and_then(|c| cx.tables.modality(c)) {
            Some(m) if !modalities.contains(&m) => modalities.push(m),
            Some(_) => {}
            None => cx.note_at(
                i,
                "extension",
                Note::new(
                    EntryKind::Unmapped,
                    true,
                    format!("The radiotherapy modality '{}' has no radiation type in the table: left out.", concept.words().unwrap_or("no text")),
                )
                .element("plan.radiotherapy.radiation_type")
                .code(Some(SNOMED), concept.code_in(SNOMED)),
            ),
        }
    };
    if code
        .code_in(SNOMED)
        .is_some_and(|c| cx.tables.modality(c).is_some())
    {
        add_modality(cx, code, &mut modalities);
    }
    for ext in extensions(&request.extension, EXT_MODALITY_TECHNIQUE) {
        if let Some(value) = ext
            .part(EXT_MODALITY)
            .and_then(|m| m.value_codeable_concept.as_ref())
        {
            add_modality(cx, value, &mut modalities);
        }
        if let Some(value) = ext
            .part(EXT_TECHNIQUE)
            .and_then(|t| t.value_codeable_concept.as_ref())
        {
            let label = value
                .code_in(SNOMED)
                .and_then(|c| cx.tables.technique(c))
                .map(str::to_string)
                .or_else(|| value.words().map(str::to_string));
            let label = match (label, value.text.as_deref()) {
                (Some(l), Some(t)) if fold(&l) == fold(t) => Some(t.to_string()),
                (l, _) => l,
            };
            if rt.technique.is_none() {
                rt.technique = label;
            }
        }
    }
    match modalities.as_slice() {
        [] => {}
        [one] => rt.radiation_type = Some(*one),
        _ => cx.note_at(
            i,
            "extension",
            Note::new(
                EntryKind::Conflict,
                true,
                format!("The course names several modalities ({modalities:?}): no radiation type is read."),
            )
            .element("plan.radiotherapy.radiation_type"),
        ),
    }
    rt.site = request
        .body_site
        .first()
        .and_then(|b| b.concept().words().map(|w| w.trim().to_string()));
    rt
}
