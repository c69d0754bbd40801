//! The plan: plan items (requests with intent plan, order, original-order or proposal and
//! status draft, active or on-hold; procedures in preparation; CarePlan activities), never
//! history (statements, administrations, completed or stopped procedures, delivered courses,
//! orders that ended or are stale). In a partner's document only proposals are the
//! recommendation. Drug orders form lines by RequestGroup, then groupIdentifier.

use chrono::{DateTime, Utc};

use super::treatment::{self, Named};
use super::{Ctx, STALE_AFTER_DAYS, Use, days_before};
use super::{lines, trials};
use crate::domain::fhir::codes::{EXT_INTENT, EXT_INTENT_STU1, SNOMED};
use crate::domain::fhir::model::{
    CarePlan, GroupAction, Medication, Request, ResearchSubject, extensions,
};
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::{CellularTherapy, Intent, Investigation, Plan, Surgery, Transplant};

/// Whether an item is in the plan.
#[derive(Debug, Clone, PartialEq)]
enum Role {
    Plan,
    History(String, bool),
    Skip(String),
    NotProposal(String),
    DoNotPerform,
}

const PLAN_INTENTS: [&str; 4] = ["plan", "order", "original-order", "proposal"];
const PLAN_STATUSES: [&str; 3] = ["draft", "active", "on-hold"];

fn ended_or_stale(now: DateTime<Utc>, request: &Request) -> Option<(String, bool)> {
    let periods = request
        .dosage_instruction
        .iter()
        .filter_map(|d| d.timing.as_ref()?.repeat.as_ref()?.bounds_period.as_ref())
        .chain(request.occurrence_period.as_ref());
    let mut starts: Vec<&str> = Vec::new();
    for period in periods {
        if let Some(end) = period.end.as_deref()
            && days_before(now, end).is_some_and(|d| d > 0)
        {
            return Some((format!("it ended on {end}"), false));
        }
        starts.extend(period.start.as_deref());
    }
    let started = request
        .authored_on
        .as_deref()
        .into_iter()
        .chain(request.occurrence_date_time.as_deref())
        .chain(starts)
        .max()?;
    days_before(now, started)
        .filter(|d| *d > STALE_AFTER_DAYS)
        .map(|_| {
            (
                format!("it was written or started on {}, more than {STALE_AFTER_DAYS} days ago, with no end still ahead", &started[..10.min(started.len())]),
                true,
            )
        })
}

fn role(cx: &Ctx, kind: &str, request: &Request) -> Role {
    let status = request.status.as_deref().unwrap_or("unknown");
    match kind {
        "MedicationStatement" | "MedicationAdministration" => {
            return Role::History(format!("a {kind} records treatment taken or given"), false);
        }
        "Procedure" => {
            let course = request
                .code
                .as_ref()
                .is_some_and(|c| c.has(SNOMED, crate::domain::fhir::codes::RT_COURSE));
            return match status {
                "preparation" if cx.use_ == Use::Opinion => Role::NotProposal(
                    "a procedure in preparation is the current treatment, not a proposal".into(),
                ),
                "preparation" => Role::Plan,
                "not-done" | "entered-in-error" => {
                    Role::Skip(format!("a procedure marked {status}"))
                }
                _ if course => Role::History(
                    "a radiotherapy course summary records a delivered dose".into(),
                    false,
                ),
                "in-progress" | "on-hold" => {
                    Role::History(format!("a procedure {status} is treatment under way"), true)
                }
                _ => Role::History(format!("a {status} procedure"), false),
            };
        }
        _ => {}
    }
    if request.do_not_perform == Some(true) {
        return Role::DoNotPerform;
    }
    if !PLAN_STATUSES.contains(&status) {
        return match status {
            "completed" | "stopped" => Role::History(format!("a {status} {kind}"), false),
            _ => Role::Skip(format!("a {kind} with status {status}")),
        };
    }
    let intent = request.intent.as_deref().unwrap_or("none");
    if !PLAN_INTENTS.contains(&intent) {
        return Role::Skip(format!("a {kind} with intent {intent} is not a plan item"));
    }
    if cx.use_ == Use::Opinion && intent != "proposal" {
        return Role::NotProposal(format!(
            "an {intent} in a partner's document is the current treatment, not the recommendation"
        ));
    }
    if intent != "proposal"
        && let Some((why, clinical)) = ended_or_stale(cx.now, request)
    {
        return Role::History(format!("this {kind} is history: {why}"), clinical);
    }
    Role::Plan
}

