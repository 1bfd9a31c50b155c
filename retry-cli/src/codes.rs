//! Sets of exit statuses, as `--retry-on-exit` and `--stop-on-exit` take
//! them: `1,75,128-143`.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

/// One element of a CODES list: a status (`75`) or a range (`128-143`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRange(pub RangeInclusive<u8>);

/// Why an element of a CODES list is not a status or a range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Not a number from 0 to 255.
    #[error("`{0}` is not an exit status (0-255); write statuses and ranges such as 1,75,128-143")]
    NotAStatus(String),
    /// A range whose end is below its start.
    #[error("`{0}` is an empty range; write the lower status first, as in 128-143")]
    Backwards(String),
}

impl FromStr for CodeRange {
    type Err = CodeError;

    fn from_str(text: &str) -> Result<Self, CodeError> {
        let status = |part: &str| {
            part.trim()
                .parse::<u8>()
                .map_err(|_| CodeError::NotAStatus(text.to_owned()))
        };
        let (low, high) = match text.split_once('-') {
            Some((low, high)) => (status(low)?, status(high)?),
            None => {
                let code = status(text)?;
                (code, code)
            }
        };
        if high < low {
            return Err(CodeError::Backwards(text.to_owned()));
        }
        Ok(CodeRange(low..=high))
    }
}

/// A set of exit statuses.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Codes([u64; 4]);

impl Codes {
    /// Whether `code` is in the set.
    pub fn contains(&self, code: u8) -> bool {
        self.0[usize::from(code / 64)] & (1 << (code % 64)) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }

    fn insert(&mut self, code: u8) {
        self.0[usize::from(code / 64)] |= 1 << (code % 64);
    }
}

impl<'a> FromIterator<&'a CodeRange> for Codes {
    fn from_iter<I: IntoIterator<Item = &'a CodeRange>>(ranges: I) -> Self {
        let mut codes = Codes::default();
        for range in ranges {
            range.0.clone().for_each(|code| codes.insert(code));
        }
        codes
    }
}

impl fmt::Debug for Codes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries((0..=u8::MAX).filter(|&code| self.contains(code)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &str) -> Result<Codes, CodeError> {
        let ranges = list
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<CodeRange>, _>>()?;
        Ok(ranges.iter().collect())
    }

    #[test]
    fn statuses_and_ranges_combine() {
        let set = codes("1,75,128-130,255").unwrap();
        let members: Vec<u8> = (0..=255).filter(|&c| set.contains(c)).collect();
        assert_eq!(members, [1, 75, 128, 129, 130, 255]);
        assert!(codes("0-255").unwrap().contains(200));
        assert!(Codes::default().is_empty());
        assert!(!set.is_empty());
    }

    #[test]
    fn bad_elements_are_explained() {
        assert_eq!(codes("256"), Err(CodeError::NotAStatus("256".into())));
        assert_eq!(codes("-1"), Err(CodeError::NotAStatus("-1".into())));
        assert_eq!(codes("x"), Err(CodeError::NotAStatus("x".into())));
        assert_eq!(codes("1,"), Err(CodeError::NotAStatus("".into())));
        assert_eq!(codes("9-3"), Err(CodeError::Backwards("9-3".into())));
    }
}
