//! Display language. Chinese is the users' language and the default; English is available.

use serde::{Deserialize, Serialize};

/// A language for names, headers and notification texts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 简体中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

/// Something with a fixed name in each [`Lang`].
pub trait Named {
    /// The name in `lang`.
    fn name(&self, lang: Lang) -> &'static str;
}

/// Implements `Named` and `Display` (Chinese) for a fieldless enum from `Variant => ("中文", "English")` pairs.
macro_rules! named_enum {
    ($ty:ty { $($variant:ident => ($zh:literal, $en:literal)),+ $(,)? }) => {
        impl $crate::model::Named for $ty {
            fn name(&self, lang: $crate::model::Lang) -> &'static str {
                match (self, lang) {
                    $((Self::$variant, $crate::model::Lang::Zh) => $zh,
                      (Self::$variant, $crate::model::Lang::En) => $en,)+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::model::Named::name(self, $crate::model::Lang::Zh))
            }
        }
    };
}
pub(crate) use named_enum;

/// The serde name of a unit enum variant (`checker_is_not_rectifier`), used as a stable code.
pub(crate) fn code_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
