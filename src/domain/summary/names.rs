//! Names of the coded and vocabulary values a patient reads (`data/summary/names/*.toml`):
//! ICD-O-3 topography and morphology, operations and tests. Each entry has a plain name per
//! summary language and, for codes, the formal name the oncologist's table shows next to the
//! code. A code outside the tables has no name: the summary says so in plain words and the
//! build reports the code (`BuildNotes`), so that the service can count it.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use serde::Deserialize;

use crate::domain::codes::{Morphology, Site, parse_site};
use crate::domain::vocabulary::{Vocabulary, fold};

const TOPOGRAPHY: &str = include_str!("../../../data/summary/names/topography.toml");
const MORPHOLOGY: &str = include_str!("../../../data/summary/names/morphology.toml");
const PROCEDURES: &str = include_str!("../../../data/summary/names/procedures.toml");
const INVESTIGATIONS: &str = include_str!("../../../data/summary/names/investigations.toml");
const SPECIALTIES: &str = include_str!("../../../data/summary/names/specialties.toml");

/// One entry: `formal` (codes only), a plain name per language code, and optionally
/// `<language>_means`, one sentence on what a cell type means.
type Entry = BTreeMap<String, String>;

#[derive(Debug)]
pub(super) struct Names {
    categories: BTreeMap<String, Entry>,
    subsites: BTreeMap<String, Entry>,
    codes: BTreeMap<String, Entry>,
    families: BTreeMap<String, Entry>,
    /// By canonical procedure name, as the vocabulary spells it.
    procedures: BTreeMap<String, Entry>,
    /// Procedure names the vocabulary does not resolve, by folded name.
    as_written: HashMap<String, Entry>,
    /// By folded name.
    investigations: HashMap<String, Entry>,
    /// Reviewers' specialties, by every folded way of writing one.
    specialties: HashMap<String, Entry>,
}

/// A named value: the patient's words in one language, the formal name, and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Named<'a> {
    pub plain: &'a str,
    pub formal: Option<&'a str>,
    pub means: Option<&'a str>,
}

static NAMES: LazyLock<Names> =
    LazyLock::new(|| Names::parse().unwrap_or_else(|e| panic!("data/summary/names: {e}")));

pub(super) fn names() -> &'static Names {
    &NAMES
}

