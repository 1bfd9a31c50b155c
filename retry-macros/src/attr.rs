//! Parses `#[retry(...)]` arguments into a typed [`Args`], checking each
//! value on its own. Cross-key checks live in `valid.rs`.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Path, Token, UnOp};

use core::time::Duration;
use retry_spec::Key;

mod closure_args;
mod suggest;

/// Every key `#[retry]` accepts, in the order the docs list them: the names
/// of the one table, `retry_spec::Key`.
pub(crate) const KEYS: &[&str] = &Key::NAMES;

/// A value written as a literal (checked at compile time) or as any Rust
/// expression (checked by the type checker).
pub(crate) enum Value<T> {
    Literal(T, Span),
    Expr(Box<Expr>),
}

/// What `jitter` was set to.
pub(crate) enum JitterArg {
    /// Bare `jitter`: the recommended strategy.
    Recommended,
    /// A strategy named in a string: the `Jitter` variant's Rust name.
    Named(&'static str),
    /// Any expression of type `Jitter`.
    Expr(Box<Expr>),
}

/// A key as written, for spans in later errors.
pub(crate) struct Keyed<T> {
    pub(crate) key: Ident,
    pub(crate) value: T,
}

/// The parsed arguments; `None` where the key was not given.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) max_attempts: Option<Keyed<Value<u32>>>,
    pub(crate) base_delay: Option<Keyed<Value<Duration>>>,
    pub(crate) max_delay: Option<Keyed<Value<Duration>>>,
    pub(crate) multiplier: Option<Keyed<Value<f64>>>,
    pub(crate) jitter: Option<Keyed<JitterArg>>,
    pub(crate) max_elapsed: Option<Keyed<Value<Duration>>>,
    pub(crate) timeout: Option<Keyed<Value<Duration>>>,
    pub(crate) deadline: Option<Keyed<Value<Duration>>>,
    pub(crate) min_attempt_time: Option<Keyed<Value<Duration>>>,
    pub(crate) max_retry_after: Option<Keyed<Value<Duration>>>,
    pub(crate) when: Option<Keyed<Expr>>,
    pub(crate) when_ok: Option<Keyed<Expr>>,
    pub(crate) on_retry: Option<Keyed<Expr>>,
    pub(crate) policy: Option<Keyed<Box<Expr>>>,
    pub(crate) breaker: Option<Keyed<Path>>,
    pub(crate) budget: Option<Keyed<Path>>,
    pub(crate) rate_limiter: Option<Keyed<Path>>,
    pub(crate) hedge: Option<Keyed<Value<Duration>>>,
    pub(crate) context: Option<Keyed<()>>,
    pub(crate) name: Option<Keyed<LitStr>>,
    pub(crate) krate: Option<Keyed<Path>>,
}

/// One `key` or `key = value` as written.
struct RawArg {
    key: Ident,
    value: Option<Expr>,
}

impl Parse for RawArg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // `parse_any` admits `crate`, a keyword.
        let key = input
            .call(Ident::parse_any)
            .map_err(|e| syn::Error::new(e.span(), "expected a key such as `max_attempts = 3`"))?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Self { key, value })
    }
}

