// Both `transient` and `permanent` on one variant.
use retry_runtime::Classify;

#[derive(Debug, Classify)]
enum ApiError {
    #[classify(transient, permanent)]
    Unavailable,
}

fn main() {}
