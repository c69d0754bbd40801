//! Plan dimensions: intent, observation, supportive care, sequence, the five modalities (or one
//! modality swap), workup, clinical trials and location.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::phrases::{country, intent_name, list, modality_name, number, schedule};
use super::review::ReviewCode;
use super::systemic::{Systemic, systemic, systemic_r3};
use super::{
    Cancer, Change, ClassificationInput, Dimension, Finding, PlanVerdict, ReviewReasons, Scope,
    Severity, TreatmentScope,
};
use crate::domain::codes::TrialId;
use crate::domain::picture::{
    CellularTherapy, Intent, Modality, Plan, Radiotherapy, Surgery, Transplant, TransplantType,
};
use crate::domain::vocabulary::{Vocabulary, fold};

pub(super) struct PlanComparison {
    pub findings: Vec<Finding>,
    pub verdict: PlanVerdict,
    /// Ruleset 3: the opinion's line of therapy is later than the current's.
    pub later_line: bool,
}

pub(super) fn compare(
    input: &ClassificationInput,
    scope: &Scope,
    cancer: &Cancer,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> PlanComparison {
    let empty = Plan::default();
    let current = input.current.plan.as_ref().unwrap_or(&empty);
    let mut findings = Vec::new();

    // Workup, trials and location are additions the opinion names: judged whatever its scope.
    if let Some(opinion) = &input.opinion.plan {
        findings.extend(workup(current, opinion));
        findings.extend(clinical_trials(current, opinion));
        let home = current
            .location
            .as_ref()
            .and_then(|l| l.country.as_deref())
            .or(input.context.patient_country.as_deref());
        findings.extend(location(home, opinion));
    }

    let opinion = match (&input.opinion.plan, &scope.treatment) {
        (Some(plan), TreatmentScope::All | TreatmentScope::Only(_)) => plan,
        _ => {
            return PlanComparison {
                findings,
                verdict: PlanVerdict {
                    plans_differ: false,
                    opinion_gives_no_plan: true,
                    whole_plan_reviewed: false,
                },
                later_line: false,
            };
        }
    };

    let sides = Sides::new(current, opinion, &scope.treatment, cancer, vocab, review);
    let goals = goals_of_care(&sides);
    let goals_differ = goals.as_ref().is_some_and(Finding::differs);
    findings.extend(goals);
    if !goals_differ {
        findings.extend(modalities(input, &sides, cancer, vocab, review));
    }
    let mut later_line = false;
    if cancer.is_r3() {
        let systemic_differs = findings
            .iter()
            .any(|f| f.dimension == Dimension::SystemicTherapy && f.differs());
        if let Some((finding, later)) =
            super::treatment_r3::line(&sides, current, opinion, &scope.treatment, systemic_differs)
        {
            later_line = later;
            findings.push(finding);
        }
        if !goals_differ {
            findings.extend(super::treatment_r3::watch_and_wait(
                current,
                opinion,
                &scope.treatment,
                &sides.current_modalities,
                &sides.opinion_modalities,
            ));
        }
    }
    let treatment_differs = findings.iter().any(|f| {
        f.differs()
            && matches!(
                f.dimension,
                Dimension::Observation
                    | Dimension::SupportiveCare
                    | Dimension::ModalitySwap
                    | Dimension::SystemicTherapy
                    | Dimension::Radiotherapy
                    | Dimension::Surgery
                    | Dimension::Transplant
                    | Dimension::CellularTherapy
            )
    });
    findings.extend(intent(current.intent, opinion.intent, treatment_differs));
    findings.extend(sequence(current, opinion, &scope.treatment));

    let plans_differ = findings
        .iter()
        .any(|f| f.dimension.is_plan_choice() && f.differs());
    let opinion_states_plan =
        !sides.opinion_modalities.is_empty() || sides.opinion_observes || sides.opinion_bsc;
    PlanComparison {
        findings,
        verdict: PlanVerdict {
            plans_differ,
            opinion_gives_no_plan: !opinion_states_plan,
            whole_plan_reviewed: scope.treatment == TreatmentScope::All && opinion_states_plan,
        },
        later_line,
    }
}

/// Both plans as far as the opinion's scope reaches, with systemic therapy resolved.
pub(super) struct Sides<'a> {
    current: &'a Plan,
    opinion: &'a Plan,
    pub current_systemic: Systemic,
    pub opinion_systemic: Systemic,
    pub current_modalities: BTreeSet<Modality>,
    pub opinion_modalities: BTreeSet<Modality>,
    current_observes: bool,
    opinion_observes: bool,
    current_bsc: bool,
    opinion_bsc: bool,
}