impl Args {
    /// Parses the attribute's tokens; reports every bad key at once.
    pub(crate) fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<Self> {
        let raw =
            syn::parse::Parser::parse2(Punctuated::<RawArg, Token![,]>::parse_terminated, tokens)?;
        let mut args = Args::default();
        let mut errors: Option<syn::Error> = None;
        for arg in raw {
            if let Err(e) = args.set(arg) {
                match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                }
            }
        }
        errors.map_or(Ok(args), Err)
    }

    fn set(&mut self, arg: RawArg) -> syn::Result<()> {
        let RawArg { key, value } = arg;
        let name = key.unraw().to_string();
        macro_rules! store {
            ($field:ident, $parsed:expr) => {{
                if self.$field.is_some() {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("duplicate key `{name}`; give each key once"),
                    ));
                }
                let value = $parsed;
                self.$field = Some(Keyed { key, value });
                Ok(())
            }};
        }
        let Some(which) = Key::from_name(&name) else {
            return Err(suggest::unknown_key(&key, &name, value.as_ref()));
        };
        // Every key but a bare `jitter` needs a value.
        let needs_value = || {
            syn::Error::new(
                key.span(),
                format!("`{name}` needs a value: `{name} = ...`"),
            )
        };
        // Exhaustive: a key added to the table has no default arm to fall
        // into, so it does not compile until it is parsed here.
        match which {
            Key::Jitter => store!(jitter, jitter(value)?),
            Key::MaxAttempts => store!(max_attempts, attempts(value.ok_or_else(needs_value)?)?),
            Key::BaseDelay => store!(base_delay, duration(value.ok_or_else(needs_value)?)?),
            Key::MaxDelay => store!(max_delay, duration(value.ok_or_else(needs_value)?)?),
            Key::Multiplier => store!(multiplier, multiplier(value.ok_or_else(needs_value)?)?),
            Key::MaxElapsed => store!(max_elapsed, duration(value.ok_or_else(needs_value)?)?),
            Key::Timeout => store!(timeout, duration(value.ok_or_else(needs_value)?)?),
            Key::Deadline => store!(deadline, duration(value.ok_or_else(needs_value)?)?),
            Key::Hedge => store!(hedge, duration(value.ok_or_else(needs_value)?)?),
            Key::MinAttemptTime => {
                store!(min_attempt_time, duration(value.ok_or_else(needs_value)?)?)
            }
            Key::MaxRetryAfter => {
                store!(max_retry_after, duration(value.ok_or_else(needs_value)?)?)
            }
            Key::When => store!(
                when,
                callable(
                    value.ok_or_else(needs_value)?,
                    "when",
                    "a `fn(&E) -> bool` or a closure `|e: &E| ...` that says which errors to retry"
                )?
            ),
            Key::WhenOk => store!(
                when_ok,
                callable(
                    value.ok_or_else(needs_value)?,
                    "when_ok",
                    "a `fn(&T) -> bool` (or `-> Verdict`) or a closure `|value: &T| ...` that says which `Ok` values to retry"
                )?
            ),
            Key::OnRetry => store!(
                on_retry,
                callable(
                    value.ok_or_else(needs_value)?,
                    "on_retry",
                    "a `fn(&retry_runtime::RetryEvent<'_, E>)` or a closure `|event| ...` called before each sleep"
                )?
            ),
            Key::Policy => store!(policy, Box::new(value.ok_or_else(needs_value)?)),
            Key::Breaker => store!(
                breaker,
                static_path(
                    value.ok_or_else(needs_value)?,
                    "breaker",
                    "a `static` `retry_runtime::CircuitBreaker`, such as `breaker = FORGE_BREAKER`"
                )?
            ),
            Key::Budget => store!(
                budget,
                static_path(
                    value.ok_or_else(needs_value)?,
                    "budget",
                    "a `static` `retry_runtime::RetryBudget`, such as `budget = FORGE_BUDGET`"
                )?
            ),
            Key::RateLimiter => store!(
                rate_limiter,
                static_path(
                    value.ok_or_else(needs_value)?,
                    "rate_limiter",
                    "a `static` `retry_runtime::AdaptiveRateLimiter`, such as `rate_limiter = FORGE_LIMITER`"
                )?
            ),
            Key::Context => store!(context, bare(value, "context")?),
            Key::Name => store!(name, name_literal(value.ok_or_else(needs_value)?)?),
            Key::Crate => store!(krate, crate_path(value.ok_or_else(needs_value)?)?),
        }
    }
}

/// A key written bare, without a value.
fn bare(value: Option<Expr>, key: &str) -> syn::Result<()> {
    match value {
        None => Ok(()),
        Some(value) => Err(syn::Error::new(
            value.span(),
            format!("`{key}` takes no value: write a bare `{key}`"),
        )),
    }
}

/// A literal value, looking through a leading minus sign.
enum Literal<'a> {
    Plain(&'a Lit),
    Negated,
    None,
}

fn literal(expr: &Expr) -> Literal<'_> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Literal::Plain(lit),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(_) => Literal::Negated,
            _ => Literal::None,
        },
        Expr::Group(group) => literal(&group.expr),
        Expr::Paren(paren) => literal(&paren.expr),
        _ => Literal::None,
    }
}

fn attempts(value: Expr) -> syn::Result<Value<u32>> {
    const WHAT: &str = "`max_attempts` counts total calls, the first included: a whole number >= 1";
    match literal(&value) {
        Literal::Plain(Lit::Int(int)) => {
            let n: u32 = int
                .base10_parse()
                .map_err(|_| syn::Error::new(int.span(), format!("{WHAT} that fits in a u32")))?;
            if n == 0 {
                return Err(syn::Error::new(
                    int.span(),
                    format!(
                        "`max_attempts = 0` would never call the function; {WHAT} (1 means no retry)"
                    ),
                ));
            }
            Ok(Value::Literal(n, int.span()))
        }
        Literal::Plain(Lit::Str(text)) if text.value().trim().parse::<u32>().is_ok() => {
            Err(syn::Error::new(
                text.span(),
                format!(
                    "{WHAT}; write `max_attempts = {}` without quotes",
                    text.value().trim()
                ),
            ))
        }
        Literal::Plain(Lit::Float(_)) => Err(syn::Error::new_spanned(
            &value,
            format!("{WHAT}, not a fraction"),
        )),
        Literal::Plain(_) | Literal::Negated => Err(syn::Error::new_spanned(&value, WHAT)),
        Literal::None => Ok(Value::Expr(Box::new(value))),
    }
}

