//! What the document says of media types and headers: FHIR bodies and their
//! OperationOutcome errors, header shapes as the extractors check them, binary bodies and
//! OpenAPI's integer formats; and every response header the service sends.

use serde_json::{Value, json};

use super::rules::walk;

/// Header parameters' shapes, as the extractors check them.
pub(super) fn header_rules(doc: &mut Value) {
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

/// Binary bodies as `string`/`binary` (utoipa writes `Vec<u8>` as an array of integers), and
/// only OpenAPI's integer formats.
pub(super) fn binary_and_formats(doc: &mut Value) {
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

/// Where a request may be FHIR, its errors may come back as an OperationOutcome (fhir.md 9.9);
/// a FHIR body is any resource (an object with `resourceType`), named so generated clients can
/// tell it from the JSON body beside it.
pub(super) fn fhir_errors(doc: &mut Value) {
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

/// Every header the service sends beside the representation's own, declared on each response
/// that can carry it, so a generated client can read it and a linter can hold us to it.
pub(super) fn response_headers(doc: &mut Value) {
    doc["components"]["headers"] = json!({
        "X-Request-Id": {
            "description": "The request's id: the caller's own `X-Request-Id` when it is 1-128 letters, digits or `-_.:`, else a new UUIDv7. Quote it when reporting a problem; problem bodies carry it as `request_id`.",
            "required": true,
            "schema": {"type": "string", "maxLength": 128}
        },
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "required": true,
            "schema": {"type": "integer", "minimum": 0}
        },
        "RateLimit-Policy": {
            "description": "The limit this request counts against, in the named-policy syntax of draft-ietf-httpapi-ratelimit-headers-09 and later: `\"subject\";q=600;w=60` is 600 requests a 60-second window for the JWT's subject (policies: `subject`, `key` for a partner API key, `ip` for share links).",
            "schema": {"type": "string", "examples": ["\"subject\";q=600;w=60"]}
        },
        "RateLimit": {
            "description": "Where the caller stands against that policy: `r` requests left, and `t` seconds until the whole quota is back (`\"subject\";r=12;t=30`). A 429 says `r=0` and `t` equal to `Retry-After`.",
            "schema": {"type": "string", "examples": ["\"subject\";r=12;t=30"]}
        },
        "Idempotent-Replayed": {
            "description": "`true` when this is the saved answer to an earlier request with the same `Idempotency-Key`: nothing was done again.",
            "schema": {"type": "string", "enum": ["true"]}
        },
        "Cache-Control": {
            "description": "`no-store` on every error and on share links; `private, no-store` on a downloaded document.",
            "schema": {"type": "string", "examples": ["no-store"]}
        },
        "Content-Security-Policy": {
            "description": "On an HTML page: no scripts, no outside requests.",
            "schema": {"type": "string"}
        },
        "X-Content-Type-Options": {
            "description": "`nosniff`: the browser keeps to the declared Content-Type.",
            "schema": {"type": "string", "enum": ["nosniff"]}
        },
        "Content-Disposition": {
            "description": "A document is always downloaded as an attachment, under its file name with unsafe characters replaced.",
            "schema": {"type": "string", "examples": ["attachment; filename=\"pathology.pdf\""]}
        },
        "Content-Digest": {
            "description": "The SHA-256 of the bytes (RFC 9530), as kept since the upload.",
            "schema": {"type": "string", "pattern": "^sha-256=:[A-Za-z0-9+/]{43}=:$"}
        },
        "Referrer-Policy": {
            "description": "`no-referrer`: the share link's token never leaves in a Referer.",
            "schema": {"type": "string", "enum": ["no-referrer"]}
        },
        "X-Robots-Tag": {
            "description": "A shared summary is never indexed.",
            "schema": {"type": "string", "enum": ["noindex, nofollow"]}
        },
        "WWW-Authenticate": {
            "description": "The credential the route wants: a bearer token.",
            "required": true,
            "schema": {"type": "string", "enum": ["Bearer"]}
        }
    });
    let header = |name: &str| json!({"$ref": format!("#/components/headers/{name}")});
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for operation in operations.values_mut() {
            let credentialed = operation["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
            });
            // Share links are opened without a credential but limited per IP.
            let limited = credentialed || path.starts_with("/v1/shared/");
            // A share link's every answer, and a document's download, carry their own headers.
            let shared = path.starts_with("/v1/shared/");
            let download = path.ends_with("/content") || path.contains("/documents/{doc_id}");
            let idempotent = operation["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let Some(response) = response.as_object_mut() else {
                    continue;
                };
                let html = response
                    .get("content")
                    .and_then(Value::as_object)
                    .is_some_and(|c| c.keys().any(|t| t.starts_with("text/html")));
                let failed = status.starts_with('4') || status.starts_with('5');
                let headers = response.entry("headers").or_insert_with(|| json!({}));
                headers["X-Request-Id"] = header("X-Request-Id");
                if failed || shared {
                    headers["Cache-Control"] = header("Cache-Control");
                }
                if html || shared {
                    headers["Content-Security-Policy"] = header("Content-Security-Policy");
                }
                if shared {
                    for name in ["Referrer-Policy", "X-Robots-Tag", "X-Content-Type-Options"] {
                        headers[name] = header(name);
                    }
                }
                if download && status == "200" {
                    for name in [
                        "Cache-Control",
                        "Content-Disposition",
                        "X-Content-Type-Options",
                        "Content-Digest",
                    ] {
                        headers[name] = header(name);
                    }
                }
                if status == "429" || status == "503" {
                    headers["Retry-After"] = header("Retry-After");
                }
                if status == "401" {
                    headers["WWW-Authenticate"] = header("WWW-Authenticate");
                }
                if limited {
                    headers["RateLimit-Policy"] = header("RateLimit-Policy");
                    headers["RateLimit"] = header("RateLimit");
                }
                if idempotent && status.starts_with('2') {
                    headers["Idempotent-Replayed"] = header("Idempotent-Replayed");
                }
            }
        }
    }
}

