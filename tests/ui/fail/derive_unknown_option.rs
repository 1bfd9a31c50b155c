// An option #[classify(...)] does not know.
use retry_runtime::Classify;

#[derive(Debug, Classify)]
enum ApiError {
    #[classify(retryable)]
    Unavailable,
}

fn main() {}
