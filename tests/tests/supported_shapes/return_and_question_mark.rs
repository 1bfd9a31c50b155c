// Pins: `return` and `?` inside the body: they end one attempt, and `?`
// converts through `From` exactly as in the unannotated fn (here
// `ParseIntError` -> `TestError`).

use retry_runtime::retry;
use tests::TestError;

#[retry(max_attempts = 2, base_delay = "1ms")]
async fn parse(text: &str) -> Result<u32, TestError> {
    if text.is_empty() {
        return Err(TestError::Permanent);
    }
    let n: u32 = text.trim().parse()?;
    if n == 0 {
        return Ok(0);
    }
    Ok(n * 2)
}

#[retry(max_attempts = 2, base_delay = "1ms")]
fn parse_blocking(text: &str) -> Result<u32, TestError> {
    if text.is_empty() {
        return Err(TestError::Permanent);
    }
    let n: u32 = text.trim().parse()?;
    Ok(n * 2)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(parse(" 21 ").await, Ok(42));
    assert_eq!(parse("0").await, Ok(0));
    assert_eq!(parse("").await, Err(TestError::Permanent));
    assert_eq!(parse("x").await, Err(TestError::BadNumber));
    assert_eq!(parse_blocking("21"), Ok(42));
    assert_eq!(parse_blocking("x"), Err(TestError::BadNumber));
}
