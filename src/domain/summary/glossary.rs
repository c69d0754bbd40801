//! Plain-language explanations: a medical word the patient needs ("pathology", "grade") is
//! explained once, by a short sentence right after the first sentence that uses it.

use super::compose::Parts;
use super::templates::Templates;

/// Adds each glossary explanation after the term's first use in parts 2 to 8, then each of
/// `more` (a cell type's name and what it means). The headline stays one sentence; a term
/// inside the quoted script is explained after the quote.
pub(super) fn explain(parts: &mut Parts, t: &Templates, more: &[(String, String)]) {
    let mut pending = terms(t);
    for term in more {
        if !pending.contains(term) {
            pending.push(term.clone());
        }
    }
    // Two names may share an explanation (two gland cell cancers): it is said once.
    let mut said: Vec<String> = Vec::new();
    let mut visit = |text: &mut String, at_end: bool| {
        pending.retain(|(term, explanation)| match find_term(text, term) {
            Some(_) if said.contains(explanation) => false,
            Some(at) => {
                let end = if at_end {
                    text.len()
                } else {
                    sentence_end(text, at)
                };
                text.insert_str(end, &format!(" {explanation}"));
                said.push(explanation.clone());
                false
            }
            None => true,
        });
    };
    for text in parts.findings.iter_mut().chain(parts.agreements.iter_mut()) {
        visit(text, false);
    }
    visit(&mut parts.what_to_say, true);
    visit(&mut parts.what_to_expect, false);
    for text in parts
        .questions
        .iter_mut()
        .chain(parts.next_steps.iter_mut())
    {
        visit(text, false);
    }
    if let Some(timing) = parts.timing.as_mut() {
        visit(timing, false);
    }
    for text in parts.sharing_tips.iter_mut() {
        visit(text, false);
    }
}

/// (term, explanation) per glossary concept (`[glossary.<concept>]` with `term` and
/// `explanation`), in concept order.
fn terms(t: &Templates) -> Vec<(String, String)> {
    t.entries_under("glossary.")
        .into_iter()
        .filter_map(|(key, term)| {
            let concept = key.strip_suffix(".term")?;
            Some((term, t.text(&format!("glossary.{concept}.explanation"))))
        })
        .collect()
}

/// The byte offset of the first whole-word, case-insensitive occurrence of `term`.
fn find_term(text: &str, term: &str) -> Option<usize> {
    let term: Vec<char> = term.chars().flat_map(char::to_lowercase).collect();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let lower = |c: char| c.to_lowercase().next().unwrap_or(c);
    // A hyphen joins words: "grade" is not the glossary's word inside "high-grade".
    let in_word = |c: char| c.is_alphanumeric() || c == '-';
    (0..chars.len()).find_map(|start| {
        let before_ok = start == 0 || !in_word(chars[start - 1].1);
        let fits = start + term.len() <= chars.len()
            && term
                .iter()
                .enumerate()
                .all(|(i, c)| lower(chars[start + i].1) == *c);
        let after_ok = chars
            .get(start + term.len())
            .is_none_or(|(_, c)| !in_word(*c));
        (before_ok && fits && after_ok).then_some(chars[start].0)
    })
}

/// The offset just after the sentence that contains `at`: after a `.`, `?` or `!` followed by
/// a space or the end (so "40.05 Gy" or "CLDN18.2" do not end a sentence).
fn sentence_end(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    (at..bytes.len())
        .find(|&i| {
            matches!(bytes[i], b'.' | b'?' | b'!')
                && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace())
        })
        .map(|i| i + 1)
        .unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_match_whole_words_only() {
        assert_eq!(
            find_term("It grades the cancer as grade 3.", "grade"),
            Some(24)
        );
        assert_eq!(find_term("Gy is here", "gy"), Some(0));
        assert_eq!(find_term("biology", "gy"), None);
        assert_eq!(find_term("ductal carcinoma in situ.", "in situ"), Some(17));
        assert_eq!(find_term("a high-grade serous cancer", "grade"), None);
    }

    #[test]
    fn sentences_end_at_punctuation_before_a_space() {
        let text = "It suggests 40.05 Gy in 15 sessions. More.";
        assert_eq!(sentence_end(text, 0), 36);
        assert_eq!(sentence_end("No end", 0), 6);
    }
}