impl Names {
    fn parse() -> Result<Names, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct TopographyFile {
            category: BTreeMap<String, Entry>,
            subsite: BTreeMap<String, Entry>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct MorphologyFile {
            family: BTreeMap<String, Entry>,
            code: BTreeMap<String, Entry>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ProceduresFile {
            procedure: BTreeMap<String, Entry>,
            as_written: BTreeMap<String, Entry>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct InvestigationsFile {
            investigation: BTreeMap<String, Entry>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct SpecialtiesFile {
            specialty: BTreeMap<String, Specialty>,
        }
        #[derive(Deserialize)]
        struct Specialty {
            also: Vec<String>,
            #[serde(flatten)]
            entry: Entry,
        }
        fn load<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<T, String> {
            toml::from_str(text).map_err(|e| format!("{name}: {e}"))
        }
        let topography = load::<TopographyFile>("topography.toml", TOPOGRAPHY)?;
        let morphology = load::<MorphologyFile>("morphology.toml", MORPHOLOGY)?;
        let procedures = load::<ProceduresFile>("procedures.toml", PROCEDURES)?;
        let investigations =
            load::<InvestigationsFile>("investigations.toml", INVESTIGATIONS)?.investigation;
        let mut specialties = HashMap::new();
        for (name, specialty) in load::<SpecialtiesFile>("specialties.toml", SPECIALTIES)?.specialty
        {
            for written in specialty.also.iter().chain([&name]) {
                if specialties
                    .insert(unaccented(written), specialty.entry.clone())
                    .is_some()
                {
                    return Err(format!("specialties.toml: '{written}' is listed twice"));
                }
            }
        }
        Ok(Names {
            categories: topography.category,
            subsites: topography.subsite,
            codes: morphology.code,
            families: morphology.family,
            procedures: procedures.procedure,
            as_written: folded(procedures.as_written),
            investigations: folded(investigations),
            specialties,
        })
    }

    /// The named primary site (`C34.1`, `C34`, or an ICD-10 code the vocabulary maps): its
    /// subsite when the table names it, else its category. `None` outside the tables.
    pub fn site(&self, code: &str, language: &str) -> Option<Named<'_>> {
        let vocabulary = Vocabulary::standard();
        let site = parse_site(code.trim(), &|c| vocabulary.icd10_topography(c));
        let Site::Topography { category, subsite } = site else {
            return None;
        };
        let subsite = subsite.and_then(|s| self.subsites.get(&format!("{category}.{s}")));
        subsite
            .or_else(|| self.categories.get(&category))
            .and_then(|entry| named(entry, language))
    }

    /// The named morphology (`8500/3`): the code's own entry, else, for a malignant code, the
    /// narrowest histology family whose ranges hold it. `None` otherwise.
    pub fn morphology(&self, code: &str, language: &str) -> Option<Named<'_>> {
        let morphology = Morphology::parse(code.trim()).ok()?;
        if let Some(entry) = self.codes.get(&morphology.to_string()) {
            let own = named(entry, language)?;
            // A code without its own explanation takes its family's.
            let means = own.means.or_else(|| {
                self.family_of(morphology)
                    .and_then(|e| named(e, language))
                    .and_then(|n| n.means)
            });
            return Some(Named { means, ..own });
        }
        if !matches!(morphology.behaviour, 3 | 6 | 9) {
            return None;
        }
        self.family_of(morphology)
            .and_then(|entry| named(entry, language))
    }

    /// The narrowest vocabulary family (fewest codes in its ranges) that holds the code.
    fn family_of(&self, morphology: Morphology) -> Option<&Entry> {
        let families = &Vocabulary::standard().histology_families;
        families
            .iter()
            .filter(|f| f.contains(morphology.code))
            .min_by_key(|f| f.width())
            .and_then(|f| self.families.get(&f.name))
    }

    /// A procedure's name: a vocabulary procedure by its canonical name (as the engine reports
    /// it), else one of the listed names the vocabulary leaves unresolved, as written.
    pub fn procedure(&self, name: &str, language: &str) -> Option<&str> {
        self.procedures
            .get(name)
            .or_else(|| self.as_written.get(&fold(name)))
            .and_then(|e| e.get(language))
            .map(String::as_str)
    }

    /// A listed investigation, by name as written (case and punctuation ignored).
    pub fn investigation(&self, name: &str, language: &str) -> Option<&str> {
        self.investigations
            .get(&fold(name))
            .and_then(|e| e.get(language))
            .map(String::as_str)
    }

    /// A reviewer's specialty as a partner wrote it, in the patient's words.
    pub fn specialty(&self, written: &str, language: &str) -> Option<&str> {
        self.specialties
            .get(&unaccented(written))
            .and_then(|e| e.get(language))
            .map(String::as_str)
    }

    #[cfg(test)]
    pub fn all_entries(&self) -> Vec<(String, &Entry)> {
        let mut all = Vec::new();
        for (kind, map) in [
            ("category", &self.categories),
            ("subsite", &self.subsites),
            ("code", &self.codes),
            ("family", &self.families),
            ("procedure", &self.procedures),
        ] {
            all.extend(map.iter().map(|(k, e)| (format!("{kind} {k}"), e)));
        }
        for (kind, map) in [
            ("as written", &self.as_written),
            ("investigation", &self.investigations),
            ("specialty", &self.specialties),
        ] {
            all.extend(map.iter().map(|(k, e)| (format!("{kind} {k}"), e)));
        }
        all
    }

    #[cfg(test)]
    pub fn categories(&self) -> impl Iterator<Item = &str> {
        self.categories.keys().map(String::as_str)
    }

    #[cfg(test)]
    pub fn subsites(&self) -> impl Iterator<Item = &str> {
        self.subsites.keys().map(String::as_str)
    }

    #[cfg(test)]
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.codes.keys().map(String::as_str)
    }

    #[cfg(test)]
    pub fn families(&self) -> impl Iterator<Item = &str> {
        self.families.keys().map(String::as_str)
    }

    #[cfg(test)]
    pub fn procedures(&self) -> impl Iterator<Item = &str> {
        self.procedures.keys().map(String::as_str)
    }
}

