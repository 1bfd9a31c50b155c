//! The error for an unknown key: the key the user most likely meant, from
//! other retry libraries' names for ours or from a near spelling.

use syn::{Expr, Ident, Lit};

use retry_spec::Key;

use super::{KEYS, Literal, literal};

/// Other libraries' names for our keys, written lowercase without
/// underscores (so `max_retries`, `maxRetries` and `MaxRetries` all match),
/// with our key and what to know when moving to it.
const ALIASES: &[(&[&str], Key, &str)] = &[
    (
        &[
            "maxretries",
            "retries",
            "numretries",
            "retrycount",
            "maxretry",
        ],
        Key::MaxAttempts,
        // The count note is written out by `retries_note`.
        "",
    ),
    (
        &[
            "attempts",
            "tries",
            "maxtries",
            "stopafterattempt",
            "retrytimes",
        ],
        Key::MaxAttempts,
        "`max_attempts` counts every call, the first included",
    ),
    (
        &[
            "delay",
            "initialdelay",
            "initialbackoff",
            "backoff",
            "mindelay",
            "minbackoff",
            "initialinterval",
            "interval",
            "firstdelay",
            "wait",
            "minwait",
            "sleep",
        ],
        Key::BaseDelay,
        "`base_delay` is the first retry's delay; later ones grow by `multiplier` up to `max_delay` (add `multiplier = 1` for a fixed delay)",
    ),
    (
        &[
            "maxbackoff",
            "cap",
            "maxinterval",
            "maxwait",
            "maximumdelay",
            "maxsleep",
            "delaycap",
            "backoffcap",
        ],
        Key::MaxDelay,
        "`max_delay` caps each single delay, jitter included; `max_elapsed` bounds the total",
    ),
    (
        &[
            "factor",
            "exponent",
            "expbase",
            "exponentialbase",
            "backoffmultiplier",
            "growth",
        ],
        Key::Multiplier,
        "`multiplier` is the growth of the delay per retry: `multiplier = 2` doubles it",
    ),
    (
        &[
            "randomize",
            "randomizationfactor",
            "fulljitter",
            "jitterstrategy",
        ],
        Key::Jitter,
        "a bare `jitter` spreads the delays with full jitter; `jitter = \"equal\"` or `\"decorrelated\"` picks another strategy",
    ),
    (
        &[
            "retryif",
            "retryon",
            "retrywhen",
            "predicate",
            "shouldretry",
            "isretryable",
            "retryable",
            "retryonexception",
            "retryonerror",
            "condition",
        ],
        Key::When,
        "`when` takes a `fn(&E) -> bool` or a closure such as `|e: &E| e.is_timeout()`; without it, `E: Classify` decides",
    ),
    (
        &[
            "retryifresult",
            "retryonresult",
            "retryresult",
            "whenresult",
            "whenvalue",
            "retryifvalue",
            "retryonvalue",
            "retryok",
            "retryonok",
            "retryifok",
        ],
        Key::WhenOk,
        "`when_ok` takes a `fn(&T) -> bool` (or `-> Verdict`, with a delay hint) or a closure such as `|response| response.status() == 503`; `retry_runtime::http::transient_response` is one for HTTP responses",
    ),
    (
        &[
            "onbackoff",
            "beforesleep",
            "beforeretry",
            "notify",
            "callback",
            "onerror",
            "onfailure",
            "hook",
        ],
        Key::OnRetry,
        "`on_retry` is called before each sleep with the attempt, the delay and the error",
    ),
    (
        &[
            "timeoutperattempt",
            "attempttimeout",
            "perattempttimeout",
            "requesttimeout",
            "calltimeout",
        ],
        Key::Timeout,
        "`timeout` bounds each attempt; `max_elapsed` bounds the retrying as a whole",
    ),
    (
        &[
            "totaltimeout",
            "overalltimeout",
            "calldeadline",
            "routetimeout",
        ],
        Key::Deadline,
        "`deadline` bounds the whole call, attempts included (each is clipped to what remains); `max_elapsed` bounds only the sleeps",
    ),
    (
        &[
            "maxelapsedtime",
            "maxtime",
            "maxduration",
            "stopafterdelay",
            "maxtotaldelay",
            "maxretrytime",
        ],
        Key::MaxElapsed,
        "`max_elapsed` starts no retry whose delay would end past this total since the first call; it does not interrupt a running attempt (`timeout` does)",
    ),
    (
        &["circuitbreaker", "circuit"],
        Key::Breaker,
        "`breaker` names a `static` `CircuitBreaker`",
    ),
    (
        &["retrybudget", "tokenbucket"],
        Key::Budget,
        "`budget` names a `static` `RetryBudget`",
    ),
    (
        &["ratelimit", "limiter", "throttle", "adaptive"],
        Key::RateLimiter,
        "`rate_limiter` names a `static` `AdaptiveRateLimiter`",
    ),
    (
        &["hedgedelay", "hedging", "hedgingdelay", "hedgeafter"],
        Key::Hedge,
        "`hedge = \"50ms\"` starts another attempt, concurrently, after that long without an answer",
    ),
    (
        &["label", "operation", "operationname"],
        Key::Name,
        "`name` labels the call in events and metrics",
    ),
];

