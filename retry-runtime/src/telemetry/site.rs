//! [`CallSite`]: what one place in the code that retries knows about its
//! calls — its name, and (with `stats` or `metrics`) its counts.
//!
//! Modelled on `tracing`'s callsites: `#[retry]` emits one `static`
//! `CallSite` per annotated fn, registered on first use. A call touches
//! only its own site: a first-try success adds one to a counter that only
//! its thread writes (a load and a store, no read-modify-write on a shared
//! cache line), and readers sum the threads' counters. Everything else (a
//! retry, a failure) is rarer, and counted in the site's shared atomics.
//!
//! An annotated fn finds its thread's counter through a `thread_local!`
//! of its own (see `first_tries`), emitted next to the site: one load.
//! The function API's sites, made at run time, cannot have one; they keep
//! their threads' counters in a `ThreadLocal`.

use core::fmt;
use core::panic::Location;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

#[cfg(feature = "metrics")]
use std::sync::atomic::AtomicU64;

#[cfg(any(feature = "stats", feature = "metrics"))]
use super::first_tries::{AnnotatedCounters, OwnCounter};

#[cfg(any(feature = "stats", feature = "metrics"))]
use thread_local::ThreadLocal;

/// One place in the code that retries: a `static` per `#[retry]` fn, made
/// by the expansion, or one per name (or per caller's location) for the
/// function API. It names the calls in events, and holds their statistics.
///
/// A hand-written retry loop can have its own:
///
/// ```
/// use retry_runtime::engine::CallSite;
///
/// static SITE: CallSite = CallSite::new("billing.charge");
/// assert_eq!(SITE.name(), "billing.charge");
/// ```
pub struct CallSite {
    naming: Naming,
    // Set once, when the site is registered.
    name: OnceLock<&'static str>,
    // First-try successes of the function API's calls, one counter per
    // thread, each written only by its thread.
    #[cfg(any(feature = "stats", feature = "metrics"))]
    first_tries: ThreadLocal<OwnCounter>,
    // The same, for an annotated fn, whose threads find theirs faster.
    #[cfg(any(feature = "stats", feature = "metrics"))]
    pub(super) annotated: AnnotatedCounters,
    // Every other count: rarer, shared.
    #[cfg(feature = "stats")]
    pub(super) counters: super::stats::Counters,
    // How many first tries the metrics recorder has been told of.
    #[cfg(feature = "metrics")]
    pub(super) first_tries_reported: AtomicU64,
    // The labels of its metrics, made from its name at its first report.
    #[cfg(feature = "metrics")]
    pub(super) metric_labels: OnceLock<super::metrics::SiteLabels>,
}

/// How a site's name is made.
#[derive(Clone, Copy)]
enum Naming {
    /// Given whole.
    Fixed(&'static str),
    /// `module::Type::function`, the type known only inside the method.
    Method {
        module: &'static str,
        function: &'static str,
    },
}

impl CallSite {
    /// A site named `name`.
    pub const fn new(name: &'static str) -> Self {
        Self::with_naming(Naming::Fixed(name))
    }

    /// The site of a method, named `module::Type::function` once the type
    /// is known (at its first call). Used by the `#[retry]` expansion.
    #[doc(hidden)]
    pub const fn method(module: &'static str, function: &'static str) -> Self {
        Self::with_naming(Naming::Method { module, function })
    }

    const fn with_naming(naming: Naming) -> Self {
        Self {
            naming,
            name: OnceLock::new(),
            #[cfg(any(feature = "stats", feature = "metrics"))]
            first_tries: ThreadLocal::new(),
            #[cfg(any(feature = "stats", feature = "metrics"))]
            annotated: AnnotatedCounters::new(),
            #[cfg(feature = "stats")]
            counters: super::stats::Counters::new(),
            #[cfg(feature = "metrics")]
            first_tries_reported: AtomicU64::new(0),
            #[cfg(feature = "metrics")]
            metric_labels: OnceLock::new(),
        }
    }

    /// The site, registered: `type_name` gives a method's `Self` type on the
    /// first call (it is not called for a site with a fixed name).
    #[inline]
    pub fn registered(&'static self, type_name: impl FnOnce() -> &'static str) -> &'static Self {
        if self.name.get().is_none() {
            self.register(type_name());
        }
        self
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self, type_name: &'static str) {
        self.name.get_or_init(|| {
            let name = match self.naming {
                Naming::Fixed(name) => name,
                Naming::Method { module, function } => {
                    let name = format!("{module}::{}::{function}", short_type_name(type_name));
                    Box::leak(name.into_boxed_str())
                }
            };
            registry().push(self);
            #[cfg(feature = "metrics")]
            super::metrics::start_reporting();
            name
        });
    }

    /// The calls' name in events, metrics and statistics (`stats()`).
    /// A method's site reads as the bare method name until its first call
    /// tells its type.
    pub fn name(&self) -> &'static str {
        match (self.name.get().copied(), self.naming) {
            (Some(name), _) | (None, Naming::Fixed(name)) => name,
            (None, Naming::Method { function, .. }) => function,
        }
    }

    /// The function API's site for calls named `name`: one per distinct
    /// name, made on first use.
    pub fn named(name: &'static str) -> &'static Self {
        interned(Key::Name(name))
    }

    /// The function API's site for unnamed calls made at `location`, named
    /// `file:line:column`.
    pub fn at(location: &'static Location<'static>) -> &'static Self {
        interned(Key::Location(location))
    }

    /// One first-try success.
    #[inline]
    pub(super) fn first_try(&self) {
        #[cfg(any(feature = "stats", feature = "metrics"))]
        self.first_tries.get_or(OwnCounter::default).bump();
    }

    /// First-try successes on every thread so far.
    #[cfg(any(feature = "stats", feature = "metrics"))]
    pub(super) fn first_tries(&self) -> u64 {
        self.annotated.sum() + self.first_tries.iter().map(OwnCounter::get).sum::<u64>()
    }
}

