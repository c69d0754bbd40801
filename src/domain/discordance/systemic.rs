//! Systemic therapy: one side's lines resolved to generic drug names (regimens expanded,
//! supportive drugs left out, ruleset 3's companions apart), and the systemic_therapy finding
//! of ruleset 2 and of ruleset 3 (drug classes, then length and dose).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::phrases::list;
use super::review::ReviewCode;
use super::{Cancer, Change, ClassificationInput, Dimension, Finding, ReviewReasons, Severity};
use crate::domain::picture::SystemicTherapy;
use crate::domain::vocabulary::{RegimenMeaning, Vocabulary};

/// One side's systemic therapy resolved to generic drug names.
#[derive(Default)]
pub(super) struct Systemic {
    /// Anticancer drugs compared (unknown names as written, lower case).
    pub compared: BTreeSet<String>,
    /// Ruleset 3: companions (leucovorin, mesna ...), shown with `left_out`, outside the
    /// comparison of classes.
    pub companions: BTreeSet<String>,
    /// Regimens recognised.
    pub regimens: BTreeSet<String>,
    /// Supportive drugs and modulators left out of the comparison.
    pub left_out: BTreeSet<String>,
    /// Each line in words, sorted: "FOLFOX (fluorouracil, leucovorin, oxaliplatin)".
    pub described: Vec<String>,
    /// Ruleset 3: each line's anticancer drugs (without companions) and the line as written.
    pub lines: Vec<(BTreeSet<String>, SystemicTherapy)>,
}

impl Systemic {
    pub(super) fn resolve(
        lines: &[SystemicTherapy],
        cancer: &Cancer,
        vocab: &Vocabulary,
        review: &mut ReviewReasons,
    ) -> Systemic {
        let mut s = Systemic::default();
        for line in lines {
            let mut one = Systemic::default();
            if let Some(regimen) = &line.regimen {
                one.name(regimen, true, cancer, vocab, review);
            }
            for drug in line.drugs.iter().flatten() {
                one.name(drug, false, cancer, vocab, review);
            }
            s.lines.push((one.anticancer(), line.clone()));
            s.compared.extend(one.compared);
            s.companions.extend(one.companions);
            s.regimens.extend(one.regimens);
            s.left_out.extend(one.left_out);
            s.described.extend(one.described);
        }
        s.described.sort();
        s.described.dedup();
        s
    }

    /// The anticancer drugs without companions.
    pub fn anticancer(&self) -> BTreeSet<String> {
        self.compared.clone()
    }

    /// Ruleset 3: a companion drug counts in the set, outside the comparison of classes.
    fn is_companion(drug: &crate::domain::vocabulary::Drug, cancer: &Cancer) -> bool {
        cancer.is_r3() && drug.companion && !drug.is_anticancer(cancer.haematologic)
    }

    /// Resolves a name written as a regimen or a drug; either kind is accepted in either place.
    fn name(
        &mut self,
        written: &str,
        as_regimen: bool,
        cancer: &Cancer,
        vocab: &Vocabulary,
        review: &mut ReviewReasons,
    ) {
        let written = written.trim();
        let regimen = || vocab.regimen(written, cancer.site_category());
        let meaning = if as_regimen { regimen() } else { None };
        if let Some(drug) = vocab.drug(written).filter(|_| meaning.is_none()) {
            if Systemic::is_companion(drug, cancer) {
                self.companions.insert(drug.name.clone());
                self.left_out.insert(drug.name.clone());
            } else if drug.is_anticancer(cancer.haematologic) {
                self.compared.insert(drug.name.clone());
                self.described.push(drug.name.clone());
            } else {
                self.left_out.insert(drug.name.clone());
            }
            return;
        }
        match meaning.or_else(regimen) {
            Some(RegimenMeaning::Drugs { regimen, drugs }) => {
                self.regimens.insert(regimen.to_string());
                let mut included = Vec::new();
                for name in drugs {
                    let entry = vocab.drug(name);
                    let companion = entry.is_some_and(|d| Systemic::is_companion(d, cancer));
                    let modulator = entry
                        .is_some_and(|d| d.role == crate::domain::vocabulary::DrugRole::Modulator);
                    if companion {
                        self.companions.insert(name.clone());
                        self.left_out.insert(name.clone());
                    } else if modulator {
                        self.left_out.insert(name.clone());
                    } else {
                        self.compared.insert(name.clone());
                    }
                    included.push(name.as_str());
                }
                self.described
                    .push(format!("{regimen} ({})", included.join(", ")));
            }
            Some(RegimenMeaning::Ambiguous { regimen }) => {
                review.add(ReviewCode::AmbiguousRegimen, format!(
                    "'{written}' ({regimen}) means different regimens in different cancers and the primary site does not decide it: compared as written."
                ));
                self.compared.insert(written.to_lowercase());
                self.described.push(written.to_string());
            }
            None => {
                review.add(
                    ReviewCode::UnknownDrug,
                    format!("Unknown drug or regimen name '{written}': compared as written."),
                );
                self.compared.insert(written.to_lowercase());
                self.described.push(written.to_string());
            }
        }
    }

