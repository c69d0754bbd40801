//! What a finding compares: `Finding.current` and `Finding.opinion`, typed. The engine
//! (`domain::discordance`) writes each dimension's normalised value as a small object; this is
//! every field any dimension writes, with its type, so a generated client reads them as typed
//! optional fields. Which fields a dimension uses is in each field's description. A test
//! classifies every worked example and validates every value it compares against this schema.

use serde_json::{Map, Value, json};

use super::rules::{modalities, schema_ref};

fn string(about: &str) -> Value {
    json!({"type": "string", "description": about})
}

fn string_or_null(about: &str) -> Value {
    json!({"type": ["string", "null"], "description": about})
}

fn strings(about: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": about})
}

fn number(about: &str) -> Value {
    json!({"type": "number", "description": about})
}

fn integer(about: &str) -> Value {
    json!({"type": "integer", "format": "int64", "description": about})
}

fn flag(about: &str) -> Value {
    json!({"type": "boolean", "description": about})
}

/// A modality's own value inside a value that compares whole treatments (not recursive: a
/// modality's value never holds another's).
fn nested(about: &str) -> Value {
    json!({"oneOf": [schema_ref("TreatmentValue"), {"type": "null"}], "description": about})
}

pub(super) fn finding_values(doc: &mut Value) {
    let all = fields();
    let properties: Map<String, Value> = all
        .iter()
        .map(|(name, schema)| (name.to_string(), schema.clone()))
        .collect();
    let treatment: Map<String, Value> = all
        .into_iter()
        .filter(|(name, _)| !modalities().contains(name))
        .map(|(name, schema)| (name.to_string(), schema))
        .collect();
    let schemas = &mut doc["components"]["schemas"];
    schemas["FindingValue"] = json!({
        "type": "object",
        "description": "One side of a finding: the value the engine compared, normalised. Each dimension writes some of these fields (named in each field's description); none is required.",
        "additionalProperties": false,
        "properties": properties
    });
    schemas["TreatmentValue"] = json!({
        "type": "object",
        "description": "One modality's value inside a finding that compares whole treatments: the fields of a FindingValue that modality writes.",
        "additionalProperties": false,
        "properties": treatment
    });
    for side in ["current", "opinion"] {
        let property = &mut schemas["Finding"]["properties"][side];
        let description = property["description"].clone();
        *property = json!({
            "oneOf": [schema_ref("FindingValue"), {"type": "null"}],
            "description": description
        });
    }
}

