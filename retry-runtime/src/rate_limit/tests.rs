//! The limiter's pacing, with times given explicitly: every figure is
//! exact arithmetic on the CUBIC constants (β = 0.7, C = 0.4, smoothing
//! 0.8 over half-second buckets).

use std::time::{Duration, Instant};

use super::AdaptiveRateLimiter;
use super::cubic::Bucket;

fn at(start: Instant, seconds: f64) -> Instant {
    start + Duration::from_secs_f64(seconds)
}

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "{actual} is not {expected}"
    );
}

/// Ten attempts a second for two seconds, all answered; the smoothed rate
/// they leave: buckets of 6, 5, 5 and 5 attempts per half second.
fn ten_a_second(limiter: &AdaptiveRateLimiter, start: Instant) -> f64 {
    for tenth in 0..20 {
        let now = at(start, f64::from(tenth) / 10.0);
        let turn = limiter.reserve(now).expect("inactive: no wait");
        assert_eq!(turn.wait(), Duration::ZERO);
        limiter.record(turn, false, now);
    }
    let mut rate = 0.0;
    for sent in [6.0, 5.0, 5.0] {
        rate = 0.8 * sent / 0.5 + 0.2 * rate;
    }
    rate
}

#[test]
fn inactive_until_the_first_throttle() {
    let limiter = AdaptiveRateLimiter::new("inactive");
    let start = Instant::now();
    for n in 0..1000 {
        let now = at(start, f64::from(n) / 1000.0);
        let turn = limiter.reserve(now).expect("inactive: no wait");
        assert_eq!(turn.wait(), Duration::ZERO);
        limiter.record(turn, false, now);
    }
    assert_eq!(limiter.fill_rate(), None);
}

#[test]
fn a_throttle_paces_at_seventy_percent_of_the_measured_rate() {
    let limiter = AdaptiveRateLimiter::new("paced");
    let start = Instant::now();
    let measured_before = ten_a_second(&limiter, start);
    // The throttle at 2.0 s closes the last half second (5 attempts).
    let turn = limiter.reserve(at(start, 1.99)).expect("inactive: no wait");
    limiter.record(turn, true, at(start, 2.0));
    let measured = 0.8 * 5.0 / 0.5 + 0.2 * measured_before;
    let rate = limiter.fill_rate().expect("active after a throttle");
    assert_close(rate, 0.7 * measured);
    // One token in the bucket, then one attempt per 1/rate seconds.
    let waits: Vec<f64> = (0..4)
        .map(|_| wait(&limiter, at(start, 2.0)).as_secs_f64())
        .collect();
    for (n, wait) in waits.into_iter().enumerate() {
        assert!((wait - n as f64 / rate).abs() < 1e-6, "wait {n}: {wait}");
    }
}

/// The wait of a turn taken at `now`, which must be within `max_wait`.
fn wait(limiter: &AdaptiveRateLimiter, now: Instant) -> Duration {
    limiter.reserve(now).expect("within max_wait").wait()
}

/// A limiter throttled by its first answer: one answer in its first
/// instant, measured over a tenth of a second, is a rate of 10 a second,
/// cut to 7.
fn throttled_at_once(limiter: &AdaptiveRateLimiter, start: Instant) {
    let turn = limiter.reserve(start).expect("inactive: no wait");
    limiter.record(turn, true, start);
}

#[test]
fn a_first_answer_throttled_paces_from_the_rate_so_far() {
    let limiter = AdaptiveRateLimiter::new("first");
    let start = Instant::now();
    throttled_at_once(&limiter, start);
    assert_close(limiter.fill_rate().expect("active"), 7.0);
    // One token left in the bucket, then one turn per 1/7 s.
    assert_eq!(wait(&limiter, start), Duration::ZERO);
    assert_close(wait(&limiter, start).as_secs_f64(), 1.0 / 7.0);
    assert_close(wait(&limiter, start).as_secs_f64(), 2.0 / 7.0);
}

#[test]
fn the_pace_never_drops_below_one_attempt_in_two_seconds() {
    let mut bucket = Bucket::new();
    bucket.active = true;
    bucket.measured_rate = 0.1;
    bucket.fill_rate = 0.1;
    bucket.record(0.25, true, 0.25);
    assert_close(bucket.fill_rate, 0.5);
    assert_eq!(bucket.reserve(0.25, 10.0), Ok(0.0));
    assert_eq!(bucket.reserve(0.25, 10.0), Ok(2.0));
    assert_eq!(bucket.reserve(0.25, 10.0), Ok(4.0));
}

