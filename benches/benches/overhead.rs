//! Success-path overhead: an operation that succeeds at once, called
//! directly, through `#[retry]`, through the function API, through backon
//! and through tokio-retry; async and blocking. The futures are polled once
//! with a no-op waker, so only the wrappers are measured, not a runtime.
//!
//! `cargo bench -p benches --bench overhead`

use std::future::Future;
use std::hint::black_box;
use std::io;
use std::mem::size_of_val;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use backon::{BlockingRetryable, ExponentialBuilder, Retryable};
use criterion::{Criterion, criterion_group, criterion_main};
use retry_runtime::{Jitter, Policy, retry};
use tokio_retry::strategy::{ExponentialBackoff, jitter};

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

#[retry(max_attempts = 3, base_delay = "100ms", jitter)]
fn annotated_blocking(n: u64) -> Result<u64, io::Error> {
    Ok(black_box(n) + 1)
}

const POLICY: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(100))
    .jitter(Jitter::Full);

fn backon_policy() -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_times(2)
        .with_jitter()
}

fn tokio_retry_policy() -> impl Iterator<Item = Duration> {
    ExponentialBackoff::from_millis(100).map(jitter).take(2)
}

/// Polls a future that must be ready at once.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the success path must not wait"),
    }
}

fn report_future_sizes() {
    let sleep = size_of_val(&tokio::time::sleep(Duration::from_millis(1)));
    println!(
        "future sizes (bytes): body {}, tokio sleep {sleep}",
        size_of_val(&direct(1))
    );
    println!("  #[retry]           {}", size_of_val(&annotated(1)));
    println!(
        "  Policy::retry      {}",
        size_of_val(&POLICY.retry(|| direct(1)))
    );
    println!(
        "  backon             {}",
        size_of_val(&(|| direct(1)).retry(backon_policy()))
    );
    println!(
        "  tokio-retry        {}",
        size_of_val(&tokio_retry::Retry::start(tokio_retry_policy(), || direct(
            1
        )))
    );
}

fn success_path(c: &mut Criterion) {
    // tokio's Sleep needs a runtime to be created, for the size report.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    runtime.block_on(async { report_future_sizes() });

    let mut group = c.benchmark_group("async success path");
    group.bench_function("direct call", |b| b.iter(|| ready(direct(black_box(1)))));
    group.bench_function("#[retry]", |b| b.iter(|| ready(annotated(black_box(1)))));
    group.bench_function("Policy::retry", |b| {
        b.iter(|| ready(POLICY.retry(|| direct(black_box(1)))))
    });
    group.bench_function("backon", |b| {
        b.iter(|| ready((|| direct(black_box(1))).retry(backon_policy())))
    });
    group.bench_function("tokio-retry", |b| {
        b.iter(|| {
            ready(tokio_retry::Retry::start(tokio_retry_policy(), || {
                direct(black_box(1))
            }))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("blocking success path");
    group.bench_function("direct call", |b| b.iter(|| direct_blocking(black_box(1))));
    group.bench_function("#[retry]", |b| b.iter(|| annotated_blocking(black_box(1))));
    group.bench_function("Policy::retry_blocking", |b| {
        b.iter(|| {
            POLICY
                .retry_blocking(|| direct_blocking(black_box(1)))
                .call()
        })
    });
    group.bench_function("backon", |b| {
        b.iter(|| {
            (|| direct_blocking(black_box(1)))
                .retry(backon_policy())
                .call()
        })
    });
    group.finish();
}

criterion_group!(benches, success_path);
criterion_main!(benches);
