//! Lays the summary out on one page: headings, paragraphs, bullet lists and the oncologist's
//! table as a grid, with our own word wrapping. The body size starts at 10 pt and shrinks in
//! quarter points until everything fits.

use super::font::{BOLD, Face, REGULAR};
use crate::domain::summary::{Labels, Summary, SummaryError};

/// A4 paper, in points.
pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
pub(crate) const MARGIN: f32 = 36.0;
/// The content box also fits US Letter (612 x 792 pt), so the page prints on either paper.
pub(crate) const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
pub(crate) const CONTENT_HEIGHT: f32 = 792.0 - 2.0 * MARGIN;

pub(crate) const LARGEST_BODY_SIZE: f32 = 10.0;
const SMALLEST_BODY_SIZE: f32 = 5.5;
const LINE_HEIGHT: f32 = 1.22;

/// Something drawn on the page. Text positions are baselines, from the top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub marks: Vec<Mark>,
    pub body_size: f32,
}

/// The page at the largest body size that fits.
pub(crate) fn lay_out(summary: &Summary) -> Result<Page, SummaryError> {
    let labels = Labels::of(summary);
    let mut size = LARGEST_BODY_SIZE;
    while size >= SMALLEST_BODY_SIZE {
        let mut writer = Writer::new(size);
        writer.summary(summary, &labels);
        if writer.y <= MARGIN + CONTENT_HEIGHT {
            return Ok(Page {
                marks: writer.marks,
                body_size: size,
            });
        }
        size -= 0.25;
    }
    Err(SummaryError::Render(format!(
        "the summary does not fit one page even at {SMALLEST_BODY_SIZE} pt"
    )))
}

struct Writer {
    body: f32,
    /// The top of the next line.
    y: f32,
    marks: Vec<Mark>,
}

impl Writer {
    fn new(body: f32) -> Writer {
        Writer {
            body,
            y: MARGIN,
            marks: Vec::new(),
        }
    }

    fn summary(&mut self, s: &Summary, labels: &Labels) {
        let body = self.body;
        self.paragraph(&labels.title, body * 1.45, true, 0.0);
        self.space(body * 0.3);
        self.paragraph(&s.headline, body * 1.1, true, 0.0);
        if let Some(source) = &s.source {
            self.paragraph(&source.sentence, body, false, 0.0);
        }
        self.section(&labels.findings);
        self.bullets(&s.findings);
        if !s.agreements.is_empty() {
            self.section(&labels.agreements);
            self.bullets(&s.agreements);
        }
        self.section(&labels.what_to_say);
        self.paragraph(&s.what_to_say, body, false, body);
        self.section(&labels.what_to_expect);
        self.paragraph(&s.what_to_expect, body, false, 0.0);
        self.section(&labels.questions);
        self.numbered(&s.questions);
        self.section(&labels.next_steps);
        self.bullets(&s.next_steps);
        if let Some(timing) = &s.timing {
            self.section(&labels.timing);
            self.paragraph(timing, body, true, 0.0);
        }
        self.section(&labels.sharing_tips);
        self.bullets(&s.sharing_tips);
        self.section(&labels.oncologist_table);
        if let Some(source) = &labels.source {
            self.paragraph(source, body * 0.8, false, 0.0);
        }
        self.table(s, labels);
        self.space(body * 0.5);
        self.paragraph(&labels.disclaimer, body * 0.8, true, 0.0);
        self.paragraph(&s.disclaimer, body * 0.8, false, 0.0);
        self.paragraph(&labels.readability, body * 0.8, false, 0.0);
    }

    fn space(&mut self, points: f32) {
        self.y += points;
    }

    fn section(&mut self, title: &str) {
        self.space(self.body * 0.55);
        self.paragraph(title, self.body * 1.05, true, 0.0);
        self.space(self.body * 0.1);
    }