impl<'a> Sides<'a> {
    fn new(
        current: &'a Plan,
        opinion: &'a Plan,
        treatment: &TreatmentScope,
        cancer: &Cancer,
        vocab: &Vocabulary,
        review: &mut ReviewReasons,
    ) -> Sides<'a> {
        // Ruleset 3: drug names are held for review only when systemic therapy is judged.
        let mut unjudged = ReviewReasons::default();
        let review = if cancer.is_r3() && !treatment.includes(Modality::SystemicTherapy) {
            &mut unjudged
        } else {
            review
        };
        let current_systemic = Systemic::resolve(
            current.systemic_therapy.as_deref().unwrap_or_default(),
            cancer,
            vocab,
            review,
        );
        let opinion_systemic = Systemic::resolve(
            opinion.systemic_therapy.as_deref().unwrap_or_default(),
            cancer,
            vocab,
            review,
        );
        let named = |plan: &Plan, systemic: &Systemic| -> BTreeSet<Modality> {
            plan.modalities()
                .into_iter()
                .filter(|m| treatment.includes(*m))
                .filter(|m| *m != Modality::SystemicTherapy || !systemic.compared.is_empty())
                .collect()
        };
        // Observation and supportive care are judged with a whole-plan review, or when the opinion says so itself.
        let goals_in_scope = *treatment == TreatmentScope::All
            || opinion.observes()
            || opinion.supportive_care_only();
        Sides {
            current_modalities: named(current, &current_systemic),
            opinion_modalities: named(opinion, &opinion_systemic),
            current_observes: goals_in_scope && current.observes(),
            opinion_observes: opinion.observes(),
            current_bsc: goals_in_scope && current.supportive_care_only(),
            opinion_bsc: opinion.supportive_care_only(),
            current,
            opinion,
            current_systemic,
            opinion_systemic,
        }
    }

    fn value(&self, modality: Modality, current: bool) -> Value {
        let plan = if current { self.current } else { self.opinion };
        let systemic = if current {
            &self.current_systemic
        } else {
            &self.opinion_systemic
        };
        match modality {
            Modality::SystemicTherapy => systemic.value(),
            Modality::Radiotherapy => plan
                .radiotherapy
                .as_ref()
                .map(radiotherapy_value)
                .unwrap_or(Value::Null),
            Modality::Surgery => {
                json!({ "procedure": plan.surgery.as_ref().map(|s| s.procedure.clone()) })
            }
            Modality::Transplant => {
                json!({ "type": plan.transplant.as_ref().map(|t| transplant_word(t.kind)) })
            }
            Modality::CellularTherapy => {
                json!({ "product": plan.cellular_therapy.as_ref().map(|c| c.product.clone()) })
            }
        }
    }

    /// "surgery (radical prostatectomy)", "systemic therapy (FOLFOX (...))".
    fn words(&self, modality: Modality, current: bool) -> String {
        let plan = if current { self.current } else { self.opinion };
        let systemic = if current {
            &self.current_systemic
        } else {
            &self.opinion_systemic
        };
        let detail = match modality {
            Modality::SystemicTherapy => Some(list(&systemic.described)),
            Modality::Radiotherapy => plan
                .radiotherapy
                .as_ref()
                .map(|r| schedule(r.total_dose_gy, r.fractions)),
            Modality::Surgery => plan.surgery.as_ref().map(|s| s.procedure.clone()),
            Modality::Transplant => plan
                .transplant
                .as_ref()
                .map(|t| transplant_word(t.kind).to_string()),
            Modality::CellularTherapy => plan.cellular_therapy.as_ref().map(|c| c.product.clone()),
        };
        match detail {
            Some(d) if !d.is_empty() => format!("{} ({d})", modality_name(modality)),
            _ => modality_name(modality).to_string(),
        }
    }

    fn treatment_words(&self, modalities: &BTreeSet<Modality>, current: bool) -> String {
        list(
            &modalities
                .iter()
                .map(|m| self.words(*m, current))
                .collect::<Vec<_>>(),
        )
    }

    fn modalities_value(&self, modalities: &BTreeSet<Modality>, current: bool) -> Value {
        let mut value =
            json!({ "modalities": modalities.iter().map(|m| m.code()).collect::<Vec<_>>() });
        for m in modalities {
            value[m.code()] = self.value(*m, current);
        }
        value
    }
}

