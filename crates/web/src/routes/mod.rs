//! Page routes, one module per area. [`ROUTES`] lists every route the application
//! serves (pages and API); the permission-matrix test walks it, and a test checks
//! that it matches the `.route(…)` calls in the source.

pub mod admin;
pub mod answers;
pub mod attachments;
pub mod auth;
pub mod demands;
pub mod follow;
pub mod import;
pub mod interests;
pub mod library;
pub mod matching;
pub mod me;
pub mod public;
pub mod review;
pub mod search;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(public::home))
        .route("/lang/{code}", get(public::switch_lang))
        .route("/static/app.css", get(public::stylesheet))
        .route("/static/search.js", get(public::search_script))
        .route("/healthz", get(public::healthz))
        .route("/readyz", get(public::readyz))
        .route("/metrics", get(public::metrics))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/register", get(auth::register_form).post(auth::register))
        .route("/achievements", get(library::library).post(library::create))
        .route("/achievements/new", get(library::new_form))
        .route("/search", get(search::page))
        .route("/search/suggest", get(search::suggest))
        .route("/achievements/export.xlsx", get(import::library_export))
        .route(
            "/achievements/{id}",
            get(library::detail).post(library::update),
        )
        .route("/achievements/{id}/edit", get(library::edit_form))
        .route("/library/mine", get(library::mine))
        .route("/library/mine/export.xlsx", get(import::export))
        .route("/import/template.xlsx", get(import::template))
        .route(
            "/import",
            get(import::form)
                .post(import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(import::IMPORT_LIMIT)),
        )
        .route("/import/{id}/confirm", post(import::confirm))
        .route("/import/{id}/cancel", post(import::cancel))
        .route("/achievements/{id}/versions", get(library::versions))
        .route("/achievements/{id}/review", post(review::decide))
        .route(
            "/achievements/{id}/attachments",
            post(attachments::upload).layer(axum::extract::DefaultBodyLimit::max(
                attachments::UPLOAD_LIMIT,
            )),
        )
        .route("/achievements/{id}/videos", post(attachments::add_video))
        .route("/attachments/{id}", get(attachments::download))
        .route("/attachments/{id}/delete", post(attachments::remove))
        .route("/achievements/{id}/services", post(review::record_service))
        .route("/review", get(review::queue))
        .route("/evaluations", get(review::assignments))
        .route(
            "/evaluations/{id}",
            get(review::evaluation_form).post(review::submit_evaluation),
        )
        .route("/me", get(me::home))
        .route(
            "/me/password",
            get(auth::password_form).post(auth::change_password),
        )
        .route("/me/tokens", get(me::tokens).post(me::create_token))
        .route("/me/tokens/{id}/revoke", post(me::revoke_token))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/new", get(admin::new_user))
        .route(
            "/admin/users/{id}/reset-password",
            post(admin::reset_password),
        )
        .route("/admin/users/{id}/status", post(admin::set_status))
        .route("/admin/registrations", get(admin::registrations))
        .route("/admin/registrations/{id}/approve", post(admin::approve))
        .route("/admin/registrations/{id}/reject", post(admin::reject))
        .route("/admin/orgs", get(admin::orgs).post(admin::create_org))
        .route("/admin/orgs/new", get(admin::new_org))
        .route("/admin/orgs/{id}/verifier", post(admin::set_verifier))
        .route("/admin/reference", get(admin::reference))
        .route("/admin/search-terms", post(admin::add_term))
        .route("/admin/search-terms/remove", post(admin::remove_term))
        .route("/admin/audit", get(admin::audit))
        .route("/demands", get(demands::list).post(demands::create))
        .route("/demands/new", get(demands::new_form))
        .route("/demands/mine", get(demands::mine))
        .route("/demands/review", get(demands::review_queue))
        .route("/demands/{id}", get(demands::detail).post(demands::update))
        .route("/demands/{id}/edit", get(demands::edit_form))
        .route("/demands/{id}/review", post(demands::decide))
        .route("/demands/{id}/status", post(demands::owner_action))
        .route("/demands/{id}/answers", post(answers::submit))
        .route("/answers/{id}/decision", post(answers::decide))
        .route("/achievements/{id}/interest", post(interests::express))
        .route("/interests", get(interests::list))
        .route("/interests/{id}", get(interests::detail))
        .route("/interests/{id}/decision", post(interests::decide))
        .route("/interests/{id}/messages", post(interests::post_message))
        .route(
            "/me/follow",
            get(follow::follow_form).post(follow::save_follow),
        )
        .route("/me/digests", get(follow::digest_list))
        .route("/me/digests/{id}", get(follow::digest_detail))
        .route(
            "/unsubscribe/{token}",
            get(follow::unsubscribe_page).post(follow::unsubscribe),
        )
        .route("/admin/mail", get(follow::outbox))
        .route("/admin/mail/{id}/retry", post(follow::retry_mail))
        .route(
            "/admin/windows",
            get(demands::windows_page).post(demands::create_window),
        )
}

