// `budget` given an expression: a budget built per call would be no budget.

use std::io;

use retry_runtime::retry;

#[retry(budget = retry_runtime::RetryBudget::new())]
async fn fetch() -> Result<u32, io::Error> {
    Ok(1)
}

fn main() {}
