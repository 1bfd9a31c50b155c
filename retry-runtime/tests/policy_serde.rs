//! The `serde` feature: policies from TOML and JSON, and back.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use retry_runtime::{Jitter, Policy};

/// A policy as read from a file: its timeout known at run time.
type Loaded = Policy<Option<Duration>>;

const MS: fn(u64) -> Duration = Duration::from_millis;
const S: fn(u64) -> Duration = Duration::from_secs;

fn toml_err(text: &str) -> String {
    match toml::from_str::<Loaded>(text) {
        Ok(policy) => panic!("accepted {text:?} as {policy:?}"),
        Err(e) => e.to_string(),
    }
}

fn json_err(text: &str) -> String {
    match serde_json::from_str::<Loaded>(text) {
        Ok(policy) => panic!("accepted {text:?} as {policy:?}"),
        Err(e) => e.to_string(),
    }
}

fn assert_contains(message: &str, needle: &str) {
    assert!(
        message.contains(needle),
        "expected {needle:?} in the error:\n{message}"
    );
}

#[test]
fn the_documented_table_loads_exactly() {
    let policy: Loaded = toml::from_str(
        r#"
        max_attempts = 5
        base_delay = "500ms"
        max_delay = "30s"
        multiplier = 2.0
        jitter = "full"          # "none" | "full" | "equal" | "decorrelated"
        max_elapsed = "2m"       # optional
        timeout = "10s"          # optional
        max_retry_after = "60s"
        "#,
    )
    .unwrap();
    let expected = Policy::new()
        .max_attempts(5)
        .base_delay(MS(500))
        .max_delay(S(30))
        .multiplier(2.0)
        .jitter(Jitter::Full)
        .max_elapsed(S(120))
        .timeout(S(10))
        .max_retry_after(S(60));
    assert_eq!(policy, Loaded::from(expected));
}

#[test]
fn every_key_defaults_to_policy_new() {
    assert_eq!(toml::from_str::<Loaded>("").unwrap(), Policy::new().into());
    assert_eq!(
        serde_json::from_str::<Loaded>("{}").unwrap(),
        Policy::new().into()
    );
    let only_base: Loaded = toml::from_str(r#"base_delay = "250ms""#).unwrap();
    assert_eq!(only_base, Policy::new().base_delay(MS(250)).into());
}

#[test]
fn json_loads_with_null_for_unset_limits() {
    let policy: Loaded = serde_json::from_str(
        r#"{"max_attempts": 2, "base_delay": "1.5s", "jitter": "decorrelated",
            "multiplier": 3, "timeout": null, "max_elapsed": "1m30s"}"#,
    )
    .unwrap();
    let expected = Policy::new()
        .max_attempts(2)
        .base_delay(MS(1500))
        .jitter(Jitter::Decorrelated)
        .multiplier(3.0)
        .max_elapsed(S(90));
    assert_eq!(policy, Loaded::from(expected));
}

#[test]
fn toml_round_trips_with_and_without_the_optional_limits() {
    let full = Policy::new()
        .max_attempts(7)
        .base_delay(Duration::from_micros(1500))
        .max_delay(S(90))
        .multiplier(1.5)
        .jitter(Jitter::Equal)
        .max_elapsed(Duration::from_nanos(2_500_000_001))
        .timeout(S(3))
        .max_retry_after(S(5));
    let text = toml::to_string(&full).unwrap();
    assert_eq!(
        text,
        "max_attempts = 7\nbase_delay = \"1.5ms\"\nmax_delay = \"90s\"\nmultiplier = 1.5\n\
         jitter = \"equal\"\nmax_elapsed = \"2.500000001s\"\ntimeout = \"3s\"\n\
         max_retry_after = \"5s\"\n"
    );
    assert_eq!(toml::from_str::<Loaded>(&text).unwrap(), full.into());

    // A deadline is written with its minimum attempt time.
    let with_deadline = Policy::new().deadline(S(30));
    let text = toml::to_string(&with_deadline).unwrap();
    assert!(
        text.contains("deadline = \"30s\"\nmin_attempt_time = \"5ms\"\n"),
        "{text}"
    );
    assert_eq!(toml::from_str::<Loaded>(&text).unwrap(), with_deadline);

    let plain = Policy::new();
    let text = toml::to_string(&plain).unwrap();
    assert!(
        !text.contains("timeout")
            && !text.contains("max_elapsed")
            && !text.contains("deadline")
            && !text.contains("min_attempt_time"),
        "{text}"
    );
    assert_eq!(toml::from_str::<Loaded>(&text).unwrap(), plain.into());
}

