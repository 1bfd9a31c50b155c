//! Parses `#[retry(...)]` arguments into a typed [`Args`], checking each
//! value on its own. Cross-key checks live in `valid.rs`.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Path, Token, UnOp};

use core::time::Duration;

mod closure_args;
mod suggest;

/// Every key `#[retry]` accepts, in the order the docs list them.
pub(crate) const KEYS: &[&str] = &[
    "max_attempts",
    "base_delay",
    "max_delay",
    "multiplier",
    "jitter",
    "max_elapsed",
    "timeout",
    "max_retry_after",
    "when",
    "on_retry",
    "policy",
    "breaker",
    "budget",
    "name",
    "crate",
];

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
    /// A strategy named in a string: the `Jitter` variant's name.
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
    pub(crate) max_retry_after: Option<Keyed<Value<Duration>>>,
    pub(crate) when: Option<Keyed<Expr>>,
    pub(crate) on_retry: Option<Keyed<Expr>>,
    pub(crate) policy: Option<Keyed<Box<Expr>>>,
    pub(crate) breaker: Option<Keyed<Path>>,
    pub(crate) budget: Option<Keyed<Path>>,
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
        match name.as_str() {
            "jitter" => store!(jitter, jitter(value)?),
            _ if !KEYS.contains(&name.as_str()) => {
                Err(suggest::unknown_key(&key, &name, value.as_ref()))
            }
            _ => {
                let Some(value) = value else {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("`{name}` needs a value: `{name} = ...`"),
                    ));
                };
                match name.as_str() {
                    "max_attempts" => store!(max_attempts, attempts(value)?),
                    "base_delay" => store!(base_delay, duration(value)?),
                    "max_delay" => store!(max_delay, duration(value)?),
                    "multiplier" => store!(multiplier, multiplier(value)?),
                    "max_elapsed" => store!(max_elapsed, duration(value)?),
                    "timeout" => store!(timeout, duration(value)?),
                    "max_retry_after" => store!(max_retry_after, duration(value)?),
                    "when" => store!(
                        when,
                        callable(
                            value,
                            "when",
                            "a `fn(&E) -> bool` or a closure `|e: &E| ...` that says which errors to retry"
                        )?
                    ),
                    "on_retry" => store!(
                        on_retry,
                        callable(
                            value,
                            "on_retry",
                            "a `fn(&retry_runtime::RetryEvent<'_, E>)` or a closure `|event| ...` called before each sleep"
                        )?
                    ),
                    "policy" => store!(policy, Box::new(value)),
                    "breaker" => store!(
                        breaker,
                        static_path(
                            value,
                            "breaker",
                            "a `static` `retry_runtime::CircuitBreaker`, such as `breaker = FORGE_BREAKER`"
                        )?
                    ),
                    "budget" => store!(
                        budget,
                        static_path(
                            value,
                            "budget",
                            "a `static` `retry_runtime::RetryBudget`, such as `budget = FORGE_BUDGET`"
                        )?
                    ),
                    "name" => store!(name, name_literal(value)?),
                    _ => store!(krate, crate_path(value)?),
                }
            }
        }
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
        Literal::Plain(Lit::Str(text)) => retry_duration::parse(&text.value())
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
    const STRATEGIES: &[(&str, &str)] = &[
        ("full", "Full"),
        ("equal", "Equal"),
        ("decorrelated", "Decorrelated"),
        ("none", "None"),
    ];
    let Some(value) = value else {
        return Ok(JitterArg::Recommended);
    };
    match literal(&value) {
        Literal::Plain(Lit::Str(text)) => {
            let name = text.value();
            STRATEGIES
                .iter()
                .find(|(written, _)| *written == name)
                .map(|(_, variant)| JitterArg::Named(variant))
                .ok_or_else(|| {
                    syn::Error::new(
                        text.span(),
                        format!(
                            "unknown jitter strategy \"{name}\"; expected \"full\", \"equal\", \"decorrelated\" or \"none\", or a bare `jitter` for the recommended one"
                        ),
                    )
                })
        }
        Literal::None => Ok(JitterArg::Expr(Box::new(value))),
        _ => Err(syn::Error::new_spanned(
            &value,
            "expected a bare `jitter`, a strategy name (\"full\", \"equal\", \"decorrelated\", \"none\") or a `Jitter` expression",
        )),
    }
}

/// A function for `when` or `on_retry`: a path, a closure, or any
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
