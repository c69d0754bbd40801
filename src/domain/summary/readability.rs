//! Flesch-Kincaid grade, counted the way Python textstat 0.7.3 counts it, so that the grade
//! limit of `summary.md` means what the widely used tool says:
//!
//! - words: punctuation removed (`[^\w\s]`), then split on white space;
//! - sentences: matches of `\b[^.!?]+[.!?]*`, not counting those of 2 words or fewer
//!   (at least 1);
//! - syllables: per word (lower case, punctuation removed), the hyphenation points + 1, with
//!   pyphen's defaults of at least 2 letters before and after a break;
//! - grade: 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59, where both
//!   averages are first rounded to one decimal and the grade too (textstat's legacy rounding).
//!
//! English syllables come from the `hyphenation` crate's en-us (TeX) patterns. They agree with
//! the LibreOffice `hyph_en_US.dic` patterns pyphen uses on about 99% of words; the words where
//! they differ and that a summary may contain are listed in `data/summary/en_syllables.toml`.
//!
//! Spanish has formulas of its own, computed on the same word and sentence counts with Spanish
//! syllables ([`spanish_syllables`]: one per vowel nucleus, by the rules of diphthong and hiatus):
//!
//! - Fernández-Huerta (1959): 206.84 - 60 * (syllables / words) - 1.02 * (words / sentences),
//!   the form textstat and most tools use (the published "1.02 F" read as words per sentence,
//!   as in Flesch's formula it adapts); 80-90 reads "fácil", 90 and above "muy fácil";
//! - Szigriszt-Pazos (1993): 206.835 - 62.3 * (syllables / words) - words / sentences, read on
//!   the INFLESZ scale (Barrio-Cantalejo 2008): 55-65 "normal", 65-80 "bastante fácil", 80 and
//!   above "muy fácil".
//!
//! Both are rounded once, to one decimal, at the end (textstat 0.7.3 rounds the two averages to
//! one decimal first, which moves a Spanish score by up to 6 points; here they are exact).

use std::sync::LazyLock;

use hyphenation::{Hyphenator, Language, Load, Standard};
use regex::Regex;

use super::Readability;
use super::templates::Templates;

static PUNCTUATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[^\w\s]").expect("punctuation pattern"));
static SENTENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[^.!?]+[.!?]*").expect("sentence pattern"));

/// en-us patterns with pyphen's default minima and the words where pyphen's patterns differ.
static EN_US: LazyLock<Standard> = LazyLock::new(|| {
    let mut dictionary =
        Standard::from_embedded(Language::EnglishUS).expect("embedded en-us hyphenation");
    // pyphen's defaults: a break needs 2 letters before it and 2 after (en-us says 2 and 3).
    dictionary.minima = (2, 2);
    for (word, breaks) in pyphen_words() {
        dictionary.add_exception(word, breaks);
    }
    dictionary
});

/// Words whose pyphen (hyph_en_US.dic) hyphenation differs from the en-us TeX patterns, as
/// (word, byte offsets of its breaks).
fn pyphen_words() -> Vec<(String, Vec<usize>)> {
    #[derive(serde::Deserialize)]
    struct File {
        words: std::collections::BTreeMap<String, String>,
    }
    let file: File = toml::from_str(include_str!("../../../data/summary/en_syllables.toml"))
        .expect("data/summary/en_syllables.toml");
    file.words
        .into_iter()
        .map(|(word, hyphenated)| {
            let mut breaks = Vec::new();
            let mut offset = 0;
            for piece in hyphenated.split('-') {
                offset += piece.len();
                breaks.push(offset);
            }
            breaks.pop();
            (word, breaks)
        })
        .collect()
}

/// How a language counts syllables (`readability.syllables` in its templates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syllables {
    EnUs,
    Spanish,
}

impl Syllables {
    /// `readability.syllables` of a language's templates: "en-us" or "spanish".
    fn of(t: &Templates) -> Syllables {
        match t.text("readability.syllables").as_str() {
            "spanish" => Syllables::Spanish,
            _ => Syllables::EnUs,
        }
    }

    fn count(self, word: &str) -> usize {
        match self {
            Syllables::EnUs => EN_US.hyphenate(word).breaks.len() + 1,
            Syllables::Spanish => spanish_syllables(word),
        }
    }
}

/// Counts as textstat 0.7.3 does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub words: usize,
    pub sentences: usize,
    pub syllables: usize,
}