/// Every (method, path) the application serves.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/lang/{code}"),
    ("GET", "/static/app.css"),
    ("GET", "/static/search.js"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/register"),
    ("POST", "/register"),
    ("GET", "/achievements"),
    ("POST", "/achievements"),
    ("GET", "/achievements/new"),
    ("GET", "/search"),
    ("GET", "/search/suggest"),
    ("GET", "/achievements/export.xlsx"),
    ("GET", "/achievements/{id}"),
    ("POST", "/achievements/{id}"),
    ("GET", "/achievements/{id}/edit"),
    ("GET", "/library/mine"),
    ("GET", "/library/mine/export.xlsx"),
    ("GET", "/import/template.xlsx"),
    ("GET", "/import"),
    ("POST", "/import"),
    ("POST", "/import/{id}/confirm"),
    ("POST", "/import/{id}/cancel"),
    ("GET", "/achievements/{id}/versions"),
    ("POST", "/achievements/{id}/review"),
    ("POST", "/achievements/{id}/attachments"),
    ("POST", "/achievements/{id}/videos"),
    ("GET", "/attachments/{id}"),
    ("POST", "/attachments/{id}/delete"),
    ("POST", "/achievements/{id}/services"),
    ("GET", "/review"),
    ("GET", "/evaluations"),
    ("GET", "/evaluations/{id}"),
    ("POST", "/evaluations/{id}"),
    ("GET", "/me"),
    ("GET", "/me/password"),
    ("POST", "/me/password"),
    ("GET", "/me/tokens"),
    ("POST", "/me/tokens"),
    ("POST", "/me/tokens/{id}/revoke"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/{id}/reset-password"),
    ("POST", "/admin/users/{id}/status"),
    ("GET", "/admin/registrations"),
    ("POST", "/admin/registrations/{id}/approve"),
    ("POST", "/admin/registrations/{id}/reject"),
    ("GET", "/admin/orgs"),
    ("POST", "/admin/orgs"),
    ("GET", "/admin/orgs/new"),
    ("POST", "/admin/orgs/{id}/verifier"),
    ("GET", "/admin/reference"),
    ("POST", "/admin/search-terms"),
    ("POST", "/admin/search-terms/remove"),
    ("GET", "/admin/audit"),
    ("GET", "/demands"),
    ("POST", "/demands"),
    ("GET", "/demands/new"),
    ("GET", "/demands/mine"),
    ("GET", "/demands/review"),
    ("GET", "/demands/{id}"),
    ("POST", "/demands/{id}"),
    ("GET", "/demands/{id}/edit"),
    ("POST", "/demands/{id}/review"),
    ("POST", "/demands/{id}/status"),
    ("POST", "/demands/{id}/answers"),
    ("POST", "/answers/{id}/decision"),
    ("POST", "/achievements/{id}/interest"),
    ("GET", "/interests"),
    ("GET", "/interests/{id}"),
    ("POST", "/interests/{id}/decision"),
    ("POST", "/interests/{id}/messages"),
    ("GET", "/me/follow"),
    ("POST", "/me/follow"),
    ("GET", "/me/digests"),
    ("GET", "/me/digests/{id}"),
    ("GET", "/unsubscribe/{token}"),
    ("POST", "/unsubscribe/{token}"),
    ("GET", "/admin/mail"),
    ("POST", "/admin/mail/{id}/retry"),
    ("GET", "/admin/windows"),
    ("POST", "/admin/windows"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/reference/{vocab}"),
    ("GET", "/api/v1/regions"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/orgs"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/achievements"),
    ("GET", "/api/v1/achievements/{id}"),
    ("GET", "/api/v1/demands"),
    ("GET", "/api/v1/demands/{id}"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/search/suggest"),
];
