//! JSON request bodies: size limit, content type, syntax, the operation's own JSON schema
//! from the OpenAPI document (every bad field with its path), then the domain's field rules.
//! Validating against the published schema keeps what is documented and what is accepted
//! the same thing.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::Deserialize as _;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use utoipa::ToSchema;

pub mod fhir;
mod schema;

pub use self::schema::{parameter_errors, schema_errors};
use super::problem::{ApiError, ProblemKind};
use crate::domain::validation::{FieldError, FieldErrors};

/// A request body type: its schema is published, and its domain rules run after parsing.
pub trait RequestBody: DeserializeOwned + ToSchema + 'static {
    /// Field rules the JSON schema cannot express, each error with its path.
    fn check(&self, _errors: &mut FieldErrors) {}

    /// The same rules on the parts that still parse when the whole body does not (a
    /// required field missing), so one answer names every bad field.
    fn check_parts(_pruned: &Value, _errors: &mut FieldErrors) {}

    /// Rules on well-formed values that depend on the date (a birth year in the future, an
    /// expiry in the past): answered 422 rather than 400, as no schema can say them.
    fn check_state(&self, _errors: &mut FieldErrors) {}
}

/// A parsed, schema-checked and rule-checked body, with the exact bytes received.
pub struct ValidJson<T> {
    pub value: T,
    pub raw: Bytes,
}

impl<T> ValidJson<T> {
    pub fn into_inner(self) -> T {
        self.value
    }
}

/// The configured JSON body limit, in bytes (app data).
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

impl<T: RequestBody> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<JsonLimit>().map_or(1 << 20, |l| l.0);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let payload = payload.take();
        Box::pin(async move {
            if !is_json(content_type.as_deref()) {
                return Err(ApiError::new(
                    ProblemKind::UnsupportedMediaType,
                    format!(
                        "this operation takes application/json, not {}",
                        content_type
                            .as_deref()
                            .unwrap_or("a body without Content-Type")
                    ),
                ));
            }
            if declared_length.is_some_and(|n| n > limit) {
                return Err(too_large(limit));
            }
            let raw = read_limited(payload, limit).await?;
            let value = parse::<T>(&raw)?;
            Ok(ValidJson { value, raw })
        })
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ProblemKind::PayloadTooLarge,
        format!("the body exceeds the limit of {limit} bytes"),
    )
}

pub fn is_json(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the whole payload, refusing more than `limit` bytes.
pub async fn read_limited(mut payload: Payload, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = actix_web::web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => too_large(limit),
            other => ApiError::bad_request(format!("the body could not be read: {other}")),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses bytes into `T` through the same steps as the extractor.
pub fn parse<T: RequestBody>(raw: &[u8]) -> Result<T, ApiError> {
    let mut value: Value = serde_json::from_slice(raw).map_err(|e| {
        ApiError::new(
            ProblemKind::MalformedJson,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let errors = schema_errors(&T::name(), &value);
    if !errors.is_empty() {
        return Err(ApiError::validation(with_rule_errors::<T>(&value, errors)));
    }
    // JSON Schema calls 1949.0 an integer; serde does not. Whole floats become integers.
    normalise_whole_numbers(&mut value);
    // The plain parse first: only a body that fails pays for tracking the path it failed at.
    let parsed: T = match T::deserialize(&value) {
        Ok(parsed) => parsed,
        Err(_) => serde_path_to_error::deserialize(value).map_err(|e| {
            let field = dotted(&e.path().to_string());
            ApiError::field(
                if field == "." { String::new() } else { field },
                e.inner().to_string(),
            )
        })?,
    };
    let mut rules = FieldErrors::new();
    parsed.check(&mut rules);
    let parsed = rules.finish(parsed).map_err(ApiError::validation)?;
    let mut state = FieldErrors::new();
    parsed.check_state(&mut state);
    state.finish(parsed).map_err(ApiError::unprocessable)
}

/// Adds the domain rules' errors to the schema's, so one answer names every bad field: the
/// fields the schema refused are dropped from a copy, and the rest is checked when it parses.
fn with_rule_errors<T: RequestBody>(value: &Value, mut errors: Vec<FieldError>) -> Vec<FieldError> {
    let mut pruned = value.clone();
    for error in &errors {
        remove_field(&mut pruned, &error.field);
    }
    normalise_whole_numbers(&mut pruned);
    let mut rules = FieldErrors::new();
    match serde_json::from_value::<T>(pruned.clone()) {
        Ok(parsed) => parsed.check(&mut rules),
        Err(_) => T::check_parts(&pruned, &mut rules),
    }
    {
        let reported: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
        let covered = |field: &str| {
            reported.iter().any(|r| {
                field == r
                    || field.starts_with(&format!("{r}."))
                    || r.starts_with(&format!("{field}."))
            })
        };
        errors.extend(rules.into_vec().into_iter().filter(|e| !covered(&e.field)));
        errors.sort_by(|a, b| a.field.cmp(&b.field));
    }
    errors
}

/// Removes the object member a dotted path names; for an array element, the array's member
/// (removing one element would shift the indices other errors name).
fn remove_field(value: &mut Value, path: &str) {
    let mut parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
    while parts.last().is_some_and(|p| p.parse::<usize>().is_ok()) {
        parts.pop();
    }
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut cursor = value;
    for part in parents {
        cursor = match (cursor, part.parse::<usize>()) {
            (Value::Array(items), Ok(i)) if i < items.len() => &mut items[i],
            (Value::Object(map), _) if map.contains_key(*part) => {
                map.get_mut(*part).expect("present")
            }
            _ => return,
        };
    }
    if let Value::Object(map) = cursor {
        map.remove(*last);
    }
}

fn normalise_whole_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *value = json!(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise_whole_numbers),
        Value::Object(map) => map.values_mut().for_each(normalise_whole_numbers),
        _ => {}
    }
}

/// serde_path_to_error's `a.b[0].c` or a JSON pointer `/a/b/0/c` as `a.b.0.c`.
fn dotted(path: &str) -> String {
    if path.starts_with('/') || path.is_empty() {
        return path
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect::<Vec<_>>()
            .join(".");
    }
    path.replace('[', ".").replace(']', "")
}

/// For JSON merge-patch fields: absent is `None`, `null` is `Some(None)`, a value is `Some(Some(v))`.
pub fn patch_field<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_dotted() {
        assert_eq!(
            dotted("/opinion/plan/clinical_trials/0/registry_id"),
            "opinion.plan.clinical_trials.0.registry_id"
        );
        assert_eq!(dotted("opinion.plan.drugs[2]"), "opinion.plan.drugs.2");
        assert_eq!(dotted(""), "");
    }

    #[test]
    fn json_content_types() {
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("application/json; charset=utf-8")));
        assert!(is_json(Some("application/merge-patch+json")));
        assert!(!is_json(Some("text/plain")));
        assert!(!is_json(None));
    }

    #[test]
    fn whole_floats_become_integers() {
        let mut v = json!({"birth_year": 1949.0, "dose": 50.4, "list": [2.0]});
        normalise_whole_numbers(&mut v);
        assert_eq!(v, json!({"birth_year": 1949, "dose": 50.4, "list": [2]}));
    }
}
