//! Rules of the service the derive macros cannot state, written into the published JSON
//! schema so that what the document says is valid is exactly what the service accepts (the
//! request validator reads this same document): no NUL in any string, ISO country codes,
//! trial registry id formats, non-blank list items, base64 attachments, the plan rules of
//! `discordance.md` (observation or supportive care excludes treatment), overrides that
//! change something, and links between operations for clients that follow them.

use serde_json::{Map, Value, json};

use super::links::links;

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

const MODALITIES: [&str; 5] = [
    "systemic_therapy",
    "radiotherapy",
    "surgery",
    "transplant",
    "cellular_therapy",
];

fn is_string(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Walks every schema object of the document.
fn walk(value: &mut Value, visit: &mut dyn FnMut(&mut Map<String, Value>)) {
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
    for modality in MODALITIES {
        let property = property_mut(doc, "Plan", modality);
        not_null(property);
        if let Some(Value::Array(types)) = property.get_mut("type") {
            types.retain(|t| t != "null");
        }
    }
    let names_a_modality: Vec<Value> = MODALITIES
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
            "then": {"required": ["drugs"], "properties": {"drugs": {"type": "array", "minItems": 1}}}
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

/// Where a request may be FHIR, its errors may come back as an OperationOutcome (fhir.md 9.9);
/// a FHIR body is any resource (an object with `resourceType`), named so generated clients can
/// tell it from the JSON body beside it.
fn fhir_errors(doc: &mut Value) {
    doc["components"]["schemas"]["FhirResource"] = json!({
        "type": "object",
        "description": "A FHIR R4 resource or Bundle (JSON), as `fhir.md` reads and writes it.",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string"}},
        "additionalProperties": true
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for operation in operations.values_mut() {
            let takes_fhir = operation["requestBody"]["content"]
                .get("application/fhir+json")
                .is_some()
                || operation["responses"]["200"]["content"]
                    .get("application/fhir+json")
                    .is_some();
            if !takes_fhir {
                continue;
            }
            // A FHIR answer beside a JSON one is said in words: generated clients take the
            // first media type of a response, and `application/fhir+json` sorts first.
            if let Some(responses) = operation["responses"].as_object_mut() {
                for (status, response) in responses.iter_mut() {
                    let has_json = response["content"].get("application/json").is_some();
                    if status.starts_with('2')
                        && has_json
                        && let Some(content) = response["content"].as_object_mut()
                        && content.remove("application/fhir+json").is_some()
                    {
                        let said = response["description"].as_str().unwrap_or_default();
                        response["description"] = json!(format!(
                            "{said}. With `Accept: application/fhir+json`, the same answer in FHIR (`application/fhir+json`: a Bundle, or the import report as an OperationOutcome)."
                        ));
                    }
                }
            }
            for at in ["/requestBody/content", "/responses/200/content"] {
                if let Some(body) = operation
                    .pointer_mut(at)
                    .and_then(|c| c.get_mut("application/fhir+json"))
                    && body.get("schema") == Some(&json!({}))
                {
                    body["schema"] = json!({"$ref": "#/components/schemas/FhirResource"});
                }
            }
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                if let Some(content) = response["content"].as_object_mut() {
                    content.entry("application/fhir+json").or_insert_with(
                        || json!({"schema": {"$ref": "#/components/schemas/OperationOutcome"}}),
                    );
                }
            }
        }
    }
}

fn override_rules(doc: &mut Value) {
    for field in ["outcome", "primary_scenario"] {
        not_null(property_mut(doc, "NewOverride", field));
    }
    schema_mut(doc, "NewOverride").insert(
        "anyOf".into(),
        json!([{"required": ["outcome"]}, {"required": ["primary_scenario"]}]),
    );
}

/// Header parameters' shapes, as the extractors check them.
fn header_rules(doc: &mut Value) {
    let shapes = [
        (
            "Idempotency-Key",
            json!({"type": "string", "pattern": "^[!-~]{1,255}$"}),
        ),
        (
            "If-Match",
            json!({"type": "string", "pattern": "^[ \t]*((\\*|(W/)?\"[^\"]*\"([ \t]*,[ \t]*(W/)?\"[^\"]*\")*)[ \t]*)?$"}),
        ),
        (
            "Content-Digest",
            json!({"type": "string", "pattern": "^([ \t]*|sha-256=:[A-Za-z0-9+/]{43}=:)$"}),
        ),
    ];
    walk(doc, &mut |node| {
        let name = node.get("name").and_then(Value::as_str).map(str::to_owned);
        if node.get("in") == Some(&json!("header"))
            && let Some((_, schema)) = shapes.iter().find(|(n, _)| Some(*n) == name.as_deref())
        {
            node.insert("schema".into(), schema.clone());
        }
    });
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

/// Binary bodies as `string`/`binary` (utoipa writes `Vec<u8>` as an array of integers), and
/// only OpenAPI's integer formats.
fn binary_and_formats(doc: &mut Value) {
    walk(doc, &mut |schema| {
        let bytes = schema.get("type") == Some(&json!("array"))
            && schema.get("items").and_then(|i| i.get("format")) == Some(&json!("u-int8"));
        if bytes {
            schema.clear();
            schema.insert("type".into(), json!("string"));
            schema.insert("format".into(), json!("binary"));
            return;
        }
        if let Some(format) = schema.get("format").and_then(Value::as_str)
            && ["u-int8", "u-int16", "int8", "int16"].contains(&format)
        {
            schema.insert("format".into(), json!("int32"));
        } else if schema.get("format") == Some(&json!("u-int32"))
            || schema.get("format") == Some(&json!("u-int64"))
        {
            schema.insert("format".into(), json!("int64"));
        }
    });
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
            doc["components"]["schemas"][&name]["properties"]["items"]["items"] =
                json!({"$ref": format!("#/components/schemas/{item}")});
        }
    }
}

/// Applies every rule to the serialised document.
pub fn refine(doc: &mut Value) {
    header_rules(doc);
    stored_summary(doc);
    event_type_filter(doc);
    binary_and_formats(doc);
    page_items(doc);
    let countries: Vec<Value> = crate::domain::countries::codes()
        .into_iter()
        .map(Value::from)
        .collect();
    plan_rules(doc);
    item_rules(doc);
    override_rules(doc);
    ruleset3_rules(doc);
    fhir_errors(doc);
    strings_without_nul(doc, &countries);
    links(doc);
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
