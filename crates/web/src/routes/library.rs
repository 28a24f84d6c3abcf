//! The achievement library (项目库): the public list and pages, the achievement form
//! (draft → submit) for holders and for agencies and administrators collecting on a
//! holder's behalf, and each user's own list.
//!
//! Disclosure (SPEC §6): the public page shows only the public fields; contacts,
//! detailed technical content and price are shown to those the policy allows, and
//! every such view is audited.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ztc_domain::achievement::{self, Channel, Details, IpStatus, Status};
use ztc_domain::{Action, FieldError, Invalid, Resource, Role};
use ztc_store::achievements::{self, Achievement, Filter, NewAchievement, Summary};
use ztc_store::{StoreError, orgs};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms::{self, Errors, Pager};
use crate::i18n::Lang;
use crate::view::Page;

const PER_PAGE: i64 = 20;

/// Labels of controlled lists in the request's language.
pub struct Labels<'a> {
    state: &'a AppState,
    lang: Lang,
}

impl<'a> Labels<'a> {
    pub fn new(state: &'a AppState, lang: Lang) -> Self {
        Labels { state, lang }
    }

    pub fn of(&self, list: &str, code: &str) -> String {
        self.state
            .vocab
            .list(list)
            .and_then(|l| l.items.iter().find(|i| i.code == code))
            .map(|i| {
                if self.lang.is_en() {
                    i.name_en.clone()
                } else {
                    i.name.clone()
                }
            })
            .unwrap_or_else(|| code.to_owned())
    }

    pub fn opt(&self, list: &str, code: &Option<String>) -> String {
        code.as_deref()
            .map(|c| self.of(list, c))
            .unwrap_or_default()
    }

