//! The success path, counted in instructions: runs one kind of call N
//! times, for `valgrind --tool=callgrind`, whose counts (unlike times) do
//! not depend on what else the machine is doing. See BENCHMARKS.md.
//!
//! `success_path <direct|retry|retry-context|function|function-context|blocking-direct|blocking-retry|blocking-retry-context> <N>`

use std::future::Future;
use std::hint::black_box;
use std::io;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use retry_runtime::{Policy, retry};

async fn direct(n: u64) -> Result<u64, io::Error> {
    Ok(black_box(n) + 1)
}

fn direct_blocking(n: u64) -> Result<u64, io::Error> {
    Ok(black_box(n) + 1)
}

#[retry(max_attempts = 3, base_delay = "100ms", jitter)]
async fn annotated(n: u64) -> Result<u64, io::Error> {
    Ok(black_box(n) + 1)
}

#[retry(max_attempts = 3, base_delay = "100ms", jitter, context)]
async fn annotated_context(n: u64) -> Result<u64, io::Error> {
    Ok(black_box(n) + 1)
}

#[retry(max_attempts = 3, base_delay = "100ms", jitter, context)]
fn annotated_blocking_context(n: u64) -> Result<u64, io::Error> {
    Ok(black_box(n) + 1)
}

#[retry(max_attempts = 3, base_delay = "100ms", jitter)]
fn annotated_blocking(n: u64) -> Result<u64, io::Error> {
    Ok(black_box(n) + 1)
}

const POLICY: Policy = Policy::new().max_attempts(3);

/// Polls a future that must be ready at once.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the success path must not wait"),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_default();
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let mut sum = 0u64;
    for i in 0..n {
        sum += match kind.as_str() {
            "direct" => ready(direct(black_box(i))).unwrap_or(0),
            "retry" => ready(annotated(black_box(i))).unwrap_or(0),
            "retry-context" => ready(annotated_context(black_box(i))).unwrap_or(0),
            "function" => ready(POLICY.retry(|| direct(black_box(i)))).unwrap_or(0),
            "function-context" => {
                ready(POLICY.retry_with_context(|_| direct(black_box(i)))).unwrap_or(0)
            }
            "blocking-retry-context" => annotated_blocking_context(black_box(i)).unwrap_or(0),
            "blocking-direct" => direct_blocking(black_box(i)).unwrap_or(0),
            "blocking-retry" => annotated_blocking(black_box(i)).unwrap_or(0),
            other => panic!("unknown kind {other:?}"),
        };
    }
    println!("{kind} x{n}: {sum}");
}