fn duration(value: Expr) -> syn::Result<Value<Duration>> {
    match literal(&value) {
        Literal::Plain(Lit::Str(text)) => retry_spec::duration::parse(&text.value())
            .map(|parsed| Value::Literal(parsed, text.span()))
            .map_err(|error| syn::Error::new(text.span(), error)),
        Literal::Plain(Lit::Int(_) | Lit::Float(_)) => Err(syn::Error::new_spanned(
            &value,
            "a duration needs a unit: write a string such as \"500ms\" or \"2s\", or a `Duration` expression",
        )),
        Literal::Negated => Err(syn::Error::new_spanned(
            &value,
            "a duration cannot be negative",
        )),
        Literal::Plain(_) => Err(syn::Error::new_spanned(
            &value,
            "expected a duration: a string such as \"500ms\" or \"2s\", or a `Duration` expression",
        )),
        Literal::None => Ok(Value::Expr(Box::new(value))),
    }
}

fn multiplier(value: Expr) -> syn::Result<Value<f64>> {
    const WHAT: &str = "`multiplier` is the growth of the delay per retry: a number >= 1.0";
    let number = match literal(&value) {
        Literal::Plain(Lit::Float(f)) => f.base10_parse::<f64>(),
        Literal::Plain(Lit::Int(i)) => i.base10_parse::<f64>(),
        Literal::None => return Ok(Value::Expr(Box::new(value))),
        _ => return Err(syn::Error::new_spanned(&value, WHAT)),
    };
    match number {
        Ok(m) if m.is_finite() && m >= 1.0 => Ok(Value::Literal(m, value.span())),
        Ok(m) if m.is_finite() => Err(syn::Error::new_spanned(
            &value,
            format!("`multiplier = {m}` would shrink the delays; {WHAT}"),
        )),
        _ => Err(syn::Error::new_spanned(
            &value,
            format!("{WHAT}, and finite"),
        )),
    }
}

fn jitter(value: Option<Expr>) -> syn::Result<JitterArg> {
    let Some(value) = value else {
        return Ok(JitterArg::Recommended);
    };
    let names = retry_spec::Jitter::listed("\"");
    match literal(&value) {
        Literal::Plain(Lit::Str(text)) => {
            let name = text.value();
            retry_spec::Jitter::from_name(&name)
                .map(|jitter| JitterArg::Named(jitter.variant_name()))
                .ok_or_else(|| {
                    syn::Error::new(
                        text.span(),
                        format!(
                            "unknown jitter strategy \"{name}\"; expected {names}, or a bare `jitter` for the recommended one"
                        ),
                    )
                })
        }
        Literal::None => Ok(JitterArg::Expr(Box::new(value))),
        _ => Err(syn::Error::new_spanned(
            &value,
            format!("expected a bare `jitter`, a strategy name ({names}) or a `Jitter` expression"),
        )),
    }
}

/// A function for `when`, `when_ok` or `on_retry`: a path, a closure, or any
/// expression of a callable type (such as a call that returns a closure),
/// which the type checker then checks. Only literals are refused here.
fn callable(value: Expr, key: &str, what: &str) -> syn::Result<Expr> {
    match literal(&value) {
        Literal::None => Ok(value),
        Literal::Plain(Lit::Str(text)) if text.parse::<Path>().is_ok() => Err(syn::Error::new(
            text.span(),
            format!(
                "`{key}` takes {what}, not a string; write `{key} = {}` without quotes",
                text.value()
            ),
        )),
        _ => Err(syn::Error::new_spanned(
            &value,
            format!("`{key}` takes {what}, not a literal"),
        )),
    }
}

fn static_path(value: Expr, key: &str, what: &str) -> syn::Result<Path> {
    match value {
        Expr::Path(p) if p.qself.is_none() => Ok(p.path),
        other => Err(syn::Error::new_spanned(
            other,
            format!(
                "`{key}` takes the path of {what}: it is shared by every call, so it must outlive them all"
            ),
        )),
    }
}

fn name_literal(value: Expr) -> syn::Result<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) if !text.value().trim().is_empty() => Ok(text),
        other => Err(syn::Error::new_spanned(
            other,
            "`name` takes a non-empty string literal, such as `name = \"forge.get_issue\"`",
        )),
    }
}

