//! The summary as Markdown, with the same content as the JSON. Every text is escaped, since
//! names, medicines and trial titles come from outside.

use std::fmt::Write;

use super::{Labels, Summary};

pub fn to_markdown(summary: &Summary) -> String {
    let labels = Labels::of(summary);
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape(&labels.title));
    let _ = writeln!(out, "**{}**\n", escape(&summary.headline));
    if let Some(source) = &summary.source {
        let _ = writeln!(out, "{}\n", escape(&source.sentence));
    }
    section(&mut out, &labels.findings);
    bullets(&mut out, &summary.findings);
    if !summary.agreements.is_empty() {
        section(&mut out, &labels.agreements);
        bullets(&mut out, &summary.agreements);
    }
    section(&mut out, &labels.what_to_say);
    let _ = writeln!(out, "> {}\n", escape(&summary.what_to_say));
    section(&mut out, &labels.what_to_expect);
    let _ = writeln!(out, "{}\n", escape(&summary.what_to_expect));
    section(&mut out, &labels.questions);
    for (i, question) in summary.questions.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", i + 1, escape(question));
    }
    out.push('\n');
    section(&mut out, &labels.next_steps);
    bullets(&mut out, &summary.next_steps);
    if let Some(timing) = &summary.timing {
        section(&mut out, &labels.timing);
        let _ = writeln!(out, "{}\n", escape(timing));
    }
    section(&mut out, &labels.sharing_tips);
    bullets(&mut out, &summary.sharing_tips);
    section(&mut out, &labels.oncologist_table);
    if let Some(source) = &labels.source {
        let _ = writeln!(out, "{}\n", escape(source));
    }
    table(&mut out, summary, &labels);
    section(&mut out, &labels.disclaimer);
    let _ = writeln!(out, "{}\n", escape(&summary.disclaimer));
    let _ = writeln!(out, "_{}_", escape(&labels.readability));
    out
}

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "## {}\n", escape(title));
}

fn bullets(out: &mut String, items: &[String]) {
    for item in items {
        let _ = writeln!(out, "- {}", escape(item));
    }
    out.push('\n');
}

fn table(out: &mut String, summary: &Summary, labels: &Labels) {
    let header: Vec<String> = labels.columns.iter().map(|c| escape(c)).collect();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|---|---|---|---|");
    for row in &summary.oncologist_table {
        let cells = [&row.dimension, &row.current, &row.opinion, &row.change];
        let cells: Vec<String> = cells.iter().map(|c| escape(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// Backslash-escapes Markdown syntax characters and flattens line breaks, so outside text
/// cannot add links, HTML, emphasis, headings or table cells.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markdown_syntax_in_outside_text_is_escaped() {
        assert_eq!(
            escape("<script>alert(1)</script> [x](y) *b* a|b\nc"),
            "\\<script\\>alert(1)\\</script\\> \\[x\\](y) \\*b\\* a\\|b c"
        );
    }
}
