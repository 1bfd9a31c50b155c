//! Every supported shape of `#[retry]` and `#[derive(Classify)]` compiles
//! and behaves: one module per shape, each with its own `Pins:` note.
//!
//! These were trybuild pass cases. They test no diagnostic, so they are
//! ordinary tests: one binary built with the rest of the workspace, instead
//! of a binary per case built in trybuild's own target directory (`tests/ui`
//! keeps the compile-fail cases).

// The shapes are the point: fields and variants that exist only to be
// classified are never read (trybuild allowed `dead_code` too), bounds are
// split on purpose, and some cases only check that a future can be built.
#![allow(
    dead_code,
    clippy::multiple_bound_locations,
    clippy::let_underscore_future
)]

mod all_keys_literals;
mod async_free_fn;
mod async_trait_method;
mod attributes_preserved;
mod blocking_fn;
mod breaker_and_budget;
mod budget_without_from_rejected;
mod crate_renamed;
mod derive_classify_with_thiserror;
mod derive_timed_out_rejected_implied;
mod future_is_send;
mod generics_where_clause;
mod impl_trait_argument;
mod impl_trait_return;
mod inner_attribute;
mod io_result_alias;
mod jitter_forms;
mod keys_as_expressions;
mod lifetimes;
mod method_arc_self;
mod method_mut_self;
mod method_ref_self;
mod method_self_by_value;
mod no_name_clash;
mod on_retry_hook;
mod policy_const;
mod policy_fn_call;
mod policy_lazylock;
mod policy_static;
mod policy_without_timeout_any_error;
mod return_and_question_mark;
mod self_in_body;
mod timeout_io_error;
mod trait_impl_method;
mod when_and_on_retry_closures;
mod when_ok_forms;
mod when_without_classify;
