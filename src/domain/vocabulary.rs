//! The reference data the discordance engine owns (`data/vocabulary/*.toml`): drugs,
//! regimens, procedures, histology families, radiotherapy tables, biomarker aliases. Embedded
//! at compile time, parsed once, looked up case- and punctuation-insensitively.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

/// Bumped by hand only when the meaning of a rule changes without its source changing;
/// the version also hashes the rules' source and every vocabulary file.
const RULES_REVISION: &str = "2026.11";

const DRUGS: &str = include_str!("../../data/vocabulary/drugs.toml");
const REGIMENS: &str = include_str!("../../data/vocabulary/regimens.toml");
const PROCEDURES: &str = include_str!("../../data/vocabulary/procedures.toml");
const HISTOLOGY: &str = include_str!("../../data/vocabulary/histology.toml");
const RADIOTHERAPY: &str = include_str!("../../data/vocabulary/radiotherapy.toml");
const BIOMARKERS: &str = include_str!("../../data/vocabulary/biomarkers.toml");
const TOPOGRAPHY: &str = include_str!("../../data/vocabulary/topography.toml");
const CELLULAR: &str = include_str!("../../data/vocabulary/cellular_products.toml");
/// The rules themselves: a change to any of them changes `ruleset_version`.
const RULE_SOURCES: [&str; 5] = [
    include_str!("discordance/mod.rs"),
    include_str!("discordance/diagnosis.rs"),
    include_str!("discordance/plan.rs"),
    include_str!("discordance/systemic.rs"),
    include_str!("discordance/outcome.rs"),
];

