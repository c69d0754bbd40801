//! The last step of an import: the picture must pass the same rules as a JSON picture
//! (`Picture::check`). A value that does not (a stage group outside 0-IV, a malformed trial id,
//! observation together with a treatment) is left out and reported, never sent on.

use serde_json::Value;

use crate::domain::fhir::report::{EntryKind, Note, Report};
use crate::domain::picture::Picture;
use crate::domain::validation::FieldErrors;

/// The part to remove for a field error: the whole array element when the field is required.
fn target(field: &str) -> Vec<String> {
    let parts: Vec<&str> = field.split('.').collect();
    let whole_element = [
        "biomarkers",
        "recommended_investigations",
        "systemic_therapy",
    ];
    for (n, part) in parts.iter().enumerate() {
        let next_is_index = parts.get(n + 1).is_some_and(|p| p.parse::<usize>().is_ok());
        if whole_element.contains(part) && next_is_index {
            // A drug of a line is removed alone; anything else of the element takes the element.
            if *part == "systemic_therapy" && parts.get(n + 2) == Some(&"drugs") {
                return parts.iter().map(|p| p.to_string()).collect();
            }
            if *part == "systemic_therapy" && parts.get(n + 2) == Some(&"regimen") {
                return parts.iter().map(|p| p.to_string()).collect();
            }
            return parts[..n + 2].iter().map(|p| p.to_string()).collect();
        }
        if *part == "clinical_trials" && next_is_index && parts.get(n + 2) == Some(&"registry_id") {
            return parts[..n + 2].iter().map(|p| p.to_string()).collect();
        }
    }
    match field {
        "plan.surgery.procedure" => vec!["plan".into(), "surgery".into()],
        "plan.cellular_therapy.product" => vec!["plan".into(), "cellular_therapy".into()],
        _ => parts.iter().map(|p| p.to_string()).collect(),
    }
}

fn remove(value: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = value;
    for key in parents {
        node = match (node, key.parse::<usize>()) {
            (Value::Array(items), Ok(i)) => match items.get_mut(i) {
                Some(n) => n,
                None => return,
            },
            (Value::Object(map), _) => match map.get_mut(key) {
                Some(n) => n,
                None => return,
            },
            _ => return,
        };
    }
    match (node, last.parse::<usize>()) {
        (Value::Array(items), Ok(i)) if i < items.len() => {
            items.remove(i);
        }
        (Value::Object(map), _) => {
            map.remove(last);
        }
        _ => {}
    }
}

/// Drops empty arrays and objects left behind, bottom up.
fn prune(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                prune(child);
            }
            map.retain(|_, v| match v {
                Value::Array(a) => !a.is_empty(),
                Value::Object(o) => !o.is_empty(),
                _ => true,
            });
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

pub fn strip_invalid(picture: &mut Picture, report: &mut Report) {
    for _ in 0..3 {
        let mut errors = FieldErrors::new();
        picture.check("", &mut errors);
        let mut errors = errors.into_vec();
        if errors.is_empty() {
            break;
        }
        let Ok(mut value) = serde_json::to_value(&*picture) else {
            return;
        };
        // Later array indices first, so earlier ones stay valid.
        errors.sort_by(|a, b| b.field.cmp(&a.field));
        for error in &errors {
            let path = target(&error.field);
            report.push(
                Note::new(
                    if error.field.ends_with("observation")
                        || error.field.ends_with("best_supportive_care")
                    {
                        EntryKind::Conflict
                    } else {
                        EntryKind::Unmapped
                    },
                    true,
                    format!(
                        "The value read for {} {}: left out.",
                        error.field, error.message
                    ),
                )
                .element(&error.field)
                .0,
            );
            remove(&mut value, &path);
        }
        prune(&mut value);
        match serde_json::from_value::<Picture>(value) {
            Ok(repaired) => *picture = repaired,
            Err(_) => {
                *picture = Picture::default();
                return;
            }
        }
    }
    *picture = std::mem::take(picture).normalised();
}