    /// Wrapped lines of text, `indent` from the left margin.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let face = face(bold);
        for line in wrap(text, face, size, CONTENT_WIDTH - indent) {
            self.line(MARGIN + indent, size, bold, line);
        }
    }

    fn line(&mut self, x: f32, size: f32, bold: bool, text: String) {
        let y = self.y + size * 0.93;
        self.marks.push(Mark::Text {
            x,
            y,
            size,
            bold,
            text,
        });
        self.y += size * LINE_HEIGHT;
    }

    fn bullets(&mut self, items: &[String]) {
        self.list(items, |_| "•".to_string());
    }

    fn numbered(&mut self, items: &[String]) {
        self.list(items, |i| format!("{}.", i + 1));
    }

    /// Items with a marker and a hanging indent.
    fn list(&mut self, items: &[String], marker: impl Fn(usize) -> String) {
        let size = self.body;
        let indent = size * 1.5;
        for (i, item) in items.iter().enumerate() {
            let lines = wrap(item, &REGULAR, size, CONTENT_WIDTH - indent);
            for (n, line) in lines.into_iter().enumerate() {
                if n == 0 {
                    self.marks.push(Mark::Text {
                        x: MARGIN + size * 0.2,
                        y: self.y + size * 0.93,
                        size,
                        bold: false,
                        text: marker(i),
                    });
                }
                self.line(MARGIN + indent, size, false, line);
            }
            self.space(size * 0.12);
        }
    }

    /// The oncologist's table as a grid: a bold header row, then one row per finding.
    fn table(&mut self, s: &Summary, labels: &Labels) {
        const COLUMNS: [f32; 4] = [0.17, 0.33, 0.33, 0.17];
        let size = self.body * 0.8;
        let pad = size * 0.3;
        let mut x_edges = vec![MARGIN];
        for share in COLUMNS {
            let last = *x_edges.last().unwrap_or(&MARGIN);
            x_edges.push(last + share * CONTENT_WIDTH);
        }
        let header: Vec<&str> = labels.columns.iter().map(String::as_str).collect();
        let top = self.y;
        self.rule(MARGIN, MARGIN + CONTENT_WIDTH);
        self.table_row(&header, &x_edges, size, pad, true);
        for row in &s.oncologist_table {
            let cells = [
                row.dimension.as_str(),
                row.current.as_str(),
                row.opinion.as_str(),
                row.change.as_str(),
            ];
            self.table_row(&cells, &x_edges, size, pad, false);
        }
        for x in x_edges {
            self.marks.push(Mark::Rule {
                x1: x,
                y1: top,
                x2: x,
                y2: self.y,
            });
        }
    }

    fn table_row(&mut self, cells: &[&str], x_edges: &[f32], size: f32, pad: f32, bold: bool) {
        let face = face(bold);
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(x_edges.windows(2))
            .map(|(text, edge)| wrap(text, face, size, edge[1] - edge[0] - 2.0 * pad))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let top = self.y + pad;
        for (column, cell_lines) in wrapped.into_iter().enumerate() {
            for (n, text) in cell_lines.into_iter().enumerate() {
                self.marks.push(Mark::Text {
                    x: x_edges[column] + pad,
                    y: top + n as f32 * size * LINE_HEIGHT + size * 0.93,
                    size,
                    bold,
                    text,
                });
            }
        }
        self.y = top + lines as f32 * size * LINE_HEIGHT + pad;
        self.rule(x_edges[0], x_edges[x_edges.len() - 1]);
    }

    fn rule(&mut self, from: f32, to: f32) {
        self.marks.push(Mark::Rule {
            x1: from,
            y1: self.y,
            x2: to,
            y2: self.y,
        });
    }
}

fn face(bold: bool) -> &'static Face {
    if bold { &BOLD } else { &REGULAR }
}

/// Greedy word wrapping at spaces; a word wider than the line is broken between characters.
fn wrap(text: &str, face: &Face, size: f32, width: f32) -> Vec<String> {
    let space = face.width(" ", size);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0;
    for word in text.split_whitespace() {
        let word_width = face.width(word, size);
        if !line.is_empty() && line_width + space + word_width <= width {
            line.push(' ');
            line.push_str(word);
            line_width += space + word_width;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if word_width <= width {
            line.push_str(word);
            line_width = word_width;
            continue;
        }
        for c in word.chars() {
            let c_width = face.width(c.encode_utf8(&mut [0; 4]), size);
            if !line.is_empty() && line_width + c_width > width {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            line.push(c);
            line_width += c_width;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let text = "The second opinion suggests the cancer medicines capecitabine and oxaliplatin (CAPOX). Averyveryveryverylongwordwithoutanyspaceatall.";
        let lines = wrap(text, &REGULAR, 10.0, 120.0);
        assert!(lines.len() > 3);
        for line in &lines {
            assert!(REGULAR.width(line, 10.0) <= 120.0 + 1e-3, "{line}");
        }
        assert_eq!(lines.join(" ").replace(' ', ""), text.replace(' ', ""));
    }
}
