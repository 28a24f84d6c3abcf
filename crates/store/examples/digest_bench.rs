//! Digest benchmark: 10,000 enterprise accounts with follows and a week of new
//! library entries (2,000, from the CSL abstracts in testdata/csl), then one timed
//! `follows::digests::generate` on SQLite and on PostgreSQL (when reachable at
//! `ZTC_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/test; a fresh
//! database is created there and dropped afterwards).
//!
//! cargo run --release -p ztc-store --example digest_bench [FOLLOWS] [ENTRIES]
//! (BENCH_BACKENDS=sqlite or =postgres runs one of them.)
//!
//! Organisations and entries go through the store API (entries as one bulk
//! import, then their publication times spread over the week); accounts and
//! follows are written with multi-row inserts that mirror `users::create` and
//! `follows::upsert`, to keep the set-up short. Only `generate` is timed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ztc_domain::achievement::{Channel, Details, Status};
use ztc_domain::digest::DAY_MS;
use ztc_domain::vocab::Vocabulary;
use ztc_domain::{AccountStatus, OrgKind, Role};
use ztc_store::achievements::{self, NewAchievement};
use ztc_store::follows::digests;
use ztc_store::orgs::{self, NewOrg};
use ztc_store::testing::TestDb;
use ztc_store::users::{self, NewUser};
use ztc_store::{Ctx, Store, new_id, now_ms};

struct Paper {
    title: String,
    summary: String,
    keywords: Vec<String>,
    discipline: String,
}

