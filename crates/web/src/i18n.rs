//! Interface text in Simplified Chinese (default) and English, from the catalogues
//! in `i18n/`. Error codes translate through the `error.<code>` keys.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" | "cn" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }
}

type Catalogue = HashMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalogue) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn load(text: &str) -> Catalogue {
    let mut out = Catalogue::new();
    // The catalogues are compiled in and checked by tests; a parse error shows as keys.
    if let Ok(t) = text.parse::<toml::Table>() {
        flatten("", &t, &mut out);
    }
    out
}

pub const ZH_SOURCE: &str = include_str!("../i18n/zh-CN.toml");
pub const EN_SOURCE: &str = include_str!("../i18n/en.toml");

static ZH: LazyLock<Catalogue> = LazyLock::new(|| load(ZH_SOURCE));
static EN: LazyLock<Catalogue> = LazyLock::new(|| load(EN_SOURCE));

/// The text for `key` in `lang`, falling back to Chinese, then to the key itself.
pub fn t(lang: Lang, key: &str) -> &str {
    let hit = match lang {
        Lang::En => EN.get(key).or_else(|| ZH.get(key)),
        Lang::Zh => ZH.get(key),
    };
    hit.map(String::as_str).unwrap_or(key)
}

/// The message for an error code, if the catalogue has one.
pub fn error_message(lang: Lang, code: &str) -> Option<&'static str> {
    let key = format!("error.{code}");
    let cat: &'static Catalogue = match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    };
    cat.get(&key).map(String::as_str)
}

pub fn keys(lang: Lang) -> Vec<String> {
    let cat: &Catalogue = match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    };
    let mut k: Vec<String> = cat.keys().cloned().collect();
    k.sort();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_parse_and_have_the_same_keys() {
        assert!(ZH_SOURCE.parse::<toml::Table>().is_ok());
        assert!(EN_SOURCE.parse::<toml::Table>().is_ok());
        assert_eq!(keys(Lang::Zh), keys(Lang::En));
        assert!(keys(Lang::Zh).len() > 50);
    }

    #[test]
    fn every_key_used_in_templates_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let zh = keys(Lang::Zh);
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            // Calls look like `page.t("key")` or `{{ t("key") }}`.
            let calls = text
                .split(".t(\"")
                .skip(1)
                .chain(text.split("{ t(\"").skip(1));
            for part in calls {
                if let Some(key) = part.split('"').next()
                    && !zh.iter().any(|k| k == key)
                {
                    missing.push(format!("{}: {key}", entry.path().display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing catalogue keys: {missing:#?}");
    }

    #[test]
    fn english_falls_back_to_chinese_then_key() {
        assert_eq!(t(Lang::Zh, "nav.home"), "首页");
        assert_eq!(t(Lang::En, "nav.home"), "Home");
        assert_eq!(t(Lang::En, "no.such.key"), "no.such.key");
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
