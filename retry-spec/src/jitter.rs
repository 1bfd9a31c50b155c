//! The jitter strategies, by the names the attribute, policy files and the
//! `retry` command give them.

name_table! {
    /// A jitter strategy's name. `retry_runtime::Jitter` has a variant of
    /// the same Rust name for each row (a test of the runtime checks it),
    /// which is what `#[retry(jitter = "...")]` expands to.
    pub enum Jitter {
        /// No spreading.
        None => "none",
        /// Uniform in `[0, d]`.
        Full => "full",
        /// `d/2` plus uniform in `[0, d/2]`.
        Equal => "equal",
        /// Uniform in `[base_delay, 3 * previous]`, capped.
        Decorrelated => "decorrelated",
    }
}

impl Jitter {
    /// What a bare `jitter` (the attribute) or `--jitter` (the command)
    /// means. The runtime's `Jitter::RECOMMENDED` documents the evidence.
    pub const RECOMMENDED: Jitter = Jitter::Full;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_are_listed() {
        for jitter in Jitter::ALL {
            assert_eq!(Jitter::from_name(jitter.name()), Some(jitter));
            assert_eq!(jitter.to_string(), jitter.name());
        }
        assert_eq!(Jitter::from_name("Full"), None);
        assert_eq!(
            Jitter::listed("\""),
            "\"none\", \"full\", \"equal\" or \"decorrelated\""
        );
    }
}
