//! The JSON API under `/api/v1`, authenticated by session cookie (with
//! `X-CSRF-Token` on changes) or by a personal token (`Authorization: Bearer ztc_…`).
//! Errors are `{"error": code, "message": …, "fields": […]}` with stable codes.
//! The OpenAPI description at `/api/openapi.json` is generated from this module.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use ztc_domain::{AccountStatus, Action, Resource};
use ztc_store::users::Member;
use ztc_store::{audit, orgs, reference, users};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::routes::admin::{AuditQuery, NewUserInput, audit_filter, create_user_from};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route("/api/v1/reference/{vocab}", get(vocabulary))
        .route("/api/v1/regions", get(regions))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/orgs", get(list_orgs))
        .route("/api/v1/audit", get(list_audit))
        .route("/api/v1/achievements", get(crate::api_library::list))
        .route("/api/v1/achievements/{id}", get(crate::api_library::detail))
        .route("/api/v1/demands", get(crate::api_demands::list))
        .route("/api/v1/demands/{id}", get(crate::api_demands::detail))
        .route("/api/v1/search", get(crate::routes::search::api))
        .route(
            "/api/v1/search/suggest",
            get(crate::routes::search::suggest),
        )
}

/// An error body.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    /// Stable machine-readable code, e.g. `forbidden`, `invalid_input`, `username_taken`.
    pub error: String,
    pub message: String,
    pub fields: Vec<ApiFieldError>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiFieldError {
    pub field: Option<String>,
    pub code: String,
    pub message: String,
}

/// An account as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// One of `national_admin`, `szse_partner`, `provincial_admin`, `host`, `agency`, `expert`, `holder`, `enterprise`.
    pub role: String,
    /// `pending`, `active`, `rejected` or `disabled`.
    pub status: String,
    pub org_id: String,
    pub org_name: String,
    pub org_kind: String,
    /// Programme unit (province, 计划单列市 or 兵团) of the organisation.
    pub unit_code: String,
    pub region_code: String,
    pub must_change_password: bool,
}

impl From<&Member> for Account {
    fn from(m: &Member) -> Account {
        Account {
            id: m.user.id.clone(),
            username: m.user.username.clone(),
            display_name: m.user.display_name.clone(),
            role: m.user.role.as_str().into(),
            status: m.user.status.as_str().into(),
            org_id: m.user.org_id.clone(),
            org_name: m.org_name.clone(),
            org_kind: m.org_kind.as_str().into(),
            unit_code: m.unit_code.clone(),
            region_code: m.region_code.clone(),
            must_change_password: m.user.must_change_password,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ListOf<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Serialize, ToSchema)]
pub struct VocabItem {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub parent_code: Option<String>,
    pub extra: std::collections::BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionItem {
    pub code: String,
    pub name: String,
    /// `province` or `city`.
    pub level: String,
    pub parent_code: Option<String>,
    pub unit_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrgItem {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub unit_code: String,
    pub credit_code: Option<String>,
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditItem {
    pub id: String,
    /// Milliseconds since the Unix epoch (UTC).
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub unit_code: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ListParams {
    /// Search in user name, name and organisation.
    pub q: Option<String>,
    /// Account status filter.
    pub status: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page (1–200, default 50).
    pub per_page: Option<i64>,
}

fn per_page(p: Option<i64>) -> i64 {
    p.unwrap_or(50).clamp(1, 200)
}

fn scope(req: &Req, action: Action) -> Result<Option<String>, Failure> {
    let m = req.signed_in()?;
    req.require(
        action,
        &Resource::Unit {
            unit_code: m.unit_code.clone(),
        },
    )?;
    Ok(if m.user.role == ztc_domain::Role::NationalAdmin {
        None
    } else {
        Some(m.unit_code.clone())
    })
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = Account), (status = 401, body = ApiError)),
    security(("token" = []), ("session" = [])))]
pub async fn me(req: Req) -> Result<Json<Account>, Failure> {
    let m = req.require(Action::ViewOwnAccount, &Resource::Site)?;
    Ok(Json(Account::from(m)))
}

/// A controlled list: `fields`, `hightech_domains`, `cooperation_modes`, `trl`, `stages`, `themes`, `ip_types`, `sources`, `tech_levels`, `attributes`, `return_reasons`, `licence_kinds`, `transfer_forms`.
#[utoipa::path(get, path = "/api/v1/reference/{vocab}", tag = "reference",
    params(("vocab" = String, Path, description = "list key")),
    responses((status = 200, body = Vec<VocabItem>), (status = 404, body = ApiError)))]
