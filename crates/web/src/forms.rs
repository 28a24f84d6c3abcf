//! Helpers shared by form pages: error lists, option lists and pagers.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use ztc_domain::{FieldError, Invalid, OrgKind};

use crate::error::field_message;
use crate::i18n::Lang;

/// Field errors, ready for a template.
#[derive(Debug, Clone, Default)]
pub struct Errors {
    pub lang: Lang,
    pub items: Vec<FieldError>,
    pub list: Vec<String>,
}

impl Errors {
    pub fn new(lang: Lang, inv: &Invalid) -> Errors {
        let list = inv.0.iter().map(|e| field_message(lang, e)).collect();
        Errors {
            lang,
            items: inv.0.clone(),
            list,
        }
    }

    pub fn none(lang: Lang) -> Errors {
        Errors {
            lang,
            ..Errors::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The message for one field, or an empty string.
    pub fn get(&self, field: &str) -> String {
        self.items
            .iter()
            .find(|e| e.field.as_deref() == Some(field))
            .map(|e| field_message(self.lang, e))
            .unwrap_or_default()
    }
}

/// A rendered page with a status; marked so the error renderer leaves it alone.
pub fn page(status: StatusCode, html: String) -> Response {
    let mut r = (status, Html(html)).into_response();
    if status.is_client_error() {
        r.extensions_mut().insert(crate::error::RenderedMarker);
    }
    r
}

/// `(code, label)` options for organisation kinds.
pub fn kind_options(lang: Lang, kinds: impl Iterator<Item = OrgKind>) -> Vec<(String, String)> {
    kinds
        .map(|k| (k.as_str().to_owned(), k.label(lang.is_en()).to_owned()))
        .collect()
}

/// `(code, "省 · 市")` options for regions, optionally limited to one unit.
pub fn region_options(
    vocab: &ztc_domain::vocab::Vocabulary,
    lang: Lang,
    unit: Option<&str>,
) -> Vec<(String, String)> {
    let province = |code: &Option<String>| {
        code.as_ref()
            .and_then(|c| vocab.region(c))
            .map(|r| r.name.clone())
            .unwrap_or_default()
    };
    vocab
        .regions
        .iter()
        .filter(|r| unit.is_none_or(|u| r.unit_code == u))
        .map(|r| {
            let label = if r.level == "province" {
                r.name.clone()
            } else {
                format!("{} · {}", province(&r.parent_code), r.name)
            };
            let _ = lang;
            (r.code.clone(), label)
        })
        .collect()
}

/// Links to the previous and next page of a list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the path with the other query parameters (already encoded).
    pub fn new<T>(p: &ztc_store::orgs::Page<T>, base: &str) -> Pager {
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = |n: i64| format!("{base}{sep}page={n}");
        Pager {
            page: p.page,
            pages: p.pages(),
            total: p.total,
            prev: (p.page > 1).then(|| link(p.page - 1)),
            next: (p.page < p.pages()).then(|| link(p.page + 1)),
        }
    }
}

/// Encodes query parameters, skipping empty ones.
pub fn query(path: &str, params: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
    }
    let q = ser.finish();
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
}

/// A page number from a query string: at least 1, at most a sane bound.
pub fn page_number(p: Option<i64>) -> i64 {
    p.unwrap_or(1).clamp(1, 1_000_000)
}
