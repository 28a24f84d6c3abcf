//! The web layer: an axum router with server-rendered pages (askama, auto-escaped),
//! a JSON API under `/api/v1` with its OpenAPI description, and the middleware that
//! every request passes (request id, tracing, security headers, error rendering,
//! session and CSRF, metrics).
//!
//! Handlers stay thin: parse, ask the policy through [`ctx::Req::require`], call
//! `ztc_store`, render.

pub mod api;
pub mod api_demands;
pub mod api_library;
pub mod batch;
pub mod config;
pub mod ctx;
pub mod demo;
pub mod demo_demands;
pub mod demo_library;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod indexer;
pub mod mailer;
pub mod routes;
pub mod view;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use ztc_domain::vocab::Vocabulary;
use ztc_store::Store;

pub use config::{Secret, Settings};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub metrics: PrometheusHandle,
    pub vocab: Arc<Vocabulary>,
    /// Attachment files (`data_dir/files` on local disk).
    pub files: ztc_store::files::Files,
    /// Admission for batch imports (one per account, two per process).
    pub imports: batch::Slots,
    /// This process's search index (`data_dir/index`), following the outbox.
    pub search: Arc<ztc_search::Index>,
    /// Searches running at once (two per core, so that cores stay busy while
    /// answers are written out); the others wait in turn. First come, first
    /// served keeps a slow query from stretching every other one, as running
    /// fifty at once on two cores did (bench/search-http: p99 150 → 45 ms).
    pub searches: Arc<tokio::sync::Semaphore>,
}

/// The process-wide metrics recorder (installed once; tests build many apps).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ])
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed; the handle still renders ours.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// A running application's parts, built from settings (the CLI) or a store (tests).
pub struct App {
    pub state: AppState,
}

impl App {
    /// Opens the store named by `settings`, applies migrations and builds the state.
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        let store = Store::connect(&settings.database_url()).await?;
        store.migrate().await?;
        App::with_store(store, settings)
    }

    pub fn with_store(store: Store, settings: Settings) -> anyhow::Result<App> {
        let vocab = Vocabulary::builtin()?;
        let files = ztc_store::files::Files::local(&settings.data_dir.join("files"))?;
        let options = ztc_search::Options {
            cache_bytes: u64::from(settings.search_cache_mb) << 20,
            ..ztc_search::Options::default()
        };
        let search = ztc_search::Index::open_with(&settings.data_dir.join("index"), options)
            .map_err(|e| {
            anyhow::anyhow!(
                "无法打开搜索索引 {}（是否已有另一个 ztc 进程在使用同一数据目录？）/ cannot open the search index: {e}",
                settings.data_dir.join("index").display()
            )
        })?;
        let state = AppState {
            store,
            settings: Arc::new(settings),
            metrics: metrics_handle(),
            vocab: Arc::new(vocab),
            files,
            imports: batch::Slots::new(2),
            search: Arc::new(search),
            searches: Arc::new(tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, usize::from),
            )),
        };
        Ok(App { state })
    }

    pub fn router(&self) -> Router {
        router(self.state.clone())
    }
}

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// The whole router with its middleware.
pub fn router(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    let mut app = routes::routes()
        .merge(api::routes())
        .route_layer(axum::middleware::from_fn(routes::public::track_metrics))
        .fallback(routes::public::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ctx::load,
        ))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(error::render))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ));
    for (name, value) in headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    app.layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}
