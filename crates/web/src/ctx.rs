//! The per-request context: language, the signed-in member (session cookie or API
//! token), the CSRF token, client address and request id. [`load`] builds it once per
//! request and enforces CSRF on every unsafe method; handlers take [`Req`].

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rand::RngCore;
use ztc_domain::{Action, Actor, Resource, can};
use ztc_store::sessions;
use ztc_store::users::Member;

use crate::AppState;
use crate::error::{Failure, request_lang};
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "ztc_session";
pub const CSRF_COOKIE: &str = "ztc_csrf";
pub const LANG_COOKIE: &str = "ztc_lang";
/// Largest form body read for the CSRF check.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// How the member was authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    Session { token_hash: String },
    Token,
}

#[derive(Debug, Clone)]
pub struct Auth {
    pub member: Member,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub struct Req {
    pub lang: Lang,
    pub auth: Option<Auth>,
    /// The token forms must carry.
    pub csrf: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub path: String,
    pub secure_cookies: bool,
}

impl Req {
    pub fn member(&self) -> Option<&Member> {
        self.auth.as_ref().map(|a| &a.member)
    }

    pub fn actor(&self) -> Option<Actor> {
        self.member().map(Member::actor)
    }

    pub fn can(&self, action: Action, resource: &Resource) -> bool {
        can(self.actor().as_ref(), action, resource)
    }

    /// The signed-in member, if the policy allows `action` on `resource`; otherwise
    /// a failure that asks for sign-in (anonymous) or refuses (signed in).
    pub fn require(&self, action: Action, resource: &Resource) -> Result<&Member, Failure> {
        let Some(m) = self.member() else {
            return Err(if action == Action::ViewPublic {
                Failure::not_found()
            } else {
                Failure::login_required()
            });
        };
        if m.user.must_change_password
            && !matches!(action, Action::ChangeOwnPassword | Action::ViewPublic)
        {
            return Err(Failure::password_change_required());
        }
        if can(Some(&m.actor()), action, resource) {
            Ok(m)
        } else {
            Err(Failure::forbidden())
        }
    }

    /// The signed-in member (any status), for pages about one's own account.
    pub fn signed_in(&self) -> Result<&Member, Failure> {
        self.member().ok_or_else(Failure::login_required)
    }

    /// The audit context of a change made in this request.
    pub fn change(&self) -> ztc_store::Ctx {
        ztc_store::Ctx {
            actor_id: self.member().map(|m| m.user.id.clone()),
            actor_name: self.member().map(|m| m.user.username.clone()),
            ip: self.ip.clone(),
            request_id: self.request_id.clone(),
        }
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        crate::i18n::t(self.lang, key)
    }

    /// A cookie with the platform's attributes.
    pub fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        build_cookie(name, value, self.secure_cookies)
    }

    pub fn session_hash(&self) -> Option<&str> {
        match &self.auth {
            Some(Auth {
                via: Via::Session { token_hash },
                ..
            }) => Some(token_hash),
            _ => None,
        }
    }
}

pub fn build_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_path("/");
    c.set_http_only(true);
    c.set_secure(secure);
    c.set_same_site(if name == CSRF_COOKIE {
        SameSite::Strict
    } else {
        SameSite::Lax
    });
    c
}

impl<S: Send + Sync> FromRequestParts<S> for Req {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<Req>>()
            .map(|r| (**r).clone())
            .ok_or_else(|| Failure::internal("request context missing"))
    }
}

fn random_token() -> String {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn client_ip(req: &Request, trust_proxy: bool) -> Option<String> {
    if trust_proxy
        && let Some(v) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        && let Some(first) = v.split(',').next()
    {
        return Some(first.trim().to_owned());
    }
    req.extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Constant-time comparison of two tokens.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The CSRF token a request carries: `X-CSRF-Token`, `?csrf=` or a form field.
async fn provided_csrf(req: Request) -> Result<(Option<String>, Request), Failure> {
    if let Some(v) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return Ok((Some(v.to_owned()), req));
    }
    if let Some(q) = req.uri().query()
        && let Some((_, v)) = form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "csrf")
    {
        return Ok((Some(v.into_owned()), req));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
        Failure::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "提交的内容过大",
        )
    })?;
    let token = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

/// Builds the [`Req`] and checks CSRF on unsafe methods.
pub async fn load(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let api = path.starts_with("/api/");
    let lang = request_lang(req.headers(), api);
    let jar = CookieJar::from_headers(req.headers());
    let secure = state.settings.secure_cookies;
    let mut set_cookies: Vec<Cookie<'static>> = Vec::new();

    let mut auth = None;
    let mut session_csrf = None;
    if let Some(token) = bearer(req.headers()).filter(|_| api) {
        match sessions::find_token(&state.store, token).await {
            Ok(Some(member)) => {
                auth = Some(Auth {
                    member,
                    via: Via::Token,
                })
            }
            Ok(None) => {
                return Failure::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "token_invalid",
                    "API 令牌无效或已撤销",
                )
                .into_response();
            }
            Err(e) => return Failure::from(e).into_response(),
        }
    } else if let Some(c) = jar.get(SESSION_COOKIE) {
        match sessions::find(&state.store, c.value()).await {
            Ok(Some(s)) => {
                session_csrf = Some(s.csrf.clone());
                auth = Some(Auth {
                    member: s.member,
                    via: Via::Session {
                        token_hash: s.token_hash,
                    },
                });
            }
            Ok(None) => {
                let mut gone = build_cookie(SESSION_COOKIE, String::new(), secure);
                gone.make_removal();
                set_cookies.push(gone);
            }
            Err(e) => return Failure::from(e).into_response(),
        }
    }
    let anon_csrf = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 32);
    let csrf = match (&session_csrf, &anon_csrf) {
        (Some(s), _) => s.clone(),
        (None, Some(a)) => a.clone(),
        (None, None) => {
            let t = random_token();
            set_cookies.push(build_cookie(CSRF_COOKIE, t.clone(), secure));
            t
        }
    };

    let mut req = req;
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let by_token = matches!(
        auth,
        Some(Auth {
            via: Via::Token,
            ..
        })
    );
    // One-click unsubscribe (RFC 8058) comes from mail clients without cookies:
    // the token in the address is the authority.
    let exempt = path.starts_with("/unsubscribe/");
    if unsafe_method && !by_token && !exempt {
        let expected = session_csrf.clone().or(anon_csrf.clone());
        let (given, r) = match provided_csrf(req).await {
            Ok(x) => x,
            Err(f) => return f.into_response(),
        };
        req = r;
        let ok = matches!((&expected, &given), (Some(e), Some(g)) if same(e, g));
        if !ok {
            return Failure::csrf().into_response();
        }
    }

    let ctx = Req {
        lang,
        auth,
        csrf,
        ip: client_ip(&req, state.settings.trust_proxy),
        request_id: req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        path,
        secure_cookies: secure,
    };
    req.extensions_mut().insert(Arc::new(ctx));
    let mut res = next.run(req).await;
    for c in set_cookies {
        if let Ok(v) = c.encoded().to_string().parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}
