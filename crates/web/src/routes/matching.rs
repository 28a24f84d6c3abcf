//! Matching on the pages, both ways, each suggestion with the reasons it was made
//! (matched words, field, readiness, cooperation mode, region):
//!
//! - for a demand, the published achievements that fit best ([`for_demand`]);
//! - for an achievement, the enterprises most likely to want it ([`for_achievement`]):
//!   from their live demands, their past interest in entries of the same sub-field,
//!   and the fields they follow. Names behind demands kept for matching only and
//!   behind followed fields are shown to the programme's stewards; the holder sees
//!   published demands and how many enterprises follow the field.

use std::collections::HashMap;

use ztc_domain::demand::DemandStatus;
use ztc_domain::{Action, Role};
use ztc_search::{DemandProfile, FieldFit, Match, Scope, TrlFit};
use ztc_store::achievements::Achievement;
use ztc_store::demands::{self, Demand};

use crate::AppState;
use crate::ctx::Req;
use crate::i18n::Lang;
use crate::routes::demands::Suggestion;
use crate::routes::library::Labels;

/// Suggestions shown on a page.
const SHOWN: usize = 10;

/// The reasons of one match, in words.
pub fn reasons(state: &AppState, lang: Lang, m: &Match, demand_side: bool) -> Vec<String> {
    let l = Labels::new(state, lang);
    let en = lang.is_en();
    let r = &m.reasons;
    let mut out = Vec::new();
    if !r.terms.is_empty() {
        let words = r.terms.join(if en { ", " } else { "、" });
        out.push(if en {
            format!("Matches: {words}")
        } else {
            format!("匹配词：{words}")
        });
    }
    match r.field_fit {
        FieldFit::SameSubfield => out.push(if en {
            "Same sub-field".into()
        } else {
            "同一细分领域".into()
        }),
        FieldFit::SameField => out.push(if en {
            "Same field".into()
        } else {
            "同一领域".into()
        }),
        FieldFit::Other => {}
    }
    match (r.trl_fit, demand_side) {
        (TrlFit::Meets, false) if r.trl > 0 => out.push(if en {
            format!("TRL {} meets the minimum", r.trl)
        } else {
            format!("成熟度 TRL {} 满足要求", r.trl)
        }),
        (TrlFit::Below, false) => out.push(if en {
            format!("TRL {} below the minimum", r.trl)
        } else {
            format!("成熟度 TRL {} 低于要求", r.trl)
        }),
        (TrlFit::Meets, true) if r.trl > 0 => out.push(if en {
            format!("Asks for TRL ≥ {}: met", r.trl)
        } else {
            format!("要求 TRL ≥ {}：满足", r.trl)
        }),
        (TrlFit::Below, true) => out.push(if en {
            format!("Asks for TRL ≥ {}: not yet", r.trl)
        } else {
            format!("要求 TRL ≥ {}：尚未达到", r.trl)
        }),
        _ => {}
    }
    if !r.modes.is_empty() {
        let modes = r
            .modes
            .iter()
            .map(|c| l.of("cooperation_modes", c))
            .collect::<Vec<_>>()
            .join(if en { ", " } else { "、" });
        out.push(if en {
            format!("Modes: {modes}")
        } else {
            format!("合作方式一致：{modes}")
        });
    }
    if r.same_region {
        out.push(if en {
            "Same region".into()
        } else {
            "同一地区".into()
        });
    }
    out
}

/// The matcher's view of a demand.
pub fn profile(d: &Demand) -> DemandProfile {
    let x = &d.details;
    DemandProfile {
        title: x.title.clone(),
        text: [x.problem.as_deref(), x.goals.as_deref(), x.basis.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n"),
        keywords: x.keywords.clone(),
        field: x.field.clone().unwrap_or_default(),
        subfield: x.subfield.clone().unwrap_or_default(),
        trl_min: x.trl_min.unwrap_or(0),
        modes: x.cooperation_modes.clone(),
        region: d.unit_code.clone(),
    }
}

/// Suggested achievements for demand `d` (empty when the index cannot answer).
pub async fn for_demand(state: &AppState, req: &Req, d: &Demand) -> Vec<Suggestion> {
    let p = profile(d);
    let found = crate::routes::search::on_index(state, move |index| {
        index.match_demand(&p, Scope::Public, SHOWN)
    })
    .await;
    match found {
        Ok(Ok(list)) => list
            .iter()
            .map(|m| Suggestion {
                id: m.id.clone(),
                title: m.title.clone(),
                reasons: reasons(state, req.lang, m, false),
            })
            .collect(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "matching a demand");
            Vec::new()
        }
        Err(_) => Vec::new(),
    }
}

