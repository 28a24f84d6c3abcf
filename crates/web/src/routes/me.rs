//! The signed-in user's own pages: the role's workbench and personal API tokens.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ztc_domain::{AccountStatus, Action, Resource, text};
use ztc_store::sessions::{self, ApiToken};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms;
use crate::view::{Page, nav_for};

pub struct Card {
    pub href: &'static str,
    pub title: &'static str,
    pub desc: &'static str,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "me.html")]
struct Me {
    page: Page,
    role_code: String,
    role_label: String,
    org_name: String,
    region_name: String,
    heading_key: String,
    intro_key: String,
    pending: bool,
    cards: Vec<Card>,
    username: String,
    last_login: Option<i64>,
}

fn card_for(href: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match href {
        "/admin/registrations" => (
            "/admin/registrations",
            "card.registrations.title",
            "card.registrations.desc",
        ),
        "/admin/users" => ("/admin/users", "card.users.title", "card.users.desc"),
        "/admin/orgs" => ("/admin/orgs", "card.orgs.title", "card.orgs.desc"),
        "/admin/audit" => ("/admin/audit", "card.audit.title", "card.audit.desc"),
        "/admin/reference" => (
            "/admin/reference",
            "card.reference.title",
            "card.reference.desc",
        ),
        _ => return None,
    })
}

/// The workbench of the signed-in user's role.
pub async fn home(State(state): State<AppState>, req: Req) -> Result<Response, Failure> {
    let m = req
        .require(Action::ViewOwnAccount, &Resource::Site)?
        .clone();
    let mut cards: Vec<Card> = Vec::new();
    for (href, _) in nav_for(&req) {
        if let Some((href, title, desc)) = card_for(href) {
            let count = if href == "/admin/registrations" {
                crate::routes::admin::pending_for(&state, &req).await?.len() as i64
            } else {
                0
            };
            cards.push(Card {
                href,
                title,
                desc,
                count,
            });
        }
    }
    if req.can(Action::ManageOwnTokens, &Resource::Site) {
        cards.push(Card {
            href: "/me/tokens",
            title: "card.tokens.title",
            desc: "card.tokens.desc",
            count: 0,
        });
    }
    cards.push(Card {
        href: "/me/password",
        title: "card.password.title",
        desc: "card.password.desc",
        count: 0,
    });
    let region_name = forms::region_label(&state.vocab, &m.region_code);
    let role = m.user.role.as_str();
    let page = Me {
        page: Page::new(&req, &format!("role_home.{role}.heading")),
        role_code: role.to_owned(),
        role_label: m.user.role.label(req.lang.is_en()).to_owned(),
        org_name: m.org_name.clone(),
        region_name,
        heading_key: format!("role_home.{role}.heading"),
        intro_key: format!("role_home.{role}.intro"),
        pending: m.user.status == AccountStatus::Pending,
        cards,
        username: m.user.username.clone(),
        last_login: m.user.last_login_at,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct Tokens {
    page: Page,
    tokens: Vec<ApiToken>,
    secret: Option<String>,
    error: String,
}

async fn render_tokens(
    state: &AppState,
    req: &Req,
    secret: Option<String>,
    error: String,
    status: StatusCode,
) -> Result<Response, Failure> {
    let m = req.require(Action::ManageOwnTokens, &Resource::Site)?;
    let tokens = sessions::tokens(&state.store, &m.user.id).await?;
    let page = Tokens {
        page: Page::new(req, "tokens.title"),
        tokens,
        secret,
        error,
    };
    Ok(forms::page(status, page.render()?))
}

pub async fn tokens(State(state): State<AppState>, req: Req) -> Result<Response, Failure> {
    render_tokens(&state, &req, None, String::new(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenInput {
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    req: Req,
    Form(f): Form<TokenInput>,
) -> Result<Response, Failure> {
    let m = req
        .require(Action::ManageOwnTokens, &Resource::Site)?
        .clone();
    match text::required("name", "令牌名称", &f.name, 50) {
        Ok(name) => {
            let (_, secret) =
                sessions::create_token(&state.store, &req.change(), &m, &name).await?;
            render_tokens(&state, &req, Some(secret), String::new(), StatusCode::OK).await
        }
        Err(e) => {
            let msg = crate::error::field_message(req.lang, &e);
            render_tokens(&state, &req, None, msg, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let m = req
        .require(Action::ManageOwnTokens, &Resource::Site)?
        .clone();
    if !sessions::revoke_token(&state.store, &req.change(), &m, &id).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::to("/me/tokens").into_response())
}
