//! Success-path overhead: an operation that succeeds at once, called
//! directly, through `#[retry]`, through the function API, through backon
//! and through tokio-retry; async and blocking. The futures are polled once
//! with a no-op waker, so only the wrappers are measured, not a runtime.
//! Then the same annotated fn hammered by two threads at once, against one
//! thread: successful calls of one call site must not contend.
//!
//! `cargo bench -p benches --bench overhead` (default features), with
//! `--no-default-features` (telemetry compiled out) or with
//! `--features all-telemetry` (`tracing`, `stats` and `metrics`, with a
//! recorder installed).

use std::hint::black_box;
use std::mem::size_of_val;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use backon::{BlockingRetryable, Retryable};
use benches::success_path::{POLICY, backon_policy, ready, tokio_retry_policy};
use criterion::{Criterion, criterion_group, criterion_main};

benches::success_path_fns!();

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

/// `iterations` calls of `call` on each of `threads` threads started
/// together; the slowest thread's time.
fn on_threads(threads: usize, iterations: u64, call: fn(u64) -> u64) -> Duration {
    let barrier = Barrier::new(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    let mut sum = 0;
                    for i in 0..iterations {
                        sum += call(black_box(i));
                    }
                    black_box(sum);
                    start.elapsed()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .max()
            .unwrap_or_default()
    })
}

fn direct_once(n: u64) -> u64 {
    direct_blocking(n).unwrap_or(0)
}

fn annotated_once(n: u64) -> u64 {
    ready(annotated(n)).unwrap_or(0)
}

fn annotated_blocking_once(n: u64) -> u64 {
    annotated_blocking(n).unwrap_or(0)
}

/// The same call site from one thread and from two at once: with no shared
/// write on the success path, two threads slow each other down no more
/// than two direct calls do.
fn threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("one call site, threads");
    for threads in [1, 2] {
        // The control: two threads that share nothing, on this machine's
        // two cores (which may be one core's two hyperthreads).
        group.bench_function(format!("direct call, {threads} thread(s)"), |b| {
            b.iter_custom(|iterations| on_threads(threads, iterations, direct_once))
        });
        group.bench_function(format!("async #[retry], {threads} thread(s)"), |b| {
            b.iter_custom(|iterations| on_threads(threads, iterations, annotated_once))
        });
        group.bench_function(format!("blocking #[retry], {threads} thread(s)"), |b| {
            b.iter_custom(|iterations| on_threads(threads, iterations, annotated_blocking_once))
        });
    }
    group.finish();
}

/// With `all-telemetry`, a recorder that keeps every metric, as an
/// exporter would.
#[cfg(feature = "all-telemetry")]
fn install_recorder() {
    metrics_util::debugging::DebuggingRecorder::new()
        .install()
        .expect("the only recorder");
}

#[cfg(not(feature = "all-telemetry"))]
fn install_recorder() {}

fn all(c: &mut Criterion) {
    install_recorder();
    success_path(c);
    threads(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