fn note_role(cx: &mut Ctx, i: usize, role: &Role) {
    let note = match role {
        Role::Plan => return,
        Role::History(why, clinical) => Note::new(
            EntryKind::HistoryNotPlan,
            *clinical,
            format!("Treatment history, not the plan: {why}."),
        ),
        Role::Skip(why) => Note::new(EntryKind::SkippedEntry, false, format!("Not read: {why}.")),
        Role::NotProposal(why) => Note::new(
            EntryKind::NotRecommendation,
            true,
            format!("Not the recommendation: {why}."),
        ),
        Role::DoNotPerform => Note::new(
            EntryKind::DoNotPerform,
            false,
            "A request marked doNotPerform is never a plan item.",
        ),
    };
    cx.note_at(i, "status", note.element("plan"));
}

/// What a plan-role CarePlan, RequestGroup or request is, by its status and intent.
pub(super) fn group_role(cx: &Ctx, status: Option<&str>, intent: Option<&str>) -> bool {
    let status_ok = PLAN_STATUSES.contains(&status.unwrap_or("unknown"));
    let intent = intent.unwrap_or("none");
    let intent_ok = match cx.use_ {
        Use::Opinion => intent == "proposal",
        _ => PLAN_INTENTS.contains(&intent),
    };
    status_ok && intent_ok
}

fn intents(
    cx: &mut Ctx,
    i: usize,
    list: &[crate::domain::fhir::model::Extension],
    found: &mut Vec<(Intent, String)>,
) {
    for ext in extensions(list, EXT_INTENT).chain(extensions(list, EXT_INTENT_STU1)) {
        let Some(value) = &ext.value_codeable_concept else {
            continue;
        };
        match value.code_in(SNOMED).and_then(|c| cx.tables.intent(c)) {
            Some(intent) => found.push((intent, cx.item(i).path())),
            None => cx.note_at(
                i,
                "extension",
                Note::new(
                    EntryKind::Unmapped,
                    false,
                    format!(
                        "The intent '{}' is neither curative nor palliative.",
                        value.words().unwrap_or("no text")
                    ),
                )
                .element("plan.intent")
                .code(Some(SNOMED), value.code_in(SNOMED)),
            ),
        }
    }
}

pub(super) fn actions(list: &[GroupAction], out: &mut Vec<crate::domain::fhir::model::Reference>) {
    for action in list {
        out.extend(action.resource.clone());
        actions(&action.action, out);
    }
}

