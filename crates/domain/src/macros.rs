//! Small macros shared by the domain types.

/// A closed list of values with a stable code, Chinese and English labels.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Stable code stored in the database and used in the API.
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh),+ } }
            pub fn label_en(self) -> &'static str { match self { $($name::$variant => $en),+ } }
            pub fn label(self, lang_en: bool) -> &'static str {
                if lang_en { self.label_en() } else { self.label_zh() }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
