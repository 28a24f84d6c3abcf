//! The benchmark's ceiling: a bare axum server returning one static page of about the
//! size of the platform's home page, on the same runtime settings. `bench/load` runs
//! it beside `ztc serve` to show what this machine can do at most.
//!
//! Usage: `ceiling 127.0.0.1:PORT`

use axum::Router;
use axum::response::Html;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18090".into());
    let page: &'static str = Box::leak(
        format!("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>ceiling</title></head><body>{}</body></html>", "<p>火炬科技成果直通车</p>".repeat(150))
            .into_boxed_str(),
    );
    let app = Router::new().route("/", get(move || async move { Html(page) }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{addr}");
    axum::serve(listener, app).await
}
