//! The document rules, checked on the generated document.

use super::*;

fn matches(pattern: &str, text: &str) -> bool {
    // The document's patterns are ECMA-262; fancy-regex (the validator's engine) reads them alike.
    let rust = pattern.replace("\\u0000", "\\x00");
    fancy_regex::Regex::new(&rust)
        .expect("pattern compiles")
        .is_match(text)
        .expect("match")
}

#[test]
fn the_trial_pattern_agrees_with_the_registry_parser() {
    for id in [
        "NCT04513925",
        "nct04513925",
        "ChiCTR2000012345",
        "CTRI/2025/03/081234",
        "2023-501234-12-00",
        "2015-001234-12",
        "jRCTs031200123",
        "DRKS00012345",
        "UMIN000012345",
        "ACTRN12620000123456",
        "U1111-1234-5678",
        "ISRCTN12345678",
        "KCT0001234",
    ] {
        assert!(matches(TRIAL_ID, id), "{id} refused");
        assert!(crate::domain::codes::TrialId::parse(id).is_ok(), "{id}");
    }
    for id in [
        "NCT123",
        "CTRI/2025/3/1",
        "2020-12-1",
        "ChiCTR12",
        "ISRCTN1",
        "jRCT1",
        "ACTRN1",
        "U1111-1",
        " ",
        "",
    ] {
        assert!(!matches(TRIAL_ID, id), "{id} accepted");
    }
}

#[test]
fn non_blank_and_nul_patterns() {
    assert!(
        matches(NON_BLANK, "a")
            && matches(NON_BLANK, " a ")
            && !matches(NON_BLANK, "  ")
            && !matches(NON_BLANK, "a\u{0}")
    );
    assert!(matches(NO_NUL, "") && !matches(NO_NUL, "x\u{0}y"));
    assert!(
        matches(BASE64, "aGVsbG8=")
            && matches(BASE64, "QUI=")
            && !matches(BASE64, "QUJ=")
            && matches(BASE64, "AA==")
            && !matches(BASE64, "AB==")
            && matches(BASE64, "")
            && !matches(BASE64, "abc")
            && !matches(BASE64, "a b=")
    );
}

#[test]
fn the_only_not_rules_are_the_plans() {
    // json.rs leaves `not` violations to the domain check; that holds only while the `not`s
    // that can fail are ones the domain check reports too: the Plan's rules, ruleset 3's
    // "cycles or a duration, not both", an override's "an outcome, a scenario or both" (one
    // inside an `if` reports nothing, as the Biomarker's and SystemicTherapy's regimen test).
    fn walk(node: &Value, path: &str, found: &mut Vec<String>) {
        match node {
            Value::Object(map) => map.iter().for_each(|(k, v)| {
                if k == "not" {
                    found.push(path.to_owned());
                }
                walk(v, &format!("{path}/{k}"), found);
            }),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .for_each(|(i, v)| walk(v, &format!("{path}/{i}"), found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(crate::http::openapi::document_json(), "", &mut found);
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|p| ["Plan", "SystemicTherapy", "Biomarker", "NewOverride"]
                .iter()
                .any(|schema| p == &format!("/components/schemas/{schema}")
                    || p.starts_with(&format!("/components/schemas/{schema}/")))),
        "{found:?}"
    );
}