pub fn read(cx: &mut Ctx) -> Option<Plan> {
    let mut plan = Plan::default();
    let mut found_intents: Vec<(Intent, String)> = Vec::new();
    let mut named: Vec<(usize, Named)> = Vec::new();
    let mut drug_orders: Vec<(usize, Named, Option<String>)> = Vec::new();
    let mut study_refs: Vec<usize> = Vec::new();
    for kind in [
        "MedicationRequest",
        "MedicationStatement",
        "MedicationAdministration",
        "ServiceRequest",
        "Procedure",
    ] {
        for i in cx.of_kind(kind) {
            let Some(request) = cx.read::<Request>(i, true) else {
                continue;
            };
            cx.mark(i);
            let role = role(cx, kind, &request);
            if role != Role::Plan {
                note_role(cx, i, &role);
                continue;
            }
            intents(cx, i, &request.extension, &mut found_intents);
            for info in &request.supporting_info {
                if let Some(s) = cx
                    .doc
                    .resolve(info)
                    .filter(|&s| cx.item(s).kind == "ResearchStudy")
                {
                    study_refs.push(s);
                }
            }
            if kind == "MedicationRequest" {
                let concept = if let Some(c) = &request.medication_codeable_concept {
                    Some((c.clone(), "medicationCodeableConcept".to_string()))
                } else if let Some(reference) = &request.medication_reference {
                    match cx.doc.resolve(reference) {
                        Some(m) if cx.item(m).kind == "Medication" => {
                            cx.mark(m);
                            cx.read::<Medication>(m, true)
                                .and_then(|med| med.code)
                                .map(|c| (c, "medicationReference".to_string()))
                        }
                        _ => {
                            cx.note_at(
                                i,
                                "medicationReference",
                                Note::new(
                                    EntryKind::UnresolvedReference,
                                    true,
                                    "The drug is a Medication that is not in the Bundle: left out.",
                                )
                                .element("plan.systemic_therapy"),
                            );
                            None
                        }
                    }
                } else {
                    if request.medication.is_some() {
                        cx.note_at(
                            i,
                            "medication",
                            Note::new(EntryKind::R5Shape, true, "The drug is in the FHIR R5 shape (medication.concept): not read as R4.")
                                .element("plan.systemic_therapy"),
                        );
                    }
                    None
                };
                if let Some((concept, at)) = concept
                    && let Some(drug) = treatment::drug(cx, i, &at, &concept)
                {
                    let group = request.group_identifier.as_ref().and_then(|g| g.token());
                    match drug {
                        Named::Cellular(_) => named.push((i, drug)),
                        _ => drug_orders.push((i, drug, group)),
                    }
                }
            } else if let Some(item) = treatment::service(cx, i, &request) {
                named.push((i, item));
            }
        }
    }
    lines::lines(cx, &mut plan, drug_orders);
    for i in cx.of_kind("CarePlan") {
        let Some(care) = cx.read::<CarePlan>(i, true) else {
            continue;
        };
        cx.mark(i);
        if !group_role(cx, care.status.as_deref(), care.intent.as_deref()) {
            cx.note_at(
                i,
                "status",
                Note::new(
                    EntryKind::SkippedEntry,
                    false,
                    "A CarePlan that is not a current plan (status or intent) is not read.",
                )
                .element("plan"),
            );
            continue;
        }
        intents(cx, i, &care.extension, &mut found_intents);
        for (a, activity) in care.activity.iter().enumerate() {
            if let Some(reference) = &activity.reference
                && cx.doc.resolve(reference).is_none()
            {
                cx.note_at(
                    i,
                    &format!("activity[{a}].reference"),
                    Note::new(
                        EntryKind::UnresolvedReference,
                        true,
                        format!(
                            "The plan names {} which is not in the Bundle.",
                            reference.reference.as_deref().unwrap_or("an item")
                        ),
                    )
                    .element("plan"),
                );
            }
            let Some(detail) = &activity.detail else {
                continue;
            };
            if detail.do_not_perform == Some(true) {
                continue;
            }
            let code = detail.code.clone().unwrap_or_default();
            let request = Request {
                code: Some(code),
                ..Request::default()
            };
            if let Some(item) = treatment::service(cx, i, &request) {
                named.push((i, item));
            }
        }
        for info in &care.supporting_info {
            match cx.doc.resolve(info) {
                Some(s) if cx.item(s).kind == "ResearchStudy" => study_refs.push(s),
                _ => {}
            }
        }
    }
    for i in cx.of_kind("ResearchSubject") {
        let Some(subject) = cx.read::<ResearchSubject>(i, true) else {
            continue;
        };
        cx.mark(i);
        let status = subject.status.as_deref().unwrap_or("unknown");
        if matches!(
            status,
            "ineligible" | "not-registered" | "off-study" | "withdrawn"
        ) {
            cx.note_at(
                i,
                "status",
                Note::new(
                    EntryKind::SkippedEntry,
                    false,
                    format!("A research subject {status}: not a trial in the plan."),
                ),
            );
            continue;
        }
        match subject.study.as_ref().and_then(|s| cx.doc.resolve(s)) {
            Some(s) if cx.item(s).kind == "ResearchStudy" => study_refs.push(s),
            _ => cx.note_at(
                i,
                "study",
                Note::new(
                    EntryKind::UnresolvedReference,
                    true,
                    "The research subject's study is not in the Bundle.",
                )
                .element("plan.clinical_trials"),
            ),
        }
    }
    let mut trials = Vec::new();
    let mut seen = Vec::new();
    for s in study_refs {
        if seen.contains(&s) {
            continue;
        }
        seen.push(s);
        trials.extend(trials::trial(cx, s));
    }
    for i in cx.of_kind("ResearchStudy") {
        if !cx.used[i] {
            cx.mark(i);
            cx.note_at(
                i,
                "",
                Note::new(
                    EntryKind::NotLinked,
                    false,
                    "A study no plan item or research subject names: a search result is not a recommendation.",
                ),
            );
        }
    }
    if !trials.is_empty() {
        plan.clinical_trials = Some(trials);
    }
    assemble(cx, &mut plan, named);
    let distinct: Vec<Intent> = found_intents
        .iter()
        .fold(Vec::new(), |mut acc, (intent, _)| {
            if !acc.contains(intent) {
                acc.push(*intent);
            }
            acc
        });
    match distinct.as_slice() {
        [] => {}
        [one] => plan.intent = Some(*one),
        _ => {
            let listed: Vec<String> = found_intents
                .iter()
                .map(|(i, at)| format!("{i:?} ({at})"))
                .collect();
            cx.note(
                Note::new(
                    EntryKind::Conflict,
                    true,
                    format!(
                        "Plan items give different intents: {}; no intent is read.",
                        listed.join(", ")
                    ),
                )
                .element("plan.intent"),
            );
        }
    }
    (plan != Plan::default()).then_some(plan)
}

