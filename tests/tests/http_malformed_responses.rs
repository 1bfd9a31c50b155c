//! Responses that are not valid HTTP, from a real server on 127.0.0.1: a
//! server that answers garbage is not fixed by asking again at once, so
//! they are permanent; a connection that closes before the answer completes
//! is still a transient network failure.

use std::error::Error;

use retry_runtime::{Classify, Verdict, retry};
use tests::api_error::ApiError;
use tests::raw_http::{RawServer, Reply, response};

/// A response that hyper refuses to parse, and the description of hyper's
/// parse error it causes.
struct Garbage {
    name: &'static str,
    bytes: Vec<u8>,
    hyper_says: &'static str,
}

fn garbage() -> Vec<Garbage> {
    let many_headers: String = (0..120).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    let huge_header = "a".repeat(1024 * 1024);
    vec![
        Garbage {
            name: "invalid HTTP version",
            bytes: b"HTTP/9.9 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
            hyper_says: "invalid HTTP version parsed",
        },
        Garbage {
            name: "non-HTTP banner",
            bytes: b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(),
            hyper_says: "invalid HTTP version parsed",
        },
        Garbage {
            name: "invalid content-length",
            bytes: b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\nConnection: close\r\n\r\n".to_vec(),
            hyper_says: "invalid content-length parsed",
        },
        Garbage {
            name: "invalid status code",
            bytes: b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
            hyper_says: "invalid HTTP status-code parsed",
        },
        Garbage {
            name: "invalid header name",
            bytes: b"HTTP/1.1 200 OK\r\nBad(Name): x\r\nContent-Length: 0\r\n\r\n".to_vec(),
            hyper_says: "invalid HTTP header parsed",
        },
        Garbage {
            name: "more headers than hyper allows",
            bytes: format!("HTTP/1.1 200 OK\r\n{many_headers}Content-Length: 0\r\n\r\n")
                .into_bytes(),
            hyper_says: "message head is too large",
        },
        Garbage {
            name: "a 1 MiB head",
            bytes: format!("HTTP/1.1 200 OK\r\nX-Huge: {huge_header}\r\nContent-Length: 0\r\n\r\n")
                .into_bytes(),
            hyper_says: "message head is too large",
        },
    ]
}

/// The error and its sources, joined: what hyper reported underneath.
fn chain_text(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(source) = next {
        text.push_str(": ");
        text.push_str(&source.to_string());
        next = source.source();
    }
    text
}

/// The transport error of one GET answered with `reply`, and the requests
/// the server saw.
async fn transport_error_of(reply: Reply) -> (reqwest::Error, u32) {
    let server = RawServer::start(vec![reply]).await;
    let error = reqwest::get(server.url("/x"))
        .await
        .expect_err("the scripted reply is not a usable response");
    (error, server.requests())
}

#[retry(max_attempts = 4, base_delay = "1ms", max_delay = "5ms")]
async fn fetch(url: &str) -> Result<String, ApiError> {
    let response = retry_runtime::http::check(reqwest::get(url).await?)?;
    Ok(response.text().await?)
}

#[tokio::test]
async fn each_kind_of_garbage_is_a_permanent_error() {
    for case in garbage() {
        let (error, requests) = transport_error_of(Reply::Raw(case.bytes)).await;
        let chain = chain_text(&error);
        assert_eq!(requests, 1, "{}", case.name);
        assert!(chain.contains(case.hyper_says), "{}: {chain}", case.name);
        assert_eq!(
            error.classify(),
            Verdict::permanent(),
            "{}: {chain}",
            case.name
        );
        let wrapped = ApiError::from(error);
        assert_eq!(wrapped.classify(), Verdict::permanent(), "{}", case.name);
    }
}

#[tokio::test]
async fn garbage_ends_a_retried_call_after_one_request() {
    for case in garbage() {
        let server = RawServer::start(vec![
            Reply::Raw(case.bytes),
            response(200, &[], "answered properly"),
        ])
        .await;
        let error = fetch(&server.url("/"))
            .await
            .expect_err(&format!("{}: not retried", case.name));
        assert_eq!(server.requests(), 1, "{}", case.name);
        let ApiError::Transport(transport) = &error else {
            panic!("{}: expected a transport error, got {error:?}", case.name);
        };
        assert!(
            chain_text(transport).contains(case.hyper_says),
            "{}: {error:?}",
            case.name
        );
    }
}

/// The connection ends before a complete answer: the server may be
/// restarting, and asking again is the cure. Garbage detection must not
/// swallow these cases. Each comes with what the error chain says.
fn cut_short() -> Vec<(Reply, &'static str)> {
    let closed = "connection closed before message completed";
    vec![
        (Reply::Close, closed),
        (
            Reply::Raw(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec()),
            closed,
        ),
        (Reply::Reset, "Connection reset by peer"),
    ]
}

#[tokio::test]
async fn a_connection_cut_before_the_answer_completes_stays_network() {
    for (reply, expected) in cut_short() {
        let name = format!("{reply:?}");
        let (error, requests) = transport_error_of(reply).await;
        let chain = chain_text(&error);
        assert_eq!(requests, 1, "{name}");
        assert!(chain.contains(expected), "{name}: {chain}");
        assert_eq!(error.classify(), Verdict::network(), "{name}: {chain}");
    }
}

#[tokio::test]
async fn a_connection_cut_before_the_answer_completes_is_retried() {
    let mut script: Vec<Reply> = cut_short().into_iter().map(|(reply, _)| reply).collect();
    script.push(response(200, &[], "recovered"));
    let server = RawServer::start(script).await;
    assert_eq!(
        fetch(&server.url("/")).await.ok().as_deref(),
        Some("recovered")
    );
    assert_eq!(server.requests(), 4);
}