#[test]
fn json_round_trips() {
    for policy in [
        Policy::new().into(),
        Policy::new().jitter(Jitter::Full).timeout(MS(1)).into(),
        Loaded::from(
            Policy::new()
                .max_attempts(u32::MAX)
                .max_delay(Duration::MAX)
                .max_elapsed(Duration::MAX),
        ),
    ] {
        let text = serde_json::to_string(&policy).unwrap();
        assert_eq!(
            serde_json::from_str::<Loaded>(&text).unwrap(),
            policy,
            "{text}"
        );
    }
    assert_eq!(
        serde_json::to_string(&Policy::new()).unwrap(),
        r#"{"max_attempts":3,"base_delay":"1s","max_delay":"30s","multiplier":2.0,"jitter":"none","max_retry_after":"60s"}"#
    );
}

#[test]
fn jitter_reads_and_writes_its_name() {
    for (jitter, name) in Jitter::ALL.into_iter().zip(Jitter::NAMES) {
        assert_eq!(
            serde_json::to_string(&jitter).unwrap(),
            format!("\"{name}\"")
        );
        assert_eq!(
            serde_json::from_str::<Jitter>(&format!("\"{name}\"")).unwrap(),
            jitter
        );
    }
}

#[test]
fn named_per_api_policies_load_into_maps() {
    let text = r#"
        [gitea_api]
        max_attempts = 3
        base_delay = "1s"

        [anthropic_api]
        max_attempts = 2
        base_delay = "2s"
        jitter = "full"

        [ollama_api]
        max_attempts = 5
        base_delay = "500ms"
    "#;
    let map: HashMap<String, Loaded> = toml::from_str(text).unwrap();
    assert_eq!(map.len(), 3);
    assert_eq!(
        map["gitea_api"],
        Policy::new().max_attempts(3).base_delay(S(1)).into()
    );
    assert_eq!(
        map["anthropic_api"],
        Policy::new()
            .max_attempts(2)
            .base_delay(S(2))
            .jitter(Jitter::Full)
            .into()
    );
    assert_eq!(
        map["ollama_api"],
        Policy::new().max_attempts(5).base_delay(MS(500)).into()
    );

    let ordered: BTreeMap<String, Loaded> = toml::from_str(text).unwrap();
    let names: Vec<&str> = ordered.keys().map(String::as_str).collect();
    assert_eq!(names, ["anthropic_api", "gitea_api", "ollama_api"]);

    let json: BTreeMap<String, Loaded> =
        serde_json::from_str(r#"{"gitea_api": {"max_attempts": 3}, "ollama_api": {}}"#).unwrap();
    assert_eq!(json["gitea_api"], Policy::new().max_attempts(3).into());
    assert_eq!(json["ollama_api"], Policy::new().into());
}

#[test]
fn an_unknown_key_is_rejected_with_the_valid_ones() {
    // `max_retries` is what the Python dicts this replaces call it.
    let message = toml_err("max_retries = 3");
    assert_contains(&message, "unknown field `max_retries`");
    assert_contains(&message, "expected one of `max_attempts`, `base_delay`");
    assert_contains(
        &json_err(r#"{"base_dealy": "1s"}"#),
        "unknown field `base_dealy`",
    );
}

#[test]
fn an_unknown_key_inside_a_named_policy_is_rejected() {
    let message = match toml::from_str::<BTreeMap<String, Loaded>>(
        "[gitea_api]\nmax_attempts = 3\n\n[ollama_api]\nbase_delay = \"1s\"\nretries = 5\n",
    ) {
        Ok(map) => panic!("accepted {map:?}"),
        Err(e) => e.to_string(),
    };
    assert_contains(&message, "unknown field `retries`");
    assert_contains(&message, "line 6");
}

#[test]
fn a_bad_duration_names_its_key() {
    let message = toml_err(r#"base_delay = "5 parsecs""#);
    assert_contains(
        &message,
        r#"invalid `base_delay` "5 parsecs": unknown unit `parsecs`"#,
    );
    assert_contains(
        &json_err(r#"{"timeout": "3"}"#),
        r#"invalid `timeout` "3": `3` has no unit"#,
    );
    assert_contains(
        &json_err(r#"{"max_elapsed": "-1s"}"#),
        "invalid `max_elapsed`",
    );
    assert_contains(
        &toml_err(r#"max_retry_after = """#),
        "invalid `max_retry_after`",
    );
}

#[test]
fn a_duration_must_be_a_string() {
    assert_contains(
        &toml_err("max_delay = 30"),
        "expected a duration string for `max_delay`, such as \"500ms\"",
    );
    assert_contains(
        &json_err(r#"{"timeout": 10}"#),
        "expected a duration string for `timeout`",
    );
}

#[test]
fn zero_attempts_is_rejected() {
    assert_contains(&toml_err("max_attempts = 0"), "max_attempts is 0");
    assert_contains(&json_err(r#"{"max_attempts": 0}"#), "max_attempts is 0");
    assert_contains(&toml_err("max_attempts = -1"), "invalid value");
}

#[test]
fn a_multiplier_below_one_is_rejected() {
    assert_contains(
        &toml_err("multiplier = 0.5"),
        "multiplier 0.5 is out of range; use a finite value >= 1.0",
    );
    assert_contains(
        &toml_err("multiplier = nan"),
        "multiplier NaN is out of range",
    );
    assert_contains(
        &json_err(r#"{"multiplier": -2}"#),
        "multiplier -2 is out of range",
    );
}

#[test]
fn a_base_delay_above_the_cap_is_rejected() {
    assert_contains(
        &toml_err("base_delay = \"1m\"\nmax_delay = \"30s\""),
        "base_delay 60s is longer than max_delay 30s",
    );
}

#[test]
fn an_unknown_jitter_lists_the_strategies() {
    assert_contains(
        &toml_err(r#"jitter = "fuzzy""#),
        "unknown variant `fuzzy`, expected one of `none`, `full`, `equal`, `decorrelated`",
    );
}

#[test]
fn a_key_given_twice_is_rejected() {
    assert_contains(
        &json_err(r#"{"max_attempts": 2, "max_attempts": 3}"#),
        "duplicate field `max_attempts`",
    );
}

/// A policy file key sets the field the attribute's key of the same name
/// sets: `#[retry(KEY = V)]` expands to `Policy::new().KEY(V)`, so each key
/// of the one table (`retry_spec::PolicyKey`) read from a file must equal
/// that builder call. Exhaustive, so a key added to the table is a compile
/// error here until it is checked.
#[test]
fn each_policy_key_sets_what_the_builder_of_its_name_sets() {
    use retry_spec::PolicyKey;
    for key in PolicyKey::ALL {
        let (value, expected): (&str, Loaded) = match key {
            PolicyKey::MaxAttempts => ("7", Policy::new().max_attempts(7).into()),
            PolicyKey::BaseDelay => ("\"250ms\"", Policy::new().base_delay(MS(250)).into()),
            PolicyKey::MaxDelay => ("\"45s\"", Policy::new().max_delay(S(45)).into()),
            PolicyKey::Multiplier => ("1.5", Policy::new().multiplier(1.5).into()),
            PolicyKey::Jitter => ("\"equal\"", Policy::new().jitter(Jitter::Equal).into()),
            PolicyKey::MaxElapsed => ("\"90s\"", Policy::new().max_elapsed(S(90)).into()),
            PolicyKey::Timeout => ("\"20s\"", Policy::new().timeout(S(20)).into()),
            PolicyKey::Deadline => ("\"30s\"", Policy::new().deadline(S(30))),
            PolicyKey::MinAttemptTime => {
                ("\"50ms\"", Policy::new().min_attempt_time(MS(50)).into())
            }
            PolicyKey::MaxRetryAfter => ("\"10s\"", Policy::new().max_retry_after(S(10)).into()),
        };
        let text = format!("{key} = {value}");
        let loaded: Loaded = toml::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(loaded, expected, "{text}");
        assert_ne!(loaded, Policy::new().into(), "{text} changed nothing");
        // And it is written back under the same name.
        let written = toml::to_string(&loaded).unwrap();
        assert!(written.contains(&format!("{key} = {value}")), "{written}");
    }
}

/// The unknown-key error lists the table's keys, all and in order.
#[test]
fn an_unknown_key_lists_exactly_the_tables_keys() {
    let listed: Vec<String> = retry_spec::PolicyKey::NAMES
        .iter()
        .map(|name| format!("`{name}`"))
        .collect();
    let message = toml_err("max_retries = 3");
    assert_contains(&message, &format!("expected one of {}", listed.join(", ")));
}