pub(crate) fn counts(text: &str, syllables: Syllables) -> Counts {
    let words = word_count(text);
    let found = SENTENCE.find_iter(text).count();
    let short = SENTENCE
        .find_iter(text)
        .filter(|m| word_count(m.as_str()) <= 2)
        .count();
    let lowered = PUNCTUATION
        .replace_all(&text.to_lowercase(), "")
        .into_owned();
    let syllables = lowered.split_whitespace().map(|w| syllables.count(w)).sum();
    Counts {
        words,
        sentences: found.saturating_sub(short).max(1),
        syllables,
    }
}

fn word_count(text: &str) -> usize {
    PUNCTUATION.replace_all(text, "").split_whitespace().count()
}

/// textstat's `_legacy_round`: half away from zero, at `points` decimals.
fn legacy_round(number: f64, points: i32) -> f64 {
    let p = 10f64.powi(points);
    ((number * p) + 0.5f64.copysign(number)).floor() / p
}

pub(crate) fn grade(c: Counts) -> f64 {
    if c.words == 0 {
        return 0.0;
    }
    let sentence_length = legacy_round(c.words as f64 / c.sentences as f64, 1);
    let syllables_per_word = legacy_round(c.syllables as f64 / c.words as f64, 1);
    legacy_round(
        0.39 * sentence_length + 11.8 * syllables_per_word - 15.59,
        1,
    )
}

pub(super) fn measure(text: &str, t: &Templates) -> Readability {
    let syllables = Syllables::of(t);
    let c = counts(text, syllables);
    let spanish = syllables == Syllables::Spanish && c.words > 0;
    Readability {
        flesch_kincaid_grade: grade(c),
        words: u32::try_from(c.words).unwrap_or(u32::MAX),
        fernandez_huerta: spanish.then(|| fernandez_huerta(c)),
        szigriszt_pazos: spanish.then(|| szigriszt_pazos(c)),
    }
}

fn averages(c: Counts) -> (f64, f64) {
    let words = c.words.max(1) as f64;
    (
        c.syllables as f64 / words,
        words / c.sentences.max(1) as f64,
    )
}

/// Fernández-Huerta reading ease, one decimal.
pub(crate) fn fernandez_huerta(c: Counts) -> f64 {
    let (syllables_per_word, words_per_sentence) = averages(c);
    legacy_round(
        206.84 - 60.0 * syllables_per_word - 1.02 * words_per_sentence,
        1,
    )
}

/// Szigriszt-Pazos perspicuity (the INFLESZ score), one decimal.
pub(crate) fn szigriszt_pazos(c: Counts) -> f64 {
    let (syllables_per_word, words_per_sentence) = averages(c);
    legacy_round(206.835 - 62.3 * syllables_per_word - words_per_sentence, 1)
}

