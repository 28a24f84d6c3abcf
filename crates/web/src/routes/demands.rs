//! Technology demands (技术需求 / 技术难题, SPEC §4.4): the public list, one
//! demand's page, the form (draft → submit) for the enterprise's own accounts, the
//! enterprise's list, the region's review queue (publish, keep for matching only,
//! return), closing, reopening and renewal, and the collection windows (征集批次)
//! administrators open.
//!
//! Disclosure: a published demand's description is public; the enterprise's contact
//! is shown to the enterprise itself and its reviewers, and to a holder once the
//! enterprise has accepted that holder's proposal.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ztc_domain::demand::{self, DemandStatus, Form};
use ztc_domain::{Action, FieldError, Invalid, Resource, Role};
use ztc_store::StoreError;
use ztc_store::demands::{self, Demand, Filter, NewDemand, windows};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms::{self, Errors, HtmlForm, Pager};
use crate::i18n::Lang;
use crate::routes::library::{Fact, Labels};
use crate::view::Page;

const PER_PAGE: i64 = 20;

fn now() -> i64 {
    ztc_store::now_ms()
}

fn clip(s: &str, n: usize) -> Option<String> {
    let s: String = s.trim().chars().take(n).collect();
    (!s.is_empty()).then_some(s)
}

/// A demand in a list, ready for display.
pub struct Card {
    pub id: String,
    pub title: String,
    pub org: String,
    pub verified: bool,
    pub field: String,
    pub region: String,
    pub modes: Vec<String>,
    pub trl: String,
    pub budget: String,
    pub deadline: String,
    pub expired: bool,
    pub status: String,
    pub excerpt: String,
    pub keywords: Vec<String>,
}

pub fn card(state: &AppState, lang: Lang, d: &Demand) -> Card {
    let l = Labels::new(state, lang);
    let problem = d.details.problem.clone().unwrap_or_default();
    let mut excerpt: String = problem.chars().take(140).collect();
    if problem.chars().count() > 140 {
        excerpt.push('…');
    }
    Card {
        id: d.id.clone(),
        title: d.details.title.clone(),
        org: d.org_name.clone(),
        verified: d.org_verified,
        field: l.opt("fields", &d.details.subfield),
        region: forms::region_label(&state.vocab, &d.region_code),
        modes: d
            .details
            .cooperation_modes
            .iter()
            .map(|m| l.of("cooperation_modes", m))
            .collect(),
        trl: d
            .details
            .trl_min
            .map(|t| format!("TRL ≥ {t}"))
            .unwrap_or_default(),
        budget: l.opt("budget_ranges", &d.details.budget),
        deadline: d.details.deadline.clone().unwrap_or_default(),
        expired: d.expired_at(now()),
        status: d.status.label(lang.is_en()).to_owned(),
        excerpt,
        keywords: d.details.keywords.clone(),
    }
}

// ---- lists ------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub field: String,
    pub unit: String,
    pub mode: String,
    /// "1": only those still taking answers.
    pub open: String,
    pub status: String,
    pub page: Option<i64>,
}

/// Which list a page shows.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum ListKind {
    Public,
    Mine,
    Review,
}

#[derive(Template)]
#[template(path = "demands.html")]
struct ListPage {
    page: Page,
    kind: ListKind,
    f: ListQuery,
    cards: Vec<Card>,
    pager: Pager,
    fields: Vec<(String, String)>,
    units: Vec<(String, String)>,
    modes: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    can_create: bool,
}

impl ListPage {
    fn public(&self) -> bool {
        self.kind == ListKind::Public
    }
    fn mine(&self) -> bool {
        self.kind == ListKind::Mine
    }
}

/// The filter of the public list: published, public demands.
pub fn public_filter(q: &ListQuery) -> Filter {
    Filter {
        statuses: vec![DemandStatus::Published],
        public_only: true,
        open_at: (q.open.trim() == "1").then(now),
        unit_code: clip(&q.unit, 10),
        field: clip(&q.field, 10),
        mode: clip(&q.mode, 40),
        q: clip(&q.q, 100),
        ..Filter::default()
    }
}

