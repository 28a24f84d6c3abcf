//! Expressions of interest (合作意向): a verified enterprise writes to the holder of
//! a published achievement; the holder accepts or declines with a reason; on
//! acceptance both sides see each other's contacts and exchange messages here.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ztc_domain::interest::{self, InterestStatus};
use ztc_domain::{Action, FieldError, Invalid, Resource, Role};
use ztc_store::StoreError;
use ztc_store::achievements::Achievement;
use ztc_store::interests::{self, Filter, Interest};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms::{self, Errors, HtmlForm};
use crate::routes::library::Labels;
use crate::view::Page;

/// What the achievement page shows an enterprise about interest in it.
pub struct Panel {
    /// The enterprise's existing request, if any: `(id, status label)`.
    pub existing: Option<(String, String)>,
    /// The form is offered (no request yet, or one that may be renewed).
    pub can_express: bool,
    pub modes: Vec<(String, String)>,
    pub form: interest::Form,
    pub errors: Errors,
}

impl Panel {
    pub fn checked(&self, code: &str) -> bool {
        self.form.cooperation_mode == code
    }
}

/// The panel for `a` when `req`'s user may express interest in it.
pub async fn panel(
    state: &AppState,
    req: &Req,
    a: &Achievement,
    form: interest::Form,
    inv: &Invalid,
) -> Result<Option<Panel>, Failure> {
    if !req.can(Action::ExpressInterest, &a.resource()) {
        return Ok(None);
    }
    let m = req.signed_in()?;
    let existing = interests::of_org(&state.store, &a.id, &m.user.org_id).await?;
    Ok(Some(Panel {
        can_express: existing.as_ref().is_none_or(|i| i.status.may_renew()),
        existing: existing.map(|i| (i.id, i.status.label(req.lang.is_en()).to_owned())),
        modes: Labels::new(state, req.lang).options("cooperation_modes"),
        form,
        errors: Errors::new(req.lang, inv),
    }))
}

