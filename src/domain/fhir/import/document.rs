//! A partner's document Bundle (`fhir.md` 9.5): `Bundle.identifier` and `timestamp`, the
//! Composition first, a consult note (LOINC 11488-4). Status `preliminary` is refused,
//! `entered-in-error` withdraws an opinion, `amended` (or `relatesTo replaces`) supersedes one.
//! The reviewer is the legal attester, else the author; the narrative is the section texts.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::Ctx;
use super::narrative::plain_text;
use crate::domain::fhir::codes::{CONSULT_NOTE, LOINC};
use crate::domain::fhir::model::{
    Composition, Identifier, Organization, Practitioner, PractitionerRole, Reference, Section,
};
use crate::domain::fhir::outcome::FhirError;
use crate::domain::fhir::report::{EntryKind, Note};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    Final,
    /// An amended version of an earlier document: it supersedes that opinion.
    Amended,
}

/// Who wrote the opinion, as the JSON route's `reviewer` (name, specialty, institution).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Reviewer {
    pub name: Option<String>,
    pub specialty: Option<String>,
    pub institution: Option<String>,
}

/// Everything about the opinion that is not its picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OpinionDocument {
    /// `Bundle.identifier` as `system|value`: the opinion's `external_id`.
    pub external_id: String,
    /// `Composition.identifier` (the same for every version of the document), `system|value`.
    pub composition_identifier: Option<String>,
    /// The identifier of the opinion this one replaces (`relatesTo replaces`, else for an
    /// amended document its own `composition_identifier`).
    pub supersedes: Option<String>,
    pub status: DocumentStatus,
    /// `Bundle.timestamp` as sent.
    pub timestamp: String,
    pub title: Option<String>,
    pub reviewer: Option<Reviewer>,
    /// The section texts in order, as plain text (section titles on their own line).
    pub narrative: Option<String>,
}

fn shape(expression: &str, detail: &str) -> FhirError {
    FhirError::DocumentShape {
        expression: expression.into(),
        detail: detail.into(),
    }
}

pub fn read(cx: &mut Ctx, root: &Value) -> Result<OpinionDocument, FhirError> {
    let external_id = root
        .get("identifier")
        .and_then(|v| Identifier::deserialize(v).ok())
        .and_then(|i| i.token())
        .ok_or_else(|| {
            shape(
                "Bundle.identifier",
                "no Bundle.identifier (it becomes the opinion's external_id)",
            )
        })?;
    let timestamp = root
        .get("timestamp")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| shape("Bundle.timestamp", "no Bundle.timestamp"))?;
    let first = cx
        .doc
        .items
        .first()
        .filter(|i| i.index == Some(0) && i.kind == "Composition");
    if first.is_none() {
        return Err(shape(
            "Bundle.entry[0]",
            "the first entry must be the Composition",
        ));
    }
    let composition: Composition = cx.item(0).read().map_err(|e| {
        shape(
            "Bundle.entry[0].resource",
            &format!("the Composition cannot be read ({e})"),
        )
    })?;
    cx.mark(0);
    let consult = composition
        .kind
        .as_ref()
        .is_some_and(|k| k.has(LOINC, CONSULT_NOTE));
    if !consult {
        return Err(shape(
            "Bundle.entry[0].resource.type",
            "the Composition is not a consult note (LOINC 11488-4)",
        ));
    }
    let composition_identifier = composition.identifier.as_ref().and_then(Identifier::token);
    let status = match composition.status.as_deref() {
        Some("final") => DocumentStatus::Final,
        Some("amended") => DocumentStatus::Amended,
        Some("preliminary") => return Err(FhirError::PreliminaryDocument),
        Some("entered-in-error") => {
            return Err(FhirError::EnteredInError {
                external_id: Some(external_id),
                composition_identifier,
            });
        }
        other => {
            return Err(shape(
                "Bundle.entry[0].resource.status",
                &format!(
                    "status '{}' is not final, amended, preliminary or entered-in-error",
                    other.unwrap_or("none")
                ),
            ));
        }
    };
    let mut supersedes = None;
    for (r, relation) in composition.relates_to.iter().enumerate() {
        if relation.code.as_deref() != Some("replaces") {
            continue;
        }
        let target = relation
            .target_identifier
            .as_ref()
            .and_then(Identifier::token)
            .or_else(|| {
                let reference = relation.target_reference.as_ref()?;
                let item = cx.doc.resolve_kind(reference, "Composition")?;
                item.read::<Composition>()
                    .ok()?
                    .identifier
                    .as_ref()
                    .and_then(Identifier::token)
            });
        match target {
            Some(t) => supersedes = Some(t),
            None => cx.note_at(
                0,
                &format!("relatesTo[{r}]"),
                Note::new(EntryKind::UnresolvedReference, false, "The document it replaces is named by neither an identifier nor a Composition in the Bundle."),
            ),
        }
    }
    if supersedes.is_none() && status == DocumentStatus::Amended {
        supersedes = composition_identifier.clone();
    }
    let party = composition
        .attester
        .iter()
        .find(|a| a.mode.as_deref() == Some("legal"))
        .and_then(|a| a.party.clone())
        .or_else(|| composition.author.first().cloned());
    let reviewer = party.map(|p| reviewer(cx, &p));
    if reviewer.as_ref().is_none_or(|r| r.name.is_none()) {
        cx.note_at(
            0,
            "attester",
            Note::new(
                EntryKind::Unmapped,
                false,
                "The document names no reviewer (legal attester or author) with a name.",
            ),
        );
    }
    let mut texts = Vec::new();
    sections(cx, &composition.section, "section", &mut texts);
    Ok(OpinionDocument {
        external_id,
        composition_identifier,
        supersedes,
        status,
        timestamp,
        title: composition.title.clone(),
        reviewer,
        narrative: (!texts.is_empty()).then(|| texts.join("\n\n")),
    })
}

