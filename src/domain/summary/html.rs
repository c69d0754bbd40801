//! The summary as one self-contained HTML page: inline CSS, no scripts, no outside requests.
//! Printed, it uses the body size at which the PDF layout fits one page, so it prints on one
//! A4 or US Letter page too. Every text is escaped.

use std::fmt::Write;

use super::pdf::layout::{LARGEST_BODY_SIZE, MARGIN, lay_out};
use super::{Labels, Summary};

const STYLE: &str = "\
body{font-family:\"DejaVu Sans\",Verdana,Arial,sans-serif;color:#111;max-width:46em;\
margin:1.5em auto;padding:0 1em;line-height:1.4;font-size:16px;overflow-wrap:anywhere}\
h1{font-size:1.45em;margin:0 0 .3em}h2{font-size:1.05em;margin:1em 0 .2em}\
p{margin:0 0 .4em}ul,ol{margin:0;padding-left:1.3em}li{margin:0 0 .15em}\
.headline{font-weight:bold;font-size:1.1em}.timing{font-weight:bold}\
blockquote{margin:0 0 0 1em}table{border-collapse:collapse;width:100%;font-size:.8em}\
th,td{border:.5pt solid #8c8c8c;padding:.15em .3em;text-align:left;vertical-align:top;\
overflow-wrap:anywhere}\
.small{font-size:.8em}";

pub fn to_html(summary: &Summary) -> String {
    let labels = Labels::of(summary);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}{}</style>\n</head>\n<body>\n",
        escape(&summary.language),
        escape(&labels.title),
        print_style(summary)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&labels.title));
    let _ = writeln!(
        out,
        "<p class=\"headline\">{}</p>",
        escape(&summary.headline)
    );
    if let Some(source) = &summary.source {
        let _ = writeln!(out, "<p>{}</p>", escape(&source.sentence));
    }
    section(&mut out, &labels.findings);
    list(&mut out, "ul", &summary.findings);
    if !summary.agreements.is_empty() {
        section(&mut out, &labels.agreements);
        list(&mut out, "ul", &summary.agreements);
    }
    section(&mut out, &labels.what_to_say);
    let _ = writeln!(
        out,
        "<blockquote><p>{}</p></blockquote>",
        escape(&summary.what_to_say)
    );
    section(&mut out, &labels.what_to_expect);
    let _ = writeln!(out, "<p>{}</p>", escape(&summary.what_to_expect));
    section(&mut out, &labels.questions);
    list(&mut out, "ol", &summary.questions);
    section(&mut out, &labels.next_steps);
    list(&mut out, "ul", &summary.next_steps);
    if let Some(timing) = &summary.timing {
        section(&mut out, &labels.timing);
        let _ = writeln!(out, "<p class=\"timing\">{}</p>", escape(timing));
    }
    section(&mut out, &labels.sharing_tips);
    list(&mut out, "ul", &summary.sharing_tips);
    section(&mut out, &labels.oncologist_table);
    if let Some(source) = &labels.source {
        let _ = writeln!(out, "<p class=\"small\">{}</p>", escape(source));
    }
    table(&mut out, summary, &labels);
    let _ = writeln!(
        out,
        "<p class=\"small\"><strong>{}</strong> {}</p>\n<p class=\"small\">{}</p>",
        escape(&labels.disclaimer),
        escape(&summary.disclaimer),
        escape(&labels.readability)
    );
    out.push_str("</body>\n</html>\n");
    out
}

/// Print rules: A4 with the PDF's margins and body size (the content box fits Letter too).
fn print_style(summary: &Summary) -> String {
    let size = lay_out(summary)
        .map(|page| page.body_size)
        .unwrap_or(LARGEST_BODY_SIZE * 0.6);
    format!(
        "@page{{size:A4;margin:{MARGIN}pt}}\
         @media print{{body{{font-size:{size}pt;line-height:1.22;max-width:none;margin:0;padding:0}}\
         h1{{margin:0 0 .3em}}h2{{margin:.55em 0 .1em}}p{{margin:0}}li{{margin:0 0 .12em}}\
         blockquote{{margin:0 0 0 1em}}table{{page-break-inside:avoid}}}}"
    )
}

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "<h2>{}</h2>", escape(title));
}

fn list(out: &mut String, tag: &str, items: &[String]) {
    let _ = writeln!(out, "<{tag}>");
    for item in items {
        let _ = writeln!(out, "<li>{}</li>", escape(item));
    }
    let _ = writeln!(out, "</{tag}>");
}

fn table(out: &mut String, summary: &Summary, labels: &Labels) {
    out.push_str("<table>\n<thead><tr>");
    for column in &labels.columns {
        let _ = write!(out, "<th>{}</th>", escape(column));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &summary.oncologist_table {
        out.push_str("<tr>");
        for cell in [&row.dimension, &row.current, &row.opinion, &row.change] {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Escapes the five characters with a meaning in HTML text and attributes.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
