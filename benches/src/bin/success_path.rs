//! The success path, counted in instructions: runs one kind of call N
//! times, for `valgrind --tool=callgrind`, whose counts (unlike times) do
//! not depend on what else the machine is doing. See BENCHMARKS.md.
//!
//! `success_path <KIND> <N>`, KIND one of `direct`, `retry`, `function`,
//! `backon`, `tokio-retry`, `blocking-direct`, `blocking-retry`,
//! `blocking-backon`, `retry-when-ok`, `function-when-ok`, `retry-context`,
//! `function-context`, `blocking-retry-context`.
//!
//! The `-when-ok` kinds add a `when_ok` closure, which runs on each `Ok`;
//! the `-context` kinds make the attempt's context readable in the body.

use std::hint::black_box;
use std::io;

use backon::{BlockingRetryable, Retryable};
use benches::success_path::{POLICY, backon_policy, ready, tokio_retry_policy};
use retry_runtime::retry;

benches::success_path_fns!();

#[retry(max_attempts = 3, base_delay = "100ms", jitter, context)]
async fn annotated_context(n: u64) -> Result<u64, io::Error> {
    Ok(black_box(n) + 1)
}

#[retry(max_attempts = 3, base_delay = "100ms", jitter, context)]
fn annotated_blocking_context(n: u64) -> Result<u64, io::Error> {
    Ok(black_box(n) + 1)
}

#[retry(max_attempts = 3, base_delay = "100ms", jitter, when_ok = |n| *n == 0)]
async fn annotated_when_ok(n: u64) -> Result<u64, io::Error> {
    Ok(black_box(n) + 1)
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
            "backon" => ready((|| direct(black_box(i))).retry(backon_policy())).unwrap_or(0),
            "tokio-retry" => ready(tokio_retry::Retry::start(tokio_retry_policy(), || {
                direct(black_box(i))
            }))
            .unwrap_or(0),
            "function-context" => {
                ready(POLICY.retry_with_context(|_| direct(black_box(i)))).unwrap_or(0)
            }
            "blocking-retry-context" => annotated_blocking_context(black_box(i)).unwrap_or(0),
            "blocking-direct" => direct_blocking(black_box(i)).unwrap_or(0),
            "blocking-retry" => annotated_blocking(black_box(i)).unwrap_or(0),
            "blocking-backon" => (|| direct_blocking(black_box(i)))
                .retry(backon_policy())
                .call()
                .unwrap_or(0),
            "retry-when-ok" => ready(annotated_when_ok(black_box(i))).unwrap_or(0),
            "function-when-ok" => ready(
                POLICY
                    .retry(|| direct(black_box(i)))
                    .when_ok(|n: &u64| *n == 0),
            )
            .unwrap_or(0),
            other => panic!("unknown kind {other:?}"),
        };
    }
    println!("{kind} x{n}: {sum}");
}
