//! The async fn whose first attempt runs before its retry loop is made:
//! the success path every call takes is then the body, what must come
//! before it (the call's state when a clock starts, the breaker's
//! admission, the attempt's context), and a counter. Only a failed first
//! attempt makes the retry state, boxed, in the runtime (which decides,
//! sleeps and asks the guards); the fn's loop then only awaits the sleeps
//! and the attempts, so little of it is type-checked per fn.
//!
//! The body becomes an async closure, called once up front and again for
//! each retry: so it is written once, and `return` and `?` end the attempt.
//! This shape applies unless something must pace every attempt from the
//! loop (see [`applies`]); such fns keep the loop of `super::retry_loop`.
//! With `when_ok`, the first value is judged before it is returned.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::{
    Classifier, Site, attempt_limit, classifier_parts, error_text, first_tries_key,
    from_rejected_closure, guard_refs, guards, hook, local, located_call, policy_expr, respanned,
    return_type, run_async_attempt, site, timeout_span,
};
use crate::attr::{Args, Keyed};
use crate::shape::Shape;

/// Whether the first attempt may run up front: an async fn without a rate
/// limiter (which paces every attempt and hears of every answer) or
/// hedging (which has a loop of its own).
pub(super) fn applies(args: &Args, shape: &Shape) -> bool {
    shape.is_async && args.rate_limiter.is_none() && args.hedge.is_none()
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
/// and its success, then the retries.
pub(super) fn retry_loop(
    args: &Args,
    private: &TokenStream,
    shape: &Shape,
    sig: &syn::Signature,
    block: &syn::Block,
) -> TokenStream {
    let attempts = local("attempts");
    let attempt = local("attempt");
    let make = local("make");
    let carried = local("carried_pass");
    let policy_now = local("policy");
    let retrying = local("retrying");

    let policy = policy_expr(args, private, &local("policy_ref"));
    let Site {
        key: site_static,
        declaration: site_declaration,
        type_name,
        registered: site,
    } = site(args, sig, shape, private);
    let first_tries = first_tries_key();
    // The breaker's admission before the first attempt (nothing without
    // one), and the pass its decision gets.
    let (guard_statics, admit, pass) = guards(args, private, &attempts, &site);
    let run = run_async_attempt(args, private, quote!(#make()), &policy, (&attempts, &site));
    let (state_before, state) = match state_first(args) {
        true => (
            quote!(let mut #attempts = #private::CallState::new(&#policy);),
            quote!(#attempts),
        ),
        false => (
            TokenStream::new(),
            quote!(#private::CallState::new(&#policy_now)),
        ),
    };
    let return_type = return_type(shape);
    let statements = &block.stmts;
    let (checks, fields) = retries(args, private, shape, (&attempt, &policy_now));
    let site_key = quote!((&#site_static, &#first_tries, #type_name));
    let (verdict, values) = (local("verdict"), local("values"));
    let settle = first_try(
        args,
        private,
        (&attempt, &carried, &verdict, &values),
        (site_key, pass),
    );
    let (bounds, run_retry) = bounded_retry(args, private, (&policy_now, &retrying, &make));
    let rejected = local("rejected");
    let result = local("result");
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
        #settle
        // A block, so that what is made for the retries (the policy, say,
        // which is `Copy`) ends here, before any await.
        let (mut #retrying, mut #attempt) = {
            let #policy_now = #policy;
            #checks
            let #retrying = #private::retrying(#private::Retries {
                site: #site,
                attempts: #state,
                values: #values,
                #fields
            }, #carried, #bounds);
            (#retrying, #private::Unsettled::judged(#attempt, #verdict))
        };
        // The decisions, the sleeps and the breaker are the runtime's; the
        // attempts are awaited here, where their type is concrete.
        loop {
            if let ::core::result::Result::Err(#result) = #retrying.as_mut().decide(#attempt) {
                return #result;
            }
            #retrying.as_mut().sleep().await;
            if let ::core::result::Result::Err(#rejected) = #retrying.as_mut().begin_retry() {
                return ::core::result::Result::Err(#rejected);
            }
            #attempt = #private::Unsettled::Attempt(#run_retry);
        }
    }
}

/// The first attempt's settling: its `Ok` value returned, else the attempt,
/// its pass, the verdict on its value (with `when_ok`, whose classifier,
/// checked at the user's value, may call it transient) and the classifier
/// of `Ok` values, bound for the retries. In a block, so that the
/// classifier, which the call borrows, is not kept in the fn's future
/// beside the retries.
fn first_try(
    args: &Args,
    private: &TokenStream,
    (attempt, carried, verdict, values): (&syn::Ident, &syn::Ident, &syn::Ident, &syn::Ident),
    (site, pass): (TokenStream, TokenStream),
) -> TokenStream {
    let value = local("value");
    let classifier = match &args.when_ok {
        // Every `Ok` is a success: the verdict folds away.
        None => quote!(#private::AcceptOk),
        Some(Keyed {
            value: classifier, ..
        }) => {
            // Located at the user's value, where rustc then reports a wrong
            // argument or return type.
            let span = classifier.span();
            let wrapped = located_call(quote!(#private::WhenOk), classifier, span);
            located_call(
                quote!(#private::when_ok_owned),
                &quote_spanned!(span=> &#attempt, #wrapped),
                span,
            )
        }
    };
    quote! {
        let (#attempt, #carried, #verdict, #values) = {
            let mut #values = #classifier;
            match #private::first_attempt(#site, #pass, #attempt, &mut #values) {
                ::core::result::Result::Ok(#value) => return ::core::result::Result::Ok(#value),
                ::core::result::Result::Err((#attempt, #carried, #verdict)) => (#attempt, #carried, #verdict, #values),
            }
        };
    }
}

/// How each retry runs: awaited as it is, or, when a timeout or a deadline
/// bounds it or it runs in its context, through `Retrying::bounded` (the
/// policy's timeout checked at the user's key). Returns the bounds, and the
/// retry's expression.
fn bounded_retry(
    args: &Args,
    private: &TokenStream,
    (policy, retrying, make): (&syn::Ident, &syn::Ident, &syn::Ident),
) -> (TokenStream, TokenStream) {
    let span = timeout_span(args);
    if span.is_none() && args.context.is_none() {
        return (
            quote!(#private::Bounded::NONE),
            quote!(#private::Attempt::Completed(#make().await)),
        );
    }
    let limit = match span {
        Some(span) => attempt_limit(private, &quote!(#policy), span),
        None => quote!(#private::AttemptLimit::NONE),
    };
    let context = args.context.is_some();
    let running = local("running");
    let expired = local("expired");
    (
        quote!(#private::Bounded { limit: #limit, context: #context }),
        quote!(match #retrying.as_mut().bounded(#make()) {
            ::core::result::Result::Ok(#running) => #running.await,
            ::core::result::Result::Err(#expired) => return ::core::result::Result::Err(#expired),
        }),
    )
}

/// What the runtime's retry state gets besides the call site and the
/// call's state: each part made and checked once, here, where an error can
/// point at the user's token; the runtime then needs no bound. Returns the
/// statements making them, and the rest of the fields of `Retries`.
fn retries(
    args: &Args,
    private: &TokenStream,
    shape: &Shape,
    (attempt, policy): (&syn::Ident, &syn::Ident),
) -> (TokenStream, TokenStream) {
    let (error_text, text) = error_text(private, attempt);
    let Classifier { init, check, span } = classifier_parts(args, private, shape);
    let check = format_ident!("{}_owned", check);
    let check = respanned(quote!(#private::#check), span);
    let checked_classifier = quote_spanned!(span=> #check(&#attempt, #init));
    let (hook, hook_init, hook_span) = hook(args, private);
    let checked_hook = quote_spanned!(hook_span=> #private::hook_owned(&#text, #hook_init));
    let classifier = local("classifier");
    let checks = quote! {
        #error_text
        let #classifier = #checked_classifier;
        let #hook = #checked_hook;
    };
    let (breaker, budget) = guard_refs(args);
    let breaker = match (&args.breaker, breaker) {
        (Some(keyed), Some(breaker)) => {
            let from_rejected = from_rejected_closure(private, keyed.key.span());
            quote!(::core::option::Option::Some((#breaker, #from_rejected)))
        }
        _ => quote!(::core::option::Option::None),
    };
    let budget = match budget {
        Some(budget) => quote!(::core::option::Option::Some(#budget)),
        None => quote!(::core::option::Option::None),
    };
    let fields = quote! {
        policy: #private::erased_policy(#policy),
        classifier: #classifier,
        hook: #hook,
        text: #text,
        breaker: #breaker,
        budget: #budget,
    };
    (checks, fields)
}
