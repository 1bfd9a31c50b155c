//! How an error reads in log events: its own text and its causes, bounded.

use core::fmt;
use std::error::Error;

/// At most this many causes are shown after the error itself.
const MAX_CAUSES: usize = 8;

/// Text past this many bytes is cut (at a character boundary) and ends
/// with `…`: an error may carry a whole response body.
pub(crate) const MAX_TEXT: usize = 1024;

/// The error's `Display`, then each cause (its `source()` chain) that the
/// text does not already include, joined by `: `.
pub(crate) fn with_causes<E: Error>(error: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut text = error.to_string();
    let mut cause = error.source();
    for _ in 0..MAX_CAUSES {
        let Some(current) = cause else { break };
        if text.len() > MAX_TEXT {
            break;
        }
        let shown = current.to_string();
        // Many errors already print their cause (`#[error("..: {0}")]`).
        if !shown.is_empty() && !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        cause = current.source();
    }
    f.write_str(&text)
}

/// The error's alternate `Display` (`{:#}`), which is how `anyhow::Error`
/// and its kin show their whole chain of context.
pub(crate) fn alternate<E: fmt::Display>(error: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{error:#}")
}

/// Writes through to `out` until `MAX_TEXT` bytes, then drops the rest.
#[cfg(any(feature = "tracing", test))]
pub(crate) struct Bounded<'a, 'b> {
    out: &'a mut fmt::Formatter<'b>,
    written: usize,
    cut: bool,
}

#[cfg(any(feature = "tracing", test))]
impl<'a, 'b> Bounded<'a, 'b> {
    pub(crate) fn new(out: &'a mut fmt::Formatter<'b>) -> Self {
        Self {
            out,
            written: 0,
            cut: false,
        }
    }

    /// Marks a cut text with `…`.
    pub(crate) fn finish(self) -> fmt::Result {
        if self.cut {
            self.out.write_str("…")
        } else {
            Ok(())
        }
    }
}

#[cfg(any(feature = "tracing", test))]
impl fmt::Write for Bounded<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.cut {
            return Ok(());
        }
        let room = MAX_TEXT - self.written;
        if s.len() <= room {
            self.written += s.len();
            return self.out.write_str(s);
        }
        let mut end = room;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.cut = true;
        self.written = MAX_TEXT;
        self.out.write_str(&s[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|l| l as &(dyn Error + 'static))
        }
    }

    struct Via<E>(E, fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result);

    impl<E> fmt::Display for Via<E> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (self.1)(&self.0, f)
        }
    }

    #[test]
    fn causes_are_joined_unless_already_shown() {
        let chain = Layer(
            "a",
            Some(Box::new(Layer("b", Some(Box::new(Layer("c", None)))))),
        );
        assert_eq!(Via(chain, with_causes).to_string(), "a: b: c");
        let repeated = Layer("a: b", Some(Box::new(Layer("b", None))));
        assert_eq!(Via(repeated, with_causes).to_string(), "a: b");
        let io = io::Error::other("plain");
        assert_eq!(Via(io, with_causes).to_string(), "plain");
    }

    #[test]
    fn at_most_eight_causes() {
        let names = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
        let mut chain = None;
        for name in names.iter().rev() {
            chain = Some(Box::new(Layer(name, chain)));
        }
        let chain = *chain.expect("built");
        assert_eq!(
            Via(chain, with_causes).to_string(),
            "0: 1: 2: 3: 4: 5: 6: 7: 8"
        );
    }

    struct Long;

    impl fmt::Display for Long {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let mut bounded = Bounded::new(f);
            fmt::Write::write_str(&mut bounded, &"é".repeat(MAX_TEXT))?;
            bounded.finish()
        }
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let text = Long.to_string();
        assert!(text.ends_with('…'));
        assert_eq!(text.len(), MAX_TEXT + '…'.len_utf8());
    }
}
