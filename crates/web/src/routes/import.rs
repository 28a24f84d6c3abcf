//! Batch import (SPEC §3 批量导入) and export of achievements: download the template,
//! upload a filled one (or a CSV), see every problem by row, column and reason,
//! then import all valid rows — in one transaction — or nothing. The uploaded file
//! waits in the object store under the user's own prefix between the two steps.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ztc_domain::achievement::{Channel, Status};
use ztc_domain::{Action, Resource, Role};
use ztc_exchange::{ExportOptions, ExportRow, Limits, Problem};
use ztc_store::achievements::{self, Filter, NewAchievement};
use ztc_store::orgs;

use crate::AppState;
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

/// A parsed upload: the valid achievements (by row) and every problem, library
/// duplicates included. Rows are streamed, so only valid achievements stay in memory.
pub struct Parsed {
    pub rows: usize,
    pub valid: Vec<(u32, ztc_domain::achievement::Details)>,
    pub problems: Vec<Problem>,
}

/// Parses a file as .xlsx (a zip) or CSV; adds library duplicates as row problems.
pub async fn parse(state: &AppState, bytes: &[u8]) -> Result<Parsed, ztc_exchange::ExchangeError> {
    let limits = Limits::default();
    let mut valid = Vec::new();
    let keep = |row: ztc_exchange::Row| {
        if let Ok(d) = row.details {
            valid.push((row.number, d));
        }
    };
    let summary = if bytes.starts_with(b"PK") {
        ztc_exchange::parse_xlsx_each(bytes, &state.vocab, &limits, keep)?
    } else {
        ztc_exchange::parse_csv_each(bytes, &state.vocab, &limits, keep)?
    };
    let titles: Vec<String> = valid.iter().map(|(_, d)| d.title.clone()).collect();
    let existing = achievements::existing_titles(&state.store, &titles)
        .await
        .unwrap_or_default();
    let mut problems = summary.problems;
    valid.retain(|(number, d)| {
        if existing.contains(&d.title) {
            problems.push(Problem {
                row: *number,
                column: "A".into(),
                header: "成果名称".into(),
                code: "duplicate_in_library".into(),
                message: format!("库中已有同名成果“{}”", d.title),
            });
            false
        } else {
            true
        }
    });
    problems.sort_by_key(|p| p.row);
    Ok(Parsed {
        rows: summary.rows,
        valid,
        problems,
    })
}

fn key(user_id: &str, token: &str) -> String {
    format!("imports/{user_id}/{token}")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Choice {
    holder_org: String,
    channel: String,
}

pub async fn upload(
    State(state): State<AppState>,
    req: Req,
    request: axum::extract::Request,
) -> Result<Response, Failure> {
    may_import(&req)?;
    let mut form = <Multipart as axum::extract::FromRequest<()>>::from_request(request, &())
        .await
        .map_err(|_| Failure::bad_request("upload_broken", "上传未完成或格式不正确，请重试"))?;
    let (mut file, mut choice) = (None, Choice::default());
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return render(
                    &state,
                    &req,
                    req.t("import.too_large").to_owned(),
                    None,
                    StatusCode::PAYLOAD_TOO_LARGE,
                )
                .await;
            }
            Err(_) => {
                return render(
                    &state,
                    &req,
                    req.t("error.upload_broken").to_owned(),
                    None,
                    StatusCode::BAD_REQUEST,
                )
                .await;
            }
        };
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return render(
                            &state,
                            &req,
                            req.t("import.too_large").to_owned(),
                            None,
                            StatusCode::PAYLOAD_TOO_LARGE,
                        )
                        .await;
                    }
                    Err(_) => {
                        return render(
                            &state,
                            &req,
                            req.t("error.upload_broken").to_owned(),
                            None,
                            StatusCode::BAD_REQUEST,
                        )
                        .await;
                    }
                }
            }
            "holder_org" => choice.holder_org = field.text().await.unwrap_or_default(),
            "channel" => choice.channel = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
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
    let Some((org_id, org_name)) = orgs
        .into_iter()
        .find(|(id, _)| *id == choice.holder_org.trim())
    else {
        return render(
            &state,
            &req,
            req.t("import.choose_org").to_owned(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let channel = Channel::parse(choice.channel.trim()).unwrap_or(Channel::AgencyMining);
    let batch = match parse(&state, &bytes).await {
        Ok(b) => b,
        Err(e) => {
            return render(
                &state,
                &req,
                e.message(),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let m = req.signed_in()?;
    let token = ztc_store::new_id();
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
        total: batch.rows,
        valid: batch.valid.len(),
        problems: batch.problems.into_iter().take(2000).collect(),
        holder_org: org_id,
        holder_name: org_name,
        channel: channel.as_str().to_owned(),
    };
    render(&state, &req, String::new(), Some(preview), StatusCode::OK).await
}

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
    let batch = parse(&state, &bytes)
        .await
        .map_err(|e| Failure::bad_request(e.code(), e.message()))?;
    let owner = (m.user.role == Role::Holder).then(|| m.user.id.clone());
    let items: Vec<NewAchievement> = batch
        .valid
        .into_iter()
        .map(|(_, d)| NewAchievement {
            details: d,
            status: Status::Submitted,
            holder_org_id: org_id.clone(),
            owner_id: owner.clone(),
            channel,
            channel_ref: None,
            create_key: None,
        })
        .collect();
    let n = items.len();
    achievements::create_many(&state.store, &req.change(), &m.user.id, &items, |_| {}).await?;
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
    let list = achievements::list(&state.store, &filter, 1, 100_000).await?;
    let mut rows = Vec::with_capacity(list.items.len());
    for s in &list.items {
        if let Some(a) = achievements::get(&state.store, &s.id).await? {
            rows.push(ExportRow {
                details: a.details,
                status: Some(a.status.label(false).to_owned()),
                holder: Some(a.holder_org_name),
                region: Some(forms::region_label(&state.vocab, &a.region_code)),
                updated_at: Some(crate::view::format_time(a.updated_at)),
            });
        }
    }
    // The owner and the region's stewards need the contacts; no one else gets here.
    let bytes = ztc_exchange::export_xlsx(
        &rows,
        &state.vocab,
        &ExportOptions {
            mask_personal: false,
        },
    )
    .map_err(|e| Failure::internal(e.message()))?;
    Ok(download(bytes, XLSX, "科技成果导出.xlsx"))
}
