//! Generates `impl Classify` from the checked rules; every error has been
//! found by `valid.rs` already.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Path, Type};

use super::attr::Fixed;
use super::valid::{Arm, Checked, Verdict};

/// The `impl Classify` for `input`.
pub(crate) fn expand(input: &DeriveInput, checked: Checked<'_>) -> TokenStream {
    let Checked { krate, arms } = checked;
    let mut delegated: Vec<&Type> = Vec::new();
    let arms: Vec<TokenStream> = arms
        .into_iter()
        .map(|a| arm(a, &krate, &mut delegated))
        .collect();

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
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Classify for #name #type_generics #where_clause {
            fn classify(&self) -> #krate::Verdict {
                #body
            }
        }
    }
}

/// One match arm: the pattern and the verdict.
fn arm<'a>(arm: Arm<'a>, krate: &Path, delegated: &mut Vec<&'a Type>) -> TokenStream {
    let path = match arm.variant {
        Some(variant) => quote!(Self::#variant),
        None => quote!(Self),
    };
    match arm.verdict {
        Verdict::Fixed(Fixed {
            transient,
            kind,
            span,
        }) => {
            // The runtime's `Kind` has a variant of each row's Rust name.
            let kind = syn::Ident::new(kind.variant_name(), span);
            let base = if transient {
                quote!(transient)
            } else {
                quote!(permanent)
            };
            quote_spanned! {span=>
                #path { .. } => #krate::Verdict::#base().with_kind(#krate::Kind::#kind),
            }
        }
        Verdict::Source { member, ty } => {
            delegated.push(ty);
            let inner = format_ident!("__classify_source", span = Span::mixed_site());
            // Starting the call with `<Type as ..>` puts a missing-impl error
            // on the field's type.
            let call = quote_spanned!(ty.span()=> <#ty as #krate::Classify>::classify(#inner));
            quote! {
                #path { #member: #inner, .. } => #call,
            }
        }
    }
}
