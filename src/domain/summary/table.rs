//! Part 9, for the treating oncologist: one row per finding, in clinical shorthand with the
//! codes (ICD-O-3, trial ids, EQD2). Internal terms are allowed here and only here.

use serde_json::Value;

use super::OncologistRow;
use super::compose::{change_code, severity_code};
use super::names::names;
use super::phrases::{length_words, scalar, strings};
use super::templates::Templates;
use crate::domain::discordance::{Classification, Dimension, Finding};

pub(super) fn rows(classification: &Classification, t: &Templates) -> Vec<OncologistRow> {
    classification.findings.iter().map(|f| row(f, t)).collect()
}

fn row(f: &Finding, t: &Templates) -> OncologistRow {
    let side = |v: &Option<Value>| {
        v.as_ref()
            .map(|v| cell(f.dimension, v, t))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| t.text("table.not_stated"))
    };
    let mut change = t.fill(
        "table.change_text",
        &[
            (
                "change",
                &t.text(&format!("table.change_name.{}", change_code(f.change))),
            ),
            (
                "severity",
                &t.text(&format!(
                    "table.severity_name.{}",
                    severity_code(f.severity)
                )),
            ),
        ],
    );
    if let Some(percent) = eqd2_change(f, t) {
        change = format!("{change}; {percent}");
    }
    OncologistRow {
        dimension: t.text(&format!("table.dimension_name.{}", f.dimension.code())),
        current: side(&f.current),
        opinion: side(&f.opinion),
        change,
    }
}

/// "EQD2 -5.7 %" when both schedules have an EQD2.
fn eqd2_change(f: &Finding, t: &Templates) -> Option<String> {
    let eqd2 = |v: &Option<Value>| v.as_ref()?.get("eqd2_gy")?.as_f64();
    let (cur, op) = (eqd2(&f.current)?, eqd2(&f.opinion)?);
    if cur == 0.0 || (op - cur).abs() < 1e-9 {
        return None;
    }
    let percent =
        format!("{:+.1}", (op - cur) / cur * 100.0).replace('.', &t.text("words.decimal_point"));
    Some(t.fill("table.words.eqd2_change", &[("percent", &percent)]))
}

fn cell(dimension: Dimension, v: &Value, t: &Templates) -> String {
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::trim);
    let words = |parts: &[Option<&str>]| {
        parts
            .iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    match dimension {
        Dimension::Histology => {
            let formal = text("code")
                .and_then(|c| names().morphology(c, t.code))
                .and_then(|n| n.formal);
            coded_cell(text("code"), formal, text("text"))
        }
        Dimension::PrimarySite => {
            let formal = text("code")
                .and_then(|c| names().site(c, t.code))
                .and_then(|n| n.formal);
            let side = text("laterality").map(|s| t.text(&format!("value.side_word.{s}")));
            coded_cell(text("code"), formal, side.as_deref())
        }
        Dimension::Grade => {
            let grade = v.get("grade").map(|g| scalar(g, t));
            match text("system") {
                Some(system) => format!("{} ({system})", grade.unwrap_or_default()),
                None => grade.unwrap_or_default(),
            }
        }
        Dimension::Stage => {
            let group = match (text("prefix"), text("group")) {
                (Some(p), Some(g)) => Some(format!("{p}{g}")),
                (_, g) => g.map(str::to_string),
            };
            words(&[
                text("system"),
                group.as_deref(),
                text("t"),
                text("n"),
                text("m"),
            ])
        }
        Dimension::Biomarkers | Dimension::Germline => biomarker_cell(v),
        Dimension::PerformanceStatus => words(&[
            text("scale"),
            v.get("value").map(|x| x.to_string()).as_deref(),
        ]),
        Dimension::Line => text("line").unwrap_or_default().replace('_', " "),
        Dimension::ObservationAfterTreatment => {
            text("replaces").unwrap_or_default().replace('_', " ")
        }
        Dimension::Intent => text("intent")
            .map(|i| t.text(&format!("table.words.{i}")))
            .unwrap_or_default(),
        Dimension::Observation | Dimension::SupportiveCare | Dimension::ModalitySwap => {
            approach_cell(v, t)
        }
        Dimension::Sequence => strings(v.get("sequence"))
            .iter()
            .map(|m| t.text(&format!("table.dimension_name.{m}")))
            .collect::<Vec<_>>()
            .join(" → "),
        Dimension::SystemicTherapy => systemic_cell(v, t),
        Dimension::Radiotherapy => radiotherapy_cell(v, t),
        Dimension::Surgery => surgery_cell(v),
        Dimension::Transplant => text("type").unwrap_or_default().to_string(),
        Dimension::CellularTherapy => text("product").unwrap_or_default().to_string(),
        Dimension::Workup => strings(v.get("investigations")).join("; "),
        Dimension::ClinicalTrials => v
            .get("trials")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|trial| trial_cell(trial, t))
            .collect::<Vec<_>>()
            .join("; "),
        Dimension::Location => words(&[text("country"), text("centre")]),
    }
}

