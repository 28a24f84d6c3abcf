//! Batch import (SPEC §3 批量导入) and export of achievements: download the template,
//! upload a filled one (or a CSV), see every problem by row, column and reason,
//! then import all valid rows — in one transaction — or nothing. The uploaded file
//! waits in the object store under the user's own prefix between the two steps.

use askama::Template;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ztc_domain::achievement::{Channel, Status};
use ztc_domain::{Action, Resource, Role};
use ztc_exchange::{ExportOptions, ExportRow, Limits, Problem};
use ztc_store::achievements::{self, Filter};
use ztc_store::orgs;

use crate::AppState;
use crate::batch;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms;
use crate::view::Page;

/// Largest import upload.
pub const IMPORT_LIMIT: usize = 50 * 1024 * 1024 + 1024 * 1024;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn may_import(req: &Req) -> Result<(), Failure> {
    let m = req.signed_in()?;
    let r = Resource::Achievement {
        unit_code: m.unit_code.clone(),
        org_id: if m.user.role == Role::Holder {
            m.user.org_id.clone()
        } else {
            String::new()
        },
        owner_id: None,
        status: Status::Draft,
    };
    req.require(Action::CreateAchievement, &r).map(|_| ())
}

fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    let mut res = bytes.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

pub async fn template(State(state): State<AppState>) -> Result<Response, Failure> {
    let bytes = ztc_exchange::template(&state.vocab).map_err(|e| Failure::internal(e.message()))?;
    Ok(download(bytes, XLSX, "科技成果批量导入模板.xlsx"))
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    page: Page,
    holder_orgs: Vec<(String, String)>,
    channels: Vec<(String, String)>,
    error: String,
    preview: Option<Preview>,
}

pub struct Preview {
    pub token: String,
    pub file_name: String,
    pub total: usize,
    pub valid: usize,
    pub problems: Vec<Problem>,
    pub holder_org: String,
    pub holder_name: String,
    pub channel: String,
}

async fn holder_orgs(state: &AppState, req: &Req) -> Result<Vec<(String, String)>, Failure> {
    let m = req.signed_in()?;
    if m.user.role == Role::Holder {
        return Ok(vec![(m.user.org_id.clone(), m.org_name.clone())]);
    }
    let unit = (m.user.role != Role::NationalAdmin).then(|| m.unit_code.clone());
    let list = orgs::list(&state.store, unit.as_deref(), None, 1, 2000).await?;
    Ok(list
        .items
        .into_iter()
        .filter(|o| o.kind.is_holder_side())
        .map(|o| (o.id, o.name))
        .collect())
}

async fn render(
    state: &AppState,
    req: &Req,
    error: String,
    preview: Option<Preview>,
    status: StatusCode,
) -> Result<Response, Failure> {
    let page = ImportPage {
        page: Page::new(req, "import.title"),
        holder_orgs: holder_orgs(state, req).await?,
        channels: Channel::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.label(req.lang.is_en()).to_owned()))
            .collect(),
        error,
        preview,
    };
    Ok(forms::page(status, page.render()?))
}

pub async fn form(State(state): State<AppState>, req: Req) -> Result<Response, Failure> {
    may_import(&req)?;
    render(&state, &req, String::new(), None, StatusCode::OK).await
}

fn key(user_id: &str, token: &str) -> String {
    format!("imports/{user_id}/{token}")
}

/// Takes the account's import slot, or explains why not.
fn slot(state: &AppState, req: &Req) -> Result<batch::Slot, Failure> {
    let m = req.signed_in()?;
    state
        .imports
        .try_take(&m.user.id)
        .map_err(|busy| match busy {
            batch::Busy::Account => Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "import_running",
                "您已有一个导入正在进行，请等它完成后再试",
            ),
            batch::Busy::Site => Failure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "imports_busy",
                "系统正在处理其他导入，请稍后再试",
            ),
        })
}

fn source(state: &AppState, bytes: Vec<u8>) -> batch::Source {
    batch::Source {
        vocab: state.vocab.clone(),
        bytes: Arc::new(bytes),
        limits: Limits::default(),
    }
}

