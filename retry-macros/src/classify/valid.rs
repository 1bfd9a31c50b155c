//! Checks the parsed `#[classify(...)]` rules against the type: an enum or
//! a struct, every variant classified, each `source` naming exactly one
//! field. Every failure is reported, not just the first.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Member, Path, Type};

use super::attr::{self, Fixed, Rule};

/// A type whose every variant has a verdict: what `expand` turns into the
/// impl, with no error left to find.
pub(crate) struct Checked<'a> {
    /// The path of the runtime crate (`crate = ...`, else `::retry_runtime`).
    pub(crate) krate: Path,
    /// One arm per variant (one for a struct).
    pub(crate) arms: Vec<Arm<'a>>,
}

/// One match arm: which value, and how it is classified.
pub(crate) struct Arm<'a> {
    /// The enum's variant, or `None` for a struct.
    pub(crate) variant: Option<&'a Ident>,
    pub(crate) verdict: Verdict<'a>,
}

/// How one arm is classified.
pub(crate) enum Verdict<'a> {
    /// A fixed verdict.
    Fixed(Fixed),
    /// The named field's own `Classify`.
    Source { member: Member, ty: &'a Type },
}

/// All checks on `input`.
pub(crate) fn check(input: &DeriveInput) -> syn::Result<Checked<'_>> {
    let container = attr::parse(&input.attrs)?;
    let krate = container
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::retry_runtime));
    let mut errors = Errors::default();
    let mut arms = Vec::new();
    match &input.data {
        Data::Enum(data) => {
            for variant in &data.variants {
                // The variant's own rule, else the one its field's type
                // implies, else the enum's default.
                let rule = attr::parse(&variant.attrs).map(|found| {
                    found
                        .rule
                        .or_else(|| attr::implied(&variant.fields))
                        .or(container.rule)
                });
                let arm = rule.and_then(|rule| {
                    let rule = rule.ok_or_else(|| unclassified_variant(&variant.ident))?;
                    Ok(Arm {
                        variant: Some(&variant.ident),
                        verdict: verdict(rule, &variant.fields)?,
                    })
                });
                arms.extend(errors.keep(arm));
            }
        }
        Data::Struct(data) => {
            let rule = container
                .rule
                .or_else(|| attr::implied(&data.fields))
                .ok_or_else(|| {
                    syn::Error::new(
                        input.ident.span(),
                        "add #[classify(transient)], #[classify(permanent)] (optionally with kind = \"...\") or #[classify(source)] to the struct",
                    )
                });
            let arm = rule.and_then(|rule| {
                Ok(Arm {
                    variant: None,
                    verdict: verdict(rule, &data.fields)?,
                })
            });
            arms.extend(errors.keep(arm));
        }
        Data::Union(data) => errors.add(syn::Error::new(
            data.union_token.span,
            "#[derive(Classify)] supports enums and structs, not unions",
        )),
    }
    errors.finish(Checked { krate, arms })
}

/// The errors found so far, combined into one.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn add(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn keep<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|e| self.add(e)).ok()
    }

    fn finish<T>(self, value: T) -> syn::Result<T> {
        self.0.map_or(Ok(value), Err)
    }
}

fn unclassified_variant(variant: &Ident) -> syn::Error {
    syn::Error::new(
        variant.span(),
        format!(
            "variant `{variant}` has no classification; add one of:\n  #[classify(transient)] or #[classify(permanent)], optionally with kind = {}\n  #[classify(kind = \"...\")] alone ({} are transient)\n  #[classify(source)] to ask the variant's field\nor put a default #[classify(...)] on the enum",
            retry_spec::Kind::NAMES
                .map(|name| format!("\"{name}\""))
                .join(" | "),
            transient_kinds(),
        ),
    )
}

/// The kinds that are transient on their own, for messages.
fn transient_kinds() -> String {
    let names: Vec<_> = retry_spec::Kind::ALL
        .into_iter()
        .filter(|kind| kind.is_transient())
        .map(|kind| kind.name())
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

fn verdict(rule: Rule, fields: &Fields) -> syn::Result<Verdict<'_>> {
    match rule {
        Rule::Fixed(fixed) => Ok(Verdict::Fixed(fixed)),
        Rule::Source(span) => {
            let (member, ty) = source_field(fields, span)?;
            Ok(Verdict::Source { member, ty })
        }
    }
}

/// The field to delegate to: the only one, or the one marked as source.
fn source_field(fields: &Fields, source_span: Span) -> syn::Result<(Member, &Type)> {
    let all: Vec<_> = fields.iter().enumerate().collect();
    let member = |index: usize, field: &syn::Field| match &field.ident {
        Some(ident) => Member::Named(ident.clone()),
        None => Member::Unnamed(syn::Index {
            index: index as u32,
            span: field.span(),
        }),
    };
    if let [(index, field)] = all.as_slice() {
        return Ok((member(*index, field), &field.ty));
    }
    if all.is_empty() {
        return Err(syn::Error::new(
            source_span,
            "`source` needs a field to ask, and this has none; use `transient` or `permanent`",
        ));
    }
    let mut marked = Vec::new();
    for (index, field) in &all {
        if attr::marks_source(&field.attrs)? {
            marked.push((member(*index, field), &field.ty));
        }
    }
    match marked.len() {
        1 => Ok(marked.remove(0)),
        _ => Err(syn::Error::new(
            source_span,
            "`source` with several fields: mark the one to ask with #[classify(source)] (or thiserror's #[source] / #[from])",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(item: &str) -> Vec<String> {
        let input: DeriveInput = syn::parse_str(item).unwrap();
        match check(&input) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn every_unclassified_variant_is_reported_at_once() {
        let found = errors("enum E { A, #[classify(transient)] B, C(u8) }");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("variant `A` has no classification"));
        assert!(found[1].starts_with("variant `C` has no classification"));
    }

    #[test]
    fn the_message_lists_every_kind_of_the_table() {
        let found = errors("enum E { A }");
        assert!(
            found[0].contains(
                "kind = \"timeout\" | \"network\" | \"throttled\" | \"server\" | \"auth\" | \"client\" | \"other\""
            ),
            "{found:?}"
        );
        assert!(
            found[0].contains("(timeout, network, throttled and server are transient)"),
            "{found:?}"
        );
    }

    #[test]
    fn a_classified_type_passes() {
        assert_eq!(
            errors(
                "#[classify(permanent)] enum E { #[classify(source)] A(std::io::Error), B, #[classify(kind = \"server\")] C }"
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            errors("#[classify(kind = \"network\")] struct S;"),
            Vec::<String>::new()
        );
    }
}
