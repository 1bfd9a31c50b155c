//! A real HTTP/1.1 server on 127.0.0.1 that answers each connection with
//! the next reply of a script, byte for byte: hostile headers, dropped and
//! reset connections and stalls included. Every response closes its connection,
//! so one connection carries one request. It records each request (head and
//! body) and when it arrived, on tokio's clock: virtual in a test with a
//! paused clock, so the gaps between attempts are exact.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Write these bytes, then close.
    Raw(Vec<u8>),
    /// Close without answering.
    Close,
    /// Reset the connection (a TCP RST) without answering.
    Reset,
    /// Keep the connection open without answering.
    Hang,
}

/// A complete response with `Connection: close` and a `Content-Length`.
pub fn response(status: u16, headers: &[(&str, &[u8])], body: &str) -> Reply {
    let mut bytes = format!("HTTP/1.1 {status} Scripted\r\n").into_bytes();
    for (name, value) in headers {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    Reply::Raw(bytes)
}

/// The running server; stops when dropped.
pub struct RawServer {
    addr: SocketAddr,
    requests: Arc<AtomicU32>,
    log: Arc<Log>,
    task: JoinHandle<()>,
}

/// Every request received: its bytes, and when it arrived.
struct Log {
    started: Instant,
    received: StdMutex<Vec<(Duration, Vec<u8>)>>,
}

impl RawServer {
    /// Starts a server that plays `script` in order, then answers 500.
    pub async fn start(script: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let requests = Arc::new(AtomicU32::new(0));
        let script = Arc::new(Mutex::new(script.into_iter()));
        let log = Arc::new(Log {
            started: Instant::now(),
            received: StdMutex::new(Vec::new()),
        });
        let counter = requests.clone();
        let server_log = log.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let script = script.clone();
                let counter = counter.clone();
                let log = server_log.clone();
                tokio::spawn(async move {
                    serve(stream, &counter, &log, &script).await;
                });
            }
        });
        Self {
            addr,
            requests,
            log,
            task,
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests received so far.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::SeqCst)
    }

    /// The waits between consecutive requests, on tokio's clock.
    pub fn gaps(&self) -> Vec<Duration> {
        let received = self.log.received.lock().expect("log lock");
        received.windows(2).map(|w| w[1].0 - w[0].0).collect()
    }

    /// Each request received, head and body, as text (lossy).
    pub fn received(&self) -> Vec<String> {
        let received = self.log.received.lock().expect("log lock");
        received
            .iter()
            .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
            .collect()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    counter: &AtomicU32,
    log: &Log,
    script: &Mutex<std::vec::IntoIter<Reply>>,
) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 64 * 1024 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    // The body too: closing a socket with unread bytes resets it, and the
    // client would see a reset instead of the scripted reply.
    while !body_complete(&request) && request.len() < 64 * 1024 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    log.received
        .lock()
        .expect("log lock")
        .push((log.started.elapsed(), request));
    counter.fetch_add(1, Ordering::SeqCst);
    let reply = script.lock().await.next();
    match reply {
        Some(Reply::Raw(bytes)) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Some(Reply::Close) => drop(stream),
        Some(Reply::Reset) => {
            // A zero linger turns the close into a reset.
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Some(Reply::Hang) => {
            // Held open until the test drops the server.
            std::future::pending::<()>().await;
        }
        None => {
            if let Reply::Raw(bytes) = response(500, &[], "script exhausted") {
                let _ = stream.write_all(&bytes).await;
            }
        }
    }
}

/// Whether `request` holds its whole body: `Content-Length` bytes after
/// the head, or a chunked body up to its last chunk. (Bodies here are
/// small; a request without either has none.)
fn body_complete(request: &[u8]) -> bool {
    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
    let body = &request[end + 4..];
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(name).map(|v| v.trim().to_owned()))
    };
    if let Some(length) = header("content-length:") {
        return length.parse().is_ok_and(|n: usize| body.len() >= n);
    }
    if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
        return body.ends_with(b"0\r\n\r\n");
    }
    true
}