async fn render_list(
    state: &AppState,
    req: &Req,
    kind: ListKind,
    q: ListQuery,
    filter: Filter,
) -> Result<Response, Failure> {
    let l = Labels::new(state, req.lang);
    let p = demands::list(&state.store, &filter, forms::page_number(q.page), PER_PAGE).await?;
    let cards = p.items.iter().map(|d| card(state, req.lang, d)).collect();
    let path = match kind {
        ListKind::Public => "/demands",
        ListKind::Mine => "/demands/mine",
        ListKind::Review => "/demands/review",
    };
    let base = forms::query(
        path,
        &[
            ("q", &q.q),
            ("field", &q.field),
            ("unit", &q.unit),
            ("mode", &q.mode),
            ("open", &q.open),
            ("status", &q.status),
        ],
    );
    let title = match kind {
        ListKind::Public => "demand.list_title",
        ListKind::Mine => "demand.mine_title",
        ListKind::Review => "demand.review_title",
    };
    let units = l.units();
    let page = ListPage {
        page: Page::new(req, title),
        kind,
        f: q,
        cards,
        pager: Pager::new(&p, &base),
        fields: l
            .options("fields")
            .into_iter()
            .filter(|(c, _)| !c.contains('.'))
            .collect(),
        units,
        modes: l.options("cooperation_modes"),
        statuses: DemandStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label(req.lang.is_en()).to_owned()))
            .collect(),
        can_create: may_create(req).is_ok(),
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

/// The public list of published demands (征集的技术需求).
pub async fn list(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<ListQuery>,
) -> Result<Response, Failure> {
    let filter = public_filter(&q);
    render_list(&state, &req, ListKind::Public, q, filter).await
}

/// The resource of a demand the signed-in enterprise account is about to write.
fn to_be(req: &Req) -> Result<Resource, Failure> {
    let m = req.signed_in()?;
    Ok(Resource::Demand {
        unit_code: m.unit_code.clone(),
        org_id: m.user.org_id.clone(),
        status: DemandStatus::Draft,
        expired: false,
    })
}

fn may_create(req: &Req) -> Result<(), Failure> {
    req.require(Action::CreateDemand, &to_be(req)?)?;
    Ok(())
}

/// The enterprise's own demands, every state.
pub async fn mine(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<ListQuery>,
) -> Result<Response, Failure> {
    may_create(&req)?;
    let m = req.signed_in()?;
    let filter = Filter {
        statuses: DemandStatus::parse(q.status.trim()).into_iter().collect(),
        org_id: Some(m.user.org_id.clone()),
        q: clip(&q.q, 100),
        ..Filter::default()
    };
    render_list(&state, &req, ListKind::Mine, q, filter).await
}

/// Whether `req`'s user reviews demands (of their unit, or all for the Torch Center).
pub fn reviews(req: &Req) -> bool {
    req.member().is_some_and(|m| {
        req.can(
            Action::ReviewDemand,
            &Resource::Demand {
                unit_code: m.unit_code.clone(),
                org_id: String::new(),
                status: DemandStatus::Submitted,
                expired: false,
            },
        )
    })
}

/// Submitted demands waiting for the region's review.
pub async fn review_queue(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<ListQuery>,
) -> Result<Response, Failure> {
    if !reviews(&req) {
        req.signed_in()?;
        return Err(Failure::forbidden());
    }
    let m = req.signed_in()?;
    let unit = match m.user.role {
        Role::NationalAdmin => clip(&q.unit, 10),
        _ => Some(m.unit_code.clone()),
    };
    let filter = Filter {
        statuses: vec![DemandStatus::Submitted],
        unit_code: unit,
        field: clip(&q.field, 10),
        q: clip(&q.q, 100),
        ..Filter::default()
    };
    render_list(&state, &req, ListKind::Review, q, filter).await
}

// ---- one demand -------------------------------------------------------------------

/// A proposal as the demand's page shows it.
pub struct AnswerRow {
    pub id: String,
    pub org: String,
    pub verified: bool,
    pub author: String,
    pub approach: String,
    pub trl: String,
    pub modes: Vec<String>,
    pub team: String,
    pub status: String,
    pub status_code: String,
    pub reason: String,
    pub at: String,
    pub contact: String,
    pub mine: bool,
}

