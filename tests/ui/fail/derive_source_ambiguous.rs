// `source` on a variant with several fields, none marked.
use retry_runtime::Classify;

#[derive(Debug, Classify)]
enum ApiError {
    #[classify(source)]
    Io { path: String, error: std::io::Error },
}

fn main() {}
