// A tower layer over a service whose responses are not HTTP, with no
// response classifier given: the default classifies HTTP responses only,
// and the error says how to accept or classify these.

use retry_runtime::Policy;
use retry_runtime::tower::RetryLayer;
use tower::{Layer, Service};

fn lookup_service() -> impl Service<u32, Response = String, Error = std::io::Error> + Clone {
    tower::service_fn(|id: u32| async move { Ok(format!("user {id}")) })
}

/// Where a stack is used: a client type, a handler's state.
fn looks_up_through<S: Service<u32>>(service: S) -> S {
    service
}

fn main() {
    let service = RetryLayer::new(Policy::new()).layer(lookup_service());
    let _ = looks_up_through(service);
}
