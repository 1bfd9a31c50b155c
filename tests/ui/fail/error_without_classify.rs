// An error type without `Classify`, and no `when`.

use retry_runtime::retry;

#[derive(Debug)]
enum DbError {
    Busy,
}

#[retry(max_attempts = 2)]
async fn query() -> Result<u32, DbError> {
    Err(DbError::Busy)
}

fn main() {}
