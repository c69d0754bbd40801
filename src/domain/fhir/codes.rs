//! The FHIR code tables (`data/fhir/`), embedded at compile time and parsed once: code system
//! URIs, extension URLs, and both directions of every mapping. A table row that names a drug,
//! procedure or gene the vocabulary does not know fails the tests, not a request.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::domain::picture::{Intent, Laterality, PerformanceScale, RadiationType};

pub const SNOMED: &str = "http://snomed.info/sct";
pub const LOINC: &str = "http://loinc.org";
pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
pub const ICD_O_3: &str = "http://terminology.hl7.org/CodeSystem/icd-o-3";
pub const ICD_10_CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
pub const ICD_10: &str = "http://hl7.org/fhir/sid/icd-10";
pub const HGNC: [&str; 2] = [
    "http://www.genenames.org",
    "http://www.genenames.org/geneId",
];
pub const UCUM: &str = "http://unitsofmeasure.org";
pub const NCIT: &str = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl";
pub const CANCER_STAGING: &str = "http://cancerstaging.org";
pub const STUDY_PHASE: &str = "http://terminology.hl7.org/CodeSystem/research-study-phase";
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
pub const INTERPRETATION: &str =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
pub const ISO_3166: &str = "urn:iso:std:iso:3166";

const MCODE: &str = "http://hl7.org/fhir/us/mcode/StructureDefinition/";
pub const EXT_HISTOLOGY: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior";
pub const EXT_LATERALITY: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier";
pub const EXT_INTENT: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-procedure-intent";
/// mCODE STU1 name of the same extension.
pub const EXT_INTENT_STU1: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-treatment-intent";
pub const EXT_RELATED_CONDITION: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-related-condition";
pub const EXT_MODALITY_TECHNIQUE: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-radiotherapy-modality-and-technique";
pub const EXT_MODALITY: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-radiotherapy-modality";
pub const EXT_TECHNIQUE: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-radiotherapy-technique";
pub const EXT_DOSE_DELIVERED: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-radiotherapy-dose-delivered-to-volume";
pub const EXT_DOSE_PRESCRIBED: &str = "http://hl7.org/fhir/us/codex-radiation-therapy/StructureDefinition/codexrt-radiotherapy-dose-prescribed-to-volume";

/// The mCODE 4.0.0 profiles the exporter may claim (pinned; tests assert their mandatory elements).
pub fn mcode_profile(name: &str) -> String {
    format!("{MCODE}{name}|4.0.0")
}

/// SNOMED CT "Radiotherapy course of treatment" (the mCODE course summary's fixed code).
pub const RT_COURSE: &str = "1217123003";
/// LOINC codes of the genomic variant Observation and its components.
pub const VARIANT: &str = "69548-6";
pub const GENE_STUDIED: &str = "48018-6";
pub const DNA_CHANGE: &str = "48004-6";
pub const PROTEIN_CHANGE: &str = "48005-3";
pub const VARIANT_CODE: &str = "81252-9";
pub const GENOMIC_CHANGE: &str = "81290-9";
pub const SOURCE_CLASS: &str = "48002-0";
pub const SIGNIFICANCE: &str = "53037-8";
/// LOINC histologic type and behaviour (mCODE histologic behavior and type).
pub const HISTOLOGIC_TYPE: &str = "31206-6";
/// LOINC consult note: the type of a partner's document.
pub const CONSULT_NOTE: &str = "11488-4";

const SITES: &str = include_str!("../../../data/fhir/sites.tsv");
const ICD10CM: &str = include_str!("../../../data/fhir/icd10cm.tsv");
const MORPHOLOGY: &str = include_str!("../../../data/fhir/morphology.tsv");
const STAGES: &str = include_str!("../../../data/fhir/stages.tsv");
const BIOMARKERS: &str = include_str!("../../../data/fhir/biomarkers.tsv");
const ANSWERS: &str = include_str!("../../../data/fhir/answers.tsv");
const GENES: &str = include_str!("../../../data/fhir/genes.tsv");
const RXNORM_TABLE: &str = include_str!("../../../data/fhir/rxnorm.tsv");
const PROCEDURES: &str = include_str!("../../../data/fhir/procedures.tsv");
const RADIOTHERAPY: &str = include_str!("../../../data/fhir/radiotherapy.tsv");
const TABLES: &str = include_str!("../../../data/fhir/tables.toml");

