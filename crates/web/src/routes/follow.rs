//! Field digests for enterprises: what an enterprise follows (fields, keywords,
//! frequency), the digests it received, one-click unsubscribe from a mail, and the
//! mail outbox for administrators (visible whether or not SMTP is configured).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ztc_domain::digest::{self, Frequency};
use ztc_domain::{Action, Invalid, Resource, Role};
use ztc_store::StoreError;
use ztc_store::follows::{self, digests};
use ztc_store::mail::{self, MailStatus};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms::{self, Errors, HtmlForm, Pager};
use crate::routes::library::Labels;
use crate::view::Page;

/// Enterprise accounts (verified) follow fields; others have no digests.
fn enterprise(req: &Req) -> Result<&ztc_store::users::Member, Failure> {
    let m = req.require(Action::ManageOwnTokens, &Resource::Site)?;
    if m.user.role != Role::Enterprise {
        return Err(Failure::forbidden());
    }
    Ok(m)
}

#[derive(Template)]
#[template(path = "follow.html")]
struct FollowPage {
    page: Page,
    f: digest::Form,
    errors: Errors,
    notice: String,
    field_groups: Vec<(String, Vec<(String, String)>)>,
    tops: Vec<(String, String)>,
    frequencies: Vec<(String, String)>,
    unsubscribe_url: String,
}

impl FollowPage {
    fn follows(&self, code: &str) -> bool {
        self.f.fields.iter().any(|c| c == code)
    }
}

