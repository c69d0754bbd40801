//! Parsing of the coded values a picture carries: ICD-O-3 topography and morphology, trial
//! registry ids and stage groups. Parsing returns a typed value or a message for the caller's
//! field error.

use regex::Regex;
use std::sync::LazyLock;

/// A primary site: ICD-O-3 topography category (e.g. `C34`) and subsite digit, or an ICD-10
/// code with no topography equivalent, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Site {
    Topography {
        category: String,
        subsite: Option<u8>,
    },
    Unmapped(String),
}

impl Site {
    pub fn category(&self) -> Option<&str> {
        match self {
            Site::Topography { category, .. } => Some(category),
            Site::Unmapped(_) => None,
        }
    }

    /// `C34.1`, `C34`, or the code as written.
    pub fn code(&self) -> String {
        match self {
            Site::Topography {
                category,
                subsite: Some(s),
            } => format!("{category}.{s}"),
            Site::Topography {
                category,
                subsite: None,
            } => category.clone(),
            Site::Unmapped(code) => code.clone(),
        }
    }
}

static SITE_SHAPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([CD])(\d{2})(?:\.?(\d{1,3}))?$").expect("valid regex"));

/// ICD-O-3 topography categories (C00-C80 without the ICD-10-only C45, C46, C78, C79 and the
/// unused C35, C36, C59).
fn is_topography_category(number: u8) -> bool {
    number <= 80 && ![35, 36, 45, 46, 59, 78, 79].contains(&number)
}

/// Checks the shape of a primary site code: ICD-O-3 topography or an ICD-10 C/D neoplasm code.
pub fn check_site(code: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "'{code}' is not an ICD-O-3 topography code (C00.0-C80.9) or an ICD-10 neoplasm code (C00-C97, D00-D49)"
        )
    };
    let caps = SITE_SHAPE.captures(code).ok_or_else(bad)?;
    let number: u8 = caps[2].parse().map_err(|_| bad())?;
    match &caps[1] {
        "C" if number <= 97 => Ok(()),
        "D" if number <= 49 => Ok(()),
        _ => Err(bad()),
    }
}

/// Parses a checked site code. `icd10_map` gives the topography for ICD-10 codes whose category
/// is not itself a topography category (longest prefix wins).
pub fn parse_site(code: &str, icd10_map: &dyn Fn(&str) -> Option<String>) -> Site {
    let Some(caps) = SITE_SHAPE.captures(code) else {
        return Site::Unmapped(code.to_string());
    };
    let letter = &caps[1];
    let number: u8 = caps[2].parse().unwrap_or(99);
    let subsite = caps.get(3).and_then(|m| m.as_str()[..1].parse::<u8>().ok());
    if letter == "C" && is_topography_category(number) {
        return Site::Topography {
            category: format!("C{number:02}"),
            subsite,
        };
    }
    let dotted = match subsite {
        Some(s) => format!("{letter}{number:02}.{s}"),
        None => format!("{letter}{number:02}"),
    };
    match icd10_map(&dotted) {
        Some(mapped) => {
            let caps = SITE_SHAPE.captures(&mapped);
            match caps {
                Some(c) => Site::Topography {
                    category: format!("C{}", &c[2]),
                    subsite: c.get(3).and_then(|m| m.as_str()[..1].parse().ok()),
                },
                None => Site::Unmapped(dotted),
            }
        }
        None => Site::Unmapped(dotted),
    }
}

/// ICD-10 categories of lymphoid and haematopoietic neoplasms.
pub fn is_haematologic_icd10(code: &str) -> bool {
    SITE_SHAPE
        .captures(code)
        .is_some_and(|c| &c[1] == "C" && c[2].parse::<u8>().is_ok_and(|n| (81..=96).contains(&n)))
}

/// An ICD-O-3 morphology code: four-digit histology and behaviour digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Morphology {
    pub code: u16,
    pub behaviour: u8,
}

