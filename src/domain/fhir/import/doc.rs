//! The request body as a list of resources with their FHIRPath, and reference resolution by
//! `fullUrl` and by `Type/id` (senders mix absolute fullUrls with relative references, and
//! `urn:uuid:` with both).

use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;

use crate::domain::fhir::model::Reference;

/// One resource of the body: a Bundle entry's resource or the bare resource sent.
#[derive(Debug)]
pub struct Item<'a> {
    /// Entry index in `Bundle.entry`, or `None` for a bare resource.
    pub index: Option<usize>,
    pub kind: &'a str,
    pub id: Option<&'a str>,
    pub full_url: Option<&'a str>,
    pub value: &'a Value,
}

impl Item<'_> {
    /// FHIRPath of the resource: `Bundle.entry[3].resource`, or its type for a bare one.
    pub fn path(&self) -> String {
        match self.index {
            Some(i) => format!("Bundle.entry[{i}].resource"),
            None => self.kind.to_string(),
        }
    }

    /// FHIRPath of an element of the resource.
    pub fn at(&self, element: &str) -> String {
        format!("{}.{element}", self.path())
    }

    /// `Type/id`, else the fullUrl: how a report names the resource.
    pub fn name(&self) -> Option<String> {
        match (self.id, self.full_url) {
            (Some(id), _) => Some(format!("{}/{id}", self.kind)),
            (None, Some(url)) => Some(url.to_string()),
            _ => None,
        }
    }

    pub fn read<T: DeserializeOwned>(&self) -> Result<T, String> {
        T::deserialize(self.value).map_err(|e| e.to_string())
    }
}

/// The resources of a body, indexed for references.
pub struct Doc<'a> {
    pub items: Vec<Item<'a>>,
    keys: HashMap<String, usize>,
}

impl<'a> Doc<'a> {
    pub fn new(items: Vec<Item<'a>>) -> Doc<'a> {
        let mut keys = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(url) = item.full_url {
                keys.entry(url.to_string()).or_insert(i);
            }
            if let Some(id) = item.id {
                keys.entry(format!("{}/{id}", item.kind)).or_insert(i);
            }
        }
        Doc { items, keys }
    }

    /// The item a reference string points to.
    pub fn resolve_str(&self, reference: &str) -> Option<usize> {
        let reference = reference.trim();
        if let Some(&i) = self.keys.get(reference) {
            return Some(i);
        }
        // Versioned references (`Patient/x/_history/2`) and absolute URLs end in Type/id.
        let without_history = reference.split("/_history/").next().unwrap_or(reference);
        if let Some(&i) = self.keys.get(without_history) {
            return Some(i);
        }
        let parts: Vec<&str> = without_history.rsplitn(3, '/').collect();
        if parts.len() >= 2 {
            let key = format!("{}/{}", parts[1], parts[0]);
            return self.keys.get(&key).copied();
        }
        None
    }

    pub fn resolve(&self, reference: &Reference) -> Option<usize> {
        reference
            .reference
            .as_deref()
            .and_then(|r| self.resolve_str(r))
    }

    /// The resolved item, only when it is of `kind`.
    pub fn resolve_kind(&self, reference: &Reference, kind: &str) -> Option<&Item<'a>> {
        self.resolve(reference)
            .map(|i| &self.items[i])
            .filter(|item| item.kind == kind)
    }

    /// `Type/id` of a reference string (or the string itself): a key to compare references
    /// that resolve to nothing in the Bundle.
    pub fn reference_key(reference: &str) -> String {
        let without_history = reference
            .split("/_history/")
            .next()
            .unwrap_or(reference)
            .trim();
        if without_history.starts_with("urn:") {
            return without_history.to_string();
        }
        let parts: Vec<&str> = without_history.rsplitn(3, '/').collect();
        if parts.len() >= 2 {
            format!("{}/{}", parts[1], parts[0])
        } else {
            without_history.to_string()
        }
    }
}
