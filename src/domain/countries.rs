//! ISO 3166-1 alpha-2 codes and their English short names (`data/countries.tsv`).

use std::collections::HashMap;
use std::sync::LazyLock;

static COUNTRIES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    include_str!("../../data/countries.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split_once('\t'))
        .collect()
});

/// The English short name of an assigned code (upper case), e.g. `IN` -> India.
pub fn name(code: &str) -> Option<&'static str> {
    COUNTRIES.get(code).copied()
}

/// Every assigned code, sorted.
pub fn codes() -> Vec<&'static str> {
    let mut codes: Vec<&str> = COUNTRIES.keys().copied().collect();
    codes.sort_unstable();
    codes
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_assigned_code_has_a_name() {
        assert_eq!(super::COUNTRIES.len(), 249);
        assert_eq!(super::name("IN"), Some("India"));
        assert_eq!(super::name("in"), None);
        assert_eq!(super::name("XX"), None);
    }
}

