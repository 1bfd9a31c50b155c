//! Property tests of the backoff calculator and the engine: for any
//! inputs, no panic and no delay above the cap; full jitter averages half
//! of the exponential delay.

use std::time::Duration;

use proptest::prelude::*;
use retry_runtime::engine::{Attempt, ByClassify, CallSite, CallState, NoHook, Step};
use retry_runtime::{Jitter, Policy};
use tests::TestError;

static SITE: CallSite = CallSite::new("prop");

fn any_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..10_000_000_000).prop_map(Duration::from_nanos),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        Just(Duration::ZERO),
        Just(Duration::MAX),
    ]
}

fn any_multiplier() -> impl Strategy<Value = f64> {
    prop_oneof![
        1.0f64..10.0,
        any::<f64>(),
        Just(1e300),
        Just(f64::INFINITY),
        Just(f64::NAN),
        Just(-2.0),
    ]
}

fn any_jitter() -> impl Strategy<Value = Jitter> {
    prop_oneof![
        Just(Jitter::None),
        Just(Jitter::Full),
        Just(Jitter::Equal),
        Just(Jitter::Decorrelated)
    ]
}

proptest! {
    #[test]
    fn no_delay_exceeds_the_cap(
        base in any_duration(),
        cap in any_duration(),
        multiplier in any_multiplier(),
        jitter in any_jitter(),
        seed in any::<u64>(),
    ) {
        let policy = Policy::new()
            .max_attempts(64)
            .base_delay(base)
            .max_delay(cap)
            .multiplier(multiplier)
            .jitter(jitter);
        let delays: Vec<_> = policy.delays_seeded(seed).collect();
        prop_assert_eq!(delays.len(), 63);
        for d in &delays {
            prop_assert!(*d <= cap, "{:?} > cap {:?}", d, cap);
        }
        let exact: Vec<_> = policy.jitter(Jitter::None).delays().collect();
        for (n, (d, e)) in delays.iter().zip(&exact).enumerate() {
            match jitter {
                Jitter::None => prop_assert_eq!(d, e),
                Jitter::Full => prop_assert!(d <= e, "retry {}: {:?} > {:?}", n, d, e),
                Jitter::Equal => prop_assert!(*e / 2 <= *d && d <= e, "retry {}: {:?} vs {:?}", n, d, e),
                _ => prop_assert!(*d >= base.min(cap).min(Duration::from_nanos(u64::MAX))),
            }
        }
    }

    #[test]
    fn exponential_delays_never_shrink(
        base in any_duration(),
        cap in any_duration(),
        multiplier in any_multiplier(),
    ) {
        let policy = Policy::new().max_attempts(80).base_delay(base).max_delay(cap).multiplier(multiplier);
        let delays: Vec<_> = policy.delays().collect();
        for pair in delays.windows(2) {
            prop_assert!(pair[0] <= pair[1], "{:?}", pair);
        }
    }

    #[test]
    fn the_engine_never_panics(
        base in any_duration(),
        cap in any_duration(),
        multiplier in any_multiplier(),
        jitter in any_jitter(),
        hint in proptest::option::of(any_duration()),
        elapsed_limit in proptest::option::of(any_duration()),
        retry_after_cap in any_duration(),
    ) {
        let mut policy = Policy::new()
            .max_attempts(u32::MAX)
            .base_delay(base)
            .max_delay(cap)
            .multiplier(multiplier)
            .jitter(jitter)
            .max_retry_after(retry_after_cap);
        if let Some(limit) = elapsed_limit {
            policy = policy.max_elapsed(limit);
        }
        let error = match hint {
            Some(h) => TestError::Throttled(h),
            None => TestError::Transient,
        };
        let mut attempts = CallState::blocking(&policy);
        for _ in 0..40 {
            let attempt: Attempt<(), _> = Attempt::Completed(Err(error.clone()));
            match attempts.decide(&policy, &SITE, attempt, &mut ByClassify, &mut NoHook) {
                Step::Sleep(d) => {
                    let floor = hint.unwrap_or_default();
                    // A hint is a floor above the backoff's cap, and its
                    // jitter never takes it past `max_retry_after`.
                    let hinted = floor.saturating_add(floor / 10).min(retry_after_cap);
                    prop_assert!(d <= cap.max(hinted), "{:?}", d);
                    prop_assert!(d >= floor);
                }
                Step::Return(r) => {
                    prop_assert_eq!(r, Err(error.clone()));
                    break;
                }
            }
        }
    }
}

#[test]
fn full_jitter_averages_half_the_exponential_delay() {
    let policy = Policy::new()
        .max_attempts(2)
        .base_delay(Duration::from_millis(800))
        .jitter(Jitter::Full);
    let draws = 20_000u32;
    let total: Duration = (0..draws)
        .map(|seed| {
            policy
                .delays_seeded(u64::from(seed))
                .next()
                .unwrap_or_default()
        })
        .sum();
    let mean = total / draws;
    // Uniform on [0, 800 ms]: mean 400 ms, standard error about 1.6 ms.
    assert!(
        (Duration::from_millis(390)..=Duration::from_millis(410)).contains(&mean),
        "mean {mean:?}"
    );
}

#[test]
fn u32_max_attempts_and_huge_values_do_not_panic() {
    let policy = Policy::new()
        .max_attempts(u32::MAX)
        .base_delay(Duration::MAX)
        .max_delay(Duration::MAX)
        .multiplier(1e300);
    let mut delays = policy.delays_seeded(1);
    assert_eq!(delays.len(), u32::MAX as usize - 1);
    assert_eq!(delays.next(), Some(Duration::MAX));
    assert_eq!(delays.nth(1_000_000), Some(Duration::MAX));
}
