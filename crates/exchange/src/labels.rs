//! Codes of the controlled lists and the Chinese labels shown in spreadsheets.

use std::collections::HashMap;

use ztc_domain::achievement::IpStatus;
use ztc_domain::vocab::Vocabulary;

/// The lists whose values appear in the spreadsheet, keyed as in the vocabulary.
pub(crate) const LISTS: &[&str] = &[
    "fields",
    "tech_levels",
    "stages",
    "sources",
    "ip_types",
    "cooperation_modes",
    "trl",
];

/// Label ↔ code tables built once per file from the vocabulary.
pub(crate) struct Labels {
    /// (list, normalised code or label) → code.
    to_code: HashMap<(&'static str, String), String>,
    /// (list, code) → label.
    to_label: HashMap<(&'static str, String), String>,
    /// Ordered labels offered in drop-downs, per list.
    options: HashMap<&'static str, Vec<String>>,
}

/// Trims, reads full-width ASCII as ASCII, collapses spaces and lowercases ASCII.
pub(crate) fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.trim().chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

impl Labels {
    pub(crate) fn new(vocab: &Vocabulary) -> Labels {
        let mut l = Labels {
            to_code: HashMap::new(),
            to_label: HashMap::new(),
            options: HashMap::new(),
        };
        for key in LISTS {
            let Some(list) = vocab.list(key) else {
                continue;
            };
            let mut options = Vec::new();
            for item in &list.items {
                let label = match *key {
                    // "1.5 人工智能", "6 系统/分系统原型在模拟使用环境中演示"
                    "fields" | "trl" => format!("{} {}", item.code, item.name),
                    _ => item.name.clone(),
                };
                for alias in [&item.code, &item.name, &label, &item.name_en] {
                    l.to_code
                        .entry((key, normalise(alias)))
                        .or_insert_with(|| item.code.clone());
                }
                l.to_label.insert((key, item.code.clone()), label.clone());
                let offered = *key != "fields" || item.parent_code.is_some();
                if offered {
                    options.push(label);
                }
            }
            l.options.insert(key, options);
        }
        let mut statuses = Vec::new();
        for s in IpStatus::ALL {
            for alias in [s.as_str(), s.label_zh(), s.label_en()] {
                l.to_code
                    .insert(("ip_status", normalise(alias)), s.as_str().to_owned());
            }
            l.to_label.insert(
                ("ip_status", s.as_str().to_owned()),
                s.label_zh().to_owned(),
            );
            statuses.push(s.label_zh().to_owned());
        }
        l.options.insert("ip_status", statuses);
        l.options
            .insert("yes_no", vec!["是".to_owned(), "否".to_owned()]);
        l
    }

    /// The code for a code or label of `list`, if it is one.
    pub(crate) fn code(&self, list: &'static str, value: &str) -> Option<&str> {
        self.to_code
            .get(&(list, normalise(value)))
            .map(String::as_str)
    }

    /// The label of a code; the code itself when the list does not know it.
    pub(crate) fn label<'a>(&'a self, list: &'static str, code: &'a str) -> &'a str {
        self.to_label
            .get(&(list, code.to_owned()))
            .map(String::as_str)
            .unwrap_or(code)
    }

    /// The values offered in the drop-down of a list.
    pub(crate) fn options(&self, list: &str) -> &[String] {
        self.options.get(list).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A technology readiness level: "6", 6, "6级", "TRL 6", "6 系统/…".
    pub(crate) fn trl(&self, value: &str) -> Option<String> {
        if let Some(c) = self.code("trl", value) {
            return Some(c.to_owned());
        }
        let n = normalise(value);
        let n = n.strip_prefix("trl").unwrap_or(&n).trim_start();
        let digits: String = n.chars().take_while(char::is_ascii_digit).collect();
        let rest = &n[digits.len()..];
        let level: u8 = digits.parse().ok()?;
        let rest_ok = rest.is_empty()
            || rest.starts_with(|c: char| !c.is_ascii_digit() && c != '.')
            || rest == ".0";
        ((1..=9).contains(&level) && rest_ok).then(|| level.to_string())
    }
}

/// 是/否 and their usual spellings; `None` for an empty cell, `Err` for anything else.
pub(crate) fn yes_no(value: &str) -> Result<Option<bool>, ()> {
    let v = normalise(value);
    match v.as_str() {
        "" => Ok(None),
        "是" | "y" | "yes" | "1" | "true" | "on" | "√" | "✓" | "✔" | "有" | "对" => {
            Ok(Some(true))
        }
        "否" | "n" | "no" | "0" | "false" | "off" | "×" | "✗" | "无" | "不" | "不是" => {
            Ok(Some(false))
        }
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels::new(&Vocabulary::builtin().expect("vocabulary"))
    }

    #[test]
    fn labels_and_codes() {
        let l = labels();
        assert_eq!(l.label("fields", "1.5"), "1.5 人工智能");
        assert_eq!(l.code("fields", " 1.5 人工智能 "), Some("1.5"));
        assert_eq!(l.code("fields", "人工智能"), Some("1.5"));
        assert_eq!(l.code("fields", "1.5"), Some("1.5"));
        assert_eq!(l.code("fields", "１．５　人工智能"), Some("1.5"));
        assert_eq!(l.code("tech_levels", "国内领先"), Some("domestic_leading"));
        assert_eq!(
            l.code("tech_levels", "domestic_leading"),
            Some("domestic_leading")
        );
        assert_eq!(l.code("ip_status", "已授权"), Some("granted"));
        assert_eq!(l.code("cooperation_modes", "技术许可"), Some("licence"));
        assert_eq!(l.code("tech_levels", "世界第一"), None);
        assert_eq!(l.options("fields").len(), 40, "sub-fields only");
        assert_eq!(l.options("trl").len(), 9);
    }

    #[test]
    fn readiness_levels() {
        let l = labels();
        for (v, want) in [
            ("6", Some("6")),
            ("6级", Some("6")),
            ("TRL 7", Some("7")),
            ("trl9", Some("9")),
            ("6 系统/分系统原型在模拟使用环境中演示", Some("6")),
            ("6.0", Some("6")),
            ("10", None),
            ("0", None),
            ("6.5", None),
            ("六", None),
            ("", None),
        ] {
            assert_eq!(l.trl(v).as_deref(), want, "{v}");
        }
    }

    #[test]
    fn yes_and_no() {
        for v in ["是", "Y", "yes", "1", "TRUE", " 是 "] {
            assert_eq!(yes_no(v), Ok(Some(true)), "{v}");
        }
        for v in ["否", "N", "No", "0", "false"] {
            assert_eq!(yes_no(v), Ok(Some(false)), "{v}");
        }
        assert_eq!(yes_no(""), Ok(None));
        assert_eq!(yes_no("也许"), Err(()));
    }
}
