//! Ruleset-3 reference tables (`data/vocabulary/drug_swaps.toml`, `pdl1_cutoffs.toml`,
//! `fitness.toml`): embedded at compile time, parsed once.

use serde::Deserialize;
use std::sync::LazyLock;

use super::picture::ScoreSystem;

const SWAPS: &str = include_str!("../../data/vocabulary/drug_swaps.toml");
const PDL1: &str = include_str!("../../data/vocabulary/pdl1_cutoffs.toml");
const FITNESS: &str = include_str!("../../data/vocabulary/fitness.toml");
const ACMG: &str = include_str!("../../data/vocabulary/acmg.toml");

/// ACMG/AMP classes (`acmg.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acmg {
    pub positive: Vec<String>,
    pub negative: Vec<String>,
    pub uncertain: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AcmgClass {
    Positive,
    Negative,
    Uncertain,
}

/// Every word of the ACMG lists, folded once, with its class; a word in two lists keeps the
/// first (positive, then negative, then uncertain). Each call used to fold the whole table
/// again, allocating a string per word: 8 % of a classify request's CPU in a profile.
static ACMG_WORDS: LazyLock<std::collections::HashMap<String, AcmgClass>> = LazyLock::new(|| {
    let t = Tables::standard();
    let mut words = std::collections::HashMap::new();
    for (list, class) in [
        (&t.acmg.positive, AcmgClass::Positive),
        (&t.acmg.negative, AcmgClass::Negative),
        (&t.acmg.uncertain, AcmgClass::Uncertain),
    ] {
        for word in list {
            words
                .entry(crate::domain::vocabulary::fold(word))
                .or_insert(class);
        }
    }
    words
});

