//! The README quotes example programs instead of showing code nobody
//! compiles: each quote marked `<!-- excerpt: PATH -->` must be made of the
//! file's own lines. A `// ...` line separates parts; each part is a run of
//! consecutive lines of the file, in the file's order.

use std::fs;
use std::path::Path;

/// Where `part` starts in `lines`, if it is there whole.
fn find(lines: &[&str], part: &[&str]) -> Option<usize> {
    lines.windows(part.len()).position(|window| window == part)
}

#[test]
fn every_marked_excerpt_is_made_of_its_files_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md");
    let mut lines = readme.lines();
    let mut checked = Vec::new();
    while let Some(line) = lines.next() {
        let Some(path) = line
            .strip_prefix("<!-- excerpt: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        assert_eq!(
            lines.next(),
            Some("```rust"),
            "a rust block after the marker of {path}"
        );
        let block: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        let source = fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let source: Vec<&str> = source.lines().map(str::trim_end).collect();
        let mut from = 0;
        for part in block.split(|line| line.trim() == "// ...") {
            let part: Vec<&str> = part.iter().map(|line| line.trim_end()).collect();
            assert!(!part.is_empty(), "an empty part in the excerpt of {path}");
            let at = find(&source[from..], &part).unwrap_or_else(|| {
                panic!(
                    "the README's excerpt of {path} differs from the file (after line {from}):\n{}",
                    part.join("\n")
                )
            });
            from += at + part.len();
        }
        checked.push(path);
    }
    assert_eq!(
        checked,
        [
            "examples/examples/tower_layer.rs",
            "examples/examples/reqwest_middleware.rs",
            "tests/tests/rate_limiter.rs",
            "benches/src/throttle.rs"
        ]
    );
}