/// A suggested achievement with the reasons it fits.
pub struct Suggestion {
    pub id: String,
    pub title: String,
    pub reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "demand.html")]
struct DetailPage {
    page: Page,
    d: Demand,
    status: String,
    facts: Vec<Fact>,
    sections: Vec<Fact>,
    contact: Vec<Fact>,
    expired: bool,
    can_edit: bool,
    can_review: bool,
    can_close: bool,
    can_reopen: bool,
    can_renew: bool,
    can_answer: bool,
    /// Why the signed-in holder cannot answer (deadline passed, not verified).
    answer_blocked: String,
    notice: String,
    error: String,
    answers: Vec<AnswerRow>,
    answer_form: crate::routes::answers::AnswerForm,
    answer_errors: Errors,
    decide_answers: bool,
    modes: Vec<(String, String)>,
    trls: Vec<(String, String)>,
    suggestions: Vec<Suggestion>,
    show_suggestions: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    pub done: String,
    pub error: String,
}

pub async fn load(state: &AppState, id: &str) -> Result<Demand, Failure> {
    demands::get(&state.store, id)
        .await?
        .ok_or_else(Failure::not_found)
}

/// A demand exists for `req` only when it is public or `req` may see it.
pub fn visible(req: &Req, d: &Demand) -> Result<(), Failure> {
    if d.is_public() || req.can(Action::ViewDemand, &d.resource()) {
        return Ok(());
    }
    Err(if req.member().is_some() {
        Failure::not_found()
    } else {
        Failure::login_required()
    })
}