fn import_failure(e: batch::ImportError) -> Failure {
    match e {
        batch::ImportError::Store(e) => e.into(),
        batch::ImportError::Worker(e) => Failure::internal(e),
        other => Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            other.code(),
            other.to_string(),
        ),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    req: Req,
    request: axum::extract::Request,
) -> Result<Response, Failure> {
    may_import(&req)?;
    let _slot = slot(&state, &req)?;
    let upload = match forms::read_upload(request).await {
        Ok(u) => u,
        Err(e) => {
            let (message, status) = match e {
                forms::UploadError::TooLarge => ("import.too_large", StatusCode::PAYLOAD_TOO_LARGE),
                forms::UploadError::Broken => ("error.upload_broken", StatusCode::BAD_REQUEST),
            };
            return render(&state, &req, req.t(message).to_owned(), None, status).await;
        }
    };
    let (holder_org, channel) = (upload.field("holder_org"), upload.field("channel"));
    let Some((name, bytes)) = upload.file.clone().filter(|(_, b)| !b.is_empty()) else {
        return render(
            &state,
            &req,
            req.t("error.file_empty").to_owned(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let orgs = holder_orgs(&state, &req).await?;
    let Some((org_id, org_name)) = orgs.into_iter().find(|(id, _)| *id == holder_org.trim()) else {
        return render(
            &state,
            &req,
            req.t("import.choose_org").to_owned(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let channel = Channel::parse(channel.trim()).unwrap_or(Channel::AgencyMining);
    let source = source(&state, bytes);
    let checked = match batch::check(&state.store, &source)
        .await
        .map_err(import_failure)
    {
        Ok(c) => c,
        Err(f) if f.status == StatusCode::UNPROCESSABLE_ENTITY => {
            return render(&state, &req, f.message, None, f.status).await;
        }
        Err(f) => return Err(f),
    };
    let m = req.signed_in()?;
    let token = ztc_store::new_id();
    let bytes = Arc::try_unwrap(source.bytes).unwrap_or_else(|shared| shared.as_ref().clone());
    state.files.put(&key(&m.user.id, &token), bytes).await?;
    let preview = Preview {
        token,
        file_name: ztc_domain::attachment::safe_name(
            &name,
            if name.to_lowercase().ends_with(".csv") {
                "csv"
            } else {
                "xlsx"
            },
        ),
        total: checked.rows,
        valid: checked.to_import,
        problems: checked.problems.into_iter().take(2000).collect(),
        holder_org: org_id,
        holder_name: org_name,
        channel: channel.as_str().to_owned(),
    };
    render(&state, &req, String::new(), Some(preview), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Choice {
    holder_org: String,
    channel: String,
}

/// Imports the valid rows of an uploaded file (checked again: the library may have
/// changed since the preview) in one transaction, streaming them in batches.
pub async fn confirm(
    State(state): State<AppState>,
    req: Req,
    Path(token): Path<String>,
    axum::extract::Form(choice): axum::extract::Form<Choice>,
) -> Result<Response, Failure> {
    may_import(&req)?;
    let m = req.signed_in()?.clone();
    if token.len() > 64 || !token.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(Failure::not_found());
    }
    let _slot = slot(&state, &req)?;
    let k = key(&m.user.id, &token);
    let bytes = state.files.get(&k).await.map_err(|_| {
        Failure::new(
            StatusCode::GONE,
            "import_expired",
            "该导入已完成或已过期，请重新上传",
        )
    })?;
    let orgs = holder_orgs(&state, &req).await?;
    let org_id = orgs
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| *id == choice.holder_org.trim())
        .ok_or_else(Failure::forbidden)?;
    let channel = Channel::parse(choice.channel.trim()).unwrap_or(Channel::AgencyMining);
    let source = source(&state, bytes);
    let checked = batch::check(&state.store, &source)
        .await
        .map_err(import_failure)?;
    let plan = batch::Plan {
        holder_org_id: org_id,
        owner_id: (m.user.role == Role::Holder).then(|| m.user.id.clone()),
        channel,
        status: Status::Submitted,
        collected_by: m.user.id.clone(),
    };
    let n = batch::write(&state.store, &req.change(), source, checked, plan, |_| {})
        .await
        .map_err(import_failure)?;
    let _ = state.files.delete(&k).await;
    Ok(Redirect::to(&format!("/library/mine?imported={n}")).into_response())
}

pub async fn cancel(
    State(state): State<AppState>,
    req: Req,
    Path(token): Path<String>,
) -> Result<Response, Failure> {
    may_import(&req)?;
    let m = req.signed_in()?.clone();
    let _ = state.files.delete(&key(&m.user.id, &token)).await;
    Ok(Redirect::to("/import").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExportQuery {
    status: String,
}

/// The user's own list (as on /library/mine) as .xlsx, in the import format.
pub async fn export(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<ExportQuery>,
) -> Result<Response, Failure> {
    let m = req
        .require(Action::ManageOwnTokens, &Resource::Site)?
        .clone();
    let mut filter = Filter {
        status: Status::parse(q.status.trim()),
        ..Filter::default()
    };
    match m.user.role {
        Role::Holder => filter.owner = Some(m.user.id.clone()),
        Role::NationalAdmin => {}
        Role::ProvincialAdmin | Role::Agency => filter.unit = Some(m.unit_code.clone()),
        _ => return Err(Failure::forbidden()),
    }
    let list = achievements::list_full(&state.store, &filter, EXPORT_MAX).await?;
    // The owner and the region's stewards need the contacts; no one else gets here.
    let bytes = export_rows(&state, list, false)?;
    Ok(download(bytes, XLSX, "科技成果导出.xlsx"))
}

/// Most rows in one export (the template's own import limit).
const EXPORT_MAX: i64 = 100_000;

fn export_rows(
    state: &AppState,
    list: Vec<achievements::Achievement>,
    mask_personal: bool,
) -> Result<Vec<u8>, Failure> {
    let rows: Vec<ExportRow> = list
        .into_iter()
        .map(|a| ExportRow {
            status: Some(a.status.label(false).to_owned()),
            holder: Some(a.holder_org_name),
            region: Some(forms::region_label(&state.vocab, &a.region_code)),
            updated_at: Some(crate::view::format_time(a.updated_at)),
            details: a.details,
        })
        .collect();
    ztc_exchange::export_xlsx(&rows, &state.vocab, &ExportOptions { mask_personal })
        .map_err(|e| Failure::internal(e.message()))
}

/// The published library as filtered on `/achievements`, as .xlsx: for stewards of
/// a unit (their own unit's entries, contacts included), the region's hosts (their
/// unit, contacts masked) and the exchange (all units, contacts masked). Audited.
pub async fn library_export(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<super::library::LibraryQuery>,
) -> Result<Response, Failure> {
    let m = req.signed_in()?.clone();
    let unit = match m.user.role {
        Role::ProvincialAdmin | Role::Agency | Role::Host => Some(m.unit_code.clone()),
        _ => Some(q.unit.trim().to_owned()).filter(|u| !u.is_empty()),
    };
    let resource = match &unit {
        Some(u) => Resource::Unit {
            unit_code: u.clone(),
        },
        None => Resource::Site,
    };
    req.require(Action::ExportLibrary, &resource)?;
    let mut filter = super::library::library_filter(&q);
    filter.unit = unit.clone();
    let list = achievements::list_full(&state.store, &filter, EXPORT_MAX).await?;
    let masked = !ztc_domain::policy::sees_personal_data(m.user.role);
    let count = list.len();
    let bytes = export_rows(&state, list, masked)?;
    let described = serde_json::json!({
        "q": q.q, "field": q.field, "trl": q.trl, "mode": q.mode,
    });
    achievements::record_export(
        &state.store,
        &req.change(),
        unit.as_deref(),
        described,
        count,
        masked,
    )
    .await?;
    Ok(download(bytes, XLSX, "科技成果库导出.xlsx"))
}