async fn render_follow(
    state: &AppState,
    req: &Req,
    f: digest::Form,
    inv: &Invalid,
    notice: String,
    status: StatusCode,
) -> Result<Response, Failure> {
    let m = enterprise(req)?;
    let l = Labels::new(state, req.lang);
    let token = follows::get(&state.store, &m.user.id)
        .await?
        .map(|f| f.unsubscribe_token);
    let page = FollowPage {
        page: Page::new(req, "follow.title"),
        f,
        errors: Errors::new(req.lang, inv),
        notice,
        field_groups: l.field_groups(),
        tops: l
            .options("fields")
            .into_iter()
            .filter(|(c, _)| !c.contains('.'))
            .collect(),
        frequencies: Frequency::ALL
            .iter()
            .map(|x| (x.as_str().to_owned(), x.label(req.lang.is_en()).to_owned()))
            .collect(),
        unsubscribe_url: token
            .map(|t| digests::unsubscribe_url("", &t))
            .unwrap_or_default(),
    };
    Ok(forms::page(status, page.render()?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

pub async fn follow_form(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<DoneQuery>,
) -> Result<Response, Failure> {
    let m = enterprise(&req)?;
    let f = match follows::get(&state.store, &m.user.id).await? {
        Some(f) => digest::to_form(&f.settings),
        None => {
            // A first follow starts from the fields the enterprise registered.
            let org = ztc_store::orgs::get(&state.store, &m.user.org_id).await?;
            digest::Form {
                fields: org.map(|o| o.interest_fields).unwrap_or_default(),
                keywords: String::new(),
                frequency: Frequency::Weekly.as_str().into(),
            }
        }
    };
    let notice = if q.done == "saved" {
        req.t("follow.saved").to_owned()
    } else {
        String::new()
    };
    render_follow(&state, &req, f, &Invalid::default(), notice, StatusCode::OK).await
}

pub async fn save_follow(
    State(state): State<AppState>,
    req: Req,
    HtmlForm(f): HtmlForm<digest::Form>,
) -> Result<Response, Failure> {
    let m = enterprise(&req)?.clone();
    let settings = match digest::validate(&f, &state.vocab) {
        Ok(s) => s,
        Err(inv) => {
            return render_follow(
                &state,
                &req,
                f,
                &inv,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    follows::upsert(&state.store, &req.change(), &m.user.id, &settings).await?;
    Ok(Redirect::to("/me/follow?done=saved").into_response())
}

// ---- digests ---------------------------------------------------------------------

pub struct DigestRow {
    pub id: String,
    pub at: String,
    pub period: String,
    pub count: i64,
    pub mail: String,
}

#[derive(Template)]
#[template(path = "digests.html")]
struct DigestsPage {
    page: Page,
    rows: Vec<DigestRow>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    page: Option<i64>,
}

fn day(ms: i64) -> String {
    crate::view::format_time(ms).chars().take(10).collect()
}

pub async fn digest_list(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<PageQuery>,
) -> Result<Response, Failure> {
    let m = enterprise(&req)?;
    let p =
        digests::list_for_user(&state.store, &m.user.id, forms::page_number(q.page), 20).await?;
    let en = req.lang.is_en();
    let rows = p
        .items
        .iter()
        .map(|d| DigestRow {
            id: d.id.clone(),
            at: crate::view::format_time(d.created_at),
            period: format!("{} – {}", day(d.period_from), day(d.period_to)),
            count: d.item_count,
            mail: d
                .mail_status
                .map(|s| s.label(en).to_owned())
                .unwrap_or_else(|| req.t("follow.site_only").to_owned()),
        })
        .collect();
    let page = DigestsPage {
        page: Page::new(&req, "follow.digests"),
        rows,
        pager: Pager::new(&p, "/me/digests"),
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

pub struct ItemRow {
    pub id: String,
    pub title: String,
    pub org: String,
    pub reasons: Vec<String>,
    /// Still in the library (links only then).
    pub live: bool,
}

#[derive(Template)]
#[template(path = "digest.html")]
struct DigestPage {
    page: Page,
    period: String,
    total: i64,
    items: Vec<ItemRow>,
}

pub async fn digest_detail(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let m = enterprise(&req)?;
    let (d, items) = digests::get_for_user(&state.store, &m.user.id, &id)
        .await?
        .ok_or_else(Failure::not_found)?;
    let en = req.lang.is_en();
    let items = items
        .into_iter()
        .map(|i| ItemRow {
            live: i.status == "published",
            reasons: i
                .reasons
                .iter()
                .map(|r| r.describe(&state.vocab, en))
                .collect(),
            id: i.achievement_id,
            title: i.title,
            org: i.holder_org_name,
        })
        .collect();
    let page = DigestPage {
        page: Page::new(&req, "follow.digest"),
        period: format!("{} – {}", day(d.period_from), day(d.period_to)),
        total: d.item_count,
        items,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

// ---- one-click unsubscribe --------------------------------------------------------

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    page: Page,
    token: String,
    /// Found and still subscribed.
    active: bool,
    done: bool,
}

/// The confirmation page behind a mail's link (mail scanners fetch links, so a GET
/// changes nothing).
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    req: Req,
    Path(token): Path<String>,
) -> Result<Response, Failure> {
    let token: String = token.chars().take(100).collect();
    let active = follows::by_token(&state.store, &token)
        .await?
        .is_some_and(|f| f.settings.frequency != Frequency::Off);
    let page = UnsubscribePage {
        page: Page::new(&req, "follow.unsubscribe"),
        token,
        active,
        done: false,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

/// One click (RFC 8058 `List-Unsubscribe-Post`, or the page's button): no session,
/// no CSRF token — the token in the address is the authority. Answers the same for
/// unknown tokens.
pub async fn unsubscribe(
    State(state): State<AppState>,
    req: Req,
    Path(token): Path<String>,
) -> Result<Response, Failure> {
    let token: String = token.chars().take(100).collect();
    follows::unsubscribe(
        &state.store,
        &ztc_store::Ctx {
            ip: req.ip.clone(),
            ..ztc_store::Ctx::system("unsubscribe")
        },
        &token,
    )
    .await?;
    let page = UnsubscribePage {
        page: Page::new(&req, "follow.unsubscribe"),
        token,
        active: false,
        done: true,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

// ---- the mail outbox (administrators) ---------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct OutboxQuery {
    status: String,
    to: String,
    page: Option<i64>,
    done: String,
    error: String,
}

pub struct MailRow {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub error: String,
    pub at: String,
    pub retry: bool,
}

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct OutboxPage {
    page: Page,
    q: OutboxQuery,
    rows: Vec<MailRow>,
    pager: Pager,
    counts: Vec<(String, String, i64)>,
    smtp: bool,
    notice: String,
    error: String,
}

fn mail_admin(req: &Req) -> Result<(), Failure> {
    req.require(Action::EditReference, &Resource::Site)?;
    Ok(())
}

pub async fn outbox(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, Failure> {
    mail_admin(&req)?;
    let en = req.lang.is_en();
    let filter = mail::Filter {
        status: MailStatus::parse(q.status.trim()),
        kind: None,
        to: Some(q.to.trim().chars().take(100).collect::<String>()).filter(|s| !s.is_empty()),
    };
    let p = mail::list(&state.store, &filter, forms::page_number(q.page), 50).await?;
    let rows = p
        .items
        .iter()
        .map(|m| MailRow {
            id: m.id.clone(),
            to: m.to_addr.clone(),
            subject: m.subject.clone(),
            kind: m.kind.clone(),
            status: m.status.label(en).to_owned(),
            attempts: m.attempts,
            error: m.last_error.clone().unwrap_or_default(),
            at: crate::view::format_time(m.created_at),
            retry: matches!(m.status, MailStatus::Failed | MailStatus::Held),
        })
        .collect();
    let counts = mail::counts(&state.store)
        .await?
        .into_iter()
        .map(|(s, n)| (s.as_str().to_owned(), s.label(en).to_owned(), n))
        .collect();
    let base = forms::query("/admin/mail", &[("status", &q.status), ("to", &q.to)]);
    let page = OutboxPage {
        page: Page::new(&req, "follow.outbox"),
        rows,
        pager: Pager::new(&p, &base),
        counts,
        smtp: state
            .settings
            .smtp_url
            .as_ref()
            .is_some_and(|u| !u.expose().trim().is_empty()),
        notice: if q.done == "retried" {
            req.t("follow.retried").to_owned()
        } else {
            String::new()
        },
        error: crate::i18n::error_message(req.lang, q.error.trim())
            .map(str::to_owned)
            .unwrap_or_default(),
        q,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

pub async fn retry_mail(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    mail_admin(&req)?;
    match mail::retry(&state.store, &req.change(), &id).await {
        Ok(_) => Ok(Redirect::to("/admin/mail?done=retried").into_response()),
        Err(StoreError::Conflict { code, .. }) => {
            Ok(Redirect::to(&format!("/admin/mail?error={code}")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
