// Pins: `when = path` makes `Classify` unnecessary: the error type here does
// not implement it. Paths may be plain, module-qualified or associated fns.

use retry_runtime::retry;

#[derive(Debug, PartialEq)]
enum DbError {
    Busy,
    Corrupt,
}

fn is_busy(error: &DbError) -> bool {
    *error == DbError::Busy
}

mod rules {
    pub fn never(_: &super::DbError) -> bool {
        false
    }
}

struct Db;

impl Db {
    fn retryable(error: &DbError) -> bool {
        matches!(error, DbError::Busy)
    }

    #[retry(max_attempts = 2, base_delay = "1ms", when = Self::retryable)]
    async fn query(&self) -> Result<u32, DbError> {
        Ok(1)
    }
}

#[retry(max_attempts = 2, base_delay = "1ms", when = is_busy)]
async fn write() -> Result<(), DbError> {
    Ok(())
}

#[retry(when = rules::never)]
fn check() -> Result<(), DbError> {
    Err(DbError::Corrupt)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(Db.query().await, Ok(1));
    assert_eq!(write().await, Ok(()));
    assert_eq!(check(), Err(DbError::Corrupt));
}