pub async fn detail(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(dq): Query<DetailQuery>,
) -> Result<Response, Failure> {
    let d = load(&state, &id).await?;
    visible(&req, &d)?;
    render_detail(
        &state,
        &req,
        d,
        &dq,
        crate::routes::answers::AnswerForm::default(),
        &Invalid::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn render_detail(
    state: &AppState,
    req: &Req,
    d: Demand,
    dq: &DetailQuery,
    answer_form: crate::routes::answers::AnswerForm,
    answer_inv: &Invalid,
    status: StatusCode,
) -> Result<Response, Failure> {
    let l = Labels::new(state, req.lang);
    let t = |k: &str| req.t(k).to_owned();
    let x = &d.details;
    let window = match &x.window_id {
        Some(w) => windows::get(&state.store, w).await?.map(|w| w.title),
        None => None,
    };
    let org = ztc_store::orgs::get(&state.store, &d.org_id).await?;
    let facts = vec![
        Fact {
            label: t("demand.org"),
            value: d.org_name.clone(),
        },
        Fact {
            label: t("field.industry"),
            value: org
                .as_ref()
                .map(|o| l.opt("industries", &o.industry))
                .unwrap_or_default(),
        },
        Fact {
            label: t("field.region"),
            value: forms::region_label(&state.vocab, &d.region_code),
        },
        Fact {
            label: t("ach.subfield"),
            value: x
                .subfield
                .as_deref()
                .map(|c| format!("{} · {}", l.opt("fields", &x.field), l.of("fields", c)))
                .unwrap_or_default(),
        },
        Fact {
            label: t("ach.keywords"),
            value: x.keywords.join("、"),
        },
        Fact {
            label: t("ach.cooperation_modes"),
            value: x
                .cooperation_modes
                .iter()
                .map(|m| l.of("cooperation_modes", m))
                .collect::<Vec<_>>()
                .join("、"),
        },
        Fact {
            label: t("demand.trl_min"),
            value: x
                .trl_min
                .map(|n| format!("TRL {n} · {}", l.of("trl", &n.to_string())))
                .unwrap_or_default(),
        },
        Fact {
            label: t("demand.budget"),
            value: l.opt("budget_ranges", &x.budget),
        },
        Fact {
            label: t("demand.deadline"),
            value: x.deadline.clone().unwrap_or_default(),
        },
        Fact {
            label: t("demand.window"),
            value: window.unwrap_or_default(),
        },
    ]
    .into_iter()
    .filter(|f| !f.value.is_empty())
    .collect();
    let text = |k: &str, v: &Option<String>| {
        v.as_ref().map(|value| Fact {
            label: t(k),
            value: value.clone(),
        })
    };
    let sections = [
        text("demand.problem", &x.problem),
        text("demand.goals", &x.goals),
        text("demand.basis", &x.basis),
    ]
    .into_iter()
    .flatten()
    .collect();
    let res = d.resource();
    let sees_all = req.can(Action::ViewDemand, &res);
    let answers = crate::routes::answers::rows(state, req, &d, sees_all).await?;
    let accepted_me = answers
        .iter()
        .any(|a| a.mine && a.status_code == "accepted");
    let contact = if sees_all || accepted_me {
        [
            text("ach.contact_name", &x.contact_name),
            text("field.phone", &x.contact_phone),
            text("field.email", &x.contact_email),
        ]
        .into_iter()
        .flatten()
        .collect()
    } else {
        Vec::new()
    };
    let expired = d.expired_at(now());
    let can_edit = req.can(Action::EditDemand, &res) && d.status.editable();
    let owner = req.can(Action::EditDemand, &res);
    let is_holder = req.member().is_some_and(|m| m.user.role == Role::Holder);
    let can_answer = req.can(Action::AnswerDemand, &res);
    let answer_blocked = if is_holder && !can_answer && d.is_public() {
        if expired {
            t("demand.answer_expired")
        } else {
            t("demand.answer_unverified")
        }
    } else {
        String::new()
    };
    let notice = match dq.done.as_str() {
        "" => String::new(),
        k => req.t(&format!("demand.done_{k}")).to_owned(),
    };
    let error = crate::i18n::error_message(req.lang, dq.error.trim())
        .map(str::to_owned)
        .unwrap_or_default();
    let show_suggestions = sees_all && d.status != DemandStatus::Draft;
    let suggestions = if show_suggestions {
        crate::routes::matching::for_demand(state, req, &d).await
    } else {
        Vec::new()
    };
    let mut page = Page::new(req, "demand.list_title");
    page.title = x.title.clone();
    let view = DetailPage {
        page,
        status: d.status.label(req.lang.is_en()).to_owned(),
        facts,
        sections,
        contact,
        expired,
        can_edit,
        can_review: req.can(Action::ReviewDemand, &res),
        can_close: owner && d.status.can_become(DemandStatus::Closed),
        can_reopen: owner && d.status == DemandStatus::Closed,
        can_renew: owner && d.status.is_live(),
        can_answer,
        answer_blocked,
        notice,
        error,
        decide_answers: owner,
        answers,
        answer_form,
        answer_errors: Errors::new(req.lang, answer_inv),
        modes: l.options("cooperation_modes"),
        trls: (1..=9)
            .map(|n| {
                (
                    n.to_string(),
                    format!("{n} · {}", l.of("trl", &n.to_string())),
                )
            })
            .collect(),
        suggestions,
        show_suggestions,
        d,
    };
    Ok(forms::page(status, view.render()?))
}

// ---- the form ---------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Extras {
    action: String,
    create_key: String,
    version: String,
}

/// A posted demand form plus its extras, read from one body.
pub struct FormInput {
    pub form: Form,
    pub submit: bool,
    pub create_key: String,
    pub version: Option<i64>,
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormInput {
    type Rejection = Failure;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| {
                Failure::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "提交的内容过大",
                )
            })?;
        let bad = |_| Failure::bad_request("bad_request", "提交的表单格式不正确");
        let form: Form = serde_html_form::from_bytes(&body).map_err(bad)?;
        let x: Extras = serde_html_form::from_bytes(&body).map_err(bad)?;
        Ok(FormInput {
            form,
            submit: x.action == "submit",
            create_key: x.create_key,
            version: x.version.trim().parse().ok(),
        })
    }
}

#[derive(Template)]
#[template(path = "demand_form.html")]
struct FormPage {
    page: Page,
    f: Form,
    action_url: String,
    create_key: String,
    version: i64,
    errors: Errors,
    notice: String,
    review_note: String,
    field_groups: Vec<(String, Vec<(String, String)>)>,
    modes: Vec<(String, String)>,
    trls: Vec<(String, String)>,
    budgets: Vec<(String, String)>,
    windows: Vec<(String, String)>,
    demand_id: String,
}

