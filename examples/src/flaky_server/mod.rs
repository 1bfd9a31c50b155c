//! A real HTTP server that fails on purpose, the way real APIs do.
//!
//! It listens on 127.0.0.1 on a port the OS picks; each [`FlakyServer`]
//! has its own state, so every test and every run starts from zero. What a
//! request gets depends on its query string; the path only labels it, and
//! the server counts requests per path ([`FlakyServer::requests`]):
//!
//! | query | the failing requests get |
//! |---|---|
//! | *(no `fault`)* | 200 |
//! | `fault=503` (any status) | that status |
//! | `&retry_after=S` | `Retry-After: S` (seconds) |
//! | `&retry_after_ms=MS` | `retry-after-ms: MS` |
//! | `&retry_after_date=S` | `Retry-After: <HTTP-date S seconds from now>` (negative: past) |
//! | `fault=slow&delay_ms=MS` | 200 after MS (default 1000): longer than a client's timeout |
//! | `fault=drop` | the connection closed mid-request, no answer |
//!
//! Which requests fail: every one (by default), the first N
//! (`&fail=N`: "fail N times, then succeed"), or all those within a window
//! from the path's first request (`&for_ms=MS`: an outage, then recovery).
//! The others get 200 at once.
//!
//! ```text
//! GET /forge/issues/7?fault=503&fail=2&retry_after=1   503, 503, then 200
//! GET /llm/complete?fault=429&retry_after_ms=300       429 with a 300 ms hint, always
//! GET /local/generate?fault=503&for_ms=2000            503 for 2 s, then 200
//! ```
//!
//! A query it cannot read gets a 400 naming the key.

mod log;
mod plan;
mod respond;

pub use log::RequestLog;
pub use plan::{BadQuery, Failing, Fault, Hints, Plan};

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// The running server; it stops, connections and all, when dropped.
#[derive(Debug)]
pub struct FlakyServer {
    addr: SocketAddr,
    log: Arc<RequestLog>,
    task: JoinHandle<()>,
}

impl FlakyServer {
    /// Starts a server on 127.0.0.1, on a port the OS picks. Needs a tokio
    /// runtime.
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let log = Arc::new(RequestLog::default());
        let task = tokio::spawn(accept(listener, Arc::clone(&log)));
        Ok(Self { addr, log, task })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL followed by `path_and_query` (which starts with `/`).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url())
    }

    /// Requests received on `path` (without its query) so far.
    pub fn requests(&self, path: &str) -> u32 {
        self.log.requests(path)
    }

    /// Requests received on every path so far.
    pub fn total_requests(&self) -> u32 {
        self.log.total()
    }
}

impl Drop for FlakyServer {
    fn drop(&mut self) {
        // Dropping the accept loop drops its JoinSet, which aborts every
        // connection (a slow answer included).
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, log: Arc<RequestLog>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors, say: the clients see refused or
            // reset connections, which is what a struggling server does.
            continue;
        };
        // Reap finished connections so the set does not grow for ever.
        while connections.try_join_next().is_some() {}
        let log = Arc::clone(&log);
        connections.spawn(async move {
            let service = service_fn(move |request| respond::respond(Arc::clone(&log), request));
            // An error here is a dropped connection, on purpose or by the
            // client: nothing to report.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
