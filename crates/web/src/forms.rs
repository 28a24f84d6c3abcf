//! Helpers shared by form pages: error lists, option lists and pagers.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use ztc_domain::{CreditCode, FieldError, Invalid, OrgKind};

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
    unit: Option<&str>,
) -> Vec<(String, String)> {
    vocab
        .regions
        .iter()
        .filter(|r| unit.is_none_or(|u| r.unit_code == u))
        .map(|r| (r.code.clone(), region_label(vocab, &r.code)))
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

/// The credit code of an organisation form: required for the demand side (enterprises,
/// parks, investors), optional otherwise, always checked when given.
pub fn credit_code(inv: &mut Invalid, kind: Option<OrgKind>, input: &str) -> Option<CreditCode> {
    if input.trim().is_empty() {
        if kind.is_some_and(OrgKind::is_demand_side) {
            inv.push(
                FieldError::new(
                    "credit_code_required",
                    "企业、园区和投资机构须填写统一社会信用代码",
                )
                .on("credit_code"),
            );
        }
        return None;
    }
    inv.check(CreditCode::parse(input).map_err(|e| e.on("credit_code")))
}

/// A region's readable name: "省 · 市", or the province alone for placeholder
/// city rows of the municipalities (市辖区, 县).
pub fn region_label(vocab: &ztc_domain::vocab::Vocabulary, code: &str) -> String {
    let Some(r) = vocab.region(code) else {
        return code.to_owned();
    };
    let parent = r.parent_code.as_deref().and_then(|p| vocab.region(p));
    match parent {
        Some(p) if matches!(r.name.as_str(), "市辖区" | "县") => p.name.clone(),
        Some(p) => format!("{} · {}", p.name, r.name),
        None => r.name.clone(),
    }
}

/// A multipart form read whole: its one file (name and bytes) and its text fields.
#[derive(Debug, Default)]
pub struct Upload {
    pub file: Option<(String, Vec<u8>)>,
    pub fields: std::collections::HashMap<String, String>,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// Why a multipart form could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadError {
    /// Larger than the route's body limit.
    TooLarge,
    /// Cut off, or not multipart at all.
    Broken,
}

impl UploadError {
    /// The stable code (also the i18n key suffix under `error.`).
    pub fn code(self) -> &'static str {
        match self {
            UploadError::TooLarge => "file_too_large",
            UploadError::Broken => "upload_broken",
        }
    }
}

/// Reads a multipart body: the field named `file` as the file, every other field as
/// text. Call it only after the request is authorised, so nobody else's body is read.
pub async fn read_upload(request: axum::extract::Request) -> Result<Upload, UploadError> {
    use axum::extract::{FromRequest, Multipart};
    let too_large =
        |e: &axum::extract::multipart::MultipartError| e.status() == StatusCode::PAYLOAD_TOO_LARGE;
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|_| UploadError::Broken)?;
    let mut upload = Upload::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(upload),
            Err(e) if too_large(&e) => return Err(UploadError::TooLarge),
            Err(_) => return Err(UploadError::Broken),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            match field.bytes().await {
                Ok(b) => upload.file = Some((file_name, b.to_vec())),
                Err(e) if too_large(&e) => return Err(UploadError::TooLarge),
                Err(_) => return Err(UploadError::Broken),
            }
        } else {
            match field.text().await {
                Ok(t) => {
                    upload.fields.insert(name, t);
                }
                Err(e) if too_large(&e) => return Err(UploadError::TooLarge),
                Err(_) => return Err(UploadError::Broken),
            }
        }
    }
}

/// A form body read with `serde_html_form` (repeated keys become lists), refused
/// with a clear message when it is not a form.
pub struct HtmlForm<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for HtmlForm<T> {
    type Rejection = crate::error::Failure;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| {
                crate::error::Failure::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "提交的内容过大",
                )
            })?;
        serde_html_form::from_bytes(&body)
            .map(HtmlForm)
            .map_err(|_| crate::error::Failure::bad_request("bad_request", "提交的表单格式不正确"))
    }
}
