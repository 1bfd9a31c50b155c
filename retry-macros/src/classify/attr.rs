//! Parses `#[classify(...)]` on a type, its variants and their fields,
//! checking each option on its own; `valid.rs` checks them against the
//! type.

use proc_macro2::Span;
use retry_spec::Kind;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Fields, LitStr, Path, Type};

const OPTIONS: &str = "`transient`, `permanent`, `kind = \"...\"`, `source` (or `from`), and on the type `crate = path`";

/// A fixed verdict: retry or not, and the kind (a row of the one table of
/// kinds, `retry_spec::Kind`).
#[derive(Clone, Copy)]
pub(crate) struct Fixed {
    pub(crate) transient: bool,
    pub(crate) kind: Kind,
    pub(crate) span: Span,
}

/// What a `#[classify(...)]` says.
#[derive(Clone, Copy)]
pub(crate) enum Rule {
    Fixed(Fixed),
    /// Delegate to a field's own `Classify`.
    Source(Span),
}

/// Everything found in the `#[classify(...)]` attributes of one item.
#[derive(Default)]
pub(crate) struct Found {
    pub(crate) rule: Option<Rule>,
    pub(crate) krate: Option<Path>,
}

/// Reads every `#[classify(...)]` among `attrs`.
pub(crate) fn parse(attrs: &[Attribute]) -> syn::Result<Found> {
    let mut found = Found::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("classify")) {
        let mut transient: Option<(bool, Span)> = None;
        let mut kind: Option<(Kind, Span)> = None;
        let mut source: Option<Span> = None;
        attr.parse_nested_meta(|meta| {
            let name = meta
                .path
                .get_ident()
                .map(|i| i.unraw().to_string())
                .unwrap_or_default();
            let span = meta.path.span();
            match name.as_str() {
                "transient" | "permanent" => {
                    if transient.is_some() {
                        return Err(meta.error("give one of `transient` and `permanent`, once"));
                    }
                    transient = Some((name == "transient", span));
                }
                "kind" => {
                    let text: LitStr = meta.value()?.parse()?;
                    let value = text.value();
                    let Some(named) = Kind::from_name(&value) else {
                        return Err(syn::Error::new(
                            text.span(),
                            format!(
                                "unknown kind \"{value}\"; expected one of {}",
                                Kind::listed("\"")
                            ),
                        ));
                    };
                    kind = Some((named, text.span()));
                }
                "source" | "from" => source = Some(span),
                "crate" => {
                    let value = meta.value()?;
                    found.krate = Some(if value.peek(LitStr) {
                        value.parse::<LitStr>()?.parse()?
                    } else {
                        value.parse()?
                    });
                }
                _ => {
                    return Err(meta.error(format!(
                        "unknown option `{name}` in #[classify(...)]; expected {OPTIONS}"
                    )));
                }
            }
            Ok(())
        })?;
        let rule = match (source, transient, kind) {
            (Some(span), None, None) => Some(Rule::Source(span)),
            (Some(span), _, _) => {
                return Err(syn::Error::new(
                    span,
                    "`source` delegates to a field: it cannot be combined with `transient`, `permanent` or `kind`",
                ));
            }
            (None, Some((transient, span)), kind) => Some(Rule::Fixed(Fixed {
                transient,
                kind: kind.map_or(Kind::Other, |(kind, _)| kind),
                span,
            })),
            // A kind alone: transient as the table says.
            (None, None, Some((kind, span))) => Some(Rule::Fixed(Fixed {
                transient: kind.is_transient(),
                kind,
                span,
            })),
            (None, None, None) => None,
        };
        if let Some(rule) = rule {
            if found.rule.is_some() {
                return Err(syn::Error::new(
                    attr.span(),
                    "classified twice; give one #[classify(...)]",
                ));
            }
            found.rule = Some(rule);
        }
    }
    Ok(found)
}

/// The rule a variant (or struct) without one gets from its only field's
/// type: the runtime's `TimedOut` is a transient timeout and `Rejected` (an
/// open circuit breaker) is permanent, so the variants the `From<TimedOut>`
/// and `From<Rejected>` hints ask for need no `#[classify(...)]`. Matched by
/// the type's last path segment, as a derive sees no more than the tokens.
pub(crate) fn implied(fields: &Fields) -> Option<Rule> {
    let mut fields = fields.iter();
    let (Some(field), None) = (fields.next(), fields.next()) else {
        return None;
    };
    let Type::Path(ty) = &field.ty else {
        return None;
    };
    let last = ty.path.segments.last()?;
    if !last.arguments.is_none() {
        return None;
    }
    let (transient, kind) = if last.ident == "TimedOut" {
        (true, Kind::Timeout)
    } else if last.ident == "Rejected" {
        (false, Kind::Other)
    } else {
        return None;
    };
    Some(Rule::Fixed(Fixed {
        transient,
        kind,
        span: last.ident.span(),
    }))
}

/// Whether a field is marked as the one to delegate to: `#[classify(source)]`,
/// or thiserror's `#[source]` / `#[from]`.
pub(crate) fn marks_source(attrs: &[Attribute]) -> syn::Result<bool> {
    for attr in attrs {
        if attr.path().is_ident("source") || attr.path().is_ident("from") {
            return Ok(true);
        }
        if attr.path().is_ident("classify") {
            let mut marked = false;
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("source") || meta.path.is_ident("from") {
                    marked = true;
                    Ok(())
                } else {
                    Err(meta.error("on a field, #[classify(...)] takes only `source`"))
                }
            })?;
            if marked {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
