//! The demo library: the 1,000 real abstracts of `testdata/csl/` (CSL, Apache-2.0)
//! turned into achievements of demo universities and institutes across the regions,
//! in every state of the lifecycle, so that a newcomer sees a living library.
//! Everything is derived from the record's position, so every load is the same.

use serde::Deserialize;
use ztc_domain::achievement::{Channel, Details, IpItem, IpStatus, Status};
use ztc_domain::{AccountStatus, OrgKind, patent};
use ztc_store::achievements::{self, NewAchievement};
use ztc_store::orgs::{self, NewOrg};
use ztc_store::users;
use ztc_store::{Ctx, Store, StoreError};

const CSL: &str = include_str!("../../../testdata/csl/csl-dev.jsonl");

#[derive(Deserialize)]
struct Paper {
    id: String,
    title: String,
    #[serde(rename = "abstract")]
    abstract_: String,
    keywords: Vec<String>,
    discipline: String,
}

/// The strategic-emerging-industry sub-field of a CSL discipline, if it has one
/// (the table lives with the search quality evaluation, which uses it too).
pub use ztc_search::eval::subfield_of;

/// Demo holder organisations: (name, kind, region).
const HOLDERS: &[(&str, OrgKind, &str)] = &[
    ("岭南理工大学（演示）", OrgKind::University, "440100"),
    ("江南先进材料研究院（演示）", OrgKind::Institute, "320500"),
    ("京华科技大学（演示）", OrgKind::University, "110100"),
    ("海河工业大学（演示）", OrgKind::University, "120100"),
    ("浦江交通大学（演示）", OrgKind::University, "310100"),
    ("钱塘信息工程学院（演示）", OrgKind::University, "330100"),
    ("巴蜀农业科学院（演示）", OrgKind::Institute, "510100"),
    ("荆楚光电研究所（演示）", OrgKind::Institute, "420100"),
    ("三秦航空航天大学（演示）", OrgKind::University, "610100"),
    ("齐鲁海洋大学（演示）", OrgKind::University, "370200"),
    ("鹏城智能研究院（演示）", OrgKind::Institute, "440300"),
    ("湘江中医药大学（演示）", OrgKind::University, "430100"),
    ("天山能源研究院（演示）", OrgKind::Institute, "650100"),
    ("石河子垦区农业研究所（演示）", OrgKind::Institute, "659001"),
    ("鹭岛海洋生物研究院（演示）", OrgKind::Institute, "350200"),
    ("中原材料科技大学（演示）", OrgKind::University, "410100"),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
const LEVELS: &[&str] = &[
    "domestic_leading",
    "domestic_leading",
    "intl_advanced",
    "domestic_advanced",
    "intl_leading",
    "domestic_leading",
];
const MODES: &[&str] = &[
    "licence",
    "transfer",
    "joint_development",
    "pilot",
    "equity",
    "acquisition",
    "financing",
];

fn stage_of(trl: u8) -> &'static str {
    match trl {
        0..=3 => "lab",
        4..=5 => "bench",
        6 => "pilot",
        7..=8 => "small_batch",
        _ => "mass",
    }
}

/// A valid invention-patent application number derived from `i`.
fn patent_number(i: usize) -> String {
    let digits = format!("{}1{:07}", 2015 + i % 10, 100_000 + i * 7919 % 9_000_000);
    let c = patent::check_char(&digits).unwrap_or('0');
    format!("{digits}.{c}")
}

fn details_of(i: usize, p: &Paper, subfield: Option<&str>) -> Details {
    let trl = 3 + (i * 3 % 7) as u8;
    let kw = p
        .keywords
        .iter()
        .take(10)
        .map(|k| k.replace(',', " ").chars().take(20).collect::<String>())
        .collect::<Vec<_>>();
    let first = kw
        .first()
        .cloned()
        .unwrap_or_else(|| p.title.chars().take(8).collect());
    let modes: Vec<String> = (0..1 + i % 3)
        .map(|k| MODES[(i + k * 3) % MODES.len()].to_owned())
        .collect::<Vec<_>>();
    let mut modes_unique = Vec::new();
    for m in modes {
        if !modes_unique.contains(&m) {
            modes_unique.push(m);
        }
    }
    let summary: String = p.abstract_.chars().take(480).collect();
    let surname = SURNAMES[i % SURNAMES.len()];
    Details {
        title: p.title.chars().take(100).collect(),
        field: subfield
            .and_then(|s| s.split('.').next())
            .map(str::to_owned),
        subfield: subfield.map(str::to_owned),
        summary: Some(summary),
        technical: Some(p.abstract_.chars().take(3000).collect()),
        advantages: Some(format!(
            "与现有方案相比，本成果在{first}方面提出了新的方法，经试验验证效果优于常用方案，具体对比数据可在对接时提供。"
        )),
        market_path: Some(format!(
            "拟先在合作企业开展{first}相关的中试验证，再通过许可或合作开发实现产业化。"
        )),
        indicators: Some("关键指标达到国内同类技术领先水平，部分指标接近国际先进水平。".into()),
        tech_level: Some(LEVELS[i % LEVELS.len()].into()),
        trl: Some(trl),
        stage: Some(stage_of(trl).into()),
        ip: vec![IpItem {
            kind: "invention_patent".into(),
            number: Some(patent_number(i)),
            title: format!("{}的方法", p.title.chars().take(40).collect::<String>()),
            status: if i.is_multiple_of(3) {
                IpStatus::Pending
            } else {
                IpStatus::Granted
            },
        }],
        independent_ip: !i.is_multiple_of(11),
        no_dispute: true,
        cooperation_modes: modes_unique,
        price_min: (!i.is_multiple_of(4)).then_some((50 + (i % 20) * 25) as f64),
        price_max: (!i.is_multiple_of(4)).then_some((150 + (i % 20) * 50) as f64),
        price_note: (i.is_multiple_of(4)).then(|| "面议".to_owned()),
        applications: Some(format!(
            "可应用于{}等领域，市场需求明确。",
            kw.iter().take(3).cloned().collect::<Vec<_>>().join("、")
        )),
        benefits: Some("预计可降低生产成本、提高效率，具有良好的经济和社会效益。".into()),
        source: Some(
            [
                "national_programme",
                "provincial_programme",
                "self_developed",
                "enterprise_commission",
            ][i % 4]
                .into(),
        ),
        project_number: (i.is_multiple_of(4)).then(|| format!("2021YFB{:07}", 1_000_000 + i)),
        team: Some(format!(
            "{surname}教授团队，成员 {} 人，长期从事{first}研究。",
            5 + i % 12
        )),
        contact_name: Some(format!("{surname}老师")),
        contact_phone: Some(format!(
            "0{}-8{:07}",
            10 + i % 80,
            1_000_000 + i * 37 % 8_000_000
        )),
        contact_email: Some(format!("tt{i:04}@demo.ztc.example")),
        keywords: kw,
        willing_to_present: Some(!i.is_multiple_of(9)),
        statements: vec!["符合".into(); 6],
    }
}

