//! First-try successes of annotated fns, counted per thread without a
//! shared write: the one count every successful call makes.
//!
//! Each `#[retry]` fn has a `thread_local!` slot of its own (a
//! [`FirstTriesSlot`], emitted next to its [`CallSite`]), const-initialized
//! and without a destructor, so reading it is one load from the thread's
//! block. The slot points at a counter only this thread writes (a load and
//! a store, no read-modify-write); readers sum the site's counters.
//!
//! A thread's first success at a site takes the slow path: it registers
//! the site and lends the thread a counter. When the thread exits, its
//! counters go back to their sites, still holding their counts, and the
//! next thread to call the site reuses one: so a site has as many counters
//! as it ever had threads calling it at once, and no count is lost.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::LocalKey;

use super::CallSite;

/// An annotated fn's counter on this thread, once its first success here
/// has lent it one. Held in a `thread_local!` the expansion emits
/// (see [`first_try_counter!`](crate::__private::first_try_counter)).
#[doc(hidden)]
#[derive(Debug)]
pub struct FirstTriesSlot(Cell<Option<&'static OwnCounter>>);

impl FirstTriesSlot {
    /// No counter yet.
    pub const fn empty() -> Self {
        Self(Cell::new(None))
    }
}

/// The key of an annotated fn's slot.
#[doc(hidden)]
pub type FirstTriesKey = LocalKey<FirstTriesSlot>;

/// Counts one first-try success of the annotated fn whose site is `site`
/// and whose slot is `key`. The first on a thread also registers the site
/// (`type_name` gives a method's `Self` type).
#[inline(always)]
pub(crate) fn count(
    key: &'static FirstTriesKey,
    site: &'static CallSite,
    type_name: impl FnOnce() -> &'static str,
) {
    match key.try_with(|slot| slot.0.get()) {
        Ok(Some(counter)) => counter.bump(),
        _ => first_on_this_thread(key, site.registered(type_name)),
    }
}

#[cold]
#[inline(never)]
fn first_on_this_thread(key: &'static FirstTriesKey, site: &'static CallSite) {
    let counters = &site.annotated;
    let lent = LENT.try_with(|lent| {
        let counter = counters.lend();
        lent.0.borrow_mut().push((key, counters, counter));
        counter
    });
    match lent {
        Ok(counter) => {
            let _ = key.try_with(|slot| slot.0.set(Some(counter)));
            counter.bump();
        }
        // The thread is exiting: no counter can be lent any more.
        Err(_) => {
            counters.late.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One site's counters for its annotated fn's threads.
#[derive(Debug)]
pub(super) struct AnnotatedCounters {
    lists: Mutex<Lists>,
    // Successes counted while a thread exits, once its counters are back.
    late: AtomicU64,
}

#[derive(Debug)]
struct Lists {
    // Every counter ever made for the site: what readers sum.
    all: Vec<&'static OwnCounter>,
    // Those no running thread holds.
    free: Vec<&'static OwnCounter>,
}

impl AnnotatedCounters {
    pub(super) const fn new() -> Self {
        Self {
            lists: Mutex::new(Lists {
                all: Vec::new(),
                free: Vec::new(),
            }),
            late: AtomicU64::new(0),
        }
    }

    /// First-try successes on every thread so far.
    pub(super) fn sum(&self) -> u64 {
        let held: u64 = self.lists().all.iter().map(|c| c.get()).sum();
        held + self.late.load(Ordering::Relaxed)
    }

    /// A counter for a thread: a free one, else a new one (kept for the
    /// life of the process, as the site is).
    fn lend(&self) -> &'static OwnCounter {
        let mut lists = self.lists();
        if let Some(counter) = lists.free.pop() {
            return counter;
        }
        let counter: &'static OwnCounter = Box::leak(Box::default());
        lists.all.push(counter);
        counter
    }

    fn give_back(&self, counter: &'static OwnCounter) {
        self.lists().free.push(counter);
    }

    fn lists(&self) -> MutexGuard<'_, Lists> {
        self.lists.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The counters this thread holds, given back when it exits. One per
/// thread, touched only at a thread's first success at each site.
struct Lent(
    RefCell<
        Vec<(
            &'static FirstTriesKey,
            &'static AnnotatedCounters,
            &'static OwnCounter,
        )>,
    >,
);

impl Drop for Lent {
    fn drop(&mut self) {
        for (key, counters, counter) in self.0.get_mut().drain(..) {
            // Emptied first, so a success later in this thread's exit
            // does not write a counter another thread may hold.
            let _ = key.try_with(|slot| slot.0.set(None));
            counters.give_back(counter);
        }
    }
}

thread_local! {
    static LENT: Lent = const { Lent(RefCell::new(Vec::new())) };
}

/// A counter written only by the thread that holds it, so a load and a
/// store add one: other threads only read it. Aligned to 128 bytes (two
/// cache lines, for the adjacent-line prefetcher) so that two threads'
/// counters, allocated side by side, never share a line: with them packed,
/// two threads calling one site slowed each other down (false sharing).
#[derive(Debug, Default)]
#[repr(align(128))]
pub(super) struct OwnCounter(AtomicU64);

impl OwnCounter {
    #[inline]
    pub(super) fn bump(&self) {
        let n = self.0.load(Ordering::Relaxed);
        self.0.store(n.wrapping_add(1), Ordering::Relaxed);
    }

    pub(super) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SITE: CallSite = CallSite::new("first_tries.tests");
    crate::__private::first_try_counter!(SLOT);

    fn counters() -> usize {
        SITE.annotated.lists().all.len()
    }

    /// Threads one after another reuse one counter, which keeps every
    /// count; threads at once each get their own.
    #[test]
    fn exited_threads_counters_are_reused_and_keep_their_counts() {
        let one_at_a_time = || {
            for _ in 0..5 {
                count(&SLOT, &SITE, || "");
            }
        };
        for _ in 0..20 {
            std::thread::spawn(one_at_a_time).join().unwrap();
        }
        assert_eq!((SITE.annotated.sum(), counters()), (100, 1));

        let both_counting = std::sync::Barrier::new(2);
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    count(&SLOT, &SITE, || "");
                    both_counting.wait();
                });
            }
        });
        assert_eq!((SITE.annotated.sum(), counters()), (102, 2));
    }

    /// A success counted by another thread-local's destructor, after this
    /// thread's counters went back, is counted all the same.
    #[test]
    fn a_success_during_thread_exit_is_counted() {
        static LATE_SITE: CallSite = CallSite::new("first_tries.tests.late");
        crate::__private::first_try_counter!(LATE_SLOT);
        struct CountsOnExit;
        impl Drop for CountsOnExit {
            fn drop(&mut self) {
                count(&LATE_SLOT, &LATE_SITE, || "");
            }
        }
        thread_local!(static ON_EXIT: CountsOnExit = const { CountsOnExit });
        std::thread::spawn(|| {
            // Made first, so dropped after the thread's counters went back
            // (thread-locals are dropped in the reverse order).
            ON_EXIT.with(|_| {});
            count(&LATE_SLOT, &LATE_SITE, || "");
        })
        .join()
        .unwrap();
        // Both counted: the first in the thread's counter, the second (after
        // that counter went back) in the site's count of late successes.
        let late = LATE_SITE.annotated.late.load(Ordering::Relaxed);
        assert_eq!((LATE_SITE.annotated.sum(), late), (2, 1));
    }
}
