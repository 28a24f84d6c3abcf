//! Attachments: upload (type read from the content, size limited), video links,
//! removal, and download — public images to all, documents only to those the policy
//! allows, every protected download audited.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ztc_domain::Action;
use ztc_domain::attachment::{self, Kind};
use ztc_store::achievements::{self, Achievement};
use ztc_store::attachments::{self, Attachment, NewAttachment};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms;

/// Largest upload request (the file plus the form around it).
pub const UPLOAD_LIMIT: usize = attachment::MAX_BYTES + 1024 * 1024;

async fn editable(state: &AppState, req: &Req, id: &str) -> Result<Achievement, Failure> {
    req.signed_in()?;
    let a = achievements::get(&state.store, id)
        .await?
        .ok_or_else(Failure::not_found)?;
    req.require(Action::EditAchievement, &a.resource())?;
    Ok(a)
}

fn back(id: &str, error: Option<&str>) -> Response {
    match error {
        Some(code) => Redirect::to(&format!(
            "/achievements/{id}/edit?attach_error={code}#attachments"
        ))
        .into_response(),
        None => Redirect::to(&format!("/achievements/{id}/edit#attachments")).into_response(),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, Failure> {
    // Authorise before reading the body.
    let a = editable(&state, &req, &id).await?;
    let upload = match forms::read_upload(request).await {
        Ok(u) => u,
        Err(e) => return Ok(back(&id, Some(e.code()))),
    };
    let public = upload.field("public") == "on";
    let Some((name, bytes)) = upload.file else {
        return Ok(back(&id, Some("file_empty")));
    };
    let sniffed = match attachment::sniff(&bytes) {
        Ok(s) => s,
        Err(e) => return Ok(back(&id, Some(&e.code))),
    };
    let new = NewAttachment {
        kind: sniffed.kind,
        name: attachment::safe_name(&name, sniffed.extension),
        content_type: Some(sniffed.content_type.to_owned()),
        bytes: Some(bytes),
        url: None,
        // Only images may be public; documents are protected (SPEC §6).
        is_public: public && sniffed.kind == Kind::Image,
    };
    attachments::add(
        &state.store,
        &state.files,
        &req.change(),
        &a.id,
        &a.unit_code,
        new,
    )
    .await?;
    Ok(back(&id, None))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VideoInput {
    url: String,
    name: String,
}

pub async fn add_video(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<VideoInput>,
) -> Result<Response, Failure> {
    let a = editable(&state, &req, &id).await?;
    let url = match attachment::video_url(&f.url) {
        Ok(u) => u,
        Err(e) => return Ok(back(&id, Some(&e.code))),
    };
    let name = match ztc_domain::text::optional("name", "视频名称", &f.name, 80) {
        Ok(n) => n.unwrap_or_else(|| "视频".to_owned()),
        Err(e) => return Ok(back(&id, Some(&e.code))),
    };
    let new = NewAttachment {
        kind: Kind::Video,
        name,
        content_type: None,
        bytes: None,
        url: Some(url),
        is_public: true,
    };
    attachments::add(
        &state.store,
        &state.files,
        &req.change(),
        &a.id,
        &a.unit_code,
        new,
    )
    .await?;
    Ok(back(&id, None))
}

async fn load(state: &AppState, id: &str) -> Result<(Attachment, Achievement), Failure> {
    let att = attachments::get(&state.store, id)
        .await?
        .ok_or_else(Failure::not_found)?;
    let a = achievements::get(&state.store, &att.achievement_id)
        .await?
        .ok_or_else(Failure::not_found)?;
    Ok((att, a))
}

pub async fn remove(
    State(state): State<AppState>,
    req: Req,
    Path(aid): Path<String>,
) -> Result<Response, Failure> {
    let (att, a) = load(&state, &aid).await?;
    editable(&state, &req, &a.id).await?;
    attachments::remove(
        &state.store,
        &state.files,
        &req.change(),
        &att,
        &a.unit_code,
    )
    .await?;
    Ok(back(&a.id, None))
}

/// Whether `req` may open `att` of `a`, and whether that view must be audited.
pub fn access(req: &Req, att: &Attachment, a: &Achievement) -> Option<bool> {
    if req.can(Action::ViewAchievement, &a.resource()) {
        return Some(false);
    }
    if a.status.is_public() && att.is_public {
        return Some(false);
    }
    (a.status.is_public() && req.can(Action::ViewProtected, &a.resource())).then_some(true)
}

pub async fn download(
    State(state): State<AppState>,
    req: Req,
    Path(aid): Path<String>,
) -> Result<Response, Failure> {
    let (att, a) = load(&state, &aid).await?;
    let Some(audited) = access(&req, &att, &a) else {
        return Err(if req.member().is_some() {
            Failure::forbidden()
        } else {
            Failure::login_required()
        });
    };
    if let Some(url) = &att.url {
        return Ok(Redirect::to(url).into_response());
    }
    let key = att.object_key.as_deref().ok_or_else(Failure::not_found)?;
    let bytes = state.files.get(key).await?;
    if audited {
        attachments::record_download(&state.store, &req.change(), &att, &a.unit_code).await?;
    }
    let disposition = if att.kind == Kind::Image {
        "inline"
    } else {
        "attachment"
    };
    let encoded =
        percent_encoding::utf8_percent_encode(&att.name, percent_encoding::NON_ALPHANUMERIC);
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(
            att.content_type
                .as_deref()
                .unwrap_or("application/octet-stream"),
        )
        .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition}; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    let cache = if att.is_public && a.status.is_public() {
        "public, max-age=3600"
    } else {
        "private, no-store"
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(res)
}
