//! The library in the JSON API: the public list with filters, and one achievement —
//! its public fields for everyone, its protected part only for those the policy
//! allows (and such a view is audited, as on the page).

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use ztc_domain::Action;
use ztc_domain::achievement::Status;
use ztc_store::achievements::{self, Filter, Summary};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct LibraryParams {
    /// In the title or the keywords.
    pub q: Option<String>,
    /// Industry code (1–9) of the strategic emerging industry classification.
    pub field: Option<String>,
    /// Sub-field code, e.g. `1.5`.
    pub subfield: Option<String>,
    /// Programme unit code (province, 计划单列市 or `66` for the corps).
    pub unit: Option<String>,
    /// Lowest technology readiness level (1–9).
    pub trl_min: Option<i64>,
    /// Cooperation mode code, e.g. `licence`.
    pub mode: Option<String>,
    pub page: Option<i64>,
    /// 1–100, default 20.
    pub per_page: Option<i64>,
}

/// An achievement in a list.
#[derive(Serialize, ToSchema)]
pub struct AchievementItem {
    pub id: String,
    pub title: String,
    pub field: Option<String>,
    pub subfield: Option<String>,
    pub trl: Option<i64>,
    pub stage: Option<String>,
    pub cooperation_modes: Vec<String>,
    pub keywords: Vec<String>,
    pub summary: Option<String>,
    pub holder_org: String,
    pub region_code: String,
    pub unit_code: String,
    /// Milliseconds since the Unix epoch (UTC).
    pub published_at: Option<i64>,
}

impl From<Summary> for AchievementItem {
    fn from(s: Summary) -> Self {
        AchievementItem {
            id: s.id,
            title: s.title,
            field: s.field_code,
            subfield: s.subfield_code,
            trl: s.trl,
            stage: s.stage,
            cooperation_modes: s.cooperation_modes,
            keywords: s.keywords,
            summary: s.summary,
            holder_org: s.holder_org_name,
            region_code: s.region_code,
            unit_code: s.unit_code,
            published_at: s.published_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AchievementList {
    pub items: Vec<AchievementItem>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// One IP item.
#[derive(Serialize, ToSchema)]
pub struct IpEntry {
    /// IP type code, e.g. `invention_patent`.
    pub kind: String,
    pub title: String,
    pub number: Option<String>,
    /// `granted`, `pending`, `registered` or `other`.
    pub status: String,
}

/// The protected part (SPEC §6): contacts, technical detail, price.
#[derive(Serialize, ToSchema)]
pub struct Protected {
    pub technical: Option<String>,
    pub advantages: Option<String>,
    pub market_path: Option<String>,
    pub indicators: Option<String>,
    pub benefits: Option<String>,
    pub team: Option<String>,
    /// Expected price range in 10,000 CNY.
    pub price_min: Option<f64>,
    pub price_max: Option<f64>,
    pub price_note: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

/// One achievement: the public fields, and `protected` when the caller may see it.
#[derive(Serialize, ToSchema)]
pub struct AchievementDetail {
    pub id: String,
    /// `published` for everyone else; other states only for those who manage it.
    pub status: String,
    pub title: String,
    pub field: Option<String>,
    pub subfield: Option<String>,
    pub summary: Option<String>,
    pub trl: Option<u8>,
    pub stage: Option<String>,
    pub tech_level: Option<String>,
    pub cooperation_modes: Vec<String>,
    pub keywords: Vec<String>,
    pub applications: Option<String>,
    pub ip: Vec<IpEntry>,
    pub holder_org: String,
    pub region_code: String,
    pub version: i64,
    pub protected: Option<Protected>,
}

/// Published achievements, newest first, with filters.
#[utoipa::path(get, path = "/api/v1/achievements", tag = "library", params(LibraryParams),
    responses((status = 200, body = AchievementList)))]
pub async fn list(
    State(state): State<AppState>,
    Query(p): Query<LibraryParams>,
) -> Result<Json<AchievementList>, Failure> {
    let clip = |s: Option<String>, n: usize| {
        s.map(|s| s.trim().chars().take(n).collect::<String>())
            .filter(|s| !s.is_empty())
    };
    let filter = Filter {
        status: Some(Status::Published),
        q: clip(p.q, 100),
        field: clip(p.field, 10),
        subfield: clip(p.subfield, 10),
        unit: clip(p.unit, 10),
        trl_min: p.trl_min.filter(|t| (1..=9).contains(t)),
        mode: clip(p.mode, 40),
        ..Filter::default()
    };
    let per_page = p.per_page.unwrap_or(20).clamp(1, 100);
    let list = achievements::list(
        &state.store,
        &filter,
        crate::forms::page_number(p.page),
        per_page,
    )
    .await?;
    Ok(Json(AchievementList {
        items: list.items.into_iter().map(AchievementItem::from).collect(),
        total: list.total,
        page: list.page,
        per_page: list.per_page,
    }))
}

/// One achievement. Unpublished ones answer 404 to anyone who may not see them.
#[utoipa::path(get, path = "/api/v1/achievements/{id}", tag = "library",
    params(("id" = String, Path, description = "achievement id")),
    responses((status = 200, body = AchievementDetail), (status = 404, body = crate::api::ApiError)))]
pub async fn detail(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Result<Json<AchievementDetail>, Failure> {
    let a = achievements::get(&state.store, &id)
        .await?
        .ok_or_else(Failure::not_found)?;
    let full = req.can(Action::ViewAchievement, &a.resource());
    if !a.status.is_public() && !full {
        return Err(Failure::not_found());
    }
    let protected = if full || req.can(Action::ViewProtected, &a.resource()) {
        if !full {
            achievements::record_protected_view(&state.store, &req.change(), &a).await?;
        }
        let d = a.details.clone();
        Some(Protected {
            technical: d.technical,
            advantages: d.advantages,
            market_path: d.market_path,
            indicators: d.indicators,
            benefits: d.benefits,
            team: d.team,
            price_min: d.price_min,
            price_max: d.price_max,
            price_note: d.price_note,
            contact_name: d.contact_name,
            contact_phone: d.contact_phone,
            contact_email: d.contact_email,
        })
    } else {
        None
    };
    let d = a.details;
    Ok(Json(AchievementDetail {
        id: a.id,
        status: a.status.as_str().into(),
        title: d.title,
        field: d.field,
        subfield: d.subfield,
        summary: d.summary,
        trl: d.trl,
        stage: d.stage,
        tech_level: d.tech_level,
        cooperation_modes: d.cooperation_modes,
        keywords: d.keywords,
        applications: d.applications,
        ip: d
            .ip
            .into_iter()
            .map(|i| IpEntry {
                kind: i.kind,
                title: i.title,
                number: i.number,
                status: i.status.as_str().into(),
            })
            .collect(),
        holder_org: a.holder_org_name,
        region_code: a.region_code,
        version: a.version,
        protected,
    }))
}
