//! The one error type of the web layer, and the middleware that renders it.
//!
//! Policy: a handler returns `Result<_, Failure>`. A user's mistake is a 4xx with a
//! stable `code` and a clear Chinese message (English when chosen); our own faults
//! are a 500 whose cause is logged, never shown. [`render`] turns a failure — and any
//! bare 4xx/5xx from extractors or the router — into a page for browsers or JSON
//! (`{"error": code, "message": …, "fields": […]}`) under `/api`.

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use ztc_domain::{FieldError, Invalid};
use ztc_store::StoreError;

use crate::i18n::{self, Lang};

#[derive(Debug, Clone)]
pub struct Failure {
    pub status: StatusCode,
    pub code: String,
    /// Chinese message; English comes from the catalogue by `code` when available.
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl Failure {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            code: code.to_owned(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn not_found() -> Failure {
        Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "您要找的页面或记录不存在",
        )
    }

    pub fn forbidden() -> Failure {
        Failure::new(StatusCode::FORBIDDEN, "forbidden", "您没有权限执行此操作")
    }

    pub fn login_required() -> Failure {
        Failure::new(StatusCode::UNAUTHORIZED, "login_required", "请先登录")
    }

    pub fn password_change_required() -> Failure {
        Failure::new(
            StatusCode::FORBIDDEN,
            "password_change_required",
            "请先修改临时密码",
        )
    }

    pub fn csrf() -> Failure {
        Failure::new(
            StatusCode::FORBIDDEN,
            "csrf_invalid",
            "页面已过期或请求来源无法确认，请刷新页面后重试",
        )
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn invalid(inv: Invalid) -> Failure {
        let message = inv.to_string();
        Failure {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_input".into(),
            message,
            fields: inv.0,
        }
    }

    /// Our own fault: logged with its cause, shown as a plain apology.
    pub fn internal(cause: impl std::fmt::Display) -> Failure {
        tracing::error!(%cause, "internal error");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后再试；问题已记录",
        )
    }

    fn generic(status: StatusCode) -> Failure {
        let (code, msg) = match status.as_u16() {
            400 => ("bad_request", "请求格式不正确"),
            401 => ("login_required", "请先登录"),
            403 => ("forbidden", "您没有权限执行此操作"),
            404 => ("not_found", "您要找的页面或记录不存在"),
            405 => ("method_not_allowed", "不支持这种请求方式"),
            408 => ("timeout", "请求超时，请重试"),
            413 => ("payload_too_large", "提交的内容过大"),
            415 => ("unsupported_media_type", "不支持提交的内容类型"),
            422 => ("invalid_input", "提交的内容格式不正确"),
            429 => ("too_many_requests", "请求过于频繁，请稍后再试"),
            s if s >= 500 => ("internal", "服务器内部错误，请稍后再试；问题已记录"),
            _ => ("bad_request", "请求无法处理"),
        };
        Failure::new(status, code, msg)
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.message.clone(),
            Lang::En if !self.fields.is_empty() => self
                .fields
                .iter()
                .map(|f| field_message(lang, f))
                .collect::<Vec<_>>()
                .join("; "),
            Lang::En => i18n::error_message(lang, &self.code)
                .map(str::to_owned)
                .unwrap_or_else(|| self.message.clone()),
        }
    }
}

/// A field error's message in `lang` (English from the catalogue when it has one).
pub fn field_message(lang: Lang, f: &FieldError) -> String {
    match lang {
        Lang::Zh => f.message.clone(),
        Lang::En => i18n::error_message(lang, &f.code)
            .map(str::to_owned)
            .unwrap_or_else(|| f.message.clone()),
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::Conflict { code, message } => {
                Failure::new(StatusCode::CONFLICT, code, message)
            }
            StoreError::Stale => Failure::new(
                StatusCode::CONFLICT,
                "stale",
                "该记录已被他人修改，请刷新页面后重试",
            ),
            StoreError::NotFound => Failure::not_found(),
            other => Failure::internal(other),
        }
    }
}

impl From<Invalid> for Failure {
    fn from(inv: Invalid) -> Failure {
        Failure::invalid(inv)
    }
}

impl From<askama::Error> for Failure {
    fn from(e: askama::Error) -> Failure {
        Failure::internal(e)
    }
}

/// Marker: the response body was already rendered by us.
#[derive(Clone, Copy)]
pub struct RenderedMarker;

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut r = self.status.into_response();
        r.extensions_mut().insert(self);
        r
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: Lang,
    status: u16,
    message: &'a str,
}

impl ErrorPage<'_> {
    fn t<'a>(&self, key: &'a str) -> &'a str {
        i18n::t(self.lang, key)
    }
}

/// The language a request asks for: the `ztc_lang` cookie, else (for the API)
/// `Accept-Language`, else Chinese.
pub fn request_lang(headers: &axum::http::HeaderMap, api: bool) -> Lang {
    let jar = axum_extra::extract::cookie::CookieJar::from_headers(headers);
    if let Some(l) = jar.get("ztc_lang").and_then(|c| Lang::parse(c.value())) {
        return l;
    }
    if api
        && let Some(al) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        && al.trim_start().to_ascii_lowercase().starts_with("en")
    {
        return Lang::En;
    }
    Lang::Zh
}

/// Renders failures and bare error statuses.
pub async fn render(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let api = path.starts_with("/api/");
    let lang = request_lang(req.headers(), api);
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.extensions().get::<RenderedMarker>().is_some()
    {
        return res;
    }
    let failure = res
        .extensions()
        .get::<Failure>()
        .cloned()
        .unwrap_or_else(|| Failure::generic(status));
    let mut out = if api {
        let body = serde_json::json!({
            "error": failure.code,
            "message": failure.message(lang),
            "fields": failure.fields.iter().map(|f| serde_json::json!({
                "field": f.field, "code": f.code, "message": field_message(lang, f)
            })).collect::<Vec<_>>(),
        });
        (status, axum::Json(body)).into_response()
    } else if status == StatusCode::UNAUTHORIZED {
        let here = match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let next = percent_encoding::utf8_percent_encode(&here, percent_encoding::NON_ALPHANUMERIC);
        Redirect::to(&format!("/login?next={next}")).into_response()
    } else if failure.code == "password_change_required" {
        Redirect::to("/me/password").into_response()
    } else {
        let msg = failure.message(lang);
        let page = ErrorPage {
            lang,
            status: status.as_u16(),
            message: &msg,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, msg).into_response(),
        }
    };
    if let Some(v) = res.headers().get(header::RETRY_AFTER) {
        out.headers_mut().insert(header::RETRY_AFTER, v.clone());
    }
    out.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    out.extensions_mut().insert(RenderedMarker);
    out
}
