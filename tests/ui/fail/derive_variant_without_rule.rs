// A variant with no #[classify(...)] and no default on the enum.
use retry_runtime::Classify;

#[derive(Debug, Classify)]
enum ApiError {
    #[classify(transient)]
    Unavailable,
    Forbidden,
}

fn main() {
    let _ = ApiError::Unavailable.classify();
}
