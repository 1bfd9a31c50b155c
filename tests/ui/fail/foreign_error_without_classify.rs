// Another crate's error type without `Classify`, such as `reqwest::Error`
// without the runtime's `reqwest` feature: the user cannot implement the
// trait for it, so the notes name the features and the other ways out.
// (The notes are the same for every type: a `reqwest` case would need this
// crate without the feature, which the other tests need.)

use std::num::ParseIntError;

use retry_runtime::retry;

#[retry(max_attempts = 2)]
fn parse(text: &str) -> Result<u32, ParseIntError> {
    text.parse()
}

fn main() {}