impl fmt::Debug for CallSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallSite")
            .field("name", &self.name())
            .finish()
    }
}

/// `a::b::Type<T>` → `Type`; `&a::Type` → `Type`.
fn short_type_name(type_name: &'static str) -> &'static str {
    let path = type_name.split('<').next().unwrap_or(type_name);
    let path = path
        .trim_start_matches(['&', '*'])
        .trim_start_matches("mut ");
    path.rsplit("::").next().unwrap_or(path)
}

/// Every registered site, in registration order.
fn registry() -> std::sync::MutexGuard<'static, Vec<&'static CallSite>> {
    static SITES: Mutex<Vec<&'static CallSite>> = Mutex::new(Vec::new());
    SITES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Each registered site, for readers of the totals.
#[cfg(any(feature = "stats", feature = "metrics"))]
pub(super) fn each_site(mut visit: impl FnMut(&'static str, &'static CallSite)) {
    let sites = registry().clone();
    for site in sites {
        if let Some(name) = site.name.get() {
            visit(name, site);
        }
    }
}

/// What a function-API site is found by.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    /// Its name, by content: calls named alike share a site.
    Name(&'static str),
    /// Its caller's location.
    Location(&'static Location<'static>),
}

impl Key {
    /// Where the key's text lives: what the per-thread cache compares, so
    /// a hit costs no string comparison.
    fn address(self) -> (usize, usize) {
        match self {
            Key::Name(name) => (name.as_ptr() as usize, name.len()),
            Key::Location(location) => (core::ptr::from_ref(location) as usize, 0),
        }
    }
}

/// How many sites each thread remembers, so a call from a loop finds its
/// site without a lock.
const CACHED: usize = 8;

thread_local! {
    static CACHE: [Cell<Option<(Key, &'static CallSite)>>; CACHED] =
        const { [const { Cell::new(None) }; CACHED] };
}

/// The site for `key`, made on first use. Each thread caches the sites it
/// used last; a miss takes the global table's lock.
fn interned(key: Key) -> &'static CallSite {
    let address = key.address();
    let slot = (address.0 >> 3) % CACHED;
    let cached = CACHE.try_with(|cache| cache[slot].get()).ok().flatten();
    if let Some((cached_key, site)) = cached
        && cached_key.address() == address
    {
        return site;
    }
    let site = intern_slow(key);
    let _ = CACHE.try_with(|cache| cache[slot].set(Some((key, site))));
    site
}

#[cold]
fn intern_slow(key: Key) -> &'static CallSite {
    static TABLE: OnceLock<Mutex<HashMap<Key, &'static CallSite>>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    table.entry(key).or_insert_with(|| {
        let name = match key {
            Key::Name(name) => name,
            Key::Location(at) => {
                Box::leak(format!("{}:{}:{}", at.file(), at.line(), at.column()).into_boxed_str())
            }
        };
        Box::leak(Box::new(CallSite::new(name))).registered(|| "")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_shortened_to_the_type() {
        assert_eq!(short_type_name("app::clients::Forge"), "Forge");
        assert_eq!(short_type_name("app::Client<reqwest::Client>"), "Client");
        assert_eq!(short_type_name("&mut app::Forge"), "Forge");
        assert_eq!(short_type_name("Local"), "Local");
    }

    #[test]
    fn a_method_site_is_named_after_its_type_on_first_use() {
        static SITE: CallSite = CallSite::method("app::clients", "fetch");
        assert_eq!(SITE.name(), "fetch");
        let site = SITE.registered(|| "app::forge::Forge<u8>");
        assert_eq!(site.name(), "app::clients::Forge::fetch");
        // Named once: a later type does not rename it.
        assert_eq!(
            SITE.registered(|| "app::Other").name(),
            "app::clients::Forge::fetch"
        );
    }

    #[test]
    fn function_api_sites_are_one_per_name_and_per_location() {
        let named = String::from("site.tests.named");
        let leaked: &'static str = Box::leak(named.into_boxed_str());
        assert!(core::ptr::eq(
            CallSite::named("site.tests.named"),
            CallSite::named(leaked)
        ));
        let here = Location::caller();
        let site = CallSite::at(here);
        assert!(core::ptr::eq(site, CallSite::at(here)));
        assert_eq!(
            site.name(),
            format!("{}:{}:{}", here.file(), here.line(), here.column())
        );
    }

    /// Two threads' first-try counters sit in one `ThreadLocal` bucket side
    /// by side; each must fill its own pair of cache lines.
    #[cfg(any(feature = "stats", feature = "metrics"))]
    #[test]
    fn own_counters_never_share_a_cache_line() {
        assert_eq!(core::mem::align_of::<OwnCounter>(), 128);
        let site = CallSite::named("site.tests.counters");
        // Both threads alive at once, so they hold different thread ids.
        let both_counted = std::sync::Barrier::new(2);
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    site.first_try();
                    both_counted.wait();
                });
            }
        });
        let addresses: Vec<usize> = site
            .first_tries
            .iter()
            .map(|counter| core::ptr::from_ref(counter) as usize)
            .collect();
        assert_eq!(addresses.len(), 2);
        assert!(addresses[0].abs_diff(addresses[1]) >= 128);
    }
}
