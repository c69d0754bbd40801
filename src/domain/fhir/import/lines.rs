//! Lines of systemic therapy from drug orders: by RequestGroup (its `code` is the regimen),
//! then by `groupIdentifier`, then one line for the rest (reported).

use super::Ctx;
use super::plan::{actions, group_role};
use super::treatment::Named;
use crate::domain::fhir::model::RequestGroup;
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::{Plan, SystemicTherapy};

/// Drug orders into lines: by RequestGroup, then by groupIdentifier, then one line for the rest.
pub fn lines(cx: &mut Ctx, plan: &mut Plan, orders: Vec<(usize, Named, Option<String>)>) {
    let mut lines: Vec<SystemicTherapy> = Vec::new();
    let mut placed = vec![false; orders.len()];
    for g in cx.of_kind("RequestGroup") {
        let Some(group) = cx.read::<RequestGroup>(g, true) else {
            continue;
        };
        cx.mark(g);
        if !group_role(cx, group.status.as_deref(), group.intent.as_deref()) {
            cx.note_at(
                g,
                "status",
                Note::new(
                    EntryKind::SkippedEntry,
                    false,
                    "A RequestGroup that is not a current plan (status or intent) is not read.",
                )
                .element("plan.systemic_therapy"),
            );
            continue;
        }
        let mut references = Vec::new();
        actions(&group.action, &mut references);
        let members: Vec<usize> = references
            .iter()
            .filter_map(|r| cx.doc.resolve(r))
            .collect();
        let mut line = SystemicTherapy {
            regimen: group
                .code
                .as_ref()
                .and_then(|c| c.words())
                .map(|w| w.trim().to_string()),
            drugs: None,
            ..SystemicTherapy::default()
        };
        for (o, (i, drug, _)) in orders.iter().enumerate() {
            if placed[o] || !members.contains(i) {
                continue;
            }
            placed[o] = true;
            add(&mut line, drug);
        }
        if line.regimen.is_some() || line.drugs.is_some() {
            lines.push(line);
        }
    }
    let mut grouped: Vec<(String, SystemicTherapy)> = Vec::new();
    let mut rest = SystemicTherapy::default();
    let mut rest_count = 0;
    for (o, (_, drug, group)) in orders.iter().enumerate() {
        if placed[o] {
            continue;
        }
        match group {
            Some(token) => match grouped.iter_mut().find(|(t, _)| t == token) {
                Some((_, line)) => add(line, drug),
                None => {
                    let mut line = SystemicTherapy::default();
                    add(&mut line, drug);
                    grouped.push((token.clone(), line));
                }
            },
            None => {
                rest_count += 1;
                add(&mut rest, drug);
            }
        }
    }
    lines.extend(grouped.into_iter().map(|(_, l)| l));
    if rest_count > 0 {
        if rest_count > 1 {
            cx.note(
                Note::new(
                    EntryKind::MatchedByName,
                    false,
                    format!("{rest_count} drug orders without a RequestGroup or groupIdentifier are read as one line of systemic therapy."),
                )
                .element("plan.systemic_therapy"),
            );
        }
        lines.push(rest);
    }
    if !lines.is_empty() {
        plan.systemic_therapy = Some(lines);
    }
}

fn add(line: &mut SystemicTherapy, drug: &Named) {
    match drug {
        Named::Drug(name) => line.drugs.get_or_insert_with(Vec::new).push(name.clone()),
        Named::Regimen(name) if line.regimen.is_none() => line.regimen = Some(name.clone()),
        Named::Regimen(name) => line.drugs.get_or_insert_with(Vec::new).push(name.clone()),
        _ => {}
    }
}
