//! The worked examples (`tests/fixtures/cases`) through the whole summary: the wording rules
//! of `summary.md`, readability, one page, determinism and escaping.

use chrono::NaiveDate;
use regex::Regex;
use serde_json::{Value, json};

use super::pdf::layout::{Mark, lay_out};
use super::templates::for_language;
use super::*;
use crate::domain::discordance::{
    Action, Change, ClassificationInput, Dimension, Finding, Outcome, Scenario, Severity, Urgency,
    classify, validate_input,
};

struct Example {
    name: String,
    input: ClassificationInput,
    classification: Classification,
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

fn examples() -> Vec<Example> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let examples: Vec<Example> = paths
        .iter()
        .map(|path| {
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(path).expect("read case"))
                    .expect("case json");
            let input: ClassificationInput =
                serde_json::from_value(case["input"].clone()).expect("input parses");
            let input = validate_input(input).expect("input is valid");
            let classification = classify(&input, today());
            Example {
                name: path.file_stem().expect("name").to_string_lossy().into(),
                input,
                classification,
            }
        })
        .collect();
    assert!(
        examples.len() >= 30,
        "only {} worked examples",
        examples.len()
    );
    examples
}

/// Who gave every worked example's opinion, so that each check reads the source sentence too.
const INSTITUTION: &str = "Tata Memorial Centre";

fn source() -> Option<OpinionSource> {
    Some(OpinionSource {
        institution: Some(INSTITUTION.into()),
        specialty: Some("Medical Oncology".into()),
    })
}

fn request<'a>(e: &'a Example, language: &str) -> SummaryRequest<'a> {
    SummaryRequest {
        classification: &e.classification,
        patient_first_name: None,
        oncologist_name: None,
        language: language.to_string(),
        next_step: e.input.context.next_irreversible_step.clone(),
        treatment_status: e.input.context.treatment_status,
        source: source(),
    }
}

fn summary(e: &Example, language: &str) -> Summary {
    build(&request(e, language)).unwrap_or_else(|err| panic!("{}: {err}", e.name))
}

/// Parts 1 to 8, the patient-facing text.
fn patient_parts(s: &Summary) -> Vec<&str> {
    let mut parts = vec![s.headline.as_str()];
    parts.extend(s.source.as_ref().map(|source| source.sentence.as_str()));
    parts.extend(s.findings.iter().map(String::as_str));
    parts.extend(s.agreements.iter().map(String::as_str));
    parts.push(&s.what_to_say);
    parts.push(&s.what_to_expect);
    parts.extend(s.questions.iter().map(String::as_str));
    parts.extend(s.next_steps.iter().map(String::as_str));
    parts.extend(s.timing.as_deref());
    parts.extend(s.sharing_tips.iter().map(String::as_str));
    parts
}

fn patient_text(s: &Summary) -> String {
    patient_parts(s).join("\n")
}

fn for_each_summary(mut check: impl FnMut(&Example, &Summary)) {
    for e in examples() {
        for language in supported_languages() {
            check(&e, &summary(&e, language));
        }
    }
}

/// Every string of the JSON form.
fn json_strings(s: &Summary) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(text) => out.push(text.clone()),
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => map.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::to_value(s).expect("serialises"), &mut out);
    out
}

/// The page's text, outside the inline style sheet.
fn html_body(html: &str) -> &str {
    html.split("</style>").nth(1).expect("style sheet ends")
}

