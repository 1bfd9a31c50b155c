//! Generates the retrying function: the body runs once per attempt inside
//! an inline loop that asks the runtime's engine what to do next.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{AttrStyle, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

use crate::attr::{Args, JitterArg, Keyed, Value};
use core::time::Duration;

/// The whole item, rewritten.
pub(crate) fn expand(args: &Args, item: ItemFn) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    let krate = args
        .krate
        .as_ref()
        .map_or_else(|| syn::parse_quote!(::retry_runtime), |k| k.value.clone());
    let private = quote!(#krate::__private);
    let is_async = sig.asyncness.is_some();
    // syn keeps a body's inner attributes (`#![allow(..)]`) with the outer
    // ones; they must go back inside the body.
    let (outer_attrs, inner_attrs): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, AttrStyle::Outer));

    // Mixed-site hygiene: the body cannot see, or shadow, these names.
    let attempts = local("attempts");
    let attempt = local("attempt");
    let result = local("result");
    let delay = local("delay");
    let limit = local("limit");

    // Evaluated where it is needed rather than stored, which keeps the
    // returned future small; a const policy folds away.
    let policy_expr = policy_expr(args, &private, &local("policy_ref"));
    let (site_init, type_name) = call_site(args, &sig, &private);

    let return_type = match &sig.output {
        ReturnType::Type(_, ty) => ascribable((**ty).clone()),
        ReturnType::Default => syn::parse_quote!(()),
    };
    let allow_fake_return = quote! {
        #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::empty_loop, clippy::let_unit_value, clippy::needless_return)]
    };
    let statements = &block.stmts;
    let run_attempt = if is_async {
        // The fake return fixes the block's type, so `?` converts as in the
        // original fn; `return` and `?` end this attempt only.
        let body = quote! {
            async {
                #allow_fake_return
                if false {
                    let __retry_fake_return: #return_type = loop {};
                    return __retry_fake_return;
                }
                #(#statements)*
            }
        };
        match timeout_span(args) {
            // The limit is read first, so no temporary lives across the await.
            Some(span) => {
                // A closure, not the fn item: its bound is then checked once,
                // at the user's key, with the trait's own message.
                let timed_out = local("timed_out");
                let from_timed_out = local("from_timed_out");
                let closure = quote_spanned!(span=>
                    |#timed_out: #private::TimedOut| <_ as #private::FromTimedOut>::from_timed_out(#timed_out)
                );
                quote!({
                    let #limit = (#policy_expr).timeout;
                    #[allow(clippy::redundant_closure)]
                    let #from_timed_out = #closure;
                    #private::timeout(#limit, #body, #from_timed_out).await
                })
            }
            None => quote!(#private::Attempt::Completed(#body.await)),
        }
    } else {
        quote! {
            #private::Attempt::Completed(
                #[allow(clippy::redundant_closure_call)]
                (|| -> #return_type #block)()
            )
        }
    };
    let (start, sleep) = if is_async {
        (
            quote!(#private::Attempts::new),
            quote!(#private::sleep(#delay).await),
        )
    } else {
        (
            quote!(#private::Attempts::blocking),
            quote!(#private::sleep_blocking(#delay)),
        )
    };
    // Type errors about the classifier (no `Classify`, a `when` of the wrong
    // type) point at the error type or at the user's path; so do the hook's.
    let (classifier_init, classifier_span) = match &args.when {
        Some(Keyed { value, .. }) => (quote!(#private::When(#value)), value.span()),
        None => (quote!(#private::ByClassify), error_type_span(&sig.output)),
    };
    let (hook_init, hook_span) = match &args.on_retry {
        Some(Keyed { value, .. }) => (quote!(#value), value.span()),
        None => (quote!(#private::NoHook), Span::call_site()),
    };
    let classifier = local_at("classifier", classifier_span);
    let hook = local_at("hook", hook_span);
    let classifier_arg = quote_spanned!(classifier_span=> &mut #classifier);
    // The hook goes to the engine with the way to show the error in log
    // events: `E`'s `Display` when it has one, picked here where `E` is
    // concrete (autoref specialization), else nothing.

    let text = local("text");
    let picker = local("picker");
    let error_text = quote! {
        let (#attempt, #picker) = #private::ErrorTextOf::pick(#attempt);
        let #text = {
            use #private::{ShowCauses as _, ShowDisplay as _, ShowNothing as _};
            (&&&#picker).error_text()
        };
    };
    let hook_arg = quote_spanned!(hook_span=> &mut #private::hook(&#text, &mut #hook));
    let site_static = format_ident!("__RETRY_SITE", span = Span::mixed_site());
    let site = quote!(#site_static.registered(#type_name));
    let (admit, pass) = guards(args, &private, &attempts, &site);
    let pass = pass.unwrap_or_else(|| quote!(#private::Pass::default()));
    // The policy is made only if the attempt failed.
    let decide = quote!(
        #attempts.decide_shown(|| #policy_expr, #site, #pass, #attempt, #classifier_arg, #hook_arg, #text)
    );

    quote! {
        #(#outer_attrs)*
        #vis #sig {
            #(#inner_attrs)*
            // The call site's name and statistics, as `tracing`'s callsites.
            static #site_static: #private::CallSite = #site_init;
            let mut #attempts = #start(&#policy_expr);
            let mut #classifier = #classifier_init;
            let mut #hook = #hook_init;
            loop {
                #admit
                let #attempt = #run_attempt;
                // The decision's locals and temporaries end with this
                // statement, so they do not live across the sleep.
                let #delay = {
                    #error_text
                    match #decide {
                        #private::Step::Return(#result) => return #result,
                        #private::Step::Sleep(#delay) => #delay,
                    }
                };
                #sleep;
                #attempts.retry_begins();
            }
        }
    }
}

/// The `static` of the call site, and how its name learns a method's type:
/// `name = ".."` as given; else `module::fn`, or `module::Type::method` for a
/// method (a `self` receiver), whose type is known only inside it.
fn call_site(
    args: &Args,
    sig: &syn::Signature,
    private: &TokenStream,
) -> (TokenStream, TokenStream) {
    let no_type = quote!(#private::no_type);
    if let Some(name) = &args.name {
        let name = &name.value;
        return (quote!(#private::CallSite::new(#name)), no_type);
    }
    let function = sig.ident.to_string();
    if sig.receiver().is_some() {
        (
            quote!(#private::CallSite::method(::core::module_path!(), #function)),
            quote!(|| #private::type_name::<Self>()),
        )
    } else {
        (
            quote!(#private::CallSite::new(::core::concat!(::core::module_path!(), "::", #function))),
            no_type,
        )
    }
}

/// The breaker's admission before each attempt (nothing without a
/// breaker), and the pass `decide_with` gets (`None`: plain `decide`).
///
/// The pass carries the breaker's permit across the attempt, so a dropped
/// future or a panic releases it. A budget alone needs nothing before the
/// attempt: its pass is made after, and nothing extra lives across the
/// body's await.
fn guards(
    args: &Args,
    private: &TokenStream,
    attempts: &syn::Ident,
    site: &TokenStream,
) -> (TokenStream, Option<TokenStream>) {
    // Spanned at the user's path: a static of the wrong type is reported
    // there. Deref coercion also accepts a `&'static` or a `LazyLock`.
    let reference = |path: &syn::Path| quote_spanned!(path.span()=> &#path);
    let budget = args.budget.as_ref().map(|k| reference(&k.value));
    let Some(breaker) = &args.breaker else {
        return (
            TokenStream::new(),
            budget.map(|budget| quote!(#private::Pass::budget(#budget))),
        );
    };
    let breaker_ref = reference(&breaker.value);
    let budget = budget.map(|budget| quote!(.budget(#budget)));
    let pass = local("pass");
    let rejected = local("rejected");
    let from_rejected = local("from_rejected");
    // A closure, not the fn item: a missing `From<Rejected>` is then
    // reported once, at the `breaker` key, with the trait's own message.
    let closure = quote_spanned!(breaker.key.span()=>
        |#rejected: #private::Rejected| <_ as #private::FromRejected>::from_rejected(#rejected)
    );
    let admit = quote! {
        let #pass = {
            #[allow(clippy::redundant_closure)]
            let #from_rejected = #closure;
            let #rejected = #private::admit(
                &mut #attempts,
                #site,
                #private::Guards::new().breaker(#breaker_ref) #budget,
                #from_rejected,
            );
            match #rejected {
                ::core::result::Result::Ok(#pass) => #pass,
                ::core::result::Result::Err(#rejected) => return ::core::result::Result::Err(#rejected),
            }
        };
    };
    (admit, Some(quote!(#pass)))
}

fn local(name: &str) -> syn::Ident {
    format_ident!("__retry_{}", name, span = Span::mixed_site())
}

/// A hygienic local whose errors are reported at `span`.
fn local_at(name: &str, span: Span) -> syn::Ident {
    format_ident!(
        "__retry_{}",
        name,
        span = Span::mixed_site().located_at(span)
    )
}

/// The `E` of `Result<T, E>` in the return type, else the whole type.
fn error_type_span(output: &ReturnType) -> Span {
    let ReturnType::Type(_, ty) = output else {
        return Span::call_site();
    };
    if let Type::Path(path) = &**ty
        && let Some(PathArguments::AngleBracketed(generics)) =
            path.path.segments.last().map(|s| &s.arguments)
        && let (2, Some(GenericArgument::Type(error))) = (generics.args.len(), generics.args.last())
    {
        return error.span();
    }
    ty.span()
}

/// Where a timeout may apply: the `timeout` key, or a `policy` (which may
/// carry one). The span points errors about `From<TimedOut>` at the key.
fn timeout_span(args: &Args) -> Option<Span> {
    args.timeout
        .as_ref()
        .map(|k| k.key.span())
        .or_else(|| args.policy.as_ref().map(|k| k.key.span()))
}

/// `Policy::new()` or the given policy, with each inline key applied.
fn policy_expr(args: &Args, private: &TokenStream, policy_ref: &syn::Ident) -> TokenStream {
    let base = match &args.policy {
        // Deref coercion accepts a `Policy`, a `&Policy`, a static or a
        // `LazyLock<Policy>` alike.
        Some(Keyed { value, .. }) => {
            let borrowed = quote_spanned!(value.span()=> &(#value));
            quote!({
                let #policy_ref: &#private::Policy = #borrowed;
                *#policy_ref
            })
        }
        None => quote!(#private::Policy::new()),
    };
    let duration = |value: &Value<Duration>| match value {
        Value::Literal(duration, _) => {
            let (secs, nanos) = (duration.as_secs(), duration.subsec_nanos());
            quote!(#private::Duration::new(#secs, #nanos))
        }
        Value::Expr(expr) => quote!(#expr),
    };
    let mut setters = Vec::new();
    if let Some(k) = &args.max_attempts {
        let value = match &k.value {
            Value::Literal(n, span) => quote_spanned!(*span=> #n),
            Value::Expr(expr) => quote!(#expr),
        };
        setters.push(setter(&k.key, value));
    }
    if let Some(k) = &args.multiplier {
        let value = match &k.value {
            Value::Literal(m, span) => quote_spanned!(*span=> #m),
            Value::Expr(expr) => quote!(#expr),
        };
        setters.push(setter(&k.key, value));
    }
    for k in [
        &args.base_delay,
        &args.max_delay,
        &args.max_elapsed,
        &args.timeout,
        &args.max_retry_after,
    ]
    .into_iter()
    .flatten()
    {
        setters.push(setter(&k.key, duration(&k.value)));
    }
    if let Some(k) = &args.jitter {
        let value = match &k.value {
            JitterArg::Recommended => quote!(#private::Jitter::RECOMMENDED),
            JitterArg::Named(variant) => {
                let variant = syn::Ident::new(variant, k.key.span());
                quote!(#private::Jitter::#variant)
            }
            JitterArg::Expr(expr) => quote!(#expr),
        };
        setters.push(setter(&k.key, value));
    }
    quote!(#base #(#setters)*)
}

fn setter(key: &syn::Ident, value: TokenStream) -> TokenStream {
    quote!(.#key(#value))
}

/// The return type, with each `impl Trait` replaced by `_` so it can
/// annotate a `let` or a closure.
fn ascribable(mut ty: Type) -> Type {
    struct InferImplTrait;
    impl VisitMut for InferImplTrait {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(_) = ty {
                *ty = Type::Infer(syn::TypeInfer {
                    underscore_token: Default::default(),
                });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    InferImplTrait.visit_type_mut(&mut ty);
    ty
}
