//! Rules of the service the derive macros cannot state, written into the published JSON
//! schema so that what the document says is valid is exactly what the service accepts (the
//! request validator reads this same document): no NUL in any string, ISO country codes,
//! trial registry id formats, non-blank list items, base64 attachments, the plan rules of
//! `discordance.md` (observation or supportive care excludes treatment), overrides that
//! change something, and links between operations for clients that follow them.

use serde_json::{Map, Value, json};

use super::links::links;
use super::media;

/// No NUL anywhere: PostgreSQL text cannot hold it.
const NO_NUL: &str = "^[^\\u0000]*$";
/// At least one visible character, and no NUL.
const NON_BLANK: &str = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$";

/// A registry id: one of the nine checked formats (any case), or anything that does not start
/// like one of them (another registry's id, kept as written).
const TRIAL_ID: &str = concat!(
    "^(?![Nn][Cc][Tt]|[Cc][Hh][Ii][Cc][Tt][Rr]|[Cc][Tt][Rr][Ii]|[Ii][Ss][Rr][Cc][Tt][Nn]|[Jj][Rr][Cc][Tt]|[Aa][Cc][Tt][Rr][Nn]|[Uu]1111|(19|20)[0-9]{2}-)[^\\s\\u0000][^\\u0000]*$",
    "|^[Nn][Cc][Tt][0-9]{8}$",
    "|^[Cc][Hh][Ii][Cc][Tt][Rr]([0-9]{10}|-[A-Za-z]{3,5}-[0-9]{8})$",
    "|^[Cc][Tt][Rr][Ii]/20[0-9]{2}/[0-9]{2,3}/[0-9]{6}$",
    "|^[Ii][Ss][Rr][Cc][Tt][Nn][0-9]{8}$",
    "|^[Jj][Rr][Cc][Tt][A-Za-z0-9][0-9]{9}$",
    "|^[Aa][Cc][Tt][Rr][Nn][0-9]{14}$",
    "|^[Uu]1111-[0-9]{4}-[0-9]{4}$",
    "|^20[0-9]{2}-5[0-9]{5}-[0-9]{2}-[0-9]{2}$",
    "|^(19|20)[0-9]{2}-[0-9]{6}-[0-9]{2}$"
);

/// Canonical standard base64 with padding: the bits after the last byte are zero, as the
/// decoder requires (so `QUI=` but not `QUJ=`).
const BASE64: &str =
    "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$";

/// A reference to component schema `name`.
pub(super) fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The plan's modality fields, as the picture names them.
pub(super) fn modalities() -> [&'static str; 5] {
    crate::domain::picture::Modality::ALL.map(|m| m.code())
}

fn is_string(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Walks every schema object of the document.
pub(super) fn walk(value: &mut Value, visit: &mut dyn FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            visit(map);
            for child in map.values_mut() {
                walk(child, visit);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| walk(v, visit)),
        _ => {}
    }
}

fn strings_without_nul(doc: &mut Value, countries: &[Value]) {
    walk(doc, &mut |schema| {
        if !is_string(schema) || schema.contains_key("enum") || schema.contains_key("format") {
            return;
        }
        let nullable = matches!(schema.get("type"), Some(Value::Array(_)));
        match schema.get("pattern").and_then(Value::as_str) {
            None => {
                schema.insert("pattern".into(), json!(NO_NUL));
            }
            Some("\\S") => {
                schema.insert("pattern".into(), json!(NON_BLANK));
            }
            // Country codes: the assigned ISO 3166-1 alpha-2 list, not any two letters.
            Some("^[A-Z]{2}$") => {
                schema.remove("pattern");
                let mut codes = countries.to_vec();
                if nullable {
                    codes.push(Value::Null);
                }
                schema.insert("enum".into(), Value::Array(codes));
            }
            Some(_) => {}
        }
    });
}

fn schema_mut<'a>(doc: &'a mut Value, name: &str) -> &'a mut Map<String, Value> {
    doc["components"]["schemas"][name]
        .as_object_mut()
        .unwrap_or_else(|| panic!("no schema {name}"))
}

fn property_mut<'a>(doc: &'a mut Value, schema: &str, property: &str) -> &'a mut Value {
    &mut doc["components"]["schemas"][schema]["properties"][property]
}