impl Morphology {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bytes = text.as_bytes();
        let well_formed = bytes.len() == 6
            && bytes[..4].iter().all(u8::is_ascii_digit)
            && bytes[4] == b'/'
            && bytes[5].is_ascii_digit();
        if !well_formed {
            return Err(format!(
                "'{text}' is not an ICD-O-3 morphology code (four digits, '/', behaviour digit, e.g. 8140/3)"
            ));
        }
        Ok(Morphology {
            code: text[..4].parse().map_err(|_| "bad digits".to_string())?,
            behaviour: bytes[5] - b'0',
        })
    }

    /// Lymphoid and haematopoietic neoplasms (ICD-O-3 9590-9989).
    pub fn is_haematologic(self) -> bool {
        (9590..=9989).contains(&self.code)
    }
}

impl std::fmt::Display for Morphology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}/{}", self.code, self.behaviour)
    }
}

/// The trial registries whose id formats are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    ClinicalTrialsGov,
    EuCt,
    EudraCt,
    ChiCtr,
    Ctri,
    Isrctn,
    Jrct,
    Anzctr,
    WhoUtn,
}

impl Registry {
    pub fn name(self) -> &'static str {
        match self {
            Registry::ClinicalTrialsGov => "ClinicalTrials.gov",
            Registry::EuCt => "EU CT (CTIS)",
            Registry::EudraCt => "EudraCT",
            Registry::ChiCtr => "ChiCTR",
            Registry::Ctri => "CTRI",
            Registry::Isrctn => "ISRCTN",
            Registry::Jrct => "jRCT",
            Registry::Anzctr => "ANZCTR",
            Registry::WhoUtn => "WHO UTN",
        }
    }
}

struct RegistryFormat {
    registry: Registry,
    /// Upper-cased prefix that makes an id "start like" this registry's.
    starts_like: &'static str,
    pattern: &'static str,
    example: &'static str,
}

const REGISTRY_FORMATS: [RegistryFormat; 8] = [
    RegistryFormat {
        registry: Registry::ClinicalTrialsGov,
        starts_like: "NCT",
        pattern: r"^NCT\d{8}$",
        example: "NCT04513925",
    },
    RegistryFormat {
        registry: Registry::ChiCtr,
        starts_like: "CHICTR",
        pattern: r"^CHICTR(\d{10}|-[A-Z]{3,5}-\d{8})$",
        example: "ChiCTR2000012345",
    },
    RegistryFormat {
        registry: Registry::Ctri,
        starts_like: "CTRI",
        pattern: r"^CTRI/20\d{2}/\d{2,3}/\d{6}$",
        example: "CTRI/2025/03/081234",
    },
    RegistryFormat {
        registry: Registry::Isrctn,
        starts_like: "ISRCTN",
        pattern: r"^ISRCTN\d{8}$",
        example: "ISRCTN12345678",
    },
    RegistryFormat {
        registry: Registry::Jrct,
        starts_like: "JRCT",
        pattern: r"^JRCT[A-Z0-9]\d{9}$",
        example: "jRCTs031200123",
    },
    RegistryFormat {
        registry: Registry::Anzctr,
        starts_like: "ACTRN",
        pattern: r"^ACTRN\d{14}$",
        example: "ACTRN12620000123456",
    },
    RegistryFormat {
        registry: Registry::WhoUtn,
        starts_like: "U1111",
        pattern: r"^U1111-\d{4}-\d{4}$",
        example: "U1111-1234-5678",
    },
    // EU CT and EudraCT both start with a year; told apart below.
    RegistryFormat {
        registry: Registry::EuCt,
        starts_like: "",
        pattern: r"^20\d{2}-5\d{5}-\d{2}-\d{2}$",
        example: "2023-501234-12-00",
    },
];

static REGISTRY_REGEXES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    REGISTRY_FORMATS
        .iter()
        .map(|f| Regex::new(f.pattern).expect("valid regex"))
        .collect()
});
static YEAR_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(19|20)\d{2}-").expect("valid regex"));
static EUDRACT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(19|20)\d{2}-\d{6}-\d{2}$").expect("valid regex"));

/// A trial registry id in its registry's canonical case, or another registry's id as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialId {
    pub registry: Option<Registry>,
    pub id: String,
}

