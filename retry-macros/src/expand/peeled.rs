//! The async fn whose first attempt runs before anything is made for a
//! retry: the success path every call takes is then the body and a
//! counter, and the retry loop is a future of its own, polled out of line,
//! that only a failed first attempt makes.
//!
//! The body becomes an async closure, called once up front and again for
//! each retry: so it is written once, and `return` and `?` end the attempt.
//! This shape applies when nothing has to happen before the first attempt
//! (see [`applies`]); other fns keep the loop of `super::retry_loop`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::{ascribable, call_site, classifier, error_text, guards, hook, local, policy_expr};
use crate::attr::Args;
use crate::shape::Shape;

/// Whether the first attempt may run before the call's state is made: an
/// async fn with no breaker to ask, no rate limiter to wait for, no clock
/// to start (`deadline`, `max_elapsed`, a `timeout` or a `policy` that may
/// carry one), no attempt context, and no `when_ok` classifier to see an
/// `Ok` value first.
pub(super) fn applies(args: &Args, shape: &Shape) -> bool {
    shape.is_async
        && args.policy.is_none()
        && args.timeout.is_none()
        && args.deadline.is_none()
        && args.min_attempt_time.is_none()
        && args.max_elapsed.is_none()
        && args.breaker.is_none()
        && args.rate_limiter.is_none()
        && args.context.is_none()
        && args.when_ok.is_none()
        && args.hedge.is_none()
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
    let failed = local("failed");

    let policy = policy_expr(args, private, &local("policy_ref"));
    let (site_init, type_name) = call_site(args, sig, shape, private);
    let site_static = format_ident!("__RETRY_SITE", span = Span::mixed_site());
    let first_tries = format_ident!("__RETRY_FIRST_TRIES", span = Span::mixed_site());
    let site = quote!(#site_static.registered(#type_name));
    let (classifier, classifier_init, check_classifier, classifier_arg) =
        classifier(args, private, shape);
    let (hook, hook_init, hook_span) = hook(args, private);
    let (error_text, text) = error_text(private, &attempt);
    let hook_arg = quote_spanned!(hook_span=> &mut #private::hook(&#text, &mut #hook));
    // Only a budget can be named here: its pass is made after the attempt.
    let (guard_statics, _, pass) = guards(args, private, &attempts, &site);

    let return_type = match &shape.output {
        Some(ty) => ascribable(ty.clone()),
        None => syn::parse_quote!(()),
    };
    let statements = &block.stmts;
    quote! {
        // The call site's name and statistics, as `tracing`'s callsites.
        static #site_static: #private::CallSite = #site_init;
        // The site's first-try successes on this thread.
        #private::first_try_counter!(#first_tries);
        #guard_statics
        #private::expect_runtime(&#site_static);
        let mut #make = #private::async_attempt_maker(async || -> #return_type { #(#statements)* });
        // Awaited first: what `first_attempt` is given is then made after
        // the await, not kept in the future across it.
        let #attempt = #make().await;
        let #attempt = match #private::first_attempt((&#site_static, &#first_tries, #type_name), #pass, #attempt) {
            ::core::result::Result::Ok(#value) => return ::core::result::Result::Ok(#value),
            ::core::result::Result::Err(#failed) => #failed,
        };
        #private::retries(async {
            let mut #attempts = #private::CallState::new(&#policy);
            let mut #classifier = #classifier_init;
            let mut #hook = #hook_init;
            let mut #attempt = #attempt;
            loop {
                // The decision's locals and temporaries end with this
                // statement, so they do not live across the sleep.
                let #delay = {
                    #error_text
                    #check_classifier
                    match #attempts.decide_shown(|| #policy, #site, #pass, #attempt, #classifier_arg, &mut #private::AcceptOk, #hook_arg, #text) {
                        #private::Step::Return(#result) => return #result,
                        #private::Step::Sleep(#delay) => #delay,
                    }
                };
                #private::sleep(#delay).await;
                #attempts.retry_begins();
                #attempt = #private::Attempt::Completed(#make().await);
            }
        })
        .await
    }
}
