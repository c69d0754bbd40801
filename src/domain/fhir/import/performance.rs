//! Performance status (`fhir.md` section 3): an Observation coded ECOG (LOINC 89247-1) or
//! Karnofsky (89243-0) with `valueInteger`, as the mCODE profiles send it. Fitness changes
//! within weeks, so only a recent score stands for the patient now: the latest one dated within
//! `CURRENT_FOR_DAYS` of the import. Older, undated, out-of-range or tied scores are left out
//! and reported, never guessed.

use super::{Ctx, days_before};
use crate::domain::discordance::fit;
use crate::domain::fhir::model::Observation;
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::{PerformanceScale, PerformanceStatus};
use crate::domain::validation::FieldErrors;

/// A score older than this (days before the import) is history, not the patient's fitness now.
pub const CURRENT_FOR_DAYS: i64 = 90;

const ELEMENT: &str = "performance_status";

/// One score read from the Bundle.
struct Score {
    i: usize,
    status: PerformanceStatus,
    /// Days before the import (0 today, negative in the future).
    age: i64,
    when: String,
}

pub fn read(cx: &mut Ctx) -> Option<PerformanceStatus> {
    let mut current: Vec<Score> = Vec::new();
    for i in cx.of_kind("Observation") {
        if cx.used[i] {
            continue;
        }
        let Ok(obs) = cx.item(i).read::<Observation>() else {
            continue;
        };
        let Some(scale) = obs.code.as_ref().and_then(|code| {
            code.coding.iter().find_map(|c| {
                cx.tables
                    .performance_scale(c.system.as_deref()?, c.code.as_deref()?)
            })
        }) else {
            continue;
        };
        cx.mark(i);
        if let Some(score) = score(cx, i, &obs, scale) {
            current.push(score);
        }
    }
    latest(cx, current)
}

/// The score of one Observation when it can stand for the patient now; else a report entry.
fn score(cx: &mut Ctx, i: usize, obs: &Observation, scale: PerformanceScale) -> Option<Score> {
    let name = scale_name(scale);
    let leave_out = |cx: &mut Ctx, at: &str, kind: EntryKind, clinical: bool, why: String| {
        cx.note_at(i, at, Note::new(kind, clinical, why).element(ELEMENT));
    };
    let Some(value) = obs.value_integer else {
        let why = format!(
            "This {name} score has no valueInteger (the mCODE profile's only value); it is left out."
        );
        leave_out(cx, "value", EntryKind::Unmapped, true, why);
        return None;
    };
    let status = PerformanceStatus { scale, value };
    let mut errors = FieldErrors::new();
    status.check("", &mut errors);
    if let Some(error) = errors.into_vec().first() {
        let why = format!("This {name} score {}; it is left out.", error.message);
        leave_out(cx, "valueInteger", EntryKind::Unmapped, true, why);
        return None;
    }
    let Some(when) = obs.effective().map(str::to_string) else {
        let why = format!(
            "{name} {value} has no date (effective[x]), so it cannot be told from an old score; it is left out."
        );
        leave_out(cx, "", EntryKind::Unmapped, true, why);
        return None;
    };
    let Some(age) = days_before(cx.now, &when) else {
        let why =
            format!("{name} {value} has a date that cannot be read ({when}); it is left out.");
        leave_out(cx, "effective", EntryKind::Unmapped, true, why);
        return None;
    };
    if age > CURRENT_FOR_DAYS {
        let why = format!(
            "{name} {value} of {when} is more than {CURRENT_FOR_DAYS} days old: history, not the patient's fitness now."
        );
        leave_out(cx, "effective", EntryKind::HistoryNotPlan, false, why);
        return None;
    }
    Some(Score {
        i,
        status,
        age,
        when,
    })
}

/// The latest current score. On its day, ECOG is read before Karnofsky (the scale the rules
/// name first); when two scores of one scale disagree that day, none is taken.
fn latest(cx: &mut Ctx, mut scores: Vec<Score>) -> Option<PerformanceStatus> {
    scores.sort_by_key(|s| (s.age, s.status.scale != PerformanceScale::Ecog));
    let first = scores.first()?;
    let (day, chosen) = (first.age, first.status);
    let tied = scores
        .iter()
        .any(|s| s.age == day && s.status.scale == chosen.scale && s.status != chosen);
    for s in &scores {
        let (name, value, when) = (scale_name(s.status.scale), s.status.value, &s.when);
        let note = if s.age != day {
            Note::new(
                EntryKind::HistoryNotPlan,
                false,
                format!(
                    "{name} {value} of {when} is an earlier score; only the latest day's counts."
                ),
            )
        } else if tied {
            Note::new(
                EntryKind::Conflict,
                true,
                format!(
                    "{name} {value} of {when}: another score of that day on the same scale differs, so none is used."
                ),
            )
        } else if s.status == chosen {
            continue;
        } else {
            Note::new(
                EntryKind::Conflict,
                fit(s.status) != fit(chosen),
                format!(
                    "{name} {value} of {when} is read beside {} {} of the same day; the {} score is used.",
                    scale_name(chosen.scale),
                    chosen.value,
                    scale_name(chosen.scale)
                ),
            )
        };
        cx.note_at(s.i, "valueInteger", note.element(ELEMENT));
    }
    (!tied).then_some(chosen)
}

fn scale_name(scale: PerformanceScale) -> &'static str {
    match scale {
        PerformanceScale::Ecog => "ECOG",
        PerformanceScale::Karnofsky => "Karnofsky",
    }
}
