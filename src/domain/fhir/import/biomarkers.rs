//! Biomarkers: tumour marker tests (LOINC table), genomic variants (LOINC 69548-6 with gene,
//! HGVS, source class and clinical significance components) and Concord's own biomarker
//! Observations. Results come from coded answers, else the sender's words; the words are kept
//! when they agree with the code. For one marker, an IHC score is preferred over an
//! interpretation (so HER2-low survives); any other disagreement is a conflict.

use super::Ctx;
use super::diagnosis::{Link, observation_link};
use crate::domain::fhir::CONCORD_CODES;
use crate::domain::fhir::codes::{
    AnswerKind, DNA_CHANGE, GENE_STUDIED, GENOMIC_CHANGE, HGNC, LOINC, MarkerKind,
    OBSERVATION_CATEGORY, PROTEIN_CHANGE, SIGNIFICANCE, SOURCE_CLASS, VARIANT, VARIANT_CODE,
};
use crate::domain::fhir::model::{CodeableConcept, Component, Observation, Quantity};
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::{Biomarker, BiomarkerOrigin};
use crate::domain::vocabulary::{ResultClass, fold};

/// The vocabulary's gene key of a name, else the folded name: how two names are the same marker.
fn gene_key(cx: &Ctx, name: &str, has_variant: bool) -> String {
    cx.vocab
        .gene(name, has_variant)
        .map(str::to_string)
        .unwrap_or_else(|| fold(name))
}

struct Read {
    i: usize,
    marker: Biomarker,
    /// Lower is preferred when one marker is reported twice.
    rank: u8,
    kind: Option<MarkerKind>,
    when: Option<String>,
}

fn class(cx: &Ctx, word: &str) -> ResultClass {
    match cx.vocab.classify_result(word) {
        ResultClass::Other(w) | ResultClass::Unrecognised(w) => ResultClass::Other(w),
        c => c,
    }
}

/// The words of a coded answer, kept when they agree with the code's meaning.
fn answer(
    cx: &mut Ctx,
    i: usize,
    at: &str,
    kinds: &[AnswerKind],
    value: &CodeableConcept,
) -> Option<String> {
    let coded = value.coding.iter().find_map(|c| {
        let (kind, word) = cx.tables.answer(c.system.as_deref()?, c.code.as_deref()?)?;
        kinds.contains(&kind).then_some(word)
    });
    let text = value
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match (coded, text) {
        (Some(word), Some(text))
            if class(cx, word) == class(cx, text) || fold(word) == fold(text) =>
        {
            Some(text.to_string())
        }
        (Some(word), Some(text)) => {
            cx.note_at(
                i,
                at,
                Note::new(
                    EntryKind::Conflict,
                    true,
                    format!("The coded result means '{word}' but its text says '{text}': the code is used."),
                )
                .element("diagnosis.biomarkers"),
            );
            Some(word.to_string())
        }
        (Some(word), None) => Some(word.to_string()),
        (None, Some(text)) => Some(text.to_string()),
        (None, None) => {
            let coding = value.coding.first();
            let display = coding.and_then(|c| c.display.as_deref());
            if let Some(display) = display {
                cx.note_at(
                    i,
                    at,
                    Note::new(
                        EntryKind::MatchedByName,
                        false,
                        format!("The result is read from its display '{display}' (no code in the answer table)."),
                    )
                    .element("diagnosis.biomarkers")
                    .code(coding.and_then(|c| c.system.as_deref()), coding.and_then(|c| c.code.as_deref())),
                );
            }
            display.map(str::to_string)
        }
    }
}

fn quantity(q: &Quantity) -> Option<String> {
    let value = q.value?;
    let number = if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        value.to_string()
    };
    Some(match q.unit.as_deref().or(q.code.as_deref()) {
        Some("%") => format!("{number}%"),
        Some(unit) if !unit.is_empty() && unit != "1" => format!("{number} {unit}"),
        _ => number,
    })
}

fn component<'o>(obs: &'o Observation, loinc: &str) -> Option<&'o Component> {
    obs.component
        .iter()
        .find(|c| c.code.as_ref().is_some_and(|code| code.has(LOINC, loinc)))
}

fn component_words(c: &Component) -> Option<String> {
    c.value_codeable_concept
        .as_ref()
        .and_then(|v| {
            v.words()
                .map(str::to_string)
                .or_else(|| v.coding.iter().find_map(|c| c.code.clone()))
        })
        .or_else(|| c.value_string.clone())
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
}

