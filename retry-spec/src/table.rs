//! `name_table!`: an enum whose variants each carry the name users write,
//! with `ALL`, `NAMES`, `name` and `from_name` derived from the one list.

/// Declares `enum $ty` from rows `Variant => "name"`, and derives from the
/// same rows every way of going between a variant and its name, so the
/// list exists once.
macro_rules! name_table {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident {
            $( $(#[$row_meta:meta])* $variant:ident => $name:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $ty {
            $( $(#[$row_meta])* $variant, )+
        }

        impl $ty {
            /// Every row, in the table's order.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            /// Every name, in the order of [`ALL`](Self::ALL).
            pub const NAMES: [&'static str; [$($name),+].len()] = [$($name),+];

            /// The name users write.
            pub const fn name(self) -> &'static str {
                match self {
                    $( $ty::$variant => $name, )+
                }
            }

            /// The variant's Rust name, such as `"MaxAttempts"`: generated
            /// code names the same variant of the runtime's enum with it.
            pub const fn variant_name(self) -> &'static str {
                match self {
                    $( $ty::$variant => stringify!($variant), )+
                }
            }

            /// The row of `name`, if it is one of [`NAMES`](Self::NAMES).
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $name => Some($ty::$variant), )+
                    _ => None,
                }
            }

            /// The names as a message lists them: `"a", "b" or "c"`, each
            /// wrapped in `quote`.
            pub fn listed(quote: &str) -> String {
                let quoted: Vec<String> = Self::NAMES
                    .iter()
                    .map(|name| format!("{quote}{name}{quote}"))
                    .collect();
                match quoted.split_last() {
                    Some((last, [])) => last.clone(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                }
            }
        }

        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
