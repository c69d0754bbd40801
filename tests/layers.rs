//! The layers of `src/` and the arrows between them that must never exist
//! (`../shared/design/architecture.md`, section 3), read from the source: every `crate::<part>`
//! path, and every `super::<module>` inside `src/http/`, is an arrow from the file's part to
//! the part it names.
//!
//! - domain imports nothing of the shell;
//! - db imports domain and nothing else of the crate;
//! - auth never imports http or app; events never imports http or app;
//! - app never imports http; http never imports db; config never imports http;
//! - inside http, a resource module never imports another resource module (only the shared
//!   extractors and helpers).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// http modules every resource module may use: extractors, errors, the document, paging.
const HTTP_SHARED: [&str; 12] = [
    "mod",
    "attachment",
    "cors",
    "caller",
    "etag",
    "idempotency",
    "json",
    "negotiate",
    "observe",
    "openapi",
    "pagination",
    "problem",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Entry,
    Config,
    Http,
    App,
    Events,
    Auth,
    Db,
    Domain,
}

/// The part a file of `src/` belongs to: its top folder or module (main, lib, startup and
/// telemetry are the entry).
fn part_of_file(path: &str) -> Part {
    let top = path.split('/').next().unwrap_or(path);
    part_named(top.trim_end_matches(".rs")).unwrap_or(Part::Entry)
}

/// The part a top-level module of the crate belongs to.
fn part_named(name: &str) -> Option<Part> {
    Some(match name {
        "domain" => Part::Domain,
        "db" => Part::Db,
        "http" => Part::Http,
        "app" => Part::App,
        "auth" => Part::Auth,
        "events" => Part::Events,
        "config" => Part::Config,
        "startup" | "telemetry" | "main" | "lib" => Part::Entry,
        _ => return None,
    })
}

/// Whether `from -> to` is one of the arrows that must never exist.
fn forbidden(from: Part, to: Part) -> bool {
    use Part::*;
    if from == to {
        return false;
    }
    match from {
        Domain => true,
        Db => to != Domain,
        Auth | Events => matches!(to, Http | App),
        App => to == Http,
        Http => to == Db,
        Config => to == Http,
        Entry => false,
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The source without `//` comments, so a doc comment naming a path is not an import.
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // `://` is a URL in a string, not a comment.
            Some(at) if !line[..at].ends_with(':') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names that follow `prefix` in `code` (`crate::db::x` with prefix `crate::` gives `db`),
/// including each name of a group (`crate::{db, http}`).
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        // `super::` inside `crate::a::super::` does not occur; skip longer identifiers ending in the prefix.
        if code[..at]
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = ident(item.trim());
                if !name.is_empty() {
                    names.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// Every arrow that must never exist, as (file, what it reaches).
fn violations() -> BTreeSet<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let http_modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| {
            http_module(
                &f.strip_prefix(&src)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/"),
            )
        })
        .collect();
    let mut found = BTreeSet::new();
    for file in files {
        let relative = file
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        let text = code(&std::fs::read_to_string(&file).expect("read"));
        let from = part_of_file(&relative);
        for name in names_after(&text, "crate::") {
            if let Some(to) = part_named(&name)
                && forbidden(from, to)
            {
                found.insert((relative.clone(), name));
            }
        }
        // Inside http: resource modules reach each other through `super::` or `crate::http::`
        // (a name that is no module is an item of http/mod.rs, which is shared).
        if let Some(module) = http_module(&relative)
            && !HTTP_SHARED.contains(&module.as_str())
        {
            let mut reached = names_after(&text, "super::");
            reached.extend(names_after(&text, "crate::http::"));
            for other in reached {
                if other != module
                    && http_modules.contains(&other)
                    && !HTTP_SHARED.contains(&other.as_str())
                {
                    found.insert((relative.clone(), format!("http::{other}")));
                }
            }
        }
    }
    found
}

/// The top-level http module a file belongs to (`http/cases.rs` and `http/cases/x.rs`: cases).
fn http_module(relative: &str) -> Option<String> {
    let rest = relative.strip_prefix("http/")?;
    let first = rest.split('/').next()?;
    Some(first.trim_end_matches(".rs").to_string())
}

#[test]
fn no_arrow_goes_the_wrong_way() {
    let found = violations();
    assert!(
        found.is_empty(),
        "imports that go the wrong way (architecture.md section 3):\n{}",
        found
            .iter()
            .map(|(f, t)| format!("    {f} -> {t}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_reader_sees_each_kind_of_import() {
    let text = code(
        "use crate::db::cases;\nuse crate::{http, auth};\nlet x = super::cases::f(); // crate::app\n",
    );
    assert_eq!(
        names_after(&text, "crate::"),
        ["auth", "db", "http"].map(String::from).into()
    );
    assert_eq!(
        names_after(&text, "super::"),
        ["cases"].map(String::from).into()
    );
    assert!(forbidden(Part::Db, Part::Http) && forbidden(Part::Http, Part::Db));
    assert!(forbidden(Part::Domain, Part::Config) && !forbidden(Part::Http, Part::App));
    assert!(!forbidden(Part::Auth, Part::Db) && forbidden(Part::Auth, Part::Http));
}
