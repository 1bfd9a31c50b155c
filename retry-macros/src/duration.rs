//! Compile-time parsing of duration strings: `"250ms"`, `"1.5s"`, `"1m30s"`.

/// A parsed duration, as `Duration::new(secs, nanos)` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Parsed {
    pub(crate) secs: u64,
    pub(crate) nanos: u32,
}

impl Parsed {
    pub(crate) const fn from_secs(secs: u64) -> Self {
        Self { secs, nanos: 0 }
    }
}

const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("min", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
];

const HINT: &str = "write a number and a unit, such as \"250ms\", \"1.5s\", \"2m\" or \"1h\" (units: ns, us, ms, s, m, h, d)";

/// Parses `text` as a sum of `<number><unit>` parts.
pub(crate) fn parse(text: &str) -> Result<Parsed, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("empty duration; {HINT}"));
    }
    if text.starts_with('-') {
        return Err("a duration cannot be negative".to_owned());
    }
    let mut total: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let after = after.trim_start();
        let unit_len = after
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        if number.is_empty() {
            return Err(format!("expected a number at `{rest}`; {HINT}"));
        }
        if unit.is_empty() {
            return Err(format!("`{number}` has no unit; {HINT}"));
        }
        let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(format!("unknown unit `{unit}`; {HINT}"));
        };
        let part = scaled(number, scale)
            .ok_or_else(|| format!("`{number}{unit}` is not a valid amount; {HINT}"))?;
        total = total.checked_add(part).ok_or("duration too long")?;
        rest = after.trim_start();
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| "duration too long".to_owned())?;
    Ok(Parsed {
        secs,
        nanos: (total % 1_000_000_000) as u32,
    })
}

/// `number` (digits, an optional fraction) times `scale` nanoseconds, if it
/// is a whole number of nanoseconds.
fn scaled(number: &str, scale: u128) -> Option<u128> {
    let number = number.replace('_', "");
    let (whole, fraction) = number.split_once('.').unwrap_or((&number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return None;
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut nanos = whole.checked_mul(scale)?;
    if !fraction.is_empty() {
        let digits: u128 = fraction.parse().ok()?;
        let denominator = 10u128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
        let numerator = digits.checked_mul(scale)?;
        if numerator % denominator != 0 {
            return None;
        }
        nanos = nanos.checked_add(numerator / denominator)?;
    }
    Some(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (u64, u32) {
        let p = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        (p.secs, p.nanos)
    }

    #[test]
    fn parses_units_and_fractions() {
        assert_eq!(ok("250ms"), (0, 250_000_000));
        assert_eq!(ok("1s"), (1, 0));
        assert_eq!(ok("1.5s"), (1, 500_000_000));
        assert_eq!(ok("2m"), (120, 0));
        assert_eq!(ok("1h"), (3600, 0));
        assert_eq!(ok("1m30s"), (90, 0));
        assert_eq!(ok("1 m 30 s"), (90, 0));
        assert_eq!(ok("10us"), (0, 10_000));
        assert_eq!(ok(".5s"), (0, 500_000_000));
        assert_eq!(ok("1_000ms"), (1, 0));
        assert_eq!(ok("0s"), (0, 0));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            " ",
            "1 parsec",
            "-1s",
            "3",
            "s",
            "1.2.3s",
            "1.5ns",
            "99999999999999999999999d",
            ".s",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
