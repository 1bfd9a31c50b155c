// A tower layer over a service whose requests cannot be cloned, with no
// way to copy them given: the error names the cloner and both fixes.

use retry_runtime::Policy;
use retry_runtime::tower::RetryLayer;
use tower::{Layer, Service};

/// Not `Clone`.
struct Upload(Vec<u8>);

fn upload_service() -> impl Service<Upload, Response = (), Error = std::io::Error> + Clone {
    tower::service_fn(|_: Upload| async { Ok(()) })
}

/// Where a stack is used: a client type, a handler's state.
fn uploads_through<S: Service<Upload>>(service: S) -> S {
    service
}

fn main() {
    let service = RetryLayer::new(Policy::new())
        .accept_responses()
        .layer(upload_service());
    let _ = uploads_through(service);
    let _ = Upload(vec![1, 2, 3]).0;
}
