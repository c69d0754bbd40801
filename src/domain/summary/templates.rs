//! The summary's wording, one TOML file per language under `data/summary/`, embedded and
//! parsed once. The code asks for a text by a dotted key and fills its `{placeholders}`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The languages a summary can be written in. To add one, add `data/summary/<code>.toml`
/// (same keys as `en.toml`) and one line here.
const LANGUAGES: &[(&str, &str)] = &[
    ("en", include_str!("../../../data/summary/en.toml")),
    ("es", include_str!("../../../data/summary/es.toml")),
];

/// A template entry: one text, or a list of texts (question pools, tips, month names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Entry {
    Text(String),
    List(Vec<String>),
}

/// One language's templates, flattened to dotted keys (`finding.grade.different`).
#[derive(Debug)]
pub(super) struct Templates {
    pub code: &'static str,
    entries: BTreeMap<String, Entry>,
}

static ALL: LazyLock<Vec<Templates>> = LazyLock::new(|| {
    LANGUAGES
        .iter()
        .map(|(code, text)| {
            Templates::parse(code, text).unwrap_or_else(|e| panic!("data/summary/{code}.toml: {e}"))
        })
        .collect()
});

/// The codes of the languages with templates, in registration order.
pub(super) fn codes() -> Vec<&'static str> {
    LANGUAGES.iter().map(|(code, _)| *code).collect()
}

/// The templates of a language code (exact, case-insensitive), if it has any.
pub(super) fn for_language(code: &str) -> Option<&'static Templates> {
    let code = code.trim();
    ALL.iter().find(|t| t.code.eq_ignore_ascii_case(code))
}

impl Templates {
    pub(super) fn parse(code: &'static str, text: &str) -> Result<Templates, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut entries = BTreeMap::new();
        flatten("", &table, &mut entries)?;
        match entries.get("language") {
            Some(Entry::Text(declared)) if declared == code => {}
            other => return Err(format!("declares language {other:?}, expected {code}")),
        }
        Ok(Templates { code, entries })
    }

    /// Every key, for the test that all languages carry the same ones.
    #[cfg(test)]
    pub(super) fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    #[cfg(test)]
    pub(super) fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The text under `key`. A missing key shows as `{key}` so that the tests, which reject
    /// any brace in the output, catch it; it never panics on a request.
    pub(super) fn text(&self, key: &str) -> String {
        match self.entries.get(key) {
            Some(Entry::Text(text)) => text.clone(),
            _ => format!("{{{key}}}"),
        }
    }

    /// The text of the first key that exists, most specific first.
    pub(super) fn first(&self, keys: &[String]) -> String {
        keys.iter()
            .find(|k| matches!(self.entries.get(k.as_str()), Some(Entry::Text(_))))
            .map(|k| self.text(k))
            .unwrap_or_else(|| format!("{{{}}}", keys.last().map(String::as_str).unwrap_or("")))
    }

    /// (rest of the key, text) of every text under a prefix such as `glossary.`, in key order.
    pub(super) fn entries_under(&self, prefix: &str) -> Vec<(String, String)> {
        self.entries
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter_map(|(k, v)| match v {
                Entry::Text(text) => Some((k[prefix.len()..].to_string(), text.clone())),
                Entry::List(_) => None,
            })
            .collect()
    }

    pub(super) fn has_list(&self, key: &str) -> bool {
        matches!(self.entries.get(key), Some(Entry::List(_)))
    }

    pub(super) fn list(&self, key: &str) -> Vec<String> {
        match self.entries.get(key) {
            Some(Entry::List(items)) => items.clone(),
            _ => vec![format!("{{{key}}}")],
        }
    }

    /// `text(key)` with its placeholders filled.
    pub(super) fn fill(&self, key: &str, vars: &[(&str, &str)]) -> String {
        fill(&self.text(key), vars)
    }

    /// The text under `key` when it exists, else `fallback` (for open-ended value words such
    /// as biomarker results, which are shown as written when no translation is listed).
    pub(super) fn text_or(&self, key: &str, fallback: &str) -> String {
        match self.entries.get(key) {
            Some(Entry::Text(text)) => text.clone(),
            _ => fallback.to_string(),
        }
    }

    /// "a", "a and b", "a, b and c" in this language.
    pub(super) fn join(&self, items: &[String]) -> String {
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!(
                "{} {} {last}",
                rest.join(&self.text("words.separator")),
                self.text("words.and")
            ),
        }
    }
}

/// Fills `{name}` placeholders; unknown ones stay as they are (and fail the brace tests).
pub(super) fn fill(pattern: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        match vars.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[start..start + end + 2]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, Entry>,
) -> Result<(), String> {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(text) => {
                out.insert(path, Entry::Text(text.clone()));
            }
            toml::Value::Array(items) => {
                let texts = items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("{path}: a list must hold only texts"))?;
                out.insert(path, Entry::List(texts));
            }
            toml::Value::Table(inner) => flatten(&path, inner, out)?,
            _ => return Err(format!("{path}: only texts, lists and tables are allowed")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_placeholders_and_keeps_unknown_ones() {
        assert_eq!(fill("{a} and {b}", &[("a", "x"), ("b", "y")]), "x and y");
        assert_eq!(fill("{a} {zz}", &[("a", "x")]), "x {zz}");
        assert_eq!(fill("no braces", &[]), "no braces");
        assert_eq!(fill("open { only", &[]), "open { only");
    }

    /// Country names are an open list: a language names the countries it wants in its own
    /// words, and the others fall back to the English short name.
    fn comparable(key: &&str) -> bool {
        !key.starts_with("country.")
    }

    #[test]
    fn every_language_parses_and_has_the_same_keys_as_english() {
        let english: Vec<&str> = for_language("en")
            .expect("en")
            .keys()
            .filter(comparable)
            .collect();
        for code in codes() {
            let templates = for_language(code).expect("registered");
            let keys: Vec<&str> = templates.keys().filter(comparable).collect();
            let missing: Vec<_> = english.iter().filter(|k| !keys.contains(k)).collect();
            let extra: Vec<_> = keys.iter().filter(|k| !english.contains(k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{code}: missing {missing:?}, extra {extra:?}"
            );
        }
    }

    #[test]
    fn placeholders_in_a_text_are_the_same_in_every_language() {
        let names = |text: &str| -> Vec<String> {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            names.sort();
            names.dedup();
            names
        };
        let english = for_language("en").expect("en");
        for code in codes() {
            let templates = for_language(code).expect("registered");
            for key in english.keys() {
                if let (Some(Entry::Text(a)), Some(Entry::Text(b))) =
                    (english.entries.get(key), templates.entries.get(key))
                {
                    assert_eq!(names(a), names(b), "{code}: placeholders of {key}");
                }
            }
        }
    }

    #[test]
    fn language_codes_match_case_insensitively_and_only_exactly() {
        assert_eq!(for_language("EN").map(|t| t.code), Some("en"));
        assert_eq!(for_language(" es ").map(|t| t.code), Some("es"));
        assert!(for_language("fr").is_none());
        assert!(for_language("en-x").is_none());
    }
}
