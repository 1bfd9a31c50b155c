//! Gives the argument of a `when`, `when_ok` or `on_retry` closure written
//! without a type (`when = |e| e.is_timeout()`) the type the engine passes,
//! read from the function's return type. Rust must know a closure argument's type
//! where the closure is written, and nothing before the closure fixes `E`.

use syn::visit_mut::VisitMut;
use syn::{
    Expr, GenericArgument, Pat, PatType, PathArguments, ReturnType, Signature, Type, TypeParamBound,
};

use super::Args;

impl Args {
    /// Annotates the argument of an unannotated `when`, `when_ok` or
    /// `on_retry` closure. Where the type cannot be read from the signature
    /// (an alias such as `io::Result<T>`, an `impl Trait`), the closure is
    /// left as written and the type checker asks for the annotation.
    pub(crate) fn annotate_closures(&mut self, sig: &Signature) {
        let ReturnType::Type(_, output) = &sig.output else {
            return;
        };
        let Some((value, error)) = result_types(output) else {
            return;
        };
        if let Some(when_ok) = &mut self.when_ok
            && !has_impl_trait(value)
        {
            annotate(&mut when_ok.value, syn::parse_quote!(&#value));
        }
        if has_impl_trait(error) {
            return;
        }
        let krate: syn::Path = self
            .krate
            .as_ref()
            .map_or_else(|| syn::parse_quote!(::retry_runtime), |k| k.value.clone());
        if let Some(when) = &mut self.when {
            annotate(&mut when.value, syn::parse_quote!(&#error));
        }
        if let Some(hook) = &mut self.on_retry {
            annotate(
                &mut hook.value,
                syn::parse_quote!(&#krate::__private::RetryEvent<'_, #error>),
            );
        }
    }
}

/// Gives a one-argument closure's untyped argument the type `ty`.
fn annotate(expr: &mut Expr, ty: Type) {
    let closure = match expr {
        Expr::Closure(closure) => closure,
        Expr::Paren(paren) => return annotate(&mut paren.expr, ty),
        Expr::Group(group) => return annotate(&mut group.expr, ty),
        _ => return,
    };
    if closure.inputs.len() != 1 {
        return;
    }
    let input = &mut closure.inputs[0];
    if matches!(input, Pat::Type(_)) {
        return;
    }
    *input = Pat::Type(PatType {
        attrs: Vec::new(),
        pat: Box::new(input.clone()),
        colon_token: Default::default(),
        ty: Box::new(ty),
    });
}

/// The `T` and `E` of a `Result<T, E>` return type, also inside the
/// `Pin<Box<dyn Future<Output = Result<T, E>> + ..>>` that `#[async_trait]`
/// leaves.
fn result_types(ty: &Type) -> Option<(&Type, &Type)> {
    match ty {
        Type::Group(group) => result_types(&group.elem),
        Type::Paren(paren) => result_types(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            let PathArguments::AngleBracketed(generics) = &last.arguments else {
                return None;
            };
            let types: Vec<&Type> = generics
                .args
                .iter()
                .filter_map(|arg| match arg {
                    GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                })
                .collect();
            match (last.ident.to_string().as_str(), types.as_slice()) {
                ("Result", [value, error]) => Some((value, error)),
                ("Pin" | "Box", [inner]) => result_types(inner),
                _ => None,
            }
        }
        Type::TraitObject(object) => object.bounds.iter().find_map(|bound| {
            let TypeParamBound::Trait(bound) = bound else {
                return None;
            };
            let last = bound.path.segments.last()?;
            let PathArguments::AngleBracketed(generics) = &last.arguments else {
                return None;
            };
            if last.ident != "Future" {
                return None;
            }
            generics.args.iter().find_map(|arg| match arg {
                GenericArgument::AssocType(output) if output.ident == "Output" => {
                    result_types(&output.ty)
                }
                _ => None,
            })
        }),
        _ => None,
    }
}

/// Whether `ty` mentions an `impl Trait`, which a closure argument cannot.
fn has_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl VisitMut for Finder {
        fn visit_type_impl_trait_mut(&mut self, _: &mut syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    // syn's read-only visitor is not enabled in the workspace; a copy is cheap.
    let mut finder = Finder(false);
    finder.visit_type_mut(&mut ty.clone());
    finder.0
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;

    fn error_of(ty: &str) -> Option<String> {
        let ty: Type = syn::parse_str(ty).unwrap();
        result_types(&ty).map(|(_, e)| e.to_token_stream().to_string())
    }

    fn value_of(ty: &str) -> Option<String> {
        let ty: Type = syn::parse_str(ty).unwrap();
        result_types(&ty).map(|(t, _)| t.to_token_stream().to_string())
    }

    #[test]
    fn reads_the_value_type() {
        assert_eq!(
            value_of("Result<http::Response<Body>, ApiError>").as_deref(),
            Some("http :: Response < Body >")
        );
        assert_eq!(
            value_of("Pin<Box<dyn Future<Output = Result<u16, ApiError>> + Send + 'async_trait>>")
                .as_deref(),
            Some("u16")
        );
        assert_eq!(value_of("io::Result<u32>"), None);
    }

    #[test]
    fn reads_the_error_type() {
        assert_eq!(
            error_of("Result<u32, ApiError>").as_deref(),
            Some("ApiError")
        );
        assert_eq!(
            error_of("std::result::Result<(), Error<'a>>").as_deref(),
            Some("Error < 'a >")
        );
        assert_eq!(
            error_of(
                "Pin<Box<dyn Future<Output = Result<String, ApiError>> + Send + 'async_trait>>"
            )
            .as_deref(),
            Some("ApiError")
        );
        assert_eq!(error_of("io::Result<u32>"), None);
        assert_eq!(error_of("Option<u32>"), None);
    }

    fn annotated(closure: &str, ty: &str) -> String {
        let mut expr: Expr = syn::parse_str(closure).unwrap();
        annotate(&mut expr, syn::parse_str(ty).unwrap());
        expr.to_token_stream().to_string()
    }

    #[test]
    fn types_only_an_untyped_single_argument() {
        assert_eq!(annotated("|e| e.is_x()", "&E"), "| e : & E | e . is_x ()");
        assert_eq!(annotated("(|_| true)", "&E"), "(| _ : & E | true)");
        assert_eq!(annotated("|e: &F| true", "&E"), "| e : & F | true");
        assert_eq!(annotated("|a, b| true", "&E"), "| a , b | true");
        assert_eq!(annotated("is_transient", "&E"), "is_transient");
    }

    #[test]
    fn impl_trait_errors_are_left_alone() {
        let ty: Type = syn::parse_str("Box<impl std::error::Error>").unwrap();
        assert!(has_impl_trait(&ty));
        let ty: Type = syn::parse_str("Box<dyn std::error::Error>").unwrap();
        assert!(!has_impl_trait(&ty));
    }
}