fn pdf_text(s: &Summary) -> String {
    lay_out(s)
        .expect("fits one page")
        .marks
        .iter()
        .filter_map(|m| match m {
            Mark::Text { text, .. } => Some(text.as_str()),
            Mark::Rule { .. } => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_template_syntax_or_placeholder_survives_in_any_form() {
    for_each_summary(|e, s| {
        let forms = [
            ("json", json_strings(s).join("\n")),
            ("markdown", to_markdown(s)),
            ("html", html_body(&to_html(s)).to_string()),
            ("pdf", pdf_text(s)),
        ];
        for (form, text) in forms {
            for c in ['{', '}', '[', ']'] {
                assert!(
                    !text.contains(c),
                    "{} ({}) {form} contains '{c}':\n{text}",
                    e.name,
                    s.language
                );
            }
        }
    });
}

#[test]
fn internal_labels_stay_in_the_oncologist_table() {
    let snake_case = Regex::new(r"\b[a-z0-9]+_[a-z0-9_]+\b").expect("regex");
    let dose_percent = Regex::new(r"\d\s*%").expect("regex");
    let forbidden = [
        "contradict",
        "refines",
        "discordance",
        "palliative",
        "paliativ",
        "eqd2",
        "alpha",
        "α",
        "β",
        "severity",
        "outcome",
    ];
    for_each_summary(|e, s| {
        let text = patient_text(s);
        let lower = text.to_lowercase();
        for word in forbidden {
            assert!(!lower.contains(word), "{}: '{word}' in\n{text}", e.name);
        }
        assert!(!snake_case.is_match(&text), "{}: a code in\n{text}", e.name);
        assert!(
            !dose_percent.is_match(&text),
            "{}: a percentage in\n{text}",
            e.name
        );
    });
}

#[test]
fn every_difference_says_not_to_stop_treatment() {
    const SENTENCE: &str =
        "Do not stop, delay or cancel any planned treatment without talking to your oncologist.";
    for_each_summary(|e, s| {
        let t = for_language(&s.language).expect("language");
        if e.classification.outcome != Outcome::Confirms {
            assert!(
                s.next_steps.contains(&t.text("next_steps.do_not_stop")),
                "{}",
                e.name
            );
            if s.language == "en" {
                assert!(patient_text(s).contains(SENTENCE), "{}", e.name);
            }
        }
    });
}

#[test]
fn an_equivalent_schedule_is_an_accepted_alternative() {
    let mut seen = 0;
    for e in examples() {
        let equivalent = e
            .classification
            .findings
            .iter()
            // A schedule: ruleset 3's equivalent drug swaps have their own wording.
            .any(|f| {
                f.change == Change::EquivalentAlternative && f.dimension == Dimension::Radiotherapy
            });
        if equivalent {
            seen += 1;
            let text = patient_text(&summary(&e, "en"));
            assert!(
                text.contains("an accepted alternative way to give the same treatment"),
                "{}: {text}",
                e.name
            );
        }
    }
    assert!(seen > 0, "no worked example has an equivalent alternative");
}

#[test]
fn trials_are_named_with_their_place_and_who_decides() {
    for e in examples() {
        let trials: Vec<&Value> = e
            .classification
            .findings
            .iter()
            .filter(|f| f.dimension == Dimension::ClinicalTrials && f.differs())
            .filter_map(|f| f.opinion.as_ref()?.get("trials")?.as_array())
            .flatten()
            .collect();
        if trials.is_empty() {
            continue;
        }
        let text = patient_text(&summary(&e, "en"));
        assert!(
            text.to_lowercase()
                .contains("the trial team decides who can join"),
            "{}",
            e.name
        );
        for trial in trials {
            for key in ["registry_id", "phase", "target"] {
                if let Some(value) = trial.get(key).and_then(Value::as_str) {
                    assert!(text.contains(value), "{}: {key} {value}", e.name);
                }
            }
            let country = trial["country"].as_str().expect("country");
            let name = crate::domain::countries::name(country).expect("known country");
            assert!(text.contains(name), "{}: {name}", e.name);
        }
        for missed in ["missed", "miss out", "too late", "lost chance"] {
            assert!(
                !text.to_lowercase().contains(missed),
                "{}: {missed}",
                e.name
            );
        }
    }
}

#[test]
fn timing_names_the_step_and_its_date_and_never_says_cancel() {
    for e in examples() {
        let s = summary(&e, "en");
        match e.classification.urgency {
            Urgency::Routine => assert_eq!(s.timing, None, "{}", e.name),
            Urgency::Urgent | Urgency::BeforeNextDecision => {
                let timing = s.timing.as_deref().expect("timing");
                assert!(timing.contains("before"), "{}: {timing}", e.name);
                assert!(!timing.to_lowercase().contains("cancel"), "{}", e.name);
                if let Some(step) = &e.input.context.next_irreversible_step
                    && let Some(date) = step.date
                {
                    let date = date.format("%B %-d, %Y").to_string();
                    assert!(timing.contains(&date), "{}: {timing}", e.name);
                }
            }
        }
    }
}

#[test]
fn a_partial_review_never_claims_to_agree_with_the_whole_plan() {
    let mut seen = 0;
    for e in examples() {
        if e.classification.primary_scenario != Scenario::ConfirmsReviewedParts {
            continue;
        }
        seen += 1;
        let text = patient_text(&summary(&e, "en")).to_lowercase();
        for claim in [
            "agrees with your current plan",
            "agrees with my current plan",
            "agrees with your plan",
            "agrees with the plan",
        ] {
            assert!(!text.contains(claim), "{}: {claim}", e.name);
        }
        assert!(text.contains("did not review"), "{}", e.name);
    }
    assert!(seen > 0);
}

#[test]
fn nobody_is_called_wrong_and_nobody_is_ranked() {
    let judging = Regex::new(
        r"(?i)\b(wrong|mistaken?|incorrect|at fault|error|renowned|prestigious|famous|world-class|leading|top-ranked|better hospital)\b",
    )
    .expect("regex");
    for e in examples() {
        let s = summary(&e, "en");
        // The sharing tip quotes "Why are you wrong?" as the question not to ask.
        let parts: Vec<&str> = patient_parts(&s)
            .into_iter()
            .filter(|p| !s.sharing_tips.iter().any(|tip| tip == p))
            .collect();
        for part in parts {
            assert!(!judging.is_match(part), "{}: {part}", e.name);
        }
    }
}

/// Drug names (anticancer and left out), anywhere in a finding's values.
fn drug_names(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "drugs" || key == "left_out" {
                    out.extend(
                        inner
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(str::to_string),
                    );
                } else {
                    drug_names(inner, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| drug_names(i, out)),
        _ => {}
    }
}

#[test]
fn the_actual_values_reach_the_patient() {
    for_each_summary(|e, s| {
        let text = patient_text(s).to_lowercase();
        let t = for_language(&s.language).expect("language");
        for f in &e.classification.findings {
            for side in [&f.current, &f.opinion].into_iter().flatten() {
                let mut drugs = Vec::new();
                drug_names(side, &mut drugs);
                for drug in drugs {
                    assert!(text.contains(&drug.to_lowercase()), "{}: {drug}", e.name);
                }
                for trial in side
                    .get("trials")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let id = trial["registry_id"].as_str().expect("id").to_lowercase();
                    assert!(text.contains(&id), "{}: {id}", e.name);
                }
                if f.dimension == Dimension::Grade {
                    let grade = side["grade"].to_string();
                    let words = t.fill("value.grade", &[("grade", &grade)]).to_lowercase();
                    assert!(text.contains(&words), "{}: {words}", e.name);
                }
            }
        }
    });
}

/// "n examples: min to max, mean m", for the README's figures (`cargo test -- --nocapture`).
fn spread(name: &str, scores: &[f64]) {
    let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    eprintln!(
        "{name}, {} worked examples: {min:.1} to {max:.1}, mean {mean:.1}",
        scores.len()
    );
}

#[test]
fn english_reads_at_or_below_grade_6() {
    let mut grades = Vec::new();
    for e in examples() {
        let s = summary(&e, "en");
        let grade = s.readability.flesch_kincaid_grade;
        grades.push(grade);
        assert!(grade <= 6.0, "{} reads at grade {grade}", e.name);
        assert!(s.readability.words > 100, "{}", e.name);
        assert_eq!(s.readability.fernandez_huerta, None, "{}", e.name);
        assert_eq!(s.readability.szigriszt_pazos, None, "{}", e.name);
    }
    spread("Flesch-Kincaid grade (en)", &grades);
}

#[test]
fn spanish_reads_as_easy_by_fernandez_huerta() {
    let (mut eases, mut perspicuities) = (Vec::new(), Vec::new());
    for e in examples() {
        let s = summary(&e, "es");
        let ease = s
            .readability
            .fernandez_huerta
            .expect("Spanish has its score");
        eases.push(ease);
        assert!(
            ease >= 80.0,
            "{} scores {ease} (Fernández-Huerta):\n{}",
            e.name,
            patient_text(&s)
        );
        let perspicuity = s.readability.szigriszt_pazos.expect("and INFLESZ");
        perspicuities.push(perspicuity);
        // INFLESZ: 65 and above is "bastante fácil" or easier.
        assert!(
            perspicuity >= 65.0,
            "{} scores {perspicuity} (Szigriszt-Pazos)",
            e.name
        );
    }
    spread("Fernández-Huerta (es)", &eases);
    spread("Szigriszt-Pazos (es)", &perspicuities);
}

#[test]
fn readability_measures_parts_one_to_eight() {
    for_each_summary(|e, s| {
        let t = for_language(&s.language).expect("language");
        assert_eq!(
            readability::measure(&patient_text(s), t),
            s.readability,
            "{}",
            e.name
        );
        let tenth = s.readability.flesch_kincaid_grade * 10.0;
        assert!((tenth - tenth.round()).abs() < 1e-9, "one decimal");
    });
}

#[test]
fn every_part_is_present_and_questions_are_three_to_five() {
    for_each_summary(|e, s| {
        assert!(
            !s.headline.is_empty() && !s.findings.is_empty(),
            "{}",
            e.name
        );
        assert!(
            (3..=5).contains(&s.questions.len()),
            "{}: {:?}",
            e.name,
            s.questions
        );
        assert!(
            !s.next_steps.is_empty() && s.sharing_tips.len() == 4,
            "{}",
            e.name
        );
        assert_eq!(
            s.oncologist_table.len(),
            e.classification.findings.len(),
            "{}",
            e.name
        );
        // Every sentence ends, so the readability counts see each one.
        for part in patient_parts(s) {
            assert!(
                part.ends_with(['.', '?', '”', '»']),
                "{}: unterminated '{part}'",
                e.name
            );
        }
    });
}

#[test]
fn every_pdf_is_exactly_one_page() {
    for_each_summary(|e, s| {
        let pdf = to_pdf(s).unwrap_or_else(|err| panic!("{}: {err}", e.name));
        assert!(pdf.starts_with(b"%PDF"), "{}", e.name);
        assert_eq!(page_count(&pdf), 1, "{} ({})", e.name, s.language);
    });
}

/// The page objects in the PDF bytes, checked against the page tree's count.
fn page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let pages = Regex::new(r"/Type\s*/Page\b[^s]").expect("regex");
    let count = Regex::new(r"/Type\s*/Pages\s*/Count\s+(\d+)").expect("regex");
    let objects = pages.find_iter(&text).count();
    let declared: usize = count
        .captures(&text)
        .and_then(|c| c[1].parse().ok())
        .expect("page tree");
    assert_eq!(objects, declared, "page objects and /Count agree");
    objects
}

#[test]
fn the_same_request_gives_the_same_bytes() {
    for e in examples() {
        let (a, b) = (summary(&e, "en"), summary(&e, "en"));
        assert_eq!(a, b, "{}", e.name);
        assert_eq!(
            serde_json::to_string(&a).expect("json"),
            serde_json::to_string(&b).expect("json")
        );
        assert_eq!(to_markdown(&a), to_markdown(&b), "{}", e.name);
        assert_eq!(to_html(&a), to_html(&b), "{}", e.name);
        assert_eq!(
            to_pdf(&a).expect("pdf"),
            to_pdf(&b).expect("pdf"),
            "{}",
            e.name
        );
    }
}

#[test]
fn outside_text_is_escaped_in_html_and_markdown() {
    let e = examples()
        .into_iter()
        .find(|e| e.name == "colon-folfox-vs-capox")
        .expect("example");
    let mut classification = e.classification.clone();
    let finding = classification
        .findings
        .iter_mut()
        .find(|f| f.dimension == Dimension::SystemicTherapy)
        .expect("systemic finding");
    finding.opinion = Some(json!({"drugs": ["<script>alert('drug')</script>"], "regimens": []}));
    let s = build(&SummaryRequest {
        classification: &classification,
        patient_first_name: Some("<script>alert(1)</script>".into()),
        oncologist_name: Some("Dr <b>Rao</b> & \"Co\"".into()),
        language: "en".into(),
        next_step: None,
        treatment_status: None,
        source: None,
    })
    .expect("summary");
    assert!(
        s.headline
            .starts_with("<script>alert(1)</script>, the second opinion")
    );

    let html = to_html(&s);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<b>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;script&gt;alert(&#39;drug&#39;)&lt;/script&gt;"));
    assert!(html.contains("Dr &lt;b&gt;Rao&lt;/b&gt; &amp; &quot;Co&quot;"));

    let markdown = to_markdown(&s);
    let unescaped = markdown
        .char_indices()
        .any(|(i, c)| c == '<' && !markdown[..i].ends_with('\\'));
    assert!(!unescaped, "{markdown}");
    assert!(markdown.contains("\\<script\\>alert(1)\\</script\\>"));
    assert!(to_pdf(&s).is_ok());
}

#[test]
fn html_is_one_self_contained_page() {
    for_each_summary(|e, s| {
        let html = to_html(s);
        for outside in [
            "http:", "https:", "//", "<script", "<link", "<img", "<iframe", "url(", "@import",
            "src=",
        ] {
            assert!(
                !html_head_and_body(&html).contains(outside),
                "{}: {outside}",
                e.name
            );
        }
        assert!(html.contains("@page{size:A4"), "{}", e.name);
        assert!(html.contains("@media print"), "{}", e.name);
        assert!(html.starts_with("<!DOCTYPE html>"));
    });
}

/// The page without its doctype line (which has no URL either, but keeps the check simple).
fn html_head_and_body(html: &str) -> &str {
    html.split_once('\n').map(|(_, rest)| rest).unwrap_or(html)
}

#[test]
fn an_unsupported_language_is_an_error() {
    let e = &examples()[0];
    let err = build(&request(e, "fr")).expect_err("no French templates");
    assert_eq!(err, SummaryError::UnsupportedLanguage("fr".into()));
    assert_eq!(supported_languages(), vec!["en", "es"]);
}

#[test]
fn a_patient_name_and_an_oncologist_name_personalise_the_text() {
    let e = &examples()[0];
    let s = build(&SummaryRequest {
        patient_first_name: Some("Ana".into()),
        oncologist_name: Some("Dr Rao".into()),
        ..request(e, "en")
    })
    .expect("summary");
    assert!(
        s.headline.starts_with("Ana, the second opinion"),
        "{}",
        s.headline
    );
    assert!(
        s.what_to_say
            .starts_with("Here is what you could say to Dr Rao.")
    );
}

#[test]
fn every_scenario_and_action_has_wording_in_every_language() {
    let scenarios = [
        Scenario::DiagnosisDiscordance,
        Scenario::ObservationVsTreatment,
        Scenario::GoalsOfCare,
        Scenario::ClinicalTrialNotOffered,
        Scenario::DifferentTreatment,
        Scenario::AdditionalTestsRecommended,
        Scenario::TreatmentAbroad,
        Scenario::DiagnosisRefined,
        Scenario::ConfirmsPlan,
        Scenario::ConfirmsReviewedParts,
    ];
    for language in supported_languages() {
        let t = for_language(language).expect("language");
        for scenario in scenarios {
            let code = scenario.code();
            for key in ["headline", "what_to_say", "what_to_expect"] {
                assert!(t.has(&format!("{key}.{code}")), "{language}: {key}.{code}");
            }
            assert!(
                t.list(&format!("questions.{code}")).len() >= 3,
                "{language}: {code}"
            );
        }
        for action in Action::ALL {
            assert!(
                t.has(&format!("next_steps.{}", action.code())),
                "{language}: {}",
                action.code()
            );
        }
    }
}

/// A finding with realistic values for each dimension and change the engine produces.
fn synthetic_findings() -> Vec<Finding> {
    use Change::*;
    let finding = |dimension, change, current: Option<Value>, opinion: Option<Value>| Finding {
        family_implications: false,
        dimension,
        change,
        severity: Severity::Minor,
        current,
        opinion,
        explanation: String::new(),
    };
    let rt = |dose: f64, fractions: i64, kind: &str| {
        json!({"total_dose_gy": dose, "fractions": fractions, "radiation_type": kind,
               "eqd2_gy": dose, "alpha_beta_gy": 10.0, "dose_per_fraction_gy": dose / fractions as f64})
    };
    let drugs = |names: &[&str]| json!({"drugs": names, "regimens": []});
    vec![
        finding(
            Dimension::Histology,
            Refined,
            Some(json!({"code": "8140/3"})),
            Some(json!({"code": "8550/3"})),
        ),
        finding(
            Dimension::Histology,
            Added,
            None,
            Some(json!({"code": "8070/3", "text": "squamous cell carcinoma"})),
        ),
        finding(
            Dimension::PrimarySite,
            Different,
            Some(json!({"code": "C18.2", "laterality": "left"})),
            Some(json!({"code": "C20.9", "laterality": "right"})),
        ),
        finding(
            Dimension::PrimarySite,
            Added,
            None,
            Some(json!({"code": "C50.4"})),
        ),
        finding(
            Dimension::Grade,
            Added,
            None,
            Some(json!({"grade": 2, "system": "Nottingham"})),
        ),
        finding(
            Dimension::Stage,
            Added,
            None,
            Some(json!({"system": "AJCC8", "group": "IIB"})),
        ),
        finding(
            Dimension::Stage,
            Different,
            Some(json!({"system": "AJCC8", "group": "IV", "m": "M1"})),
            Some(json!({"system": "AJCC8", "group": "III", "m": "M0"})),
        ),
        finding(
            Dimension::Biomarkers,
            Refined,
            Some(json!({"gene": "PD-L1", "name": "PD-L1", "result": "positive", "value": "10%"})),
            Some(json!({"gene": "PD-L1", "name": "PD-L1", "result": "positive", "value": "60%"})),
        ),
        finding(
            Dimension::Intent,
            Different,
            Some(json!({"intent": "curative"})),
            Some(json!({"intent": "palliative"})),
        ),
        finding(
            Dimension::Observation,
            Different,
            Some(json!({"observation": true})),
            Some(json!({"modalities": ["radiotherapy"], "radiotherapy": rt(60.0, 20, "photon")})),
        ),
        finding(
            Dimension::SupportiveCare,
            Different,
            Some(json!({"best_supportive_care": true})),
            Some(
                json!({"modalities": ["systemic_therapy"], "systemic_therapy": drugs(&["gemcitabine"])}),
            ),
        ),
        finding(
            Dimension::SupportiveCare,
            Different,
            Some(json!({"observation": true})),
            Some(json!({"best_supportive_care": true})),
        ),
        finding(
            Dimension::Sequence,
            Different,
            Some(json!({"sequence": ["surgery", "radiotherapy"]})),
            Some(json!({"sequence": ["radiotherapy", "surgery"]})),
        ),
        finding(
            Dimension::SystemicTherapy,
            Added,
            None,
            Some(drugs(&["osimertinib"])),
        ),
        finding(
            Dimension::SystemicTherapy,
            Removed,
            Some(drugs(&["cisplatin"])),
            None,
        ),
        finding(
            Dimension::Radiotherapy,
            Different,
            Some(rt(54.0, 30, "photon")),
            Some(rt(54.0, 30, "proton")),
        ),
        finding(
            Dimension::Radiotherapy,
            Different,
            Some(rt(50.0, 25, "photon")),
            Some(rt(30.0, 10, "proton")),
        ),
        finding(
            Dimension::Radiotherapy,
            Removed,
            Some(rt(20.0, 5, "photon")),
            None,
        ),
        finding(
            Dimension::Surgery,
            Refined,
            Some(json!({"procedure": "gastrectomy"})),
            Some(json!({"procedure": "total gastrectomy"})),
        ),
        finding(
            Dimension::Surgery,
            Removed,
            Some(json!({"procedure": "gastrectomy"})),
            None,
        ),
        finding(
            Dimension::Transplant,
            Different,
            Some(json!({"type": "autologous"})),
            Some(json!({"type": "allogeneic"})),
        ),
        finding(
            Dimension::Transplant,
            Added,
            None,
            Some(json!({"type": "allogeneic"})),
        ),
        finding(
            Dimension::Transplant,
            Removed,
            Some(json!({"type": "autologous"})),
            None,
        ),
        finding(
            Dimension::CellularTherapy,
            Different,
            Some(json!({"product": "tisagenlecleucel"})),
            Some(json!({"product": "axicabtagene ciloleucel"})),
        ),
        finding(
            Dimension::CellularTherapy,
            Added,
            None,
            Some(json!({"product": "lifileucel"})),
        ),
        finding(
            Dimension::CellularTherapy,
            Removed,
            Some(json!({"product": "lifileucel"})),
            None,
        ),
        finding(
            Dimension::ClinicalTrials,
            Added,
            None,
            Some(json!({"trials": [
            {"registry_id": "NCT04513925", "phase": "2", "target": "KRAS G12C", "country": "DE", "centre": "Charité"},
            {"registry_id": "ISRCTN12345678", "phase": "3", "country": "GB"}]})),
        ),
        finding(
            Dimension::Workup,
            Same,
            Some(json!({"investigations": ["PET-CT"]})),
            Some(json!({"investigations": ["PET-CT"]})),
        ),
        finding(
            Dimension::ClinicalTrials,
            Same,
            Some(json!({"trials": [{"registry_id": "NCT04513925"}]})),
            Some(json!({"trials": [{"registry_id": "NCT04513925"}]})),
        ),
        finding(
            Dimension::Observation,
            Same,
            Some(json!({"observation": true})),
            Some(json!({"observation": true})),
        ),
        finding(
            Dimension::Transplant,
            Same,
            Some(json!({"type": "autologous"})),
            Some(json!({"type": "autologous"})),
        ),
        // Ruleset 3.
        finding(
            Dimension::Germline,
            Added,
            None,
            Some(
                json!({"gene": "BRCA2", "name": "BRCA2", "origin": "germline", "result": "pathogenic", "variant": "c.5946del", "new_pathogenic": true}),
            ),
        ),
        finding(
            Dimension::Germline,
            Different,
            Some(
                json!({"gene": "BRCA1", "name": "BRCA1", "origin": "germline", "result": "pathogenic", "variant": "c.68_69delAG"}),
            ),
            Some(
                json!({"gene": "BRCA1", "name": "BRCA1", "origin": "germline", "result": "pathogenic", "variant": "185delAG"}),
            ),
        ),
        finding(
            Dimension::Germline,
            Removed,
            Some(
                json!({"gene": "MLH1", "name": "MLH1", "origin": "germline", "result": "likely pathogenic"}),
            ),
            None,
        ),
        finding(
            Dimension::PerformanceStatus,
            Different,
            Some(json!({"fit": true, "scale": "ECOG", "value": 1})),
            Some(json!({"fit": false, "scale": "Karnofsky", "value": 40})),
        ),
        finding(
            Dimension::PerformanceStatus,
            Added,
            None,
            Some(json!({"fit": true, "scale": "ECOG", "value": 0})),
        ),
        finding(
            Dimension::Line,
            Different,
            Some(json!({"line": "maintenance"})),
            Some(json!({"line": "second"})),
        ),
        finding(
            Dimension::ObservationAfterTreatment,
            Added,
            None,
            Some(json!({"condition": "clinical_complete_response", "replaces": "surgery"})),
        ),
        finding(
            Dimension::ObservationAfterTreatment,
            Removed,
            Some(json!({"condition": "clinical_complete_response", "replaces": "surgery"})),
            None,
        ),
        finding(
            Dimension::Biomarkers,
            Different,
            Some(
                json!({"band": 1, "gene": "PD-L1", "name": "PD-L1", "result": "positive (TPS 30)", "score": {"assay": "22C3", "system": "TPS", "value": 30.0}}),
            ),
            Some(
                json!({"band": 2, "gene": "PD-L1", "name": "PD-L1", "result": "positive (TPS 60)", "score": {"assay": "22C3", "system": "TPS", "value": 60.0}}),
            ),
        ),
        finding(
            Dimension::SystemicTherapy,
            Different,
            Some(
                json!({"drugs": ["fluorouracil", "oxaliplatin"], "regimens": ["FOLFOX"], "cycles": 12, "cycle_length_days": 14}),
            ),
            Some(
                json!({"drugs": ["fluorouracil", "oxaliplatin"], "regimens": ["FOLFOX"], "cycles": 6, "cycle_length_days": 14}),
            ),
        ),
        finding(
            Dimension::SystemicTherapy,
            EquivalentAlternative,
            Some(
                json!({"drugs": ["capecitabine", "oxaliplatin"], "regimens": ["CAPOX"], "duration_months": 6}),
            ),
            Some(
                json!({"drugs": ["capecitabine", "oxaliplatin"], "regimens": ["CAPOX"], "duration_months": 3}),
            ),
        ),
        finding(
            Dimension::Radiotherapy,
            Different,
            Some(
                json!({"total_dose_gy": 30.0, "fractions": 10, "dose_per_fraction_gy": 3.0, "site": "brain", "target_extent": "whole_organ"}),
            ),
            Some(
                json!({"total_dose_gy": 20.0, "fractions": 1, "dose_per_fraction_gy": 20.0, "site": "brain", "target_extent": "focal"}),
            ),
        ),
    ]
}

#[test]
fn every_kind_of_finding_has_wording_in_every_language() {
    let base = &examples()[0].classification;
    for finding in synthetic_findings() {
        for (scenario, urgency) in [
            (Scenario::DifferentTreatment, Urgency::Urgent),
            (Scenario::DiagnosisRefined, Urgency::BeforeNextDecision),
        ] {
            let classification = Classification {
                outcome: Outcome::Refines,
                primary_scenario: scenario,
                scenarios: vec![scenario],
                urgency,
                findings: vec![finding.clone()],
                ..base.clone()
            };
            for language in supported_languages() {
                let s = build(&SummaryRequest {
                    classification: &classification,
                    patient_first_name: None,
                    oncologist_name: None,
                    language: language.into(),
                    next_step: None,
                    treatment_status: None,
                    source: None,
                })
                .expect("summary");
                let text = json_strings(&s).join("\n");
                assert!(
                    !text.contains('{') && !text.contains('}'),
                    "{language} {:?} {:?}:\n{text}",
                    finding.dimension,
                    finding.change
                );
            }
        }
    }
}

#[test]
fn markdown_snapshots_of_worked_examples() {
    for e in examples() {
        if [
            "colon-folfox-vs-capox",
            "breast-her2-flip",
            "pancreas-trial-abroad",
            "pathology-only-review-agrees",
            "prostate-moderate-hypofractionation",
        ]
        .contains(&e.name.as_str())
        {
            insta::assert_snapshot!(e.name.clone(), to_markdown(&summary(&e, "en")));
        }
    }
}

#[test]
fn a_spanish_summary_is_written_in_spanish() {
    let e = examples()
        .into_iter()
        .find(|e| e.name == "colon-folfox-vs-capox")
        .expect("example");
    let s = summary(&e, "es");
    assert_eq!(s.language, "es");
    assert!(
        s.headline.starts_with("La segunda opinión"),
        "{}",
        s.headline
    );
    assert!(s.readability.flesch_kincaid_grade.is_finite());
}

/// The patient's parts of each rendered form: everything but the oncologist's table (JSON: the
/// fields other than `oncologist_table`; Markdown, HTML, PDF: the page without the table).
fn patient_forms(s: &Summary) -> Vec<(&'static str, String)> {
    let labels = Labels::of(s);
    let mut json = serde_json::to_value(s).expect("serialises");
    json.as_object_mut()
        .expect("object")
        .retain(|k, _| !["oncologist_table", "language", "readability"].contains(&k.as_str()));
    let mut json_text = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(text) => out.push(text.clone()),
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => map.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    walk(&json, &mut json_text);

    let markdown = to_markdown(s);
    let table_heading = format!("## {}", markdown::escape(&labels.oncologist_table));
    let after_heading = format!("## {}", markdown::escape(&labels.disclaimer));
    let (before, rest) = markdown.split_once(&table_heading).expect("table heading");
    let (_, after) = rest.split_once(&after_heading).expect("disclaimer heading");

    let html = to_html(s);
    let body = html_body(&html);
    let (html_before, html_rest) = body.split_once("<table>").expect("table");
    let (_, html_after) = html_rest.split_once("</table>").expect("table end");
    let tags = Regex::new(r"<[^>]*>").expect("regex");
    let html_outside_table = format!("{html_before}{html_after}");
    let html_text = tags.replace_all(&html_outside_table, " ");

    let page = lay_out(s).expect("fits one page");
    let mut in_table = false;
    let mut pdf = Vec::new();
    for mark in &page.marks {
        if let Mark::Text { text, .. } = mark {
            if *text == labels.oncologist_table {
                in_table = true;
            } else if *text == labels.disclaimer {
                in_table = false;
            }
            if !in_table {
                pdf.push(text.clone());
            }
        }
    }
    vec![
        ("json", json_text.join("\n")),
        ("markdown", format!("{before}{after}")),
        ("html", html_text.into_owned()),
        ("pdf", pdf.join("\n")),
    ]
}

/// Codes that belong in the oncologist's table only.
struct CodePatterns {
    topography: Regex,
    morphology: Regex,
    atc: Regex,
    stage_phrase: Regex,
    tnm: Regex,
    snake_case: Regex,
}

impl CodePatterns {
    fn new() -> CodePatterns {
        let re = |p: &str| Regex::new(p).expect("regex");
        CodePatterns {
            // C34.1, C341, C50, D05.1.
            topography: re(r"\b[CD]\d{2}(?:\.?\d{1,3})?\b"),
            morphology: re(r"\b\d{4}/\d\b"),
            // ATC levels 4 and 5 (L01XC, L01FF02). Level 3 (L01X) is not checked: it cannot be
            // told from a gene variant such as G12C, which the patient reads.
            atc: re(r"\b[A-V]\d{2}[A-Z]{2}(?:\d{2})?\b"),
            // "stage IIIB (T3 N1 M0)", "estadio T2 N0": TNM is allowed there and only there.
            stage_phrase: re(
                r"\b(?:stage|estadio) (?:(?:0|I{1,3}|IV)[A-Za-z0-9]*(?: \([^)]*\))?|(?:[cpyra]{0,2}[TNM](?:X|is|\d)[A-Za-z0-9()+]*\s?)+)",
            ),
            tnm: re(r"\b[cpyra]{0,2}[TNM](?:X|is|[0-4])[a-d]?\d?\b"),
            snake_case: re(r"\b[a-z0-9]+_[a-z0-9_]+\b"),
        }
    }

    /// The first code found, with what kind it is.
    fn find(&self, text: &str) -> Option<(&'static str, String)> {
        let outside_stage = self.stage_phrase.replace_all(text, " ");
        [
            ("ICD-O topography", &self.topography, text),
            ("ICD-O morphology", &self.morphology, text),
            ("ATC", &self.atc, text),
            ("TNM outside the stage phrase", &self.tnm, &outside_stage),
            ("snake_case value", &self.snake_case, text),
        ]
        .into_iter()
        .find_map(|(kind, regex, text)| regex.find(text).map(|m| (kind, m.as_str().to_string())))
    }
}

#[test]
fn the_code_patterns_catch_what_they_should_and_spare_the_rest() {
    let p = CodePatterns::new();
    for raw in [
        "It started in C34.1.",
        "code C50",
        "cell type 8500/3",
        "medicine L01XC02 and",
        "group L01FF",
        "It found T2 N1.",
        "pT1a spread",
        "It is ypN0.",
        "care best_supportive_care",
    ] {
        assert!(p.find(raw).is_some(), "{raw} not caught");
    }
    for fine in [
        "stage IIIB (T3 N1 M0).",
        "estadio I (T1b N0 M0).",
        "stage T2 N0.",
        "KRAS G12C detected",
        "NCT04513925 (phase 2)",
        "ChiCTR2400081234 and CTRI/2025/03/081234",
        "CLDN18.2",
        "40.05 Gy in 15 sessions",
        "HER2 positive, T-cell lymphoma, B-cell",
    ] {
        assert_eq!(p.find(fine), None, "{fine}");
    }
}

#[test]
fn no_raw_code_reaches_the_patient_in_any_form_or_language() {
    let patterns = CodePatterns::new();
    for_each_summary(|e, s| {
        for (form, text) in patient_forms(s) {
            if let Some((kind, code)) = patterns.find(&text) {
                panic!(
                    "{} ({} {form}): {kind} '{code}' in the patient's part:\n{text}",
                    e.name, s.language
                );
            }
        }
        // ... and the codes are in the oncologist's table, next to their names.
        let table = json_strings(&Summary {
            oncologist_table: s.oncologist_table.clone(),
            ..summary_skeleton(s)
        })
        .join("\n");
        for f in &e.classification.findings {
            if !matches!(f.dimension, Dimension::PrimarySite | Dimension::Histology) {
                continue;
            }
            for side in [&f.current, &f.opinion].into_iter().flatten() {
                if let Some(code) = side.get("code").and_then(Value::as_str) {
                    assert!(table.contains(code), "{}: {code} not in the table", e.name);
                }
            }
        }
    });
}

/// A summary with nothing but its language, for looking at one part alone.
fn summary_skeleton(s: &Summary) -> Summary {
    Summary {
        language: s.language.clone(),
        headline: String::new(),
        source: None,
        findings: Vec::new(),
        agreements: Vec::new(),
        what_to_say: String::new(),
        what_to_expect: String::new(),
        questions: Vec::new(),
        next_steps: Vec::new(),
        timing: None,
        sharing_tips: Vec::new(),
        oncologist_table: Vec::new(),
        disclaimer: String::new(),
        readability: s.readability.clone(),
    }
}

fn lowercase_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every word the Spanish wording may use: the Spanish templates and name tables, the names of
/// medicines, regimens, cell therapies and genes (international, not translated), and the
/// case's own free text as written (biomarker results and variants, trial ids and targets,
/// centre names: proper names and lab values the service cannot translate).
fn spanish_words(e: &Example) -> std::collections::HashSet<String> {
    let mut words = std::collections::HashSet::new();
    let mut add = |text: &str| words.extend(lowercase_words(text));
    add(include_str!("../../../data/summary/es.toml"));
    let names: toml::Table =
        toml::from_str(include_str!("../../../data/summary/names/topography.toml")).expect("toml");
    let mut tables = vec![names];
    for text in [
        include_str!("../../../data/summary/names/morphology.toml"),
        include_str!("../../../data/summary/names/procedures.toml"),
        include_str!("../../../data/summary/names/investigations.toml"),
        include_str!("../../../data/summary/names/specialties.toml"),
    ] {
        tables.push(toml::from_str(text).expect("toml"));
    }
    // The institution is a name, as the partner sent it.
    add(INSTITUTION);
    fn spanish_fields(v: &toml::Value, out: &mut Vec<String>) {
        if let toml::Value::Table(t) = v {
            for (k, inner) in t {
                match inner {
                    toml::Value::String(text) if k == "es" || k == "es_means" => {
                        out.push(text.clone())
                    }
                    other => spanish_fields(other, out),
                }
            }
        }
    }
    let mut spanish = Vec::new();
    for table in tables {
        spanish_fields(&toml::Value::Table(table), &mut spanish);
    }
    spanish.iter().for_each(|t| add(t));
    let vocabulary = crate::domain::vocabulary::Vocabulary::standard();
    for drug in vocabulary.drugs() {
        add(&drug.name);
    }
    for regimen in vocabulary.regimens() {
        add(&regimen.name);
    }
    for text in [
        include_str!("../../../data/vocabulary/drugs.toml"),
        include_str!("../../../data/vocabulary/regimens.toml"),
        include_str!("../../../data/vocabulary/cellular_products.toml"),
        include_str!("../../../data/vocabulary/biomarkers.toml"),
    ] {
        // Names and aliases (the quoted strings of these files), not their comments.
        for quoted in text.split('"').skip(1).step_by(2) {
            add(quoted);
        }
    }
    for f in &e.classification.findings {
        for side in [&f.current, &f.opinion].into_iter().flatten() {
            // Scales and scores are named as their authors named them (ECOG, Karnofsky, TPS).
            for key in [
                "gene", "name", "variant", "result", "value", "group", "t", "n", "m", "scale",
            ] {
                if let Some(text) = side.get(key).and_then(Value::as_str) {
                    add(text);
                }
            }
            for pointer in ["/score/system", "/score/assay"] {
                if let Some(text) = side.pointer(pointer).and_then(Value::as_str) {
                    add(text);
                }
            }
            for trial in side
                .get("trials")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for key in ["registry_id", "target", "phase", "centre"] {
                    if let Some(text) = trial.get(key).and_then(Value::as_str) {
                        add(text);
                    }
                }
            }
            if let Some(centre) = side.get("centre").and_then(Value::as_str) {
                add(centre);
            }
        }
    }
    words
}

#[test]
fn spanish_summaries_have_no_english_words_outside_names() {
    for e in examples() {
        let s = summary(&e, "es");
        let allowed = spanish_words(&e);
        let labels = Labels::of(&s);
        let mut text = patient_text(&s);
        for extra in [
            &s.disclaimer,
            &labels.title,
            &labels.findings,
            &labels.next_steps,
        ] {
            text.push('\n');
            text.push_str(extra);
        }
        let foreign: Vec<String> = lowercase_words(&text)
            .into_iter()
            .filter(|w| !w.chars().all(|c| c.is_ascii_digit()) && !allowed.contains(w))
            .collect();
        assert!(
            foreign.is_empty(),
            "{}: words outside the Spanish wording and the names: {foreign:?}\n{text}",
            e.name
        );
    }
}

#[test]
fn the_english_word_check_would_catch_an_english_value() {
    // The check above is only worth something if an untranslated value fails it.
    let e = examples()
        .into_iter()
        .find(|e| e.name == "lung-nos-to-acinar")
        .expect("example");
    let allowed = spanish_words(&e);
    for english in [
        "lobectomy of lung",
        "invasive ductal carcinoma",
        "germline testing",
    ] {
        assert!(
            lowercase_words(english)
                .iter()
                .any(|w| !allowed.contains(w)),
            "{english} would pass"
        );
    }
}

#[test]
fn an_unknown_code_is_explained_in_words_counted_and_kept_for_the_oncologist() {
    let base = &examples()[0].classification;
    let finding = |dimension, current: Value, opinion: Value| Finding {
        family_implications: false,
        dimension,
        change: Change::Different,
        severity: Severity::Major,
        current: Some(current),
        opinion: Some(opinion),
        explanation: String::new(),
    };
    let classification = Classification {
        outcome: Outcome::Contradicts,
        primary_scenario: Scenario::DiagnosisDiscordance,
        scenarios: vec![Scenario::DiagnosisDiscordance],
        findings: vec![
            finding(
                Dimension::PrimarySite,
                json!({"code": "C34.1", "laterality": "left"}),
                json!({"code": "C28.1"}),
            ),
            finding(
                Dimension::Histology,
                json!({"code": "8140/3"}),
                json!({"code": "8551/1"}),
            ),
        ],
        ..base.clone()
    };
    for (language, site, tumour) in [
        (
            "en",
            "a part of the body your doctors will explain",
            "a type of tumor your doctors will explain",
        ),
        (
            "es",
            "una parte del cuerpo que sus médicos le explicarán",
            "un tipo de tumor que sus médicos le explicarán",
        ),
    ] {
        let (s, notes) = build_with_notes(&SummaryRequest {
            classification: &classification,
            patient_first_name: None,
            oncologist_name: None,
            language: language.into(),
            next_step: None,
            treatment_status: None,
            source: None,
        })
        .expect("summary");
        let text = patient_text(&s);
        assert!(text.contains(site), "{language}: {text}");
        assert!(text.contains(tumour), "{language}: {text}");
        for (form, text) in patient_forms(&s) {
            assert_eq!(CodePatterns::new().find(&text), None, "{language} {form}");
        }
        let table = serde_json::to_string(&s.oncologist_table).expect("json");
        for code in ["C28.1", "8551/1", "C34.1", "8140/3"] {
            assert!(table.contains(code), "{language}: {code} in {table}");
        }
        assert!(table.contains("Upper lobe, lung"), "{table}");
        assert_eq!(notes.unnamed_codes, ["C28.1", "8551/1"], "{language}");
    }
    // The worked examples name every code they use.
    for e in examples() {
        let (_, notes) = build_with_notes(&request(&e, "es")).expect("summary");
        assert!(
            notes.unnamed_codes.is_empty(),
            "{}: {:?}",
            e.name,
            notes.unnamed_codes
        );
    }
}

#[test]
fn named_sites_and_cell_types_reach_the_patient() {
    let e = examples()
        .into_iter()
        .find(|e| e.name == "lung-nos-to-acinar")
        .expect("example");
    let en = patient_text(&summary(&e, "en"));
    assert!(
        en.contains("a gland cell cancer that grows in small round clusters"),
        "{en}"
    );
    assert!(
        en.contains("Gland cells make mucus or other fluids."),
        "{en}"
    );
    assert_eq!(
        en.matches("Gland cells make mucus").count(),
        1,
        "explained once: {en}"
    );
    let es = patient_text(&summary(&e, "es"));
    assert!(
        es.contains("lobectomía (se quita un lóbulo del pulmón)"),
        "{es}"
    );
    assert!(!es.contains("lobectomy"), "{es}");
}

/// Ruleset 3's findings in plain words with their real values, in both languages, and the
/// technical form in the oncologist's table (issue 16, point 4).
#[test]
fn ruleset_3_findings_reach_the_patient_in_plain_words_with_their_values() {
    let examples = examples();
    let find = |name: &str| {
        examples
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no worked example {name}"))
    };
    // (worked example, English phrases, Spanish phrases, oncologist's table)
    type Expected<'a> = (&'a str, &'a [&'a str], &'a [&'a str], &'a [&'a str]);
    let cases: [Expected; 7] = [
        (
            "r3-lung-kps-40-supportive-care",
            &[
                "how much you can do day to day",
                "40 on the Karnofsky scale",
                "1 on the ECOG scale",
                "too hard on your body",
            ],
            &[
                "cuánto puede hacer usted en el día a día",
                "40 en la escala Karnofsky",
                "1 en la escala ECOG",
            ],
            &["Karnofsky 40", "ECOG 1"],
        ),
        (
            "r3-tnbc-germline-brca2-new",
            &[
                "a change you were born with that can run in families",
                "a harmful change in the BRCA2 gene (c.5946del)",
            ],
            &[
                "un cambio con el que usted nació y que puede pasar en la familia",
                "un cambio dañino en el gen BRCA2",
            ],
            &["BRCA2 c.5946del pathogenic"],
        ),
        (
            "r3-colon-folfox-12-vs-6-cycles",
            &[
                "for 6 rounds, one every 14 days",
                "12 rounds, one every 14 days",
            ],
            &["6 ciclos, uno cada 14 días", "12 ciclos, uno cada 14 días"],
            &["6 cycles of 14 days", "12 cycles of 14 days"],
        ),
        (
            "r3-nsclc-maintenance-vs-second-line",
            &["(second line)", "(maintenance)"],
            &["(segunda línea)", "(mantenimiento)"],
            &["second", "maintenance"],
        ),
        (
            "r3-nsclc-pdl1-tps-crosses-50",
            &[
                "60 on the TPS scale",
                "30 on the TPS scale",
                "different sides of a level",
            ],
            &["60 en la escala TPS", "30 en la escala TPS"],
            &["positive (TPS 60) 22C3"],
        ),
        (
            "r3-rectal-tnt-then-watch-and-wait",
            &["close checkups in place of surgery"],
            &["controles de cerca en lugar de"],
            &["Observation after treatment"],
        ),
        (
            "r3-brain-mets-wbrt-vs-srs",
            &[
                "only the spots where the cancer is",
                "the whole organ",
                "20 Gy in 1 session",
            ],
            &["solo los puntos donde está el cáncer", "todo el órgano"],
            &["whole organ", "focal"],
        ),
    ];
    for (name, english, spanish, table) in cases {
        let e = find(name);
        for (language, phrases) in [("en", english), ("es", spanish)] {
            let s = summary(e, language);
            let text = patient_text(&s);
            for phrase in phrases {
                assert!(
                    text.contains(phrase),
                    "{name} ({language}): no '{phrase}' in\n{text}"
                );
            }
        }
        let s = summary(e, "en");
        let rows = serde_json::to_string(&s.oncologist_table).expect("json");
        for cell in table {
            assert!(
                rows.contains(cell),
                "{name}: no '{cell}' in the table {rows}"
            );
        }
    }
}