impl FormPage {
    fn checked_mode(&self, code: &str) -> bool {
        self.f.cooperation_modes.iter().any(|m| m == code)
    }
}

struct FormCtx {
    action_url: String,
    create_key: String,
    version: i64,
    notice: String,
    review_note: String,
    demand_id: String,
}

async fn render_form(
    state: &AppState,
    req: &Req,
    f: Form,
    fc: FormCtx,
    inv: &Invalid,
    status: StatusCode,
) -> Result<Response, Failure> {
    let l = Labels::new(state, req.lang);
    let m = req.signed_in()?;
    let open = windows::open_for(&state.store, &m.unit_code, now()).await?;
    let mut windows: Vec<(String, String)> = open.into_iter().map(|w| (w.id, w.title)).collect();
    // A window chosen earlier stays listed even after it closed.
    if !f.window_id.is_empty()
        && !windows.iter().any(|w| w.0 == f.window_id)
        && let Some(w) = windows::get(&state.store, f.window_id.trim()).await?
    {
        windows.push((w.id, w.title));
    }
    let page = FormPage {
        page: Page::new(req, "demand.form_title"),
        f,
        action_url: fc.action_url,
        create_key: fc.create_key,
        version: fc.version,
        errors: Errors::new(req.lang, inv),
        notice: fc.notice,
        review_note: fc.review_note,
        field_groups: l.field_groups(),
        modes: l.options("cooperation_modes"),
        trls: (1..=9)
            .map(|n| {
                (
                    n.to_string(),
                    format!("{n} · {}", l.of("trl", &n.to_string())),
                )
            })
            .collect(),
        budgets: l.options("budget_ranges"),
        windows,
        demand_id: fc.demand_id,
    };
    Ok(forms::page(status, page.render()?))
}

pub async fn new_form(State(state): State<AppState>, req: Req) -> Result<Response, Failure> {
    may_create(&req)?;
    let m = req.signed_in()?;
    let org = ztc_store::orgs::get(&state.store, &m.user.org_id).await?;
    // The organisation's contact fills the form's contact to begin with.
    let f = Form {
        public: "1".into(),
        contact_name: org
            .as_ref()
            .and_then(|o| o.contact_name.clone())
            .unwrap_or_else(|| m.user.display_name.clone()),
        contact_phone: org
            .as_ref()
            .and_then(|o| o.contact_phone.clone())
            .or_else(|| m.user.phone.clone())
            .unwrap_or_default(),
        contact_email: org
            .as_ref()
            .and_then(|o| o.contact_email.clone())
            .or_else(|| m.user.email.clone())
            .unwrap_or_default(),
        ..Form::default()
    };
    let fc = FormCtx {
        action_url: "/demands".into(),
        create_key: ztc_store::new_id(),
        version: 0,
        notice: String::new(),
        review_note: String::new(),
        demand_id: String::new(),
    };
    render_form(&state, &req, f, fc, &Invalid::default(), StatusCode::OK).await
}

