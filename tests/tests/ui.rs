//! Compile tests of `#[retry]`: every supported shape compiles
//! (`ui/pass`), and every misuse fails with the diagnostic checked in beside
//! it (`ui/fail/*.stderr`).
//!
//! After a deliberate change to a diagnostic, re-bless the `.stderr` files
//! with `TRYBUILD=overwrite cargo test -p tests --test ui`, then read the
//! diff: each error must point at the user's token, with no follow-on errors.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
