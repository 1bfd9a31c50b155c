//! `#[derive(Classify)]` in three stages, as `#[retry]`: `attr` parses
//! `#[classify(...)]`, `valid` checks the rules against the type, `expand`
//! writes the impl.

mod attr;
mod expand;
mod valid;

use proc_macro2::TokenStream;
use quote::quote;

/// The derive's output, or its errors as compile errors beside a stand-in
/// impl, so uses of the type elsewhere do not pile up follow-on errors.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    match valid::check(&input) {
        Ok(checked) => expand::expand(&input, checked),
        Err(error) => stand_in(&input, error),
    }
}

/// The errors, beside an impl that classifies everything as permanent.
fn stand_in(input: &syn::DeriveInput, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let name = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let krate = attr::parse(&input.attrs)
        .ok()
        .and_then(|found| found.krate)
        .unwrap_or_else(|| syn::parse_quote!(::retry_runtime));
    quote! {
        #errors
        impl #impl_generics #krate::Classify for #name #type_generics #where_clause {
            fn classify(&self) -> #krate::Verdict {
                #krate::Verdict::permanent()
            }
        }
    }
}
