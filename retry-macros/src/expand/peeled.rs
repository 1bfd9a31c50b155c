//! The async fn whose first attempt runs before its retry loop is made:
//! the success path every call takes is then the body, what must come
//! before it (the call's state when a clock starts, the breaker's
//! admission, the attempt's context), and a counter. The retry loop is a
//! future of its own, boxed, that only a failed first attempt makes.
//!
//! The body becomes an async closure, called once up front and again for
//! each retry: so it is written once, and `return` and `?` end the attempt.
//! This shape applies unless something must see or pace every attempt
//! from the loop (see [`applies`]); such fns keep the loop of
//! `super::retry_loop`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::{
    Site, classifier, decision, error_text, first_tries_key, guards, hook, local, policy_expr,
    return_type, run_async_attempt, site, timeout_span,
};
use crate::attr::Args;
use crate::shape::Shape;

/// Whether the first attempt may run up front: an async fn without a rate
/// limiter (which paces every attempt and hears of every answer), a
/// `when_ok` classifier (which must see an `Ok` value before it is
/// returned) or hedging (which has a loop of its own).
pub(super) fn applies(args: &Args, shape: &Shape) -> bool {
    shape.is_async && args.rate_limiter.is_none() && args.when_ok.is_none() && args.hedge.is_none()
}

/// Whether the call's state must exist before the first attempt: to start
/// the clock of a deadline or of `max_elapsed`, to bound the attempt by a
/// timeout (which a `policy` may carry), to ask the breaker, or to make the
/// attempt's context.
fn state_first(args: &Args) -> bool {
    timeout_span(args).is_some()
        || args.max_elapsed.is_some()
        || args.min_attempt_time.is_some()
        || args.breaker.is_some()
        || args.context.is_some()
}

/// The statements of the fn: the call site's statics, the first attempt
/// and its success, then the retry loop.
pub(super) fn retry_loop(
    args: &Args,
    private: &TokenStream,
    shape: &Shape,
    sig: &syn::Signature,
    block: &syn::Block,
) -> TokenStream {
    let attempts = local("attempts");
    let attempt = local("attempt");
    let result = local("result");
    let delay = local("delay");
    let make = local("make");
    let value = local("value");
    let unsettled = local("unsettled");
    let carried = local("carried_pass");

    let policy = policy_expr(args, private, &local("policy_ref"));
    let Site {
        key: site_static,
        declaration: site_declaration,
        type_name,
        registered: site,
    } = site(args, sig, shape, private);
    let first_tries = first_tries_key();
    let (classifier, classifier_init, check_classifier, classifier_arg) =
        classifier(args, private, shape);
    let (hook, hook_init, hook_span) = hook(args, private);
    let (error_text, text) = error_text(private, &attempt);
    let hook_arg = quote_spanned!(hook_span=> &mut #private::hook(&#text, &mut #hook));
    // The breaker's admission before each attempt (nothing without one),
    // and the pass the attempt's decision gets.
    let (guard_statics, admit, pass) = guards(args, private, &attempts, &site);
    let run = run_async_attempt(args, private, quote!(#make()), &policy, (&attempts, &site));

    let (state_before, state_in_loop) = match state_first(args) {
        true => (
            quote!(let mut #attempts = #private::CallState::new(&#policy);),
            quote!(let mut #attempts = #attempts;),
        ),
        false => (
            TokenStream::new(),
            quote!(let mut #attempts = #private::CallState::new(&#policy);),
        ),
    };
    let return_type = return_type(shape);
    let statements = &block.stmts;
    let decision = decision(
        private,
        (&delay, &result),
        quote!(#error_text #check_classifier),
        quote!(#attempts.decide_shown(|| #policy, #site, #carried, #attempt, #classifier_arg, &mut #private::AcceptOk, #hook_arg, #text)),
    );
    quote! {
        #site_declaration
        // The site's first-try successes on this thread.
        #private::first_try_counter!(#first_tries);
        #guard_statics
        #private::expect_runtime(&#site_static);
        let mut #make = #private::async_attempt_maker(async || -> #return_type { #(#statements)* });
        #state_before
        #admit
        let #attempt = #run;
        // Made after the attempt's await, so none of it is kept in the
        // future across it.
        let (#attempt, #carried) = match #private::first_attempt((&#site_static, &#first_tries, #type_name), #pass, #attempt) {
            ::core::result::Result::Ok(#value) => return ::core::result::Result::Ok(#value),
            ::core::result::Result::Err(#unsettled) => #unsettled,
        };
        #private::retries(async {
            #state_in_loop
            let mut #classifier = #classifier_init;
            let mut #hook = #hook_init;
            let (mut #attempt, mut #carried) = (#attempt, #carried);
            loop {
                #decision
                #private::sleep(#delay).await;
                #attempts.retry_begins();
                #admit
                #attempt = #run;
                #carried = #pass;
            }
        })
        .await
    }
}