    /// `(code, label)` of every item of a list, optionally only children of a parent.
    pub fn options(&self, list: &str) -> Vec<(String, String)> {
        self.state
            .vocab
            .list(list)
            .map(|l| {
                l.items
                    .iter()
                    .map(|i| {
                        (
                            i.code.clone(),
                            if self.lang.is_en() {
                                i.name_en.clone()
                            } else {
                                i.name.clone()
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `(code, name)` of every programme unit.
    pub fn units(&self) -> Vec<(String, String)> {
        self.state
            .vocab
            .units
            .iter()
            .map(|u| {
                let name = if self.lang.is_en() {
                    &u.name_en
                } else {
                    &u.name
                };
                (u.code.clone(), name.clone())
            })
            .collect()
    }

    /// Sub-fields grouped under their industry: `(industry label, [(code, label)])`.
    pub fn field_groups(&self) -> Vec<(String, Vec<(String, String)>)> {
        let Some(l) = self.state.vocab.list("fields") else {
            return Vec::new();
        };
        let name = |i: &ztc_domain::vocab::Item| {
            if self.lang.is_en() {
                i.name_en.clone()
            } else {
                i.name.clone()
            }
        };
        l.items
            .iter()
            .filter(|i| i.parent_code.is_none())
            .map(|top| {
                let subs = l
                    .items
                    .iter()
                    .filter(|i| i.parent_code.as_deref() == Some(top.code.as_str()))
                    .map(|i| (i.code.clone(), format!("{} {}", i.code, name(i))))
                    .collect();
                (name(top), subs)
            })
            .collect()
    }
}

/// A list entry ready for display.
pub struct Card {
    pub id: String,
    pub title: String,
    pub status: String,
    pub field: String,
    pub trl: String,
    pub modes: Vec<String>,
    pub org: String,
    pub region: String,
    pub summary: String,
    pub keywords: Vec<String>,
}

pub fn card(state: &AppState, lang: Lang, s: &Summary) -> Card {
    let l = Labels::new(state, lang);
    let mut summary: String = s
        .summary
        .clone()
        .unwrap_or_default()
        .chars()
        .take(160)
        .collect();
    if s.summary.as_ref().is_some_and(|x| x.chars().count() > 160) {
        summary.push('…');
    }
    Card {
        id: s.id.clone(),
        title: s.title.clone(),
        status: s.status.label(lang.is_en()).to_owned(),
        field: s
            .subfield_code
            .as_deref()
            .map(|c| l.of("fields", c))
            .unwrap_or_default(),
        trl: s.trl.map(|t| format!("TRL {t}")).unwrap_or_default(),
        modes: s
            .cooperation_modes
            .iter()
            .map(|m| l.of("cooperation_modes", m))
            .collect(),
        org: s.holder_org_name.clone(),
        region: forms::region_label(&state.vocab, &s.region_code),
        summary,
        keywords: s.keywords.clone(),
    }
}

// ---- the public library ----------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct LibraryQuery {
    pub q: String,
    pub field: String,
    pub unit: String,
    pub trl: String,
    pub mode: String,
    pub status: String,
    pub page: Option<i64>,
}

#[derive(Template)]
#[template(path = "achievements.html")]
struct LibraryPage {
    page: Page,
    f: LibraryQuery,
    cards: Vec<Card>,
    pager: Pager,
    fields: Vec<(String, String)>,
    units: Vec<(String, String)>,
    modes: Vec<(String, String)>,
    /// The export of this list, for those who may take one.
    export_url: Option<String>,
    export_masked: bool,
}

fn clip(s: &str, n: usize) -> Option<String> {
    let s: String = s.trim().chars().take(n).collect();
    (!s.is_empty()).then_some(s)
}

/// The filter of the public library list (published entries only).
pub fn library_filter(q: &LibraryQuery) -> Filter {
    Filter {
        status: Some(Status::Published),
        q: clip(&q.q, 100),
        field: clip(&q.field, 10),
        unit: clip(&q.unit, 10),
        trl_min: q.trl.trim().parse().ok().filter(|t| (1..=9).contains(t)),
        mode: clip(&q.mode, 40),
        ..Filter::default()
    }
}

pub async fn library(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<LibraryQuery>,
) -> Result<Response, Failure> {
    let l = Labels::new(&state, req.lang);
    let filter = library_filter(&q);
    let p = achievements::list(&state.store, &filter, forms::page_number(q.page), PER_PAGE).await?;
    let cards = p.items.iter().map(|s| card(&state, req.lang, s)).collect();
    let base = forms::query(
        "/achievements",
        &[
            ("q", &q.q),
            ("field", &q.field),
            ("unit", &q.unit),
            ("trl", &q.trl),
            ("mode", &q.mode),
        ],
    );
    let fields = l
        .options("fields")
        .into_iter()
        .filter(|(c, _)| !c.contains('.'))
        .collect();
    let units = l.units();
    let export = req.member().filter(|m| {
        let unit = match m.user.role {
            Role::ProvincialAdmin | Role::Agency | Role::Host => Some(&m.unit_code),
            _ => None,
        };
        let r = match unit {
            Some(u) => Resource::Unit {
                unit_code: u.clone(),
            },
            None => Resource::Site,
        };
        req.can(Action::ExportLibrary, &r)
    });
    let export_masked =
        export.is_some_and(|m| !ztc_domain::policy::sees_personal_data(m.user.role));
    let export_url = export.map(|_| {
        let query = base.strip_prefix("/achievements").unwrap_or_default();
        format!("/achievements/export.xlsx{query}")
    });
    let page = LibraryPage {
        page: Page::new(&req, "library.title"),
        export_url,
        export_masked,
        f: q,
        cards,
        pager: Pager::new(&p, &base),
        fields,
        units,
        modes: l.options("cooperation_modes"),
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

// ---- one achievement --------------------------------------------------------------

pub struct Fact {
    pub label: String,
    pub value: String,
}

pub struct IpRow {
    pub kind: String,
    pub number: String,
    pub title: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "achievement.html")]
struct DetailPage {
    page: Page,
    a: Achievement,
    status: String,
    facts: Vec<Fact>,
    ip: Vec<IpRow>,
    public_sections: Vec<Fact>,
    protected: Option<Vec<Fact>>,
    flags: Vec<String>,
    can_edit: bool,
    full_view: bool,
    review: Option<crate::routes::review::Panel>,
    returned: Option<(String, String, String)>,
    notice: String,
    services: Vec<ServiceRow>,
    service_options: Vec<(String, String)>,
    can_record_service: bool,
    service_error: String,
    files: Vec<FileRow>,
    hidden_files: usize,
    /// Related library entries (more like this), in the viewer's search scope.
    related: Vec<(String, String)>,
    /// An enterprise's expression of interest.
    interest: Option<crate::routes::interests::Panel>,
    /// Enterprises likely to want it (its holder and stewards).
    leads: Option<crate::routes::matching::Leads>,
}

/// An attachment for display.
pub struct FileRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub size: String,
    pub url: Option<String>,
    pub public: bool,
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1048576.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

pub fn file_rows(req: &Req, list: &[ztc_store::attachments::Attachment]) -> Vec<FileRow> {
    list.iter()
        .map(|f| FileRow {
            id: f.id.clone(),
            name: f.name.clone(),
            kind: f.kind.label(req.lang.is_en()).to_owned(),
            size: if f.url.is_some() {
                String::new()
            } else {
                size_label(f.size)
            },
            url: f.url.clone(),
            public: f.is_public,
        })
        .collect()
}

async fn load(state: &AppState, id: &str) -> Result<Achievement, Failure> {
    achievements::get(&state.store, id)
        .await?
        .ok_or_else(Failure::not_found)
}

fn text(label: String, v: &Option<String>) -> Option<Fact> {
    v.as_ref().map(|value| Fact {
        label,
        value: value.clone(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    review_error: String,
    service_error: String,
    done: String,
}

/// A service received, for display.
pub struct ServiceRow {
    pub name: String,
    pub day: String,
    pub note: String,
}

pub async fn detail(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(dq): Query<DetailQuery>,
) -> Result<Response, Failure> {
    render_detail(
        &state,
        &req,
        &id,
        &dq,
        ztc_domain::interest::Form::default(),
        &Invalid::default(),
        StatusCode::OK,
    )
    .await
}

/// An achievement's page, with the interest form as given (and its errors).
pub async fn render_detail(
    state: &AppState,
    req: &Req,
    id: &str,
    dq: &DetailQuery,
    interest_form: ztc_domain::interest::Form,
    interest_inv: &Invalid,
    status_code: StatusCode,
) -> Result<Response, Failure> {
    let (state, req) = (state.clone(), req);
    let a = load(&state, id).await?;
    let full_view = req.can(Action::ViewAchievement, &a.resource());
    // Unpublished achievements exist only for those who may see them.
    if !a.status.is_public() && !full_view {
        return Err(if req.member().is_some() {
            Failure::not_found()
        } else {
            Failure::login_required()
        });
    }
    let l = Labels::new(&state, req.lang);
    let d = &a.details;
    let t = |k: &str| req.t(k).to_owned();
    let facts = vec![
        Fact {
            label: t("ach.subfield"),
            value: d
                .subfield
                .as_deref()
                .map(|c| format!("{} · {}", l.opt("fields", &d.field), l.of("fields", c)))
                .unwrap_or_default(),
        },
        Fact {
            label: t("ach.trl"),
            value: d
                .trl
                .map(|x| format!("TRL {x} · {}", l.of("trl", &x.to_string())))
                .unwrap_or_default(),
        },
        Fact {
            label: t("ach.stage"),
            value: l.opt("stages", &d.stage),
        },
        Fact {
            label: t("ach.tech_level"),
            value: l.opt("tech_levels", &d.tech_level),
        },
        Fact {
            label: t("ach.cooperation_modes"),
            value: d
                .cooperation_modes
                .iter()
                .map(|m| l.of("cooperation_modes", m))
                .collect::<Vec<_>>()
                .join("、"),
        },
        Fact {
            label: t("ach.holder_org"),
            value: a.holder_org_name.clone(),
        },
        Fact {
            label: t("field.region"),
            value: forms::region_label(&state.vocab, &a.region_code),
        },
        Fact {
            label: t("ach.keywords"),
            value: d.keywords.join("、"),
        },
    ];
    let ip =
        d.ip.iter()
            .map(|i| IpRow {
                kind: l.of("ip_types", &i.kind),
                number: i.number.clone().unwrap_or_default(),
                title: i.title.clone(),
                status: i.status.label(req.lang.is_en()).to_owned(),
            })
            .collect();
    let public_sections = [
        text(t("ach.summary"), &d.summary),
        text(t("ach.applications"), &d.applications),
    ]
    .into_iter()
    .flatten()
    .collect();
    let protected = if full_view || req.can(Action::ViewProtected, &a.resource()) {
        if !full_view {
            achievements::record_protected_view(&state.store, &req.change(), &a).await?;
        }
        let price = match (d.price_min, d.price_max) {
            (Some(x), Some(y)) => Some(format!("{x}–{y} 万元")),
            (Some(x), None) => Some(format!("≥ {x} 万元")),
            (None, Some(y)) => Some(format!("≤ {y} 万元")),
            (None, None) => None,
        };
        let price = match (price, &d.price_note) {
            (Some(p), Some(n)) => Some(format!("{p}（{n}）")),
            (p, n) => p.or(n.clone()),
        };
        Some(
            [
                text(t("ach.technical"), &d.technical),
                text(t("ach.advantages"), &d.advantages),
                text(t("ach.market_path"), &d.market_path),
                text(t("ach.indicators"), &d.indicators),
                text(t("ach.benefits"), &d.benefits),
                text(t("ach.team"), &d.team),
                text(t("ach.price"), &price),
                text(t("ach.contact_name"), &d.contact_name),
                text(t("field.phone"), &d.contact_phone),
                text(t("field.email"), &d.contact_email),
            ]
            .into_iter()
            .flatten()
            .collect(),
        )
    } else {
        None
    };
    let flags = if full_view {
        a.unmet()
            .map(|c| format!("{} {}：{}", t("ach.condition"), c.no, c.reason))
            .collect()
    } else {
        Vec::new()
    };
    let can_edit = req.can(Action::EditAchievement, &a.resource());
    let status = a.status.label(req.lang.is_en()).to_owned();
    let mut page = Page::new(req, "library.title");
    page.title = a.details.title.clone();
    let review = crate::routes::review::panel(&state, req, &a, dq.review_error.trim()).await?;
    let can_record_service = req.can(Action::RecordService, &a.resource());
    let all_files = ztc_store::attachments::list(&state.store, &a.id).await?;
    let (open, closed): (Vec<_>, Vec<_>) = all_files
        .into_iter()
        .partition(|f| crate::routes::attachments::access(req, f, &a).is_some());
    let files = file_rows(req, &open);
    let hidden_files = closed.len();
    let services = ztc_store::review::services(&state.store, &a.id)
        .await?
        .into_iter()
        .map(|s| ServiceRow {
            name: l.of("services", &s.service),
            day: crate::view::format_time(s.given_on)
                .chars()
                .take(10)
                .collect(),
            note: if full_view || can_record_service {
                s.note.unwrap_or_default()
            } else {
                String::new()
            },
        })
        .collect();
    let returned = if full_view {
        crate::routes::review::latest_return(&state, req, &a).await?
    } else {
        None
    };
    let related = if a.status == Status::Published {
        crate::routes::search::related(&state, req, &a.id).await
    } else {
        Vec::new()
    };
    let interest =
        crate::routes::interests::panel(&state, req, &a, interest_form, interest_inv).await?;
    let leads = match crate::routes::matching::leads_access(req, &a) {
        Some(all) if a.status == Status::Published => {
            Some(crate::routes::matching::for_achievement(&state, req, &a, all).await?)
        }
        _ => None,
    };
    let view = DetailPage {
        leads,
        interest,
        related,
        page,
        status,
        facts,
        ip,
        public_sections,
        protected,
        flags,
        can_edit,
        full_view,
        review,
        returned,
        notice: if dq.done == "updated" {
            req.t("ach.updated").to_owned()
        } else {
            String::new()
        },
        services,
        service_options: Labels::new(&state, req.lang).options("services"),
        can_record_service,
        service_error: crate::i18n::error_message(req.lang, dq.service_error.trim())
            .map(str::to_owned)
            .unwrap_or_default(),
        files,
        hidden_files,
        a,
    };
    Ok(forms::page(status_code, view.render()?))
}

// ---- the form ---------------------------------------------------------------------

/// The facts of a form post that are not part of the achievement itself.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Extras {
    /// `save` (draft) or `submit`.
    pub action: String,
    pub create_key: String,
    pub version: String,
    pub holder_org: String,
    pub channel: String,
    pub channel_ref: String,
}

/// A posted achievement form: the form itself plus [`Extras`], read from one body.
#[derive(Default, Clone)]
pub struct FormInput {
    pub form: achievement::Form,
    pub action: String,
    pub create_key: String,
    pub version: Option<i64>,
    pub holder_org: String,
    pub channel: String,
    pub channel_ref: String,
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
        let form: achievement::Form = serde_html_form::from_bytes(&body).map_err(bad)?;
        let x: Extras = serde_html_form::from_bytes(&body).map_err(bad)?;
        Ok(FormInput {
            form,
            action: x.action,
            create_key: x.create_key,
            version: x.version.trim().parse().ok(),
            holder_org: x.holder_org,
            channel: x.channel,
            channel_ref: x.channel_ref,
        })
    }
}

#[derive(Template)]
#[template(path = "achievement_form.html")]
struct FormPage {
    page: Page,
    f: achievement::Form,
    action_url: String,
    create_key: String,
    version: i64,
    errors: Errors,
    notice: String,
    field_groups: Vec<(String, Vec<(String, String)>)>,
    tech_levels: Vec<(String, String)>,
    stages: Vec<(String, String)>,
    trls: Vec<(String, String)>,
    sources: Vec<(String, String)>,
    ip_types: Vec<(String, String)>,
    ip_statuses: Vec<(String, String)>,
    modes: Vec<(String, String)>,
    ip_rows: Vec<usize>,
    conditions: Vec<(usize, String)>,
    /// Holder organisations to choose from (agencies and administrators).
    holder_orgs: Vec<(String, String)>,
    holder_org: String,
    channels: Vec<(String, String)>,
    channel: String,
    channel_ref: String,
    returned: Option<(String, String, String)>,
    /// For an existing achievement: its id, attachments and any upload error.
    achievement_id: String,
    files: Vec<FileRow>,
    attach_error: String,
}

impl FormPage {
    fn ip(&self, list: &[String], i: &usize) -> String {
        list.get(*i).cloned().unwrap_or_default()
    }

    fn statement(&self, i: &usize) -> String {
        self.f.statement.get(*i).cloned().unwrap_or_default()
    }

    fn checked_mode(&self, code: &str) -> bool {
        self.f.cooperation_modes.iter().any(|m| m == code)
    }
}

struct FormCtx {
    action_url: String,
    create_key: String,
    version: i64,
    holder_org: String,
    channel: String,
    channel_ref: String,
    returned: Option<(String, String, String)>,
    achievement_id: String,
    attach_error: String,
}

async fn render_form(
    state: &AppState,
    req: &Req,
    f: achievement::Form,
    fc: FormCtx,
    inv: &Invalid,
    notice: String,
    status: StatusCode,
) -> Result<Response, Failure> {
    let l = Labels::new(state, req.lang);
    let m = req.signed_in()?;
    let holder_orgs = if m.user.role == Role::Holder {
        Vec::new()
    } else {
        let unit = (m.user.role != Role::NationalAdmin).then(|| m.unit_code.clone());
        let list = orgs::list(&state.store, unit.as_deref(), None, 1, 2000).await?;
        list.items
            .into_iter()
            .filter(|o| o.kind.is_holder_side())
            .map(|o| (o.id, o.name))
            .collect()
    };
    let trls = (1..=9)
        .map(|n| {
            (
                n.to_string(),
                format!("{n} · {}", l.of("trl", &n.to_string())),
            )
        })
        .collect();
    let conditions = (0..6)
        .map(|i| (i, req.t(&format!("ach.cond{}", i + 1)).to_owned()))
        .collect();
    let mut f = f;
    f.statement.resize(6, String::new());
    // The items entered so far and one empty row to add another (at least three).
    let rows = (f.ip_type.len() + 1).clamp(3, achievement::limits::IP_ITEMS);
    let page = FormPage {
        page: Page::new(req, "ach.form_title"),
        f,
        action_url: fc.action_url,
        create_key: fc.create_key,
        version: fc.version,
        errors: Errors::new(req.lang, inv),
        notice,
        field_groups: l.field_groups(),
        tech_levels: l.options("tech_levels"),
        stages: l.options("stages"),
        trls,
        sources: l.options("sources"),
        ip_types: l.options("ip_types"),
        ip_statuses: IpStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label(req.lang.is_en()).to_owned()))
            .collect(),
        modes: l.options("cooperation_modes"),
        ip_rows: (0..rows).collect(),
        conditions,
        holder_orgs,
        holder_org: fc.holder_org,
        channels: Channel::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.label(req.lang.is_en()).to_owned()))
            .collect(),
        channel: fc.channel,
        channel_ref: fc.channel_ref,
        returned: fc.returned,
        files: if fc.achievement_id.is_empty() {
            Vec::new()
        } else {
            file_rows(
                req,
                &ztc_store::attachments::list(&state.store, &fc.achievement_id).await?,
            )
        },
        achievement_id: fc.achievement_id,
        attach_error: crate::i18n::error_message(req.lang, fc.attach_error.trim())
            .map(str::to_owned)
            .unwrap_or_default(),
    };
    Ok(forms::page(status, page.render()?))
}

/// The resource of an achievement about to be created for `org_id`.
fn to_be(req: &Req, unit_code: &str, org_id: &str) -> Resource {
    let owner = req
        .member()
        .filter(|m| m.user.role == Role::Holder)
        .map(|m| m.user.id.clone());
    Resource::Achievement {
        unit_code: unit_code.to_owned(),
        org_id: org_id.to_owned(),
        owner_id: owner,
        status: Status::Draft,
    }
}

fn may_create_some(req: &Req) -> Result<(), Failure> {
    let m = req.signed_in()?;
    let own = to_be(req, &m.unit_code, &m.user.org_id);
    if m.user.role == Role::Holder {
        req.require(Action::CreateAchievement, &own)?;
    } else {
        // Stewards create for the holder organisations of their unit.
        let other = Resource::Achievement {
            unit_code: m.unit_code.clone(),
            org_id: String::new(),
            owner_id: None,
            status: Status::Draft,
        };
        req.require(Action::CreateAchievement, &other)?;
    }
    Ok(())
}

pub async fn new_form(State(state): State<AppState>, req: Req) -> Result<Response, Failure> {
    may_create_some(&req)?;
    let m = req.signed_in()?;
    let channel = if m.user.role == Role::Holder {
        Channel::SelfNomination
    } else {
        Channel::AgencyMining
    };
    let fc = FormCtx {
        action_url: "/achievements".into(),
        create_key: ztc_store::new_id(),
        version: 0,
        holder_org: String::new(),
        channel: channel.as_str().into(),
        channel_ref: String::new(),
        returned: None,
        achievement_id: String::new(),
        attach_error: String::new(),
    };
    render_form(
        &state,
        &req,
        achievement::Form::default(),
        fc,
        &Invalid::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

fn channel_of(req: &Req, input: &FormInput, inv: &mut Invalid) -> (Channel, Option<String>) {
    let is_holder = req.member().is_some_and(|m| m.user.role == Role::Holder);
    let channel = if is_holder {
        Channel::SelfNomination
    } else {
        Channel::parse(input.channel.trim()).unwrap_or_else(|| {
            inv.push(FieldError::new("choice_invalid", "请选择征集渠道").on("channel"));
            Channel::AgencyMining
        })
    };
    let channel_ref = inv
        .check(ztc_domain::text::optional(
            "channel_ref",
            "渠道说明或项目编号",
            &input.channel_ref,
            100,
        ))
        .flatten();
    if channel == Channel::NationalProgramme && channel_ref.is_none() {
        inv.push(
            FieldError::new("field_required", "国家科技计划项目渠道请填写项目编号")
                .on("channel_ref"),
        );
    }
    (channel, channel_ref)
}

pub async fn create(
    State(state): State<AppState>,
    req: Req,
    input: FormInput,
) -> Result<Response, Failure> {
    may_create_some(&req)?;
    let m = req.signed_in()?.clone();
    let submit = input.action == "submit";
    let mut inv = Invalid::default();
    let (org_id, unit) = if m.user.role == Role::Holder {
        (m.user.org_id.clone(), m.unit_code.clone())
    } else {
        match orgs::get(&state.store, input.holder_org.trim()).await? {
            Some(o) if o.kind.is_holder_side() => (o.id, o.unit_code),
            _ => {
                inv.push(FieldError::new("choice_invalid", "请选择成果持有单位").on("holder_org"));
                (String::new(), m.unit_code.clone())
            }
        }
    };
    if !org_id.is_empty() {
        req.require(Action::CreateAchievement, &to_be(&req, &unit, &org_id))?;
    }
    let (channel, channel_ref) = channel_of(&req, &input, &mut inv);
    let details = match achievement::validate(&input.form, &state.vocab, submit) {
        Ok(d) if inv.is_empty() => d,
        Ok(_) => return refill(&state, &req, input, "/achievements".into(), &inv).await,
        Err(mut e) => {
            e.0.extend(inv.0);
            return refill(&state, &req, input, "/achievements".into(), &e).await;
        }
    };
    let new = NewAchievement {
        details,
        status: if submit {
            Status::Submitted
        } else {
            Status::Draft
        },
        holder_org_id: org_id,
        owner_id: (m.user.role == Role::Holder).then(|| m.user.id.clone()),
        channel,
        channel_ref,
        create_key: clip(&input.create_key, 64),
    };
    let a = achievements::create(&state.store, &req.change(), &m.user.id, &new).await?;
    let done = if submit { "submitted" } else { "saved" };
    Ok(Redirect::to(&format!("/achievements/{}/edit?done={done}", a.id)).into_response())
}

async fn refill(
    state: &AppState,
    req: &Req,
    input: FormInput,
    action_url: String,
    inv: &Invalid,
) -> Result<Response, Failure> {
    let fc = FormCtx {
        action_url,
        create_key: input.create_key.clone(),
        version: input.version.unwrap_or(0),
        holder_org: input.holder_org.clone(),
        channel: input.channel.clone(),
        channel_ref: input.channel_ref.clone(),
        returned: None,
        achievement_id: String::new(),
        attach_error: String::new(),
    };
    render_form(
        state,
        req,
        input.form,
        fc,
        inv,
        String::new(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
    attach_error: String,
}

pub async fn edit_form(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let a = load(&state, &id).await?;
    if !req.can(Action::EditAchievement, &a.resource()) {
        // Submitted or published entries are shown, not edited.
        req.require(Action::ViewAchievement, &a.resource())?;
        return Ok(Redirect::to(&format!("/achievements/{}", a.id)).into_response());
    }
    let notice = match q.done.as_str() {
        "saved" => req.t("ach.saved").to_owned(),
        "submitted" => req.t("ach.submitted").to_owned(),
        "resubmitted" => req.t("ach.resubmitted").to_owned(),
        _ if a.status == Status::Published => req.t("ach.editing_published").to_owned(),
        _ => String::new(),
    };
    let fc = FormCtx {
        action_url: format!("/achievements/{}", a.id),
        create_key: String::new(),
        version: a.version,
        holder_org: a.holder_org_id.clone(),
        channel: a.channel.as_str().into(),
        channel_ref: a.channel_ref.clone().unwrap_or_default(),
        returned: crate::routes::review::latest_return(&state, &req, &a).await?,
        achievement_id: a.id.clone(),
        attach_error: q.attach_error.clone(),
    };
    render_form(
        &state,
        &req,
        achievement::to_form(&a.details),
        fc,
        &Invalid::default(),
        notice,
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
    req.require(Action::EditAchievement, &current.resource())?;
    // A library entry stays complete; its substantive changes go back to review.
    let published = current.status == Status::Published;
    let submit = input.action == "submit" || published;
    let url = format!("/achievements/{id}");
    let details: Details = match achievement::validate(&input.form, &state.vocab, submit) {
        Ok(d) => d,
        Err(inv) => return refill(&state, &req, input, url, &inv).await,
    };
    let next = if published {
        if achievement::is_substantive(&current.details, &details) {
            Status::Submitted
        } else {
            Status::Published
        }
    } else if submit {
        Status::Submitted
    } else {
        current.status
    };
    // The version the editor started from: a newer one means someone else saved.
    let mut base = current.clone();
    if let Some(v) = input.version {
        base.version = v;
    }
    match achievements::update(&state.store, &req.change(), &base, &details, next).await {
        Ok(a) => {
            let done = match (published, next) {
                (true, Status::Submitted) => "resubmitted",
                (true, _) => "updated",
                (false, Status::Submitted) => "submitted",
                _ => "saved",
            };
            if a.status == Status::Published {
                return Ok(
                    Redirect::to(&format!("/achievements/{}?done={done}", a.id)).into_response()
                );
            }
            Ok(Redirect::to(&format!("/achievements/{}/edit?done={done}", a.id)).into_response())
        }
        Err(StoreError::Stale) => {
            let inv: Invalid = FieldError::new(
                "stale",
                "该成果已被他人修改：您填写的内容仍保留在下面，请核对最新版本后再保存",
            )
            .on("form")
            .into();
            let mut r = refill(&state, &req, input, url, &inv).await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- my achievements --------------------------------------------------------------

#[derive(Template)]
#[template(path = "library_mine.html")]
struct MinePage {
    page: Page,
    cards: Vec<Card>,
    pager: Pager,
    status: String,
    statuses: Vec<(String, String)>,
    can_create: bool,
}

pub async fn mine(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<LibraryQuery>,
) -> Result<Response, Failure> {
    // Active accounts only: a pending holder has nothing in the library yet.
    let m = req
        .require(Action::ManageOwnTokens, &Resource::Site)?
        .clone();
    let status = Status::parse(q.status.trim());
    let mut filter = Filter {
        status,
        q: clip(&q.q, 100),
        ..Filter::default()
    };
    match m.user.role {
        Role::Holder => filter.owner = Some(m.user.id.clone()),
        Role::NationalAdmin => {}
        Role::ProvincialAdmin | Role::Agency => filter.unit = Some(m.unit_code.clone()),
        _ => return Err(Failure::forbidden()),
    }
    let p = achievements::list(&state.store, &filter, forms::page_number(q.page), PER_PAGE).await?;
    let cards = p.items.iter().map(|s| card(&state, req.lang, s)).collect();
    let base = forms::query("/library/mine", &[("status", &q.status), ("q", &q.q)]);
    let statuses = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.label(req.lang.is_en()).to_owned()))
        .collect();
    let can_create = may_create_some(&req).is_ok();
    let page = MinePage {
        page: Page::new(&req, "nav.mine"),
        cards,
        pager: Pager::new(&p, &base),
        status: q.status,
        statuses,
        can_create,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

// ---- versions ---------------------------------------------------------------------

pub struct VersionRow {
    pub version: i64,
    pub status: String,
    pub at: i64,
    pub who: String,
    pub changes: Vec<achievement::Change>,
}

#[derive(Template)]
#[template(path = "versions.html")]
struct VersionsPage {
    page: Page,
    a: Achievement,
    rows: Vec<VersionRow>,
}

fn clip_text(s: &str) -> String {
    let mut out: String = s.chars().take(300).collect();
    if s.chars().count() > 300 {
        out.push('…');
    }
    out
}

/// Every saved state of an achievement, each with what changed from the one before.
pub async fn versions(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let a = load(&state, &id).await?;
    req.require(Action::ViewAchievement, &a.resource())?;
    let all = achievements::versions(&state.store, &a.id).await?;
    let rows = all
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let changes = match all.get(i + 1) {
                Some(prev) => achievement::diff(&prev.details, &v.details)
                    .into_iter()
                    .map(|c| achievement::Change {
                        before: clip_text(&c.before),
                        after: clip_text(&c.after),
                        ..c
                    })
                    .collect(),
                None => Vec::new(),
            };
            VersionRow {
                version: v.version,
                status: v.status.label(req.lang.is_en()).to_owned(),
                at: v.at,
                who: v.actor_name.clone().unwrap_or_default(),
                changes,
            }
        })
        .collect();
    let mut page = Page::new(&req, "ach.versions");
    page.title = format!("{} · {}", a.details.title, req.t("ach.versions"));
    Ok(forms::page(
        StatusCode::OK,
        VersionsPage { page, a, rows }.render()?,
    ))
}
