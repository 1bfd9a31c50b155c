//! What the `#[retry]` attribute, the runtime's policy files and the
//! `retry` command must agree on, written once: the attribute's keys and
//! the subset a policy file holds ([`Key`], [`PolicyKey`]), the jitter
//! strategies' names ([`Jitter`]), the failure kinds ([`Kind`]), the
//! default policy ([`defaults`]) and the duration grammar ([`duration`]).
//!
//! Each table is an enum whose variants are listed once with their names;
//! the macro, the runtime and the command match on it exhaustively, so a
//! row added here is a compile error in every place that must handle it.
//!
//! ```
//! use retry_spec::{Jitter, Key, Kind, PolicyKey};
//!
//! assert_eq!(Key::from_name("max_attempts"), Some(Key::MaxAttempts));
//! assert_eq!(Key::MaxAttempts.policy_key(), Some(PolicyKey::MaxAttempts));
//! assert_eq!(Key::When.policy_key(), None); // code, not data
//! assert_eq!(Jitter::RECOMMENDED.name(), "full");
//! assert!(Kind::Throttled.is_transient() && !Kind::Other.is_transient());
//! ```

#[macro_use]
mod table;

pub mod defaults;
pub mod duration;
mod jitter;
mod key;
mod kind;

pub use jitter::Jitter;
pub use key::{Key, PolicyKey};
pub use kind::Kind;
