//! Administration: accounts, registrations, organisations, reference data and the
//! audit trail. A provincial administrator sees and acts on its own unit only; the
//! national administrator everywhere (the policy decides each action).

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rand::Rng;
use serde::Deserialize;
use ztc_domain::vocab::{List, Region, Unit};
use ztc_domain::{
    AccountStatus, Action, FieldError, Invalid, OrgKind, Resource, Role, password, text,
};
use ztc_store::orgs::{self, NewOrg};
use ztc_store::users::{self, Member, NewUser};
use ztc_store::{audit, reference};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms::{self, Errors, Pager};
use crate::view::{Page, parse_day, verifies_registrations};

const PER_PAGE: i64 = 30;

/// The unit an administrator's lists are limited to: its own for a provincial
/// administrator (None for the national administrator: all units).
fn scope(req: &Req, action: Action) -> Result<Option<String>, Failure> {
    let m = req.signed_in()?;
    let own = Resource::Unit {
        unit_code: m.unit_code.clone(),
    };
    req.require(action, &own)?;
    Ok(if m.user.role == Role::NationalAdmin {
        None
    } else {
        Some(m.unit_code.clone())
    })
}

fn done_notice(req: &Req, done: Option<&str>, allowed: &[(&str, &str)]) -> String {
    done.and_then(|d| allowed.iter().find(|(k, _)| *k == d))
        .map(|(_, key)| req.t(key).to_owned())
        .unwrap_or_default()
}

// ---- accounts --------------------------------------------------------------------

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub org: String,
    pub status: String,
    pub active: bool,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct Users {
    page: Page,
    rows: Vec<UserRow>,
    q: String,
    status: String,
    statuses: Vec<(String, String)>,
    pager: Pager,
    notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub status: String,
    pub page: Option<i64>,
    pub done: Option<String>,
}

pub async fn users(
    State(state): State<AppState>,
    req: Req,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Failure> {
    let unit = scope(&req, Action::ListAccounts)?;
    let q: String = lq.q.trim().chars().take(100).collect();
    let status = AccountStatus::parse(lq.status.trim());
    let filter = users::Filter {
        unit,
        status,
        q: (!q.is_empty()).then(|| q.clone()),
    };
    let p = users::list(&state.store, &filter, forms::page_number(lq.page), PER_PAGE).await?;
    let en = req.lang.is_en();
    let rows = p
        .items
        .iter()
        .map(|m| UserRow {
            id: m.user.id.clone(),
            username: m.user.username.clone(),
            display_name: m.user.display_name.clone(),
            role: m.user.role.label(en).to_owned(),
            org: m.org_name.clone(),
            status: m.user.status.label(en).to_owned(),
            active: m.user.status == AccountStatus::Active,
            disabled: m.user.status == AccountStatus::Disabled,
        })
        .collect();
    let status_s = status.map(|s| s.as_str().to_owned()).unwrap_or_default();
    let pager = Pager::new(
        &p,
        &forms::query("/admin/users", &[("q", &q), ("status", &status_s)]),
    );
    let statuses = AccountStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.label(en).to_owned()))
        .collect();
    let notice = done_notice(
        &req,
        lq.done.as_deref(),
        &[
            ("created", "users.created"),
            ("status", "users.status_done"),
        ],
    );
    let page = Users {
        page: Page::new(&req, "users.title"),
        rows,
        q,
        status: status_s,
        statuses,
        pager,
        notice,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

#[derive(Deserialize, Default, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewUserInput {
    pub org_id: String,
    pub role: String,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub phone: String,
    /// Initial password; the user must change it at first sign-in.
    pub password: String,
}

#[derive(Template)]
#[template(path = "admin_user_new.html")]
struct NewUserPage {
    page: Page,
    form: NewUserInput,
    errors: Errors,
    orgs: Vec<(String, String)>,
    roles: Vec<(String, String)>,
}

