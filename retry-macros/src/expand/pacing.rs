//! The `rate_limiter` key: before every attempt, the first included, the
//! call takes a turn from the shared limiter and waits for it; after the
//! decision on the attempt, the answer is reported to the limiter.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::{local, respanned, timeout_span};
use crate::attr::Args;

/// What the expansion adds for `rate_limiter`: the `static` naming the
/// limiter, the statements that pace the next attempt, and the decision,
/// now followed by the report of the attempt's answer. Without the key:
/// nothing, and `decide` as it was, so such a fn expands as before.
pub(super) fn pacing(
    args: &Args,
    private: &TokenStream,
    is_async: bool,
    (attempts, site, policy): (&syn::Ident, &TokenStream, &TokenStream),
    decide: TokenStream,
) -> (TokenStream, TokenStream, TokenStream) {
    let Some(keyed) = &args.rate_limiter else {
        return (TokenStream::new(), TokenStream::new(), decide);
    };
    let path = &keyed.value;
    // As for `breaker` and `budget`: `&path` in a `static` refuses a
    // `const` at the user's path (E0492), and a wrong type is reported
    // there too.
    let holder = format_ident!("__RETRY_RATE_LIMITER", span = Span::mixed_site());
    let init = quote_spanned!(path.span()=> &#path);
    let statics = quote! {
        static #holder: &'static dyn #private::SharedRateLimiter = #init;
    };
    let limiter = quote!(#holder.rate_limiter());
    let turn = local("turn");
    let limited = local("limited");
    let from_limited = local("from_rate_limited");
    let wait = local("wait");
    let expired = local("paced_expired");
    // A closure, not the fn item: a missing `From<RateLimited>` is then
    // reported once, at the `rate_limiter` key, with the trait's message.
    let closure = quote_spanned!(keyed.key.span()=>
        |#limited: #private::RateLimited| <_ as #private::FromRateLimited>::from_rate_limited(#limited)
    );
    // A wait that would leave the attempt too little of the deadline ends
    // the call now, with `E::from(TimedOut)`, as the deadline does. Only
    // where a deadline may apply (the error can then say "timed out").
    let deadline_check = match timeout_span(args) {
        Some(span) if is_async => {
            let check = respanned(quote!(#private::paced_deadline), span);
            quote! {
                if let ::core::result::Result::Err(#expired) = #check(
                    (#policy).timeout,
                    #attempts.remaining_after(&(#policy), #wait),
                ) {
                    return ::core::result::Result::Err(#attempts.deadline_passed(#site, #expired));
                }
            }
        }
        _ => TokenStream::new(),
    };
    let sleep = if is_async {
        quote!(#private::sleep(#wait).await;)
    } else {
        quote!(#private::sleep_blocking(#wait);)
    };
    let pace = quote! {
        let #turn = {
            #[allow(clippy::redundant_closure)]
            let #from_limited = #closure;
            match #private::pace(&mut #attempts, #site, #limiter, #from_limited) {
                ::core::result::Result::Ok(#turn) => #turn,
                ::core::result::Result::Err(#limited) => return ::core::result::Result::Err(#limited),
            }
        };
        let #wait = #turn.wait();
        if !#wait.is_zero() {
            #deadline_check
            #sleep
        }
    };
    let step = local("step");
    let decide = quote!({
        let #step = #decide;
        #attempts.answered(#limiter, #turn);
        #step
    });
    (statics, pace, decide)
}
