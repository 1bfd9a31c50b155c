//! What the annotated function is: a plain `fn` or `async fn`, or the
//! method `#[async_trait]` has already rewritten (it runs first, on the
//! `impl`), whose body is `Box::pin(async move { .. })` around the user's
//! block. The retry loop goes around the user's block either way.

use syn::spanned::Spanned;
use syn::{
    Block, Expr, ExprAsync, ExprCall, GenericArgument, ItemFn, Local, LocalInit, Pat,
    PathArguments, ReturnType, Stmt, Type, TypeParamBound,
};

/// The function as `#[retry]` sees it.
pub(crate) struct Shape {
    /// Each attempt runs as an `async` block (else a closure).
    pub(crate) is_async: bool,
    /// What one attempt returns: the fn's return type, or the output of
    /// `#[async_trait]`'s boxed future. `None` for a fn returning nothing.
    pub(crate) output: Option<Type>,
    /// Whether the fn has a `self` receiver (a method, named after its type).
    pub(crate) is_method: bool,
    /// Where the user's block is.
    pub(crate) kind: Kind,
}

/// Where the retried block lives.
pub(crate) enum Kind {
    /// The fn's own block.
    Plain,
    /// The initializer of `let __ret: R = { .. };`, statement `ret_at` of
    /// the `async move` block that `#[async_trait]` boxed.
    AsyncTrait { ret_at: usize },
}

impl Shape {
    /// Recognises the function; a boxed future that is not `#[async_trait]`'s
    /// is an error saying what to write instead.
    pub(crate) fn of(item: &ItemFn) -> syn::Result<Self> {
        let sig = &item.sig;
        let is_method = sig.receiver().is_some();
        let output = match &sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some((**ty).clone()),
        };
        let Some(future_output) = output.as_ref().and_then(boxed_future_output) else {
            return Ok(Self {
                is_async: sig.asyncness.is_some(),
                output,
                is_method,
                kind: Kind::Plain,
            });
        };
        match async_trait_ret(&item.block) {
            Some(ret_at) => Ok(Self {
                is_async: true,
                output: Some(future_output.clone()),
                is_method,
                kind: Kind::AsyncTrait { ret_at },
            }),
            None => Err(syn::Error::new(
                output.as_ref().map_or_else(|| sig.span(), Spanned::span),
                "`#[retry]` on a fn returning a boxed future needs the body `#[async_trait]` writes, \
                 `Box::pin(async move { .. })`; write the method as an `async fn` (native, or with \
                 `#[async_trait]` on the `impl`) and put `#[retry]` on it",
            )),
        }
    }

    /// The user's block to retry.
    pub(crate) fn block<'a>(&self, item: &'a ItemFn) -> &'a Block {
        match self.kind {
            Kind::Plain => &item.block,
            Kind::AsyncTrait { ret_at } => {
                let init = async_block(&item.block)
                    .and_then(|block| ret_init(block.block.stmts.get(ret_at)?));
                match init {
                    Some(block) => block,
                    // `of` found it there.
                    None => &item.block,
                }
            }
        }
    }
}

/// `R` of `Pin<Box<dyn Future<Output = R> + ..>>`.
fn boxed_future_output(ty: &Type) -> Option<&Type> {
    let inner = single_argument(ty, "Pin")?;
    let Type::TraitObject(object) = single_argument(inner, "Box")? else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let segment = bound.path.segments.last()?;
        if segment.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
            return None;
        };
        arguments.args.iter().find_map(|argument| match argument {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// `T` of `Name<T>`.
fn single_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    match arguments.args.iter().collect::<Vec<_>>()[..] {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// The `async move` block of a body that is only `Box::pin(async move { .. })`.
fn async_block(body: &Block) -> Option<&ExprAsync> {
    let [Stmt::Expr(Expr::Call(ExprCall { func, args, .. }), None)] = &body.stmts[..] else {
        return None;
    };
    let Expr::Path(func) = &**func else {
        return None;
    };
    let names: Vec<String> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !names.ends_with(&["Box".to_owned(), "pin".to_owned()]) || args.len() != 1 {
        return None;
    }
    match &args[0] {
        Expr::Async(block) if block.capture.is_some() => Some(block),
        _ => None,
    }
}

/// Where `let __ret: R = { .. };` is in the boxed block.
fn async_trait_ret(body: &Block) -> Option<usize> {
    let block = async_block(body)?;
    block
        .block
        .stmts
        .iter()
        .position(|stmt| ret_init(stmt).is_some())
}

/// The block `__ret` is initialized with, if `stmt` is that `let`.
fn ret_init(stmt: &Stmt) -> Option<&Block> {
    let Stmt::Local(Local {
        pat: Pat::Type(typed),
        init:
            Some(LocalInit {
                expr,
                diverge: None,
                ..
            }),
        ..
    }) = stmt
    else {
        return None;
    };
    let Pat::Ident(ident) = &*typed.pat else {
        return None;
    };
    if ident.ident != "__ret" {
        return None;
    }
    match &**expr {
        Expr::Block(block) => Some(&block.block),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn shape(item: &str) -> syn::Result<(Shape, String)> {
        let item: ItemFn = syn::parse_str(item).expect("an item");
        let shape = Shape::of(&item)?;
        let block = shape.block(&item).to_token_stream().to_string();
        Ok((shape, block))
    }

    #[test]
    fn async_trait_methods_are_recognised() {
        let (shape, block) = shape(
            "fn fetch<'life0, 'async_trait>(&'life0 self, id: u64)
                -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<u32, E>> + ::core::marker::Send + 'async_trait>>
            {
                Box::pin(async move {
                    if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<Result<u32, E>> {
                        return __ret;
                    }
                    let __self = self;
                    let id = id;
                    let __ret: Result<u32, E> = { __self.get(id).await };
                    #[allow(unreachable_code)]
                    __ret
                })
            }",
        )
        .expect("recognised");
        assert!(shape.is_async && shape.is_method);
        assert!(matches!(shape.kind, Kind::AsyncTrait { ret_at: 3 }));
        assert_eq!(
            shape
                .output
                .map(|t| t.to_token_stream().to_string())
                .as_deref(),
            Some("Result < u32 , E >")
        );
        assert_eq!(block, "{ __self . get (id) . await }");
    }

    #[test]
    fn plain_fns_are_plain() {
        let (shape, block) = shape("async fn f() -> Result<u8, E> { Ok(1) }").expect("plain");
        assert!(shape.is_async && !shape.is_method);
        assert!(matches!(shape.kind, Kind::Plain));
        assert_eq!(block, "{ Ok (1) }");
    }

    #[test]
    fn another_boxed_future_is_refused() {
        let refused = shape(
            "fn f() -> Pin<Box<dyn Future<Output = Result<u8, E>> + Send>> { Box::pin(ready(Ok(1))) }",
        );
        let message = refused.err().expect("refused").to_string();
        assert!(message.contains("Box::pin(async move"), "{message}");
    }
}