    pub fn value(&self) -> Value {
        let mut value = json!({ "drugs": self.compared, "regimens": self.regimens });
        if !self.left_out.is_empty() {
            value["left_out"] = json!(self.left_out);
        }
        // Ruleset 3: how long, when one line says it, so a summary can name the real cycles.
        if let [(_, line)] = self.lines.as_slice() {
            if let Some(cycles) = line.cycles {
                value["cycles"] = json!(cycles);
            }
            if let Some(days) = line.cycle_length_days {
                value["cycle_length_days"] = json!(days);
            }
            if let Some(months) = line.duration_months {
                value["duration_months"] = json!(months);
            }
        }
        value
    }
}

/// Ruleset 3: drug classes (section 2), then length and dose when the drugs agree (section 6).
pub(super) fn systemic_r3(
    current: &Systemic,
    opinion: &Systemic,
    input: &ClassificationInput,
    cancer: &Cancer,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Finding {
    let (a, b) = (current.anticancer(), opinion.anticancer());
    let graded = if a == b {
        let companions = (current.companions != opinion.companions).then(|| {
            (
                Change::EquivalentAlternative,
                Severity::Minor,
                format!(
                    "only the companion drugs differ ({} instead of {})",
                    list(&opinion.companions.iter().collect::<Vec<_>>()),
                    list(&current.companions.iter().collect::<Vec<_>>())
                ),
            )
        });
        let length = super::length::compare(&current.lines, &opinion.lines, input, review);
        match (companions, length) {
            (Some(c), Some(l)) => Some(if l.0 == Change::Different { l } else { c }),
            (c, l) => l.or(c),
        }
    } else {
        super::drugs::grade(&a, &b, cancer, vocab, review)
    };
    let Some((change, severity, what)) = graded else {
        return systemic(current, opinion);
    };
    Finding::new(
        Dimension::SystemicTherapy,
        change,
        severity,
        Some(current.value()),
        Some(opinion.value()),
        format!(
            "The second opinion recommends {} instead of {}: {what}.",
            list(&opinion.described),
            list(&current.described)
        ),
    )
}

pub(super) fn systemic(current: &Systemic, opinion: &Systemic) -> Finding {
    if current.compared == opinion.compared {
        return Finding::new(
            Dimension::SystemicTherapy,
            Change::Same,
            Severity::None,
            Some(current.value()),
            Some(opinion.value()),
            format!(
                "Both recommend the same anticancer medicines: {}.",
                list(&current.compared.iter().collect::<Vec<_>>())
            ),
        );
    }
    let added: Vec<&String> = opinion.compared.difference(&current.compared).collect();
    let dropped: Vec<&String> = current.compared.difference(&opinion.compared).collect();
    let mut explanation = format!(
        "The second opinion recommends {} instead of {}",
        list(&opinion.described),
        list(&current.described)
    );
    let shared = current.compared.intersection(&opinion.compared).count();
    if shared > 0 {
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!("adds {}", list(&added)));
        }
        if !dropped.is_empty() {
            parts.push(format!("no longer includes {}", list(&dropped)));
        }
        explanation.push_str(&format!(": it {}", parts.join(" and ")));
    }
    explanation.push('.');
    Finding::new(
        Dimension::SystemicTherapy,
        Change::Different,
        Severity::Minor,
        Some(current.value()),
        Some(opinion.value()),
        explanation,
    )
}