/// The error for `name`, an unknown key given `value`.
pub(super) fn unknown_key(key: &Ident, name: &str, value: Option<&Expr>) -> syn::Error {
    let list = KEYS
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut message = format!("unknown key `{name}`");
    if let Some((ours, note)) = alias(name) {
        message.push_str(&format!("; did you mean `{ours}`?\n"));
        if note.is_empty() {
            message.push_str(&retries_note(name, value));
        } else {
            message.push_str(note);
        }
    } else if let Some(near) = nearest_key(name) {
        message.push_str(&format!("; did you mean `{near}`?"));
    }
    message.push_str(&format!("\nvalid keys: {list}"));
    syn::Error::new(key.span(), message)
}

/// Our key, and its note, for another library's name.
fn alias(name: &str) -> Option<(&'static str, &'static str)> {
    let folded: String = name
        .chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ALIASES
        .iter()
        .find(|(names, _, _)| names.contains(&folded.as_str()))
        .map(|(_, ours, note)| (ours.name(), *note))
}

/// A count of retries is one less than our count of attempts: the user's
/// own number converted when it is a literal.
fn retries_note(name: &str, value: Option<&Expr>) -> String {
    let retries = value.and_then(|value| match literal(value) {
        Literal::Plain(Lit::Int(int)) => int.base10_parse::<u32>().ok(),
        _ => None,
    });
    let (retries, attempts) = retries
        .and_then(|n| Some((n, n.checked_add(1)?)))
        .unwrap_or((2, 3));
    format!(
        "`max_attempts` counts the first call: `{name} = {retries}` is `max_attempts = {attempts}`"
    )
}

/// The valid key closest to `name`, if any is close enough to be a typo.
fn nearest_key(name: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(name: &str, value: &str) -> String {
        let key = Ident::new(name, proc_macro2::Span::call_site());
        let value: Expr = syn::parse_str(value).unwrap();
        unknown_key(&key, name, Some(&value)).to_string()
    }

    #[test]
    fn suggests_near_keys_only() {
        assert_eq!(nearest_key("max_attempt"), Some("max_attempts"));
        assert_eq!(nearest_key("base_dealy"), Some("base_delay"));
        assert_eq!(nearest_key("retries"), None);
    }

    #[test]
    fn other_libraries_names_map_to_ours() {
        for (name, ours) in [
            ("max_retries", "max_attempts"),
            ("maxRetries", "max_attempts"),
            ("retries", "max_attempts"),
            ("attempts", "max_attempts"),
            ("tries", "max_attempts"),
            ("delay", "base_delay"),
            ("initial_delay", "base_delay"),
            ("initial_backoff", "base_delay"),
            ("backoff", "base_delay"),
            ("min_delay", "base_delay"),
            ("max_backoff", "max_delay"),
            ("cap", "max_delay"),
            ("max_interval", "max_delay"),
            ("factor", "multiplier"),
            ("exponent", "multiplier"),
            ("retry_if", "when"),
            ("retry_on", "when"),
            ("predicate", "when"),
            ("retry_if_result", "when_ok"),
            ("retry_on_result", "when_ok"),
            ("retry_ok", "when_ok"),
            ("timeout_per_attempt", "timeout"),
            ("total_timeout", "deadline"),
            ("max_elapsed_time", "max_elapsed"),
        ] {
            assert_eq!(alias(name).map(|(k, _)| k), Some(ours), "{name}");
        }
        assert_eq!(alias("max_attempt"), None, "a typo, not an alias");
    }

    #[test]
    fn no_alias_is_one_of_our_keys() {
        for key in KEYS {
            let folded = key.replace('_', "");
            assert!(
                ALIASES
                    .iter()
                    .all(|(names, _, _)| !names.contains(&folded.as_str())),
                "{key}"
            );
        }
        for (_, ours, _) in ALIASES {
            assert!(KEYS.contains(&ours.name()), "{ours}");
        }
    }

    #[test]
    fn a_count_of_retries_is_converted_to_attempts() {
        let text = message("max_retries", "4");
        assert!(text.starts_with("unknown key `max_retries`; did you mean `max_attempts`?\n`max_attempts` counts the first call: `max_retries = 4` is `max_attempts = 5`\nvalid keys: "), "{text}");
        let text = message("retries", "RETRIES");
        assert!(
            text.contains("`retries = 2` is `max_attempts = 3`"),
            "{text}"
        );
        let text = message("retries", "4294967295");
        assert!(
            text.contains("`retries = 2` is `max_attempts = 3`"),
            "{text}"
        );
    }
}
