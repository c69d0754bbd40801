//! Plain words, in the summary's language, for the values a finding compares (the JSON
//! objects built in `discordance/diagnosis.rs` and `discordance/plan.rs`).

use serde_json::Value;

use super::names::names;
use super::templates::{Templates, fill};
use crate::domain::codes::m_category;
use crate::domain::countries;
use crate::domain::discordance::{Change, Dimension, Finding, Severity};

/// A finding in words: each side's value, and the extra placeholders its sentences use.
#[derive(Debug, Clone)]
pub(super) struct Worded {
    pub dimension: Dimension,
    pub change: Change,
    pub severity: Severity,
    /// Picks a more specific sentence (`to_invasive`, `watch`, `type` ...).
    pub variant: Option<&'static str>,
    /// Empty when the side does not state the value.
    pub current: String,
    pub opinion: String,
    pub extra: Vec<(&'static str, String)>,
}

impl Worded {
    pub fn of(finding: &Finding, t: &Templates) -> Worded {
        let words = |side: &Option<Value>| {
            side.as_ref()
                .map(|v| value_words(finding.dimension, v, t))
                .unwrap_or_default()
        };
        let mut worded = Worded {
            dimension: finding.dimension,
            change: finding.change,
            severity: finding.severity,
            variant: None,
            current: words(&finding.current),
            opinion: words(&finding.opinion),
            extra: Vec::new(),
        };
        worded.add_details(finding, t);
        worded
    }

    pub fn differs(&self) -> bool {
        self.change != Change::Same
    }

    /// The placeholders of this finding's sentences.
    pub fn vars(&self) -> Vec<(&str, &str)> {
        let mut vars = vec![
            ("current", self.current.as_str()),
            ("opinion", self.opinion.as_str()),
        ];
        vars.extend(self.extra.iter().map(|(k, v)| (*k, v.as_str())));
        vars
    }

    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value as it reads in a script or headline ("the cancer medicines ...").
    pub fn noun(&self, value: &str, t: &Templates) -> String {
        let pattern = t.first(&[
            format!("noun.{}", self.dimension.code()),
            "noun.default".to_string(),
        ]);
        fill(&pattern, &[("value", value)])
    }

    /// (what the opinion suggests, what the current plan does), for scripts and headlines.
    pub fn contrast(&self, t: &Templates) -> (String, String) {
        if matches!(self.variant, Some("type" | "type_and_dose")) {
            // The kind of radiation is what differs: name it with each dose.
            let side = |kind: &str, dose: &str| {
                t.fill("noun.radiotherapy_type", &[("type", kind), ("value", dose)])
            };
            let kind = |name: &str| self.extra(name).unwrap_or_default().to_string();
            return (
                side(&kind("opinion_type"), &self.opinion),
                side(&kind("current_type"), &self.current),
            );
        }
        match self.change {
            Change::Added => (
                t.fill("noun.adding", &[("value", &self.noun(&self.opinion, t))]),
                t.text("noun.plan_without"),
            ),
            Change::Removed => {
                let current = self.noun(&self.current, t);
                (
                    t.fill("noun.leaving_out", &[("value", &current)]),
                    t.fill("noun.plan_with", &[("value", &current)]),
                )
            }
            _ => (self.noun(&self.opinion, t), self.noun(&self.current, t)),
        }
    }

    /// "grade 3 instead of grade 2", or the new value alone when the opinion adds it.
    pub fn difference(&self, t: &Templates) -> String {
        if self.current.is_empty() {
            return self.opinion.clone();
        }
        t.fill(
            "words.instead",
            &[("opinion", &self.opinion), ("current", &self.current)],
        )
    }

