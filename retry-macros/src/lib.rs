//! The `#[retry]` attribute and `#[derive(Classify)]`. Use them through
//! `retry-runtime`, which re-exports both and documents them there (every
//! key, with examples compiled as its doctests).
//!
//! Three stages, one file each: `attr` parses the arguments, `valid`
//! checks them against each other and the function, `expand` generates the
//! retry loop. Errors are spanned on the user's tokens, and the original
//! function is still emitted beside them so the rest of the crate keeps
//! compiling.

// Panics on user input are bugs: no unwrap outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod attr;
mod classify;
mod expand;
mod hedge;
mod shape;
mod valid;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;

/// Implemented in `retry-macros`; depend on `retry-runtime`, which
/// re-exports it and carries its reference.
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = TokenStream2::from(item);
    match build(args.into(), item.clone()) {
        Ok(expanded) => expanded.into(),
        Err(error) => {
            let mut out = error.to_compile_error();
            out.extend(item);
            out.into()
        }
    }
}

/// Implemented in `retry-macros`; depend on `retry-runtime`, which
/// re-exports it and carries its reference.
#[proc_macro_derive(Classify, attributes(classify))]
pub fn derive_classify(input: TokenStream) -> TokenStream {
    classify::derive(input.into()).into()
}

fn build(args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let function: syn::ItemFn = syn::parse2(item.clone()).map_err(|e| misplaced(item, e))?;
    let shape = shape::Shape::of(&function)?;
    let mut args = attr::Args::parse(args)?;
    args.annotate_closures(&function.sig);
    valid::check(&args, &function, &shape)?;
    Ok(expand::expand(&args, function, &shape))
}

/// Says where `#[retry]` goes, for an item that is not a fn with a body.
fn misplaced(item: TokenStream2, error: syn::Error) -> syn::Error {
    let (span, message) = if let Ok(item) = syn::parse2::<syn::ItemImpl>(item.clone()) {
        (
            item.impl_token.span,
            "`#[retry]` goes on each method to retry, not on the `impl`: move it onto the `fn` \
             (with `#[async_trait]`, keep that on the `impl` and put `#[retry]` on the method)",
        )
    } else if let Ok(item) = syn::parse2::<syn::ItemTrait>(item.clone()) {
        (
            item.trait_token.span,
            "`#[retry]` goes on a method with a body, in an `impl` of the trait, not on the trait",
        )
    } else if let Ok(item) = syn::parse2::<syn::TraitItemFn>(item) {
        (
            item.sig.ident.span(),
            "`#[retry]` needs the method's body: put it on the method in the `impl`, not on its \
             declaration in the trait",
        )
    } else {
        (
            error.span(),
            "`#[retry]` applies to a function with a body (`fn` or `async fn`, free or in an `impl`)",
        )
    };
    syn::Error::new(span, message)
}