fn papers() -> Vec<Paper> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/csl/csl-dev.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("testdata/csl/csl-dev.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Paper {
                title: v["title"].as_str().unwrap_or_default().to_owned(),
                summary: v["abstract"].as_str().unwrap_or_default().to_owned(),
                keywords: v["keywords"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|k| k.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                discipline: v["discipline"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

/// A sub-field for a CSL discipline (a short version of the search crate's map),
/// else one drawn at random.
fn subfield(discipline: &str, subs: &[String], rng: &mut StdRng) -> String {
    let known = match discipline {
        "信息与通信工程" => "1.1",
        "光学工程" | "电子科学与技术" => "1.2",
        "计算机科学与技术" => "1.3",
        "数学" | "控制科学与工程" => "1.5",
        "机械工程" | "力学" => "2.1",
        "航空宇航科学与技术" | "兵器科学与技术" => "2.2",
        "交通运输工程" => "2.4",
        "冶金工程" => "3.1",
        "化学/化学工程与技术" | "石油与天然气工程" => "3.3",
        "土木工程" => "3.4",
        "材料科学与工程" | "物理学" => "3.6",
        "中医学/中药学" | "药学" => "4.1",
        "基础医学/临床医学" => "4.2",
        "作物学" | "园艺学" | "植物保护" | "农业工程" => "4.3",
        "食品科学与工程" | "生物学/生物科学与工程" => "4.5",
        "电气工程" => "6.5",
        "动力工程及工程热物理" => "7.1",
        "环境科学与工程" | "水利工程" => "7.2",
        _ => "",
    };
    if known.is_empty() {
        subs[rng.random_range(0..subs.len())].clone()
    } else {
        known.to_owned()
    }
}

async fn setup(store: &Store, n_follows: usize, n_entries: usize, now: i64) {
    let mut rng = StdRng::seed_from_u64(20_261_120);
    let vocab = Vocabulary::builtin().unwrap();
    let fields = &vocab.list("fields").unwrap().items;
    let subs: Vec<String> = fields
        .iter()
        .filter(|i| i.parent_code.is_some())
        .map(|i| i.code.clone())
        .collect();
    let tops: Vec<String> = fields
        .iter()
        .filter(|i| i.parent_code.is_none())
        .map(|i| i.code.clone())
        .collect();
    let papers = papers();
    let mut pool: Vec<String> = papers.iter().flat_map(|p| p.keywords.clone()).collect();
    pool.retain(|k| (2..=20).contains(&k.chars().count()));
    pool.sort();
    pool.dedup();
    let ctx = Ctx::system("bench");

    // The holders and a week of published entries.
    let started = Instant::now();
    let holder_org = orgs::create(
        store,
        &ctx,
        &NewOrg {
            name: "基准测试大学".into(),
            kind: OrgKind::University,
            region_code: "440100".into(),
            credit_code: None,
            status: AccountStatus::Active,
            contact_name: None,
            contact_phone: None,
            contact_email: None,
            industry: None,
            interest_fields: Vec::new(),
        },
    )
    .await
    .unwrap();
    let holder = users::create(
        store,
        &ctx,
        &holder_org.id,
        &NewUser {
            username: "bench-holder".into(),
            display_name: "持有人".into(),
            email: None,
            phone: None,
            password_hash: "!".into(),
            role: Role::Holder,
            status: AccountStatus::Active,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let items: Vec<NewAchievement> = (0..n_entries)
        .map(|i| {
            let p = &papers[i % papers.len()];
            let sub = subfield(&p.discipline, &subs, &mut rng);
            let parent = sub.split('.').next().unwrap_or_default().to_owned();
            let round = i / papers.len();
            NewAchievement {
                details: Details {
                    title: if round == 0 {
                        p.title.clone()
                    } else {
                        format!("{}（{}）", p.title, round + 1)
                    },
                    field: Some(parent),
                    subfield: Some(sub),
                    summary: Some(p.summary.chars().take(500).collect()),
                    keywords: p.keywords.clone(),
                    ..Details::default()
                },
                status: Status::Published,
                holder_org_id: holder_org.id.clone(),
                owner_id: Some(holder.id.clone()),
                channel: Channel::SelfNomination,
                channel_ref: None,
                create_key: None,
            }
        })
        .collect();
    let ids = achievements::create_many(store, &ctx, &holder.id, &items, |_| {})
        .await
        .unwrap();
    let mut tx = store.pool().begin().await.unwrap();
    for id in &ids {
        let at = now - rng.random_range(10 * 60_000..7 * DAY_MS);
        sqlx::query("UPDATE achievements SET published_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    // Enterprises: 500 organisations, 10,000 accounts, one follow each.
    let mut org_ids = Vec::new();
    for i in 0..500 {
        let o = orgs::create(
            store,
            &ctx,
            &NewOrg {
                name: format!("基准企业{i:03}有限公司"),
                kind: OrgKind::HighTechEnterprise,
                region_code: "330100".into(),
                credit_code: None,
                status: AccountStatus::Active,
                contact_name: None,
                contact_phone: None,
                contact_email: None,
                industry: None,
                interest_fields: Vec::new(),
            },
        )
        .await
        .unwrap();
        org_ids.push(o.id);
    }
    let mut user_rows = Vec::with_capacity(n_follows);
    let mut follow_rows = Vec::with_capacity(n_follows);
    let s = |v: &str| Some(v.to_owned());
    for i in 0..n_follows {
        let id = new_id();
        let org = org_ids[i % org_ids.len()].clone();
        let email = match i % 100 {
            0 => s("地址有误"),
            1..=4 => None,
            _ => Some(format!("e{i}@example.cn")),
        };
        user_rows.push(vec![
            s(&id),
            Some(format!("bench-e{i:05}")),
            Some(format!("企业联系人{i}")),
            email,
            None,
            s("!"),
            s(Role::Enterprise.as_str()),
            Some(org.clone()),
            s("active"),
            s("0"),
            Some(now.to_string()),
            Some(now.to_string()),
        ]);
        let mut f: Vec<String> = Vec::new();
        for _ in 0..rng.random_range(1..=3) {
            let code = if rng.random_bool(0.3) {
                tops[rng.random_range(0..tops.len())].clone()
            } else {
                subs[rng.random_range(0..subs.len())].clone()
            };
            if !f.contains(&code) {
                f.push(code);
            }
        }
        let mut k: Vec<String> = Vec::new();
        for _ in 0..rng.random_range(0..=4) {
            let w = pool[rng.random_range(0..pool.len())].clone();
            if !k.contains(&w) {
                k.push(w);
            }
        }
        let delimited = |v: &[String]| {
            if v.is_empty() {
                String::new()
            } else {
                format!(",{},", v.join(","))
            }
        };
        let freq = if rng.random_bool(0.3) {
            "daily"
        } else {
            "weekly"
        };
        let token: [u8; 32] = rng.random();
        let token: String = token.iter().map(|b| format!("{b:02x}")).collect();
        follow_rows.push(vec![
            s(&id),
            Some(org),
            Some(delimited(&f)),
            Some(delimited(&k)),
            s(freq),
            Some(token),
            Some(now.to_string()),
            Some(now.to_string()),
            s("1"),
        ]);
    }
    insert_users(store, &user_rows).await;
    insert_follows(store, &follow_rows).await;
    println!(
        "  set-up: {n_follows} follows, {} entries in {:.1}s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );
}

// Integers are bound as integers (PostgreSQL will not cast text to BIGINT).
async fn insert_users(store: &Store, rows: &[Vec<Option<String>>]) {
    for chunk in rows.chunks(500) {
        let places: Vec<String> = (0..chunk.len())
            .map(|r| {
                let p: Vec<String> = (1..=12).map(|c| format!("${}", r * 12 + c)).collect();
                format!("({}, NULL, 1)", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO users (id, username, display_name, email, phone, password_hash, role, org_id, status, must_change_password, created_at, updated_at, last_login_at, version) VALUES {}",
            places.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for (c, v) in row.iter().enumerate() {
                q = if c >= 9 {
                    q.bind(v.as_deref().map(|x| x.parse::<i64>().unwrap()))
                } else {
                    q.bind(v.clone())
                };
            }
        }
        q.execute(store.pool()).await.unwrap();
    }
}

async fn insert_follows(store: &Store, rows: &[Vec<Option<String>>]) {
    for chunk in rows.chunks(500) {
        let places: Vec<String> = (0..chunk.len())
            .map(|r| {
                let p: Vec<String> = (1..=9).map(|c| format!("${}", r * 9 + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO follows (user_id, org_id, fields, keywords, frequency, unsubscribe_token, created_at, updated_at, version) VALUES {}",
            places.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for (c, v) in row.iter().enumerate() {
                q = if c >= 6 {
                    q.bind(v.as_deref().map(|x| x.parse::<i64>().unwrap()))
                } else {
                    q.bind(v.clone())
                };
            }
        }
        q.execute(store.pool()).await.unwrap();
    }
}

async fn bench(label: &str, db: TestDb, n_follows: usize, n_entries: usize) {
    println!("== {label}");
    let now = now_ms();
    setup(&db.store, n_follows, n_entries, now).await;
    let at = now + digests::SETTLE_MS;
    let started = Instant::now();
    let r = digests::generate(&db.store, at, "https://ztc.example.cn")
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  generate: follows due {} | entries in period {} | digests {} | items {} | mails queued {} | bad addresses {} | skipped {} | {secs:.2}s",
        r.due, r.entries, r.digests, r.items, r.mails, r.bad_addresses, r.skipped
    );
    let started = Instant::now();
    let again = digests::generate(&db.store, at + 1_000, "https://ztc.example.cn")
        .await
        .unwrap();
    println!(
        "  second run right after: due {} digests {} ({:.2}s)",
        again.due,
        again.digests,
        started.elapsed().as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n_follows = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let n_entries = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let which = std::env::var("BENCH_BACKENDS").unwrap_or_default();
    if which.is_empty() || which.contains("sqlite") {
        bench("SQLite", TestDb::sqlite().await, n_follows, n_entries).await;
    }
    if (which.is_empty() || which.contains("postgres"))
        && let Some(db) = TestDb::postgres().await
    {
        bench("PostgreSQL", db, n_follows, n_entries).await;
    }
}
