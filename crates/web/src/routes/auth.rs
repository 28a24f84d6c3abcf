//! Sign-in, sign-out, self-registration and password change.
//!
//! Sign-in failures say the same thing whether or not the account exists, take as
//! long either way (a dummy hash is verified), and are counted per user name and per
//! client address; too many lock the name (or address) for 15 minutes.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use ztc_domain::{
    AccountStatus, Action, FieldError, Invalid, OrgKind, Resource, Role, password, text,
};
use ztc_store::orgs::NewOrg;
use ztc_store::users::{self, NewUser};
use ztc_store::{StoreError, sessions};

use crate::AppState;
use crate::ctx::{Req, SESSION_COOKIE};
use crate::error::Failure;
use crate::forms::{self, Errors, HtmlForm};
use crate::routes::public::safe_next;
use crate::view::Page;

/// Failures per user name, and per client address, before a lock.
pub const USER_LIMIT: i64 = 5;
pub const IP_LIMIT: i64 = 30;

#[derive(Template)]
#[template(path = "login.html")]
struct Login {
    page: Page,
    error: String,
    username: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQ {
    next: Option<String>,
}

pub async fn login_form(req: Req, Query(q): Query<NextQ>) -> Result<Response, Failure> {
    if req.member().is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref(), "/me")).into_response());
    }
    let page = Login {
        page: Page::new(&req, "login.title"),
        error: String::new(),
        username: String::new(),
        next: safe_next(q.next.as_deref(), "/me"),
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginInput {
    username: String,
    password: String,
    next: String,
}

fn login_again(
    req: &Req,
    status: StatusCode,
    code: &str,
    input: &LoginInput,
) -> Result<Response, Failure> {
    let error = crate::i18n::error_message(req.lang, code)
        .unwrap_or(code)
        .to_owned();
    let username: String = input.username.chars().take(40).collect();
    let page = Login {
        page: Page::new(req, "login.title"),
        error,
        username,
        next: safe_next(Some(&input.next), "/me"),
    };
    Ok(forms::page(status, page.render()?))
}

pub async fn login(
    State(state): State<AppState>,
    req: Req,
    jar: CookieJar,
    Form(input): Form<LoginInput>,
) -> Result<Response, Failure> {
    let name = input.username.trim().to_lowercase();
    if name.is_empty()
        || input.password.is_empty()
        || name.chars().count() > 40
        || input.password.chars().count() > password::MAX_CHARS
    {
        return login_again(&req, StatusCode::UNAUTHORIZED, "login_failed", &input);
    }
    let user_key = format!("user:{name}");
    let ip_key = format!("ip:{}", req.ip.as_deref().unwrap_or("unknown"));
    if sessions::locked_until(&state.store, &[user_key.clone(), ip_key.clone()])
        .await?
        .is_some()
    {
        return login_again(&req, StatusCode::TOO_MANY_REQUESTS, "login_locked", &input);
    }
    let member = users::member_by_username(&state.store, &name).await?;
    let hash = member
        .as_ref()
        .map(|m| m.user.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_owned());
    let pw = input.password.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .map_err(Failure::internal)?;
    let member = match member {
        Some(m)
            if ok
                && matches!(
                    m.user.status,
                    AccountStatus::Active | AccountStatus::Pending
                ) =>
        {
            m
        }
        _ => {
            tracing::warn!(user = %name, ip = ?req.ip, "sign-in failed");
            sessions::fail(&state.store, &user_key, USER_LIMIT).await?;
            sessions::fail(&state.store, &ip_key, IP_LIMIT).await?;
            return login_again(&req, StatusCode::UNAUTHORIZED, "login_failed", &input);
        }
    };
    sessions::clear(&state.store, &user_key).await?;
    let mut ctx = req.change();
    ctx.actor_id = Some(member.user.id.clone());
    ctx.actor_name = Some(member.user.username.clone());
    let token = sessions::create(&state.store, &ctx, &member, None).await?;
    let target = if member.user.must_change_password {
        "/me/password".to_owned()
    } else {
        safe_next(Some(&input.next), "/me")
    };
    Ok((
        jar.add(req.cookie(SESSION_COOKIE, token)),
        Redirect::to(&target),
    )
        .into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    req: Req,
    jar: CookieJar,
) -> Result<Response, Failure> {
    if let Some(hash) = req.session_hash()
        && let Some(m) = req.member()
    {
        let s = sessions::Session {
            member: m.clone(),
            csrf: req.csrf.clone(),
            token_hash: hash.to_owned(),
        };
        sessions::end(&state.store, &req.change(), &s).await?;
    }
    let mut gone = req.cookie(SESSION_COOKIE, String::new());
    gone.make_removal();
    Ok((jar.add(gone), Redirect::to("/")).into_response())
}

// ---- registration --------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RegisterInput {
    pub role: String,
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub email: String,
    pub phone: String,
    pub org_name: String,
    pub org_kind: String,
    pub region: String,
    pub credit_code: String,
    /// Enterprises, parks and investors: industry section (GB/T 4754), followed
    /// fields and the organisation's contact (defaults to the account's own).
    pub industry: String,
    pub interest_fields: Vec<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct Register {
    page: Page,
    form: RegisterInput,
    errors: Errors,
    kinds: Vec<(String, String)>,
    regions: Vec<(String, String)>,
    industries: Vec<(String, String)>,
    fields: Vec<(String, String)>,
}

impl Register {
    fn follows(&self, code: &str) -> bool {
        self.form.interest_fields.iter().any(|f| f == code)
    }
}

fn render_register(
    state: &AppState,
    req: &Req,
    form: RegisterInput,
    inv: &Invalid,
    status: StatusCode,
) -> Result<Response, Failure> {
    let kinds = forms::kind_options(
        req.lang,
        OrgKind::ALL
            .iter()
            .copied()
            .filter(|k| k.self_registrable()),
    );
    let regions = forms::region_options(&state.vocab, None);
    let labels = crate::routes::library::Labels::new(state, req.lang);
    let industries = labels.options("industries");
    let fields = labels
        .options("fields")
        .into_iter()
        .filter(|(c, _)| !c.contains('.'))
        .collect();
    let mut form = form;
    form.password.clear();
    let page = Register {
        page: Page::new(req, "register.title"),
        form,
        errors: Errors::new(req.lang, inv),
        kinds,
        regions,
        industries,
        fields,
    };
    Ok(forms::page(status, page.render()?))
}

pub async fn register_form(State(state): State<AppState>, req: Req) -> Result<Response, Failure> {
    let form = RegisterInput {
        role: "holder".into(),
        ..Default::default()
    };
    render_register(&state, &req, form, &Invalid::default(), StatusCode::OK)
}

/// Validates a registration; returns the organisation and the account to create.
pub fn validate_registration(
    state: &AppState,
    f: &RegisterInput,
) -> Result<(NewOrg, NewUser), Invalid> {
    let mut inv = Invalid::default();
    let role = Role::parse(f.role.trim()).filter(|r| r.self_registrable());
    if role.is_none() {
        inv.push(FieldError::new("choice_invalid", "请选择注册身份").on("role"));
    }
    let username = inv.check(text::username(&f.username));
    let display_name = inv.check(text::required("display_name", "姓名", &f.display_name, 50));
    if let Some(u) = &username {
        inv.check(password::check_new(&f.password, u));
    }
    let email = inv.check(text::email(&f.email)).flatten();
    let phone = inv.check(text::phone(&f.phone)).flatten();
    let org_name = inv.check(text::required("org_name", "机构名称", &f.org_name, 100));
    let kind = OrgKind::parse(f.org_kind.trim());
    let kind = match (kind, role) {
        (Some(k), Some(r)) if r.fits(k) && k.self_registrable() => Some(k),
        (_, None) => None,
        _ => {
            inv.push(FieldError::new("role_org_mismatch", "所选机构类型与注册身份不符：成果持有人请选择高校、院所或其他机构，企业请选择企业、园区或投资机构").on("org_kind"));
            None
        }
    };
    if state.vocab.region(f.region.trim()).is_none() {
        inv.push(FieldError::new("region_unknown", "请选择所在地区").on("region"));
    }
    let credit = forms::credit_code(&mut inv, kind, &f.credit_code);
    let profile = match role {
        Some(Role::Enterprise) => org_profile(state, f, &mut inv),
        _ => OrgProfile::default(),
    };
    inv.clone().into_result()?;
    let (Some(role), Some(username), Some(display_name), Some(org_name), Some(kind)) =
        (role, username, display_name, org_name, kind)
    else {
        return Err(inv);
    };
    let org = NewOrg {
        name: org_name,
        kind,
        region_code: f.region.trim().to_owned(),
        credit_code: credit.map(|c| c.as_str().to_owned()),
        status: AccountStatus::Pending,
        contact_name: profile
            .contact_name
            .or_else(|| (role == Role::Enterprise).then(|| display_name.clone())),
        contact_phone: profile
            .contact_phone
            .or_else(|| phone.clone().filter(|_| role == Role::Enterprise)),
        contact_email: profile
            .contact_email
            .or_else(|| email.clone().filter(|_| role == Role::Enterprise)),
        industry: profile.industry,
        interest_fields: profile.interest_fields,
    };
    let user = NewUser {
        username,
        display_name,
        email,
        phone,
        password_hash: password::hash(&f.password),
        role,
        status: AccountStatus::Pending,
        must_change_password: false,
    };
    Ok((org, user))
}

/// What an enterprise, park or investor tells about itself beyond the basics.
#[derive(Default)]
struct OrgProfile {
    industry: Option<String>,
    interest_fields: Vec<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_email: Option<String>,
}

/// The most fields an organisation may follow (all top-level fields).
const MAX_INTEREST_FIELDS: usize = 20;

fn org_profile(state: &AppState, f: &RegisterInput, inv: &mut Invalid) -> OrgProfile {
    let industry = f.industry.trim();
    let known_industry = state
        .vocab
        .list("industries")
        .is_some_and(|l| l.items.iter().any(|i| i.code == industry));
    if !known_industry {
        inv.push(FieldError::new("industry_required", "请选择所属行业").on("industry"));
    }
    let mut fields: Vec<String> = Vec::new();
    for code in f
        .interest_fields
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        let known = state
            .vocab
            .list("fields")
            .is_some_and(|l| l.items.iter().any(|i| i.code == code));
        if !known {
            inv.push(
                FieldError::new("field_unknown", "关注领域中有不存在的领域").on("interest_fields"),
            );
            break;
        }
        if !fields.iter().any(|x| x == code) {
            fields.push(code.to_owned());
        }
    }
    if fields.len() > MAX_INTEREST_FIELDS {
        inv.push(FieldError::new("too_many", "关注领域最多选择 20 个").on("interest_fields"));
    }
    let contact_name = inv
        .check(text::optional(
            "contact_name",
            "联系人",
            &f.contact_name,
            50,
        ))
        .flatten();
    let contact_phone = inv
        .check(text::phone(&f.contact_phone).map_err(|e| e.on("contact_phone")))
        .flatten();
    let contact_email = inv
        .check(text::email(&f.contact_email).map_err(|e| e.on("contact_email")))
        .flatten();
    OrgProfile {
        industry: known_industry.then(|| industry.to_owned()),
        interest_fields: fields,
        contact_name,
        contact_phone,
        contact_email,
    }
}

/// Turns a store conflict into a field error on the form.
pub fn conflict_on_form(e: StoreError) -> Result<Invalid, Failure> {
    match e {
        StoreError::Conflict { code, message } => {
            let field = match code {
                "username_taken" => "username",
                "credit_code_taken" => "credit_code",
                "region_unknown" => "region",
                _ => "form",
            };
            Ok(FieldError::new(code, message).on(field).into())
        }
        other => Err(other.into()),
    }
}

pub async fn register(
    State(state): State<AppState>,
    req: Req,
    jar: CookieJar,
    HtmlForm(f): HtmlForm<RegisterInput>,
) -> Result<Response, Failure> {
    // Repeated keys (the followed fields) need serde_html_form.
    let (org, user) = match validate_registration(&state, &f) {
        Ok(x) => x,
        Err(inv) => {
            return render_register(&state, &req, f, &inv, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let ctx = ztc_store::Ctx {
        actor_name: Some(format!("register:{}", user.username)),
        ..req.change()
    };
    let (_, created) = match users::register(&state.store, &ctx, &org, &user).await {
        Ok(x) => x,
        Err(e) => {
            let inv = conflict_on_form(e)?;
            return render_register(&state, &req, f, &inv, StatusCode::CONFLICT);
        }
    };
    let member = users::member(&state.store, &created.id)
        .await?
        .ok_or_else(|| Failure::internal("registered account vanished"))?;
    let ctx = ztc_store::Ctx {
        actor_id: Some(member.user.id.clone()),
        actor_name: Some(member.user.username.clone()),
        ..req.change()
    };
    let token = sessions::create(&state.store, &ctx, &member, None).await?;
    Ok((
        jar.add(req.cookie(SESSION_COOKIE, token)),
        Redirect::to("/me"),
    )
        .into_response())
}

// ---- password change -----------------------------------------------------------

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    page: Page,
    forced: bool,
    done: bool,
    errors: Errors,
}

pub async fn password_form(req: Req) -> Result<Response, Failure> {
    let m = req.require(Action::ChangeOwnPassword, &Resource::Site)?;
    let page = PasswordPage {
        page: Page::new(&req, "password.title"),
        forced: m.user.must_change_password,
        done: false,
        errors: Errors::none(req.lang),
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordInput {
    current: String,
    password: String,
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    req: Req,
    Form(f): Form<PasswordInput>,
) -> Result<Response, Failure> {
    let m = req
        .require(Action::ChangeOwnPassword, &Resource::Site)?
        .clone();
    let mut inv = Invalid::default();
    let (pw, hash) = (f.current.clone(), m.user.password_hash.clone());
    let current_ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .map_err(Failure::internal)?;
    if !current_ok {
        inv.push(FieldError::new("password_wrong", "当前密码不正确").on("current"));
    }
    inv.check(password::check_new(&f.password, &m.user.username));
    if f.password != f.confirm {
        inv.push(FieldError::new("password_mismatch", "两次输入的新密码不一致").on("confirm"));
    }
    if inv.is_empty() && f.password == f.current {
        inv.push(FieldError::new("password_unchanged", "新密码不能与当前密码相同").on("password"));
    }
    let done = inv.is_empty();
    if done {
        let new = f.password.clone();
        let hash = tokio::task::spawn_blocking(move || password::hash(&new))
            .await
            .map_err(Failure::internal)?;
        users::change_password(
            &state.store,
            &req.change(),
            &m,
            &hash,
            req.session_hash().unwrap_or_default(),
        )
        .await?;
    }
    let status = if done {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PasswordPage {
        page: Page::new(&req, "password.title"),
        forced: m.user.must_change_password && !done,
        done,
        errors: Errors::new(req.lang, &inv),
    };
    Ok(forms::page(status, page.render()?))
}