/// Observation or best supportive care against active treatment (or against each other).
fn goals_of_care(sides: &Sides) -> Option<Finding> {
    let treats_current = !sides.current_modalities.is_empty();
    let treats_opinion = !sides.opinion_modalities.is_empty();
    let observation = json!({ "observation": true });
    let bsc = json!({ "best_supportive_care": true });
    let cur_treatment = || sides.modalities_value(&sides.current_modalities, true);
    let op_treatment = || sides.modalities_value(&sides.opinion_modalities, false);

    if sides.opinion_observes && treats_current {
        return Some(Finding::new(
            Dimension::Observation,
            Change::Different,
            Severity::Major,
            Some(cur_treatment()),
            Some(observation),
            format!(
                "The second opinion recommends active surveillance (watching closely, treating only if needed) instead of treatment now with {}.",
                sides.treatment_words(&sides.current_modalities, true)
            ),
        ));
    }
    if sides.current_observes && treats_opinion {
        return Some(Finding::new(
            Dimension::Observation,
            Change::Different,
            Severity::Major,
            Some(observation),
            Some(op_treatment()),
            format!(
                "The second opinion recommends treatment now with {} instead of active surveillance.",
                sides.treatment_words(&sides.opinion_modalities, false)
            ),
        ));
    }
    if sides.opinion_bsc && treats_current {
        return Some(Finding::new(
            Dimension::SupportiveCare,
            Change::Different,
            Severity::Major,
            Some(cur_treatment()),
            Some(bsc),
            format!(
                "The second opinion recommends best supportive care (care focused on comfort and quality of life) instead of anticancer treatment with {}.",
                sides.treatment_words(&sides.current_modalities, true)
            ),
        ));
    }
    if sides.current_bsc && treats_opinion {
        return Some(Finding::new(
            Dimension::SupportiveCare,
            Change::Different,
            Severity::Major,
            Some(bsc),
            Some(op_treatment()),
            format!(
                "The second opinion recommends anticancer treatment with {} instead of best supportive care alone.",
                sides.treatment_words(&sides.opinion_modalities, false)
            ),
        ));
    }
    if (sides.opinion_bsc && sides.current_observes)
        || (sides.opinion_observes && sides.current_bsc)
    {
        let (cur, op, words) = if sides.opinion_bsc {
            (
                observation,
                bsc,
                "best supportive care alone instead of active surveillance",
            )
        } else {
            (
                bsc,
                observation,
                "active surveillance instead of best supportive care alone",
            )
        };
        return Some(Finding::new(
            Dimension::SupportiveCare,
            Change::Different,
            Severity::Major,
            Some(cur),
            Some(op),
            format!("The second opinion recommends {words}."),
        ));
    }
    if sides.opinion_observes && sides.current_observes {
        return Some(Finding::same(
            Dimension::Observation,
            observation,
            "Both recommend active surveillance.".into(),
        ));
    }
    if sides.opinion_bsc && sides.current_bsc {
        return Some(Finding::same(
            Dimension::SupportiveCare,
            bsc,
            "Both recommend best supportive care.".into(),
        ));
    }
    None
}