/// Strips the `null` alternative from an optional property (absent is allowed, null is not).
fn not_null(property: &mut Value) {
    if let Some(Value::Array(options)) = property.get_mut("oneOf") {
        options.retain(|o| o.get("type") != Some(&json!("null")));
        if options.len() == 1 {
            *property = options.remove(0);
        }
    }
}

fn plan_rules(doc: &mut Value) {
    // A modality is named when present; so they may be absent, not null.
    for modality in modalities() {
        let property = property_mut(doc, "Plan", modality);
        not_null(property);
        if let Some(Value::Array(types)) = property.get_mut("type") {
            types.retain(|t| t != "null");
        }
    }
    let names_a_modality: Vec<Value> = modalities()
        .iter()
        .map(|m| {
            if *m == "systemic_therapy" {
                json!({"required": [m], "properties": {(*m): {"minItems": 1}}})
            } else {
                json!({"required": [m]})
            }
        })
        .collect();
    let only_when = |flag: &str| json!({"if": {"required": [flag], "properties": {(flag): {"const": true}}}, "then": {"not": {"anyOf": names_a_modality.clone()}}});
    let plan = schema_mut(doc, "Plan");
    plan.insert(
        "allOf".into(),
        json!([
            only_when("observation"),
            only_when("best_supportive_care"),
            {"not": {"required": ["observation", "best_supportive_care"], "properties": {"observation": {"const": true}, "best_supportive_care": {"const": true}}}}
        ]),
    );
    plan.insert("description".into(), json!("The recommended plan. Observation or best supportive care excludes naming an anticancer modality, and the two exclude each other."));
}

fn item_rules(doc: &mut Value) {
    // A line of systemic therapy names a regimen or at least one drug.
    // (As if/then, like the Plan's rules: generated clients read an object-level anyOf as a
    // union of partial objects and give up.)
    schema_mut(doc, "SystemicTherapy").insert(
        "allOf".into(),
        json!([{
            "if": {"anyOf": [{"not": {"required": ["regimen"]}}, {"properties": {"regimen": {"type": "null"}}}]},
            "then": {"required": ["drugs"], "properties": {"drugs": {"minItems": 1}}}
        }]),
    );
    property_mut(doc, "SystemicTherapy", "drugs")["items"] =
        json!({"type": "string", "pattern": NON_BLANK, "maxLength": 200});
    property_mut(doc, "NewReferral", "questions")["items"] =
        json!({"type": "string", "pattern": NON_BLANK, "maxLength": 10000});
    let trial = property_mut(doc, "ClinicalTrial", "registry_id");
    trial["pattern"] = json!(TRIAL_ID);
    property_mut(doc, "Attachment", "content_base64")["pattern"] = json!(BASE64);
    let attachment = property_mut(doc, "Attachment", "content_base64");
    attachment["contentEncoding"] = json!("base64");
}

/// A PD-L1 name as the service folds it: `PD-L1`, `pdl1`, `CD274` ..., letters and digits only
/// counted (ASCII here: the document's patterns must read alike in every client's regex).
const PDL1_NAME: &str = "^[^A-Za-z0-9]*([Pp][^A-Za-z0-9]*[Dd][^A-Za-z0-9]*[Ll][^A-Za-z0-9]*1|[Cc][^A-Za-z0-9]*[Dd][^A-Za-z0-9]*2[^A-Za-z0-9]*7[^A-Za-z0-9]*4)[^A-Za-z0-9]*$";

/// `when` a property holds a value of `kind` (null is the same as absent to the service).
fn holds(property: &str, kind: &str) -> Value {
    json!({"required": [property], "properties": {(property): {"type": kind}}})
}

