// Pins: a named lifetime tying the output to an argument, and the same
// with elided lifetimes, for async and blocking fns.

use std::io;

use retry_runtime::retry;

#[retry(max_attempts = 2)]
async fn head<'a>(s: &'a str) -> Result<&'a str, io::Error> {
    Ok(&s[..1])
}

#[retry(max_attempts = 2)]
async fn head_elided(s: &str) -> Result<&str, io::Error> {
    Ok(&s[..1])
}

#[retry(max_attempts = 2)]
fn tail<'a>(s: &'a str) -> Result<&'a str, io::Error> {
    Ok(&s[1..])
}

#[retry(max_attempts = 2)]
fn tail_elided(s: &str) -> Result<&str, io::Error> {
    Ok(&s[1..])
}

#[tokio::test]
async fn compiles_and_runs() {
    let text = String::from("abc");
    assert_eq!(head(&text).await.unwrap(), "a");
    assert_eq!(head_elided(&text).await.unwrap(), "a");
    assert_eq!(tail(&text).unwrap(), "bc");
    assert_eq!(tail_elided(&text).unwrap(), "bc");
}