    fn add_details(&mut self, finding: &Finding, t: &Templates) {
        let (cur, op) = (finding.current.as_ref(), finding.opinion.as_ref());
        let field = |v: Option<&Value>, key: &str| {
            v.and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        match finding.dimension {
            Dimension::Histology => {
                let behaviour = |v: Option<&Value>| field(v, "code").and_then(|mut c| c.pop());
                self.variant = match (behaviour(cur), behaviour(op)) {
                    (Some('2'), Some('3')) => Some("to_invasive"),
                    (Some('3'), Some('2')) => Some("to_in_situ"),
                    _ => None,
                };
                // Neither side has words for the type (no name for its code, no text).
                let has_words = |v: Option<&Value>| {
                    field(v, "text").is_some()
                        || field(v, "code")
                            .is_some_and(|c| names().morphology(&c, t.code).is_some())
                };
                if !has_words(cur) && !has_words(op) {
                    self.extra.push(("code_only", String::new()));
                }
            }
            Dimension::Stage => {
                let m = |v: Option<&Value>| field(v, "m").as_deref().and_then(m_category);
                self.variant = match (m(cur), m(op)) {
                    (Some(false), Some(true)) => Some("spread"),
                    (Some(true), Some(false)) => Some("no_spread"),
                    _ => None,
                };
                // Same group on both sides: the T, N or M category is what differs, so show it.
                if field(cur, "group").is_some() && field(cur, "group") == field(op, "group") {
                    self.current = cur.map(|v| stage_words(v, true, t)).unwrap_or_default();
                    self.opinion = op.map(|v| stage_words(v, true, t)).unwrap_or_default();
                }
            }
            Dimension::Biomarkers => {
                let gene = field(op, "gene").or_else(|| field(cur, "gene"));
                self.extra.push(("gene", gene.unwrap_or_default()));
                let result = |v: Option<&Value>| v.map(|v| result_words(v, t)).unwrap_or_default();
                self.extra.push(("current_result", result(cur)));
                self.extra.push(("opinion_result", result(op)));
                // Ruleset 3: a scored test (PD-L1) reads as its score on its scale.
                let score = |v: Option<&Value>| score_words(v?, t);
                if let (Some(current), Some(opinion)) = (score(cur), score(op)) {
                    let band = |v: Option<&Value>| v.and_then(|v| v.get("band")).cloned();
                    self.variant = Some(if band(cur) != band(op) {
                        "score_across"
                    } else {
                        "score"
                    });
                    self.extra.push(("current_score", current));
                    self.extra.push(("opinion_score", opinion));
                }
            }
            Dimension::PerformanceStatus => {
                let fit = |v: Option<&Value>| v.and_then(|v| v.get("fit")).and_then(Value::as_bool);
                self.variant = match (fit(cur), fit(op)) {
                    (Some(true), Some(false)) => Some("to_unfit"),
                    (Some(false), Some(true)) => Some("to_fit"),
                    _ => None,
                };
            }
            Dimension::SystemicTherapy => {
                // Ruleset 3: the same medicines for another length.
                let length = |v: Option<&Value>| length_words(v?, t, "value.length");
                let drugs = |v: Option<&Value>| v.and_then(|v| v.get("drugs")).cloned();
                if let (Some(current), Some(opinion)) = (length(cur), length(op))
                    && drugs(cur) == drugs(op)
                    && current != opinion
                {
                    self.variant = Some("length");
                    self.extra.push(("current_length", current));
                    self.extra.push(("opinion_length", opinion));
                    return;
                }
                // One medicine swapped for another, the rest alike: name the two, then the rest.
                let names = |v: Option<&Value>| strings(v.and_then(|v| v.get("drugs")));
                let (before, after) = (names(cur), names(op));
                let gone: Vec<&String> = before.iter().filter(|d| !after.contains(d)).collect();
                let new: Vec<&String> = after.iter().filter(|d| !before.contains(d)).collect();
                let regimens = |v: Option<&Value>| v.and_then(|v| v.get("regimens")).cloned();
                // Only inside one regimen: across regimens their names say it better.
                if let ([gone], [new]) = (gone.as_slice(), new.as_slice())
                    && before.len() > 1
                    && regimens(cur) == regimens(op)
                {
                    let mut rest: Vec<String> =
                        after.iter().filter(|d| d != new).cloned().collect();
                    rest.extend(strings(op.and_then(|v| v.get("left_out"))));
                    self.variant = Some("swap");
                    self.extra.push(("swap_out", (*gone).clone()));
                    self.extra.push(("swap_in", (*new).clone()));
                    self.extra.push(("swap_rest", t.join(&rest)));
                }
            }
            Dimension::Intent => {
                self.variant = match field(op, "intent").as_deref() {
                    Some("curative") => Some("to_cure"),
                    Some("palliative") => Some("to_control"),
                    _ => None,
                };
            }
            Dimension::Observation => {
                let watches = op.is_some_and(|v| v.get("observation").is_some());
                self.variant = Some(if watches { "watch" } else { "treat" });
            }
            Dimension::SupportiveCare => {
                let comfort = op.is_some_and(|v| v.get("best_supportive_care").is_some());
                self.variant = Some(if comfort { "comfort" } else { "treat" });
            }
            Dimension::Radiotherapy => self.radiotherapy_details(cur, op, t),
            Dimension::ClinicalTrials => self.trial_details(op, t),
            _ => {}
        }
    }

    fn radiotherapy_details(&mut self, cur: Option<&Value>, op: Option<&Value>, t: &Templates) {
        let kind = |v: Option<&Value>| {
            v.and_then(|v| v.get("radiation_type"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let kind_words = |k: &Option<String>| {
            k.as_deref()
                .map(|k| t.text(&format!("value.radiation_type.{k}")))
                .unwrap_or_default()
        };
        let (ck, ok) = (kind(cur), kind(op));
        self.extra.push(("current_type", kind_words(&ck)));
        self.extra.push(("opinion_type", kind_words(&ok)));
        if self.change != Change::Different {
            return;
        }
        // Ruleset 3: what the radiation covers (the whole organ, part of it, a spot).
        let target = |v: Option<&Value>| {
            v.and_then(|v| v.get("target_extent"))
                .and_then(Value::as_str)
                .map(|extent| t.text(&format!("value.target_extent.{extent}")))
        };
        if let (Some(current), Some(opinion)) = (target(cur), target(op))
            && current != opinion
        {
            self.variant = Some("target");
            self.extra.push(("current_target", current));
            self.extra.push(("opinion_target", opinion));
            return;
        }
        let type_differs = ck.is_some() && ok.is_some() && ck != ok;
        let dose_differs = self.current != self.opinion;
        self.variant = match (type_differs, dose_differs) {
            (true, false) => Some("type"),
            (true, true) => Some("type_and_dose"),
            _ => None,
        };
    }

    fn trial_details(&mut self, op: Option<&Value>, t: &Templates) {
        let trials: Vec<&Value> = op
            .and_then(|v| v.get("trials"))
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        if trials.len() > 1 {
            self.variant = Some("many");
        }
        let ids: Vec<String> = trials
            .iter()
            .filter_map(|trial| trial.get("registry_id").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        let mut places: Vec<String> = trials.iter().filter_map(|tr| place(tr, t)).collect();
        places.dedup();
        self.extra.push(("trial_ids", t.join(&ids)));
        self.extra.push(("trial_places", t.join(&places)));
    }
}

/// The plain words for one side's value of a dimension.
pub(super) fn value_words(dimension: Dimension, value: &Value, t: &Templates) -> String {
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    match dimension {
        Dimension::Histology => histology_words(value, t),
        Dimension::PrimarySite => site_words(value, t),
        Dimension::Grade => value
            .get("grade")
            .map(|g| t.fill("value.grade", &[("grade", &scalar(g, t))]))
            .unwrap_or_default(),
        Dimension::Stage => stage_words(value, false, t),
        Dimension::Biomarkers => {
            let gene = text("gene").or(text("name")).unwrap_or_default();
            // Ruleset 3: a scored test reads as its score on its scale ("PD-L1: 8 on the CPS scale").
            if let Some(score) = score_words(value, t) {
                return t.fill(
                    "value.biomarker_score",
                    &[("gene", gene), ("score", &score)],
                );
            }
            let result = result_words(value, t);
            match text("value") {
                Some(v) => t.fill(
                    "value.biomarker_value",
                    &[("gene", gene), ("result", &result), ("value", v)],
                ),
                None => t.fill("value.biomarker", &[("gene", gene), ("result", &result)]),
            }
        }
        Dimension::Germline => {
            let gene = text("gene").or(text("name")).unwrap_or_default();
            let result = text("result").unwrap_or_default().trim();
            let result = t.text_or(
                &format!("value.germline_result.{}", result.to_lowercase()),
                result,
            );
            match text("variant") {
                Some(variant) => t.fill(
                    "value.germline_variant",
                    &[("gene", gene), ("result", &result), ("variant", variant)],
                ),
                None => t.fill("value.germline", &[("gene", gene), ("result", &result)]),
            }
        }
        Dimension::PerformanceStatus => t.fill(
            "value.performance_status",
            &[
                ("scale", text("scale").unwrap_or_default()),
                (
                    "value",
                    &value.get("value").map(|v| scalar(v, t)).unwrap_or_default(),
                ),
            ],
        ),
        Dimension::Line => text("line")
            .map(|line| t.text(&format!("value.line.{line}")))
            .unwrap_or_default(),
        Dimension::ObservationAfterTreatment => text("replaces")
            .map(|m| t.text(&format!("value.modality.{m}")))
            .unwrap_or_default(),
        Dimension::Intent => text("intent")
            .map(|i| t.text(&format!("value.intent.{i}")))
            .unwrap_or_default(),
        Dimension::Observation | Dimension::SupportiveCare | Dimension::ModalitySwap => {
            approach_words(value, t)
        }
        Dimension::Sequence => {
            let names: Vec<String> = value
                .get("sequence")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|m| t.text(&format!("value.modality.{m}")))
                .collect();
            names.join(&t.text("words.then"))
        }
        Dimension::SystemicTherapy => medicine_words(value, t, true),
        Dimension::Radiotherapy => dose_words(value, t),
        Dimension::Surgery => {
            let procedure = text("procedure").unwrap_or_default().trim();
            names()
                .procedure(procedure, t.code)
                .unwrap_or(procedure)
                .to_string()
        }
        Dimension::Transplant => text("type")
            .map(|k| t.text(&format!("value.transplant.{k}")))
            .unwrap_or_default(),
        Dimension::CellularTherapy => text("product").unwrap_or_default().trim().to_string(),
        Dimension::Workup => {
            let tests: Vec<String> = strings(value.get("investigations"))
                .into_iter()
                .map(|name| {
                    names()
                        .investigation(&name, t.code)
                        .map(str::to_string)
                        .unwrap_or(name)
                })
                .collect();
            t.join(&tests)
        }
        Dimension::ClinicalTrials => {
            let trials: Vec<String> = value
                .get("trials")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|trial| trial_words(trial, t))
                .collect();
            t.join(&trials)
        }
        Dimension::Location => place(value, t).unwrap_or_default(),
    }
}

/// Observation, best supportive care, or a list of treatments.
fn approach_words(value: &Value, t: &Templates) -> String {
    if value.get("observation").is_some() {
        return t.text("value.observation");
    }
    if value.get("best_supportive_care").is_some() {
        return t.text("value.best_supportive_care");
    }
    let treatments: Vec<String> = strings(value.get("modalities"))
        .iter()
        .map(|code| {
            // Medicines without the regimen name: the treatment is already in parentheses.
            let detail = match (value.get(code.as_str()), modality_dimension(code)) {
                (Some(v), Some(Dimension::SystemicTherapy)) => medicine_words(v, t, false),
                (Some(v), Some(d)) => value_words(d, v, t),
                _ => String::new(),
            };
            if detail.is_empty() {
                t.text(&format!("value.modality.{code}"))
            } else {
                t.fill(&format!("value.treatment.{code}"), &[("detail", &detail)])
            }
        })
        .collect();
    t.join(&treatments)
}

fn modality_dimension(code: &str) -> Option<Dimension> {
    Some(match code {
        "systemic_therapy" => Dimension::SystemicTherapy,
        "radiotherapy" => Dimension::Radiotherapy,
        "surgery" => Dimension::Surgery,
        "transplant" => Dimension::Transplant,
        "cellular_therapy" => Dimension::CellularTherapy,
        _ => return None,
    })
}

/// "fluorouracil and oxaliplatin with leucovorin (FOLFOX)".
fn medicine_words(value: &Value, t: &Templates, with_regimen: bool) -> String {
    let drugs = t.join(&strings(value.get("drugs")));
    let left_out = strings(value.get("left_out"));
    let regimens = strings(value.get("regimens"));
    let mut words = t.fill("value.medicines", &[("drugs", &drugs)]);
    if !left_out.is_empty() {
        words = t.fill(
            "value.medicines_with",
            &[("drugs", &words), ("left_out", &t.join(&left_out))],
        );
    }
    if with_regimen && !regimens.is_empty() {
        words = t.fill(
            "value.medicines_regimen",
            &[("drugs", &words), ("regimens", &t.join(&regimens))],
        );
    }
    words
}

/// "66 Gy in 33 sessions".
pub(super) fn dose_words(value: &Value, t: &Templates) -> String {
    let dose = value.get("total_dose_gy").map(|d| scalar(d, t));
    let sessions = value.get("fractions").and_then(Value::as_i64);
    match (dose, sessions) {
        (Some(dose), Some(1)) => t.fill("value.dose_one", &[("dose", &dose)]),
        (Some(dose), Some(n)) => t.fill(
            "value.dose",
            &[("dose", &dose), ("sessions", &n.to_string())],
        ),
        (Some(dose), None) => t.fill("value.dose_only", &[("dose", &dose)]),
        (None, Some(n)) => t.fill("value.sessions_only", &[("sessions", &n.to_string())]),
        (None, None) => String::new(),
    }
}

/// The type of cancer: the plain name of its code, else the pathologist's words as written,
/// else "a type of tumor your doctors will explain" (never the code itself).
fn histology_words(value: &Value, t: &Templates) -> String {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::trim);
    let named = text("code").and_then(|code| names().morphology(code, t.code));
    match (named, text("text"), text("code")) {
        (Some(named), _, _) => named.plain.to_string(),
        (None, Some(words), _) => words.to_string(),
        (None, None, Some(_)) => t.text("value.histology_unknown"),
        (None, None, None) => String::new(),
    }
}

/// Where the cancer started, in plain words, with the side; a code outside the tables is "a
/// part of the body your doctors will explain".
fn site_words(value: &Value, t: &Templates) -> String {
    let side = value
        .get("laterality")
        .and_then(Value::as_str)
        .map(|s| t.text(&format!("value.side_word.{s}")));
    let site = value.get("code").and_then(Value::as_str).map(|code| {
        names()
            .site(code, t.code)
            .map(|named| named.plain.to_string())
            .unwrap_or_else(|| t.text("value.site_unknown"))
    });
    match (site, side) {
        (Some(site), Some(side)) => t.fill("value.site_side", &[("site", &site), ("side", &side)]),
        (Some(site), None) => site,
        (None, Some(side)) => t.fill("value.side", &[("side", &side)]),
        (None, None) => String::new(),
    }
}

/// "stage IIIB", or with the T, N and M categories: "stage I (T1b N0 M0)".
fn stage_words(value: &Value, with_tnm: bool, t: &Templates) -> String {
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    let tnm: Vec<&str> = ["t", "n", "m"].into_iter().filter_map(text).collect();
    let tnm = tnm.join(" ");
    match text("group") {
        Some(group) if with_tnm && !tnm.is_empty() => {
            t.fill("value.stage_tnm", &[("group", group), ("tnm", &tnm)])
        }
        Some(group) => t.fill("value.stage", &[("group", group)]),
        None => t.fill("value.tnm", &[("tnm", &tnm)]),
    }
}

/// "G12D detected", "low": the variant and the result, translated when the result is listed.
fn result_words(value: &Value, t: &Templates) -> String {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::trim);
    let result = text("result").unwrap_or_default();
    let result = t.text_or(&format!("value.result.{}", result.to_lowercase()), result);
    match text("variant") {
        Some(variant) => format!("{variant} {result}"),
        None => result,
    }
}

/// Ruleset 3: a biomarker's score on its scale ("60 on the TPS scale").
fn score_words(value: &Value, t: &Templates) -> Option<String> {
    let score = value.get("score")?;
    Some(t.fill(
        "value.score",
        &[
            ("value", &scalar(score.get("value")?, t)),
            ("system", score.get("system")?.as_str()?),
        ],
    ))
}

/// Ruleset 3: how long the medicines are given, in the words under `prefix`: "value.length"
/// for the patient ("6 rounds, one every 14 days"), "table.words.length" for the oncologist.
pub(super) fn length_words(value: &Value, t: &Templates, prefix: &str) -> Option<String> {
    let number = |key: &str| value.get(key).map(|n| scalar(n, t));
    let (key, vars) = match (
        number("cycles"),
        number("cycle_length_days"),
        number("duration_months"),
    ) {
        (Some(cycles), Some(days), _) => ("cycles", vec![("cycles", cycles), ("days", days)]),
        (Some(cycles), None, _) => ("cycles_only", vec![("cycles", cycles)]),
        (None, _, Some(months)) => ("months", vec![("months", months)]),
        _ => return None,
    };
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Some(t.fill(&format!("{prefix}_{key}"), &vars))
}

/// "ChiCTR2400081234 (for CLDN18.2, in China)".
fn trial_words(trial: &Value, t: &Templates) -> String {
    let text = |key: &str| trial.get(key).and_then(Value::as_str);
    let id = text("registry_id").unwrap_or_default();
    let mut details = Vec::new();
    // summary.md: a trial is described with its id, phase and place; say when a phase is missing.
    details.push(match text("phase") {
        Some(phase) => t.fill("value.trial_phase", &[("phase", phase)]),
        None => t.text("value.trial_phase_unknown"),
    });
    if let Some(target) = text("target") {
        details.push(t.fill("value.trial_target", &[("target", target)]));
    }
    if let Some(place) = place(trial, t) {
        details.push(t.fill("value.trial_place", &[("place", &place)]));
    }
    t.fill(
        "value.trial_details",
        &[
            ("id", id),
            ("details", &details.join(&t.text("words.separator"))),
        ],
    )
}

/// "Germany, at proton therapy centre", from `country` and `centre`.
pub(super) fn place(value: &Value, t: &Templates) -> Option<String> {
    let country = value
        .get("country")
        .and_then(Value::as_str)
        .map(|c| country_name(c, t));
    let centre = value.get("centre").and_then(Value::as_str);
    match (country, centre) {
        (Some(country), Some(centre)) => Some(t.fill(
            "value.place_centre",
            &[("country", &country), ("centre", centre)],
        )),
        (Some(country), None) => Some(t.fill("value.place", &[("country", &country)])),
        (None, Some(centre)) => Some(centre.to_string()),
        (None, None) => None,
    }
}

/// The country's name in the summary's language when the templates list it, else in English.
pub(super) fn country_name(code: &str, t: &Templates) -> String {
    let english = countries::name(code).unwrap_or(code);
    t.text_or(&format!("country.{code}"), english)
}

/// A JSON number without trailing zeros (60, 40.05), with the language's decimal point.
pub(super) fn scalar(value: &Value, t: &Templates) -> String {
    match value.as_f64() {
        Some(number) => {
            let text = format!("{number:.2}");
            let trimmed = text.trim_end_matches('0').trim_end_matches('.');
            trimmed.replace('.', &t.text("words.decimal_point"))
        }
        None => value.as_str().unwrap_or_default().to_string(),
    }
}

pub(super) fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| s.trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::summary::templates::for_language;
    use serde_json::json;

