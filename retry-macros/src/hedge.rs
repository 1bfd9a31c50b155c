//! The expansion of a hedged fn (`hedge = ".."`): the body becomes a
//! closure that makes one attempt each time it is called, and the runtime's
//! hedged call (`Retry::hedge`) runs several at once. Attempts share the
//! arguments, so the fn takes none by `&mut` (checked in `valid`).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Block;
use syn::spanned::Spanned;

use crate::attr::{Args, Keyed, Value};
use crate::expand::{call_site, local, policy_expr, return_type};
use crate::shape::Shape;

/// The statements of a hedged fn: its call site, its shared guards, and
/// the function API's call, hedged and awaited.
pub(crate) fn hedged_call(
    args: &Args,
    private: &TokenStream,
    shape: &Shape,
    sig: &syn::Signature,
    block: &Block,
    delay: &Value<core::time::Duration>,
) -> TokenStream {
    let policy = policy_expr(args, private, &local("policy_ref"));
    let (site_init, type_name) = call_site(args, sig, shape, private);
    let site_static = local("SITE");
    let return_type = return_type(shape);
    let statements = &block.stmts;
    let context = local("context");
    let make = local("make_attempt");
    // Each attempt is the body in an `async` block of its own, where
    // `return` and `?` end that attempt; the fake return fixes its type.
    // The attempt's context is current while it runs, as with `context`.
    let allow_fake_return = quote! {
        #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::empty_loop, clippy::let_unit_value, clippy::needless_return)]
    };
    let delay = match delay {
        Value::Literal(duration, _) => {
            let (secs, nanos) = (duration.as_secs(), duration.subsec_nanos());
            quote!(#private::Duration::new(#secs, #nanos))
        }
        Value::Expr(expr) => quote!(#expr),
    };
    let mut settings = Vec::new();
    if let Some(Keyed { value, .. }) = &args.when {
        settings.push(quote_spanned!(value.span()=> .when(#value)));
    }
    if let Some(Keyed { value, .. }) = &args.when_ok {
        settings.push(quote_spanned!(value.span()=> .when_ok(#value)));
    }
    if let Some(Keyed { value, .. }) = &args.on_retry {
        settings.push(quote_spanned!(value.span()=> .on_retry(#value)));
    }
    if let Some(Keyed { value, .. }) = &args.budget {
        settings.push(quote_spanned!(value.span()=> .budget(&#value)));
    }
    if let Some(Keyed { value, .. }) = &args.breaker {
        settings.push(quote_spanned!(value.span()=> .breaker(&#value)));
    }
    quote! {
        static #site_static: #private::CallSite = #site_init;
        let #make = #private::attempt_maker(|#context: #private::AttemptContext| {
            #private::in_context(::core::option::Option::Some(#context), async {
                #allow_fake_return
                if false {
                    let __retry_fake_return: #return_type = loop {};
                    return __retry_fake_return;
                }
                #(#statements)*
            })
        });
        (#policy)
            .retry_with_context(#make)
            #(#settings)*
            .hedge(#delay)
            .at_site(#site_static.registered(#type_name))
            .await
    }
}