/// What is free-form on purpose, named as what it is: the bytes a partner sent (kept
/// verbatim, so typed only as JSON), a FHIR resource sent as plain JSON, and this document.
pub(super) fn free_form(doc: &mut Value) {
    doc["components"]["schemas"]["RawSubmission"] = json!({
        "type": "object",
        "description": "The body a partner sent, verbatim: an OpinionSubmission as it was when it arrived, or a FHIR document Bundle. Kept byte for byte (see `Content-Digest`), so typed only as a JSON object.",
        "additionalProperties": true
    });
    doc["components"]["schemas"]["OpenApiDocument"] = json!({
        "type": "object",
        "description": "An OpenAPI 3.1 document: this one.",
        "required": ["openapi", "info", "paths"],
        "properties": {
            "openapi": {"type": "string", "examples": ["3.1.0"]},
            "info": {"type": "object", "additionalProperties": true},
            "paths": {"type": "object", "additionalProperties": true}
        },
        "additionalProperties": true
    });
    for (at, name) in [
        (
            "/paths/~1v1~1second-opinions~1{id}~1submission/get/responses/200/content/application~1json/schema",
            "RawSubmission",
        ),
        (
            "/paths/~1v1~1second-opinions~1{id}~1submission/get/responses/200/content/application~1fhir+json/schema",
            "FhirResource",
        ),
        (
            "/paths/~1openapi.json/get/responses/200/content/application~1json/schema",
            "OpenApiDocument",
        ),
        (
            "/paths/~1v1~1fhir~1picture/post/requestBody/content/application~1json/schema",
            "FhirResource",
        ),
    ] {
        if let Some(schema) = doc.pointer_mut(at) {
            *schema = super::rules::schema_ref(name);
        }
    }
}
