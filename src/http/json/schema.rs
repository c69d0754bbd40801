//! The operation's own JSON schema from the OpenAPI document, compiled once per body type,
//! and its errors as field errors (every bad field with its path and a plain message).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::{Value, json};

use super::dotted;
use crate::domain::validation::{FieldError, join};

static VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<Validator>>>> =
    LazyLock::new(Default::default);

/// Where the published document's components live for every validator's `$ref`s.
const COMPONENTS_URI: &str = "urn:concord:openapi";

/// The published document's components, once. Each validator used to carry its own copy of
/// them (an unknown keyword at its root, kept as an annotation): 1.4 MiB a body type, 12 of
/// the service's 40 MiB of heap at the peak of a load run, in a heaptrack profile (issue 19).
static COMPONENTS: LazyLock<jsonschema::Registry<'static>> = LazyLock::new(|| {
    let schemas = &crate::http::openapi::document_json()["components"]["schemas"];
    let components = json!({"components": {"schemas": schemas.clone()}});
    jsonschema::Registry::new()
        .add(
            COMPONENTS_URI,
            Draft::Draft202012.create_resource(components),
        )
        .and_then(|builder| builder.prepare())
        .unwrap_or_else(|e| panic!("the published components do not load: {e}"))
});

/// The validator for `schema` (which may refer to the published document's components as
/// `#/components/...`), compiled once under `key`.
fn validator(key: &str, schema: impl FnOnce() -> Value) -> Arc<Validator> {
    let mut cache = VALIDATORS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = cache.get(key) {
        return v.clone();
    }
    let mut schema = schema();
    to_components(&mut schema);
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    let built = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .with_registry(&COMPONENTS)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the published schema of {key} does not compile: {e}"));
    let built = Arc::new(built);
    cache.insert(key.to_string(), built.clone());
    built
}

/// Points the document's own references (`#/components/...`) at [`COMPONENTS`].
fn to_components(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for (name, value) in map.iter_mut() {
                match value {
                    Value::String(target) if name == "$ref" && target.starts_with("#/") => {
                        *target = format!("{COMPONENTS_URI}{target}");
                    }
                    _ => to_components(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_components),
        _ => {}
    }
}

/// Every schema violation of `value` against component `name`, as field errors.
pub fn schema_errors(name: &str, value: &Value) -> Vec<FieldError> {
    let validator = validator(
        name,
        || json!({"$ref": format!("#/components/schemas/{name}")}),
    );
    violations(&validator, value)
}

/// Every violation of the operation's declared parameters in `location` (`path` or `query`)
/// by the values sent, as field errors naming each parameter: an undeclared one, a value of
/// the wrong type or format. `pattern` and `method` name the operation as the document does.
pub fn parameter_errors(
    pattern: &str,
    method: &str,
    location: &str,
    sent: &[(String, String)],
) -> Vec<FieldError> {
    let declared: Vec<Value> = crate::http::openapi::document_json()["paths"][pattern]
        [method.to_ascii_lowercase()]["parameters"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|p| p["in"] == location)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let key = format!("{method} {pattern} {location}");
    let validator = validator(&key, || {
        let properties: serde_json::Map<String, Value> = declared
            .iter()
            .filter_map(|p| Some((p["name"].as_str()?.to_string(), p["schema"].clone())))
            .collect();
        json!({"type": "object", "properties": properties, "additionalProperties": false})
    });
    // Values arrive as text: read each as its declared type would be written in JSON.
    let value: serde_json::Map<String, Value> = sent
        .iter()
        .map(|(name, raw)| {
            let schema = declared
                .iter()
                .find(|p| p["name"] == name.as_str())
                .map(|p| &p["schema"]);
            (name.clone(), typed(raw, schema))
        })
        .collect();
    let mut errors = violations(&validator, &Value::Object(value));
    for error in &mut errors {
        if error.message.starts_with("is not a known field") {
            error.message = format!("is not a {location} parameter of this operation");
        }
    }
    errors
}

/// A parameter's text as the JSON value its schema describes (a number, a boolean), else as
/// the string it is.
fn typed(raw: &str, schema: Option<&Value>) -> Value {
    let types: Vec<&str> = match schema.map(|s| &s["type"]) {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"integer") || types.contains(&"number") {
        if let Ok(n) = raw.parse::<i64>() {
            return json!(n);
        }
        if let Ok(x) = raw.parse::<f64>() {
            return json!(x);
        }
    }
    if types.contains(&"boolean") && (raw == "true" || raw == "false") {
        return json!(raw == "true");
    }
    Value::String(raw.to_string())
}

fn violations(validator: &Validator, value: &Value) -> Vec<FieldError> {
    // Most bodies are valid: the yes/no check stops early and builds no error values.
    if validator.is_valid(value) {
        return Vec::new();
    }
    let mut errors = Vec::new();
    for error in validator.iter_errors(value) {
        collect(&error, &mut errors);
    }
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    errors.dedup();
    errors
}

fn collect(error: &ValidationError<'_>, out: &mut Vec<FieldError>) {
    let at = dotted(error.instance_path().as_str());
    let mut push = |field: String, message: String| out.push(FieldError { field, message });
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                push(
                    join(&at, name),
                    "is not a known field (or is read-only)".into(),
                );
            }
        }
        ValidationErrorKind::Required { property } => {
            push(
                join(&at, property.as_str().unwrap_or_default()),
                "is required".into(),
            );
        }
        // Option<T> and enums of objects are oneOf/anyOf: report the branch that came closest.
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            let best = context
                .iter()
                .filter(|branch| {
                    !branch.iter().all(|e| {
                        matches!(e.kind(), ValidationErrorKind::Type { .. })
                            && e.instance_path() == error.instance_path()
                    })
                })
                .min_by_key(|branch| branch.len());
            match best {
                Some(branch) => branch.iter().for_each(|e| collect(e, out)),
                None => push(at, "does not have the expected type".into()),
            }
        }
        // The only `not` rules are the Plan's cross-field ones, which the domain check
        // states in clinical words and at the exact field once the schema otherwise passes.
        ValidationErrorKind::Not { .. } => {}
        kind => push(at, message(kind)),
    }
}

/// A message that never echoes the (possibly huge, possibly sensitive) value.
fn message(kind: &ValidationErrorKind) -> String {
    match kind {
        ValidationErrorKind::Type { kind } => {
            let names = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            format!("must be of type {names}")
        }
        ValidationErrorKind::Enum { options } => format!(
            "must be one of {}",
            options
                .as_array()
                .map(|o| o
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        ),
        ValidationErrorKind::MaxLength { limit } => {
            format!("must be at most {limit} characters long")
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("must be at least {limit} characters long")
        }
        ValidationErrorKind::MaxItems { limit } => format!("must have at most {limit} items"),
        ValidationErrorKind::MinItems { limit } => format!("must have at least {limit} items"),
        ValidationErrorKind::Maximum { limit } => format!("must be at most {limit}"),
        ValidationErrorKind::Minimum { limit } => format!("must be at least {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
        ValidationErrorKind::Pattern { pattern } => {
            format!("does not match the expected format ({pattern})")
        }
        ValidationErrorKind::Format { format } => format!("must be a valid {format}"),
        ValidationErrorKind::UniqueItems => "must not repeat items".into(),
        ValidationErrorKind::Constant { expected_value } => format!("must be {expected_value}"),
        ValidationErrorKind::MaxProperties { limit } => {
            format!("must have at most {limit} properties")
        }
        ValidationErrorKind::MinProperties { limit } => {
            format!("must have at least {limit} properties")
        }
        _ => "is invalid".into(),
    }
}
