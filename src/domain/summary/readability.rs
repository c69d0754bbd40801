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
//! Other languages count vowel groups (see [`vowel_group_syllables`]): informative only.

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
    VowelGroups,
}

impl Syllables {
    fn of(t: &Templates) -> Syllables {
        match t.text("readability.syllables").as_str() {
            "en-us" => Syllables::EnUs,
            _ => Syllables::VowelGroups,
        }
    }

    fn count(self, word: &str) -> usize {
        match self {
            Syllables::EnUs => EN_US.hyphenate(word).breaks.len() + 1,
            Syllables::VowelGroups => vowel_group_syllables(word),
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
    let c = counts(text, Syllables::of(t));
    Readability {
        flesch_kincaid_grade: grade(c),
        words: u32::try_from(c.words).unwrap_or(u32::MAX),
    }
}

/// Spanish-style syllables: groups of vowels, where two strong vowels (a, e, o, or an accented
/// í or ú) side by side are two syllables (hiatus: "le-er", "dí-a"), a weak pair or weak plus
/// strong is one (diphthong: "tra-ta-mien-to"), the `u` of que/qui/gue/gui is silent and a final
/// `y` is a vowel ("muy"). At least 1 per word, as pyphen counts. An approximation.
pub(crate) fn vowel_group_syllables(word: &str) -> usize {
    let chars: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
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

    #[test]
    fn spanish_vowel_groups() {
        for (word, n) in [
            ("tratamiento", 4),
            ("oncólogo", 4),
            ("día", 2),
            ("leer", 2),
            ("que", 1),
            ("muy", 1),
            ("y", 1),
            ("cáncer", 2),
            ("81403", 1),
        ] {
            assert_eq!(vowel_group_syllables(word), n, "{word}");
        }
    }
}
