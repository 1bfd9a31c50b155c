//! A fixed table from call names to per-name state, for the statistics and
//! the cached metric handles.
//!
//! Names are `&'static str`, found by address (names from one call site
//! share it), so a lookup hashes a pointer, takes no lock and allocates
//! nothing. Slots are claimed on first use and never freed; past [`SLOTS`]
//! distinct names, a name gets no slot and is not counted.

use std::sync::OnceLock;

/// How many distinct names are tracked.
pub(super) const SLOTS: usize = 256;

/// One name's slot.
pub(super) struct Slot<T> {
    pub(super) name: OnceLock<&'static str>,
    pub(super) value: T,
}

/// The value of `name`'s slot in `table`, claiming a free slot on first use.
#[inline]
pub(super) fn find<T>(table: &'static [Slot<T>; SLOTS], name: &'static str) -> Option<&'static T> {
    // Fibonacci hashing of the address.
    let start = (name.as_ptr() as usize).wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> 8;
    for probe in 0..SLOTS {
        let slot = &table[(start + probe) % SLOTS];
        let owner = match slot.name.get() {
            Some(owner) => *owner,
            None => *slot.name.get_or_init(|| name),
        };
        if core::ptr::eq(owner, name) {
            return Some(&slot.value);
        }
    }
    None
}

/// Every slot whose name reads `name` (several call sites may share one).
#[cfg(feature = "stats")]
pub(super) fn all_named<'t, T>(
    table: &'t [Slot<T>; SLOTS],
    name: &'t str,
) -> impl Iterator<Item = &'t T> {
    table
        .iter()
        .filter(move |slot| slot.name.get().is_some_and(|owner| *owner == name))
        .map(|slot| &slot.value)
}
