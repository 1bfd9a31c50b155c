//! Runnable programs for the retry library (see `examples/`), and the
//! [`flaky_server`] they and the integration tests run against.

pub mod flaky_server;
