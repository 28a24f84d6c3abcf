//! Review and evaluation (SPEC §5): the stewards' queue and decisions, the experts'
//! assignments and scoring form. The aggregate of the experts' scores decides
//! publication.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ztc_domain::achievement::Status;
use ztc_domain::evaluation::{self, DIMENSIONS, Evaluation, EvaluationForm, Verdict};
use ztc_domain::{AccountStatus, Action, Invalid, Resource, Role};
use ztc_store::achievements::{self, Achievement, Filter};
use ztc_store::{StoreError, review, users};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms::{self, Errors, Pager};
use crate::routes::library::{Card, Labels};
use crate::view::Page;

/// A resource standing for "achievements of my unit", to ask whether one reviews.
fn unit_resource(req: &Req) -> Result<Resource, Failure> {
    let m = req.signed_in()?;
    Ok(Resource::Achievement {
        unit_code: m.unit_code.clone(),
        org_id: String::new(),
        owner_id: None,
        status: Status::Submitted,
    })
}

/// Whether the signed-in user reviews achievements (for navigation).
pub fn reviews(req: &Req) -> bool {
    unit_resource(req).is_ok_and(|r| req.can(Action::ReviewAchievement, &r))
}

// ---- the queue ----------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    status: String,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "review_queue.html")]
struct QueuePage {
    page: Page,
    cards: Vec<Card>,
    pager: Pager,
    status: String,
    statuses: Vec<(String, String)>,
}