/// A store refusal that belongs on the form (a window that is unknown, closed or
/// for other fields) as a field error; anything else stays a failure.
fn window_error(e: StoreError) -> Result<Invalid, Failure> {
    match e {
        StoreError::Conflict { code, message } if code.starts_with("window_") => {
            Ok(FieldError::new(code, message).on("window_id").into())
        }
        StoreError::Stale => Ok(FieldError::new(
            "stale",
            "该需求已被他人修改：您填写的内容仍保留在下面，请核对后再保存",
        )
        .on("form")
        .into()),
        other => Err(other.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    req: Req,
    input: FormInput,
) -> Result<Response, Failure> {
    may_create(&req)?;
    let m = req.signed_in()?.clone();
    let fc = FormCtx {
        action_url: "/demands".into(),
        create_key: input.create_key.clone(),
        version: 0,
        notice: String::new(),
        review_note: String::new(),
        demand_id: String::new(),
    };
    let details = match demand::validate(&input.form, &state.vocab, input.submit, now()) {
        Ok(d) => d,
        Err(inv) => {
            return render_form(
                &state,
                &req,
                input.form,
                fc,
                &inv,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let new = NewDemand {
        details,
        status: if input.submit {
            DemandStatus::Submitted
        } else {
            DemandStatus::Draft
        },
        org_id: m.user.org_id.clone(),
        owner_id: Some(m.user.id.clone()),
        create_key: clip(&input.create_key, 64),
    };
    match demands::create(&state.store, &req.change(), &new).await {
        Ok(d) => {
            let done = if input.submit { "submitted" } else { "saved" };
            Ok(Redirect::to(&format!("/demands/{}?done={done}", d.id)).into_response())
        }
        Err(e) => {
            let inv = window_error(e)?;
            render_form(&state, &req, input.form, fc, &inv, StatusCode::CONFLICT).await
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let d = load(&state, &id).await?;
    if !(req.can(Action::EditDemand, &d.resource()) && d.status.editable()) {
        visible(&req, &d)?;
        return Ok(Redirect::to(&format!("/demands/{}", d.id)).into_response());
    }
    let notice = if d.status.is_live() {
        req.t("demand.editing_live").to_owned()
    } else {
        String::new()
    };
    let fc = FormCtx {
        action_url: format!("/demands/{}", d.id),
        create_key: String::new(),
        version: d.version,
        notice,
        review_note: if d.status == DemandStatus::Returned {
            d.review_note.clone().unwrap_or_default()
        } else {
            String::new()
        },
        demand_id: d.id.clone(),
    };
    render_form(
        &state,
        &req,
        demand::to_form(&d.details),
        fc,
        &Invalid::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    input: FormInput,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let current = load(&state, &id).await?;
    req.require(Action::EditDemand, &current.resource())?;
    if !current.status.editable() {
        return Ok(
            Redirect::to(&format!("/demands/{id}?error=demand_status_invalid")).into_response(),
        );
    }
    // A reviewed demand stays complete: its changes go back to review.
    let submit = input.submit || current.status.is_live();
    let fc = FormCtx {
        action_url: format!("/demands/{id}"),
        create_key: String::new(),
        version: input.version.unwrap_or(current.version),
        notice: String::new(),
        review_note: String::new(),
        demand_id: id.clone(),
    };
    let details = match demand::validate(&input.form, &state.vocab, submit, now()) {
        Ok(d) => d,
        Err(inv) => {
            return render_form(
                &state,
                &req,
                input.form,
                fc,
                &inv,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let mut base = current.clone();
    if let Some(v) = input.version {
        base.version = v;
    }
    match demands::update(&state.store, &req.change(), &base, &details, submit).await {
        Ok(d) => {
            let done = if d.status == DemandStatus::Submitted {
                "submitted"
            } else {
                "saved"
            };
            Ok(Redirect::to(&format!("/demands/{}?done={done}", d.id)).into_response())
        }
        Err(e) => {
            let inv = window_error(e)?;
            render_form(&state, &req, input.form, fc, &inv, StatusCode::CONFLICT).await
        }
    }
}

// ---- review, closing, renewal ----------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionInput {
    /// `publish`, `private` or `return`.
    pub decision: String,
    pub note: String,
    pub version: String,
}

fn back(id: &str, code: &str) -> Result<Response, Failure> {
    Ok(Redirect::to(&format!("/demands/{id}?error={code}#actions")).into_response())
}

fn done(id: &str, what: &str) -> Result<Response, Failure> {
    Ok(Redirect::to(&format!("/demands/{id}?done={what}")).into_response())
}

/// Moves a demand, turning the store's refusals into a message on the page.
async fn move_to(
    state: &AppState,
    req: &Req,
    d: &Demand,
    to: DemandStatus,
    note: Option<&str>,
    what: &str,
) -> Result<Response, Failure> {
    match demands::set_status(&state.store, &req.change(), d, to, note).await {
        Ok(_) => done(&d.id, what),
        Err(StoreError::Conflict { code, .. }) => back(&d.id, code),
        Err(StoreError::Stale) => back(&d.id, "stale"),
        Err(e) => Err(e.into()),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    HtmlForm(input): HtmlForm<DecisionInput>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let mut d = load(&state, &id).await?;
    req.require(Action::ReviewDemand, &d.resource())?;
    if let Ok(v) = input.version.trim().parse() {
        d.version = v;
    }
    let note = match ztc_domain::text::optional_multiline("note", "审核意见", &input.note, 1000)
    {
        Ok(n) => n,
        Err(e) => return back(&id, &e.code),
    };
    let to = match input.decision.as_str() {
        "publish" => DemandStatus::Published,
        "private" => DemandStatus::Private,
        "return" => {
            if note.is_none() {
                return back(&id, "return_note_required");
            }
            DemandStatus::Returned
        }
        _ => return back(&id, "choice_invalid"),
    };
    move_to(
        &state,
        &req,
        &d,
        to,
        note.as_deref(),
        &format!("review_{}", to.as_str()),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OwnerInput {
    /// `close`, `reopen` or `renew`.
    pub action: String,
    pub deadline: String,
    pub version: String,
}

/// The enterprise closes, reopens or renews its demand.
pub async fn owner_action(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    HtmlForm(input): HtmlForm<OwnerInput>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let mut d = load(&state, &id).await?;
    req.require(Action::EditDemand, &d.resource())?;
    if let Ok(v) = input.version.trim().parse() {
        d.version = v;
    }
    match input.action.as_str() {
        "close" => move_to(&state, &req, &d, DemandStatus::Closed, None, "closed").await,
        "reopen" => move_to(&state, &req, &d, DemandStatus::Submitted, None, "reopened").await,
        "renew" => {
            let day = match demand::check_deadline(&input.deadline, now()) {
                Ok(day) => day,
                Err(e) => return back(&id, &e.code),
            };
            match demands::renew(&state.store, &req.change(), &d, &day).await {
                Ok(_) => done(&id, "renewed"),
                Err(StoreError::Conflict { code, .. }) => back(&id, code),
                Err(StoreError::Stale) => back(&id, "stale"),
                Err(e) => Err(e.into()),
            }
        }
        _ => back(&id, "choice_invalid"),
    }
}

// ---- collection windows --------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct WindowInput {
    pub title: String,
    pub description: String,
    pub fields: Vec<String>,
    pub opens: String,
    pub closes: String,
}

pub struct WindowRow {
    pub title: String,
    pub unit: String,
    pub fields: String,
    pub opens: String,
    pub closes: String,
    pub open: bool,
    pub description: String,
}

#[derive(Template)]
#[template(path = "admin_windows.html")]
struct WindowsPage {
    page: Page,
    rows: Vec<WindowRow>,
    f: WindowInput,
    errors: Errors,
    fields: Vec<(String, String)>,
    notice: String,
}

impl WindowsPage {
    fn checked(&self, code: &str) -> bool {
        self.f.fields.iter().any(|f| f == code)
    }
}

/// The unit whose windows `req`'s user manages: `00` (nationwide) for the Torch
/// Center, the province for its administrators.
fn window_unit(req: &Req) -> Result<String, Failure> {
    let m = req.require(
        Action::ManageWindows,
        &Resource::Unit {
            unit_code: req.signed_in()?.unit_code.clone(),
        },
    )?;
    Ok(if m.user.role == Role::NationalAdmin {
        "00".to_owned()
    } else {
        m.unit_code.clone()
    })
}

async fn render_windows(
    state: &AppState,
    req: &Req,
    f: WindowInput,
    inv: &Invalid,
    notice: String,
    status: StatusCode,
) -> Result<Response, Failure> {
    let unit = window_unit(req)?;
    let l = Labels::new(state, req.lang);
    let list = windows::list(&state.store, (unit != "00").then_some(unit.as_str())).await?;
    let t = now();
    let rows = list
        .into_iter()
        .map(|w| WindowRow {
            open: w.open_at(t),
            title: w.title,
            unit: if w.unit_code == "00" {
                req.t("demand.nationwide").to_owned()
            } else {
                state
                    .vocab
                    .unit(&w.unit_code)
                    .map(|u| u.name.clone())
                    .unwrap_or(w.unit_code)
            },
            fields: if w.fields.is_empty() {
                req.t("demand.any_field").to_owned()
            } else {
                w.fields
                    .iter()
                    .map(|c| l.of("fields", c))
                    .collect::<Vec<_>>()
                    .join("、")
            },
            opens: demand::day_string(demand::today(w.opens_at)),
            closes: demand::day_string(demand::today(w.closes_at)),
            description: w.description,
        })
        .collect();
    let page = WindowsPage {
        page: Page::new(req, "demand.windows_title"),
        rows,
        f,
        errors: Errors::new(req.lang, inv),
        fields: l
            .options("fields")
            .into_iter()
            .filter(|(c, _)| !c.contains('.'))
            .collect(),
        notice,
    };
    Ok(forms::page(status, page.render()?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WindowsQuery {
    done: String,
}

pub async fn windows_page(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<WindowsQuery>,
) -> Result<Response, Failure> {
    let notice = if q.done == "created" {
        req.t("demand.window_created").to_owned()
    } else {
        String::new()
    };
    let today = demand::day_string(demand::today(now()));
    let f = WindowInput {
        opens: today,
        ..WindowInput::default()
    };
    render_windows(&state, &req, f, &Invalid::default(), notice, StatusCode::OK).await
}

/// Validates a window form into a new window of `unit`.
pub fn validate_window(
    state: &AppState,
    f: &WindowInput,
    unit: &str,
) -> Result<windows::NewWindow, Invalid> {
    let mut inv = Invalid::default();
    let title = inv.check(ztc_domain::text::required(
        "title",
        "批次名称",
        &f.title,
        60,
    ));
    let description = inv
        .check(ztc_domain::text::optional_multiline(
            "description",
            "征集说明",
            &f.description,
            1000,
        ))
        .flatten()
        .unwrap_or_default();
    let mut fields = Vec::new();
    for code in f.fields.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let known = state.vocab.list("fields").is_some_and(|l| {
            l.items
                .iter()
                .any(|i| i.code == code && i.parent_code.is_none())
        });
        if !known {
            inv.push(FieldError::new("field_unknown", "征集领域中有不存在的领域").on("fields"));
            break;
        }
        if !fields.iter().any(|x| x == code) {
            fields.push(code.to_owned());
        }
    }
    let day = |field: &str, label: &str, v: &str| {
        demand::day_number(v.trim()).ok_or_else(|| {
            FieldError::new("date_invalid", format!("{label}格式应为 年-月-日")).on(field)
        })
    };
    let opens = inv.check(day("opens", "开始日期", &f.opens));
    let closes = inv.check(day("closes", "截止日期", &f.closes));
    if let (Some(o), Some(c)) = (opens, closes)
        && c < o
    {
        inv.push(FieldError::new("window_dates_invalid", "截止日期不能早于开始日期").on("closes"));
    }
    if let Some(c) = closes
        && c < demand::today(now())
    {
        inv.push(FieldError::new("deadline_past", "截止日期已过").on("closes"));
    }
    inv.clone().into_result()?;
    let (Some(title), Some(o), Some(c)) = (title, opens, closes) else {
        return Err(inv);
    };
    Ok(windows::NewWindow {
        title,
        unit_code: unit.to_owned(),
        description,
        fields,
        opens_at: demand::end_of_day_ms(o - 1) + 1,
        closes_at: demand::end_of_day_ms(c),
    })
}

pub async fn create_window(
    State(state): State<AppState>,
    req: Req,
    HtmlForm(f): HtmlForm<WindowInput>,
) -> Result<Response, Failure> {
    let unit = window_unit(&req)?;
    let new = match validate_window(&state, &f, &unit) {
        Ok(w) => w,
        Err(inv) => {
            return render_windows(
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
    match windows::create(&state.store, &req.change(), &new).await {
        Ok(_) => Ok(Redirect::to("/admin/windows?done=created").into_response()),
        Err(StoreError::Conflict { code, message }) => {
            let inv: Invalid = FieldError::new(code, message).on("closes").into();
            render_windows(&state, &req, f, &inv, String::new(), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}
