// `source` on a variant that has no field to ask.
use retry_runtime::Classify;

#[derive(Debug, Classify)]
enum ApiError {
    #[classify(source)]
    Unavailable,
}

fn main() {}
