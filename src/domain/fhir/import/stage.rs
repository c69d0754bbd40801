//! Stage: from stage-group Observations linked to the primary Condition, latest `effective`
//! first, with their T/N/M members; `Condition.stage.summary` only as a fallback. Clinical or
//! pathological by the code (or the value's c/p). The edition comes from `method`, never by
//! default. Every disagreement is a conflict.

use super::Ctx;
use super::diagnosis::{Link, observation_link};
use crate::domain::codes::{StageGroup, tnm_core};
use crate::domain::fhir::codes::{CANCER_STAGING, SNOMED, StageKind};
use crate::domain::fhir::model::{CodeableConcept, Condition, Observation};
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::Stage;

#[derive(Debug, Clone, PartialEq, Eq)]
enum System {
    Known(String),
    /// A staging system whose values are not mapped (Binet, Rai, FIGO ...).
    Unmapped(String),
    Missing,
}

#[derive(Debug, Clone)]
struct Staged {
    i: usize,
    kind: StageKind,
    prefix: String,
    label: Option<String>,
    system: System,
    when: Option<String>,
    members: Vec<usize>,
}

/// `3C` -> `IIIC`, `4` -> `IV` (cancerstaging.org writes the numeral in digits).
fn roman(code: &str) -> Option<String> {
    let mut chars = code.chars();
    let numeral = match chars.next()? {
        '0' => "0",
        '1' => "I",
        '2' => "II",
        '3' => "III",
        '4' => "IV",
        _ => return None,
    };
    Some(format!("{numeral}{}", chars.as_str()))
}

/// The label a staging value gives, and whether it came from words rather than a code.
fn value_label(
    cx: &mut Ctx,
    i: usize,
    at: &str,
    kind: StageKind,
    value: &CodeableConcept,
) -> Option<String> {
    let mut coded: Option<String> = None;
    let mut unmapped = None;
    for coding in &value.coding {
        let (Some(system), Some(code)) = (coding.system.as_deref(), coding.code.as_deref()) else {
            continue;
        };
        let label = match system {
            SNOMED => cx
                .tables
                .stage_value(code)
                .filter(|(k, _)| *k == kind)
                .map(|(_, l)| l.to_string()),
            CANCER_STAGING if kind == StageKind::Group => roman(code),
            CANCER_STAGING => Some(code.to_string()),
            _ => None,
        };
        match label {
            Some(l) => {
                coded.get_or_insert(l);
            }
            None => unmapped = Some((system.to_string(), code.to_string())),
        }
    }
    let text = value
        .text
        .as_deref()
        .map(|t| t.trim().trim_start_matches("Stage ").trim().to_string())
        .filter(|t| !t.is_empty());
    let same = |a: &str, b: &str| match kind {
        StageKind::Group => {
            StageGroup::parse(a) == StageGroup::parse(b) && StageGroup::parse(a).is_some()
        }
        _ => tnm_core(a) == tnm_core(b),
    };
    match (coded, text) {
        (Some(code), Some(text)) if same(&code, &text) => Some(text),
        (Some(code), _) => Some(code),
        (None, Some(text)) => {
            let (system, code) = unmapped.unzip();
            cx.note_at(
                i,
                at,
                Note::new(
                    EntryKind::MatchedByName,
                    false,
                    format!("The stage value is read from its text '{text}' (no code in the stage table)."),
                )
                .element("diagnosis.stage")
                .code(system.as_deref(), code.as_deref()),
            );
            Some(text)
        }
        (None, None) => {
            let (system, code) = unmapped.unzip();
            cx.note_at(
                i,
                at,
                Note::new(
                    EntryKind::Unmapped,
                    true,
                    format!(
                        "The stage value '{}' is not in the stage table and has no text: left out.",
                        value.words().unwrap_or("no display")
                    ),
                )
                .element("diagnosis.stage")
                .code(system.as_deref(), code.as_deref()),
            );
            None
        }
    }
}

