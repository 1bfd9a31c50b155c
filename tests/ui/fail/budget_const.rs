// `budget` naming a `const`: each use would be a fresh, full budget that
// bounds nothing, so it is refused.

use std::io;

use retry_runtime::{RetryBudget, retry};

#[allow(clippy::declare_interior_mutable_const)]
const BUDGET: RetryBudget = RetryBudget::new();

#[retry(budget = BUDGET)]
async fn fetch() -> Result<u32, io::Error> {
    Ok(1)
}

fn main() {}
