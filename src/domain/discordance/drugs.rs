//! Ruleset 3, section 2: drug classes by ATC (level 4), and the two curated lists that grade a
//! swap inside one class. The ATC group alone never makes two drugs equivalent.

use std::collections::{BTreeMap, BTreeSet};

use super::review::ReviewCode;
use super::{Cancer, Change, ReviewReasons, Severity};
use crate::domain::vocabulary::Vocabulary;
use crate::domain::vocabulary_r3::Tables;

/// Groups that pool unlike drugs: a swap inside one is flagged for review.
const RESIDUAL_GROUPS: [&str; 4] = ["L01EX", "L01XX", "L01FX", "L02BX"];

/// The class of a drug: its ATC level-4 code, or the drug itself when it has no code (a class
/// of its own). `None` for a name the vocabulary does not know.
fn class(name: &str, vocab: &Vocabulary) -> Option<String> {
    let drug = vocab.drug(name)?;
    Some(match &drug.atc {
        Some(code) => code.chars().take(5).collect(),
        None => format!("no ATC code: {}", drug.name),
    })
}

/// "trastuzumab (L01FD01)", "recombinant human endostatin (no ATC code)".
pub(super) fn named(name: &str, vocab: &Vocabulary) -> String {
    match vocab.drug(name).and_then(|d| d.atc.as_deref()) {
        Some(code) => format!("{name} ({code})"),
        None if vocab.drug(name).is_some() => format!("{name} (no ATC code)"),
        None => name.to_string(),
    }
}

/// A germ-cell tumour: primary site C62 or histology 9060-9102.
fn germ_cell(cancer: &Cancer) -> bool {
    cancer.site_category() == Some("C62")
        || cancer
            .histology
            .is_some_and(|m| (9060..=9102).contains(&m.code))
}

/// Grades two different anticancer drug sets (companions left out). `None` when they are equal.
pub(super) fn grade(
    current: &BTreeSet<String>,
    opinion: &BTreeSet<String>,
    cancer: &Cancer,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Option<(Change, Severity, String)> {
    if current == opinion {
        return None;
    }
    let removed: Vec<&String> = current.difference(opinion).collect();
    let added: Vec<&String> = opinion.difference(current).collect();
    let words = |names: &[&String]| {
        names
            .iter()
            .map(|n| named(n, vocab))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let change_words = || {
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!("adds {}", words(&added)));
        }
        if !removed.is_empty() {
            parts.push(format!("no longer includes {}", words(&removed)));
        }
        parts.join(" and ")
    };
    let null_coded: Vec<&&String> = removed
        .iter()
        .chain(&added)
        .filter(|n| vocab.drug(n).is_some_and(|d| d.atc.is_none()))
        .collect();
    for name in &null_coded {
        review.add(
            ReviewCode::DrugClassUnknown,
            format!(
                "{name} has no ATC code in the vocabulary: its drug class is unknown, so a clinician should check what it adds or replaces."
            ),
        );
    }
    if removed
        .iter()
        .chain(&added)
        .any(|n| vocab.drug(n).is_none())
    {
        return Some((
            Change::Different,
            Severity::Minor,
            format!(
                "it {}; a drug name is not recognised, so the drug classes cannot be compared",
                change_words()
            ),
        ));
    }
    let classes = |names: &[&String]| -> BTreeMap<String, Vec<String>> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for n in names {
            map.entry(class(n, vocab).unwrap_or_default())
                .or_default()
                .push(n.to_string());
        }
        map
    };
    let (r, d) = (classes(&removed), classes(&added));
    let counts = |m: &BTreeMap<String, Vec<String>>| -> BTreeMap<String, usize> {
        m.iter().map(|(k, v)| (k.clone(), v.len())).collect()
    };
    if counts(&r) != counts(&d) {
        return Some((
            Change::Different,
            Severity::Major,
            format!(
                "it {}: a drug class is added, dropped or exchanged",
                change_words()
            ),
        ));
    }
    let tables = Tables::standard();
    let germ = germ_cell(cancer);
    let mut major = Vec::new();
    let mut all_equivalent = true;
    let mut sources = BTreeSet::new();
    for (group, gone) in &r {
        let came = &d[group];
        if RESIDUAL_GROUPS.iter().any(|g| group == g) {
            review.add(
                ReviewCode::ResidualAtcGroup,
                format!(
                    "{} for {}: the ATC group {group} pools unlike drugs, so a clinician should check the swap.",
                    came.join(", "),
                    gone.join(", ")
                ),
            );
        }
        for c in gone {
            for o in came {
                if let Some(rule) = tables.major_swaps.iter().find(|s| s.covers(c, o, germ)) {
                    major.push(format!("{c} to {o} ({})", rule.source));
                }
                match tables
                    .equivalent_swaps
                    .iter()
                    .find(|s| s.covers(c, o, germ))
                {
                    Some(rule) => {
                        sources.insert(rule.source.clone());
                    }
                    None => all_equivalent = false,
                }
            }
        }
    }
    let swap = format!("{} instead of {}", words(&added), words(&removed));
    Some(if !major.is_empty() {
        (
            Change::Different,
            Severity::Major,
            format!(
                "{swap}: the same drug group, but trials found different outcomes ({})",
                major.join("; ")
            ),
        )
    } else if all_equivalent {
        (
            Change::EquivalentAlternative,
            Severity::Minor,
            format!(
                "{swap}: an accepted equivalent within the same drug group ({})",
                sources.into_iter().collect::<Vec<_>>().join("; ")
            ),
        )
    } else {
        (
            Change::Different,
            Severity::Minor,
            format!("{swap}: same drug group; not interchangeable by default"),
        )
    })
}
