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
    let function: syn::ItemFn = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "`#[retry]` applies to a function with a body (`fn` or `async fn`, free or in an `impl`)",
        )
    })?;
    let mut args = attr::Args::parse(args)?;
    args.annotate_closures(&function.sig);
    valid::check(&args, &function)?;
    Ok(expand::expand(&args, function))
}