/// "C50.4 Upper-outer quadrant of breast; left side", "8500/3 Infiltrating duct carcinoma, NOS;
/// invasive ductal carcinoma": the code, its formal name when the tables have one, and the
/// side or the pathologist's words (unless they only repeat the formal name).
fn coded_cell(code: Option<&str>, formal: Option<&str>, detail: Option<&str>) -> String {
    let head = [code, formal]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let detail =
        detail.filter(|d| !d.is_empty() && formal.is_none_or(|f| !f.eq_ignore_ascii_case(d)));
    match detail {
        Some(detail) if !head.is_empty() => format!("{head}; {detail}"),
        Some(detail) => detail.to_string(),
        None => head,
    }
}

/// "HER2 (ERBB2) positive IHC 3+".
fn biomarker_cell(v: &Value) -> String {
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::trim);
    let gene = text("gene").unwrap_or_default();
    let mut parts = vec![gene.to_string()];
    if let Some(name) = text("name").filter(|n| !n.eq_ignore_ascii_case(gene)) {
        parts.push(format!("({name})"));
    }
    parts.extend(
        ["variant", "result", "value"]
            .into_iter()
            .filter_map(text)
            .map(str::to_string),
    );
    // Ruleset 3: the assay a score was read with (PD-L1 22C3, SP263 ...).
    if let Some(assay) = v.pointer("/score/assay").and_then(Value::as_str) {
        parts.push(assay.to_string());
    }
    parts.join(" ")
}

/// "observation", "best supportive care" or "Surgery: radical prostatectomy; ...".
fn approach_cell(v: &Value, t: &Templates) -> String {
    if v.get("observation").is_some() {
        return t.text("table.words.observation");
    }
    if v.get("best_supportive_care").is_some() {
        return t.text("table.words.best_supportive_care");
    }
    strings(v.get("modalities"))
        .iter()
        .map(|code| {
            let name = t.text(&format!("table.dimension_name.{code}"));
            let dimension = match code.as_str() {
                "systemic_therapy" => Dimension::SystemicTherapy,
                "radiotherapy" => Dimension::Radiotherapy,
                "surgery" => Dimension::Surgery,
                "transplant" => Dimension::Transplant,
                _ => Dimension::CellularTherapy,
            };
            match v.get(code.as_str()).map(|inner| cell(dimension, inner, t)) {
                Some(detail) if !detail.is_empty() => format!("{name}: {detail}"),
                _ => name,
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// "FOLFOX: fluorouracil, oxaliplatin (+ leucovorin), 6 cycles of 14 days".
fn systemic_cell(v: &Value, t: &Templates) -> String {
    let drugs = strings(v.get("drugs")).join(", ");
    let regimens = strings(v.get("regimens")).join(", ");
    let left_out = strings(v.get("left_out")).join(", ");
    let mut cell = if regimens.is_empty() {
        drugs
    } else {
        format!("{regimens}: {drugs}")
    };
    if !left_out.is_empty() {
        cell.push_str(&format!(" (+ {left_out})"));
    }
    let length = length_words(v, t, "table.words.length");
    if let Some(length) = length {
        cell.push_str(&format!(", {length}"));
    }
    cell
}

/// "66 Gy / 33 fx (2 Gy/fx), photon, IMRT, EQD2 66 Gy (α/β 10 Gy)".
fn radiotherapy_cell(v: &Value, t: &Templates) -> String {
    let number = |key: &str| v.get(key).map(|n| scalar(n, t));
    let mut parts = Vec::new();
    if let (Some(dose), Some(fractions)) = (number("total_dose_gy"), number("fractions")) {
        parts.push(t.fill(
            "table.words.fractions",
            &[
                ("dose", &dose),
                ("fractions", &fractions),
                (
                    "per_fraction",
                    &number("dose_per_fraction_gy").unwrap_or_default(),
                ),
            ],
        ));
    } else if let Some(dose) = number("total_dose_gy") {
        parts.push(format!("{dose} Gy"));
    }
    for key in ["radiation_type", "technique", "site", "target_extent"] {
        if let Some(text) = v.get(key).and_then(Value::as_str) {
            parts.push(text.replace('_', " "));
        }
    }
    if let (Some(eqd2), Some(alpha_beta)) = (number("eqd2_gy"), number("alpha_beta_gy")) {
        parts.push(t.fill(
            "table.words.eqd2",
            &[("eqd2", &eqd2), ("alpha_beta", &alpha_beta)],
        ));
    }
    parts.join(", ")
}

/// "breast-conserving surgery (breast, conserving)".
fn surgery_cell(v: &Value) -> String {
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::trim);
    let procedure = text("procedure").unwrap_or_default();
    match (text("organ"), text("extent")) {
        (Some(organ), Some(extent)) => format!("{procedure} ({organ}, {extent})"),
        _ => procedure.to_string(),
    }
}

/// "NCT04513925, phase 2, KRAS G12C, DE, Charité".
fn trial_cell(trial: &Value, t: &Templates) -> String {
    let text = |key: &str| trial.get(key).and_then(Value::as_str).map(str::trim);
    let phase = text("phase")
        .map(|p| format!("phase {p}"))
        .unwrap_or_else(|| t.text("table.words.phase_not_stated"));
    let mut parts = vec![text("registry_id").unwrap_or_default().to_string(), phase];
    parts.extend(
        ["target", "country", "centre"]
            .into_iter()
            .filter_map(text)
            .map(str::to_string),
    );
    parts.join(", ")
}