impl TrialId {
    /// Key for comparing ids: canonical form for known registries, folded text otherwise.
    pub fn key(&self) -> String {
        match self.registry {
            Some(_) => self.id.clone(),
            None => self.id.trim().to_uppercase(),
        }
    }

    pub fn parse(text: &str) -> Result<TrialId, String> {
        let upper = text.trim().to_uppercase();
        if YEAR_PREFIX.is_match(&upper) {
            if REGISTRY_REGEXES[7].is_match(&upper) {
                return Ok(TrialId {
                    registry: Some(Registry::EuCt),
                    id: upper,
                });
            }
            if EUDRACT.is_match(&upper) {
                return Ok(TrialId {
                    registry: Some(Registry::EudraCt),
                    id: upper,
                });
            }
            return Err(format!(
                "'{text}' starts like an EU CT or EudraCT number but matches neither format (EU CT e.g. 2023-501234-12-00; EudraCT e.g. 2015-001234-12)"
            ));
        }
        for (format, regex) in REGISTRY_FORMATS.iter().zip(REGISTRY_REGEXES.iter()).take(7) {
            if !upper.starts_with(format.starts_like) {
                continue;
            }
            if !regex.is_match(&upper) {
                return Err(format!(
                    "'{text}' starts like a {} id but does not match its format (e.g. {})",
                    format.registry.name(),
                    format.example
                ));
            }
            let id = match format.registry {
                Registry::ChiCtr => format!("ChiCTR{}", &upper[6..]),
                Registry::Jrct => format!("jRCT{}", upper[4..].to_lowercase()),
                _ => upper,
            };
            return Ok(TrialId {
                registry: Some(format.registry),
                id,
            });
        }
        Ok(TrialId {
            registry: None,
            id: text.trim().to_string(),
        })
    }
}

/// A stage group split into its Roman numeral (0-IV) and the rest (letter and digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageGroup {
    pub numeral: u8,
    pub suffix: String,
}

impl StageGroup {
    /// `0`, `I`-`IV`, then letters and digits: `IIIA`, `IA1`, `IVB`, `IIIc`.
    pub fn parse(text: &str) -> Option<StageGroup> {
        let text = text.trim();
        let valid_rest = |rest: &str| rest.chars().all(|c| c.is_ascii_alphanumeric());
        for (prefix, numeral) in [("IV", 4), ("III", 3), ("II", 2), ("I", 1), ("0", 0)] {
            // "IV" must not be read as "I" + "V...": the loop tries IV first.
            if let Some(rest) = text.strip_prefix(prefix)
                && valid_rest(rest)
            {
                return Some(StageGroup {
                    numeral,
                    suffix: rest.to_uppercase(),
                });
            }
        }
        None
    }
}

/// Whether an M category says distant metastasis (M1, M1a, pM1c ...), no distant metastasis
/// (M0, cM0(i+)), or is unknown (MX or unreadable).
pub fn m_category(text: &str) -> Option<bool> {
    let upper = text.trim().to_uppercase();
    let after_prefix = upper.trim_start_matches(['C', 'P', 'Y', 'R', 'A']);
    let rest = after_prefix.strip_prefix('M')?;
    match rest.chars().next() {
        Some('0') => Some(false),
        Some('1') => Some(true),
        _ => None,
    }
}

