// Pins: every accepted form of `jitter`: bare, each strategy name, and an
// expression of type `Jitter`.

use std::io;

use retry_runtime::{Jitter, retry};

#[retry(jitter)]
fn bare() -> Result<(), io::Error> {
    Ok(())
}

#[retry(jitter = "full")]
fn full() -> Result<(), io::Error> {
    Ok(())
}

#[retry(jitter = "equal")]
fn equal() -> Result<(), io::Error> {
    Ok(())
}

#[retry(jitter = "decorrelated")]
fn decorrelated() -> Result<(), io::Error> {
    Ok(())
}

#[retry(jitter = "none")]
fn none() -> Result<(), io::Error> {
    Ok(())
}

const CHOSEN: Jitter = Jitter::Equal;

#[retry(jitter = CHOSEN)]
async fn from_expr() -> Result<(), io::Error> {
    Ok(())
}

#[retry(jitter = Jitter::Full)]
async fn from_path() -> Result<(), io::Error> {
    Ok(())
}

#[tokio::test]
async fn compiles_and_runs() {
    bare().unwrap();
    full().unwrap();
    equal().unwrap();
    decorrelated().unwrap();
    none().unwrap();
    from_expr().await.unwrap();
    from_path().await.unwrap();
}
