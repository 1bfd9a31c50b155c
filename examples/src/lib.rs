//! Runnable programs for the retry library; see `examples/`.