/// A sentence with a slot left empty ("compare with ?", "came from  at .", "()"), in any
/// form of any worked example, with every kind of source: the words around a placeholder
/// must never be printed without what it stood for.
#[test]
fn no_sentence_has_an_empty_slot() {
    let empty_slot = Regex::new(concat!(
        r"\S[ \t]+[.,;:?!]", // a space where a value ended before the punctuation
        r"|\([ \t]*\)|“[ \t]*”|\x22\x22", // empty brackets or quotes
        r"|[,;:][ \t]*[.,;:?!]", // punctuation with nothing between
        r"|\S[ \t]{2,}\S",   // two spaces where one word was left out
    ))
    .expect("regex");
    // The check is worth something only if it catches the slots the issue found.
    for blank in [
        "How does it compare with ?",
        "This second opinion came from  at Tata Memorial Centre.",
        "a type of tumor ().",
        "Ask about , and CT.",
    ] {
        assert!(empty_slot.is_match(blank), "{blank:?} would pass");
    }
    let tags = Regex::new(r"<[^>]*>").expect("regex");
    let sources = [
        source(),
        None,
        Some(OpinionSource {
            institution: Some(INSTITUTION.into()),
            specialty: Some("  ".into()),
        }),
        Some(OpinionSource {
            institution: None,
            specialty: Some("radiation oncology".into()),
        }),
        Some(OpinionSource {
            institution: Some(INSTITUTION.into()),
            specialty: Some("psycho-oncology".into()),
        }),
    ];
    for e in examples() {
        for language in supported_languages() {
            for source in &sources {
                let s = build(&SummaryRequest {
                    source: source.clone(),
                    ..request(&e, language)
                })
                .unwrap_or_else(|err| panic!("{}: {err}", e.name));
                let html = tags.replace_all(html_body(&to_html(&s)), "\n").into_owned();
                let strings = json_strings(&s);
                assert!(
                    strings.iter().all(|t| !t.trim().is_empty() || t.is_empty()),
                    "{}: a blank string",
                    e.name
                );
                let forms = [
                    ("json", strings.join("\n")),
                    ("markdown", to_markdown(&s)),
                    ("html", html),
                    ("pdf", pdf_text(&s)),
                ];
                for (form, text) in forms {
                    for line in text.lines() {
                        // Markdown's own syntax: a table rule, list markers, a table row's bars.
                        let line = line.trim_start_matches(['-', '#', '>', ' ']);
                        let line = line.replace(" | ", "\n");
                        for part in line.lines() {
                            let part = part.trim_matches(['|', ' ']);
                            assert!(
                                !empty_slot.is_match(part),
                                "{} ({language}, {form}, source {source:?}): an empty slot in {part:?}",
                                e.name
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn the_source_names_the_specialty_in_plain_words_and_the_institution_as_sent() {
    let e = &examples()[0];
    let s = summary(e, "en");
    let source = s.source.as_ref().expect("a source");
    assert_eq!(
        source.sentence,
        "This second opinion came from doctors who treat cancer with medicines at Tata Memorial Centre."
    );
    assert_eq!(source.specialty.as_deref(), Some("Medical Oncology"));
    assert!(
        to_markdown(&s).contains("Second opinion: Medical Oncology, Tata Memorial Centre."),
        "the oncologist's line"
    );
    let es = summary(e, "es");
    assert_eq!(
        es.source.expect("a source").sentence,
        "Esta segunda opinión es de médicos que tratan el cáncer con medicinas de Tata Memorial Centre."
    );
    // A specialty outside the table stays out of the patient's sentence, and a blank one too.
    for specialty in ["psycho-oncology", " "] {
        let s = build(&SummaryRequest {
            source: Some(OpinionSource {
                institution: Some(" Hospital Clínic ".into()),
                specialty: Some(specialty.into()),
            }),
            ..request(e, "en")
        })
        .expect("summary");
        assert_eq!(
            s.source.expect("a source").sentence,
            "This second opinion came from doctors at Hospital Clínic."
        );
    }
    // Accents and case are ignored where a partner writes the specialty in Spanish.
    let s = build(&SummaryRequest {
        source: Some(OpinionSource {
            institution: None,
            specialty: Some("Oncología Radioterápica".into()),
        }),
        ..request(e, "en")
    })
    .expect("summary");
    assert_eq!(
        s.source.expect("a source").sentence,
        "This second opinion came from doctors who treat cancer with radiation."
    );
}