fn modalities(
    input: &ClassificationInput,
    sides: &Sides,
    cancer: &Cancer,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let opinion_states_plan = !sides.opinion_modalities.is_empty();
    let added: BTreeSet<Modality> = sides
        .opinion_modalities
        .difference(&sides.current_modalities)
        .copied()
        .collect();
    let removed: BTreeSet<Modality> = if opinion_states_plan {
        sides
            .current_modalities
            .difference(&sides.opinion_modalities)
            .copied()
            .collect()
    } else {
        BTreeSet::new()
    };

    for modality in sides
        .current_modalities
        .intersection(&sides.opinion_modalities)
    {
        findings.push(match modality {
            Modality::SystemicTherapy if cancer.is_r3() => systemic_r3(
                &sides.current_systemic,
                &sides.opinion_systemic,
                input,
                cancer,
                vocab,
                review,
            ),
            Modality::SystemicTherapy => systemic(&sides.current_systemic, &sides.opinion_systemic),
            Modality::Radiotherapy => radiotherapy(
                sides.current.radiotherapy.as_ref().expect("named"),
                sides.opinion.radiotherapy.as_ref().expect("named"),
                cancer,
                vocab,
                review,
            ),
            Modality::Surgery => surgery(
                sides.current.surgery.as_ref().expect("named"),
                sides.opinion.surgery.as_ref().expect("named"),
                vocab,
                review,
            ),
            Modality::Transplant => transplant(
                sides.current.transplant.as_ref().expect("named"),
                sides.opinion.transplant.as_ref().expect("named"),
            ),
            Modality::CellularTherapy => cellular(
                sides.current.cellular_therapy.as_ref().expect("named"),
                sides.opinion.cellular_therapy.as_ref().expect("named"),
                vocab,
                review,
            ),
        });
    }

    if !added.is_empty() && !removed.is_empty() {
        findings.push(Finding::new(
            Dimension::ModalitySwap,
            Change::Different,
            Severity::Major,
            Some(sides.modalities_value(&removed, true)),
            Some(sides.modalities_value(&added, false)),
            format!(
                "The second opinion replaces {} with {}.",
                sides.treatment_words(&removed, true),
                sides.treatment_words(&added, false)
            ),
        ));
        return findings;
    }
    let curative = |plan: &Plan| plan.intent == Some(Intent::Curative);
    for modality in &added {
        let major = match modality {
            Modality::Surgery => curative(sides.opinion),
            Modality::Transplant | Modality::CellularTherapy => true,
            Modality::SystemicTherapy | Modality::Radiotherapy => false,
        };
        findings.push(Finding::new(
            Dimension::of_modality(*modality),
            Change::Added,
            if major {
                Severity::Major
            } else {
                Severity::Minor
            },
            None,
            Some(sides.value(*modality, false)),
            format!("The second opinion adds {}.", sides.words(*modality, false)),
        ));
    }
    for modality in &removed {
        let major = match modality {
            Modality::Surgery => curative(sides.current),
            Modality::Transplant | Modality::CellularTherapy => true,
            Modality::SystemicTherapy | Modality::Radiotherapy => false,
        };
        findings.push(Finding::new(
            Dimension::of_modality(*modality),
            Change::Removed,
            if major {
                Severity::Major
            } else {
                Severity::Minor
            },
            Some(sides.value(*modality, true)),
            None,
            format!(
                "The second opinion does not include {} from the current plan.",
                sides.words(*modality, true)
            ),
        ));
    }
    findings
}

fn intent(
    current: Option<Intent>,
    opinion: Option<Intent>,
    treatment_differs: bool,
) -> Option<Finding> {
    let (cur, op) = (current?, opinion?);
    let value = |i: Intent| json!({ "intent": intent_name(i) });
    if cur == op {
        let aim = match cur {
            Intent::Curative => "Both plans aim to cure the cancer.",
            Intent::Palliative => {
                "Both plans aim to control the cancer and its symptoms rather than cure it."
            }
        };
        return Some(Finding::same(Dimension::Intent, value(cur), aim.into()));
    }
    let explanation = match op {
        Intent::Curative => {
            "The second opinion sees a chance of cure (curative aim) where the current plan aims at control (palliative)."
        }
        Intent::Palliative => {
            "The second opinion aims at control of the cancer (palliative) where the current plan aims at cure (curative)."
        }
    };
    Some(Finding::new(
        Dimension::Intent,
        Change::Different,
        if treatment_differs {
            Severity::Major
        } else {
            Severity::Minor
        },
        Some(value(cur)),
        Some(value(op)),
        explanation.into(),
    ))
}

fn sequence(current: &Plan, opinion: &Plan, treatment: &TreatmentScope) -> Option<Finding> {
    let (cur, op) = (current.sequence.as_ref()?, opinion.sequence.as_ref()?);
    let shared = |seq: &[Modality], other: &[Modality]| -> Vec<Modality> {
        let mut seen = BTreeSet::new();
        seq.iter()
            .copied()
            .filter(|m| treatment.includes(*m) && other.contains(m) && seen.insert(*m))
            .collect()
    };
    let cur_order = shared(cur, op);
    let op_order = shared(op, cur);
    if cur_order.len() < 2 {
        return None;
    }
    let value = |order: &[Modality]| json!({ "sequence": order.iter().map(|m| m.code()).collect::<Vec<_>>() });
    let words = |order: &[Modality]| {
        order
            .iter()
            .map(|m| modality_name(*m))
            .collect::<Vec<_>>()
            .join(", then ")
    };
    if cur_order == op_order {
        return Some(Finding::same(
            Dimension::Sequence,
            value(&cur_order),
            format!(
                "Both give the treatments in the same order: {}.",
                words(&cur_order)
            ),
        ));
    }
    let position = |order: &[Modality], m: Modality| order.iter().position(|x| *x == m);
    let surgery_moves = [Modality::SystemicTherapy, Modality::Radiotherapy]
        .into_iter()
        .any(|other| {
            match (
                position(&cur_order, Modality::Surgery),
                position(&cur_order, other),
                position(&op_order, Modality::Surgery),
                position(&op_order, other),
            ) {
                (Some(cs), Some(co), Some(os), Some(oo)) => (cs < co) != (os < oo),
                _ => false,
            }
        });
    let curative =
        current.intent == Some(Intent::Curative) || opinion.intent == Some(Intent::Curative);
    Some(Finding::new(
        Dimension::Sequence,
        Change::Different,
        if surgery_moves && curative {
            Severity::Major
        } else {
            Severity::Minor
        },
        Some(value(&cur_order)),
        Some(value(&op_order)),
        format!(
            "The second opinion gives the treatments in another order: {} instead of {}.",
            words(&op_order),
            words(&cur_order)
        ),
    ))
}