/// T/N/M with the c/p/y/r/a prefix removed and case folded, for comparison.
pub fn tnm_core(text: &str) -> String {
    let trimmed = text.trim();
    let start = trimmed.find(['T', 'N', 'M', 't', 'n', 'm']).unwrap_or(0);
    let (head, tail) = trimmed.split_at(start);
    if head.chars().all(|c| "cpyraCPYRA".contains(c)) {
        tail.to_uppercase()
    } else {
        trimmed.to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_map(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn topography_parses_category_and_subsite() {
        assert_eq!(
            parse_site("C34.1", &no_map),
            Site::Topography {
                category: "C34".into(),
                subsite: Some(1)
            }
        );
        assert_eq!(
            parse_site("C341", &no_map),
            Site::Topography {
                category: "C34".into(),
                subsite: Some(1)
            }
        );
        assert_eq!(
            parse_site("C61", &no_map),
            Site::Topography {
                category: "C61".into(),
                subsite: None
            }
        );
        assert_eq!(parse_site("C83.3", &no_map), Site::Unmapped("C83.3".into()));
        let map = |c: &str| (c == "D05.1").then(|| "C50.9".to_string());
        assert_eq!(
            parse_site("D05.1", &map),
            Site::Topography {
                category: "C50".into(),
                subsite: Some(9)
            }
        );
    }

    #[test]
    fn site_shapes_are_checked() {
        assert!(check_site("C50.9").is_ok());
        assert!(check_site("D05.1").is_ok());
        assert!(check_site("C98").is_err());
        assert!(check_site("D50").is_err());
        assert!(check_site("lung").is_err());
        assert!(check_site("c34.1").is_err());
    }

    #[test]
    fn morphology_needs_four_digits_slash_behaviour() {
        assert_eq!(
            Morphology::parse("8140/3"),
            Ok(Morphology {
                code: 8140,
                behaviour: 3
            })
        );
        assert!(Morphology::parse("8140").is_err());
        assert!(Morphology::parse("814/3").is_err());
        assert!(Morphology::parse("8140/33").is_err());
        assert!(Morphology::parse("81a0/3").is_err());
    }

    #[test]
    fn trial_ids_of_the_nine_registries_are_checked_and_canonicalised() {
        let ok = |s: &str| TrialId::parse(s).expect(s);
        assert_eq!(ok("nct04513925").id, "NCT04513925");
        assert_eq!(ok("2023-501234-12-00").registry, Some(Registry::EuCt));
        assert_eq!(ok("2015-001234-12").registry, Some(Registry::EudraCt));
        assert_eq!(ok("chictr2000012345").id, "ChiCTR2000012345");
        assert_eq!(ok("ChiCTR-IOR-17012345").id, "ChiCTR-IOR-17012345");
        assert_eq!(ok("CTRI/2025/03/081234").registry, Some(Registry::Ctri));
        assert_eq!(ok("ISRCTN12345678").registry, Some(Registry::Isrctn));
        assert_eq!(ok("JRCTS031200123").id, "jRCTs031200123");
        assert_eq!(ok("ACTRN12620000123456").registry, Some(Registry::Anzctr));
        assert_eq!(ok("U1111-1234-5678").registry, Some(Registry::WhoUtn));
        // Other registries are kept as written.
        assert_eq!(
            ok("DRKS00012345"),
            TrialId {
                registry: None,
                id: "DRKS00012345".into()
            }
        );
        for bad in [
            "NCT123",
            "NCT0451392X",
            "2023-50123-12-00",
            "CTRI/2025/3/081234",
            "ISRCTN1234",
            "jRCT12",
            "ACTRN1262",
            "U1111-12-5678",
            "ChiCTR12",
        ] {
            assert!(TrialId::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn stage_groups_split_numeral_and_suffix() {
        assert_eq!(
            StageGroup::parse("IIIA"),
            Some(StageGroup {
                numeral: 3,
                suffix: "A".into()
            })
        );
        assert_eq!(
            StageGroup::parse("IVB"),
            Some(StageGroup {
                numeral: 4,
                suffix: "B".into()
            })
        );
        assert_eq!(
            StageGroup::parse("I"),
            Some(StageGroup {
                numeral: 1,
                suffix: "".into()
            })
        );
        assert_eq!(
            StageGroup::parse("IA1"),
            Some(StageGroup {
                numeral: 1,
                suffix: "A1".into()
            })
        );
        assert_eq!(
            StageGroup::parse("0"),
            Some(StageGroup {
                numeral: 0,
                suffix: "".into()
            })
        );
        assert_eq!(StageGroup::parse("limited"), None);
    }

    #[test]
    fn m_category_reads_distant_metastasis() {
        assert_eq!(m_category("M0"), Some(false));
        assert_eq!(m_category("cM0(i+)"), Some(false));
        assert_eq!(m_category("M1a"), Some(true));
        assert_eq!(m_category("pM1c"), Some(true));
        assert_eq!(m_category("MX"), None);
        assert_eq!(tnm_core("pT1a"), "T1A");
        assert_eq!(tnm_core("ypN0"), "N0");
    }
}
