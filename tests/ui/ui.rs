//! Compile-fail tests of `#[retry]` and `#[derive(Classify)]`: every misuse
//! fails with the diagnostic checked in beside it (`fail/*.stderr`). The
//! supported shapes, which test no diagnostic, are ordinary tests
//! (`tests/tests/supported_shapes`).
//!
//! After a deliberate change to a diagnostic, re-bless the `.stderr` files
//! with `TRYBUILD=overwrite cargo test -p ui-tests --test ui`, then read the
//! diff: each error must point at the user's token, with no follow-on errors.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("fail/*.rs");
}
