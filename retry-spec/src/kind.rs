//! The kinds of failure, by the names logs, metrics and
//! `#[classify(kind = "...")]` give them.

name_table! {
    /// A failure kind's name. `retry_runtime::Kind` has a variant of the
    /// same Rust name for each row (a test of the runtime checks it), which
    /// is what `#[classify(kind = "...")]` expands to.
    pub enum Kind {
        /// Took too long.
        Timeout => "timeout",
        /// The connection failed.
        Network => "network",
        /// The server asked to slow down.
        Throttled => "throttled",
        /// The server failed.
        Server => "server",
        /// Credentials were refused.
        Auth => "auth",
        /// The request is wrong.
        Client => "client",
        /// Anything else.
        Other => "other",
    }
}

impl Kind {
    /// Whether `#[classify(kind = "...")]` alone (no `transient` or
    /// `permanent`) makes the failure transient: a timeout, a network
    /// failure, throttling and a server failure may pass; the rest will not.
    pub const fn is_transient(self) -> bool {
        match self {
            Kind::Timeout | Kind::Network | Kind::Throttled | Kind::Server => true,
            Kind::Auth | Kind::Client | Kind::Other => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_split_by_transience() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
        }
        let transient: Vec<_> = Kind::ALL
            .into_iter()
            .filter(|k| k.is_transient())
            .map(Kind::name)
            .collect();
        assert_eq!(transient, ["timeout", "network", "throttled", "server"]);
        assert_eq!(Kind::NAMES.len(), 7);
        assert!(Kind::listed("\"").ends_with("\"client\" or \"other\""));
    }
}