async fn render_new_user(
    state: &AppState,
    req: &Req,
    form: NewUserInput,
    inv: &Invalid,
    status: StatusCode,
) -> Result<Response, Failure> {
    let unit = scope(req, Action::ListAccounts)?;
    let list = orgs::list(&state.store, unit.as_deref(), None, 1, 1000).await?;
    let orgs = list
        .items
        .iter()
        .map(|o| {
            (
                o.id.clone(),
                format!("{}（{}）", o.name, o.kind.label(req.lang.is_en())),
            )
        })
        .collect();
    let m = req.signed_in()?;
    let roles = Role::ALL
        .iter()
        .filter(|r| {
            let target = Resource::User {
                user_id: String::new(),
                unit_code: m.unit_code.clone(),
                role: **r,
                org_kind: OrgKind::Other,
            };
            req.can(Action::CreateUser, &target)
        })
        .map(|r| (r.as_str().to_owned(), r.label(req.lang.is_en()).to_owned()))
        .collect();
    let mut form = form;
    form.password.clear();
    let page = NewUserPage {
        page: Page::new(req, "users.new"),
        form,
        errors: Errors::new(req.lang, inv),
        orgs,
        roles,
    };
    Ok(forms::page(status, page.render()?))
}

pub async fn new_user(State(state): State<AppState>, req: Req) -> Result<Response, Failure> {
    render_new_user(
        &state,
        &req,
        NewUserInput::default(),
        &Invalid::default(),
        StatusCode::OK,
    )
    .await
}

/// Validates and creates an account (pages and API share this).
pub async fn create_user_from(
    state: &AppState,
    req: &Req,
    f: &NewUserInput,
) -> Result<Result<Member, Invalid>, Failure> {
    scope(req, Action::ListAccounts)?;
    let mut inv = Invalid::default();
    let org = orgs::get(&state.store, f.org_id.trim()).await?;
    if org.is_none() {
        inv.push(FieldError::new("choice_invalid", "请选择所属机构").on("org_id"));
    }
    let role = Role::parse(f.role.trim());
    if role.is_none() {
        inv.push(FieldError::new("choice_invalid", "请选择角色").on("role"));
    }
    if let (Some(o), Some(r)) = (&org, role) {
        let target = Resource::User {
            user_id: String::new(),
            unit_code: o.unit_code.clone(),
            role: r,
            org_kind: o.kind,
        };
        req.require(Action::CreateUser, &target)?;
        if !r.fits(o.kind) {
            inv.push(FieldError::new("role_org_mismatch", "该角色不能属于这一类机构").on("role"));
        }
    }
    let username = inv.check(text::username(&f.username));
    let display_name = inv.check(text::required("display_name", "姓名", &f.display_name, 50));
    if let Some(u) = &username {
        inv.check(password::check_new(&f.password, u));
    }
    let email = inv.check(text::email(&f.email)).flatten();
    let phone = inv.check(text::phone(&f.phone)).flatten();
    let (Some(org), Some(role), Some(username), Some(display_name), true) =
        (org, role, username, display_name, inv.is_empty())
    else {
        return Ok(Err(inv));
    };
    let pw = f.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(Failure::internal)?;
    let new = NewUser {
        username,
        display_name,
        email,
        phone,
        password_hash,
        role,
        status: AccountStatus::Active,
        must_change_password: true,
    };
    match users::create(&state.store, &req.change(), &org.id, &new).await {
        Ok(u) => Ok(Ok(users::member(&state.store, &u.id)
            .await?
            .ok_or_else(|| Failure::internal("created account vanished"))?)),
        Err(e) => Ok(Err(crate::routes::auth::conflict_on_form(e)?)),
    }
}