pub async fn queue(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<QueueQuery>,
) -> Result<Response, Failure> {
    req.require(Action::ReviewAchievement, &unit_resource(&req)?)?;
    let m = req.signed_in()?;
    let status = Status::parse(q.status.trim()).unwrap_or(Status::Submitted);
    let unit = (m.user.role != Role::NationalAdmin).then(|| m.unit_code.clone());
    let p = achievements::list(
        &state.store,
        &Filter {
            status: Some(status),
            unit,
            ..Filter::default()
        },
        forms::page_number(q.page),
        30,
    )
    .await?;
    let cards = p
        .items
        .iter()
        .map(|s| crate::routes::library::card(&state, req.lang, s))
        .collect();
    let statuses = [
        Status::Submitted,
        Status::UnderReview,
        Status::InEvaluation,
        Status::Returned,
        Status::Published,
        Status::Archived,
    ]
    .iter()
    .map(|s| (s.as_str().to_owned(), s.label(req.lang.is_en()).to_owned()))
    .collect();
    let base = forms::query("/review", &[("status", status.as_str())]);
    let page = QueuePage {
        page: Page::new(&req, "review.title"),
        cards,
        pager: Pager::new(&p, &base),
        status: status.as_str().into(),
        statuses,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

// ---- the panel on the achievement page ------------------------------------------------

pub struct ReviewRow {
    pub at: i64,
    pub who: String,
    pub decision: String,
    pub reasons: String,
    pub note: String,
}

pub struct DimRow {
    pub name: String,
    pub mean: String,
    pub spread: String,
    pub range: String,
}

pub struct Panel {
    pub history: Vec<ReviewRow>,
    pub reasons: Vec<(String, String)>,
    pub experts: Vec<(String, String)>,
    pub assigned: Vec<(String, bool)>,
    pub dims: Vec<DimRow>,
    pub summary: String,
    pub verdict: String,
    pub publishable: bool,
    pub error: String,
    pub can_take: bool,
    pub can_accept: bool,
    pub can_add_experts: bool,
    pub can_return: bool,
    pub can_publish: bool,
    pub can_archive: bool,
    pub can_restore: bool,
}

fn decision_label(req: &Req, d: &str) -> String {
    req.t(&format!("review.decision_{d}")).to_owned()
}

/// The review panel of `a`, for those who review it.
pub async fn panel(
    state: &AppState,
    req: &Req,
    a: &Achievement,
    error: &str,
) -> Result<Option<Panel>, Failure> {
    if !req.can(Action::ReviewAchievement, &a.resource()) {
        return Ok(None);
    }
    let l = Labels::new(state, req.lang);
    let history = review::reviews(&state.store, &a.id)
        .await?
        .into_iter()
        .map(|r| ReviewRow {
            at: r.at,
            who: r.actor_name.unwrap_or_default(),
            decision: decision_label(req, &r.decision),
            reasons: r
                .reasons
                .iter()
                .map(|c| l.of("return_reasons", c))
                .collect::<Vec<_>>()
                .join("、"),
            note: r.note.unwrap_or_default(),
        })
        .collect();
    let assigned_ids = review::assigned_experts(&state.store, &a.id).await?;
    // Before evaluation: whom to send it to; during it: whom else to add.
    let experts = if matches!(a.status, Status::UnderReview | Status::InEvaluation) {
        eligible_experts(state, a)
            .await?
            .into_iter()
            .filter(|(id, _)| !assigned_ids.iter().any(|(x, _, _)| x == id))
            .collect()
    } else {
        Vec::new()
    };
    let assigned = assigned_ids
        .into_iter()
        .map(|(_, n, done)| (n, done))
        .collect();
    let evals: Vec<Evaluation> = review::evaluations(&state.store, &a.id)
        .await?
        .into_iter()
        .map(|(_, _, e)| e)
        .collect();
    let agg = evaluation::aggregate(&evals);
    let dims = agg
        .dimensions
        .iter()
        .zip(DIMENSIONS)
        .map(|(s, (_, zh, en))| DimRow {
            name: if req.lang.is_en() {
                (*en).to_owned()
            } else {
                (*zh).to_owned()
            },
            mean: format!("{:.2}", s.mean),
            spread: format!("{:.2}", s.spread),
            range: format!("{}–{}", s.min, s.max),
        })
        .collect();
    let summary = if agg.count == 0 && agg.conflicts == 0 {
        String::new()
    } else {
        format!(
            "{} {} · {} {} · {} {} · {} {} · {} {}/{}/{}",
            req.t("review.valid"),
            agg.count,
            req.t("review.conflicts"),
            agg.conflicts,
            req.t("review.overall"),
            agg.overall
                .map(|o| format!("{o:.2}"))
                .unwrap_or_else(|| "—".into()),
            req.t("review.trl_mean"),
            agg.trl_mean
                .map(|t| format!("{t:.1}"))
                .unwrap_or_else(|| "—".into()),
            req.t("review.votes"),
            agg.recommend,
            agg.revise,
            agg.reject
        )
    };
    let (verdict, publishable) = match evaluation::verdict(&agg) {
        Verdict::Publish => (req.t("review.verdict_publish").to_owned(), true),
        Verdict::Pending(why) | Verdict::NotPublishable(why) => (why, false),
    };
    let s = a.status;
    Ok(Some(Panel {
        history,
        reasons: l.options("return_reasons"),
        experts,
        assigned,
        dims,
        summary,
        verdict,
        publishable,
        error: if error.is_empty() {
            String::new()
        } else {
            crate::i18n::error_message(req.lang, error)
                .unwrap_or(error)
                .to_owned()
        },
        can_take: s == Status::Submitted,
        can_accept: s == Status::UnderReview,
        can_add_experts: s == Status::InEvaluation,
        can_return: matches!(
            s,
            Status::Submitted | Status::UnderReview | Status::InEvaluation
        ),
        can_publish: s == Status::InEvaluation,
        can_archive: s == Status::Published,
        can_restore: s == Status::Archived,
    }))
}

/// Active experts who may evaluate `a`: not of the holder's own organisation.
async fn eligible_experts(
    state: &AppState,
    a: &Achievement,
) -> Result<Vec<(String, String)>, Failure> {
    let all = users::list(
        &state.store,
        &users::Filter {
            status: Some(AccountStatus::Active),
            ..Default::default()
        },
        1,
        5000,
    )
    .await?;
    Ok(all
        .items
        .into_iter()
        .filter(|m| m.user.role == Role::Expert && m.user.org_id != a.holder_org_id)
        .map(|m| {
            (
                m.user.id,
                format!("{}（{}）", m.user.display_name, m.org_name),
            )
        })
        .collect())
}

// ---- decisions --------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionInput {
    decision: String,
    reasons: Vec<String>,
    note: String,
    experts: Vec<String>,
    version: String,
}

pub async fn decide(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, Failure> {
    let input: DecisionInput = serde_html_form::from_bytes(&body)
        .map_err(|_| Failure::bad_request("bad_request", "提交的表单格式不正确"))?;
    req.signed_in()?;
    let mut a = achievements::get(&state.store, &id)
        .await?
        .ok_or_else(Failure::not_found)?;
    req.require(Action::ReviewAchievement, &a.resource())?;
    if let Ok(v) = input.version.trim().parse() {
        a.version = v;
    }
    let back = |code: &str| {
        Ok(Redirect::to(&format!("/achievements/{id}?review_error={code}#review")).into_response())
    };
    let note = match ztc_domain::text::optional_multiline("note", "审核意见", &input.note, 1000)
    {
        Ok(n) => n,
        Err(e) => return back(&e.code),
    };
    let reasons: Vec<String> = input
        .reasons
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    let known = state
        .vocab
        .list("return_reasons")
        .map(|l| l.items.iter().map(|i| i.code.clone()).collect::<Vec<_>>())
        .unwrap_or_default();
    if reasons.iter().any(|r| !known.contains(r)) {
        return back("choice_invalid");
    }
    let mut experts = Vec::new();
    let to = match input.decision.as_str() {
        "take" => Status::UnderReview,
        "accept" | "add_experts" => {
            let eligible = eligible_experts(&state, &a).await?;
            for e in input
                .experts
                .iter()
                .map(|e| e.trim())
                .filter(|e| !e.is_empty())
            {
                if !eligible.iter().any(|(id, _)| id == e) {
                    return back("expert_invalid");
                }
                if !experts.iter().any(|x: &String| x == e) {
                    experts.push(e.to_owned());
                }
            }
            if input.decision == "add_experts" {
                if a.status != Status::InEvaluation {
                    return back("achievement_status_invalid");
                }
                if experts.is_empty() {
                    return back("expert_required");
                }
            } else if experts.len() < evaluation::MIN_EVALUATIONS {
                return back("experts_required");
            }
            Status::InEvaluation
        }
        "return" | "reject" => {
            if reasons.is_empty() && note.is_none() {
                return back("reasons_required");
            }
            if input.decision == "return" {
                Status::Returned
            } else {
                Status::Rejected
            }
        }
        "publish" => {
            let evals: Vec<Evaluation> = review::evaluations(&state.store, &a.id)
                .await?
                .into_iter()
                .map(|(_, _, e)| e)
                .collect();
            if evaluation::verdict(&evaluation::aggregate(&evals)) != Verdict::Publish {
                return back("not_publishable");
            }
            Status::Published
        }
        "archive" => Status::Archived,
        "restore" => Status::Published,
        _ => return back("choice_invalid"),
    };
    match review::decide(
        &state.store,
        &req.change(),
        &a,
        review::Decision {
            decision: &input.decision,
            to,
            reasons: &reasons,
            note: note.as_deref(),
            experts: &experts,
        },
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/achievements/{id}#review")).into_response()),
        Err(StoreError::Stale) => back("stale"),
        Err(StoreError::Conflict { code, .. }) => back(code),
        Err(e) => Err(e.into()),
    }
}

/// The latest return or rejection, for the holder: (decision label, reasons, note).
pub async fn latest_return(
    state: &AppState,
    req: &Req,
    a: &Achievement,
) -> Result<Option<(String, String, String)>, Failure> {
    if !matches!(a.status, Status::Returned | Status::Rejected) {
        return Ok(None);
    }
    let l = Labels::new(state, req.lang);
    let last = review::reviews(&state.store, &a.id)
        .await?
        .into_iter()
        .find(|r| r.decision == "return" || r.decision == "reject");
    Ok(last.map(|r| {
        (
            decision_label(req, &r.decision),
            r.reasons
                .iter()
                .map(|c| l.of("return_reasons", c))
                .collect::<Vec<_>>()
                .join("、"),
            r.note.unwrap_or_default(),
        )
    }))
}

// ---- experts ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "evaluations.html")]
struct AssignmentsPage {
    page: Page,
    rows: Vec<review::Assignment>,
    labels: Vec<String>,
    notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: String,
}

pub async fn assignments(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<Done>,
) -> Result<Response, Failure> {
    let m = req.signed_in()?.clone();
    req.require(
        Action::Evaluate,
        &Resource::Assignment {
            expert_id: m.user.id.clone(),
        },
    )?;
    let rows = review::assignments_of(&state.store, &m.user.id).await?;
    let labels = rows
        .iter()
        .map(|r| r.status.label(req.lang.is_en()).to_owned())
        .collect();
    let notice = if q.done == "1" {
        req.t("evaluation.done").to_owned()
    } else {
        String::new()
    };
    let page = AssignmentsPage {
        page: Page::new(&req, "evaluation.title"),
        rows,
        labels,
        notice,
    };
    Ok(forms::page(StatusCode::OK, page.render()?))
}

#[derive(Template)]
#[template(path = "evaluation_form.html")]
struct EvaluationPage {
    page: Page,
    a: Achievement,
    field: String,
    f: EvaluationForm,
    errors: Errors,
    dims: Vec<(String, String)>,
    trls: Vec<(String, String)>,
    recommendations: Vec<(String, String)>,
    open: bool,
}

impl EvaluationPage {
    fn score(&self, key: &str) -> String {
        match key {
            "leadership" => self.f.leadership.clone(),
            "feasibility" => self.f.feasibility.clone(),
            "prospects" => self.f.prospects.clone(),
            "ip" => self.f.ip.clone(),
            _ => self.f.team.clone(),
        }
    }
}

async fn assigned(state: &AppState, req: &Req, id: &str) -> Result<(Achievement, String), Failure> {
    let m = req.signed_in()?.clone();
    req.require(
        Action::Evaluate,
        &Resource::Assignment {
            expert_id: m.user.id.clone(),
        },
    )?;
    let a = achievements::get(&state.store, id)
        .await?
        .ok_or_else(Failure::not_found)?;
    if !review::is_assigned(&state.store, &a.id, &m.user.id).await? {
        return Err(Failure::not_found());
    }
    Ok((a, m.user.id))
}

async fn render_evaluation(
    state: &AppState,
    req: &Req,
    a: Achievement,
    f: EvaluationForm,
    inv: &Invalid,
    status: StatusCode,
) -> Result<Response, Failure> {
    let l = Labels::new(state, req.lang);
    let field = a
        .details
        .subfield
        .as_deref()
        .map(|c| l.of("fields", c))
        .unwrap_or_default();
    let dims = DIMENSIONS
        .iter()
        .map(|(k, zh, en)| {
            (
                (*k).to_owned(),
                if req.lang.is_en() {
                    (*en).to_owned()
                } else {
                    (*zh).to_owned()
                },
            )
        })
        .collect();
    let trls = (1..=9)
        .map(|n| {
            (
                n.to_string(),
                format!("{n} · {}", l.of("trl", &n.to_string())),
            )
        })
        .collect();
    let recommendations = evaluation::Recommendation::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), r.label(req.lang.is_en()).to_owned()))
        .collect();
    let open = a.status == Status::InEvaluation;
    let mut page = Page::new(req, "evaluation.title");
    page.title = a.details.title.clone();
    let view = EvaluationPage {
        page,
        a,
        field,
        f,
        errors: Errors::new(req.lang, inv),
        dims,
        trls,
        recommendations,
        open,
    };
    Ok(forms::page(status, view.render()?))
}

