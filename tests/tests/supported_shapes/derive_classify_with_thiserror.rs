// Pins: #[derive(Classify)] beside thiserror::Error on an enum, a struct and
// a generic wrapper, used by #[retry] with no hand-written impl.
use std::io;

use retry_runtime::{Classify, retry};

#[derive(Debug, thiserror::Error, Classify)]
enum ApiError {
    #[error("rate limited")]
    #[classify(transient, kind = "throttled")]
    RateLimited,
    #[error("not found")]
    #[classify(permanent, kind = "client")]
    NotFound,
    #[error(transparent)]
    #[classify(source)]
    Io(#[from] io::Error),
    #[error("{context}")]
    #[classify(source)]
    Context {
        context: String,
        #[source]
        cause: io::Error,
    },
}

#[derive(Debug, thiserror::Error, Classify)]
#[error("database busy")]
#[classify(transient)]
struct Busy;

#[derive(Debug, Classify)]
#[classify(source)]
struct Wrapper<E>(E);

#[retry(max_attempts = 2)]
async fn fetch() -> Result<u32, ApiError> {
    Err(ApiError::RateLimited)
}

#[retry(max_attempts = 2)]
fn query() -> Result<u32, Busy> {
    Err(Busy)
}

#[test]
fn compiles_and_runs() {
    let _ = fetch();
    let _ = ApiError::NotFound.classify();
    let _ = Wrapper(Busy).classify();
    let _ = query;
}
