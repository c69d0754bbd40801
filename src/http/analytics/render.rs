//! The concordance report as a spreadsheet (CSV) and as a chart (SVG).

use super::{ConcordanceReport, LabelledGroup};
use crate::domain::analytics::{Count, GroupBy, GroupFigures, OUTCOMES, stacked_bars};

/// A spreadsheet cell: quoted when it holds a separator, and never read as a formula.
fn cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A row's words: the names behind its key where there are names.
fn row_label(group: &LabelledGroup) -> String {
    group
        .figures
        .key
        .iter()
        .map(|(dimension, value)| match dimension {
            GroupBy::Partner => group
                .labels
                .get("partner_name")
                .cloned()
                .unwrap_or_else(|| value.clone()),
            GroupBy::Site => match group.labels.get("site_name") {
                Some(name) => format!("{value} {name}"),
                None => value.clone(),
            },
            _ => value.clone(),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

pub(super) fn to_svg(report: &ConcordanceReport) -> String {
    let by: Vec<String> = report
        .group_by
        .iter()
        .filter_map(|d| serde_json::to_value(d).ok())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let title = if by.is_empty() {
        "Second opinions: confirms, refines, contradicts".to_string()
    } else {
        format!("Second opinions by {}", by.join(" and "))
    };
    let rows: Vec<(String, &GroupFigures)> = if report.groups.is_empty() || by.is_empty() {
        vec![("All referrals".to_string(), &report.total)]
    } else {
        report
            .groups
            .iter()
            .map(|g| (row_label(g), &g.figures))
            .collect()
    };
    stacked_bars(&title, &rows)
}

pub(super) fn to_csv(report: &ConcordanceReport) -> String {
    let mut header: Vec<String> = report
        .group_by
        .iter()
        .map(|d| {
            serde_json::to_value(d)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    header.extend(["label".to_string(), "referrals".to_string()]);
    for outcome in OUTCOMES.iter().chain(["needed_clinician_review"].iter()) {
        for part in ["count", "share", "ci95_low", "ci95_high"] {
            header.push(format!("{outcome}_{part}"));
        }
    }
    let mut lines = vec![header.join(",")];
    for group in &report.groups {
        let mut row: Vec<String> = report
            .group_by
            .iter()
            .map(|d| cell(group.figures.key.get(d).map(String::as_str).unwrap_or("")))
            .collect();
        row.push(cell(&row_label(group)));
        row.push(cell(&match &group.figures.referrals {
            Count::Shown(n) => n.to_string(),
            Count::Suppressed(text) => text.clone(),
        }));
        let shares = OUTCOMES
            .iter()
            .map(|o| group.figures.outcomes.get(*o))
            .chain([group.figures.needed_clinician_review.as_ref()]);
        for share in shares {
            match share {
                Some(s) => row.extend([
                    s.count.to_string(),
                    s.share.to_string(),
                    s.ci95_low.to_string(),
                    s.ci95_high.to_string(),
                ]),
                None => row.extend(std::iter::repeat_n(String::new(), 4)),
            }
        }
        lines.push(row.join(","));
    }
    lines.join("\r\n") + "\r\n"
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn spreadsheet_cells_never_start_a_formula() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Tata Memorial, Mumbai"), "\"Tata Memorial, Mumbai\"");
        assert_eq!(cell("C34"), "C34");
    }
}
