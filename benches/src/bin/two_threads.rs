//! One annotated fn called from one thread, then from two at once, against
//! a direct call the same way: ns per call, each thread making 200 million
//! calls, three rounds. Longer runs than criterion's two-thread group, whose
//! samples start new threads every few milliseconds. See BENCHMARKS.md.
//!
//! `cargo run --release -p benches --bin two_threads`

use std::hint::black_box;
use std::io;
use std::time::Instant;

use benches::success_path::ready;

const CALLS: u64 = 200_000_000;

/// One call of a kind measured.
type Call = fn(u64) -> Result<u64, io::Error>;

benches::success_path_fns!();

/// ns per call of `call`, made `CALLS` times on each of `threads` threads
/// at once (the wall time of the whole run, over `CALLS`).
fn ns_per_call(threads: usize, call: Call) -> f64 {
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(move || {
                let mut sum = 0u64;
                for i in 0..CALLS {
                    sum = sum.wrapping_add(call(black_box(i)).unwrap_or(0));
                }
                black_box(sum);
            });
        }
    });
    start.elapsed().as_secs_f64() * 1e9 / CALLS as f64
}

fn main() {
    let kinds: [(&str, Call); 4] = [
        ("async, direct", |n| ready(direct(n))),
        ("async, #[retry]", |n| ready(annotated(n))),
        ("blocking, direct", direct_blocking),
        ("blocking, #[retry]", annotated_blocking),
    ];
    println!("ns per call, one thread / two threads at once (ratio)");
    for round in 1..=3 {
        for (name, call) in kinds {
            let (one, two) = (ns_per_call(1, call), ns_per_call(2, call));
            println!(
                "round {round}  {name:<20} {one:5.2} / {two:5.2}  ({:.2}x)",
                two / one
            );
        }
    }
}