/// One value per single-valued modality; a second, different one is a conflict.
fn assemble(cx: &mut Ctx, plan: &mut Plan, named: Vec<(usize, Named)>) {
    fn once<T: PartialEq + Clone + std::fmt::Debug>(
        cx: &mut Ctx,
        slot: &mut Option<T>,
        value: T,
        i: usize,
        element: &str,
    ) {
        match slot {
            None => *slot = Some(value),
            Some(known) if *known == value => {}
            Some(known) => {
                let message = format!(
                    "The plan names a second {element} ({value:?}) besides {known:?}: the first is kept."
                );
                cx.note_at(
                    i,
                    "code",
                    Note::new(EntryKind::Conflict, true, message)
                        .element(&format!("plan.{element}")),
                );
            }
        }
    }
    for (i, item) in named {
        match item {
            Named::Observation => plan.observation = Some(true),
            Named::BestSupportiveCare => plan.best_supportive_care = Some(true),
            Named::Surgery(procedure) => {
                once(cx, &mut plan.surgery, Surgery { procedure }, i, "surgery")
            }
            Named::Radiotherapy(rt) => once(cx, &mut plan.radiotherapy, rt, i, "radiotherapy"),
            Named::Transplant(kind) => once(
                cx,
                &mut plan.transplant,
                Transplant { kind },
                i,
                "transplant",
            ),
            Named::Cellular(product) => once(
                cx,
                &mut plan.cellular_therapy,
                CellularTherapy { product },
                i,
                "cellular_therapy",
            ),
            Named::Investigation(name) => plan
                .recommended_investigations
                .get_or_insert_with(Vec::new)
                .push(Investigation { name }),
            Named::Drug(_) | Named::Regimen(_) => {}
        }
    }
}
