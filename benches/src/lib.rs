//! Load simulations of the retry library, and a small SVG chart writer for
//! their results. Run them with the binaries in `src/bin`; see
//! `BENCHMARKS.md`.

pub mod chart;
pub mod hedging;
pub mod outage;
pub mod storm;
pub mod success_path;
pub mod throttle;
