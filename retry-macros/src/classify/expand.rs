//! Generates `impl Classify` from the parsed rules.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Member, Path, Type};

use super::attr::{self, Fixed, Rule};

/// The `impl Classify` for `input`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let container = attr::parse(&input.attrs)?;
    let krate: Path = container
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::retry_runtime));
    let mut delegated: Vec<Type> = Vec::new();
    let arms = match &input.data {
        Data::Enum(data) => {
            let mut arms = Vec::new();
            for variant in &data.variants {
                let found = attr::parse(&variant.attrs)?;
                // The variant's own rule, else the one its field's type
                // implies, else the enum's default.
                let rule = found
                    .rule
                    .or_else(|| attr::implied(&variant.fields))
                    .or(container.rule)
                    .ok_or_else(|| {
                    syn::Error::new(
                        variant.ident.span(),
                        format!(
                            "variant `{}` has no classification; add one of:\n  #[classify(transient)] or #[classify(permanent)], optionally with kind = \"timeout\" | \"network\" | \"throttled\" | \"server\" | \"auth\" | \"client\"\n  #[classify(source)] to ask the variant's field\nor put a default #[classify(...)] on the enum",
                            variant.ident
                        ),
                    )
                })?;
                let ident = &variant.ident;
                arms.push(arm(
                    quote!(Self::#ident),
                    &variant.fields,
                    rule,
                    &krate,
                    &mut delegated,
                )?);
            }
            arms
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
            })?;
            vec![arm(
                quote!(Self),
                &data.fields,
                rule,
                &krate,
                &mut delegated,
            )?]
        }
        Data::Union(data) => {
            return Err(syn::Error::new(
                data.union_token.span,
                "#[derive(Classify)] supports enums and structs, not unions",
            ));
        }
    };

    let name = &input.ident;
    let mut generics = input.generics.clone();
    if !generics.params.is_empty() {
        let where_clause = generics.make_where_clause();
        for ty in &delegated {
            where_clause
                .predicates
                .push(syn::parse_quote!(#ty: #krate::Classify));
        }
    }
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    // An empty enum has no arms: `match *self {}` is the exhaustive match.
    let body = if arms.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(#arms)* })
    };
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Classify for #name #type_generics #where_clause {
            fn classify(&self) -> #krate::Verdict {
                #body
            }
        }
    })
}

/// One match arm: the pattern for `path` and the verdict.
fn arm(
    path: TokenStream,
    fields: &Fields,
    rule: Rule,
    krate: &Path,
    delegated: &mut Vec<Type>,
) -> syn::Result<TokenStream> {
    match rule {
        Rule::Fixed(Fixed {
            transient,
            kind,
            span,
        }) => {
            let kind = attr::kind_ident(kind, span);
            let base = if transient {
                quote!(transient)
            } else {
                quote!(permanent)
            };
            Ok(quote_spanned! {span=>
                #path { .. } => #krate::Verdict::#base().with_kind(#krate::Kind::#kind),
            })
        }
        Rule::Source(source_span) => {
            let (member, ty) = source_field(fields, source_span)?;
            delegated.push(ty.clone());
            let inner = format_ident!("__classify_source", span = Span::mixed_site());
            // Starting the call with `<Type as ..>` puts a missing-impl error
            // on the field's type.
            let call = quote_spanned!(ty.span()=> <#ty as #krate::Classify>::classify(#inner));
            Ok(quote! {
                #path { #member: #inner, .. } => #call,
            })
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
