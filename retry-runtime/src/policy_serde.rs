//! `Serialize` and `Deserialize` for [`Policy`] and [`Jitter`] (the `serde`
//! feature), so operators can tune policies in TOML or JSON files without
//! recompiling.
//!
//! The format is a flat table whose keys are the attribute's keys:
//!
//! ```toml
//! max_attempts = 5
//! base_delay = "500ms"
//! max_delay = "30s"
//! multiplier = 2.0
//! jitter = "full"          # "none" | "full" | "equal" | "decorrelated"
//! max_elapsed = "2m"       # optional
//! timeout = "10s"          # optional
//! max_retry_after = "60s"
//! ```
//!
//! Every key is optional and defaults to [`Policy::new`]'s value. Durations
//! are strings in the grammar of `retry_duration` (the one the attribute and
//! the `retry` command use). Unknown and duplicate keys are errors, and the
//! result is checked with [`Policy::validate`], so a bad file is a
//! deserialization error that names the key, never a panic or a policy that
//! misbehaves later.
//!
//! The impls are written by hand rather than derived because the derive
//! cannot name the key in a duration error, nor validate the whole policy.

use core::fmt;
use core::time::Duration;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::backoff::Jitter;
use crate::policy::Policy;
use crate::timeout::AttemptTimeout;

/// The keys of a policy table, in the order they are written.
const FIELDS: &[&str] = &[
    "max_attempts",
    "base_delay",
    "max_delay",
    "multiplier",
    "jitter",
    "max_elapsed",
    "timeout",
    "max_retry_after",
];

/// Writes the policy as a table of its keys; durations are strings such as
/// `"500ms"`, and `max_elapsed` and `timeout` are left out when unset.
impl<Timeout: AttemptTimeout> Serialize for Policy<Timeout> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let timeout = self.timeout.limit();
        let len = 6 + usize::from(self.max_elapsed.is_some()) + usize::from(timeout.is_some());
        let mut table = serializer.serialize_struct("Policy", len)?;
        table.serialize_field("max_attempts", &self.max_attempts)?;
        table.serialize_field("base_delay", &retry_duration::format(self.base_delay))?;
        table.serialize_field("max_delay", &retry_duration::format(self.max_delay))?;
        table.serialize_field("multiplier", &self.multiplier)?;
        table.serialize_field("jitter", &self.jitter)?;
        match self.max_elapsed {
            Some(limit) => {
                table.serialize_field("max_elapsed", &retry_duration::format(limit))?;
            }
            None => table.skip_field("max_elapsed")?,
        }
        match timeout {
            Some(limit) => table.serialize_field("timeout", &retry_duration::format(limit))?,
            None => table.skip_field("timeout")?,
        }
        table.serialize_field(
            "max_retry_after",
            &retry_duration::format(self.max_retry_after),
        )?;
        table.end()
    }
}

/// Reads a policy table; see the [module docs](self) for the format. Its
/// timeout is known only now, at run time: a `Policy<Option<Duration>>`
/// (see [`Policy`] on what that asks of the error type).
impl<'de> Deserialize<'de> for Policy<Option<Duration>> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Policy", FIELDS, PolicyVisitor)
    }
}

/// The keys, with serde's "unknown field `x`, expected one of ..." error
/// for any other.
#[derive(Clone, Copy, Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    MaxAttempts,
    BaseDelay,
    MaxDelay,
    Multiplier,
    Jitter,
    MaxElapsed,
    Timeout,
    MaxRetryAfter,
}

struct PolicyVisitor;

impl<'de> Visitor<'de> for PolicyVisitor {
    type Value = Policy<Option<Duration>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a retry policy table (max_attempts, base_delay, max_delay, ...)")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<Policy<Option<Duration>>, A::Error> {
        let mut policy = Policy::new().with_timeout(None);
        // Which keys were seen, in `FIELDS` order, to reject duplicates.
        let mut seen = [false; FIELDS.len()];
        while let Some(field) = map.next_key::<Field>()? {
            let index = field as usize;
            if std::mem::replace(&mut seen[index], true) {
                return Err(de::Error::duplicate_field(FIELDS[index]));
            }
            match field {
                Field::MaxAttempts => policy.max_attempts = map.next_value()?,
                Field::BaseDelay => policy.base_delay = map.next_value_seed(Text(FIELDS[index]))?,
                Field::MaxDelay => policy.max_delay = map.next_value_seed(Text(FIELDS[index]))?,
                Field::Multiplier => policy.multiplier = map.next_value()?,
                Field::Jitter => policy.jitter = map.next_value()?,
                Field::MaxElapsed => {
                    policy.max_elapsed = map.next_value_seed(Optional(Text(FIELDS[index])))?;
                }
                Field::Timeout => {
                    policy.timeout = map.next_value_seed(Optional(Text(FIELDS[index])))?;
                }
                Field::MaxRetryAfter => {
                    policy.max_retry_after = map.next_value_seed(Text(FIELDS[index]))?;
                }
            }
        }
        // Each `PolicyError` message names the key(s) at fault.
        policy.validate().map_err(de::Error::custom)?;
        Ok(policy)
    }
}

/// A duration string for the key it names, so the error can say which key
/// holds the bad value (a JSON error has no other way to tell).
#[derive(Clone, Copy)]
struct Text(&'static str);

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Duration;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Duration, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Text {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a duration string for `{}`, such as \"500ms\"", self.0)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
        retry_duration::parse(text)
            .map_err(|e| E::custom(format_args!("invalid `{}` {text:?}: {e}", self.0)))
    }
}

/// An optional duration: a JSON `null` (or a missing key) is `None`.
struct Optional(Text);

impl<'de> DeserializeSeed<'de> for Optional {
    type Value = Option<Duration>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for Optional {
    type Value = Option<Duration>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(deserializer).map(Some)
    }
}

/// Writes the strategy's name: `"none"`, `"full"`, `"equal"` or
/// `"decorrelated"`.
impl Serialize for Jitter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Reads a strategy's name; any other string is an "unknown variant" error
/// that lists the names.
impl<'de> Deserialize<'de> for Jitter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(JitterVisitor)
    }
}

struct JitterVisitor;

impl Visitor<'_> for JitterVisitor {
    type Value = Jitter;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a jitter strategy: \"none\", \"full\", \"equal\" or \"decorrelated\"")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Jitter, E> {
        name.parse()
            .map_err(|_| E::unknown_variant(name, &Jitter::NAMES))
    }
}