/// An enterprise suggested for an achievement.
pub struct Lead {
    pub org: String,
    pub verified: bool,
    /// A demand of the enterprise to link to (published ones, or any for stewards).
    pub demand: Option<(String, String)>,
    pub reasons: Vec<String>,
}

/// What the achievement page shows about likely enterprises.
pub struct Leads {
    pub list: Vec<Lead>,
    /// Enterprises that follow the achievement's field (counted, not named, for
    /// the holder).
    pub followers: i64,
}

/// Whether `req`'s user sees the leads of `a`, and sees them all (stewards).
pub fn leads_access(req: &Req, a: &Achievement) -> Option<bool> {
    let m = req.member()?;
    let steward = matches!(
        m.user.role,
        Role::NationalAdmin | Role::ProvincialAdmin | Role::Agency
    ) && req.can(Action::ViewAchievement, &a.resource());
    if steward {
        return Some(true);
    }
    req.can(Action::DecideInterest, &a.resource())
        .then_some(false)
}

/// Enterprises likely to want achievement `a`.
pub async fn for_achievement(
    state: &AppState,
    req: &Req,
    a: &Achievement,
    all: bool,
) -> Result<Leads, crate::error::Failure> {
    let id = a.id.clone();
    let found = crate::routes::search::on_index(state, move |index| {
        index.match_achievement(&id, Scope::Admin, 40)
    })
    .await?;
    let matches = match found {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "matching an achievement");
            Vec::new()
        }
    };
    let now = ztc_store::now_ms();
    let mut list: Vec<Lead> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for m in &matches {
        let Some(d) = demands::get(&state.store, &m.id).await? else {
            continue;
        };
        let shown = d.status == DemandStatus::Published && d.details.public;
        let live = d.status.is_live() && !d.expired_at(now);
        if !live || !(shown || all) {
            continue;
        }
        if seen.contains_key(&d.org_id) {
            continue;
        }
        let mut why = reasons(state, req.lang, m, true);
        why.insert(
            0,
            if req.lang.is_en() {
                "Has a matching demand".into()
            } else {
                "有相符的技术需求".into()
            },
        );
        seen.insert(d.org_id.clone(), list.len());
        list.push(Lead {
            org: d.org_name.clone(),
            verified: d.org_verified,
            demand: Some((d.id.clone(), d.details.title.clone())),
            reasons: why,
        });
        if list.len() >= SHOWN {
            break;
        }
    }
    let sub = a.details.subfield.clone().unwrap_or_default();
    let field = a.details.field.clone().unwrap_or_default();
    if all && !sub.is_empty() {
        for (org_id, name, verified, n) in
            ztc_store::interests::interested_in_subfield(&state.store, &sub, &a.id, SHOWN as i64)
                .await?
        {
            let why = if req.lang.is_en() {
                format!("Expressed interest in {n} entries of this sub-field")
            } else {
                format!("曾对本细分领域 {n} 项成果表达合作意向")
            };
            match seen.get(&org_id) {
                Some(&i) => list[i].reasons.push(why),
                None => {
                    seen.insert(org_id, list.len());
                    list.push(Lead {
                        org: name,
                        verified,
                        demand: None,
                        reasons: vec![why],
                    });
                }
            }
        }
    }
    let followers = ztc_store::orgs::following(&state.store, &field, &sub, 50).await?;
    if all {
        for (org_id, name) in &followers {
            let why = if req.lang.is_en() {
                "Follows this field".to_owned()
            } else {
                "关注该领域".to_owned()
            };
            match seen.get(org_id) {
                Some(&i) => list[i].reasons.push(why),
                None if list.len() < SHOWN * 2 => {
                    seen.insert(org_id.clone(), list.len());
                    list.push(Lead {
                        org: name.clone(),
                        verified: true,
                        demand: None,
                        reasons: vec![why],
                    });
                }
                None => {}
            }
        }
    }
    Ok(Leads {
        list,
        followers: followers.len() as i64,
    })
}