pub async fn create_user(
    State(state): State<AppState>,
    req: Req,
    Form(f): Form<NewUserInput>,
) -> Result<Response, Failure> {
    match create_user_from(&state, &req, &f).await? {
        Ok(_) => Ok(Redirect::to("/admin/users?done=created").into_response()),
        Err(inv) => render_new_user(&state, &req, f, &inv, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

async fn target(state: &AppState, id: &str) -> Result<Member, Failure> {
    users::member(&state.store, id)
        .await?
        .ok_or_else(Failure::not_found)
}

/// A temporary password: 14 characters without look-alikes.
fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..14)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    page: Page,
    heading: String,
    body: String,
    link: String,
    link_label: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let t = target(&state, &id).await?;
    req.require(Action::ManageUser, &t.resource())?;
    if req.member().is_some_and(|m| m.user.id == t.user.id) {
        return Err(Failure::bad_request(
            "own_account",
            "请在“修改密码”页面修改自己的密码",
        ));
    }
    let temp = temporary_password();
    let pw = temp.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(Failure::internal)?;
    users::reset_password(&state.store, &req.change(), &t, &hash).await?;
    let page = Message {
        page: Page::new(&req, "users.reset"),
        heading: format!("{} · {}", req.t("users.reset"), t.user.username),
        body: format!("{} {temp}", req.t("users.reset_done")),
        link: "/admin/users".into(),
        link_label: req.t("users.title").to_owned(),
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusInput {
    status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Form(f): Form<StatusInput>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let t = target(&state, &id).await?;
    req.require(Action::ManageUser, &t.resource())?;
    if req.member().is_some_and(|m| m.user.id == t.user.id) {
        return Err(Failure::bad_request("own_account", "不能停用自己的账号"));
    }
    let (status, action) = match (AccountStatus::parse(f.status.trim()), t.user.status) {
        (Some(AccountStatus::Disabled), AccountStatus::Active) => {
            (AccountStatus::Disabled, "user.disable")
        }
        (Some(AccountStatus::Active), AccountStatus::Disabled) => {
            (AccountStatus::Active, "user.enable")
        }
        _ => {
            return Err(Failure::bad_request(
                "status_invalid",
                "只能停用正常账号或启用已停用的账号",
            ));
        }
    };
    users::set_status(&state.store, &req.change(), &t, status, action, None).await?;
    Ok(Redirect::to("/admin/users?done=status").into_response())
}

// ---- registrations -----------------------------------------------------------------

/// Pending registrations the signed-in user may verify.
pub async fn pending_for(state: &AppState, req: &Req) -> Result<Vec<Member>, Failure> {
    let Some(m) = req.member() else {
        return Ok(Vec::new());
    };
    if !verifies_registrations(m) || m.user.status != AccountStatus::Active {
        return Ok(Vec::new());
    }
    let unit =
        matches!(m.user.role, Role::ProvincialAdmin | Role::Agency).then(|| m.unit_code.clone());
    let filter = users::Filter {
        unit,
        status: Some(AccountStatus::Pending),
        q: None,
    };
    let all = users::list(&state.store, &filter, 1, 1000).await?;
    Ok(all
        .items
        .into_iter()
        .filter(|p| req.can(Action::VerifyRegistration, &p.resource()))
        .collect())
}

pub struct RegistrationRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub org: String,
    pub credit_code: String,
    pub created_at: i64,
}

#[derive(Template)]
#[template(path = "admin_registrations.html")]
struct Registrations {
    page: Page,
    rows: Vec<RegistrationRow>,
    pager: Pager,
    notice: String,
}

pub async fn registrations(
    State(state): State<AppState>,
    req: Req,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Failure> {
    let m = req.signed_in()?;
    if !verifies_registrations(m) {
        return Err(Failure::forbidden());
    }
    req.require(Action::ViewOwnAccount, &Resource::Site)?;
    if m.user.status != AccountStatus::Active {
        return Err(Failure::forbidden());
    }
    let pending = pending_for(&state, &req).await?;
    let total = pending.len() as i64;
    let page_no = forms::page_number(lq.page);
    let mut rows = Vec::new();
    for p in pending
        .iter()
        .skip(((page_no - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize)
    {
        let org = orgs::get(&state.store, &p.user.org_id).await?;
        rows.push(RegistrationRow {
            id: p.user.id.clone(),
            username: p.user.username.clone(),
            display_name: p.user.display_name.clone(),
            role: p.user.role.label(req.lang.is_en()).to_owned(),
            org: format!("{}（{}）", p.org_name, p.org_kind.label(req.lang.is_en())),
            credit_code: org.and_then(|o| o.credit_code).unwrap_or_default(),
            created_at: p.user.created_at,
        });
    }
    let pg = ztc_store::orgs::Page {
        items: Vec::<()>::new(),
        total,
        page: page_no,
        per_page: PER_PAGE,
    };
    let pager = Pager::new(&pg, "/admin/registrations");
    let notice = done_notice(
        &req,
        lq.done.as_deref(),
        &[
            ("approved", "registrations.approved"),
            ("rejected", "registrations.rejected"),
        ],
    );
    let page = Registrations {
        page: Page::new(&req, "registrations.title"),
        rows,
        pager,
        notice,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

async fn decide(
    state: &AppState,
    req: &Req,
    id: &str,
    approve: bool,
    reason: Option<String>,
) -> Result<(), Failure> {
    req.signed_in()?;
    let t = target(state, id).await?;
    req.require(Action::VerifyRegistration, &t.resource())?;
    if t.user.status != AccountStatus::Pending {
        return Err(Failure::new(
            StatusCode::CONFLICT,
            "not_pending",
            "该账号不在待审核状态",
        ));
    }
    let (status, action) = if approve {
        (AccountStatus::Active, "user.verify")
    } else {
        (AccountStatus::Rejected, "user.reject")
    };
    users::set_status(
        &state.store,
        &req.change(),
        &t,
        status,
        action,
        reason.as_deref(),
    )
    .await?;
    Ok(())
}

pub async fn approve(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    decide(&state, &req, &id, true, None).await?;
    Ok(Redirect::to("/admin/registrations?done=approved").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RejectInput {
    reason: String,
}

pub async fn reject(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Form(f): Form<RejectInput>,
) -> Result<Response, Failure> {
    let reason = text::optional("reason", "不通过原因", &f.reason, 200)
        .map_err(|e| Failure::invalid(e.into()))?;
    decide(&state, &req, &id, false, reason).await?;
    Ok(Redirect::to("/admin/registrations?done=rejected").into_response())
}

// ---- organisations --------------------------------------------------------------

pub struct OrgRow {
    pub id: String,
    pub is_agency: bool,
    pub verifier: bool,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub credit_code: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "admin_orgs.html")]
struct Orgs {
    page: Page,
    rows: Vec<OrgRow>,
    q: String,
    pager: Pager,
    notice: String,
}

pub async fn orgs(
    State(state): State<AppState>,
    req: Req,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Failure> {
    let unit = scope(&req, Action::ListAccounts)?;
    let q: String = lq.q.trim().chars().take(100).collect();
    let p = orgs::list(
        &state.store,
        unit.as_deref(),
        (!q.is_empty()).then_some(q.as_str()),
        forms::page_number(lq.page),
        PER_PAGE,
    )
    .await?;
    let en = req.lang.is_en();
    let rows = p
        .items
        .iter()
        .map(|o| OrgRow {
            id: o.id.clone(),
            is_agency: o.kind == OrgKind::Agency,
            verifier: o.verifier,
            name: o.name.clone(),
            kind: o.kind.label(en).to_owned(),
            region: forms::region_label(&state.vocab, &o.region_code),
            credit_code: o.credit_code.clone().unwrap_or_default(),
            status: o.status.label(en).to_owned(),
        })
        .collect();
    let pager = Pager::new(&p, &forms::query("/admin/orgs", &[("q", &q)]));
    let notice = done_notice(&req, lq.done.as_deref(), &[("created", "orgs.created")]);
    let page = Orgs {
        page: Page::new(&req, "orgs.title"),
        rows,
        q,
        pager,
        notice,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewOrgInput {
    pub name: String,
    pub kind: String,
    pub region: String,
    pub credit_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
}

#[derive(Template)]
#[template(path = "admin_org_new.html")]
struct NewOrgPage {
    page: Page,
    form: NewOrgInput,
    errors: Errors,
    kinds: Vec<(String, String)>,
    regions: Vec<(String, String)>,
}

fn render_new_org(
    state: &AppState,
    req: &Req,
    form: NewOrgInput,
    inv: &Invalid,
    status: StatusCode,
) -> Result<Response, Failure> {
    let unit = scope(req, Action::ListAccounts)?;
    let m = req.signed_in()?;
    let kinds = forms::kind_options(
        req.lang,
        OrgKind::ALL.iter().copied().filter(|k| {
            req.can(
                Action::ManageOrg,
                &Resource::Org {
                    unit_code: m.unit_code.clone(),
                    kind: *k,
                },
            )
        }),
    );
    let regions = forms::region_options(&state.vocab, unit.as_deref());
    let page = NewOrgPage {
        page: Page::new(req, "orgs.new"),
        form,
        errors: Errors::new(req.lang, inv),
        kinds,
        regions,
    };
    Ok(forms::page(status, page.render()?))
}

pub async fn new_org(State(state): State<AppState>, req: Req) -> Result<Response, Failure> {
    render_new_org(
        &state,
        &req,
        NewOrgInput::default(),
        &Invalid::default(),
        StatusCode::OK,
    )
}

pub async fn create_org(
    State(state): State<AppState>,
    req: Req,
    Form(f): Form<NewOrgInput>,
) -> Result<Response, Failure> {
    scope(&req, Action::ListAccounts)?;
    let mut inv = Invalid::default();
    let name = inv.check(text::required("name", "机构名称", &f.name, 100));
    let kind = OrgKind::parse(f.kind.trim());
    if kind.is_none() {
        inv.push(FieldError::new("choice_invalid", "请选择机构类型").on("kind"));
    }
    let region = state.vocab.region(f.region.trim()).cloned();
    if region.is_none() {
        inv.push(FieldError::new("region_unknown", "请选择所在地区").on("region"));
    }
    if let (Some(k), Some(r)) = (kind, &region) {
        req.require(
            Action::ManageOrg,
            &Resource::Org {
                unit_code: r.unit_code.clone(),
                kind: k,
            },
        )?;
    }
    let credit = forms::credit_code(&mut inv, kind, &f.credit_code);
    let contact_name = inv
        .check(text::optional(
            "contact_name",
            "联系人",
            &f.contact_name,
            50,
        ))
        .flatten();
    let contact_phone = inv.check(text::phone(&f.contact_phone)).flatten();
    let contact_email = inv.check(text::email(&f.contact_email)).flatten();
    let (Some(name), Some(kind), Some(region), true) = (name, kind, region, inv.is_empty()) else {
        return render_new_org(&state, &req, f, &inv, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let new = NewOrg {
        name,
        kind,
        region_code: region.code,
        credit_code: credit.map(|c| c.as_str().to_owned()),
        status: AccountStatus::Active,
        contact_name,
        contact_phone,
        contact_email,
        industry: None,
        interest_fields: Vec::new(),
    };
    match orgs::create(&state.store, &req.change(), &new).await {
        Ok(_) => Ok(Redirect::to("/admin/orgs?done=created").into_response()),
        Err(e) => {
            let inv = crate::routes::auth::conflict_on_form(e)?;
            render_new_org(&state, &req, f, &inv, StatusCode::CONFLICT)
        }
    }
}

// ---- reference data ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_reference.html")]
struct ReferencePage {
    page: Page,
    lists: Vec<List>,
    units: Vec<Unit>,
    regions: Vec<Region>,
    terms: Vec<ztc_store::search_terms::Term>,
    can_edit_terms: bool,
    term_error: String,
    term_input: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferenceQuery {
    term_error: String,
    term: String,
}

pub async fn reference(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<ReferenceQuery>,
) -> Result<Response, Failure> {
    req.require(Action::ViewReference, &Resource::Site)?;
    let mut lists = Vec::new();
    for l in &state.vocab.lists {
        let items = reference::items(&state.store, l.key).await?;
        lists.push(List {
            key: l.key,
            title: l.title,
            title_en: l.title_en,
            items,
        });
    }
    let units = reference::units(&state.store).await?;
    let regions = reference::regions(&state.store).await?;
    let page = ReferencePage {
        page: Page::new(&req, "reference.title"),
        lists,
        units,
        regions,
        terms: ztc_store::search_terms::list(&state.store).await?,
        can_edit_terms: req.can(Action::EditReference, &Resource::Site),
        term_error: crate::i18n::error_message(req.lang, q.term_error.trim())
            .map(str::to_owned)
            .unwrap_or_default(),
        term_input: q.term.chars().take(40).collect(),
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

// ---- audit trail ------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AuditQuery {
    pub actor: String,
    pub object_type: String,
    pub object_id: String,
    pub from: String,
    pub to: String,
    pub page: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    page: Page,
    f: AuditQuery,
    rows: Vec<audit::Record>,
    pager: Pager,
    error: String,
}

fn clip(s: &str, n: usize) -> Option<String> {
    let s: String = s.trim().chars().take(n).collect();
    (!s.is_empty()).then_some(s)
}

/// Builds the store filter; returns the names of dates that could not be read.
pub fn audit_filter(unit: Option<String>, q: &AuditQuery) -> (audit::Filter, Vec<&'static str>) {
    let mut bad = Vec::new();
    let mut day = |s: &str, name: &'static str| {
        if s.trim().is_empty() {
            return None;
        }
        let d = parse_day(s);
        if d.is_none() {
            bad.push(name);
        }
        d
    };
    let from = day(&q.from, "from");
    let to = day(&q.to, "to").map(|t| t + 24 * 3600 * 1000);
    let f = audit::Filter {
        unit,
        actor: clip(&q.actor, 100),
        object_type: clip(&q.object_type, 50),
        object_id: clip(&q.object_id, 100),
        from,
        to,
    };
    (f, bad)
}

pub async fn audit(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Failure> {
    let unit = scope(&req, Action::ViewAudit)?;
    let (filter, bad) = audit_filter(unit, &q);
    let p = audit::list(&state.store, &filter, forms::page_number(q.page), PER_PAGE).await?;
    let base = forms::query(
        "/admin/audit",
        &[
            ("actor", &q.actor),
            ("object_type", &q.object_type),
            ("object_id", &q.object_id),
            ("from", &q.from),
            ("to", &q.to),
        ],
    );
    let error = if bad.is_empty() {
        String::new()
    } else {
        req.t("audit.bad_date").to_owned()
    };
    let page = AuditPage {
        page: Page::new(&req, "audit.title"),
        f: q,
        rows: p.items.clone(),
        pager: Pager::new(&p, &base),
        error,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VerifierInput {
    verifier: String,
}

/// Authorises an agency to verify researchers' registrations (or withdraws it).
pub async fn set_verifier(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Form(f): Form<VerifierInput>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let org = orgs::get(&state.store, &id)
        .await?
        .ok_or_else(Failure::not_found)?;
    req.require(
        Action::ManageOrg,
        &Resource::Org {
            unit_code: org.unit_code.clone(),
            kind: org.kind,
        },
    )?;
    let verifier = match f.verifier.trim() {
        "1" => true,
        "0" => false,
        _ => return Err(Failure::bad_request("choice_invalid", "请选择授权或撤销")),
    };
    orgs::set_verifier(&state.store, &req.change(), &org, verifier).await?;
    Ok(Redirect::to("/admin/orgs?done=verifier").into_response())
}

// ---- the search dictionary ---------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TermInput {
    term: String,
}

/// A dictionary term: 2–20 characters, letters (any script), digits, `-`, `+`, `.`;
/// no spaces.
fn check_term(input: &str) -> Result<String, &'static str> {
    let t = input.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err("term_required");
    }
    if !(2..=20).contains(&n) {
        return Err("term_length");
    }
    if !t
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '+' | '.'))
    {
        return Err("term_chars");
    }
    Ok(t.to_owned())
}

fn back_to_terms(error: Option<&str>, term: &str) -> Response {
    let url = match error {
        Some(code) => forms::query("/admin/reference", &[("term_error", code), ("term", term)]),
        None => "/admin/reference".to_owned(),
    };
    Redirect::to(&format!("{url}#search-terms")).into_response()
}

/// Adds a term to the search dictionary (every process's index learns it from the
/// outbox and re-indexes the entries that contain it).
pub async fn add_term(
    State(state): State<AppState>,
    req: Req,
    Form(f): Form<TermInput>,
) -> Result<Response, Failure> {
    req.require(Action::EditReference, &Resource::Site)?;
    let term = match check_term(&f.term) {
        Ok(t) => t,
        Err(code) => return Ok(back_to_terms(Some(code), &f.term)),
    };
    match ztc_store::search_terms::add(&state.store, &req.change(), &term).await {
        Ok(()) => Ok(back_to_terms(None, "")),
        Err(ztc_store::StoreError::Conflict { code, .. }) => Ok(back_to_terms(Some(code), &term)),
        Err(e) => Err(e.into()),
    }
}

/// Removes a term (it stops being used after the next start of each server).
pub async fn remove_term(
    State(state): State<AppState>,
    req: Req,
    Form(f): Form<TermInput>,
) -> Result<Response, Failure> {
    req.require(Action::EditReference, &Resource::Site)?;
    match ztc_store::search_terms::remove(&state.store, &req.change(), f.term.trim()).await {
        Ok(()) | Err(ztc_store::StoreError::NotFound) => Ok(back_to_terms(None, "")),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod term_tests {
    use super::check_term;

    #[test]
    fn terms_are_short_words() {
        assert_eq!(check_term(" 钙钛矿叠层 ").as_deref(), Ok("钙钛矿叠层"));
        assert_eq!(check_term("Li-S").as_deref(), Ok("Li-S"));
        assert_eq!(check_term(""), Err("term_required"));
        assert_eq!(check_term("钙"), Err("term_length"));
        assert_eq!(check_term(&"钙".repeat(21)), Err("term_length"));
        assert_eq!(check_term("钙钛矿 叠层"), Err("term_chars"));
        assert_eq!(check_term("<b>x</b>"), Err("term_chars"));
    }
}