fn folded(entries: BTreeMap<String, Entry>) -> HashMap<String, Entry> {
    entries
        .into_iter()
        .map(|(name, entry)| (fold(&name), entry))
        .collect()
}

/// `fold`, with the accents of Spanish and Portuguese letters dropped: partners write
/// "Oncología" and "Oncologia" alike.
fn unaccented(text: &str) -> String {
    let bare: String = text
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'Á' | 'À' | 'Â' | 'Ã' => 'a',
            'é' | 'ê' | 'É' | 'Ê' => 'e',
            'í' | 'Í' => 'i',
            'ó' | 'ô' | 'õ' | 'Ó' | 'Ô' | 'Õ' => 'o',
            'ú' | 'ü' | 'Ú' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            other => other,
        })
        .collect();
    fold(&bare)
}

fn named<'a>(entry: &'a Entry, language: &str) -> Option<Named<'a>> {
    Some(Named {
        plain: entry.get(language)?,
        formal: entry.get("formal").map(String::as_str),
        means: entry.get(&format!("{language}_means")).map(String::as_str),
    })
}

/// The codes of a finding value that the tables cannot name, for `BuildNotes`.
pub(super) fn unnamed_codes(
    dimension: crate::domain::discordance::Dimension,
    value: &serde_json::Value,
    language: &str,
) -> Vec<String> {
    use crate::domain::discordance::Dimension;
    let code = value.get("code").and_then(serde_json::Value::as_str);
    let Some(code) = code else {
        return Vec::new();
    };
    let known = match dimension {
        Dimension::PrimarySite => names().site(code, language).is_some(),
        Dimension::Histology => names().morphology(code, language).is_some(),
        _ => true,
    };
    if known {
        Vec::new()
    } else {
        vec![code.to_string()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::summary::supported_languages;

    #[test]
    fn every_entry_has_every_language_and_codes_have_a_formal_name() {
        let n = names();
        for (key, entry) in n.all_entries() {
            for language in supported_languages() {
                let plain = entry.get(language).map(String::as_str).unwrap_or_default();
                assert!(!plain.trim().is_empty(), "{key}: no {language} name");
                assert!(
                    !plain.ends_with('.'),
                    "{key}: {language} is a phrase, not a sentence"
                );
                if let Some(means) = entry.get(&format!("{language}_means")) {
                    assert!(
                        means.ends_with('.'),
                        "{key}: {language}_means is a sentence"
                    );
                }
            }
            let is_code = ["category", "subsite", "code", "family"]
                .iter()
                .any(|kind| key.starts_with(kind));
            assert_eq!(entry.contains_key("formal"), is_code, "{key}: formal name");
            for field in entry.keys() {
                let language = field.strip_suffix("_means").unwrap_or(field);
                assert!(
                    field == "formal" || supported_languages().contains(&language),
                    "{key}: unknown field {field}"
                );
            }
        }
    }

    #[test]
    fn every_topography_category_the_engine_accepts_is_named() {
        let n = names();
        let named: Vec<&str> = n.categories().collect();
        let mut unnamed = Vec::new();
        for number in 0..=80u8 {
            let code = format!("C{number:02}");
            let accepted = matches!(parse_site(&code, &|_| None), Site::Topography { .. });
            match (accepted, named.contains(&code.as_str())) {
                (true, false) => unnamed.push(code),
                (false, true) => panic!("{code} is named but the engine does not accept it"),
                _ => {}
            }
        }
        // In neither ICD-O-3 nor ICD-10: they stay unnamed on purpose (see the file's header).
        assert_eq!(unnamed, ["C27", "C28", "C29"]);
        for subsite in n.subsites() {
            let category = &subsite[..3];
            assert!(named.contains(&category), "{subsite} without its category");
        }
        // The parts patients are told about.
        for code in [
            "C34.1", "C34.2", "C34.3", "C50.0", "C50.2", "C50.3", "C50.4", "C50.5", "C18.2",
            "C18.7", "C21.1", "C16.0", "C16.3", "C15.5", "C25.0", "C25.2", "C54.1", "C32.0",
            "C10.2", "C71.1", "C71.4",
        ] {
            assert!(n.subsites().any(|s| s == code), "{code} not named");
        }
    }

    #[test]
    fn every_histology_family_and_its_code_is_named() {
        let n = names();
        let families: Vec<&str> = n.families().collect();
        let codes: Vec<&str> = n.codes().collect();
        for family in &Vocabulary::standard().histology_families {
            assert!(
                families.contains(&family.name.as_str()),
                "family {}",
                family.name
            );
            let nos = format!("{:04}/3", family.nos);
            assert!(codes.contains(&nos.as_str()), "NOS code {nos}");
        }
        assert_eq!(
            families.len(),
            Vocabulary::standard().histology_families.len()
        );
        for code in &codes {
            assert!(
                Morphology::parse(code).is_ok(),
                "{code} is not a morphology code"
            );
        }
    }

    #[test]
    fn every_vocabulary_procedure_is_named_and_nothing_else() {
        let n = names();
        let vocabulary: Vec<&str> = Vocabulary::standard()
            .procedures()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        let named: Vec<&str> = n.procedures().collect();
        let missing: Vec<_> = vocabulary.iter().filter(|p| !named.contains(p)).collect();
        let extra: Vec<_> = named.iter().filter(|p| !vocabulary.contains(p)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "missing {missing:?}, extra {extra:?}"
        );
        for name in n.as_written.keys() {
            assert!(
                Vocabulary::standard().procedure(name).is_none(),
                "{name} is a vocabulary procedure: name it under [procedure]"
            );
        }
    }

    #[test]
    fn sites_name_their_subsite_or_category() {
        let n = names();
        let plain = |code: &str, l: &str| n.site(code, l).map(|s| s.plain.to_string());
        assert_eq!(
            plain("C34.1", "en").as_deref(),
            Some("the upper lobe of the lung")
        );
        assert_eq!(plain("C341", "en"), plain("C34.1", "en"));
        assert_eq!(plain("C34.9", "en").as_deref(), Some("the lung"));
        assert_eq!(plain("C34", "es").as_deref(), Some("el pulmón"));
        assert_eq!(plain("C61.9", "es").as_deref(), Some("la próstata"));
        // ICD-10 codes the vocabulary maps to topography.
        assert_eq!(plain("D05.1", "en").as_deref(), Some("the breast"));
        assert_eq!(
            n.site("C50.4", "en").and_then(|s| s.formal),
            Some("Upper-outer quadrant of breast")
        );
        assert_eq!(plain("C28.1", "en"), None);
        assert_eq!(plain("C83.3", "en"), None);
        assert_eq!(plain("not a code", "en"), None);
    }

    #[test]
    fn morphology_names_the_code_or_its_narrowest_family() {
        let n = names();
        let m = |code: &str| n.morphology(code, "en");
        let dcis = m("8500/2").expect("8500/2");
        assert_eq!(
            dcis.formal,
            Some("Intraductal carcinoma, noninfiltrating, NOS")
        );
        // 8551/3 has no entry: adenocarcinoma (8140-8389, 8440-8579) is narrower than
        // carcinoma and than every code.
        assert_eq!(
            m("8551/3").map(|n| n.plain),
            Some("a cancer of gland cells")
        );
        assert_eq!(
            m("8551/3").and_then(|n| n.formal),
            Some("Adenocarcinoma, NOS")
        );
        // A code's own entry takes its family's explanation when it has none.
        assert_eq!(
            m("8890/3").and_then(|n| n.means),
            Some("Smooth muscle is the muscle in the walls of organs and blood vessels.")
        );
        assert_eq!(
            m("9699/3").and_then(|n| n.means),
            Some("Lymphoma starts in white blood cells that fight germs.")
        );
        // Benign or uncertain codes without an entry, and codes outside every range, are
        // not guessed.
        assert_eq!(m("8551/0"), None);
        assert_eq!(m("8551/1"), None);
        assert_eq!(m("1234/3"), None);
        assert_eq!(m("8140"), None);
        assert!(n.morphology("9421/1", "es").is_some());
    }

    #[test]
    fn procedures_and_investigations_in_both_languages() {
        let n = names();
        assert_eq!(
            n.procedure("lobectomy of lung", "es"),
            Some("lobectomía (se quita un lóbulo del pulmón)")
        );
        assert_eq!(n.procedure("lobectomy", "es"), None, "canonical names only");
        assert!(n.investigation("Germline BRCA-testing", "es").is_some());
        assert_eq!(n.investigation("a test nobody lists", "en"), None);
    }
}
