//! The README cannot drift from the compiled docs: its "Using it" and
//! "The attribute" sections are `docs/using.md` and `docs/attribute.md`
//! (the crate's front page and the `retry` attribute's page, whose examples
//! run as doctests), word for word, less the doctests' hidden lines. Its
//! opening example is the attribute page's first, and its table of cargo
//! features is the runtime's `Cargo.toml`.
//!
//! After editing a docs page, copy it into the README with
//! `UPDATE_README=1 cargo test -p tests --test readme`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each docs page the README repeats, and how many levels deeper its
/// headings sit in the README.
const PAGES: [(&str, usize); 2] = [("docs/using.md", 0), ("docs/attribute.md", 1)];

/// Where a page's README copy starts, when not at its top.
const README_FROM: &str = "<!-- the README's copy starts here -->";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The page as a reader of the rendered docs sees it: rustdoc's hidden
/// lines (`# ` in a Rust block) left out, `rust,compile_fail` shown as
/// `rust`, and headings moved `shift` levels down.
fn as_rendered(page: &str, shift: usize) -> String {
    let mut out = Vec::new();
    let mut in_rust = false;
    let mut in_code = false;
    for line in page.trim_start().lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if in_code {
                in_code = false;
                in_rust = false;
            } else {
                in_code = true;
                in_rust = info.starts_with("rust");
                if in_rust {
                    let indent = &line[..line.len() - trimmed.len()];
                    out.push(format!("{indent}```rust"));
                    continue;
                }
            }
            out.push(line.to_owned());
            continue;
        }
        if in_rust && (trimmed == "#" || trimmed.starts_with("# ")) {
            continue;
        }
        if !in_code && trimmed.starts_with('#') {
            out.push(format!("{}{line}", "#".repeat(shift)));
            continue;
        }
        out.push(line.to_owned());
    }
    out.join("\n") + "\n"
}

/// The README's copy of `page`: the lines between its two markers.
fn region<'a>(readme: &'a str, page: &str) -> (usize, usize, &'a str) {
    let begin = format!("<!-- {page}:");
    let end = format!("<!-- /{page} -->");
    let start = readme
        .find(&begin)
        .unwrap_or_else(|| panic!("README has no {begin} ... --> marker"));
    let start = start + readme[start..].find('\n').unwrap() + 1;
    let stop = readme[start..]
        .find(&end)
        .unwrap_or_else(|| panic!("README has no {end} marker"))
        + start;
    (start, stop, &readme[start..stop])
}

#[test]
fn readme_repeats_the_doctested_pages() {
    let update = std::env::var_os("UPDATE_README").is_some();
    let mut readme = read("README.md");
    let mut stale = Vec::new();
    for (page, shift) in PAGES {
        let page_text = read(page);
        let copied = page_text
            .split_once(README_FROM)
            .map_or(page_text.as_str(), |(_, rest)| rest);
        let expected = as_rendered(copied, shift);
        let (start, stop, copy) = region(&readme, page);
        if copy == expected {
            continue;
        }
        if update {
            readme.replace_range(start..stop, &expected);
            continue;
        }
        let line = copy
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(copy.lines().count().min(expected.lines().count()));
        stale.push(format!(
            "{page}, line {} of its copy:\n  README: {:?}\n  page:   {:?}",
            line + 1,
            copy.lines().nth(line),
            expected.lines().nth(line)
        ));
    }
    if update {
        std::fs::write(root().join("README.md"), &readme).unwrap();
    }
    assert!(
        stale.is_empty(),
        "the README's copies differ from the pages; run UPDATE_README=1 cargo test -p tests --test readme\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_readmes_first_example_is_the_attribute_pages_first() {
    fn first_rust_block(text: &str) -> String {
        let start = text.find("```rust").unwrap();
        let body = &text[start..];
        let end = body[3..].find("```").unwrap() + 6;
        body[..end].to_owned()
    }
    let page = as_rendered(&read("docs/attribute.md"), 0);
    assert_eq!(
        first_rust_block(&read("README.md")),
        first_rust_block(&page)
    );
}

/// The features of `retry-runtime/Cargo.toml`, each with whether it is a
/// default one.
fn runtime_features() -> BTreeMap<String, bool> {
    let manifest = read("retry-runtime/Cargo.toml");
    let section = manifest.split("[features]").nth(1).unwrap();
    let section = section.split("\n[").next().unwrap();
    let mut defaults = Vec::new();
    let mut features = BTreeMap::new();
    for line in section.lines() {
        let Some((name, enables)) = line.split_once(" = ") else {
            continue;
        };
        if name == "default" {
            defaults = enables
                .trim_matches(['[', ']'])
                .split(',')
                .map(|f| f.trim().trim_matches('"').to_owned())
                .collect();
        } else {
            features.insert(name.to_owned(), false);
        }
    }
    for name in defaults {
        *features.get_mut(&name).unwrap() = true;
    }
    features
}

#[test]
fn the_readmes_feature_table_is_the_runtimes() {
    let readme = read("README.md");
    let table = readme
        .split("| feature | default | adds |")
        .nth(1)
        .expect("the README's feature table");
    let mut listed = BTreeMap::new();
    for row in table.lines().skip(2) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            break;
        }
        let name = cells[1].trim_matches('`').to_owned();
        listed.insert(name, cells[2] == "yes");
    }
    assert_eq!(listed, runtime_features());
}