fn sections(cx: &mut Ctx, list: &[Section], at: &str, texts: &mut Vec<String>) {
    for (s, section) in list.iter().enumerate() {
        let here = format!("{at}[{s}]");
        let mut text = String::new();
        if let Some(title) = section.title.as_deref().filter(|t| !t.trim().is_empty()) {
            text.push_str(title.trim());
        }
        if let Some(div) = section.text.as_ref().and_then(|n| n.div.as_deref()) {
            match plain_text(div) {
                Ok(body) if !body.is_empty() => {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(&body);
                }
                Ok(_) => {}
                Err(error) => cx.note_at(
                    0,
                    &format!("{here}.text.div"),
                    Note::new(EntryKind::Unreadable, false, format!("This section's narrative is not well-formed XHTML ({error}): left out of the narrative.")),
                ),
            }
        }
        if !text.is_empty() {
            texts.push(text);
        }
        sections(cx, &section.section, &format!("{here}.section"), texts);
    }
}

fn name_of(cx: &Ctx, reference: &Reference) -> Option<String> {
    cx.doc
        .resolve_kind(reference, "Practitioner")
        .and_then(|i| i.read::<Practitioner>().ok())
        .and_then(|p| p.name.iter().find_map(|n| n.written()))
        .or_else(|| reference.display.clone())
}

fn reviewer(cx: &Ctx, party: &Reference) -> Reviewer {
    if let Some(role) = cx
        .doc
        .resolve_kind(party, "PractitionerRole")
        .and_then(|i| i.read::<PractitionerRole>().ok())
    {
        return Reviewer {
            name: role.practitioner.as_ref().and_then(|p| name_of(cx, p)),
            specialty: role
                .specialty
                .iter()
                .find_map(|s| s.words().map(str::to_string)),
            institution: role.organization.as_ref().and_then(|o| institution(cx, o)),
        };
    }
    if let Some(name) = institution_only(cx, party) {
        return Reviewer {
            institution: Some(name),
            ..Reviewer::default()
        };
    }
    Reviewer {
        name: name_of(cx, party),
        ..Reviewer::default()
    }
}

fn institution(cx: &Ctx, reference: &Reference) -> Option<String> {
    institution_only(cx, reference).or_else(|| reference.display.clone())
}

fn institution_only(cx: &Ctx, reference: &Reference) -> Option<String> {
    cx.doc
        .resolve_kind(reference, "Organization")
        .and_then(|i| i.read::<Organization>().ok())
        .and_then(|o| o.name)
}
