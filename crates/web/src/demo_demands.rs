//! Demo technology demands: the 102 enterprise demands of the matching quality set
//! (`testdata/demands/quality.jsonl`, written in the voice of factories', hospitals'
//! and farms' R&D managers), posted by demo enterprises across the regions and
//! spread over every state — published, kept for matching, waiting for review,
//! returned, drafts, closed and past their deadline. The demo enterprise account
//! owns those in high-end equipment, with one proposal from the demo holder; the
//! demo enterprise has also expressed interest in one of the holder's achievements.

use serde::Deserialize;
use ztc_domain::AccountStatus;
use ztc_domain::OrgKind;
use ztc_domain::demand::{Answer, DemandStatus, Details, day_string, today};
use ztc_store::demands::{self, NewDemand, answers};
use ztc_store::orgs::{self, NewOrg};
use ztc_store::{Ctx, Store, StoreError, users};

const DEMANDS: &str = include_str!("../../../testdata/demands/quality.jsonl");

#[derive(Deserialize)]
struct Row {
    id: String,
    title: String,
    description: String,
    field: String,
    cooperation_modes: Vec<String>,
    trl_min: u8,
    org_kind: String,
    industry: String,
}

/// Cities the demo enterprises are in.
const REGIONS: &[&str] = &[
    "440100", "320500", "330100", "330600", "370100", "420100", "510100", "620100", "440300",
    "410100", "210100",
];
const BUDGETS: &[&str] = &["negotiable", "10_50", "50_100", "100_500", "500_1000"];

fn state_of(i: usize) -> DemandStatus {
    match i % 10 {
        0 => DemandStatus::Draft,
        1 => DemandStatus::Submitted,
        2 => DemandStatus::Private,
        3 => DemandStatus::Returned,
        4 if i % 20 == 4 => DemandStatus::Closed,
        _ => DemandStatus::Published,
    }
}