fn status_of(i: usize, in_field: bool) -> Status {
    if !in_field {
        return if i.is_multiple_of(2) {
            Status::Returned
        } else {
            Status::Rejected
        };
    }
    match i % 20 {
        0 => Status::Draft,
        1 => Status::Submitted,
        2 => Status::UnderReview,
        3 => Status::InEvaluation,
        4 => Status::Returned,
        5 => Status::Archived,
        _ => Status::Published,
    }
}

/// Loads the demo library once (it is skipped when demo achievements exist).
/// Needs the demo accounts of [`crate::demo::load`]. Returns how many were added.
pub async fn load(store: &Store) -> Result<usize, StoreError> {
    let existing: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM achievements WHERE create_key LIKE 'csl-%'")
            .fetch_one(store.pool())
            .await?;
    if existing > 0 {
        return Ok(0);
    }
    let ctx = Ctx::system("demo");
    let agency = users::member_by_username(store, "agency")
        .await?
        .ok_or(StoreError::NotFound)?;
    let holder = users::member_by_username(store, "holder")
        .await?
        .ok_or(StoreError::NotFound)?;
    let all_orgs = orgs::list(store, None, None, 1, 10_000).await?.items;
    let mut org_ids = Vec::new();
    for (name, kind, region) in HOLDERS {
        let id = match all_orgs.iter().find(|o| o.name == *name) {
            Some(o) => o.id.clone(),
            None => {
                let new = NewOrg {
                    name: (*name).into(),
                    kind: *kind,
                    region_code: (*region).into(),
                    credit_code: None,
                    status: AccountStatus::Active,
                    contact_name: None,
                    contact_phone: None,
                    contact_email: None,
                    industry: None,
                    interest_fields: Vec::new(),
                };
                orgs::create(store, &ctx, &new).await?.id
            }
        };
        org_ids.push(id);
    }
    let mut added = 0;
    for (i, line) in CSL.lines().enumerate() {
        let Ok(p) = serde_json::from_str::<Paper>(line) else {
            continue;
        };
        let sub = subfield_of(&p.discipline);
        let d = details_of(i, &p, sub);
        let status = status_of(i, sub.is_some());
        let org = &org_ids[i % org_ids.len()];
        // Every tenth of the first university's results belongs to the demo holder.
        let owner =
            (org == &holder.user.org_id && i.is_multiple_of(2)).then(|| holder.user.id.clone());
        let channel = [
            Channel::AgencyMining,
            Channel::NationalProgramme,
            Channel::InstitutionCall,
            Channel::SelfNomination,
        ][i % 4];
        let new = NewAchievement {
            channel_ref: (channel == Channel::NationalProgramme)
                .then(|| format!("2021YFB{:07}", 1_000_000 + i)),
            details: d,
            status,
            holder_org_id: org.clone(),
            owner_id: owner,
            channel,
            create_key: Some(format!("csl-{}", p.id)),
        };
        achievements::create(store, &ctx, &agency.user.id, &new).await?;
        added += 1;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    #[test]
    fn most_disciplines_map_to_a_subfield() {
        let vocab = ztc_domain::vocab::Vocabulary::builtin().unwrap();
        let subs = &vocab.list("fields").unwrap().items;
        let mut mapped = 0;
        for line in super::CSL.lines() {
            let p: super::Paper = serde_json::from_str(line).unwrap();
            if let Some(s) = super::subfield_of(&p.discipline) {
                assert!(
                    subs.iter().any(|i| i.code == s && i.parent_code.is_some()),
                    "{s}"
                );
                mapped += 1;
            }
        }
        assert!(
            mapped > 700,
            "{mapped} of 1000 in the strategic emerging industries"
        );
    }

    #[test]
    fn demo_readiness_levels_span_the_scale() {
        let papers: Vec<super::Paper> = super::CSL
            .lines()
            .take(50)
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mut levels: Vec<u8> = papers
            .iter()
            .enumerate()
            .filter_map(|(i, p)| super::details_of(i, p, Some("1.5")).trl)
            .collect();
        levels.sort_unstable();
        levels.dedup();
        assert_eq!(levels, (3..=9).collect::<Vec<u8>>(), "TRL 3 to 9 all occur");
    }

    #[test]
    fn generated_patent_numbers_are_valid() {
        for i in 0..1000 {
            assert!(
                ztc_domain::patent::parse(&super::patent_number(i)).is_ok(),
                "{i}"
            );
        }
    }
}