#[test]
fn a_wait_past_max_wait_is_refused_and_takes_nothing() {
    let limiter = AdaptiveRateLimiter::new("bounded").max_wait(Duration::from_millis(300));
    let start = Instant::now();
    throttled_at_once(&limiter, start);
    assert_eq!(wait(&limiter, start), Duration::ZERO);
    assert_close(wait(&limiter, start).as_secs_f64(), 1.0 / 7.0);
    assert_close(wait(&limiter, start).as_secs_f64(), 2.0 / 7.0);
    let refused = limiter.reserve(start).expect_err("past max_wait");
    assert_eq!(refused.limiter, "bounded");
    assert_close(refused.wait.as_secs_f64(), 3.0 / 7.0);
    assert_eq!(
        refused.to_string(),
        format!(
            "rate limiter `bounded` would delay this attempt by {:?}, more than its max_wait",
            refused.wait
        )
    );
    // Refused again, with the same wait: the refusal took no turn.
    assert_eq!(limiter.reserve(start).map(|turn| turn.wait()), Err(refused));
    // A seventh of a second later a turn has come back.
    let later = wait(&limiter, at(start, 1.0 / 7.0));
    assert_close(later.as_secs_f64(), 2.0 / 7.0);
}

#[test]
fn throttles_of_turns_taken_before_a_cut_do_not_cut_again() {
    let limiter = AdaptiveRateLimiter::new("once");
    let start = Instant::now();
    // Three turns taken while inactive; all three come back throttled.
    let turns: Vec<_> = (0..3)
        .map(|_| limiter.reserve(start).expect("inactive: no wait"))
        .collect();
    for turn in turns {
        limiter.record(turn, true, start);
    }
    // Cut once, from the first answer's rate (1 in 0.1 s), not three times.
    assert_close(limiter.fill_rate().expect("active"), 7.0);
    // A turn taken after the cut and throttled cuts again, from the rate
    // sent so far (4 answers in 0.1 s = 40 a second, above the pace of 7).
    let after = limiter.reserve(at(start, 0.01)).expect("within max_wait");
    limiter.record(after, true, at(start, 0.02));
    assert_close(limiter.fill_rate().expect("active"), 0.7 * 7.0);
}

#[test]
fn the_rate_grows_back_along_the_cubic_curve() {
    let mut bucket = Bucket::new();
    // Throttled at 10 s while sending 20 a second.
    bucket.active = true;
    bucket.measured_rate = 20.0;
    bucket.fill_rate = 20.0;
    bucket.record(10.0, true, 10.0);
    let rate_at_throttle = bucket.rate_at_throttle;
    let recovery = bucket.recovery_time();
    assert_close(recovery, (rate_at_throttle * 0.3 / 0.4).cbrt());
    // Right after the throttle the curve starts at β of the old rate...
    assert_close(bucket.cubic_rate(10.0), 0.7 * rate_at_throttle);
    // ...is back at it after the recovery time, and grows beyond it.
    assert_close(bucket.cubic_rate(10.0 + recovery), rate_at_throttle);
    assert_close(bucket.cubic_rate(11.0 + recovery), rate_at_throttle + 0.4);
    assert_close(bucket.cubic_rate(12.0 + recovery), rate_at_throttle + 3.2);
}

#[test]
fn a_throttle_while_paced_cuts_from_the_slower_of_pace_and_sending_rate() {
    let mut bucket = Bucket::new();
    bucket.active = true;
    bucket.measured_rate = 20.0;
    bucket.fill_rate = 8.0;
    bucket.record(0.25, true, 0.25);
    assert_close(bucket.rate_at_throttle, 8.0);
    assert_close(bucket.fill_rate, 0.7 * 8.0);
}

#[test]
fn answers_grow_the_pace_but_never_past_twice_the_sending_rate() {
    let mut bucket = Bucket::new();
    bucket.active = true;
    bucket.measured_rate = 1.0;
    bucket.fill_rate = 1.0;
    bucket.record(0.25, true, 0.25);
    // 100 s later the cubic curve allows far more than 2 a second; the
    // measured rate (one answer in 100 s, smoothed) caps it.
    bucket.record(100.0, false, 100.25);
    assert!(bucket.cubic_rate(100.25) > 1000.0);
    assert_close(bucket.fill_rate, (2.0 * bucket.measured_rate).max(0.5));
}

#[test]
fn shared_across_threads_every_turn_is_handed_out_once() {
    static LIMITER: AdaptiveRateLimiter =
        AdaptiveRateLimiter::new("shared").max_wait(Duration::from_secs(60));
    let start = Instant::now();
    throttled_at_once(&LIMITER, start);
    let mut waits: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| (0..5).map(|_| wait(&LIMITER, start)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("no panic"))
            .collect()
    });
    waits.sort();
    // 20 turns at 7 a second: none handed out twice, none skipped.
    for (n, wait) in waits.into_iter().enumerate() {
        assert!(
            (wait.as_secs_f64() - n as f64 / 7.0).abs() < 1e-6,
            "turn {n}: {wait:?}"
        );
    }
}
