// `source` on a field whose type does not implement Classify.
use retry_runtime::Classify;

#[derive(Debug)]
struct Opaque;

#[derive(Debug, Classify)]
enum ApiError {
    #[classify(source)]
    Inner(Opaque),
}

fn main() {}
