// A kind that does not exist.
use retry_runtime::Classify;

#[derive(Debug, Classify)]
enum ApiError {
    #[classify(transient, kind = "flaky")]
    Unavailable,
}

fn main() {}
