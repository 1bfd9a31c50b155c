//! The breaker's whole state in one `u64`, so every transition is a single
//! compare-exchange and no reader ever sees half of one.
//!
//! ```text
//! bits  0..2   state: closed, opening, open, half-open
//! bits  2..18  generation: bumped when the breaker trips and when it closes,
//!              so a permit from an earlier period cannot touch a later one
//! bits 18..33  closed: consecutive failures   half-open: probes in flight
//! bits 33..48  closed: calls in the window    half-open: probes succeeded
//! bits 48..63  closed: failures in the window
//! ```
//!
//! The time an open breaker may half-open lives in a second atomic, written
//! only by the thread that moved the state to `Opening`, before it publishes
//! `Open`: whoever reads `Open` then reads that period's time.

/// The largest value of a counter; thresholds above it act as it.
pub(crate) const COUNTER_MAX: u32 = (1 << COUNTER_BITS) - 1;

const COUNTER_BITS: u32 = 15;
const TAG_BITS: u32 = 2;
const GEN_BITS: u32 = 16;
const A_SHIFT: u32 = TAG_BITS + GEN_BITS;
const B_SHIFT: u32 = A_SHIFT + COUNTER_BITS;
const C_SHIFT: u32 = B_SHIFT + COUNTER_BITS;

const CLOSED: u64 = 0;
const OPENING: u64 = 1;
const OPEN: u64 = 2;
const HALF_OPEN: u64 = 3;

/// One unpacked state. Counters are at most [`COUNTER_MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PackedState {
    /// Calls flow; failures are being counted.
    Closed {
        generation: u16,
        consecutive: u32,
        calls: u32,
        failures: u32,
    },
    /// Tripped; the thread that tripped it is storing the open-until time.
    Opening { generation: u16 },
    /// Calls are rejected until the stored time.
    Open { generation: u16 },
    /// Probes are let through, up to the configured number.
    HalfOpen {
        generation: u16,
        in_flight: u32,
        succeeded: u32,
    },
}

impl PackedState {
    pub(crate) fn pack(self) -> u64 {
        let (tag, generation, a, b, c) = match self {
            PackedState::Closed {
                generation,
                consecutive,
                calls,
                failures,
            } => (CLOSED, generation, consecutive, calls, failures),
            PackedState::Opening { generation } => (OPENING, generation, 0, 0, 0),
            PackedState::Open { generation } => (OPEN, generation, 0, 0, 0),
            PackedState::HalfOpen {
                generation,
                in_flight,
                succeeded,
            } => (HALF_OPEN, generation, in_flight, succeeded, 0),
        };
        let counter = |n: u32| u64::from(n.min(COUNTER_MAX));
        tag | u64::from(generation) << TAG_BITS
            | counter(a) << A_SHIFT
            | counter(b) << B_SHIFT
            | counter(c) << C_SHIFT
    }

    pub(crate) fn unpack(word: u64) -> PackedState {
        let counter = |shift: u32| ((word >> shift) as u32) & COUNTER_MAX;
        let generation = (word >> TAG_BITS) as u16;
        match word & 0b11 {
            CLOSED => PackedState::Closed {
                generation,
                consecutive: counter(A_SHIFT),
                calls: counter(B_SHIFT),
                failures: counter(C_SHIFT),
            },
            OPENING => PackedState::Opening { generation },
            OPEN => PackedState::Open { generation },
            _ => PackedState::HalfOpen {
                generation,
                in_flight: counter(A_SHIFT),
                succeeded: counter(B_SHIFT),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_breaker_is_all_zeros() {
        // `CircuitBreaker::new` starts the word at 0.
        let closed = PackedState::Closed {
            generation: 0,
            consecutive: 0,
            calls: 0,
            failures: 0,
        };
        assert_eq!(closed.pack(), 0);
        assert_eq!(PackedState::unpack(0), closed);
    }

    #[test]
    fn every_state_round_trips() {
        let words = [
            PackedState::Closed {
                generation: u16::MAX,
                consecutive: COUNTER_MAX,
                calls: 1,
                failures: COUNTER_MAX - 1,
            },
            PackedState::Opening { generation: 7 },
            PackedState::Open { generation: 65_000 },
            PackedState::HalfOpen {
                generation: 3,
                in_flight: COUNTER_MAX,
                succeeded: 12,
            },
        ];
        for word in words {
            assert_eq!(PackedState::unpack(word.pack()), word);
        }
    }

    #[test]
    fn counters_saturate_instead_of_spilling() {
        let word = PackedState::Closed {
            generation: 1,
            consecutive: u32::MAX,
            calls: COUNTER_MAX + 1,
            failures: 0,
        };
        assert_eq!(
            PackedState::unpack(word.pack()),
            PackedState::Closed {
                generation: 1,
                consecutive: COUNTER_MAX,
                calls: COUNTER_MAX,
                failures: 0,
            }
        );
    }
}
