//! Generates the retrying function: the body runs once per attempt inside
//! an inline loop that asks the runtime's engine what to do next. Most
//! async fns run their first attempt before that loop is made (`peeled`);
//! blocking fns, and async fns whose every attempt the loop must pace (a
//! rate limiter), run all their attempts in it (`retry_loop`).
//!
//! Each step below makes one piece of the loop; `expand` puts them in
//! place, around the fn's own block or, for a method `#[async_trait]` has
//! rewritten, around the user's block inside its boxed future.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{AttrStyle, Attribute, Block, Expr, GenericArgument, ItemFn, PathArguments, Stmt, Type};

use crate::attr::{Args, JitterArg, Keyed, Value};
use crate::shape::{Kind, Shape};
use core::time::Duration;

mod pacing;
mod peeled;

/// The whole item, rewritten.
pub(crate) fn expand(args: &Args, item: ItemFn, shape: &Shape) -> TokenStream {
    let krate = args
        .krate
        .as_ref()
        .map_or_else(|| syn::parse_quote!(::retry_runtime), |k| k.value.clone());
    let private = quote!(#krate::__private);
    let retry_loop = retry_loop(args, &private, shape, &item.sig, shape.block(&item));
    let ItemFn {
        attrs,
        vis,
        sig,
        mut block,
    } = item;
    // syn keeps a body's inner attributes (`#![allow(..)]`) with the outer
    // ones; they must go back inside the body.
    let (outer_attrs, inner_attrs): (Vec<Attribute>, Vec<Attribute>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, AttrStyle::Outer));
    match shape.kind {
        Kind::Plain => quote! {
            #(#outer_attrs)*
            #vis #sig {
                #(#inner_attrs)*
                #retry_loop
            }
        },
        Kind::AsyncTrait { ret_at } => {
            // `let __ret: R = { the user's block };` becomes
            // `let __ret: R = { the retry loop };`, in place.
            let retrying: Block = syn::parse_quote!({ #retry_loop });
            if let Some(Stmt::Expr(Expr::Call(call), _)) = block.stmts.first_mut()
                && let Some(Expr::Async(future)) = call.args.first_mut()
                && let Some(Stmt::Local(ret)) = future.block.stmts.get_mut(ret_at)
                && let Some(init) = &mut ret.init
            {
                *init.expr = Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: retrying,
                });
            }
            let statements = &block.stmts;
            quote! {
                #(#outer_attrs)*
                #vis #sig {
                    #(#inner_attrs)*
                    #(#statements)*
                }
            }
        }
    }
}