fn system_of(cx: &Ctx, method: Option<&CodeableConcept>) -> System {
    let Some(method) = method else {
        return System::Missing;
    };
    for coding in &method.coding {
        if let (Some(system), Some(code)) = (coding.system.as_deref(), coding.code.as_deref())
            && let Some(row) = cx.tables.stage_method(system, code)
        {
            return if row.stage_system.is_empty() {
                System::Unmapped(row.display.clone())
            } else {
                System::Known(row.stage_system.clone())
            };
        }
    }
    match method.text.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() && method.coding.is_empty() => {
            System::Known(text.to_string())
        }
        _ => System::Unmapped(method.words().unwrap_or("a coded system").to_string()),
    }
}

fn collect(cx: &mut Ctx, primary: Option<usize>) -> Vec<Staged> {
    let mut staged = Vec::new();
    for i in cx.of_kind("Observation") {
        if cx.used[i] {
            continue;
        }
        let Ok(obs) = cx.item(i).read::<Observation>() else {
            continue;
        };
        if let Some(other) = obs.code.as_ref().and_then(|code| {
            code.coding.iter().find_map(|c| {
                cx.tables
                    .other_stage(c.system.as_deref()?, c.code.as_deref()?)
                    .map(|r| r.display.clone())
            })
        }) {
            cx.mark(i);
            let value = obs
                .value_codeable_concept
                .as_ref()
                .and_then(|v| v.words())
                .unwrap_or("no value")
                .to_string();
            cx.note_at(
                i,
                "code",
                Note::new(
                    EntryKind::Unmapped,
                    true,
                    format!("A stage in a system whose values are not mapped ({other}: {value}): left out, never read as AJCC."),
                )
                .element("diagnosis.stage"),
            );
            continue;
        }
        let Some((kind, prefix)) = obs.code.as_ref().and_then(|code| {
            code.coding.iter().find_map(|c| {
                cx.tables
                    .stage_type(c.system.as_deref()?, c.code.as_deref()?)
                    .map(|(k, p)| (k, p.to_string()))
            })
        }) else {
            continue;
        };
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
                    "A staging Observation marked entered-in-error or cancelled is not read.",
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
                    "A stage of another Condition than the primary cancer: not read.",
                ),
            );
            continue;
        }
        let label = obs
            .value_codeable_concept
            .as_ref()
            .and_then(|v| value_label(cx, i, "valueCodeableConcept", kind, v));
        let members = obs
            .has_member
            .iter()
            .filter_map(|m| {
                let resolved = cx.doc.resolve(m);
                if resolved.is_none() {
                    cx.note_at(
                        i,
                        "hasMember",
                        Note::new(
                            EntryKind::UnresolvedReference,
                            false,
                            format!(
                                "hasMember {} is not in the Bundle.",
                                m.reference.as_deref().unwrap_or("(no reference)")
                            ),
                        ),
                    );
                }
                resolved
            })
            .collect();
        staged.push(Staged {
            i,
            kind,
            prefix,
            label,
            system: system_of(cx, obs.method.as_ref()),
            when: obs.effective().map(str::to_string),
            members,
        });
    }
    staged
}

