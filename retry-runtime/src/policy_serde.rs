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
//! deadline = "30s"         # optional
//! min_attempt_time = "5ms"
//! max_retry_after = "60s"
//! ```
//!
//! Every key is optional and defaults to [`Policy::new`]'s value. Durations
//! are strings in the grammar of `retry_spec::duration` (the one the attribute and
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
use retry_spec::PolicyKey;

/// The keys of a policy table, in the order they are written: the
/// attribute's names for the policy's fields, from the one table.
const FIELDS: &[&str] = &PolicyKey::NAMES;

/// Writes the policy as a table of its keys; durations are strings such as
/// `"500ms"`; `max_elapsed`, `timeout` and `deadline` are left out when
/// unset, and `min_attempt_time` without a deadline unless it was changed.
impl<Timeout: AttemptTimeout> Serialize for Policy<Timeout> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let timeout = self.timeout.limit();
        let len = 6
            + usize::from(writes_min_attempt_time(self))
            + usize::from(self.max_elapsed.is_some())
            + usize::from(timeout.is_some())
            + usize::from(self.deadline.is_some());
        let mut table = serializer.serialize_struct("Policy", len)?;
        let text = retry_spec::duration::format;
        for key in PolicyKey::ALL {
            let name = key.name();
            match key {
                PolicyKey::MaxAttempts => table.serialize_field(name, &self.max_attempts)?,
                PolicyKey::BaseDelay => table.serialize_field(name, &text(self.base_delay))?,
                PolicyKey::MaxDelay => table.serialize_field(name, &text(self.max_delay))?,
                PolicyKey::Multiplier => table.serialize_field(name, &self.multiplier)?,
                PolicyKey::Jitter => table.serialize_field(name, &self.jitter)?,
                PolicyKey::MaxElapsed => match self.max_elapsed {
                    Some(limit) => table.serialize_field(name, &text(limit))?,
                    None => table.skip_field(name)?,
                },
                PolicyKey::Timeout => match timeout {
                    Some(limit) => table.serialize_field(name, &text(limit))?,
                    None => table.skip_field(name)?,
                },
                PolicyKey::Deadline => match self.deadline {
                    Some(limit) => table.serialize_field(name, &text(limit))?,
                    None => table.skip_field(name)?,
                },
                PolicyKey::MinAttemptTime if writes_min_attempt_time(self) => {
                    table.serialize_field(name, &text(self.min_attempt_time))?;
                }
                PolicyKey::MinAttemptTime => table.skip_field(name)?,
                PolicyKey::MaxRetryAfter => {
                    table.serialize_field(name, &text(self.max_retry_after))?;
                }
            }
        }
        table.end()
    }
}

/// Reads a policy table; see [`Policy`] for the format. Its timeout is
/// known only now, at run time: a `Policy<Option<Duration>>` (see
/// [`Policy`] on what that asks of the error type).
impl<'de> Deserialize<'de> for Policy<Option<Duration>> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Policy", FIELDS, PolicyVisitor)
    }
}

/// A key of the table, read by name; any other name is serde's "unknown
/// field `x`, expected one of ..." error, listing [`FIELDS`].
struct Field(PolicyKey);

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

struct FieldVisitor;

impl Visitor<'_> for FieldVisitor {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a policy key")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Field, E> {
        PolicyKey::from_name(name)
            .map(Field)
            .ok_or_else(|| E::unknown_field(name, FIELDS))
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<Field, E> {
        match core::str::from_utf8(name) {
            Ok(name) => self.visit_str(name),
            Err(_) => Err(E::unknown_field(&String::from_utf8_lossy(name), FIELDS)),
        }
    }
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
        // The keys seen so far, to reject duplicates.
        let mut seen: Vec<PolicyKey> = Vec::with_capacity(FIELDS.len());
        while let Some(Field(key)) = map.next_key::<Field>()? {
            let name = key.name();
            if seen.contains(&key) {
                return Err(de::Error::duplicate_field(name));
            }
            seen.push(key);
            match key {
                PolicyKey::MaxAttempts => policy.max_attempts = map.next_value()?,
                PolicyKey::BaseDelay => policy.base_delay = map.next_value_seed(Text(name))?,
                PolicyKey::MaxDelay => policy.max_delay = map.next_value_seed(Text(name))?,
                PolicyKey::Multiplier => policy.multiplier = map.next_value()?,
                PolicyKey::Jitter => policy.jitter = map.next_value()?,
                PolicyKey::MaxElapsed => {
                    policy.max_elapsed = map.next_value_seed(Optional(Text(name)))?;
                }
                PolicyKey::Timeout => {
                    policy.timeout = map.next_value_seed(Optional(Text(name)))?;
                }
                PolicyKey::Deadline => {
                    policy.deadline = map.next_value_seed(Optional(Text(name)))?;
                }
                PolicyKey::MinAttemptTime => {
                    policy.min_attempt_time = map.next_value_seed(Text(name))?;
                }
                PolicyKey::MaxRetryAfter => {
                    policy.max_retry_after = map.next_value_seed(Text(name))?;
                }
            }
        }
        // Each `PolicyError` message names the key(s) at fault.
        policy.validate().map_err(de::Error::custom)?;
        Ok(policy)
    }
}

/// `min_attempt_time` is written with a deadline, or when it is not the
/// default: a policy without either reads back the same without it.
fn writes_min_attempt_time<Timeout>(policy: &Policy<Timeout>) -> bool {
    policy.deadline.is_some() || policy.min_attempt_time != retry_spec::defaults::MIN_ATTEMPT_TIME
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
        retry_spec::duration::parse(text)
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
        write!(f, "a jitter strategy: {}", retry_spec::Jitter::listed("\""))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Jitter, E> {
        name.parse()
            .map_err(|_| E::unknown_variant(name, &Jitter::NAMES))
    }
}