/// The sources a row may name (`data/fhir/README.md`).
pub const SOURCES: [&str; 9] = [
    "mcode-4.0.0-ex",
    "mcode-4.0.0-vs",
    "canshare-nz",
    "cpic",
    "cibmtr",
    "fhir-md",
    "fhir-r4",
    "genomics-ig",
    "icd10cm",
];

/// One TSV table: comment lines (`#`), a header, then rows of tab-separated cells.
pub struct Tsv {
    pub name: &'static str,
    header: Vec<&'static str>,
    pub rows: Vec<Vec<&'static str>>,
}

impl Tsv {
    fn parse(name: &'static str, text: &'static str) -> Tsv {
        let mut lines = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
        let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let rows = lines.map(|l| l.split('\t').collect()).collect();
        Tsv { name, header, rows }
    }

    /// The cell of `column` in `row` ("" when the row is short: the tests catch that).
    pub fn cell(&self, row: &[&'static str], column: &str) -> &'static str {
        self.header
            .iter()
            .position(|h| *h == column)
            .and_then(|i| row.get(i).copied())
            .unwrap_or("")
    }

    pub fn width(&self) -> usize {
        self.header.len()
    }
}

fn dash(cell: &'static str) -> Option<&'static str> {
    (cell != "-" && !cell.is_empty()).then_some(cell)
}

pub fn laterality(word: &str) -> Option<Laterality> {
    match word {
        "left" => Some(Laterality::Left),
        "right" => Some(Laterality::Right),
        "bilateral" => Some(Laterality::Bilateral),
        _ => None,
    }
}

pub fn radiation_type(word: &str) -> Option<RadiationType> {
    match word {
        "photon" => Some(RadiationType::Photon),
        "electron" => Some(RadiationType::Electron),
        "proton" => Some(RadiationType::Proton),
        "carbon_ion" => Some(RadiationType::CarbonIon),
        "brachytherapy" => Some(RadiationType::Brachytherapy),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    BodyStructure,
    Primary,
    Secondary,
}

#[derive(Debug, Clone)]
pub struct SiteRow {
    pub kind: SiteKind,
    pub topography: Option<&'static str>,
    pub laterality: Option<Laterality>,
    pub morphology: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StageKind {
    Group,
    T,
    N,
    M,
}

impl StageKind {
    fn parse(word: &str) -> Option<StageKind> {
        match word {
            "group" => Some(StageKind::Group),
            "t" => Some(StageKind::T),
            "n" => Some(StageKind::N),
            "m" => Some(StageKind::M),
            _ => None,
        }
    }

    pub fn field(self) -> &'static str {
        match self {
            StageKind::Group => "group",
            StageKind::T => "t",
            StageKind::N => "n",
            StageKind::M => "m",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Presence,
    Interpretation,
    Ihc,
    Ish,
    Quantity,
    Narrative,
}

#[derive(Debug, Clone)]
pub struct MarkerRow {
    pub marker: &'static str,
    pub kind: MarkerKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerKind {
    Result,
    Origin,
    Significance,
    Interpretation,
}

#[derive(Debug, Clone, Copy)]
pub struct Code {
    pub system: &'static str,
    pub code: &'static str,
    pub display: &'static str,
}

// ---- tables.toml ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct IntentRow {
    pub code: String,
    pub intent: Intent,
    pub display: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct LateralityRow {
    pub code: String,
    pub laterality: Laterality,
    pub display: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct StageTypeRow {
    pub system: String,
    pub code: String,
    pub kind: String,
    pub prefix: String,
    pub display: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct StageMethodRow {
    pub system: String,
    pub code: String,
    pub stage_system: String,
    pub display: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct OtherStageRow {
    pub system: String,
    pub code: String,
    pub display: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct GradeCodeRow {
    pub system: String,
    pub code: String,
    pub grade_system: String,
    pub display: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct GradeValueRow {
    pub system: String,
    pub code: String,
    pub grade: i64,
    pub grade_system: String,
    pub display: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct ServiceCategoryRow {
    pub code: String,
    pub role: String,
    pub display: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct PhaseRow {
    pub code: String,
    pub label: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct PerformanceScaleRow {
    pub system: String,
    pub code: String,
    pub scale: PerformanceScale,
    pub display: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct ConcordCodeRow {
    pub code: String,
    pub meaning: String,
    pub display: String,
    pub words: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmallTables {
    pub intent: Vec<IntentRow>,
    pub laterality: Vec<LateralityRow>,
    pub stage_type: Vec<StageTypeRow>,
    pub stage_method: Vec<StageMethodRow>,
    pub other_stage: Vec<OtherStageRow>,
    pub grade_code: Vec<GradeCodeRow>,
    pub grade_value: Vec<GradeValueRow>,
    pub service_category: Vec<ServiceCategoryRow>,
    pub phase: Vec<PhaseRow>,
    pub performance_scale: Vec<PerformanceScaleRow>,
    pub concord_code: Vec<ConcordCodeRow>,
}

/// Every table, indexed both ways.
pub struct Tables {
    pub raw: Vec<Tsv>,
    pub small: SmallTables,
    sites: HashMap<&'static str, SiteRow>,
    icd10cm: HashMap<&'static str, (&'static str, Option<Laterality>)>,
    morphology: HashMap<&'static str, &'static str>,
    stages: HashMap<&'static str, (StageKind, &'static str)>,
    stage_codes: HashMap<(StageKind, String), &'static str>,
    markers: HashMap<&'static str, MarkerRow>,
    marker_export: HashMap<&'static str, Code>,
    answers: HashMap<(&'static str, &'static str), (AnswerKind, &'static str)>,
    answer_codes: HashMap<(AnswerKind, &'static str), Code>,
    genes: HashMap<&'static str, &'static str>,
    gene_ids: HashMap<&'static str, &'static str>,
    rxnorm: HashMap<&'static str, &'static str>,
    rxnorm_ingredient: HashMap<&'static str, Code>,
    procedures: HashMap<&'static str, &'static str>,
    modalities: HashMap<&'static str, RadiationType>,
    modality_codes: HashMap<RadiationType, Code>,
    techniques: HashMap<&'static str, &'static str>,
    technique_codes: HashMap<String, Code>,
}

static STANDARD: LazyLock<Tables> = LazyLock::new(Tables::load);

impl Tables {
    pub fn standard() -> &'static Tables {
        &STANDARD
    }

    fn load() -> Tables {
        let small: SmallTables = toml::from_str(TABLES)
            .unwrap_or_else(|e| panic!("embedded data/fhir/tables.toml: {e}"));
        let raw = vec![
            Tsv::parse("sites.tsv", SITES),
            Tsv::parse("icd10cm.tsv", ICD10CM),
            Tsv::parse("morphology.tsv", MORPHOLOGY),
            Tsv::parse("stages.tsv", STAGES),
            Tsv::parse("biomarkers.tsv", BIOMARKERS),
            Tsv::parse("answers.tsv", ANSWERS),
            Tsv::parse("genes.tsv", GENES),
            Tsv::parse("rxnorm.tsv", RXNORM_TABLE),
            Tsv::parse("procedures.tsv", PROCEDURES),
            Tsv::parse("radiotherapy.tsv", RADIOTHERAPY),
        ];
        let mut t = Tables {
            small,
            sites: HashMap::new(),
            icd10cm: HashMap::new(),
            morphology: HashMap::new(),
            stages: HashMap::new(),
            stage_codes: HashMap::new(),
            markers: HashMap::new(),
            marker_export: HashMap::new(),
            answers: HashMap::new(),
            answer_codes: HashMap::new(),
            genes: HashMap::new(),
            gene_ids: HashMap::new(),
            rxnorm: HashMap::new(),
            rxnorm_ingredient: HashMap::new(),
            procedures: HashMap::new(),
            modalities: HashMap::new(),
            modality_codes: HashMap::new(),
            techniques: HashMap::new(),
            technique_codes: HashMap::new(),
            raw: Vec::new(),
        };
        for tsv in &raw {
            for row in &tsv.rows {
                let cell = |c: &str| tsv.cell(row, c);
                match tsv.name {
                    "sites.tsv" => {
                        let kind = match cell("kind") {
                            "primary" => SiteKind::Primary,
                            "secondary" => SiteKind::Secondary,
                            _ => SiteKind::BodyStructure,
                        };
                        t.sites.insert(
                            cell("code"),
                            SiteRow {
                                kind,
                                topography: dash(cell("topography")),
                                laterality: laterality(cell("laterality")),
                                morphology: dash(cell("morphology")),
                            },
                        );
                    }
                    "icd10cm.tsv" => {
                        t.icd10cm.insert(
                            cell("code"),
                            (cell("topography"), laterality(cell("laterality"))),
                        );
                    }
                    "morphology.tsv" => {
                        t.morphology.insert(cell("code"), cell("morphology"));
                    }
                    "stages.tsv" => {
                        if let Some(kind) = StageKind::parse(cell("kind")) {
                            t.stages.insert(cell("code"), (kind, cell("label")));
                            t.stage_codes
                                .insert((kind, cell("label").to_string()), cell("code"));
                        }
                    }
                    "biomarkers.tsv" => {
                        let kind = match cell("kind") {
                            "interpretation" => MarkerKind::Interpretation,
                            "ihc" => MarkerKind::Ihc,
                            "ish" => MarkerKind::Ish,
                            "quantity" => MarkerKind::Quantity,
                            "narrative" => MarkerKind::Narrative,
                            _ => MarkerKind::Presence,
                        };
                        t.markers.insert(
                            cell("code"),
                            MarkerRow {
                                marker: cell("marker"),
                                kind,
                            },
                        );
                        if cell("export") == "yes" {
                            t.marker_export.insert(
                                cell("marker"),
                                Code {
                                    system: LOINC,
                                    code: cell("code"),
                                    display: cell("display"),
                                },
                            );
                        }
                    }
                    "answers.tsv" => {
                        let kind = match cell("kind") {
                            "origin" => AnswerKind::Origin,
                            "significance" => AnswerKind::Significance,
                            "interpretation" => AnswerKind::Interpretation,
                            _ => AnswerKind::Result,
                        };
                        t.answers
                            .insert((cell("system"), cell("code")), (kind, cell("word")));
                        t.answer_codes.entry((kind, cell("word"))).or_insert(Code {
                            system: cell("system"),
                            code: cell("code"),
                            display: cell("display"),
                        });
                    }
                    "genes.tsv" => {
                        t.genes.insert(cell("code"), cell("symbol"));
                        t.gene_ids.insert(cell("symbol"), cell("code"));
                    }
                    "rxnorm.tsv" => {
                        t.rxnorm.insert(cell("rxcui"), cell("drug"));
                        if cell("tty") == "IN" {
                            t.rxnorm_ingredient.insert(
                                cell("drug"),
                                Code {
                                    system: RXNORM,
                                    code: cell("rxcui"),
                                    display: cell("display"),
                                },
                            );
                        }
                    }
                    "procedures.tsv" => {
                        t.procedures.insert(cell("code"), cell("procedure"));
                    }
                    "radiotherapy.tsv" => {
                        let code = Code {
                            system: SNOMED,
                            code: cell("code"),
                            display: cell("display"),
                        };
                        if cell("kind") == "modality" {
                            if let Some(rt) = radiation_type(cell("value")) {
                                t.modalities.insert(cell("code"), rt);
                                t.modality_codes.entry(rt).or_insert(code);
                            }
                        } else {
                            t.techniques.insert(cell("code"), cell("value"));
                            t.technique_codes
                                .insert(crate::domain::vocabulary::fold(cell("value")), code);
                        }
                    }
                    _ => {}
                }
            }
        }
        t.raw = raw;
        t
    }

    pub fn site(&self, code: &str) -> Option<&SiteRow> {
        self.sites.get(code)
    }

    pub fn icd10cm(&self, code: &str) -> Option<(&'static str, Option<Laterality>)> {
        self.icd10cm.get(code).copied()
    }

    pub fn morphology(&self, snomed: &str) -> Option<&'static str> {
        self.morphology.get(snomed).copied()
    }

    pub fn stage_value(&self, snomed: &str) -> Option<(StageKind, &'static str)> {
        self.stages.get(snomed).copied()
    }

    /// The SNOMED code of a stage label (`IIA`, `cT2`).
    pub fn stage_code(&self, kind: StageKind, label: &str) -> Option<&'static str> {
        self.stage_codes.get(&(kind, label.to_string())).copied()
    }

    pub fn marker(&self, loinc: &str) -> Option<&MarkerRow> {
        self.markers.get(loinc)
    }

    pub fn marker_code(&self, marker: &str) -> Option<Code> {
        self.marker_export.get(marker).copied()
    }

    pub fn answer(&self, system: &str, code: &str) -> Option<(AnswerKind, &'static str)> {
        self.answers.get(&(system, code)).copied()
    }

    pub fn answer_code(&self, kind: AnswerKind, word: &str) -> Option<Code> {
        self.answer_codes.get(&(kind, word)).copied()
    }

    pub fn gene(&self, hgnc: &str) -> Option<&'static str> {
        self.genes.get(hgnc).copied()
    }

    pub fn gene_id(&self, symbol: &str) -> Option<&'static str> {
        self.gene_ids.get(symbol).copied()
    }

    pub fn rxnorm(&self, rxcui: &str) -> Option<&'static str> {
        self.rxnorm.get(rxcui).copied()
    }

    /// The RxNorm ingredient code of a vocabulary drug (canonical name).
    pub fn rxnorm_code(&self, drug: &str) -> Option<Code> {
        self.rxnorm_ingredient.get(drug).copied()
    }

    pub fn procedure(&self, snomed: &str) -> Option<&'static str> {
        self.procedures.get(snomed).copied()
    }

    pub fn modality(&self, snomed: &str) -> Option<RadiationType> {
        self.modalities.get(snomed).copied()
    }

    pub fn modality_code(&self, rt: RadiationType) -> Option<Code> {
        self.modality_codes.get(&rt).copied()
    }

    pub fn technique(&self, snomed: &str) -> Option<&'static str> {
        self.techniques.get(snomed).copied()
    }

    pub fn technique_code(&self, label: &str) -> Option<Code> {
        self.technique_codes
            .get(&crate::domain::vocabulary::fold(label))
            .copied()
    }

    pub fn intent(&self, snomed: &str) -> Option<Intent> {
        self.small
            .intent
            .iter()
            .find(|r| r.code == snomed)
            .map(|r| r.intent)
    }

    pub fn intent_row(&self, intent: Intent) -> Option<&IntentRow> {
        self.small.intent.iter().find(|r| r.intent == intent)
    }

    pub fn laterality(&self, snomed: &str) -> Option<Laterality> {
        self.small
            .laterality
            .iter()
            .find(|r| r.code == snomed)
            .map(|r| r.laterality)
    }

    pub fn laterality_row(&self, laterality: Laterality) -> Option<&LateralityRow> {
        self.small
            .laterality
            .iter()
            .find(|r| r.laterality == laterality)
    }

    /// What a staging Observation.code says: kind and prefix ("" when none).
    pub fn stage_type(&self, system: &str, code: &str) -> Option<(StageKind, &str)> {
        self.small
            .stage_type
            .iter()
            .find(|r| r.system == system && r.code == code)
            .and_then(|r| Some((StageKind::parse(&r.kind)?, r.prefix.as_str())))
    }

    /// The SNOMED staging-type row for a kind and prefix (the exporter's Observation.code).
    pub fn stage_type_row(&self, kind: StageKind, prefix: &str) -> Option<&StageTypeRow> {
        self.small.stage_type.iter().find(|r| {
            r.system == SNOMED && StageKind::parse(&r.kind) == Some(kind) && r.prefix == prefix
        })
    }

    pub fn stage_method(&self, system: &str, code: &str) -> Option<&StageMethodRow> {
        self.small
            .stage_method
            .iter()
            .find(|r| r.system == system && r.code == code)
    }

    pub fn stage_method_for(&self, stage_system: &str) -> Option<&StageMethodRow> {
        self.small
            .stage_method
            .iter()
            .find(|r| !r.stage_system.is_empty() && r.stage_system == stage_system)
    }

    /// A staging Observation.code of a system whose values are not mapped.
    pub fn other_stage(&self, system: &str, code: &str) -> Option<&OtherStageRow> {
        self.small
            .other_stage
            .iter()
            .find(|r| r.system == system && r.code == code)
    }

    pub fn grade_code(&self, system: &str, code: &str) -> Option<&GradeCodeRow> {
        self.small
            .grade_code
            .iter()
            .find(|r| r.system == system && r.code == code)
    }

    pub fn grade_value(&self, system: &str, code: &str) -> Option<&GradeValueRow> {
        self.small
            .grade_value
            .iter()
            .find(|r| r.system == system && r.code == code)
    }

    /// `surgery` or `investigation` for a SNOMED service category.
    pub fn service_role(&self, snomed: &str) -> Option<&str> {
        self.small
            .service_category
            .iter()
            .find(|r| r.code == snomed)
            .map(|r| r.role.as_str())
    }

    pub fn service_category(&self, role: &str) -> Option<&ServiceCategoryRow> {
        self.small.service_category.iter().find(|r| r.role == role)
    }

    pub fn phase_label(&self, code: &str) -> Option<&str> {
        self.small
            .phase
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.label.as_str())
    }

    pub fn phase_code(&self, label: &str) -> Option<&str> {
        let wanted = label.trim().to_lowercase();
        self.small
            .phase
            .iter()
            .find(|r| r.label == wanted)
            .map(|r| r.code.as_str())
    }

    /// The performance scale a code names (ECOG 89247-1, Karnofsky 89243-0).
    pub fn performance_scale(&self, system: &str, code: &str) -> Option<PerformanceScale> {
        self.small
            .performance_scale
            .iter()
            .find(|r| r.system == system && r.code == code)
            .map(|r| r.scale)
    }

    /// The code written for a performance scale.
    pub fn performance_code(&self, scale: PerformanceScale) -> Option<&PerformanceScaleRow> {
        self.small
            .performance_scale
            .iter()
            .find(|r| r.scale == scale)
    }

    pub fn concord_code(&self, code: &str) -> Option<&ConcordCodeRow> {
        self.small.concord_code.iter().find(|r| r.code == code)
    }

    pub fn concord_meaning(&self, meaning: &str) -> Option<&ConcordCodeRow> {
        self.small
            .concord_code
            .iter()
            .find(|r| r.meaning == meaning)
    }

    /// The Concord code whose listed words include `text` (folded).
    pub fn concord_words(&self, text: &str) -> Option<&ConcordCodeRow> {
        let key = crate::domain::vocabulary::fold(text);
        self.small.concord_code.iter().find(|r| {
            r.words
                .iter()
                .any(|w| crate::domain::vocabulary::fold(w) == key)
        })
    }
}