pub async fn vocabulary(
    State(state): State<AppState>,
    Path(vocab): Path<String>,
) -> Result<Json<Vec<VocabItem>>, Failure> {
    if state.vocab.list(&vocab).is_none() {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            "vocab_unknown",
            "没有这个词表",
        ));
    }
    let items = reference::items(&state.store, &vocab).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|i| VocabItem {
                code: i.code,
                name: i.name,
                name_en: i.name_en,
                parent_code: i.parent_code,
                extra: i.extra,
            })
            .collect(),
    ))
}

/// Administrative regions (GB/T 2260) with their programme units.
#[utoipa::path(get, path = "/api/v1/regions", tag = "reference", responses((status = 200, body = Vec<RegionItem>)))]
pub async fn regions(State(state): State<AppState>) -> Result<Json<Vec<RegionItem>>, Failure> {
    let rs = reference::regions(&state.store).await?;
    Ok(Json(
        rs.into_iter()
            .map(|r| RegionItem {
                code: r.code,
                name: r.name,
                level: r.level,
                parent_code: r.parent_code,
                unit_code: r.unit_code,
            })
            .collect(),
    ))
}

/// Accounts in the caller's scope (its unit; all for the national administrator).
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", params(ListParams),
    responses((status = 200, body = ListOf<Account>), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = []), ("session" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    req: Req,
    Query(p): Query<ListParams>,
) -> Result<Json<ListOf<Account>>, Failure> {
    let unit = scope(&req, Action::ListAccounts)?;
    let status = match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(
            AccountStatus::parse(s)
                .ok_or_else(|| Failure::bad_request("choice_invalid", "未知的账号状态"))?,
        ),
        None => None,
    };
    let q =
        p.q.map(|q| q.trim().chars().take(100).collect::<String>())
            .filter(|q| !q.is_empty());
    let list = users::list(
        &state.store,
        &users::Filter { unit, status, q },
        crate::forms::page_number(p.page),
        per_page(p.per_page),
    )
    .await?;
    Ok(Json(ListOf {
        items: list.items.iter().map(Account::from).collect(),
        total: list.total,
        page: list.page,
        per_page: list.per_page,
    }))
}

/// Creates an account; the user must change the initial password at first sign-in.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = NewUserInput,
    responses((status = 201, body = Account), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("token" = []), ("session" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    req: Req,
    Json(input): Json<NewUserInput>,
) -> Result<Response, Failure> {
    match create_user_from(&state, &req, &input).await? {
        Ok(m) => Ok((StatusCode::CREATED, Json(Account::from(&m))).into_response()),
        Err(inv) => {
            let conflict = inv.0.iter().any(|e| e.code.ends_with("_taken"));
            let mut f = Failure::invalid(inv);
            if conflict {
                f.status = StatusCode::CONFLICT;
                f.code = f
                    .fields
                    .first()
                    .map(|e| e.code.clone())
                    .unwrap_or_else(|| "conflict".into());
            }
            Err(f)
        }
    }
}

/// Organisations in the caller's scope.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "accounts", params(ListParams),
    responses((status = 200, body = ListOf<OrgItem>), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = []), ("session" = [])))]