/// Loads the demo demands once (skipped when they exist). Needs the demo accounts
/// and, for the interest, the demo library. Returns how many were added.
pub async fn load(store: &Store) -> Result<usize, StoreError> {
    let existing: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM demands WHERE create_key LIKE 'demo-dq-%'")
            .fetch_one(store.pool())
            .await?;
    if existing > 0 {
        return Ok(0);
    }
    let ctx = Ctx::system("demo");
    let Some(ent) = users::member_by_username(store, "enterprise").await? else {
        return Err(StoreError::NotFound);
    };
    let now = ztc_store::now_ms();
    let day = today(now);
    let mut added = 0;
    let mut first_equipment: Option<String> = None;
    for (i, line) in DEMANDS.lines().enumerate() {
        let Ok(r) = serde_json::from_str::<Row>(line) else {
            continue;
        };
        let equipment = r.field.starts_with("2.");
        let state = state_of(i);
        let org_id = if equipment {
            ent.user.org_id.clone()
        } else {
            let kind = OrgKind::parse(&r.org_kind).unwrap_or(OrgKind::OtherEnterprise);
            let new = NewOrg {
                name: format!("{}企业（演示 {}）", r.industry, &r.id[3..]),
                kind,
                region_code: REGIONS[i % REGIONS.len()].into(),
                credit_code: None,
                // Some enterprises with drafts are still waiting for verification.
                status: if state == DemandStatus::Draft && i % 20 == 10 {
                    AccountStatus::Pending
                } else {
                    AccountStatus::Active
                },
                contact_name: Some("研发部".into()),
                contact_phone: Some(format!("0{}-8{:07}", 20 + i % 70, 1_000_000 + i * 37)),
                contact_email: Some(format!("rd{:03}@demo-enterprise.example", i + 1)),
                industry: Some("C".into()),
                interest_fields: vec![r.field.split('.').next().unwrap_or("1").to_owned()],
            };
            orgs::create(store, &ctx, &new).await?.id
        };
        let public = state != DemandStatus::Private;
        let details = Details {
            title: r.title.chars().take(60).collect(),
            problem: Some(r.description.chars().take(2000).collect()),
            field: r.field.split('.').next().map(str::to_owned),
            subfield: Some(r.field.clone()),
            cooperation_modes: r.cooperation_modes.clone(),
            trl_min: Some(r.trl_min),
            budget: Some(BUDGETS[i % BUDGETS.len()].into()),
            deadline: Some(day_string(day + 30 + (i as i64 * 7) % 150)),
            public,
            contact_name: Some("研发部".into()),
            contact_phone: Some("020-87654321".into()),
            contact_email: Some(format!("rd{:03}@demo-enterprise.example", i + 1)),
            ..Details::default()
        };
        let new = NewDemand {
            details,
            status: if state == DemandStatus::Draft {
                DemandStatus::Draft
            } else {
                DemandStatus::Submitted
            },
            org_id,
            owner_id: equipment.then(|| ent.user.id.clone()),
            create_key: Some(format!("demo-{}", r.id)),
        };
        let mut d = demands::create(store, &ctx, &new).await?;
        match state {
            DemandStatus::Draft | DemandStatus::Submitted => {}
            DemandStatus::Returned => {
                let note = "请补充现有工艺参数和期望的验收方式";
                demands::set_status(store, &ctx, &d, DemandStatus::Returned, Some(note)).await?;
            }
            DemandStatus::Private => {
                demands::set_status(store, &ctx, &d, DemandStatus::Private, None).await?;
            }
            DemandStatus::Closed => {
                d = demands::set_status(store, &ctx, &d, DemandStatus::Published, None).await?;
                demands::set_status(store, &ctx, &d, DemandStatus::Closed, None).await?;
            }
            DemandStatus::Published => {
                d = demands::set_status(store, &ctx, &d, DemandStatus::Published, None).await?;
                // Some have passed their deadline and wait for renewal.
                if i % 13 == 5 {
                    demands::renew(store, &ctx, &d, &day_string(day - 3)).await?;
                } else if equipment && first_equipment.is_none() {
                    first_equipment = Some(d.id.clone());
                }
            }
        }
        added += 1;
    }
    if let (Some(demand), Some(holder)) = (
        first_equipment,
        users::member_by_username(store, "holder").await?,
    ) {
        let answer = Answer {
            approach: "课题组在数控装备状态监测与误差补偿方面有十余年积累，可基于多点温度测量和数据驱动模型实现在线补偿，先在一台设备上中试验证。".into(),
            trl: Some(6),
            team: "教授 1 名、副教授 2 名、博士研究生 4 名；与两家机床企业有合作经历。".into(),
            cooperation_mode: "joint_development".into(),
            achievement_id: None,
        };
        let hctx = Ctx {
            actor_id: Some(holder.user.id.clone()),
            actor_name: Some(holder.user.username.clone()),
            ..Ctx::system("demo")
        };
        answers::submit(
            store,
            &hctx,
            &demand,
            &holder.user.id,
            &holder.user.org_id,
            &answer,
            "",
        )
        .await?;
        // The demo enterprise is interested in one of the holder's achievements.
        let owned: Option<String> = sqlx::query_scalar(
            "SELECT id FROM achievements WHERE owner_id = $1 AND status = 'published' ORDER BY id LIMIT 1",
        )
        .bind(&holder.user.id)
        .fetch_optional(store.pool())
        .await?;
        if let Some(a) = owned {
            let ectx = Ctx {
                actor_id: Some(ent.user.id.clone()),
                actor_name: Some(ent.user.username.clone()),
                ..Ctx::system("demo")
            };
            let new = ztc_store::interests::NewInterest {
                achievement_id: &a,
                org_id: &ent.user.org_id,
                user_id: &ent.user.id,
                message: "我公司正在开发新一代高速加工中心，希望了解该成果的技术细节和许可条件，方便时请联系。",
                mode: "licence",
            };
            ztc_store::interests::express(store, &ectx, &new, "").await?;
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_quality_demand_parses_and_states_spread() {
        let rows: Vec<super::Row> = super::DEMANDS
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(rows.len() >= 100);
        let states: std::collections::BTreeSet<_> = (0..rows.len()).map(super::state_of).collect();
        assert_eq!(states.len(), 6, "every state occurs: {states:?}");
    }
}
