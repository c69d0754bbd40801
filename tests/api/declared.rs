//! The document's word on response headers, held to on every answer the API tests read: a
//! header the service sends must be declared on that operation's response for that status.
//! A header a generated client cannot see is one an integrator cannot rely on.

use std::sync::LazyLock;

use regex::Regex;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// Headers of the representation and the connection (and CORS, which the preflight declares),
/// which OpenAPI leaves to HTTP itself.
const OF_HTTP_ITSELF: &[&str] = &[
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "connection",
    "date",
    "vary",
];

struct Operation {
    method: String,
    path: Regex,
    responses: Value,
}

static OPERATIONS: LazyLock<Vec<Operation>> = LazyLock::new(|| {
    let document: Value = serde_json::from_str(concord::http::openapi::document_pretty().as_str())
        .expect("the document is JSON");
    let parameter = Regex::new(r"\{[^}]+\}").expect("regex");
    let mut operations = Vec::new();
    for (template, item) in document["paths"].as_object().expect("paths") {
        let pattern = format!("^{}$", parameter.replace_all(template, "[^/]+"));
        for (method, operation) in item.as_object().expect("path item") {
            operations.push(Operation {
                method: method.to_uppercase(),
                path: Regex::new(&pattern).expect("path regex"),
                responses: operation["responses"].clone(),
            });
        }
    }
    operations
});

/// The headers of an answer to `method path` that its operation does not declare for
/// `status`; empty where the document has no such operation or status (other tests and
/// Schemathesis hold those).
pub fn undeclared(method: &Method, path: &str, status: u16, headers: &HeaderMap) -> Vec<String> {
    let Some(operation) = OPERATIONS
        .iter()
        .find(|o| o.method == method.as_str() && o.path.is_match(path))
    else {
        return Vec::new();
    };
    let Some(response) = operation.responses.get(status.to_string()) else {
        return Vec::new();
    };
    let declared: Vec<String> = response["headers"]
        .as_object()
        .map(|h| h.keys().map(|k| k.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    let mut missing: Vec<String> = headers
        .keys()
        .map(|name| name.as_str().to_ascii_lowercase())
        .filter(|name| !OF_HTTP_ITSELF.contains(&name.as_str()))
        .filter(|name| !name.starts_with("access-control-"))
        .filter(|name| !declared.contains(name))
        .collect();
    missing.sort();
    missing.dedup();
    missing
}