pub(super) fn radiotherapy_value(rt: &Radiotherapy) -> Value {
    let mut value = json!({});
    if let Some(d) = rt.total_dose_gy {
        value["total_dose_gy"] = json!(d);
    }
    if let Some(f) = rt.fractions {
        value["fractions"] = json!(f);
    }
    if let (Some(d), Some(f)) = (rt.total_dose_gy, rt.fractions) {
        value["dose_per_fraction_gy"] = json!(round2(d / f as f64));
    }
    if let Some(extent) = rt.target_extent {
        value["target_extent"] = json!(extent.code());
    }
    if let Some(t) = rt.radiation_type {
        value["radiation_type"] = json!(t.code());
    }
    if let Some(t) = &rt.technique {
        value["technique"] = json!(t);
    }
    if let Some(s) = &rt.site {
        value["site"] = json!(s);
    }
    value
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// EQD2 = D (d + a/b) / (2 + a/b).
pub(crate) fn eqd2(dose: f64, fractions: i64, alpha_beta: f64) -> f64 {
    let per_fraction = dose / fractions as f64;
    dose * (per_fraction + alpha_beta) / (2.0 + alpha_beta)
}

fn radiotherapy(
    current: &Radiotherapy,
    opinion: &Radiotherapy,
    cancer: &Cancer,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Finding {
    if cancer.is_r3()
        && let Some(finding) = super::treatment_r3::target(current, opinion, cancer, review)
    {
        return finding;
    }
    let alpha_beta = vocab.alpha_beta(cancer.site_category());
    let mut cur_value = radiotherapy_value(current);
    let mut op_value = radiotherapy_value(opinion);
    let cur_words = schedule(current.total_dose_gy, current.fractions);
    let op_words = schedule(opinion.total_dose_gy, opinion.fractions);

    enum Dose {
        Same,
        /// Different schedules whose EQD2 differ by no more than the tolerance.
        WithinTolerance(String),
        /// Different schedules of one trial-proven group (named).
        Equivalent(String),
        Different(String),
        Unknown,
    }
    let dose = match (
        current.total_dose_gy,
        current.fractions,
        opinion.total_dose_gy,
        opinion.fractions,
    ) {
        (Some(cd), Some(cf), Some(od), Some(of)) => {
            if (cd - od).abs() < 1e-6 && cf == of {
                Dose::Same
            } else if let Some(group) = vocab.equivalent_schedules(
                cancer.site_category(),
                opinion.site.as_deref().or(current.site.as_deref()),
                (cd, cf),
                (od, of),
            ) {
                Dose::Equivalent(group.name.clone())
            } else if cd / cf as f64 > vocab.max_dose_per_fraction_for_eqd2()
                || od / of as f64 > vocab.max_dose_per_fraction_for_eqd2()
            {
                Dose::Different(format!(
                    "{op_words} instead of {cur_words} (above {} Gy per session, where EQD2 is not meaningful)",
                    number(vocab.max_dose_per_fraction_for_eqd2())
                ))
            } else {
                let (ce, oe) = (eqd2(cd, cf, alpha_beta), eqd2(od, of, alpha_beta));
                cur_value["eqd2_gy"] = json!(round2(ce));
                op_value["eqd2_gy"] = json!(round2(oe));
                cur_value["alpha_beta_gy"] = json!(alpha_beta);
                op_value["alpha_beta_gy"] = json!(alpha_beta);
                let percent = (oe - ce) / ce * 100.0;
                let detail = format!(
                    "EQD2 {:.1} vs {:.1} Gy, alpha/beta {}",
                    oe,
                    ce,
                    number(alpha_beta)
                );
                if percent.abs() > vocab.eqd2_tolerance_percent() {
                    Dose::Different(format!(
                        "{op_words} instead of {cur_words} ({detail}), {:.1}% {}",
                        percent.abs(),
                        if percent < 0.0 { "less" } else { "more" }
                    ))
                } else {
                    Dose::WithinTolerance(format!(
                        "within {}% ({detail})",
                        number(vocab.eqd2_tolerance_percent())
                    ))
                }
            }
        }
        (cd, cf, od, of) => {
            if cd.is_some() || od.is_some() {
                review.add(ReviewCode::RadiotherapyScheduleIncomplete, "A radiotherapy schedule lacks its dose or number of sessions: compared as written.");
            }
            let same_dose = match (cd, od) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-6,
                _ => true,
            };
            let same_fractions = match (cf, of) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            if cd.is_none() && od.is_none() && cf.is_none() && of.is_none() {
                Dose::Unknown
            } else if same_dose && same_fractions {
                Dose::Same
            } else {
                Dose::Different(format!("{op_words} instead of {cur_words}"))
            }
        }
    };
    let type_change = match (current.radiation_type, opinion.radiation_type) {
        (Some(a), Some(b)) if a != b => Some(format!(
            "{} instead of {} radiotherapy",
            b.code().replace('_', " "),
            a.code().replace('_', " ")
        )),
        _ => None,
    };

    let (change, explanation) = match (&dose, &type_change) {
        (Dose::Different(what), Some(kind)) => (
            Change::Different,
            format!("The second opinion suggests {kind}, and {what}."),
        ),
        (Dose::Different(what), None) => (
            Change::Different,
            format!("The second opinion suggests {what}."),
        ),
        (_, Some(kind)) => (
            Change::Different,
            format!("The second opinion suggests {kind}, at the same dose ({op_words})."),
        ),
        (Dose::WithinTolerance(within), None) => (
            Change::Same,
            format!(
                "The second opinion's radiotherapy ({op_words}) matches the current plan's ({cur_words}): the difference in effective dose is {within}."
            ),
        ),
        (Dose::Equivalent(group), None) => (
            Change::EquivalentAlternative,
            format!(
                "The second opinion suggests {op_words} instead of {cur_words}: an accepted alternative schedule shown equivalent in trials ({group})."
            ),
        ),
        (Dose::Same | Dose::Unknown, None) => (
            Change::Same,
            format!("Both recommend the same radiotherapy ({cur_words})."),
        ),
    };
    let severity = if change == Change::Same {
        Severity::None
    } else {
        Severity::Minor
    };
    Finding::new(
        Dimension::Radiotherapy,
        change,
        severity,
        Some(cur_value),
        Some(op_value),
        explanation,
    )
}

fn surgery(
    current: &Surgery,
    opinion: &Surgery,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Finding {
    let resolve = |s: &Surgery| vocab.procedure(&s.procedure);
    let value = |s: &Surgery| match vocab.procedure(&s.procedure) {
        Some(p) => {
            json!({ "procedure": p.name, "organ": p.organ, "extent": p.extent, "as_written": s.procedure })
        }
        None => json!({ "procedure": s.procedure }),
    };
    let (cur_v, op_v) = (value(current), value(opinion));
    let (change, severity, explanation) = match (resolve(current), resolve(opinion)) {
        (Some(c), Some(o)) if c.name == o.name => (
            Change::Same,
            Severity::None,
            format!("Both recommend the same operation: {}.", c.name),
        ),
        (Some(c), Some(o)) if c.organ == o.organ && c.extent == o.extent => (
            Change::Different,
            Severity::Minor,
            format!(
                "The second opinion recommends {} instead of {}, an operation of the same extent.",
                o.name, c.name
            ),
        ),
        (Some(c), Some(o))
            if c.organ == o.organ && (c.extent == "unspecified" || o.extent == "unspecified") =>
        {
            (
                Change::Refined,
                Severity::Minor,
                format!(
                    "The second opinion names the operation as {} where the current plan says {}.",
                    o.name, c.name
                ),
            )
        }
        (Some(c), Some(o)) => (
            Change::Different,
            Severity::Major,
            format!(
                "The second opinion recommends a different operation: {} instead of {}.",
                o.name, c.name
            ),
        ),
        (c, o) => {
            for (side, s) in [(c, current), (o, opinion)] {
                if side.is_none() {
                    review.add(
                        ReviewCode::UnknownProcedure,
                        format!(
                            "Unknown surgical procedure '{}': compared as written.",
                            s.procedure.trim()
                        ),
                    );
                }
            }
            if fold(&current.procedure) == fold(&opinion.procedure) {
                (
                    Change::Same,
                    Severity::None,
                    format!(
                        "Both recommend the same operation: {}.",
                        opinion.procedure.trim()
                    ),
                )
            } else {
                (
                    Change::Different,
                    Severity::Minor,
                    format!(
                        "The second opinion recommends {} instead of {}.",
                        opinion.procedure.trim(),
                        current.procedure.trim()
                    ),
                )
            }
        }
    };
    Finding::new(
        Dimension::Surgery,
        change,
        severity,
        Some(cur_v),
        Some(op_v),
        explanation,
    )
}

fn transplant_word(kind: TransplantType) -> &'static str {
    match kind {
        TransplantType::Autologous => "autologous",
        TransplantType::Allogeneic => "allogeneic",
    }
}

fn transplant(current: &Transplant, opinion: &Transplant) -> Finding {
    let value = |t: &Transplant| json!({ "type": transplant_word(t.kind) });
    if current.kind == opinion.kind {
        return Finding::same(
            Dimension::Transplant,
            value(current),
            format!(
                "Both recommend an {} stem cell transplant.",
                transplant_word(current.kind)
            ),
        );
    }
    Finding::new(
        Dimension::Transplant,
        Change::Different,
        Severity::Major,
        Some(value(current)),
        Some(value(opinion)),
        format!(
            "The second opinion recommends an {} stem cell transplant instead of an {} one.",
            transplant_word(opinion.kind),
            transplant_word(current.kind)
        ),
    )
}

fn cellular(
    current: &CellularTherapy,
    opinion: &CellularTherapy,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> Finding {
    let resolve = |c: &CellularTherapy, review: &mut ReviewReasons| match vocab
        .cellular_product(&c.product)
    {
        Some(name) => name.to_string(),
        None => {
            review.add(
                ReviewCode::UnknownCellularProduct,
                format!(
                    "Unknown cellular therapy product '{}': compared as written.",
                    c.product.trim()
                ),
            );
            c.product.trim().to_lowercase()
        }
    };
    let (cur, op) = (resolve(current, review), resolve(opinion, review));
    let (cur_v, op_v) = (json!({ "product": cur }), json!({ "product": op }));
    if fold(&cur) == fold(&op) {
        return Finding::new(
            Dimension::CellularTherapy,
            Change::Same,
            Severity::None,
            Some(cur_v),
            Some(op_v),
            format!("Both recommend the same cellular therapy: {cur}."),
        );
    }
    Finding::new(
        Dimension::CellularTherapy,
        Change::Different,
        Severity::Minor,
        Some(cur_v),
        Some(op_v),
        format!("The second opinion recommends the cellular therapy {op} instead of {cur}."),
    )
}

fn workup(current: &Plan, opinion: &Plan) -> Option<Finding> {
    let names = |plan: &Plan| -> BTreeMap<String, String> {
        plan.recommended_investigations
            .iter()
            .flatten()
            .map(|i| (fold(&i.name), i.name.trim().to_string()))
            .collect()
    };
    let (cur, op) = (names(current), names(opinion));
    if op.is_empty() {
        return None;
    }
    let new: Vec<&String> = op
        .iter()
        .filter(|(k, _)| !cur.contains_key(*k))
        .map(|(_, v)| v)
        .collect();
    let value =
        |m: &BTreeMap<String, String>| json!({ "investigations": m.values().collect::<Vec<_>>() });
    if new.is_empty() {
        return Some(Finding::new(
            Dimension::Workup,
            Change::Same,
            Severity::None,
            Some(value(&cur)),
            Some(value(&op)),
            format!(
                "Both recommend the same tests: {}.",
                list(&op.values().collect::<Vec<_>>())
            ),
        ));
    }
    let new_map: BTreeMap<String, String> = op
        .iter()
        .filter(|(k, _)| !cur.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some(Finding::new(
        Dimension::Workup,
        Change::Added,
        Severity::Minor,
        (!cur.is_empty()).then(|| value(&cur)),
        Some(value(&new_map)),
        format!(
            "The second opinion recommends {} the current plan does not name: {}.",
            if new.len() == 1 { "a test" } else { "tests" },
            list(&new)
        ),
    ))
}

fn trial_value(trial: &crate::domain::picture::ClinicalTrial) -> Value {
    serde_json::to_value(trial).unwrap_or(Value::Null)
}

/// "CTRI/2025/03/081234 (KRAS G12C, phase 2, India (IN))".
fn trial_words(trial: &crate::domain::picture::ClinicalTrial) -> String {
    let mut details = Vec::new();
    if let Some(target) = &trial.target {
        details.push(target.clone());
    }
    if let Some(phase) = &trial.phase {
        details.push(format!("phase {phase}"));
    }
    match (&trial.centre, &trial.country) {
        (Some(centre), Some(c)) => details.push(format!("{centre}, {}", country(c))),
        (None, Some(c)) => details.push(country(c)),
        (Some(centre), None) => details.push(centre.clone()),
        (None, None) => {}
    }
    if details.is_empty() {
        trial.registry_id.clone()
    } else {
        format!("{} ({})", trial.registry_id, details.join(", "))
    }
}

fn trial_key(id: &str) -> String {
    TrialId::parse(id)
        .map(|t| t.key())
        .unwrap_or_else(|_| id.trim().to_uppercase())
}

fn clinical_trials(current: &Plan, opinion: &Plan) -> Option<Finding> {
    let keys: BTreeSet<String> = current
        .clinical_trials
        .iter()
        .flatten()
        .map(|t| trial_key(&t.registry_id))
        .collect();
    let mut named: Vec<_> = opinion.clinical_trials.iter().flatten().collect();
    if named.is_empty() {
        return None;
    }
    named.sort_by_key(|t| trial_key(&t.registry_id));
    named.dedup_by_key(|t| trial_key(&t.registry_id));
    let new: Vec<_> = named
        .iter()
        .filter(|t| !keys.contains(&trial_key(&t.registry_id)))
        .collect();
    let value = |trials: &[&&crate::domain::picture::ClinicalTrial]| json!({ "trials": trials.iter().map(|t| trial_value(t)).collect::<Vec<_>>() });
    if new.is_empty() {
        let all: Vec<_> = named.iter().collect();
        return Some(Finding::new(
            Dimension::ClinicalTrials,
            Change::Same,
            Severity::None,
            Some(value(&all)),
            Some(value(&all)),
            format!(
                "Both name the same clinical {}: {}.",
                if all.len() == 1 { "trial" } else { "trials" },
                list(
                    &all.iter()
                        .map(|t| t.registry_id.clone())
                        .collect::<Vec<_>>()
                )
            ),
        ));
    }
    Some(Finding::new(
        Dimension::ClinicalTrials,
        Change::Added,
        Severity::Minor,
        None,
        Some(value(&new)),
        format!(
            "The second opinion names {} the current plan does not: {}.",
            if new.len() == 1 {
                "a clinical trial"
            } else {
                "clinical trials"
            },
            list(&new.iter().map(|t| trial_words(t)).collect::<Vec<_>>())
        ),
    ))
}

fn location(home: Option<&str>, opinion: &Plan) -> Option<Finding> {
    let location = opinion.location.as_ref()?;
    let (there, home) = (location.country.as_deref()?, home?);
    let value = |c: &str| json!({ "country": c });
    let mut op_value = value(there);
    if let Some(centre) = &location.centre {
        op_value["centre"] = json!(centre);
    }
    if there == home {
        return Some(Finding::new(
            Dimension::Location,
            Change::Same,
            Severity::None,
            Some(value(home)),
            Some(op_value),
            format!("Both plans would be delivered in {}.", country(home)),
        ));
    }
    let at = location
        .centre
        .as_ref()
        .map(|c| format!(" at {c}"))
        .unwrap_or_default();
    Some(Finding::new(
        Dimension::Location,
        Change::Different,
        Severity::Minor,
        Some(value(home)),
        Some(op_value),
        format!(
            "The second opinion's plan would be delivered in {}{at}, not in {}.",
            country(there),
            country(home)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::eqd2;

    #[test]
    fn eqd2_follows_the_linear_quadratic_formula() {
        assert!((eqd2(70.0, 35, 10.0) - 70.0).abs() < 1e-9);
        assert!((eqd2(66.0, 33, 10.0) - 66.0).abs() < 1e-9);
        // 60 Gy in 20 at alpha/beta 1.5: 60 * (3 + 1.5) / 3.5
        assert!((eqd2(60.0, 20, 1.5) - 77.142857).abs() < 1e-5);
    }
}