/// The statements that retry `block`: the call site's `static`, the call's
/// state, and the loop.
fn retry_loop(
    args: &Args,
    private: &TokenStream,
    shape: &Shape,
    sig: &syn::Signature,
    block: &Block,
) -> TokenStream {
    if let Some(Keyed { value: delay, .. }) = &args.hedge {
        return crate::hedge::hedged_call(args, private, shape, sig, block, delay);
    }
    if peeled::applies(args, shape) {
        return peeled::retry_loop(args, private, shape, sig, block);
    }
    // Mixed-site hygiene: the body cannot see, or shadow, these names.
    let attempts = local("attempts");
    let attempt = local("attempt");
    let result = local("result");
    let delay = local("delay");

    // Evaluated where it is needed rather than stored, which keeps the
    // returned future small; a const policy folds away.
    let policy = policy_expr(args, private, &local("policy_ref"));
    let Site {
        key: site_static,
        declaration: site_declaration,
        type_name,
        registered: site,
    } = site(args, sig, shape, private);
    let run_attempt = run_attempt(args, private, shape, block, &policy, (&attempts, &site));
    // An async fn sleeps on the runtime's async timer (which one, its
    // features decide): the runtime checks, at the first poll, that it can.
    let (expect_runtime, start, sleep) = if shape.is_async {
        (
            quote!(#private::expect_runtime(&#site_static);),
            quote!(#private::CallState::new),
            quote!(#private::sleep(#delay).await),
        )
    } else {
        (
            TokenStream::new(),
            quote!(#private::CallState::blocking),
            quote!(#private::sleep_blocking(#delay)),
        )
    };
    let (classifier, classifier_init, check_classifier, classifier_arg) =
        classifier(args, private, shape);
    let (values_init, check_values, values_arg) = ok_classifier(args, private);
    let (hook, hook_init, hook_span) = hook(args, private);
    let (error_text, text) = error_text(private, &attempt);
    let hook_arg = quote_spanned!(hook_span=> &mut #private::hook(&#text, &mut #hook));
    let (guard_statics, admit, pass) = guards(args, private, &attempts, &site);
    // Without `when_ok` (whose classifier must see the value first) and
    // without a rate limiter (which must hear of every answer), a first
    // attempt's success returns before the decision's locals are made.
    // (An async fn that gets here has a rate limiter: the others run
    // their first attempt up front, in `peeled`.)
    let first_tries = first_tries_key();
    let fast_first_try = args.when_ok.is_none() && args.rate_limiter.is_none();
    let (first_try_counter, first_try_ok, pass) = match fast_first_try {
        false => (TokenStream::new(), TokenStream::new(), pass),
        true => {
            let unsettled = local("unsettled");
            let value = local("value");
            (
                // The site's first-try successes on this thread.
                quote!(#private::first_try_counter!(#first_tries);),
                quote! {
                    let (#attempt, #unsettled) = match #attempts.first_try_ok((&#site_static, &#first_tries, #type_name), #pass, #attempt) {
                        ::core::result::Result::Ok(#value) => return ::core::result::Result::Ok(#value),
                        ::core::result::Result::Err(#unsettled) => #unsettled,
                    };
                },
                quote!(#unsettled),
            )
        }
    };
    // The policy is made only if the attempt failed.
    let decide = quote!(
        #attempts.decide_shown(|| #policy, #site, #pass, #attempt, #classifier_arg, #values_arg, #hook_arg, #text)
    );
    let (limiter_static, pace, decide) = pacing::pacing(
        args,
        private,
        shape.is_async,
        (&attempts, &site, &policy),
        decide,
    );
    let decision = decision(
        private,
        (&delay, &result),
        quote!(#error_text #check_classifier #check_values),
        decide,
    );
    quote! {
        #site_declaration
        #first_try_counter
        #guard_statics
        #limiter_static
        #expect_runtime
        let mut #attempts = #start(&#policy);
        let mut #classifier = #classifier_init;
        #values_init
        let mut #hook = #hook_init;
        loop {
            #admit
            #pace
            let #attempt = #run_attempt;
            #first_try_ok
            #decision
            #sleep;
            #attempts.retry_begins();
        }
    }
}

/// An annotated fn's call site, as the expansion names it.
pub(crate) struct Site {
    /// The `static`'s name.
    pub(crate) key: syn::Ident,
    /// The `static` itself, named after the fn (or `name = ".."`).
    pub(crate) declaration: TokenStream,
    /// What gives a method's `Self` type name on the first call.
    pub(crate) type_name: TokenStream,
    /// The site, registered on first use.
    pub(crate) registered: TokenStream,
}

/// The call site's `static`, in the manner of `tracing`'s callsites.
pub(crate) fn site(
    args: &Args,
    sig: &syn::Signature,
    shape: &Shape,
    private: &TokenStream,
) -> Site {
    let (init, type_name) = call_site(args, sig, shape, private);
    let key = format_ident!("__RETRY_SITE", span = Span::mixed_site());
    Site {
        declaration: quote! {
            // The call site's name and statistics, as `tracing`'s callsites.
            static #key: #private::CallSite = #init;
        },
        registered: quote!(#key.registered(#type_name)),
        key,
        type_name,
    }
}

/// The name of the fn's `thread_local!` first-try counter.
pub(crate) fn first_tries_key() -> syn::Ident {
    format_ident!("__RETRY_FIRST_TRIES", span = Span::mixed_site())
}

/// The statement deciding on the attempt just made: it returns the call's
/// result, or binds `delay` to the sleep before the next attempt. `checks`
/// make what `decide` uses (the error's text, the checked classifiers).
fn decision(
    private: &TokenStream,
    (delay, result): (&syn::Ident, &syn::Ident),
    checks: TokenStream,
    decide: TokenStream,
) -> TokenStream {
    quote! {
        // The decision's locals and temporaries end with this statement, so
        // they do not live across the sleep.
        let #delay = {
            #checks
            match #decide {
                #private::Step::Return(#result) => return #result,
                #private::Step::Sleep(#delay) => #delay,
            }
        };
    }
}

/// One attempt of `block`, as an `Attempt`: an `async` block (bounded by
/// the timeout, if one may apply) or, for a blocking fn, a closure called
/// at once. Either way `return` and `?` end the attempt, not the fn.
fn run_attempt(
    args: &Args,
    private: &TokenStream,
    shape: &Shape,
    block: &Block,
    policy: &TokenStream,
    (attempts, site): (&syn::Ident, &TokenStream),
) -> TokenStream {
    let return_type = return_type(shape);
    if !shape.is_async {
        // With `context`, the attempt's context is made before the attempt
        // and is `attempt::current()` while the body runs.
        let context = local("context");
        if args.context.is_some() {
            return quote! {
                #private::Attempt::Completed({
                    let #context = #attempts.context(&(#policy));
                    #private::in_context_blocking(#context, || -> #return_type #block)
                })
            };
        }
        return quote! {
            #private::Attempt::Completed(
                #[allow(clippy::redundant_closure_call)]
                (|| -> #return_type #block)()
            )
        };
    }
    let allow_fake_return = quote! {
        #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::empty_loop, clippy::let_unit_value, clippy::needless_return)]
    };
    let statements = &block.stmts;
    // The fake return fixes the block's type, so `?` converts as in the
    // original fn.
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
    run_async_attempt(args, private, body, policy, (attempts, site))
}

/// One attempt of an async fn whose body's future `body` makes, as an
/// `Attempt`: in the attempt's context with `context`, bounded by the
/// timeout if one may apply.
fn run_async_attempt(
    args: &Args,
    private: &TokenStream,
    body: TokenStream,
    policy: &TokenStream,
    (attempts, site): (&syn::Ident, &TokenStream),
) -> TokenStream {
    // With `context`, the attempt's context is made before the attempt (a
    // statement of its own, so no temporary lives across an await) and is
    // `attempt::current()` while the body runs.
    let context = local("context");
    let make_context = quote!(let #context = #attempts.context(&(#policy)););
    let body = match args.context {
        Some(_) => quote!({
            #make_context
            #private::in_context(::core::option::Option::Some(#context), #body)
        }),
        None => body,
    };
    let Some(span) = timeout_span(args) else {
        return quote!(#private::Attempt::Completed(#body.await));
    };
    // What remains of a deadline bounds the attempt too; when nothing
    // does, the attempt does not start and the call ends with the error.
    let limit = attempt_limit(private, policy, span);
    let remaining = local("remaining");
    let expired = local("expired");
    let running = local("running");
    // The policy is a temporary of the call, dropped before the await:
    // only the returned future lives across it.
    quote!({
        let #remaining = #attempts.remaining(&(#policy));
        match #private::timed(#limit, #remaining, #body) {
            ::core::result::Result::Ok(#running) => #running,
            ::core::result::Result::Err(#expired) => {
                return ::core::result::Result::Err(#attempts.deadline_passed(#site, #expired));
            }
        }
    }
    .await)
}

/// The policy's timeout, whose type says whether attempts time out, readied
/// for the error type: `E: TimesOut<_>` is checked at the user's key
/// (`span`), so a timeout the error type cannot express is reported there,
/// once.
fn attempt_limit(private: &TokenStream, policy: &TokenStream, span: Span) -> TokenStream {
    located_call(
        quote!(#private::arm_timeout),
        &quote!((#policy).timeout),
        span,
    )
}

/// The classifier: the user's `when`, else the error's `Classify`. Its
/// type errors point at the user's `when`, or at the error type. Returns
/// the local, its initializer, the statement checking it against an
/// attempt, and the argument `decide` gets.
fn classifier(
    args: &Args,
    private: &TokenStream,
    shape: &Shape,
) -> (syn::Ident, TokenStream, TokenStream, TokenStream) {
    let Classifier { init, check, span } = classifier_parts(args, private, shape);
    let classifier = local_at("classifier", span);
    // Checked against the attempt's error type by a fn whose bound says
    // what is expected (`FnMut(&E) -> bool`, or `E: Classify`), then handed
    // on unbounded: an error names the user's token and that bound only.
    let attempt = local("attempt");
    let checked = local("checked");
    let check = respanned(quote!(#private::#check), span);
    let classifier_ref = quote_spanned!(span=> &mut #classifier);
    let check = quote! {
        let mut #checked = #check(&#attempt, #classifier_ref);
    };
    (classifier, init, quote!(#check), quote!(&mut #checked))
}

/// The classifier as the expansion writes it.
struct Classifier {
    /// What makes it, located at `span`.
    init: TokenStream,
    /// The `__private` fn checking it against an attempt, by reference.
    check: syn::Ident,
    /// Where its type errors point: the user's `when`, or the error type.
    span: Span,
}

fn classifier_parts(args: &Args, private: &TokenStream, shape: &Shape) -> Classifier {
    let Some(Keyed { value, .. }) = &args.when else {
        let span = error_type_span(shape);
        return Classifier {
            init: respanned(quote!(#private::ByClassify), span),
            check: format_ident!("by_classify"),
            span,
        };
    };
    let span = value.span();
    Classifier {
        init: located_call(quote!(#private::When), value, span),
        check: format_ident!("when"),
        span,
    }
}

/// The classifier of `Ok` values: the user's `when_ok`, checked against
/// the attempt's value type where the user wrote it; else `AcceptOk`
/// itself, with no local and no check, so a fn without the key expands as
/// before. Returns the local's declaration, the check, and the argument
/// `decide` gets.
fn ok_classifier(args: &Args, private: &TokenStream) -> (TokenStream, TokenStream, TokenStream) {
    let Some(Keyed { value, .. }) = &args.when_ok else {
        return (
            TokenStream::new(),
            TokenStream::new(),
            quote!(&mut #private::AcceptOk),
        );
    };
    let span = value.span();
    let values = local_at("values", span);
    let checked = local("checked_ok");
    let attempt = local("attempt");
    // Located at the user's value, where rustc then reports a wrong
    // argument or return type.
    let check = located_call(
        quote!(#private::when_ok),
        &quote_spanned!(span=> &#attempt, &mut #values),
        span,
    );
    (
        quote!(let mut #values = #private::WhenOk(#value);),
        quote!(let mut #checked = #check;),
        quote!(&mut #checked),
    )
}

/// The hook: the user's `on_retry`, else none; its type errors point at
/// the user's `on_retry`.
fn hook(args: &Args, private: &TokenStream) -> (syn::Ident, TokenStream, Span) {
    let (init, span) = match &args.on_retry {
        Some(Keyed { value, .. }) => (quote!(#value), value.span()),
        None => (quote!(#private::NoHook), Span::call_site()),
    };
    (local_at("hook", span), init, span)
}

/// How the error shows in log events, picked here where `E` is concrete
/// (autoref specialization): with its causes, its `Display`, or not at all.
/// Returns the statements, and the local holding the choice.
fn error_text(private: &TokenStream, attempt: &syn::Ident) -> (TokenStream, syn::Ident) {
    let text = local("text");
    let picker = local("picker");
    let statements = quote! {
        let (#attempt, #picker) = #private::ErrorTextOf::pick(#attempt);
        let #text = {
            use #private::{ShowCauses as _, ShowDisplay as _, ShowNothing as _};
            (&&&#picker).error_text()
        };
    };
    (statements, text)
}

/// The `static` of the call site, and how its name learns a method's type:
/// `name = ".."` as given; else `module::fn`, or `module::Type::method` for a
/// method (a `self` receiver), whose type is known only inside it.
pub(crate) fn call_site(
    args: &Args,
    sig: &syn::Signature,
    shape: &Shape,
    private: &TokenStream,
) -> (TokenStream, TokenStream) {
    let no_type = quote!(#private::no_type);
    if let Some(name) = &args.name {
        let name = &name.value;
        return (quote!(#private::CallSite::new(#name)), no_type);
    }
    let function = sig.ident.to_string();
    if shape.is_method {
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

/// The statics that name the shared breaker and budget, the breaker's
/// admission before each attempt (nothing without a breaker), and the pass
/// `decide` gets.
///
/// Each shared guard is held by a `static __RETRY_..: &dyn Shared..`
/// initialized with `&path`: a `static` (or a `LazyLock`, or a `&'static`)
/// passes, while a `const` is refused by the compiler right at the user's
/// path (error E0492, "try replacing the temporary by an interior mutable
/// `static`"): a const would be a new breaker at every use, which protects
/// nothing.
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
) -> (TokenStream, TokenStream, TokenStream) {
    let mut statics = TokenStream::new();
    for (name, shared, keyed) in [
        ("BUDGET", "SharedBudget", &args.budget),
        ("BREAKER", "SharedBreaker", &args.breaker),
    ] {
        if let Some(Keyed { value: path, .. }) = keyed {
            let holder = guard_holder(name);
            let shared = format_ident!("{}", shared);
            // Spanned at the user's path: a wrong type is reported there.
            let init = quote_spanned!(path.span()=> &#path);
            statics.extend(quote! {
                static #holder: &'static dyn #private::#shared = #init;
            });
        }
    }
    let (breaker_ref, budget) = guard_refs(args);
    let (Some(breaker), Some(breaker_ref)) = (&args.breaker, breaker_ref) else {
        let pass = match budget {
            Some(budget) => quote!(#private::Pass::budget(#budget)),
            None => quote!(#private::Pass::default()),
        };
        return (statics, TokenStream::new(), pass);
    };
    let budget = budget.map(|budget| quote!(.budget(#budget)));
    let pass = local("pass");
    let rejected = local("rejected");
    let from_rejected = local("from_rejected");
    let closure = from_rejected_closure(private, breaker.key.span());
    let admit = quote! {
        let #pass = {
            #[allow(clippy::redundant_closure)]
            let #from_rejected = #closure;
            let #rejected = #private::start_attempt(
                &mut #attempts,
                #site,
                #private::Protections::new().breaker(#breaker_ref) #budget,
                #from_rejected,
            );
            match #rejected {
                ::core::result::Result::Ok(#pass) => #pass,
                ::core::result::Result::Err(#rejected) => return ::core::result::Result::Err(#rejected),
            }
        };
    };
    (statics, admit, quote!(#pass))
}

/// The statics `guards` declares, as `(breaker, budget)` references.
fn guard_refs(args: &Args) -> (Option<TokenStream>, Option<TokenStream>) {
    let breaker = args.breaker.as_ref().map(|_| {
        let holder = guard_holder("BREAKER");
        quote!(#holder.breaker())
    });
    let budget = args.budget.as_ref().map(|_| {
        let holder = guard_holder("BUDGET");
        quote!(#holder.budget())
    });
    (breaker, budget)
}

/// The name of the `static` holding a shared guard.
fn guard_holder(name: &str) -> syn::Ident {
    format_ident!("__RETRY_{}", name, span = Span::mixed_site())
}

/// How a rejection becomes the call's error: a closure, not the fn item,
/// so a missing `From<Rejected>` is reported once, at the `breaker` key
/// (`span`), with the trait's own message.
fn from_rejected_closure(private: &TokenStream, span: Span) -> TokenStream {
    let rejected = local("rejected");
    quote_spanned!(span=>
        |#rejected: #private::Rejected| <_ as #private::FromRejected>::from_rejected(#rejected)
    )
}

/// `path(arguments)`, the path and the parentheses located at `span` (the
/// user's token, where rustc then reports a failed bound), the arguments as
/// written.
fn located_call(path: TokenStream, arguments: &impl quote::ToTokens, span: Span) -> TokenStream {
    let mut wrapped =
        proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, quote!(#arguments));
    wrapped.set_span(span);
    let path = respanned(path, span);
    quote!(#path #wrapped)
}

/// `tokens`, every one of them spanned at `span`: a path the expansion
/// writes, reported where the user's token is.
fn respanned(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respanned(group.stream(), span));
                inner.set_span(span);
                token = proc_macro2::TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

pub(crate) fn local(name: &str) -> syn::Ident {
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

/// The `E` of `Result<T, E>` that an attempt returns, else the whole type.
fn error_type_span(shape: &Shape) -> Span {
    let Some(ty) = &shape.output else {
        return Span::call_site();
    };
    if let Type::Path(path) = ty
        && let Some(PathArguments::AngleBracketed(generics)) =
            path.path.segments.last().map(|s| &s.arguments)
        && let (2, Some(GenericArgument::Type(error))) = (generics.args.len(), generics.args.last())
    {
        return error.span();
    }
    ty.span()
}

/// Where a timeout may apply: the `timeout` key, the `deadline` key (which
/// times attempts out too), or a `policy` (which may carry either). The
/// span points errors about `From<TimedOut>` at the key.
fn timeout_span(args: &Args) -> Option<Span> {
    [&args.timeout, &args.deadline]
        .into_iter()
        .flatten()
        .map(|k| k.key.span())
        .next()
        .or_else(|| args.policy.as_ref().map(|k| k.key.span()))
}

/// `Policy::new()` or the given policy, with each inline key applied.
pub(crate) fn policy_expr(
    args: &Args,
    private: &TokenStream,
    policy_ref: &syn::Ident,
) -> TokenStream {
    let base = match &args.policy {
        // Deref coercion accepts a `Policy`, a `&Policy`, a static or a
        // `LazyLock<Policy>` alike.
        Some(Keyed { value, .. }) => {
            let borrowed = quote_spanned!(value.span()=> &(#value));
            quote!({
                let #policy_ref: &#private::Policy<_> = #borrowed;
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
        &args.deadline,
        &args.min_attempt_time,
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

/// The type an attempt returns, as it can annotate a closure or a `let`
/// (see [`ascribable`]); `()` for a fn without one.
pub(crate) fn return_type(shape: &Shape) -> Type {
    match &shape.output {
        Some(ty) => ascribable(ty.clone()),
        None => syn::parse_quote!(()),
    }
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
