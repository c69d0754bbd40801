//! XHTML narrative (`Narrative.div`) to plain text with a real XML parser: block elements end
//! lines, list items start with "- ", white space inside a line collapses, markup never leaks.

const BLOCKS: [&str; 19] = [
    "div",
    "p",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "pre",
    "blockquote",
    "dl",
    "dt",
    "dd",
];

fn walk(node: roxmltree::Node, out: &mut String) {
    for child in node.children() {
        if child.is_text() {
            // Line breaks in the source are white space; only block elements end lines.
            out.push_str(&child.text().unwrap_or_default().replace(['\n', '\r'], " "));
            continue;
        }
        if !child.is_element() {
            continue;
        }
        let name = child.tag_name().name();
        let block = BLOCKS.contains(&name);
        if block {
            out.push('\n');
        }
        if name == "li" {
            out.push_str("- ");
        }
        if matches!(name, "td" | "th") {
            out.push(' ');
        }
        walk(child, out);
        if block {
            out.push('\n');
        }
    }
}

/// The text of an XHTML fragment, or the parser's complaint.
pub fn plain_text(xhtml: &str) -> Result<String, String> {
    let document = roxmltree::Document::parse(xhtml).map_err(|e| e.to_string())?;
    let mut raw = String::new();
    walk(document.root_element(), &mut raw);
    let lines: Vec<String> = raw
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect();
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    #[test]
    fn blocks_end_lines_and_markup_never_leaks() {
        let div = r#"<div xmlns="http://www.w3.org/1999/xhtml"><p>Neoadjuvant <b>AC-T</b>,
            then surgery.</p><ul><li>ER positive</li><li>HER2 &lt;1+&gt;</li></ul><table><tr><td>Stage</td><td>IIB</td></tr></table></div>"#;
        assert_eq!(
            plain_text(div).expect("xhtml"),
            "Neoadjuvant AC-T, then surgery.\n- ER positive\n- HER2 <1+>\nStage IIB"
        );
    }

    #[test]
    fn a_fragment_that_is_not_xml_is_an_error() {
        assert!(plain_text("<div><p>unclosed</div>").is_err());
        assert!(
            plain_text("<div>a <script>alert(1)</script></div>").is_ok_and(|t| t == "a alert(1)")
        );
    }
}