/// Every field a finding's value may have, with its type and the dimensions that write it.
fn fields() -> Vec<(&'static str, Value)> {
    vec![
        (
            "code",
            string(
                "histology: the ICD-O-3 morphology code; primary_site: the ICD-O-3 topography code",
            ),
        ),
        ("text", string("histology: the histology as written")),
        (
            "laterality",
            string("primary_site: left, right or bilateral"),
        ),
        ("grade", integer("grade: the grade (1-5)")),
        (
            "system",
            string_or_null("grade: the grading system; stage: the staging system"),
        ),
        ("group", string_or_null("stage: the stage group")),
        ("t", string_or_null("stage: T")),
        ("n", string_or_null("stage: N")),
        ("m", string_or_null("stage: M")),
        ("prefix", string_or_null("stage: c, p, yc, yp, r or a")),
        (
            "gene",
            string("biomarkers, germline: the gene, as the vocabulary names it"),
        ),
        (
            "name",
            string("biomarkers, germline: the marker as written"),
        ),
        ("result", string("biomarkers, germline: the result")),
        ("origin", string("germline: germline")),
        ("variant", string("biomarkers, germline: the variant")),
        (
            "value",
            json!({"type": ["string", "integer"], "description": "biomarkers: the value as written (\"60%\"); performance_status: the score"}),
        ),
        ("score", json!({"$ref": "#/components/schemas/Pdl1Score"})),
        (
            "band",
            integer("biomarkers (PD-L1): the band of the score between the cutoffs that matter"),
        ),
        (
            "new_pathogenic",
            flag("germline: a pathogenic variant the current picture does not have"),
        ),
        ("scale", string("performance_status: ECOG or Karnofsky")),
        (
            "fit",
            flag("performance_status: fit for intensive treatment"),
        ),
        ("intent", string("intent: curative, palliative, ...")),
        (
            "observation",
            flag("observation: observation instead of treatment"),
        ),
        (
            "best_supportive_care",
            flag("supportive_care: best supportive care instead of anticancer treatment"),
        ),
        (
            "modalities",
            strings(
                "modality_swap, observation, supportive_care: the treatment modalities of the side",
            ),
        ),
        ("sequence", strings("sequence: the modalities in order")),
        ("line", string("line: the line of treatment")),
        (
            "condition",
            string("observation_after_treatment: the condition for watching instead"),
        ),
        (
            "replaces",
            string("observation_after_treatment: the modality watching replaces"),
        ),
        ("drugs", strings("systemic_therapy: the drugs compared")),
        ("regimens", strings("systemic_therapy: the regimens named")),
        (
            "left_out",
            strings("systemic_therapy: what could not be compared"),
        ),
        (
            "cycles",
            integer("systemic_therapy: cycles, when one line says"),
        ),
        (
            "cycle_length_days",
            integer("systemic_therapy: days per cycle"),
        ),
        ("duration_months", number("systemic_therapy: months")),
        ("total_dose_gy", number("radiotherapy: total dose, Gy")),
        ("fractions", integer("radiotherapy: fractions")),
        (
            "dose_per_fraction_gy",
            number("radiotherapy: dose per fraction, Gy"),
        ),
        (
            "eqd2_gy",
            number("radiotherapy: the equivalent dose in 2 Gy fractions"),
        ),
        (
            "alpha_beta_gy",
            number("radiotherapy: the alpha/beta ratio used for EQD2"),
        ),
        ("target_extent", string("radiotherapy: the target's extent")),
        (
            "radiation_type",
            string("radiotherapy: photon, proton, ..."),
        ),
        ("technique", string("radiotherapy: the technique")),
        ("site", string("radiotherapy: the site treated")),
        (
            "procedure",
            string_or_null("surgery: the procedure (the vocabulary's name when it knows it)"),
        ),
        ("organ", string_or_null("surgery: the organ")),
        ("extent", string_or_null("surgery: the extent class")),
        (
            "as_written",
            string_or_null("surgery: the procedure as written"),
        ),
        (
            "type",
            string_or_null("transplant: autologous or allogeneic"),
        ),
        ("product", string_or_null("cellular_therapy: the product")),
        ("investigations", strings("workup: the tests named")),
        (
            "trials",
            json!({"type": "array", "items": {"$ref": "#/components/schemas/ClinicalTrial"}, "description": "clinical_trials: the trials named"}),
        ),
        (
            "country",
            string("location: where the treatment would be (ISO 3166-1)"),
        ),
        ("centre", string("location: the centre")),
        (
            "systemic_therapy",
            nested("modality_swap and the like: the side's systemic therapy"),
        ),
        (
            "radiotherapy",
            nested("modality_swap and the like: the side's radiotherapy"),
        ),
        (
            "surgery",
            nested("modality_swap and the like: the side's surgery"),
        ),
        (
            "transplant",
            nested("modality_swap and the like: the side's transplant"),
        ),
        (
            "cellular_therapy",
            nested("modality_swap and the like: the side's cellular therapy"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::{Value, json};

    use crate::domain::discordance::{ClassificationInput, Ruleset, classify_with, validate_input};
    use crate::http::json::schema_errors;

    /// Every worked example of both rulesets, classified under each, and every finding of
    /// each result validated: its values against `FindingValue`, the whole against `Finding`.
    #[test]
    fn every_value_the_engine_compares_in_the_worked_examples_is_typed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let (mut values, mut dimensions) = (0, std::collections::BTreeSet::new());
        for dir in ["cases", "cases-ruleset2"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("fixtures") {
                let path = entry.expect("entry").path();
                let case: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).expect("read"))
                        .expect("json");
                let input: ClassificationInput =
                    serde_json::from_value(case["input"].clone()).expect("input");
                let input = validate_input(input).expect("valid");
                for ruleset in [Ruleset::Two, Ruleset::Three] {
                    let result = classify_with(&input, today, ruleset);
                    for finding in &result.findings {
                        let finding = serde_json::to_value(finding).expect("serialises");
                        dimensions.insert(finding["dimension"].as_str().unwrap_or("").to_string());
                        for side in ["current", "opinion"] {
                            if finding[side].is_object() {
                                values += 1;
                                let errors = schema_errors("FindingValue", &finding[side]);
                                assert!(
                                    errors.is_empty(),
                                    "{}: {side} {errors:?}\n{}",
                                    path.display(),
                                    finding[side]
                                );
                            }
                        }
                        let errors = schema_errors("Finding", &finding);
                        assert!(
                            errors.is_empty(),
                            "{}: {errors:?}\n{finding}",
                            path.display()
                        );
                    }
                }
            }
        }
        assert!(values > 300, "only {values} values");
        assert!(dimensions.len() >= 18, "only {dimensions:?}");
        // And the schema is closed: a field no dimension writes is caught.
        assert!(
            !schema_errors("FindingValue", &json!({"gene": "EGFR", "patient": "Ana"})).is_empty()
        );
    }
}