fn origin(cx: &Ctx, obs: &Observation) -> Option<BiomarkerOrigin> {
    let value = component(obs, SOURCE_CLASS)?
        .value_codeable_concept
        .as_ref()?;
    let word = value.coding.iter().find_map(|c| {
        let (kind, word) = cx.tables.answer(c.system.as_deref()?, c.code.as_deref()?)?;
        (kind == AnswerKind::Origin).then_some(word)
    })?;
    match word {
        "germline" => Some(BiomarkerOrigin::Germline),
        "somatic" => Some(BiomarkerOrigin::Somatic),
        _ => None,
    }
}

/// The gene of a variant: HGNC table, else the coding's display or the text (the symbol).
fn gene(cx: &mut Ctx, i: usize, obs: &Observation) -> Option<String> {
    let value = component(obs, GENE_STUDIED)?
        .value_codeable_concept
        .clone()?;
    let coded = value.coding.iter().find_map(|c| {
        HGNC.contains(&c.system.as_deref()?)
            .then(|| cx.tables.gene(c.code.as_deref()?))
            .flatten()
    });
    let text = value
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match (coded, text) {
        (Some(symbol), Some(text)) if fold(symbol) == fold(text) => Some(text.to_string()),
        (Some(symbol), _) => Some(symbol.to_string()),
        (None, Some(text)) => Some(text.to_string()),
        (None, None) => {
            let display = value.words().map(str::to_string);
            if let Some(display) = &display {
                cx.note_at(
                    i,
                    "component",
                    Note::new(
                        EntryKind::MatchedByName,
                        false,
                        format!("The gene is read from its display '{display}' (its id is not in the gene table)."),
                    )
                    .element("diagnosis.biomarkers"),
                );
            }
            display
        }
    }
}