/// Lower case, letters and digits only: `5-FU`, `5 fu` and `5FU` are one key.
pub fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Lower case, trimmed, inner white space, `-` and `_` as single spaces; `+` and `%` kept.
fn result_key(text: &str) -> String {
    let lowered = text.trim().to_lowercase();
    if lowered == "-" || lowered == "+" {
        return lowered;
    }
    lowered
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrugRole {
    Anticancer,
    Supportive,
    /// Given to modulate another drug (leucovorin): never part of the anticancer comparison.
    Modulator,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drug {
    pub name: String,
    pub role: DrugRole,
    pub category: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Corticosteroids: anticancer in blood cancers, supportive elsewhere.
    #[serde(default)]
    pub anticancer_in: Option<String>,
    /// Ruleset 3: the level-5 code in ATC 2025.
    #[serde(default)]
    pub atc: Option<String>,
    /// Ruleset 3: false when the code still has to be checked against the ATC 2025 index.
    #[serde(default = "yes")]
    pub atc_verified: bool,
    /// Ruleset 3: "none" (ATC 2025 assigns no code) or "unverified" (no code entered).
    #[serde(default)]
    pub atc_status: Option<String>,
    /// Ruleset 3: the WHOCC index page (atcddd.fhi.no / whocc.no) the code was checked against.
    #[serde(default)]
    pub atc_source: Option<String>,
    /// Ruleset 3: given with anticancer drugs without treating the cancer itself.
    #[serde(default)]
    pub companion: bool,
}

fn yes() -> bool {
    true
}

impl Drug {
    /// Whether this drug counts in the anticancer comparison for the given cancer.
    pub fn is_anticancer(&self, haematologic: bool) -> bool {
        match self.role {
            DrugRole::Anticancer => true,
            DrugRole::Modulator => false,
            DrugRole::Supportive => {
                haematologic && self.anticancer_in.as_deref() == Some("haematologic")
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegimenBySite {
    sites: Vec<String>,
    drugs: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regimen {
    pub name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    drugs: Vec<String>,
    #[serde(default)]
    by_site: Vec<RegimenBySite>,
}

/// What a regimen name means for a given primary site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegimenMeaning<'a> {
    Drugs {
        regimen: &'a str,
        drugs: &'a [String],
    },
    /// Site-dependent acronym whose site is unknown or not listed.
    Ambiguous { regimen: &'a str },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    pub name: String,
    pub organ: String,
    pub extent: String,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistologyFamily {
    pub name: String,
    pub nos: u16,
    ranges: Vec<[u16; 2]>,
}

impl HistologyFamily {
    pub fn contains(&self, code: u16) -> bool {
        self.ranges
            .iter()
            .any(|[low, high]| (*low..=*high).contains(&code))
    }

    /// How many codes its ranges hold: the narrower of two families is the more specific.
    pub fn width(&self) -> u32 {
        self.ranges
            .iter()
            .map(|[low, high]| u32::from(high.saturating_sub(*low)) + 1)
            .sum()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlphaBeta {
    sites: Vec<String>,
    gy: f64,
    #[allow(dead_code)]
    tissue: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EquivalentSchedules {
    pub name: String,
    #[serde(default)]
    sites: Vec<String>,
    #[serde(default)]
    radiotherapy_sites: Vec<String>,
    schedules: Vec<(f64, i64)>,
}

impl EquivalentSchedules {
    fn lists(&self, dose: f64, fractions: i64) -> bool {
        self.schedules
            .iter()
            .any(|(d, f)| (d - dose).abs() < 1e-6 && *f == fractions)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RadiotherapyFile {
    default_alpha_beta_gy: f64,
    max_dose_per_fraction_for_eqd2_gy: f64,
    eqd2_tolerance_percent: f64,
    alpha_beta: Vec<AlphaBeta>,
    equivalent: Vec<EquivalentSchedules>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Gene {
    key: String,
    aliases: Vec<String>,
    #[serde(default)]
    expression_only_aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultWords {
    positive: Vec<String>,
    negative: Vec<String>,
    other: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct BiomarkersFile {
    gene: Vec<Gene>,
    results: ResultWords,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CellularProduct {
    name: String,
    aliases: Vec<String>,
}

/// How a biomarker result reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResultClass {
    Positive,
    Negative,
    /// A recognised value of its own category (low, 2+, equivocal, a percentage).
    Other(String),
    /// Not a recognised value: compared as written.
    Unrecognised(String),
}

/// The whole vocabulary, parsed once.
#[derive(Debug)]
pub struct Vocabulary {
    drugs: Vec<Drug>,
    drug_index: HashMap<String, usize>,
    regimens: Vec<Regimen>,
    regimen_index: HashMap<String, usize>,
    procedures: Vec<Procedure>,
    procedure_index: HashMap<String, usize>,
    pub histology_families: Vec<HistologyFamily>,
    radiotherapy: RadiotherapyFile,
    genes: HashMap<String, (String, bool)>,
    positive: HashSet<String>,
    negative: HashSet<String>,
    other_results: HashSet<String>,
    icd10: BTreeMap<String, String>,
    cellular: HashMap<String, String>,
    ruleset_version: String,
}

static STANDARD: LazyLock<Vocabulary> =
    LazyLock::new(|| Vocabulary::parse().unwrap_or_else(|e| panic!("embedded vocabulary: {e}")));

/// Builds a folded-key index, failing on a key two entries share.
fn index<T>(
    file: &str,
    items: &[T],
    keys: impl Fn(&T) -> Vec<&str>,
) -> Result<HashMap<String, usize>, String> {
    let mut map = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        for key in keys(item) {
            let folded = fold(key);
            if folded.is_empty() {
                return Err(format!("{file}: empty key '{key}'"));
            }
            if let Some(previous) = map.insert(folded.clone(), i)
                && previous != i
            {
                return Err(format!("{file}: key '{key}' ({folded}) is used twice"));
            }
        }
    }
    Ok(map)
}

impl Vocabulary {
    /// The vocabulary embedded in the binary.
    pub fn standard() -> &'static Vocabulary {
        &STANDARD
    }

    fn parse() -> Result<Vocabulary, String> {
        #[derive(Deserialize)]
        struct DrugsFile {
            drug: Vec<Drug>,
        }
        #[derive(Deserialize)]
        struct RegimensFile {
            regimen: Vec<Regimen>,
        }
        #[derive(Deserialize)]
        struct ProceduresFile {
            procedure: Vec<Procedure>,
        }
        #[derive(Deserialize)]
        struct HistologyFile {
            family: Vec<HistologyFamily>,
        }
        #[derive(Deserialize)]
        struct TopographyFile {
            icd10: BTreeMap<String, String>,
        }
        #[derive(Deserialize)]
        struct CellularFile {
            product: Vec<CellularProduct>,
        }
        fn load<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<T, String> {
            toml::from_str(text).map_err(|e| format!("{name}: {e}"))
        }

        let drugs = load::<DrugsFile>("drugs.toml", DRUGS)?.drug;
        let regimens = load::<RegimensFile>("regimens.toml", REGIMENS)?.regimen;
        let procedures = load::<ProceduresFile>("procedures.toml", PROCEDURES)?.procedure;
        let histology_families = load::<HistologyFile>("histology.toml", HISTOLOGY)?.family;
        let radiotherapy = load::<RadiotherapyFile>("radiotherapy.toml", RADIOTHERAPY)?;
        let biomarkers = load::<BiomarkersFile>("biomarkers.toml", BIOMARKERS)?;
        let icd10 = load::<TopographyFile>("topography.toml", TOPOGRAPHY)?.icd10;
        let cellular_file = load::<CellularFile>("cellular_products.toml", CELLULAR)?;

        let drug_index = index("drugs.toml", &drugs, |d| {
            std::iter::once(d.name.as_str())
                .chain(d.aliases.iter().map(String::as_str))
                .collect()
        })?;
        let regimen_index = index("regimens.toml", &regimens, |r| {
            std::iter::once(r.name.as_str())
                .chain(r.aliases.iter().map(String::as_str))
                .collect()
        })?;
        let procedure_index = index("procedures.toml", &procedures, |p| {
            std::iter::once(p.name.as_str())
                .chain(p.aliases.iter().map(String::as_str))
                .collect()
        })?;

        for regimen in &regimens {
            if regimen.drugs.is_empty() == regimen.by_site.is_empty() {
                return Err(format!(
                    "regimens.toml: {} needs either drugs or by_site",
                    regimen.name
                ));
            }
            let all = regimen
                .drugs
                .iter()
                .chain(regimen.by_site.iter().flat_map(|b| &b.drugs));
            for drug in all {
                match drug_index.get(&fold(drug)) {
                    Some(&i) if drugs[i].name == *drug => {}
                    _ => {
                        return Err(format!(
                            "regimens.toml: {} names '{drug}', which is not a drug's canonical name",
                            regimen.name
                        ));
                    }
                }
            }
        }

        let mut genes = HashMap::new();
        for gene in &biomarkers.gene {
            for alias in &gene.aliases {
                genes.insert(fold(alias), (gene.key.clone(), false));
            }
            for alias in &gene.expression_only_aliases {
                genes.insert(fold(alias), (gene.key.clone(), true));
            }
        }
        let words = |list: &[String]| list.iter().map(|w| result_key(w)).collect::<HashSet<_>>();

        let mut cellular = HashMap::new();
        for product in &cellular_file.product {
            for key in std::iter::once(&product.name).chain(&product.aliases) {
                cellular.insert(fold(key), product.name.clone());
            }
        }

        let mut hasher = Sha256::new();
        hasher.update(RULES_REVISION);
        for text in [
            DRUGS,
            REGIMENS,
            PROCEDURES,
            HISTOLOGY,
            RADIOTHERAPY,
            BIOMARKERS,
            TOPOGRAPHY,
            CELLULAR,
        ]
        .into_iter()
        .chain(RULE_SOURCES)
        {
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text);
        }
        let digest = hasher.finalize();
        let ruleset_version = format!("{RULES_REVISION}+{}", hex::encode(&digest[..6]));

        Ok(Vocabulary {
            positive: words(&biomarkers.results.positive),
            negative: words(&biomarkers.results.negative),
            other_results: words(&biomarkers.results.other),
            drugs,
            drug_index,
            regimens,
            regimen_index,
            procedures,
            procedure_index,
            histology_families,
            radiotherapy,
            genes,
            icd10,
            cellular,
            ruleset_version,
        })
    }

    /// Changes whenever a rule, table or vocabulary entry changes.
    pub fn ruleset_version(&self) -> &str {
        &self.ruleset_version
    }

    pub fn drug(&self, name: &str) -> Option<&Drug> {
        self.drug_index.get(&fold(name)).map(|&i| &self.drugs[i])
    }

    pub fn drugs(&self) -> &[Drug] {
        &self.drugs
    }

    pub fn regimens(&self) -> &[Regimen] {
        &self.regimens
    }

    pub fn procedures(&self) -> &[Procedure] {
        &self.procedures
    }

    /// What a regimen acronym means at a primary site (3-character topography category).
    pub fn regimen(&self, name: &str, site_category: Option<&str>) -> Option<RegimenMeaning<'_>> {
        let regimen = &self.regimens[*self.regimen_index.get(&fold(name))?];
        if !regimen.drugs.is_empty() {
            return Some(RegimenMeaning::Drugs {
                regimen: &regimen.name,
                drugs: &regimen.drugs,
            });
        }
        let by_site = site_category.and_then(|site| {
            regimen
                .by_site
                .iter()
                .find(|b| b.sites.iter().any(|s| s == site))
        });
        Some(match by_site {
            Some(b) => RegimenMeaning::Drugs {
                regimen: &regimen.name,
                drugs: &b.drugs,
            },
            None => RegimenMeaning::Ambiguous {
                regimen: &regimen.name,
            },
        })
    }

    pub fn procedure(&self, name: &str) -> Option<&Procedure> {
        self.procedure_index
            .get(&fold(name))
            .map(|&i| &self.procedures[i])
    }

    pub fn cellular_product(&self, name: &str) -> Option<&str> {
        self.cellular.get(&fold(name)).map(String::as_str)
    }

    /// The family in which one code is the NOS code and the other lies in its range.
    pub fn nos_family(&self, a: u16, b: u16) -> Option<&HistologyFamily> {
        self.histology_families
            .iter()
            .find(|f| (f.nos == a && f.contains(b)) || (f.nos == b && f.contains(a)))
    }

    /// Topography for an ICD-10 code (`C45.0`, `D05.1`): the longest listed prefix.
    pub fn icd10_topography(&self, code: &str) -> Option<String> {
        self.icd10
            .iter()
            .filter(|(prefix, _)| code.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, topography)| topography.clone())
    }

    /// The canonical gene key for a biomarker name, given whether a variant is named.
    pub fn gene(&self, name: &str, has_variant: bool) -> Option<&str> {
        match self.genes.get(&fold(name)) {
            Some((key, expression_only)) if !(*expression_only && has_variant) => Some(key),
            _ => None,
        }
    }

    pub fn classify_result(&self, result: &str) -> ResultClass {
        let key = result_key(result);
        if self.positive.contains(&key) {
            ResultClass::Positive
        } else if self.negative.contains(&key) {
            ResultClass::Negative
        } else if self.other_results.contains(&key) || is_percentage(&key) {
            ResultClass::Other(key)
        } else {
            ResultClass::Unrecognised(key)
        }
    }

    /// Alpha/beta (Gy) for a primary site category.
    pub fn alpha_beta(&self, site_category: Option<&str>) -> f64 {
        site_category
            .and_then(|site| {
                self.radiotherapy
                    .alpha_beta
                    .iter()
                    .find(|a| a.sites.iter().any(|s| s == site))
            })
            .map_or(self.radiotherapy.default_alpha_beta_gy, |a| a.gy)
    }

    pub fn max_dose_per_fraction_for_eqd2(&self) -> f64 {
        self.radiotherapy.max_dose_per_fraction_for_eqd2_gy
    }

    pub fn eqd2_tolerance_percent(&self) -> f64 {
        self.radiotherapy.eqd2_tolerance_percent
    }

    /// The trial-proven group listing both schedules, for this primary site or treated site.
    pub fn equivalent_schedules(
        &self,
        site_category: Option<&str>,
        radiotherapy_site: Option<&str>,
        a: (f64, i64),
        b: (f64, i64),
    ) -> Option<&EquivalentSchedules> {
        let treated = radiotherapy_site.map(fold);
        self.radiotherapy.equivalent.iter().find(|group| {
            let applies = site_category.is_some_and(|s| group.sites.iter().any(|g| g == s))
                || treated
                    .as_ref()
                    .is_some_and(|t| group.radiotherapy_sites.iter().any(|g| fold(g) == *t));
            applies && group.lists(a.0, a.1) && group.lists(b.0, b.1)
        })
    }
}

fn is_percentage(key: &str) -> bool {
    key.strip_suffix('%')
        .map(str::trim)
        .is_some_and(|n| !n.is_empty() && n.parse::<f64>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> &'static Vocabulary {
        Vocabulary::standard()
    }

    #[test]
    fn the_tables_meet_the_contract_sizes() {
        let v = vocab();
        let anticancer = v
            .drugs()
            .iter()
            .filter(|d| d.role == DrugRole::Anticancer)
            .count();
        let supportive = v
            .drugs()
            .iter()
            .filter(|d| d.role == DrugRole::Supportive)
            .count();
        assert!(anticancer >= 150, "{anticancer} anticancer drugs");
        assert!(supportive >= 10, "{supportive} supportive drugs");
        assert!(v.regimens().len() >= 40, "{} regimens", v.regimens().len());
        assert!(
            v.procedures().len() >= 30,
            "{} procedures",
            v.procedures().len()
        );
    }

    #[test]
    fn brand_names_and_synonyms_map_to_one_generic_name() {
        let v = vocab();
        for (written, generic) in [
            ("Keytruda", "pembrolizumab"),
            ("KEYTRUDA", "pembrolizumab"),
            ("Xeloda", "capecitabine"),
            ("5-FU", "fluorouracil"),
            ("5 fu", "fluorouracil"),
            ("folinic acid", "leucovorin"),
            ("Alimta", "pemetrexed"),
            ("Enhertu", "trastuzumab deruxtecan"),
            ("Femara", "letrozole"),
            ("Herceptin", "trastuzumab"),
        ] {
            assert_eq!(
                v.drug(written).map(|d| d.name.as_str()),
                Some(generic),
                "{written}"
            );
        }
        assert!(v.drug("unobtainium").is_none());
    }

    #[test]
    fn supportive_drugs_are_tagged_and_steroids_depend_on_the_cancer() {
        let v = vocab();
        for supportive in [
            "ondansetron",
            "filgrastim",
            "Neulasta",
            "zoledronic acid",
            "denosumab",
        ] {
            let drug = v.drug(supportive).expect(supportive);
            assert!(!drug.is_anticancer(false), "{supportive}");
        }
        let dexamethasone = v.drug("dexamethasone").expect("dexamethasone");
        assert!(!dexamethasone.is_anticancer(false));
        assert!(dexamethasone.is_anticancer(true));
        assert!(
            !v.drug("leucovorin")
                .expect("leucovorin")
                .is_anticancer(true)
        );
    }

    #[test]
    fn regimen_acronyms_expand_and_site_dependent_ones_resolve_by_site() {
        let v = vocab();
        let drugs = |name: &str, site: Option<&str>| match v.regimen(name, site) {
            Some(RegimenMeaning::Drugs { drugs, .. }) => {
                let mut d = drugs.to_vec();
                d.sort();
                d
            }
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(
            drugs("FOLFOX", None),
            ["fluorouracil", "leucovorin", "oxaliplatin"]
        );
        assert_eq!(drugs("xelox", None), drugs("CAPOX", None));
        assert_eq!(
            drugs("R-CHOP", None),
            [
                "cyclophosphamide",
                "doxorubicin",
                "prednisone",
                "rituximab",
                "vincristine"
            ]
        );
        assert_eq!(drugs("TC", Some("C50")), ["cyclophosphamide", "docetaxel"]);
        assert_eq!(drugs("TC", Some("C56")), ["carboplatin", "paclitaxel"]);
        assert_eq!(
            v.regimen("TC", Some("C34")),
            Some(RegimenMeaning::Ambiguous { regimen: "TC" })
        );
        assert!(v.regimen("not-a-regimen", None).is_none());
    }

    #[test]
    fn procedures_normalise_through_synonyms_with_extent_classes() {
        let v = vocab();
        let lumpectomy = v.procedure("Lumpectomy").expect("lumpectomy");
        let wle = v.procedure("wide local excision of breast").expect("wle");
        let bcs = v.procedure("breast-conserving surgery").expect("bcs");
        assert_eq!(lumpectomy.name, wle.name);
        assert_eq!(lumpectomy.name, bcs.name);
        assert_eq!(lumpectomy.extent, "conserving");
        assert_eq!(
            v.procedure("mastectomy").expect("mastectomy").extent,
            "mastectomy"
        );
        assert_eq!(
            v.procedure("Whipple").map(|p| &p.name),
            v.procedure("pancreaticoduodenectomy").map(|p| &p.name)
        );
        assert!(v.procedure("a procedure nobody named").is_none());
    }

    #[test]
    fn biomarker_genes_and_results() {
        let v = vocab();
        assert_eq!(v.gene("ERBB2", false), Some("HER2"));
        assert_eq!(v.gene("ERBB2", true), None);
        assert_eq!(v.gene("CD274", false), Some("PD-L1"));
        assert_eq!(v.classify_result("Detected"), ResultClass::Positive);
        assert_eq!(v.classify_result("3+"), ResultClass::Positive);
        assert_eq!(v.classify_result("not detected"), ResultClass::Negative);
        assert_eq!(v.classify_result("wild-type"), ResultClass::Negative);
        assert_eq!(v.classify_result("0"), ResultClass::Negative);
        assert_eq!(v.classify_result("low"), ResultClass::Other("low".into()));
        assert_eq!(v.classify_result("2+"), ResultClass::Other("2+".into()));
        assert_eq!(v.classify_result("60 %"), ResultClass::Other("60 %".into()));
        assert_eq!(
            v.classify_result("sort of"),
            ResultClass::Unrecognised("sort of".into())
        );
    }

    #[test]
    fn alpha_beta_and_equivalent_schedules() {
        let v = vocab();
        assert_eq!(v.alpha_beta(Some("C61")), 1.5);
        assert_eq!(v.alpha_beta(Some("C50")), 3.5);
        assert_eq!(v.alpha_beta(Some("C34")), 10.0);
        assert!(
            v.equivalent_schedules(Some("C61"), None, (78.0, 39), (60.0, 20))
                .is_some()
        );
        assert!(
            v.equivalent_schedules(Some("C50"), None, (50.0, 25), (26.0, 5))
                .is_some()
        );
        assert!(
            v.equivalent_schedules(Some("C34"), Some("Bone"), (8.0, 1), (20.0, 5))
                .is_some()
        );
        assert!(
            v.equivalent_schedules(Some("C34"), None, (8.0, 1), (20.0, 5))
                .is_none()
        );
        assert!(
            v.equivalent_schedules(Some("C61"), None, (78.0, 39), (50.0, 25))
                .is_none()
        );
    }

    #[test]
    fn histology_nos_families() {
        let v = vocab();
        assert_eq!(
            v.nos_family(8140, 8550).map(|f| f.name.as_str()),
            Some("adenocarcinoma")
        );
        assert_eq!(
            v.nos_family(9680, 9590).map(|f| f.name.as_str()),
            Some("lymphoma")
        );
        assert!(v.nos_family(9680, 9699).is_none());
        assert!(v.nos_family(8000, 9680).is_some());
    }

    #[test]
    fn icd10_codes_map_to_topography_by_longest_prefix() {
        let v = vocab();
        assert_eq!(v.icd10_topography("D05.1").as_deref(), Some("C50.9"));
        assert_eq!(v.icd10_topography("C45.0").as_deref(), Some("C38.4"));
        assert_eq!(v.icd10_topography("C83.3"), None);
    }

    #[test]
    fn ruleset_version_names_the_revision_and_a_content_hash() {
        let version = vocab().ruleset_version();
        assert!(version.starts_with(RULES_REVISION));
        assert_eq!(version.len(), RULES_REVISION.len() + 1 + 12);
    }
}