/// Ruleset 3's rules between fields (`discordance.md`, "Ruleset 3", validation).
fn ruleset3_rules(doc: &mut Value) {
    // A score is a PD-L1 score; without one, the result is said.
    schema_mut(doc, "Biomarker").insert(
        "allOf".into(),
        json!([
            {"if": holds("score", "object"), "then": {"properties": {"name": {"pattern": PDL1_NAME}}}},
            {"if": {"not": holds("score", "object")}, "then": {"required": ["result"], "properties": {"result": {"pattern": NON_BLANK}}}}
        ]),
    );
    schema_mut(doc, "RequiredBiomarker").insert(
        "allOf".into(),
        json!([{"if": holds("min_score", "object"), "then": {"properties": {"name": {"pattern": PDL1_NAME}}}}]),
    );
    // Cycles or a duration, not both; a cycle's length only with cycles.
    let line = schema_mut(doc, "SystemicTherapy");
    let rules = line
        .entry("allOf")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .expect("allOf is a list");
    rules.push(json!({"if": holds("duration_months", "number"), "then": {"not": holds("cycles", "integer")}}));
    rules.push(
        json!({"if": holds("cycle_length_days", "integer"), "then": holds("cycles", "integer")}),
    );
    // Each scale its own range: ECOG 0-4, Karnofsky 10-100 in steps of 10.
    schema_mut(doc, "PerformanceStatus").insert(
        "allOf".into(),
        json!([
            {"if": {"properties": {"scale": {"const": "ECOG"}}}, "then": {"properties": {"value": {"maximum": 4}}}},
            {"if": {"properties": {"scale": {"const": "Karnofsky"}}}, "then": {"properties": {"value": {"minimum": 10, "multipleOf": 10}}}}
        ]),
    );
}

fn override_rules(doc: &mut Value) {
    for field in ["outcome", "primary_scenario"] {
        not_null(property_mut(doc, "NewOverride", field));
    }
    // At least one of the two: "not neither". (An `anyOf` of two `required` lists says the
    // same, but generated clients read it as a union of untyped objects.)
    schema_mut(doc, "NewOverride").insert(
        "not".into(),
        json!({"properties": {"outcome": {"not": {}}, "primary_scenario": {"not": {}}}}),
    );
}

/// `StoredSummary` flattens `Summary`, which refuses unknown fields; `allOf` of the two could
/// then match nothing, so the stored form is written out as one closed object.
fn stored_summary(doc: &mut Value) {
    let summary = doc["components"]["schemas"]["Summary"].clone();
    let stored = &mut doc["components"]["schemas"]["StoredSummary"];
    let Some(Value::Array(parts)) = stored.get("allOf").cloned() else {
        return;
    };
    let mut properties = summary["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut required = summary["required"].as_array().cloned().unwrap_or_default();
    for part in parts.iter().filter(|p| p.get("$ref").is_none()) {
        properties.extend(part["properties"].as_object().cloned().unwrap_or_default());
        required.extend(part["required"].as_array().cloned().unwrap_or_default());
    }
    let description = stored["description"].clone();
    *stored = json!({
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
}

/// The event feed's `type` filter: a comma-separated list of the known event types.
fn event_type_filter(doc: &mut Value) {
    let one = crate::events::catalogue::EVENT_TYPES
        .iter()
        .map(|t| regex::escape(t))
        .collect::<Vec<_>>()
        .join("|");
    let list = format!("^[ \t]*({one})?([ \t]*,[ \t]*({one})?)*[ \t]*$");
    if let Some(Value::Array(params)) = doc.pointer_mut("/paths/~1v1~1events/get/parameters") {
        for param in params.iter_mut().filter(|p| p["name"] == "type") {
            param["schema"] = json!({"type": ["string", "null"], "pattern": list});
        }
    }
}

/// A page's items point at the resource's own schema (utoipa copies it into each `Page_X`).
fn page_items(doc: &mut Value) {
    let names: Vec<String> = doc["components"]["schemas"]
        .as_object()
        .map(|m| {
            m.keys()
                .filter(|k| k.starts_with("Page_"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    for name in names {
        let item = name.trim_start_matches("Page_").to_string();
        if doc["components"]["schemas"].get(&item).is_some() {
            doc["components"]["schemas"][&name]["properties"]["items"]["items"] = schema_ref(&item);
        }
    }
}

/// Applies every rule to the serialised document.
pub fn refine(doc: &mut Value) {
    media::header_rules(doc);
    stored_summary(doc);
    event_type_filter(doc);
    media::binary_and_formats(doc);
    page_items(doc);
    let countries: Vec<Value> = crate::domain::countries::codes()
        .into_iter()
        .map(Value::from)
        .collect();
    plan_rules(doc);
    item_rules(doc);
    override_rules(doc);
    ruleset3_rules(doc);
    media::fhir_errors(doc);
    media::free_form(doc);
    super::events::events(doc);
    super::findings::finding_values(doc);
    media::response_headers(doc);
    super::conditions::fold_rules(doc);
    super::conditions::spell_out_properties(doc);
    strings_without_nul(doc, &countries);
    links(doc);
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