fn read_one(
    cx: &mut Ctx,
    i: usize,
    obs: &Observation,
    marker: Option<(&'static str, MarkerKind)>,
) -> Option<Read> {
    let code = obs.code.clone().unwrap_or_default();
    let is_variant = code.has(LOINC, VARIANT);
    let mut variant = None;
    let name = if is_variant {
        variant = [PROTEIN_CHANGE, DNA_CHANGE, VARIANT_CODE, GENOMIC_CHANGE]
            .iter()
            .find_map(|c| component(obs, c).and_then(component_words));
        gene(cx, i, obs)
    } else {
        let text = code
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match (marker, text) {
            (Some((key, _)), Some(text))
                if cx.vocab.gene(text, false) == cx.vocab.gene(key, false) =>
            {
                Some(text.to_string())
            }
            (Some((key, _)), _) => Some(key.to_string()),
            (None, text) => text.map(str::to_string),
        }
    };
    let Some(name) = name else {
        cx.note_at(
            i,
            "code",
            Note::new(
                EntryKind::Unmapped,
                true,
                "A biomarker result that names no gene or marker: left out.",
            )
            .element("diagnosis.biomarkers"),
        );
        return None;
    };
    let mut value = None;
    let interpretation = obs.interpretation.first().and_then(|v| {
        answer(
            cx,
            i,
            "interpretation",
            &[AnswerKind::Interpretation, AnswerKind::Result],
            v,
        )
    });
    let result = if let Some(significance) =
        component(obs, SIGNIFICANCE).and_then(|c| c.value_codeable_concept.clone())
    {
        answer(
            cx,
            i,
            "component",
            &[AnswerKind::Significance],
            &significance,
        )
    } else if let Some(v) = &obs.value_codeable_concept {
        answer(cx, i, "valueCodeableConcept", &[AnswerKind::Result], v)
    } else {
        let measured = obs
            .value_quantity
            .as_ref()
            .and_then(quantity)
            .or_else(|| obs.value_integer.map(|n| n.to_string()))
            .or_else(|| obs.value_string.clone().filter(|s| !s.trim().is_empty()));
        match interpretation.clone() {
            Some(result) => {
                value = measured;
                Some(result)
            }
            None => measured,
        }
    };
    let Some(result) = result else {
        cx.note_at(
            i,
            "value[x]",
            Note::new(
                EntryKind::Unmapped,
                true,
                format!("The {name} result has no value that can be read: left out."),
            )
            .element("diagnosis.biomarkers"),
        );
        return None;
    };
    let kind = marker.map(|(_, k)| k);
    let rank = match kind {
        Some(MarkerKind::Ihc) => 0,
        Some(MarkerKind::Ish) => 1,
        None | Some(MarkerKind::Presence) => 2,
        Some(MarkerKind::Interpretation) => 3,
        Some(MarkerKind::Quantity) => 4,
        Some(MarkerKind::Narrative) => 5,
    };
    Some(Read {
        i,
        marker: Biomarker {
            score: None,
            name,
            variant,
            result,
            value,
            origin: origin(cx, obs),
        },
        rank,
        kind,
        when: obs.effective().map(str::to_string),
    })
}

pub fn read(cx: &mut Ctx, primary: Option<usize>) -> Vec<Biomarker> {
    let mut reads: Vec<Read> = Vec::new();
    for i in cx.of_kind("Observation") {
        if cx.used[i] {
            continue;
        }
        let Ok(obs) = cx.item(i).read::<Observation>() else {
            continue;
        };
        let code = obs.code.clone().unwrap_or_default();
        let marker = code
            .coding
            .iter()
            .filter(|c| c.system.as_deref() == Some(LOINC))
            .find_map(|c| cx.tables.marker(c.code.as_deref()?))
            .map(|row| (row.marker, row.kind));
        let ours = obs
            .category
            .iter()
            .any(|c| c.has(CONCORD_CODES, "biomarker"));
        let named = code.coding.is_empty()
            && code
                .text
                .as_deref()
                .is_some_and(|t| cx.vocab.gene(t, false).is_some());
        let laboratory = obs
            .category
            .iter()
            .any(|c| c.has(OBSERVATION_CATEGORY, "laboratory"));
        if marker.is_none() && !code.has(LOINC, VARIANT) && !ours && !named {
            if laboratory {
                cx.mark(i);
                let coding = code.coding.first();
                cx.note_at(
                    i,
                    "code",
                    Note::new(
                        EntryKind::Unmapped,
                        false,
                        format!(
                            "The laboratory result '{}' is not a biomarker the tables know: not read.",
                            code.words().unwrap_or("no text")
                        ),
                    )
                    .code(coding.and_then(|c| c.system.as_deref()), coding.and_then(|c| c.code.as_deref())),
                );
            }
            continue;
        }
        cx.mark(i);
        if matches!(
            obs.status.as_deref(),
            Some("entered-in-error" | "cancelled")
        ) {
            cx.note_at(
                i,
                "status",
                Note::new(
                    EntryKind::SkippedEntry,
                    false,
                    "A result marked entered-in-error or cancelled is not read.",
                ),
            );
            continue;
        }
        if observation_link(cx, &obs, primary) == Link::Other {
            cx.note_at(
                i,
                "focus",
                Note::new(
                    EntryKind::NotLinked,
                    false,
                    "A result about another Condition than the primary cancer: not read.",
                ),
            );
            continue;
        }
        if named {
            cx.note_at(
                i,
                "code.text",
                Note::new(
                    EntryKind::MatchedByName,
                    false,
                    "The marker is read from the Observation's text (no code).",
                )
                .element("diagnosis.biomarkers"),
            );
        }
        if let Some(read) = read_one(cx, i, &obs, marker) {
            reads.push(read);
        }
    }
    choose(cx, reads)
}

/// One result per marker (and variant): the preferred kind, then the latest.
fn choose(cx: &mut Ctx, reads: Vec<Read>) -> Vec<Biomarker> {
    let key = |cx: &Ctx, b: &Biomarker| {
        (
            gene_key(cx, &b.name, b.variant.is_some()),
            b.variant.as_deref().map(fold),
            b.origin,
        )
    };
    let mut kept: Vec<Biomarker> = Vec::new();
    let mut done = vec![false; reads.len()];
    for a in 0..reads.len() {
        if done[a] {
            continue;
        }
        let k = key(cx, &reads[a].marker);
        let mut group: Vec<usize> = (a..reads.len())
            .filter(|&b| !done[b] && key(cx, &reads[b].marker) == k)
            .collect();
        for &g in &group {
            done[g] = true;
        }
        group.sort_by(|&x, &y| {
            reads[x]
                .rank
                .cmp(&reads[y].rank)
                .then_with(|| reads[y].when.cmp(&reads[x].when))
        });
        let chosen = &reads[group[0]];
        for &other in &group[1..] {
            let other = &reads[other];
            if class(cx, &other.marker.result) == class(cx, &chosen.marker.result) {
                continue;
            }
            let preferred_score = chosen.kind == Some(MarkerKind::Ihc)
                && other.kind == Some(MarkerKind::Interpretation);
            let message = if preferred_score {
                format!(
                    "{}: the IHC score '{}' is used over the interpretation '{}'.",
                    chosen.marker.name, chosen.marker.result, other.marker.result
                )
            } else {
                format!(
                    "{} is reported twice: '{}' ({}) is used, '{}' ({}) is not.",
                    chosen.marker.name,
                    chosen.marker.result,
                    cx.item(chosen.i).path(),
                    other.marker.result,
                    cx.item(other.i).path()
                )
            };
            let kind = if preferred_score {
                EntryKind::MatchedByName
            } else {
                EntryKind::Conflict
            };
            cx.note_at(
                other.i,
                "value[x]",
                Note::new(kind, !preferred_score, message).element("diagnosis.biomarkers"),
            );
        }
        kept.push(chosen.marker.clone());
    }
    kept
}
