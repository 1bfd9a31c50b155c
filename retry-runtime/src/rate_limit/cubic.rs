//! The arithmetic of the adaptive rate limiter, on plain numbers: a token
//! bucket whose fill rate follows CUBIC congestion control (cut to 70% of
//! the measured sending rate at a throttle, then grown back along a cubic
//! curve), as in the AWS SDKs' adaptive retry mode. Times are seconds since
//! the limiter's first use.

/// The share of the sending rate kept after a throttle.
const BETA: f64 = 0.7;
/// How fast the rate grows back (CUBIC's C).
const SCALE: f64 = 0.4;
/// The weight of the newest half second in the measured sending rate.
const SMOOTH: f64 = 0.8;
/// The slowest fill rate, tokens per second: never stop a caller for good.
const MIN_FILL_RATE: f64 = 0.5;
/// The smallest bucket: one attempt.
const MIN_CAPACITY: f64 = 1.0;
/// The sending rate is measured over buckets of this many seconds.
const RATE_BUCKET: f64 = 0.5;
/// Before the first bucket is complete, the rate so far is measured over
/// at least this many seconds.
const MIN_RATE_SPAN: f64 = 0.1;

/// The limiter's state. Inactive (every attempt goes at once) until the
/// first throttle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Bucket {
    pub(super) active: bool,
    /// Tokens per second.
    pub(super) fill_rate: f64,
    pub(super) max_capacity: f64,
    /// Tokens in the bucket; below zero when callers have reserved tokens
    /// that have not yet been refilled (they are waiting for them).
    pub(super) tokens: f64,
    last_refill: f64,
    /// Attempts sent per second, smoothed.
    pub(super) measured_rate: f64,
    rate_bucket_start: f64,
    sent_in_rate_bucket: u64,
    /// The rate at the last throttle.
    pub(super) rate_at_throttle: f64,
    last_throttle: f64,
}

impl Bucket {
    pub(super) const fn new() -> Self {
        Self {
            active: false,
            fill_rate: MIN_FILL_RATE,
            max_capacity: MIN_CAPACITY,
            tokens: MIN_CAPACITY,
            last_refill: 0.0,
            measured_rate: 0.0,
            rate_bucket_start: 0.0,
            sent_in_rate_bucket: 0,
            rate_at_throttle: 0.0,
            last_throttle: 0.0,
        }
    }

    /// Takes a token for an attempt at `now`: the seconds the caller must
    /// wait before sending it (0 when a token was there), or, as an error
    /// with nothing taken, the wait when it would exceed `max_wait`.
    pub(super) fn reserve(&mut self, now: f64, max_wait: f64) -> Result<f64, f64> {
        if !self.active {
            return Ok(0.0);
        }
        self.refill(now);
        let wait = (1.0 - self.tokens).max(0.0) / self.fill_rate;
        if wait > max_wait {
            return Err(wait);
        }
        self.tokens -= 1.0;
        Ok(wait)
    }

    /// Learns from the answer, at `now`, to an attempt whose turn was
    /// reserved at `reserved`.
    pub(super) fn record(&mut self, reserved: f64, throttled: bool, now: f64) {
        self.measure_sending_rate(now);
        // Attempts that took their turn before the last cut were paced by
        // the rate that was cut: their throttles are the same news, not a
        // new cut (as TCP cuts its window once per loss event, not once
        // per lost packet). Without this, a burst in flight cut the pace
        // to its floor, one throttle after another.
        if throttled && self.active && reserved <= self.last_throttle {
            return;
        }
        let rate = if throttled {
            let sending = self.sending_rate(now);
            let rate = if self.active {
                sending.min(self.fill_rate)
            } else {
                sending
            };
            self.rate_at_throttle = rate;
            self.last_throttle = now;
            self.active = true;
            rate * BETA
        } else if self.active {
            self.cubic_rate(now)
        } else {
            return;
        };
        let ceiling = 2.0 * self.sending_rate(now);
        self.set_fill_rate(rate.min(ceiling), now);
    }

    /// The sending rate: the smoothed measure, or, before the first half
    /// second has been measured, the rate so far in it.
    fn sending_rate(&self, now: f64) -> f64 {
        if self.measured_rate > 0.0 {
            return self.measured_rate;
        }
        // Counts fit an f64 exactly far beyond any real rate.
        #[allow(clippy::cast_precision_loss)]
        let sent = self.sent_in_rate_bucket as f64;
        // Over a tenth of a second at least: a few answers in the first
        // instants are not a rate of thousands a second.
        sent / (now - self.rate_bucket_start).max(MIN_RATE_SPAN)
    }

    /// CUBIC's window: the rate at the last throttle is reached again this
    /// many seconds after it.
    pub(super) fn recovery_time(&self) -> f64 {
        (self.rate_at_throttle * (1.0 - BETA) / SCALE).cbrt()
    }

    /// The fill rate CUBIC allows at `now` after a throttle.
    pub(super) fn cubic_rate(&self, now: f64) -> f64 {
        let since = now - self.last_throttle - self.recovery_time();
        SCALE * since.powi(3) + self.rate_at_throttle
    }

    fn set_fill_rate(&mut self, rate: f64, now: f64) {
        self.refill(now);
        self.fill_rate = rate.max(MIN_FILL_RATE);
        self.max_capacity = rate.max(MIN_CAPACITY);
        self.tokens = self.tokens.min(self.max_capacity);
    }

    fn refill(&mut self, now: f64) {
        let elapsed = (now - self.last_refill).max(0.0);
        self.tokens = (self.tokens + elapsed * self.fill_rate).min(self.max_capacity);
        self.last_refill = self.last_refill.max(now);
    }

    /// Counts one attempt sent at `now`; at each new half second, folds
    /// the last one's count into the smoothed rate.
    fn measure_sending_rate(&mut self, now: f64) {
        self.sent_in_rate_bucket += 1;
        let bucket = (now / RATE_BUCKET).floor() * RATE_BUCKET;
        if bucket > self.rate_bucket_start {
            // Attempt counts fit an f64 exactly far beyond any real rate.
            #[allow(clippy::cast_precision_loss)]
            let sent = self.sent_in_rate_bucket as f64;
            let rate = sent / (bucket - self.rate_bucket_start);
            self.measured_rate = rate * SMOOTH + self.measured_rate * (1.0 - SMOOTH);
            self.sent_in_rate_bucket = 0;
            self.rate_bucket_start = bucket;
        }
    }
}