/// The ACMG class of a result: Some(Positive | Negative | Other("uncertain significance")).
pub fn acmg_class(result: &str) -> Option<crate::domain::vocabulary::ResultClass> {
    use crate::domain::vocabulary::{ResultClass, fold};
    Some(match ACMG_WORDS.get(&fold(result))? {
        AcmgClass::Positive => ResultClass::Positive,
        AcmgClass::Negative => ResultClass::Negative,
        AcmgClass::Uncertain => ResultClass::Other("uncertain significance".into()),
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwapRule {
    #[serde(default)]
    pub within: Vec<String>,
    #[serde(default)]
    pub from: Vec<String>,
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub one_way: bool,
    #[serde(default)]
    pub germ_cell: bool,
    #[serde(default)]
    pub not_germ_cell: bool,
    pub source: String,
}

impl SwapRule {
    /// Whether the rule covers the current plan's `from` replaced by the opinion's `to`.
    pub fn covers(&self, current: &str, opinion: &str, germ_cell: bool) -> bool {
        if (self.germ_cell && !germ_cell) || (self.not_germ_cell && germ_cell) {
            return false;
        }
        let has = |list: &[String], name: &str| list.iter().any(|n| n == name);
        if current != opinion && has(&self.within, current) && has(&self.within, opinion) {
            return true;
        }
        (has(&self.from, current) && has(&self.to, opinion))
            || (!self.one_way && has(&self.to, current) && has(&self.from, opinion))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cutoff {
    pub sites: Vec<String>,
    pub system: ScoreSystem,
    pub value: f64,
    pub behind: String,
    #[serde(rename = "where")]
    pub jurisdiction: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MajorSurgery {
    pub organ: String,
    #[serde(default)]
    pub extents: Vec<String>,
}

#[derive(Debug)]
pub struct Tables {
    pub major_swaps: Vec<SwapRule>,
    pub equivalent_swaps: Vec<SwapRule>,
    pub cutoffs: Vec<Cutoff>,
    pub cytotoxic_atc: Vec<String>,
    pub major_surgery: Vec<MajorSurgery>,
    pub acmg: Acmg,
}

static TABLES: LazyLock<Tables> =
    LazyLock::new(|| Tables::parse().unwrap_or_else(|e| panic!("embedded ruleset-3 tables: {e}")));

impl Tables {
    pub fn standard() -> &'static Tables {
        &TABLES
    }

    fn parse() -> Result<Tables, String> {
        #[derive(Deserialize)]
        struct SwapsFile {
            major: Vec<SwapRule>,
            equivalent: Vec<SwapRule>,
        }
        #[derive(Deserialize)]
        struct CutoffFile {
            cutoff: Vec<Cutoff>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct FitnessFile {
            cytotoxic_atc: Vec<String>,
            #[allow(dead_code)]
            cytotoxic_source: String,
            major_surgery: Vec<MajorSurgery>,
        }
        let swaps: SwapsFile =
            toml::from_str(SWAPS).map_err(|e| format!("drug_swaps.toml: {e}"))?;
        let cutoffs: CutoffFile =
            toml::from_str(PDL1).map_err(|e| format!("pdl1_cutoffs.toml: {e}"))?;
        let fitness: FitnessFile =
            toml::from_str(FITNESS).map_err(|e| format!("fitness.toml: {e}"))?;
        let acmg: Acmg = toml::from_str(ACMG).map_err(|e| format!("acmg.toml: {e}"))?;
        Ok(Tables {
            acmg,
            major_swaps: swaps.major,
            equivalent_swaps: swaps.equivalent,
            cutoffs: cutoffs.cutoff,
            cytotoxic_atc: fitness.cytotoxic_atc,
            major_surgery: fitness.major_surgery,
        })
    }

    /// The cut-offs for a site category and system, ascending; the single cut-off 1 when the
    /// table has no row.
    pub fn cutoffs(&self, category: Option<&str>, system: ScoreSystem) -> Vec<&Cutoff> {
        static DEFAULT: LazyLock<Cutoff> = LazyLock::new(|| Cutoff {
            sites: Vec::new(),
            system: ScoreSystem::Tps,
            value: 1.0,
            behind: "the general positivity threshold".into(),
            jurisdiction: "no site-specific label cut-off".into(),
        });
        let mut rows: Vec<&Cutoff> = self
            .cutoffs
            .iter()
            .filter(|c| {
                c.system == system && category.is_some_and(|cat| c.sites.iter().any(|s| s == cat))
            })
            .collect();
        if rows.is_empty() {
            rows.push(&DEFAULT);
        }
        rows.sort_by(|a, b| a.value.total_cmp(&b.value));
        rows
    }

    pub fn is_cytotoxic(&self, atc: Option<&str>) -> bool {
        atc.is_some_and(|code| {
            self.cytotoxic_atc
                .iter()
                .any(|p| code.starts_with(p.as_str()))
        })
    }

    pub fn is_major_surgery(&self, organ: &str, extent: &str) -> bool {
        self.major_surgery.iter().any(|m| {
            m.organ == organ && (m.extents.is_empty() || m.extents.iter().any(|e| e == extent))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocabulary::{ResultClass, Vocabulary};

    #[test]
    fn acmg_classes_match_case_and_punctuation_alike() {
        for (result, class) in [
            ("Likely pathogenic", Some(ResultClass::Positive)),
            ("P/LP", Some(ResultClass::Positive)),
            ("likely_benign", Some(ResultClass::Negative)),
            (
                "VUS",
                Some(ResultClass::Other("uncertain significance".into())),
            ),
            (
                "variant of unknown significance",
                Some(ResultClass::Other("uncertain significance".into())),
            ),
            ("detected", None),
            ("", None),
        ] {
            assert_eq!(acmg_class(result), class, "{result:?}");
        }
    }

    #[test]
    fn the_tables_parse_and_name_only_vocabulary_drugs() {
        let t = Tables::standard();
        let vocab = Vocabulary::standard();
        for rule in t.major_swaps.iter().chain(&t.equivalent_swaps) {
            for name in rule.within.iter().chain(&rule.from).chain(&rule.to) {
                let drug = vocab
                    .drug(name)
                    .unwrap_or_else(|| panic!("{name} not in drugs.toml"));
                assert_eq!(&drug.name, name, "{name} is not a canonical name");
            }
            assert!(!rule.source.is_empty());
        }
        assert_eq!(t.cutoffs(Some("C34"), ScoreSystem::Tps).len(), 2);
        assert_eq!(t.cutoffs(Some("C71"), ScoreSystem::Cps)[0].value, 1.0);
    }

    #[test]
    fn every_shipped_atc_code_is_level_five_and_anticancer_drugs_carry_one_or_a_status() {
        let re = regex::Regex::new(r"^[A-Z]\d{2}[A-Z]{2}\d{2}$").unwrap();
        for drug in Vocabulary::standard().drugs() {
            if let Some(code) = &drug.atc {
                assert!(re.is_match(code), "{}: {code}", drug.name);
                assert!(drug.atc_status.is_none(), "{}", drug.name);
            }
            if drug.role == crate::domain::vocabulary::DrugRole::Anticancer {
                assert!(
                    drug.atc.is_some()
                        || matches!(drug.atc_status.as_deref(), Some("none" | "unverified")),
                    "{} has neither an ATC code nor a status",
                    drug.name
                );
            }
        }
    }
}
