//! Checks that need more than one key, or the function itself.

use syn::spanned::Spanned;
use syn::{ItemFn, Type};

use crate::attr::{Args, Value};
use crate::shape::Shape;
use core::time::Duration;

/// `Policy::new()`'s cap, for a `base_delay` given without `max_delay`.
const DEFAULT_MAX_DELAY: Duration = retry_spec::defaults::MAX_DELAY;

/// Return types that are surely not a `Result`; any other path may be an
/// alias of one, which the type checker then confirms.
const NOT_RESULT: &[&str] = &[
    "Option", "String", "Vec", "Box", "bool", "char", "str", "u8", "u16", "u32", "u64", "u128",
    "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
];

/// All checks; every failure is reported, not just the first.
pub(crate) fn check(args: &Args, item: &ItemFn, shape: &Shape) -> syn::Result<()> {
    let checks = [
        check_fn(item, shape),
        check_timeout(args, shape),
        check_min_attempt_time(args),
        check_delays(args),
        check_hedge(args, item, shape),
    ];
    let mut errors = checks.into_iter().filter_map(Result::err);
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            errors.for_each(|e| first.combine(e));
            Err(first)
        }
    }
}

fn check_fn(item: &ItemFn, shape: &Shape) -> syn::Result<()> {
    let sig = &item.sig;
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new(
            constness.span,
            "`#[retry]` cannot apply to a `const fn`: retrying sleeps, which a const fn cannot do; remove `const`",
        ));
    }
    let Some(ty) = &shape.output else {
        return Err(syn::Error::new(
            sig.ident.span(),
            format!(
                "`{}` returns nothing; `#[retry]` needs a function that returns `Result<T, E>`, so it can tell failure from success",
                sig.ident
            ),
        ));
    };
    if !may_be_result(ty) {
        return Err(syn::Error::new(
            ty.span(),
            "`#[retry]` needs a function that returns `Result<T, E>` (or an alias such as `io::Result<T>`); only errors are retried",
        ));
    }
    Ok(())
}

fn may_be_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| !NOT_RESULT.iter().any(|name| segment.ident == name)),
        Type::Group(group) => may_be_result(&group.elem),
        Type::Paren(paren) => may_be_result(&paren.elem),
        _ => false,
    }
}

fn check_timeout(args: &Args, shape: &Shape) -> syn::Result<()> {
    match &args.timeout {
        Some(timeout) if !shape.is_async => Err(syn::Error::new(
            timeout.key.span(),
            "`timeout` needs an `async fn`: a blocking body cannot be interrupted; remove it, or make the function async",
        )),
        _ => Ok(()),
    }
}

/// A hedged fn runs several attempts at once: it must be async, and no
/// attempt may hold the one `&mut` borrow the others need too.
fn check_hedge(args: &Args, item: &ItemFn, shape: &Shape) -> syn::Result<()> {
    let Some(hedge) = &args.hedge else {
        return Ok(());
    };
    if let Some(limiter) = &args.rate_limiter {
        return Err(syn::Error::new(
            limiter.key.span(),
            "`rate_limiter` cannot pace a hedged fn yet: hedges would bypass it; remove `hedge` or `rate_limiter`",
        ));
    }
    if !shape.is_async {
        return Err(syn::Error::new(
            hedge.key.span(),
            "`hedge` needs an `async fn`: hedged attempts run concurrently, which a blocking fn cannot do without threads; make the function async, or remove `hedge`",
        ));
    }
    for input in &item.sig.inputs {
        let (mutable, what) = match input {
            syn::FnArg::Receiver(receiver) => (
                receiver.reference.is_some() && receiver.mutability.is_some()
                    || matches!(&*receiver.ty, Type::Reference(r) if r.mutability.is_some()),
                "`&mut self`; take `&self`",
            ),
            syn::FnArg::Typed(typed) => (
                matches!(&*typed.ty, Type::Reference(r) if r.mutability.is_some()),
                "a `&mut` argument; take a shared reference",
            ),
        };
        if mutable {
            return Err(syn::Error::new_spanned(
                input,
                format!(
                    "`hedge` runs attempts concurrently, and they cannot all borrow {what} and use interior mutability (a `Mutex`, an atomic), or remove `hedge`"
                ),
            ));
        }
    }
    Ok(())
}

fn check_min_attempt_time(args: &Args) -> syn::Result<()> {
    match &args.min_attempt_time {
        Some(least) if args.deadline.is_none() && args.policy.is_none() => Err(syn::Error::new(
            least.key.span(),
            "`min_attempt_time` applies to a `deadline`, and there is none; add `deadline = \"..\"`, or remove it",
        )),
        _ => Ok(()),
    }
}

fn check_delays(args: &Args) -> syn::Result<()> {
    let Some(base) = &args.base_delay else {
        return Ok(());
    };
    let Value::Literal(base_value, base_span) = base.value else {
        return Ok(());
    };
    let cap = match &args.max_delay {
        Some(max) => match max.value {
            Value::Literal(cap, _) => cap,
            Value::Expr(_) => return Ok(()),
        },
        // A policy may raise the cap; only the default one is known here.
        None if args.policy.is_some() => return Ok(()),
        None => DEFAULT_MAX_DELAY,
    };
    if base_value > cap {
        let which = if args.max_delay.is_some() {
            ""
        } else {
            ", the default"
        };
        return Err(syn::Error::new(
            base_span,
            format!(
                "`base_delay` ({}) is longer than `max_delay` ({}{which}); every delay would be cut to `max_delay`: lower `base_delay` or raise `max_delay`",
                retry_spec::duration::format(base_value),
                retry_spec::duration::format(cap)
            ),
        ));
    }
    Ok(())
}
