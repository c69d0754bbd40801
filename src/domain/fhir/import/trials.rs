//! Trials in the plan: only a ResearchStudy a plan item names (`supportingInfo`) or one a
//! ResearchSubject of this patient is in; an NCT id is taken from any identifier value.

use super::Ctx;
use crate::domain::codes::TrialId;
use crate::domain::fhir::codes::{ISO_3166, STUDY_PHASE};
use crate::domain::fhir::model::ResearchStudy;
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::ClinicalTrial;

pub fn trial(cx: &mut Ctx, i: usize) -> Option<ClinicalTrial> {
    let study = cx.read::<ResearchStudy>(i, true)?;
    cx.mark(i);
    let values: Vec<String> = study
        .identifier
        .iter()
        .filter_map(|id| id.value.as_deref().map(|v| v.trim().to_string()))
        .filter(|v| !v.is_empty())
        .collect();
    let nct = values.iter().find_map(|v| {
        let upper = v.to_uppercase();
        let start = upper.find("NCT")?;
        let candidate = upper.get(start..start + 11)?;
        (candidate[3..].chars().all(|c| c.is_ascii_digit())).then(|| candidate.to_string())
    });
    let registry_id = nct
        .or_else(|| {
            values
                .iter()
                .find(|v| TrialId::parse(v).is_ok_and(|t| t.registry.is_some()))
                .cloned()
        })
        .or_else(|| values.first().cloned());
    let Some(registry_id) = registry_id else {
        cx.note_at(
            i,
            "identifier",
            Note::new(
                EntryKind::Unmapped,
                true,
                "A study in the plan with no registry identifier: left out.",
            )
            .element("plan.clinical_trials"),
        );
        return None;
    };
    let phase = study.phase.as_ref().and_then(|p| {
        p.code_in(STUDY_PHASE)
            .and_then(|c| cx.tables.phase_label(c).map(str::to_string))
            .or_else(|| p.text.clone())
    });
    let countries: Vec<String> = study
        .location
        .iter()
        .flat_map(|l| &l.coding)
        .filter(|c| c.system.as_deref() == Some(ISO_3166))
        .filter_map(|c| c.code.clone())
        .filter(|c| c.len() == 2)
        .collect();
    Some(ClinicalTrial {
        required_biomarker: None,
        registry_id,
        title: study.title.clone(),
        target: None,
        phase,
        country: (countries.len() == 1).then(|| countries[0].clone()),
        centre: None,
    })
}