/// Spanish syllables: one per vowel nucleus. Two strong vowels (a, e, o, or a stressed í or ú)
/// side by side are two syllables (hiatus: "le-er", "dí-a", "pa-ís"); a weak vowel (i, u, ü)
/// beside another vowel shares its syllable (diphthong "tra-ta-mien-to", triphthong "buey").
/// The `u` of que, qui, gue and gui is silent; `y` is a vowel at the end of a word after a vowel
/// ("muy", "hoy") and a consonant before one ("ayuda"); a silent `h` between vowels keeps them
/// together or apart as if it were not there ("ahu-ma-do", "pro-hí-be"). At least 1 per word.
pub(crate) fn spanish_syllables(word: &str) -> usize {
    let chars: Vec<char> = word
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect();
    let vowel = |i: usize| -> Option<bool> {
        // Some(strong?) for a vowel, None for a consonant.
        let c = chars[i];
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        match c {
            'a' | 'e' | 'o' | 'á' | 'é' | 'ó' | 'í' | 'ú' => Some(true),
            'u' if matches!(previous, Some('q' | 'g'))
                && matches!(next, Some('e' | 'i' | 'é' | 'í')) =>
            {
                None
            }
            'i' | 'u' | 'ü' => Some(false),
            'y' if next.is_none() && i > 0 => Some(false),
            _ => None,
        }
    };
    let mut count = 0;
    let mut previous: Option<bool> = None;
    for i in 0..chars.len() {
        let current = vowel(i);
        let silent_h = chars[i] == 'h'
            && previous.is_some()
            && chars.get(i + 1).is_some_and(|_| vowel(i + 1).is_some());
        if silent_h {
            continue;
        }
        match (previous, current) {
            (_, None) => {}
            (None, Some(_)) => count += 1,
            (Some(true), Some(true)) => count += 1,
            (Some(_), Some(_)) => {}
        }
        previous = current;
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en(text: &str) -> (Counts, f64) {
        let c = counts(text, Syllables::EnUs);
        (c, grade(c))
    }

    #[test]
    fn counts_follow_textstat() {
        // Each expectation is what textstat 0.7.3 reports for the same text.
        let (c, g) = en("The cat sat on the mat. It was a sunny day.");
        assert_eq!((c.words, c.sentences, c.syllables, g), (11, 2, 12, -0.6));
        // Sentences of two words or fewer are not counted, their words are.
        let (c, g) = en("Yes. The second opinion agrees with your plan.");
        assert_eq!((c.words, c.sentences, c.syllables, g), (8, 1, 10, 2.9));
        // A decimal point splits a sentence, as in textstat.
        let (c, g) = en("It suggests 40.05 Gy in 15 sessions for you.");
        assert_eq!((c.words, c.sentences, c.syllables, g), (9, 2, 11, 0.3));
    }

    #[test]
    fn english_syllables_match_pyphen() {
        // len(Pyphen(lang="en_US").positions(word)) + 1 with pyphen 0.18.1; "medicine" to
        // "histology" are among the words listed in en_syllables.toml.
        for (word, count) in [
            ("oncologist", 4),
            ("surgery", 1),
            ("opinion", 2),
            ("medicine", 1),
            ("medicines", 1),
            ("every", 2),
            ("medical", 3),
            ("histology", 4),
            ("pembrolizumab", 3),
            ("treatment", 2),
            ("radiation", 4),
            ("capecitabine", 1),
            ("chictr2400081234", 2),
            ("cldn182", 2),
        ] {
            assert_eq!(Syllables::EnUs.count(word), count, "{word}");
        }
    }

    #[test]
    fn legacy_rounding_is_half_away_from_zero() {
        assert_eq!(legacy_round(1.25, 1), 1.3);
        assert_eq!(legacy_round(1.24, 1), 1.2);
        assert_eq!(legacy_round(-1.25, 1), -1.3);
    }

    /// Counted by hand, syllable by syllable, by the rules of the Real Academia Española
    /// (Ortografía 2010, 4.1): the split is in the comment.
    #[test]
    fn spanish_syllables_match_hand_counts() {
        for (word, n) in [
            ("tratamiento", 4),   // tra-ta-mien-to: diphthong ie
            ("oncólogo", 4),      // on-có-lo-go
            ("quimioterapia", 5), // qui-mio-te-ra-pia: silent u, diphthongs io and ia
            ("radioterapia", 5),  // ra-dio-te-ra-pia
            ("día", 2),           // dí-a: stressed í breaks the diphthong
            ("país", 2),          // pa-ís
            ("oído", 3),          // o-í-do
            ("leer", 2),          // le-er: two strong vowels
            ("poeta", 3),         // po-e-ta
            ("aéreo", 4),         // a-é-re-o
            ("ciudad", 2),        // ciu-dad: two weak vowels
            ("cuidado", 3),       // cui-da-do
            ("guerra", 2),        // gue-rra: silent u
            ("pingüino", 3),      // pin-güi-no: sounded ü
            ("que", 1),
            ("muy", 1), // final y after a vowel
            ("hoy", 1),
            ("buey", 1),    // triphthong
            ("uruguay", 3), // u-ru-guay
            ("ayuda", 3),   // a-yu-da: y before a vowel is a consonant
            ("y", 1),
            ("ahumado", 3),   // ahu-ma-do: h does not split the diphthong
            ("prohíbe", 3),   // pro-hí-be
            ("búho", 2),      // bú-ho
            ("zanahoria", 4), // za-na-ho-ria
            ("alcohol", 3),   // al-co-hol
            ("deshacer", 3),  // des-ha-cer
            ("cáncer", 2),
            ("oncólogos", 4),
            ("médicos", 3),
            ("ganglios", 2), // gan-glios
            ("pulmón", 2),
            ("segunda", 3),
            ("opinión", 3), // o-pi-nión
            ("81403", 1),
        ] {
            assert_eq!(spanish_syllables(word), n, "{word}");
        }
    }

    #[test]
    fn spanish_scores_follow_their_formulas() {
        // 12 words, 2 sentences, 20 syllables (counted by hand).
        let text = "El médico le explica el plan. Usted puede hacer preguntas.";
        let c = counts(text, Syllables::Spanish);
        assert_eq!((c.words, c.sentences, c.syllables), (10, 2, 19));
        // 206.84 - 60 * 1.9 - 1.02 * 5 = 87.74; 206.835 - 62.3 * 1.9 - 5 = 83.465.
        assert_eq!(fernandez_huerta(c), 87.7);
        assert_eq!(szigriszt_pazos(c), 83.5);
    }
}