/// Latest `effective` first; without one, after those with one, in body order.
fn latest_first(list: &mut [&Staged]) {
    list.sort_by(|a, b| match (&a.when, &b.when) {
        (Some(x), Some(y)) => y.cmp(x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.i.cmp(&b.i),
    });
}

fn describe(s: &Staged, cx: &Ctx) -> String {
    format!(
        "{}{} ({}, {})",
        s.prefix,
        s.label.as_deref().unwrap_or("no value"),
        s.when.as_deref().unwrap_or("no date"),
        cx.item(s.i).path()
    )
}

pub fn read(cx: &mut Ctx, primary: Option<usize>, condition: Option<&Condition>) -> Option<Stage> {
    let staged = collect(cx, primary);
    let mut groups: Vec<&Staged> = staged
        .iter()
        .filter(|s| s.kind == StageKind::Group && s.label.is_some())
        .collect();
    latest_first(&mut groups);
    let chosen = groups.first().copied();
    for other in groups.iter().skip(1) {
        let chosen = chosen.expect("a first group");
        if other.label != chosen.label
            || other.system != chosen.system
            || other.prefix != chosen.prefix
        {
            let message = format!(
                "Stage groups disagree: {} is used (latest), {} is not.",
                describe(chosen, cx),
                describe(other, cx)
            );
            cx.note_at(
                other.i,
                "valueCodeableConcept",
                Note::new(EntryKind::Conflict, true, message).element("diagnosis.stage"),
            );
        }
    }
    let mut stage = Stage::default();
    let mut system = System::Missing;
    if let Some(group) = chosen {
        stage.group = group.label.clone();
        system = group.system.clone();
        if !group.prefix.is_empty() {
            stage.prefix = Some(group.prefix.clone());
        }
    }
    // Condition.stage: a fallback, and a second opinion of the same stage.
    if let (Some(condition), Some(p)) = (condition, primary) {
        for (s, cstage) in condition.stage.iter().enumerate() {
            let Some(summary) = &cstage.summary else {
                continue;
            };
            let label = value_label(
                cx,
                p,
                &format!("stage[{s}].summary"),
                StageKind::Group,
                summary,
            );
            let summary_system = system_of(cx, cstage.kind.as_ref());
            match (&stage.group, label) {
                (None, Some(label)) => {
                    stage.group = Some(label);
                    system = summary_system;
                }
                (Some(known), Some(label))
                    if StageGroup::parse(known) != StageGroup::parse(&label) =>
                {
                    cx.note_at(
                        p,
                        &format!("stage[{s}].summary"),
                        Note::new(
                            EntryKind::Conflict,
                            true,
                            format!("Condition.stage.summary says {label}, the stage group Observation {known}: {known} is used (an Observation is preferred; Condition.stage is a fallback)."),
                        )
                        .element("diagnosis.stage"),
                    );
                }
                _ => {}
            }
        }
    }
    // T, N and M: the chosen group's members, else Observations outside any group.
    let in_groups: Vec<usize> = staged.iter().flat_map(|s| s.members.clone()).collect();
    for kind in [StageKind::T, StageKind::N, StageKind::M] {
        let mut values: Vec<&Staged> = staged
            .iter()
            .filter(|s| s.kind == kind && s.label.is_some())
            .filter(|s| match chosen {
                Some(group) if !group.members.is_empty() => group.members.contains(&s.i),
                _ => !in_groups.contains(&s.i),
            })
            .collect();
        latest_first(&mut values);
        let Some(first) = values.first().copied() else {
            continue;
        };
        // The other values of this kind, also those of stage groups not used, must agree.
        let others = staged
            .iter()
            .filter(|s| s.kind == kind && s.label.is_some() && s.i != first.i);
        for other in others {
            if tnm_core(other.label.as_deref().unwrap_or_default())
                != tnm_core(first.label.as_deref().unwrap_or_default())
            {
                let message = format!(
                    "{} values disagree: {} is used, {} is not.",
                    kind.field().to_uppercase(),
                    describe(first, cx),
                    describe(other, cx)
                );
                cx.note_at(
                    other.i,
                    "valueCodeableConcept",
                    Note::new(EntryKind::Conflict, true, message).element("diagnosis.stage"),
                );
            }
        }
        let label = first.label.clone();
        match kind {
            StageKind::T => stage.t = label,
            StageKind::N => stage.n = label,
            _ => stage.m = label,
        }
        if chosen.is_none() {
            if system == System::Missing {
                system = first.system.clone();
            }
            if stage.prefix.is_none() && !first.prefix.is_empty() {
                stage.prefix = Some(first.prefix.clone());
            }
        }
    }
    if stage == Stage::default() {
        return None;
    }
    match system {
        System::Known(name) => stage.system = Some(name),
        System::Unmapped(name) => {
            cx.note(
                Note::new(
                    EntryKind::Unmapped,
                    true,
                    format!("The stage is in a system whose values are not mapped ({name}): left out, never read as AJCC."),
                )
                .element("diagnosis.stage"),
            );
            return None;
        }
        System::Missing => cx.note(
            Note::new(
                EntryKind::MissingEdition,
                true,
                "The stage names no staging system or edition (Observation.method): it is kept without one, so it is compared with no other stage.",
            )
            .element("diagnosis.stage"),
        ),
    }
    Some(stage)
}
