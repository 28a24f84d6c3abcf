//! Technology demands in the JSON API: the public list of published demands, and
//! one demand — its public part for everyone, the contact only for the enterprise
//! itself and its reviewers.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use ztc_domain::Action;
use ztc_store::demands::{self, Demand};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::routes::demands::{ListQuery, public_filter, visible};

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct DemandParams {
    /// In the title or the keywords.
    pub q: Option<String>,
    /// Industry code (1–9) of the strategic emerging industry classification.
    pub field: Option<String>,
    /// Programme unit code of the enterprise.
    pub unit: Option<String>,
    /// Cooperation mode code, e.g. `joint_development`.
    pub mode: Option<String>,
    /// `true`: only demands whose deadline has not passed.
    pub open: Option<bool>,
    pub page: Option<i64>,
    /// 1–100, default 20.
    pub per_page: Option<i64>,
}

/// A technology demand.
#[derive(Serialize, ToSchema)]
pub struct DemandItem {
    pub id: String,
    /// `published` in the public list; other states only for those who manage it.
    pub status: String,
    pub title: String,
    pub problem: Option<String>,
    pub goals: Option<String>,
    pub basis: Option<String>,
    pub field: Option<String>,
    pub subfield: Option<String>,
    pub keywords: Vec<String>,
    pub cooperation_modes: Vec<String>,
    /// Lowest acceptable technology readiness level.
    pub trl_min: Option<u8>,
    /// Budget range code (`budget_ranges`).
    pub budget: Option<String>,
    /// Last day proposals are taken (YYYY-MM-DD, Asia/Shanghai).
    pub deadline: Option<String>,
    /// The deadline has passed.
    pub expired: bool,
    pub org: String,
    /// The enterprise has been verified.
    pub org_verified: bool,
    pub region_code: String,
    pub unit_code: String,
    /// Milliseconds since the Unix epoch (UTC).
    pub published_at: Option<i64>,
    /// Only for the enterprise itself and its reviewers.
    pub contact: Option<DemandContact>,
}

#[derive(Serialize, ToSchema)]
pub struct DemandContact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DemandList {
    pub items: Vec<DemandItem>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

fn item(d: Demand, contact: bool) -> DemandItem {
    let expired = d.expired_at(ztc_store::now_ms());
    let x = d.details;
    DemandItem {
        id: d.id,
        status: d.status.as_str().into(),
        title: x.title,
        problem: x.problem,
        goals: x.goals,
        basis: x.basis,
        field: x.field,
        subfield: x.subfield,
        keywords: x.keywords,
        cooperation_modes: x.cooperation_modes,
        trl_min: x.trl_min,
        budget: x.budget,
        deadline: x.deadline,
        expired,
        org: d.org_name,
        org_verified: d.org_verified,
        region_code: d.region_code,
        unit_code: d.unit_code,
        published_at: d.published_at,
        contact: contact.then_some(DemandContact {
            name: x.contact_name,
            phone: x.contact_phone,
            email: x.contact_email,
        }),
    }
}

/// Published technology demands, most recently changed first, with filters.
#[utoipa::path(get, path = "/api/v1/demands", tag = "demands", params(DemandParams),
    responses((status = 200, body = DemandList)))]
pub async fn list(
    State(state): State<AppState>,
    Query(p): Query<DemandParams>,
) -> Result<Json<DemandList>, Failure> {
    let q = ListQuery {
        q: p.q.unwrap_or_default(),
        field: p.field.unwrap_or_default(),
        unit: p.unit.unwrap_or_default(),
        mode: p.mode.unwrap_or_default(),
        open: if p.open == Some(true) {
            "1".into()
        } else {
            String::new()
        },
        ..ListQuery::default()
    };
    let per_page = p.per_page.unwrap_or(20).clamp(1, 100);
    let list = demands::list(
        &state.store,
        &public_filter(&q),
        crate::forms::page_number(p.page),
        per_page,
    )
    .await?;
    Ok(Json(DemandList {
        items: list.items.into_iter().map(|d| item(d, false)).collect(),
        total: list.total,
        page: list.page,
        per_page: list.per_page,
    }))
}

/// One demand. Unpublished ones answer 404 to anyone who may not see them.
#[utoipa::path(get, path = "/api/v1/demands/{id}", tag = "demands",
    params(("id" = String, Path, description = "demand id")),
    responses((status = 200, body = DemandItem), (status = 404, body = crate::api::ApiError)))]
pub async fn detail(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Result<Json<DemandItem>, Failure> {
    let d = demands::get(&state.store, &id)
        .await?
        .ok_or_else(Failure::not_found)?;
    visible(&req, &d).map_err(|_| Failure::not_found())?;
    let contact = req.can(Action::ViewDemand, &d.resource());
    Ok(Json(item(d, contact)))
}