fn crate_path(value: Expr) -> syn::Result<Path> {
    match value {
        Expr::Path(p) if p.qself.is_none() => Ok(p.path),
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => text.parse(),
        other => Err(syn::Error::new_spanned(
            other,
            "`crate` takes the path of the renamed retry-runtime dependency, such as `crate = my_retry`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value `key` accepts. Exhaustive, so a key added to the table is a
    /// compile error here until it is tested.
    fn sample(key: Key) -> &'static str {
        match key {
            Key::MaxAttempts => "3",
            Key::BaseDelay | Key::MaxDelay | Key::MaxElapsed => "\"1s\"",
            Key::Timeout | Key::MaxRetryAfter | Key::Deadline => "\"2s\"",
            Key::MinAttemptTime => "\"10ms\"",
            Key::Hedge => "\"50ms\"",
            Key::Context => "",
            Key::Multiplier => "1.5",
            Key::Jitter => "\"equal\"",
            Key::When => "is_transient",
            Key::WhenOk => "retry_runtime::http::transient_response",
            Key::OnRetry => "log_retry",
            Key::Policy => "FORGE_API",
            Key::Breaker => "FORGE_BREAKER",
            Key::Budget => "FORGE_BUDGET",
            Key::RateLimiter => "FORGE_LIMITER",
            Key::Name => "\"forge.get_issue\"",
            Key::Crate => "my_retry",
        }
    }

    /// Which field holds a value, by the field's name, with the key as
    /// written. Destructured, so a field added to `Args` is listed here.
    fn stored(args: &Args) -> Vec<(&'static str, String)> {
        let Args {
            max_attempts,
            base_delay,
            max_delay,
            multiplier,
            jitter,
            max_elapsed,
            timeout,
            deadline,
            min_attempt_time,
            max_retry_after,
            when,
            when_ok,
            on_retry,
            policy,
            breaker,
            budget,
            rate_limiter,
            hedge,
            context,
            name,
            krate,
        } = args;
        fn written<T>(field: &Option<Keyed<T>>) -> Option<String> {
            field.as_ref().map(|k| k.key.unraw().to_string())
        }
        [
            ("max_attempts", written(max_attempts)),
            ("base_delay", written(base_delay)),
            ("max_delay", written(max_delay)),
            ("multiplier", written(multiplier)),
            ("jitter", written(jitter)),
            ("max_elapsed", written(max_elapsed)),
            ("timeout", written(timeout)),
            ("deadline", written(deadline)),
            ("min_attempt_time", written(min_attempt_time)),
            ("max_retry_after", written(max_retry_after)),
            ("when", written(when)),
            ("when_ok", written(when_ok)),
            ("on_retry", written(on_retry)),
            ("policy", written(policy)),
            ("breaker", written(breaker)),
            ("budget", written(budget)),
            ("rate_limiter", written(rate_limiter)),
            ("hedge", written(hedge)),
            ("context", written(context)),
            ("name", written(name)),
            ("crate", written(krate)),
        ]
        .into_iter()
        .filter_map(|(field, key)| Some((field, key?)))
        .collect()
    }

    /// No key of the table falls into another key's field (as a key with
    /// no arm of its own once fell into `crate`).
    #[test]
    fn each_key_is_stored_in_its_own_field() {
        for key in Key::ALL {
            let tokens = match sample(key) {
                "" => key.name().to_owned(),
                value => format!("{key} = {value}"),
            };
            let tokens = tokens.parse().unwrap();
            let args = Args::parse(tokens).unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(stored(&args), [(key.name(), key.name().to_owned())]);
        }
        let bare = Args::parse("jitter".parse().unwrap()).unwrap();
        assert!(matches!(
            bare.jitter.map(|k| k.value),
            Some(JitterArg::Recommended)
        ));
    }

    #[test]
    fn every_key_but_jitter_and_context_needs_a_value() {
        for key in Key::ALL {
            let parsed = Args::parse(key.name().parse().unwrap());
            match (key, parsed) {
                (Key::Jitter | Key::Context, Ok(_)) => {}
                (_, Err(e)) => assert_eq!(
                    e.to_string(),
                    format!("`{key}` needs a value: `{key} = ...`")
                ),
                (_, Ok(_)) => panic!("`{key}` without a value was accepted"),
            }
        }
    }

    #[test]
    fn jitter_names_are_the_tables() {
        for row in retry_spec::Jitter::ALL {
            let tokens = format!("jitter = \"{row}\"").parse().unwrap();
            let args = Args::parse(tokens).unwrap();
            assert!(matches!(
                args.jitter.map(|k| k.value),
                Some(JitterArg::Named(variant)) if variant == row.variant_name()
            ));
        }
        let error = Args::parse("jitter = \"fuzzy\"".parse().unwrap())
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "unknown jitter strategy \"fuzzy\"; expected \"none\", \"full\", \"equal\" or \"decorrelated\", or a bare `jitter` for the recommended one"
        );
    }
}
