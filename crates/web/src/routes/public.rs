//! Public pages and operational endpoints.

use std::time::Instant;

use askama::Template;
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use ztc_domain::Role;

use crate::AppState;
use crate::ctx::{LANG_COOKIE, Req};
use crate::error::Failure;
use crate::i18n::Lang;
use crate::view::Page;

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    page: Page,
    steps: Vec<(String, String)>,
    roles: Vec<(String, String)>,
}

pub async fn home(req: Req) -> Result<Html<String>, Failure> {
    let steps = (1..=10)
        .map(|i| (format!("home.step{i}"), format!("home.step{i}_desc")))
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| {
            (
                r.label(req.lang.is_en()).to_owned(),
                format!("home.role.{}", r.as_str()),
            )
        })
        .collect();
    Ok(Html(
        Home {
            page: Page::new(&req, "home.title"),
            steps,
            roles,
        }
        .render()?,
    ))
}

#[derive(Deserialize)]
pub struct Next_ {
    next: Option<String>,
}

/// A local path to return to: must start with one `/` (no open redirects).
pub fn safe_next(next: Option<&str>, default: &str) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => default.to_owned(),
    }
}

pub async fn switch_lang(
    req: Req,
    Path(code): Path<String>,
    Query(q): Query<Next_>,
    jar: CookieJar,
) -> Result<(CookieJar, Redirect), Failure> {
    let lang = Lang::parse(&code).ok_or_else(Failure::not_found)?;
    let code = if lang == Lang::En { "en" } else { "zh" };
    let mut cookie = req.cookie(LANG_COOKIE, code.to_owned());
    cookie.set_max_age(time::Duration::days(365));
    Ok((
        jar.add(cookie),
        Redirect::to(&safe_next(q.next.as_deref(), "/")),
    ))
}

pub async fn stylesheet() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

pub async fn search_script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        include_str!("../../static/search.js"),
    )
        .into_response()
}

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Failure::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "not_ready",
                    "数据库暂时不可用",
                ),
            )
                .into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let cache = state.search.cache_stats();
    metrics::gauge!("ztc_search_cache_hits").set(cache.hits as f64);
    metrics::gauge!("ztc_search_cache_misses").set(cache.misses as f64);
    metrics::gauge!("ztc_search_cache_entries").set(cache.entries as f64);
    metrics::gauge!("ztc_search_cache_bytes").set(cache.bytes as f64);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        state.metrics.render(),
    )
        .into_response()
}

pub async fn not_found() -> Failure {
    Failure::not_found()
}

/// Counts requests and their latency by route.
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_must_be_local() {
        use super::safe_next;
        assert_eq!(
            safe_next(Some("/admin/users?page=2"), "/me"),
            "/admin/users?page=2"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(bad), "/me"), "/me", "{bad}");
        }
        assert_eq!(safe_next(None, "/me"), "/me");
    }
}