    fn en() -> &'static Templates {
        for_language("en").expect("en")
    }

    #[test]
    fn values_read_as_plain_words() {
        let t = en();
        let folfox = json!({"drugs": ["fluorouracil", "oxaliplatin"], "left_out": ["leucovorin"], "regimens": ["FOLFOX"]});
        assert_eq!(
            value_words(Dimension::SystemicTherapy, &folfox, t),
            "fluorouracil and oxaliplatin with leucovorin (FOLFOX)"
        );
        let rt = json!({"total_dose_gy": 40.05, "fractions": 15});
        assert_eq!(
            value_words(Dimension::Radiotherapy, &rt, t),
            "40.05 Gy in 15 sessions"
        );
        let single = json!({"total_dose_gy": 8.0, "fractions": 1});
        assert_eq!(
            value_words(Dimension::Radiotherapy, &single, t),
            "8 Gy in 1 session"
        );
        let trial = json!({"trials": [{"registry_id": "NCT04513925", "phase": "2", "target": "KRAS G12C", "country": "DE", "centre": "Charité"}]});
        assert_eq!(
            value_words(Dimension::ClinicalTrials, &trial, t),
            "NCT04513925 (phase 2, for KRAS G12C, in Germany, at Charité)"
        );
        let swap = json!({"modalities": ["systemic_therapy", "transplant"],
            "systemic_therapy": {"drugs": ["carboplatin", "etoposide"], "regimens": []},
            "transplant": {"type": "autologous"}});
        assert_eq!(
            value_words(Dimension::ModalitySwap, &swap, t),
            "cancer medicines (carboplatin and etoposide) and a stem cell transplant using your own cells"
        );
        let sequence = json!({"sequence": ["systemic_therapy", "surgery"]});
        assert_eq!(
            value_words(Dimension::Sequence, &sequence, t),
            "cancer medicines, then surgery"
        );
    }

    #[test]
    fn spanish_uses_its_decimal_comma_and_country_names() {
        let t = for_language("es").expect("es");
        let rt = json!({"total_dose_gy": 40.05, "fractions": 15});
        assert!(value_words(Dimension::Radiotherapy, &rt, t).starts_with("40,05 Gy"));
        assert_eq!(country_name("DE", t), "Alemania");
    }
}