/// An enterprise expresses interest in an achievement.
pub async fn express(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    HtmlForm(form): HtmlForm<interest::Form>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let a = ztc_store::achievements::get(&state.store, &id)
        .await?
        .ok_or_else(Failure::not_found)?;
    if !a.status.is_public() && !req.can(Action::ViewAchievement, &a.resource()) {
        return Err(Failure::not_found());
    }
    req.require(Action::ExpressInterest, &a.resource())?;
    let m = req.signed_in()?.clone();
    let back = |inv: Invalid, status: StatusCode| {
        let (state, req, form, id) = (&state, &req, form.clone(), a.id.clone());
        async move {
            crate::routes::library::render_detail(
                state,
                req,
                &id,
                &Default::default(),
                form,
                &inv,
                status,
            )
            .await
        }
    };
    let (message, mode) = match interest::validate(&form, &state.vocab) {
        Ok(x) => x,
        Err(inv) => return back(inv, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let new = interests::NewInterest {
        achievement_id: &a.id,
        org_id: &m.user.org_id,
        user_id: &m.user.id,
        message: &message,
        mode: &mode,
    };
    match interests::express(
        &state.store,
        &req.change(),
        &new,
        &state.settings.base_url(),
    )
    .await
    {
        Ok(i) => Ok(Redirect::to(&format!("/interests/{}?done=sent", i.id)).into_response()),
        Err(StoreError::Conflict { code, message }) => {
            back(
                FieldError::new(code, message).on("form").into(),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- lists -----------------------------------------------------------------------

pub struct Row {
    pub id: String,
    pub achievement: String,
    pub counterpart: String,
    pub verified: bool,
    pub mode: String,
    pub status: String,
    pub pending: bool,
    pub expires: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "interests.html")]
struct ListPage {
    page: Page,
    received: bool,
    rows: Vec<Row>,
}

/// Whose requests `req`'s user sees: the enterprise's sent ones or the holder's
/// received ones.
fn scope(req: &Req) -> Result<(Filter, bool), Failure> {
    let m = req.require(Action::ManageOwnTokens, &Resource::Site)?;
    match m.user.role {
        Role::Enterprise => Ok((
            Filter {
                org_id: Some(m.user.org_id.clone()),
                ..Filter::default()
            },
            false,
        )),
        Role::Holder => Ok((
            Filter {
                holder: Some((m.user.id.clone(), m.user.org_id.clone())),
                ..Filter::default()
            },
            true,
        )),
        _ => Err(Failure::forbidden()),
    }
}

fn day(ms: i64) -> String {
    crate::view::format_time(ms).chars().take(10).collect()
}

pub async fn list(State(state): State<AppState>, req: Req) -> Result<Response, Failure> {
    let (filter, received) = scope(&req)?;
    let l = Labels::new(&state, req.lang);
    let rows = interests::list(&state.store, &filter, 200)
        .await?
        .into_iter()
        .map(|i| Row {
            counterpart: if received {
                i.org_name.clone()
            } else {
                i.holder_org_name.clone()
            },
            verified: i.org_verified,
            mode: l.of("cooperation_modes", &i.cooperation_mode),
            status: i.status.label(req.lang.is_en()).to_owned(),
            pending: i.status == InterestStatus::Pending,
            expires: day(i.expires_at),
            at: crate::view::format_time(i.updated_at),
            achievement: i.achievement_title,
            id: i.id,
        })
        .collect();
    let page = ListPage {
        page: Page::new(&req, "interest.title"),
        received,
        rows,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

// ---- one request -----------------------------------------------------------------

pub struct MessageRow {
    pub author: String,
    pub body: String,
    pub at: String,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "interest.html")]
struct DetailPage {
    page: Page,
    i: Interest,
    status: String,
    mode: String,
    expires: String,
    /// The holder side may accept or decline.
    can_decide: bool,
    /// The enterprise may withdraw.
    can_withdraw: bool,
    accepted: bool,
    /// Each side's contact, once accepted.
    enterprise_contact: Vec<String>,
    holder_contact: Vec<String>,
    messages: Vec<MessageRow>,
    notice: String,
    error: String,
}

/// The parties of a request: `(enterprise side, holder side)` for `req`'s user.
async fn parties(state: &AppState, req: &Req, i: &Interest) -> Result<(bool, bool), Failure> {
    let Some(m) = req.member() else {
        return Err(Failure::login_required());
    };
    let enterprise = m.user.role == Role::Enterprise
        && m.user.org_id == i.org_id
        && req.can(Action::ManageOwnTokens, &Resource::Site);
    let a = ztc_store::achievements::get(&state.store, &i.achievement_id)
        .await?
        .ok_or_else(Failure::not_found)?;
    let holder = req.can(Action::DecideInterest, &a.resource());
    Ok((enterprise, holder))
}

async fn load(state: &AppState, req: &Req, id: &str) -> Result<(Interest, bool, bool), Failure> {
    req.signed_in()?;
    let i = interests::get(&state.store, id)
        .await?
        .ok_or_else(Failure::not_found)?;
    let (enterprise, holder) = parties(state, req, &i).await?;
    if !enterprise && !holder {
        return Err(Failure::not_found());
    }
    Ok((i, enterprise, holder))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    done: String,
    error: String,
}

pub async fn detail(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, Failure> {
    let (i, enterprise, holder) = load(&state, &req, &id).await?;
    let accepted = i.status == InterestStatus::Accepted;
    let me = req.signed_in()?.user.id.clone();
    let (enterprise_contact, holder_contact) = if accepted {
        let holder_user = match &i.holder_owner_id {
            Some(u) => ztc_store::users::member(&state.store, u)
                .await?
                .map(|m| m.user),
            None => None,
        };
        let holder_org = ztc_store::orgs::get(&state.store, &i.holder_org_id).await?;
        let hc = match holder_user {
            Some(u) => [Some(u.display_name), u.phone, u.email],
            None => holder_org
                .map(|o| [o.contact_name, o.contact_phone, o.contact_email])
                .unwrap_or_default(),
        };
        (
            [
                i.org_contact_name.clone(),
                i.org_contact_phone.clone(),
                i.org_contact_email.clone(),
            ]
            .into_iter()
            .flatten()
            .collect(),
            hc.into_iter().flatten().collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let messages = if accepted {
        interests::messages(&state.store, &i.id)
            .await?
            .into_iter()
            .map(|m| MessageRow {
                mine: m.author_id == me,
                author: m.author_name,
                body: m.body,
                at: crate::view::format_time(m.created_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    let pending = i.status == InterestStatus::Pending;
    let mut page = Page::new(&req, "interest.title");
    page.title = format!("{} · {}", req.t("interest.title"), i.achievement_title);
    let view = DetailPage {
        page,
        status: i.status.label(req.lang.is_en()).to_owned(),
        mode: Labels::new(&state, req.lang).of("cooperation_modes", &i.cooperation_mode),
        expires: day(i.expires_at),
        can_decide: holder && pending,
        can_withdraw: enterprise && pending,
        accepted,
        enterprise_contact,
        holder_contact,
        messages,
        notice: match q.done.as_str() {
            "" => String::new(),
            k => req.t(&format!("interest.done_{k}")).to_owned(),
        },
        error: crate::i18n::error_message(req.lang, q.error.trim())
            .map(str::to_owned)
            .unwrap_or_default(),
        i,
    };
    Ok(forms::page(StatusCode::OK, view.render()?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionInput {
    /// `accept` or `decline` (the holder), `withdraw` (the enterprise).
    decision: String,
    reason: String,
    version: String,
}

pub async fn decide(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    HtmlForm(input): HtmlForm<DecisionInput>,
) -> Result<Response, Failure> {
    let (mut i, enterprise, holder) = load(&state, &req, &id).await?;
    let back =
        |code: &str| Ok(Redirect::to(&format!("/interests/{id}?error={code}")).into_response());
    // Each side decides only for itself.
    let to = match input.decision.as_str() {
        "accept" if holder => InterestStatus::Accepted,
        "decline" if holder => InterestStatus::Declined,
        "withdraw" if enterprise => InterestStatus::Withdrawn,
        "accept" | "decline" | "withdraw" => return Err(Failure::forbidden()),
        _ => return back("choice_invalid"),
    };
    let reason = if to == InterestStatus::Declined {
        match interest::decline_reason(&input.reason) {
            Ok(r) => Some(r),
            Err(e) => return back(&e.code),
        }
    } else {
        None
    };
    if let Ok(v) = input.version.trim().parse() {
        i.version = v;
    }
    let base = state.settings.base_url();
    match interests::decide(
        &state.store,
        &req.change(),
        &i,
        to,
        reason.as_deref(),
        &base,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/interests/{id}?done={}", to.as_str())).into_response()),
        Err(StoreError::Conflict { code, .. }) => back(code),
        Err(StoreError::Stale) => back("stale"),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MessageInput {
    body: String,
}

pub async fn post_message(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    HtmlForm(input): HtmlForm<MessageInput>,
) -> Result<Response, Failure> {
    let (i, _, _) = load(&state, &req, &id).await?;
    let text = match interest::message(&input.body) {
        Ok(t) => t,
        Err(e) => {
            return Ok(
                Redirect::to(&format!("/interests/{id}?error={}#messages", e.code)).into_response(),
            );
        }
    };
    let me = req.signed_in()?.user.id.clone();
    match interests::post_message(&state.store, &req.change(), &i, &me, &text).await {
        Ok(_) => Ok(Redirect::to(&format!("/interests/{id}#messages")).into_response()),
        Err(StoreError::Conflict { code, .. }) => {
            Ok(Redirect::to(&format!("/interests/{id}?error={code}")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
