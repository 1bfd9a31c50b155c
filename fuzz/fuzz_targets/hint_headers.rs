//! Any bytes under any hint header: the parser must return, never panic,
//! and agree with the header-map lookup.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use retry_runtime::hints::{HINT_HEADERS, from_headers, parse_header};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, raw)) = data.split_first() else { return };
    let name = HINT_HEADERS[usize::from(selector) % HINT_HEADERS.len()];
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let parsed = parse_header(name, raw, now);
    let looked_up = from_headers(|n| (n == name).then_some(raw), now);
    assert_eq!(parsed.ok(), looked_up);
});
