//! The outcome shares of each group as a stacked horizontal bar chart in SVG, drawn here with
//! no JavaScript. Readable without colour: each outcome has its own pattern as well as its own
//! colour, every segment wide enough carries its count, and each row states its total.

use std::fmt::Write;

use super::{Count, GroupFigures, OUTCOMES};

const WIDTH: u32 = 760;
const LABEL: u32 = 260;
const BAR: u32 = 420;
const ROW: u32 = 34;
const TOP: u32 = 64;

/// Fill and pattern of each outcome, in `OUTCOMES` order (Okabe-Ito colours, which stay apart
/// for the common colour-vision deficiencies).
const STYLES: [(&str, &str, &str); 3] = [
    ("confirms", "#009E73", "solid"),
    ("refines", "#56B4E9", "hatched"),
    ("contradicts", "#E69F00", "dotted"),
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The chart of `groups` (each with its row label), titled `title`.
pub fn stacked_bars(title: &str, groups: &[(String, &GroupFigures)]) -> String {
    let height = TOP + ROW * groups.len().max(1) as u32 + 40;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="title desc" font-family="sans-serif" font-size="13">"##
    );
    let _ = write!(
        svg,
        r##"<title id="title">{}</title><desc id="desc">Share of second opinions that confirm, refine or contradict the plan, one bar per group; groups under 5 are hidden.</desc>"##,
        escape(title)
    );
    svg.push_str(r##"<defs><pattern id="hatched" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#56B4E9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.5"/></pattern><pattern id="dotted" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#E69F00"/><circle cx="3" cy="3" r="1.3" fill="#000"/></pattern></defs>"##);
    let _ = write!(
        svg,
        r##"<text x="8" y="20" font-weight="bold">{}</text>"##,
        escape(title)
    );
    // The legend: pattern swatch and name for each outcome.
    for (i, (name, colour, pattern)) in STYLES.iter().enumerate() {
        let x = 8 + i as u32 * 170;
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="32" width="16" height="16" fill="{}" stroke="#000"/><text x="{}" y="45">{name}</text>"##,
            fill(colour, pattern),
            x + 22
        );
    }
    for (row, (label, group)) in groups.iter().enumerate() {
        let y = TOP + row as u32 * ROW;
        let _ = write!(
            svg,
            r##"<text x="8" y="{}">{}</text>"##,
            y + 20,
            escape(&truncate(label, 34))
        );
        match &group.referrals {
            Count::Suppressed(text) => {
                let _ = write!(
                    svg,
                    r##"<text x="{LABEL}" y="{}" font-style="italic">{} referrals: hidden to protect patients</text>"##,
                    y + 20,
                    escape(text)
                );
            }
            Count::Shown(total) => {
                let mut x = LABEL as f64;
                for (name, colour, pattern) in STYLES {
                    let Some(share) = group.outcomes.get(name) else {
                        continue;
                    };
                    let width = share.share * f64::from(BAR);
                    if share.count > 0 {
                        let _ = write!(
                            svg,
                            r##"<rect x="{x:.1}" y="{}" width="{width:.1}" height="24" fill="{}" stroke="#000"><title>{name}: {} of {total}</title></rect>"##,
                            y + 4,
                            fill(colour, pattern),
                            share.count
                        );
                        if width >= 28.0 {
                            let _ = write!(
                                svg,
                                r##"<text x="{:.1}" y="{}" text-anchor="middle" font-weight="bold" fill="#000" stroke="#fff" stroke-width="3" paint-order="stroke">{}</text>"##,
                                x + width / 2.0,
                                y + 21,
                                share.count
                            );
                        }
                    }
                    x += width;
                }
                let _ = write!(
                    svg,
                    r##"<text x="{}" y="{}">n = {total}</text>"##,
                    LABEL + BAR + 10,
                    y + 20
                );
            }
        }
    }
    svg.push_str("</svg>");
    debug_assert_eq!(OUTCOMES.len(), STYLES.len());
    svg
}

fn fill(colour: &str, pattern: &str) -> String {
    if pattern == "solid" {
        colour.to_string()
    } else {
        format!("url(#{pattern})")
    }
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let cut: String = text.chars().take(chars - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analytics::{Cell, GroupBy, groups};

    fn cell(partner: &str, outcome: &str, n: i64) -> Cell {
        Cell {
            partner: partner.into(),
            site: None,
            scenario: "different_treatment".into(),
            period: "2026-12".into(),
            outcome: outcome.into(),
            needed_review: false,
            conversation: None,
            referrals: n,
        }
    }

    #[test]
    fn each_row_says_its_counts_and_hidden_rows_say_why() {
        let cells = [
            cell("A", "confirms", 6),
            cell("A", "contradicts", 2),
            cell("B", "refines", 9),
            cell("C", "refines", 2),
            cell("D", "refines", 3),
        ];
        let figures = groups(&cells, &[GroupBy::Partner]);
        let rows: Vec<(String, &GroupFigures)> = figures
            .iter()
            .map(|g| (format!("<{}>", g.key[&GroupBy::Partner]), g))
            .collect();
        let svg = stacked_bars("Outcomes by partner & period", &rows);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Outcomes by partner &amp; period"));
        assert!(svg.contains("&lt;A&gt;"), "labels are escaped");
        assert!(!svg.contains("<A>"));
        assert!(svg.contains("confirms: 6 of 8") && svg.contains("n = 8"));
        assert!(svg.contains("n = 9"));
        assert!(svg.contains("&lt; 5 referrals: hidden to protect patients"));
        assert!(svg.contains("url(#hatched)") && svg.contains("url(#dotted)"));
        assert!(!svg.contains("<script"), "no JavaScript");
    }
}
