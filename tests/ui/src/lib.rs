//! Nothing to use: this package holds the compile-fail suite of `#[retry]`
//! and `#[derive(Classify)]` (`fail/*.rs`, each beside its expected
//! `.stderr`), run by `cargo test -p ui-tests --test ui`.
