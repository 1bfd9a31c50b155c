//! A real HTTP/1.1 server on 127.0.0.1 that answers each connection with
//! the next reply of a script, byte for byte: hostile headers, dropped and
//! reset connections and stalls included. Every response closes its connection,
//! so one connection carries one request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

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
    task: JoinHandle<()>,
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
        let counter = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let script = script.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    serve(stream, &counter, &script).await;
                });
            }
        });
        Self {
            addr,
            requests,
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
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    counter: &AtomicU32,
    script: &Mutex<std::vec::IntoIter<Reply>>,
) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
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