pub async fn evaluation_form(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let (a, expert) = assigned(&state, &req, &id).await?;
    let existing = review::evaluations(&state.store, &a.id)
        .await?
        .into_iter()
        .find(|(e, _, _)| *e == expert)
        .map(|(_, _, ev)| ev);
    let f = existing.map(|e| {
        let s = |i: usize| e.scores.get(i).map(u8::to_string).unwrap_or_default();
        EvaluationForm {
            conflict: if e.conflict {
                "on".into()
            } else {
                String::new()
            },
            conflict_note: e.conflict_note.clone().unwrap_or_default(),
            leadership: s(0),
            feasibility: s(1),
            prospects: s(2),
            ip: s(3),
            team: s(4),
            trl: e.trl.map(|t| t.to_string()).unwrap_or_default(),
            recommendation: e
                .recommendation
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            comment: e.comment.clone().unwrap_or_default(),
        }
    });
    render_evaluation(
        &state,
        &req,
        a,
        f.unwrap_or_default(),
        &Invalid::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn submit_evaluation(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<EvaluationForm>,
) -> Result<Response, Failure> {
    let (a, expert) = assigned(&state, &req, &id).await?;
    let e = match evaluation::validate(&f) {
        Ok(e) => e,
        Err(inv) => {
            return render_evaluation(&state, &req, a, f, &inv, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    review::evaluate(&state.store, &req.change(), &a, &expert, &e).await?;
    Ok(Redirect::to("/evaluations?done=1").into_response())
}

// ---- public services (SPEC §4.8) ------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ServiceInput {
    service: String,
    given_on: String,
    note: String,
}

/// Records a public service given to a library entry.
pub async fn record_service(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<ServiceInput>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let a = achievements::get(&state.store, &id)
        .await?
        .ok_or_else(Failure::not_found)?;
    req.require(Action::RecordService, &a.resource())?;
    let back = |code: &str| {
        Ok(
            Redirect::to(&format!("/achievements/{id}?service_error={code}#services"))
                .into_response(),
        )
    };
    let known = state
        .vocab
        .list("services")
        .is_some_and(|l| l.items.iter().any(|i| i.code == f.service.trim()));
    if !known {
        return back("choice_invalid");
    }
    let Some(day) = crate::view::parse_day(&f.given_on) else {
        return back("date_invalid");
    };
    if day > ztc_store::now_ms() + 24 * 3600 * 1000 {
        return back("date_in_future");
    }
    let note = match ztc_domain::text::optional("note", "说明", &f.note, 200) {
        Ok(n) => n,
        Err(e) => return back(&e.code),
    };
    review::record_service(
        &state.store,
        &req.change(),
        &a,
        f.service.trim(),
        day,
        note.as_deref(),
    )
    .await?;
    Ok(Redirect::to(&format!("/achievements/{id}#services")).into_response())
}
