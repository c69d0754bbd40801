//! Links between operations, for clients (and stateful testers) that follow them: what an
//! answer's ids lead to next.

use serde_json::{Value, json};

/// The follow-ups a client (or a stateful tester) can take from what an operation returns.
pub(super) fn links(doc: &mut Value) {
    let link = |operation: &str, parameter: &str, from: &str| json!({"operationId": operation, "parameters": {(parameter): from}});
    let add =
        |doc: &mut Value, path: &str, method: &str, status: &str, name: &str, target: Value| {
            let response = &mut doc["paths"][path][method]["responses"][status];
            if response.is_object() {
                response["links"][name] = target;
            }
        };
    add(
        doc,
        "/v1/patients",
        "post",
        "201",
        "GetPatient",
        link("get_patient", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/cases",
        "post",
        "201",
        "GetCase",
        link("get_case", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/cases",
        "post",
        "201",
        "PutPlan",
        link("put_plan", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/cases",
        "post",
        "201",
        "UploadDocument",
        link("upload", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/cases",
        "post",
        "201",
        "EnterOpinion",
        link("enter_for_case", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/cases/{id}/documents",
        "post",
        "201",
        "GetDocument",
        link("get_document", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/cases/{id}/referrals",
        "post",
        "201",
        "GetReferral",
        link("get_referral", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/cases/{id}/second-opinions",
        "post",
        "201",
        "GetOpinion",
        link("get_opinion", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/referrals/{id}/second-opinions",
        "post",
        "201",
        "GetOpinion",
        link("get_opinion", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/assessments/{id}/summaries",
        "post",
        "201",
        "GetSummary",
        link("get_summary", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/tasks",
        "post",
        "201",
        "GetTask",
        link("get_task", "id", "$response.body#/id"),
    );
    add(
        doc,
        "/v1/webhooks",
        "post",
        "201",
        "GetWebhook",
        link("get_webhook", "id", "$response.body#/id"),
    );
}