pub async fn list_orgs(
    State(state): State<AppState>,
    req: Req,
    Query(p): Query<ListParams>,
) -> Result<Json<ListOf<OrgItem>>, Failure> {
    let unit = scope(&req, Action::ListAccounts)?;
    let q =
        p.q.map(|q| q.trim().chars().take(100).collect::<String>())
            .filter(|q| !q.is_empty());
    let list = orgs::list(
        &state.store,
        unit.as_deref(),
        q.as_deref(),
        crate::forms::page_number(p.page),
        per_page(p.per_page),
    )
    .await?;
    let items = list
        .items
        .into_iter()
        .map(|o| OrgItem {
            id: o.id,
            name: o.name,
            kind: o.kind.as_str().into(),
            region_code: o.region_code,
            unit_code: o.unit_code,
            credit_code: o.credit_code,
            status: o.status.as_str().into(),
        })
        .collect();
    Ok(Json(ListOf {
        items,
        total: list.total,
        page: list.page,
        per_page: list.per_page,
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct AuditParams {
    /// The actor's user name contains this.
    pub actor: String,
    pub object_type: String,
    pub object_id: String,
    /// First day, `YYYY-MM-DD` (Asia/Shanghai).
    pub from: String,
    /// Last day, `YYYY-MM-DD` (Asia/Shanghai).
    pub to: String,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The audit trail in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = ListOf<AuditItem>), (status = 400, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = []), ("session" = [])))]
pub async fn list_audit(
    State(state): State<AppState>,
    req: Req,
    Query(p): Query<AuditParams>,
) -> Result<Json<ListOf<AuditItem>>, Failure> {
    let unit = scope(&req, Action::ViewAudit)?;
    let q = AuditQuery {
        actor: p.actor,
        object_type: p.object_type,
        object_id: p.object_id,
        from: p.from,
        to: p.to,
        page: p.page,
    };
    let (filter, bad) = audit_filter(unit, &q);
    if !bad.is_empty() {
        return Err(Failure::bad_request(
            "date_invalid",
            "日期格式应为 年-月-日，例如 2026-01-31",
        ));
    }
    let list = audit::list(
        &state.store,
        &filter,
        crate::forms::page_number(p.page),
        per_page(p.per_page),
    )
    .await?;
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let items = list
        .items
        .into_iter()
        .map(|r| AuditItem {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            unit_code: r.unit_code,
            before: json(r.before_json),
            after: json(r.after_json),
        })
        .collect();
    Ok(Json(ListOf {
        items,
        total: list.total,
        page: list.page,
        per_page: list.per_page,
    }))
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "token",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("ztc_…")
                        .build(),
                ),
            );
            c.add_security_scheme(
                "session",
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("ztc_session"))),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "火炬科技成果直通车 API", description = "Torch Technology Achievement Through-Train platform API. Errors carry a stable `error` code; messages are Chinese unless `Accept-Language: en`."),
    paths(me, vocabulary, regions, list_users, create_user, list_orgs, list_audit, crate::api_library::list, crate::api_library::detail,
        crate::api_demands::list, crate::api_demands::detail,
        crate::routes::search::api, crate::routes::search::suggest),
    components(schemas(ApiError, ApiFieldError, Account, VocabItem, RegionItem, OrgItem, AuditItem, NewUserInput,
        crate::api_library::AchievementItem, crate::api_library::AchievementList, crate::api_library::AchievementDetail,
        crate::api_library::Protected, crate::api_library::IpEntry,
        crate::api_demands::DemandItem, crate::api_demands::DemandList, crate::api_demands::DemandContact,
        crate::routes::search::SearchResults, crate::routes::search::SearchHit,
        crate::routes::search::SearchFacets, crate::routes::search::FacetCount)),
    modifiers(&Security),
    tags((name = "accounts"), (name = "reference"), (name = "audit"), (name = "library"), (name = "demands"), (name = "search"))
)]
pub struct ApiDoc;

pub async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(s) => ([(axum::http::header::CONTENT_TYPE, "application/json")], s).into_response(),
        Err(e) => Failure::internal(e).into_response(),
    }
}
