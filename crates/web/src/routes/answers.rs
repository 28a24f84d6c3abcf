//! Holders' answers (proposals) to published demands: a holder of a verified
//! organisation proposes an approach, a TRL, a team and a cooperation mode before
//! the deadline; the enterprise shortlists, declines with a reason, or accepts.
//! On acceptance both sides see each other's contacts.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use ztc_domain::demand::{self, AnswerStatus};
use ztc_domain::{Action, FieldError, Invalid, Role};
use ztc_store::StoreError;
use ztc_store::demands::{Demand, answers};

use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms::HtmlForm;
use crate::routes::demands::{AnswerRow, DetailQuery, load, render_detail, visible};
use crate::routes::library::Labels;

pub use ztc_domain::demand::AnswerForm;

/// The answers `req`'s user may see on demand `d`: all of them for the enterprise
/// and its reviewers (`sees_all`), otherwise only the user's own.
pub async fn rows(
    state: &AppState,
    req: &Req,
    d: &Demand,
    sees_all: bool,
) -> Result<Vec<AnswerRow>, Failure> {
    let Some(m) = req.member() else {
        return Ok(Vec::new());
    };
    let l = Labels::new(state, req.lang);
    let list = answers::for_demand(&state.store, &d.id).await?;
    Ok(list
        .into_iter()
        .filter(|a| sees_all || a.author_id == m.user.id)
        .map(|a| {
            let mine = a.author_id == m.user.id;
            // Contacts are released to the enterprise once it accepts.
            let contact = if a.status == AnswerStatus::Accepted && !mine {
                [
                    Some(a.author_name.clone()),
                    a.author_phone.clone(),
                    a.author_email.clone(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
            } else {
                String::new()
            };
            AnswerRow {
                id: a.id.clone(),
                org: a.org_name.clone(),
                verified: a.org_verified,
                author: a.author_name.clone(),
                approach: a.proposal.approach.clone(),
                trl: a
                    .proposal
                    .trl
                    .map(|t| format!("TRL {t}"))
                    .unwrap_or_default(),
                modes: vec![l.of("cooperation_modes", &a.proposal.cooperation_mode)],
                team: a.proposal.team.clone(),
                status: a.status.label(req.lang.is_en()).to_owned(),
                status_code: a.status.as_str().to_owned(),
                reason: a.reason.clone().unwrap_or_default(),
                at: crate::view::format_time(a.updated_at),
                contact,
                mine,
            }
        })
        .collect())
}

/// A holder answers a demand.
pub async fn submit(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    HtmlForm(form): HtmlForm<AnswerForm>,
) -> Result<Response, Failure> {
    req.signed_in()?;
    let d = load(&state, &id).await?;
    visible(&req, &d)?;
    let again = |inv: Invalid, status: StatusCode| {
        let state = state.clone();
        let req = &req;
        let d = d.clone();
        let form = form.clone();
        async move { render_detail(&state, req, d, &DetailQuery::default(), form, &inv, status).await }
    };
    if !req.can(Action::AnswerDemand, &d.resource()) {
        let expired = d.expired_at(ztc_store::now_ms());
        if expired && req.member().is_some_and(|m| m.user.role == Role::Holder) {
            let inv = FieldError::new("demand_expired", "该需求已过截止日期，不再接受方案")
                .on("form")
                .into();
            return again(inv, StatusCode::CONFLICT).await;
        }
        return Err(Failure::forbidden());
    }
    let m = req.signed_in()?.clone();
    let proposal = match demand::validate_answer(&form, &state.vocab) {
        Ok(p) => p,
        Err(inv) => return again(inv, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    // The achievement a proposal names must be one the holder's organisation holds.
    if let Some(aid) = &proposal.achievement_id {
        let ok = ztc_store::achievements::get(&state.store, aid)
            .await?
            .is_some_and(|a| a.holder_org_id == m.user.org_id);
        if !ok {
            let inv = FieldError::new("achievement_invalid", "所选成果不属于您的单位")
                .on("achievement_id")
                .into();
            return again(inv, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    }
    match answers::submit(
        &state.store,
        &req.change(),
        &d.id,
        &m.user.id,
        &m.user.org_id,
        &proposal,
        &state.settings.base_url(),
    )
    .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/demands/{}?done=answered#answers", d.id)).into_response())
        }
        Err(StoreError::Conflict { code, message }) => {
            let inv = FieldError::new(code, message).on("form").into();
            again(inv, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionInput {
    /// `shortlist`, `decline`, `accept` (the enterprise) or `withdraw` (the holder).
    pub decision: String,
    pub reason: String,
    pub version: String,
}

/// The enterprise decides on an answer; its author may withdraw it.
pub async fn decide(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    HtmlForm(input): HtmlForm<DecisionInput>,
) -> Result<Response, Failure> {
    let m = req.signed_in()?.clone();
    let mut a = answers::get(&state.store, &id)
        .await?
        .ok_or_else(Failure::not_found)?;
    let d = load(&state, &a.demand_id).await?;
    let back = |code: &str| {
        Ok(Redirect::to(&format!("/demands/{}?error={code}#answers", d.id)).into_response())
    };
    // Only the demand's own enterprise decides; only the author withdraws.
    let enterprise = req.can(Action::CreateDemand, &d.resource());
    let to = match input.decision.as_str() {
        "shortlist" if enterprise => AnswerStatus::Shortlisted,
        "decline" if enterprise => AnswerStatus::Declined,
        "accept" if enterprise => AnswerStatus::Accepted,
        "withdraw" if a.author_id == m.user.id => AnswerStatus::Withdrawn,
        "shortlist" | "decline" | "accept" | "withdraw" => return Err(Failure::forbidden()),
        _ => return back("choice_invalid"),
    };
    let reason = if to == AnswerStatus::Declined {
        match demand::decline_reason(&input.reason) {
            Ok(r) => Some(r),
            Err(e) => return back(&e.code),
        }
    } else {
        None
    };
    if let Ok(v) = input.version.trim().parse() {
        a.version = v;
    }
    let base = state.settings.base_url();
    match answers::decide(
        &state.store,
        &req.change(),
        &a,
        to,
        reason.as_deref(),
        &base,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/demands/{}?done=answer_{}#answers",
            d.id,
            to.as_str()
        ))
        .into_response()),
        Err(StoreError::Conflict { code, .. }) => back(code),
        Err(StoreError::Stale) => back("stale"),
        Err(e) => Err(e.into()),
    }
}
