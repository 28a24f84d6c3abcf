//! Search: who finds what, facets and filters, bad queries, related entries, and the
//! index following the outbox.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use ztc_domain::achievement::{self, Channel, Status};
use ztc_store::achievements::{self, NewAchievement};
use ztc_web::indexer;

use crate::support::TestApp;

fn details(
    title: &str,
    subfield: &str,
    trl: &str,
    summary: &str,
    technical: &str,
) -> achievement::Details {
    let f = achievement::Form {
        title: title.into(),
        subfield: subfield.into(),
        keywords: "储能，电池".into(),
        summary: summary.into(),
        technical: technical.into(),
        advantages: "能量密度高。".into(),
        tech_level: "domestic_leading".into(),
        trl: trl.into(),
        stage: "pilot".into(),
        cooperation_modes: vec!["licence".into()],
        market_path: "与电池企业合作。".into(),
        applications: "电动汽车、储能电站。".into(),
        source: "self_developed".into(),
        contact_name: "陈工".into(),
        contact_phone: "020-88886666".into(),
        willing_to_present: "yes".into(),
        independent_ip: "on".into(),
        no_dispute: "on".into(),
        ..achievement::Form::default()
    };
    achievement::validate(
        &f,
        &ztc_domain::vocab::Vocabulary::builtin().unwrap(),
        false,
    )
    .unwrap()
}

/// Guangdong (44): two published entries and a draft; Jiangsu (32): one published.
async fn library(app: &TestApp) {
    let by = app.member("torch").await.user.id;
    let gd = app.member("holder").await.user.org_id;
    let js = app.member("js-holder").await.user.org_id;
    let rows = [
        (
            &gd,
            Status::Published,
            details(
                "高安全固态锂电池电解质",
                "5.2",
                "7",
                "一种用于锂电池的硫化物固态电解质，配套 BMS 热管理。",
                "采用掺杂改性与界面包覆，离子电导率高（钽酸锂掺杂工艺）。",
            ),
        ),
        (
            &gd,
            Status::Published,
            details(
                "锂电池回收<script>alert(1)</script>湿法冶金工艺",
                "7.2",
                "5",
                "退役锂电池正极材料的湿法回收。",
                "选择性浸出与萃取。",
            ),
        ),
        (
            &gd,
            Status::Draft,
            details(
                "锂电池负极硅碳材料（草稿）",
                "5.2",
                "4",
                "硅碳复合负极。",
                "球磨与包覆。",
            ),
        ),
        (
            &js,
            Status::Published,
            details(
                "钠离子电池正极材料",
                "6.5",
                "6",
                "低成本钠离子电池层状氧化物正极，可替代部分锂电池储能场景。",
                "共沉淀合成。",
            ),
        ),
    ];
    let items: Vec<NewAchievement> = rows
        .into_iter()
        .map(|(org, status, details)| NewAchievement {
            details,
            status,
            holder_org_id: org.clone(),
            owner_id: None,
            channel: Channel::AgencyMining,
            channel_ref: None,
            create_key: None,
        })
        .collect();
    achievements::create_many(
        &app.db.store,
        &ztc_store::Ctx::system("test"),
        &by,
        &items,
        |_| {},
    )
    .await
    .unwrap();
    indexer::catch_up(&app.db.store, &app.state.search)
        .await
        .unwrap();
}

fn titles(v: &serde_json::Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn each_searcher_finds_what_they_may_see() {
    let app = TestApp::new().await;
    library(&app).await;
    let q = "/api/v1/search?q=%E9%94%82%E7%94%B5%E6%B1%A0"; // 锂电池

    // The public: published entries only, public text only.
    let r = app.client().get(q).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["scope"], "public");
    let found = titles(&v);
    assert!(found.iter().any(|t| t == "高安全固态锂电池电解质"));
    assert!(found.iter().any(|t| t == "钠离子电池正极材料"), "{found:?}");
    assert!(!found.iter().any(|t| t.contains("草稿")), "no drafts");
    assert_eq!(
        found[0], "高安全固态锂电池电解质",
        "title matches rank first"
    );
    let tech = "/api/v1/search?q=%E9%92%BD%E9%85%B8%E9%94%82"; // 钽酸锂: technical text only
    assert_eq!(app.client().get(tech).await.json()["total"], 0);

    // A verified enterprise also matches the protected technical text.
    let mut ent = app.login("enterprise").await;
    let v = ent.get(tech).await.json();
    assert_eq!(v["scope"], "protected");
    assert_eq!(titles(&v), vec!["高安全固态锂电池电解质"]);

    // The Guangdong agency's manage view: every state, its unit only, by status.
    let mut agency = app.login("agency").await;
    let v = agency.get(&format!("{q}&manage=1")).await.json();
    assert_eq!(v["scope"], "manage");
    let found = titles(&v);
    assert!(found.iter().any(|t| t.contains("草稿")), "{found:?}");
    assert!(
        !found.iter().any(|t| t == "钠离子电池正极材料"),
        "other units"
    );
    let statuses: Vec<&str> = v["facets"]["status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"draft") && statuses.contains(&"published"));
    // Others asking for the manage view get their own scope.
    assert_eq!(
        ent.get(&format!("{q}&manage=1")).await.json()["scope"],
        "protected"
    );
    assert_eq!(
        app.login("holder")
            .await
            .get(&format!("{q}&manage=1"))
            .await
            .json()["scope"],
        "public"
    );
}

#[tokio::test]
async fn facets_filters_sorting_and_pages() {
    let app = TestApp::new().await;
    library(&app).await;
    let mut c = app.client();
    let base = "/api/v1/search?q=%E7%94%B5%E6%B1%A0"; // 电池
    let v = c.get(base).await.json();
    assert_eq!(v["total"], 3);
    let units = &v["facets"]["unit"];
    let count = |code: &str| {
        units
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .map(|f| f["count"].as_u64().unwrap())
    };
    assert_eq!((count("44"), count("32")), (Some(2), Some(1)));
    let v = c.get(&format!("{base}&unit=32")).await.json();
    assert_eq!(titles(&v), vec!["钠离子电池正极材料"]);
    let v = c.get(&format!("{base}&trl=6")).await.json();
    assert_eq!(v["total"], 2, "TRL 6 and 7");
    let v = c.get(&format!("{base}&sort=trl")).await.json();
    let trls: Vec<u64> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["trl"].as_u64().unwrap())
        .collect();
    assert_eq!(trls, vec![7, 6, 5]);
    let v = c.get(&format!("{base}&per_page=2&page=2")).await.json();
    assert_eq!(
        (v["pages"].as_u64(), v["hits"].as_array().unwrap().len()),
        (Some(2), 1)
    );

    // The page: facets with counts, active filters that can be removed.
    let page = c.get("/search?q=%E7%94%B5%E6%B1%A0&unit=44").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"facets\""));
    assert!(page.body.contains("data-testid=\"active-filters\""));
    assert!(page.body.contains("<mark>"), "highlighted");
    assert!(
        !page.body.contains("<script>alert(1)"),
        "titles are escaped, only <mark> is markup"
    );
    assert!(page.body.contains("&lt;script&gt;alert(1)"));
}

#[tokio::test]
async fn bad_queries_get_answers_not_errors() {
    let app = TestApp::new().await;
    library(&app).await;
    let mut c = app.client();
    let cases = [
        String::new(),
        "lithium battery ".repeat(625), // 10,000 characters
        "锂电池储能".repeat(1_000),     // 5,000 (45 KB in the address)
        "\"锂电池".into(),
        "title:锂电池 AND (储能 OR *)".into(),
        "锂电池 -钠 +固态 ~2 ^3".into(),
        "🔋⚡️锂电池\u{0000}\u{0007}\u{202e}".into(),
        "   ".into(),
        "CRISPR 基因编辑".into(),
        "锂电池 BMS".into(),
    ];
    for q in &cases {
        let enc: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        for path in [
            format!("/search?q={enc}"),
            format!("/api/v1/search?q={enc}"),
        ] {
            let r = c.get(&path).await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{q:?} at {}: {}",
                &path[..20.min(path.len())],
                r.body
            );
        }
    }
    // An empty query lists the newest published entries.
    assert_eq!(c.get("/api/v1/search?q=").await.json()["total"], 3);
    // Mixed Chinese and Latin finds the entry that has both.
    let v = c
        .get("/api/v1/search?q=%E9%94%82%E7%94%B5%E6%B1%A0%20BMS")
        .await
        .json();
    assert_eq!(titles(&v)[0], "高安全固态锂电池电解质");
    // Pages past the end and silly sizes.
    let v = c
        .get("/api/v1/search?q=%E7%94%B5%E6%B1%A0&page=99999")
        .await
        .json();
    assert_eq!(
        (v["total"].as_u64(), v["hits"].as_array().unwrap().len()),
        (Some(3), 0)
    );
    let v = c
        .get("/api/v1/search?q=%E7%94%B5%E6%B1%A0&per_page=0")
        .await
        .json();
    assert_eq!(v["per_page"], 1);
    let r = c.get("/api/v1/search?page=abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // Nothing found: a helpful answer, with the filters that could be removed.
    let none = c
        .get("/search?q=%E9%87%8F%E5%AD%90%E8%AE%A1%E7%AE%97&unit=32")
        .await; // 量子计算
    assert!(none.body.contains("data-testid=\"no-results\""));
    assert!(none.body.contains("去掉全部筛选条件"));
    // A compound with no match offers the shorter words inside it.
    let none = c
        .get("/search?q=%E7%87%83%E6%96%99%E7%94%B5%E6%B1%A0")
        .await; // 燃料电池
    assert!(
        none.body.contains("data-testid=\"no-results\""),
        "{}",
        none.body
    );
    assert!(
        none.body.contains("q=%E7%94%B5%E6%B1%A0\">电池</a>"),
        "{}",
        none.body
    );
    // Suggestions while typing.
    let s = c.get("/search/suggest?q=%E9%AB%98%E5%AE%89").await.json(); // 高安
    assert_eq!(s[0], "高安全固态锂电池电解质");
    assert_eq!(
        c.get("/search/suggest?q=").await.json(),
        serde_json::json!([])
    );
}

#[tokio::test]
async fn related_entries_on_the_achievement_page() {
    let app = TestApp::new().await;
    library(&app).await;
    let v = app
        .client()
        .get("/api/v1/search?q=%E5%9B%BA%E6%80%81%E7%94%B5%E8%A7%A3%E8%B4%A8") // 固态电解质
        .await
        .json();
    let id = v["hits"][0]["id"].as_str().unwrap().to_owned();
    let page = app.client().get(&format!("/achievements/{id}")).await;
    let related = page
        .body
        .split("data-testid=\"related\"")
        .nth(1)
        .expect("related section")
        .split("</section>")
        .next()
        .unwrap()
        .to_owned();
    assert!(related.contains("锂电池回收"), "{related}");
    assert!(!related.contains("高安全固态锂电池电解质"), "not itself");
    assert!(!related.contains("草稿"), "not unpublished ones");
}

#[tokio::test]
async fn the_index_follows_changes_and_can_be_rebuilt() {
    for app in TestApp::all().await {
        library(&app).await;
        let follower = tokio::spawn(indexer::follow(
            app.db.store.clone(),
            app.state.search.clone(),
            Duration::from_millis(50),
            Duration::from_millis(500),
        ));
        // A published entry changes its title: the new one is found, the old is not.
        let v = app
            .client()
            .get("/api/v1/search?q=%E9%92%A0%E7%A6%BB%E5%AD%90") // 钠离子
            .await
            .json();
        let id = v["hits"][0]["id"].as_str().unwrap().to_owned();
        let a = achievements::get(&app.db.store, &id)
            .await
            .unwrap()
            .unwrap();
        let mut d = a.details.clone();
        d.title = "钾离子电池正极材料".into();
        achievements::update(
            &app.db.store,
            &ztc_store::Ctx::system("test"),
            &a,
            &d,
            Status::Published,
        )
        .await
        .unwrap();
        // The summary still says 钠离子: the entry is found under its new title.
        let start = Instant::now();
        loop {
            let v = app
                .client()
                .get("/api/v1/search?q=%E9%92%A0%E7%A6%BB%E5%AD%90") // 钠离子
                .await
                .json();
            if titles(&v) == vec!["钾离子电池正极材料"] {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{:?}: not followed: {v}",
                app.db
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        follower.abort();

        // A rebuild gives the same answers, and the cursor survives.
        let n = indexer::rebuild(&app.db.store, &app.state.search, |_, _| {})
            .await
            .unwrap();
        assert_eq!(n, 4);
        assert_eq!(
            app.client()
                .get("/api/v1/search?q=%E9%92%BE%E7%A6%BB%E5%AD%90")
                .await
                .json()["total"],
            1
        );
        assert_ne!(
            indexer::stored_cursor(&app.state.search).await.unwrap(),
            ztc_store::outbox::Cursor::default()
        );
        let reread = indexer::catch_up(&app.db.store, &app.state.search)
            .await
            .unwrap();
        assert!(
            reread > 0,
            "a catch-up after a rebuild re-reads the look-back window"
        );
    }
}

#[tokio::test]
async fn administrators_extend_the_dictionary() {
    let app = TestApp::new().await;
    library(&app).await;
    let term = "钽酸锂掺杂";
    let whole = |app: &TestApp| {
        app.state
            .search
            .segmenter()
            .words(&format!("采用{term}工艺"), false)
            .contains(&term.to_owned())
    };
    assert!(!whole(&app), "not a word before");
    let mut torch = app.login("torch").await;
    for (bad, code) in [("", "请输入"), ("钽", "2–20"), ("钽酸 锂", "不能有空格")] {
        let r = torch.post("/admin/search-terms", &[("term", bad)]).await;
        let page = torch.get(r.location()).await;
        assert!(page.body.contains(code), "{bad:?}: {}", page.body);
    }
    let r = torch.post("/admin/search-terms", &[("term", term)]).await;
    assert_eq!(r.location(), "/admin/reference#search-terms");
    let again = torch.post("/admin/search-terms", &[("term", term)]).await;
    assert!(
        torch
            .get(again.location())
            .await
            .body
            .contains("词典中已有这个词")
    );
    assert!(torch.get("/admin/reference").await.body.contains(term));
    // Only the Torch Center edits the dictionary.
    let mut gd = app.login("gd-admin").await;
    assert_eq!(
        gd.post("/admin/search-terms", &[("term", "钙钛矿叠层")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The index learns it from the outbox; the entry that contains it stays found.
    indexer::catch_up(&app.db.store, &app.state.search)
        .await
        .unwrap();
    assert!(whole(&app), "one word now");
    let mut ent = app.login("enterprise").await;
    let enc: String = form_urlencoded::byte_serialize(term.as_bytes()).collect();
    let v = ent.get(&format!("/api/v1/search?q={enc}")).await.json();
    assert_eq!(titles(&v), vec!["高安全固态锂电池电解质"]);
    // Removing it is audited like adding it.
    torch
        .post("/admin/search-terms/remove", &[("term", term)])
        .await;
    assert!(
        !torch
            .get("/admin/reference")
            .await
            .body
            .contains(&format!(">{term}"))
    );
}

#[tokio::test]
async fn a_crash_while_indexing_loses_nothing() {
    let app = TestApp::new().await;
    library(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let open = || std::sync::Arc::new(ztc_search::Index::open(dir.path()).unwrap());
    let index = open();
    indexer::catch_up(&app.db.store, &index).await.unwrap();
    assert_eq!(index.doc_count(), 4);

    // A new entry; the process applies its event but dies before committing.
    let by = app.member("torch").await.user.id;
    let org = app.member("holder").await.user.org_id;
    let created = achievements::create_many(
        &app.db.store,
        &ztc_store::Ctx::system("test"),
        &by,
        &[NewAchievement {
            details: details(
                "液流电池双极板",
                "6.5",
                "6",
                "液流电池用复合双极板。",
                "模压成型。",
            ),
            status: Status::Published,
            holder_org_id: org,
            owner_id: None,
            channel: Channel::AgencyMining,
            channel_ref: None,
            create_key: None,
        }],
        |_| {},
    )
    .await
    .unwrap();
    let a = achievements::get(&app.db.store, &created[0])
        .await
        .unwrap()
        .unwrap();
    index.upsert(&[indexer::document(&a)]).unwrap();
    drop(index); // no commit: what was staged is gone with the process

    // On restart nothing of it is visible, and catching up from the stored cursor
    // brings it back.
    let index = open();
    assert_eq!(index.doc_count(), 4, "uncommitted work is not half-visible");
    indexer::catch_up(&app.db.store, &index).await.unwrap();
    assert_eq!(index.doc_count(), 5);
    let found = index.search(&ztc_search::Query::text("液流电池")).unwrap();
    assert_eq!(found.hits[0].title, "液流电池双极板");
}

#[tokio::test]
async fn a_quiet_index_restarts_without_a_rebuild() {
    for app in TestApp::all().await {
        library(&app).await;
        // The last change was ten minutes ago: the follower's sweeps of the
        // last two minutes find nothing.
        sqlx::query("UPDATE outbox SET at = at - 600000")
            .execute(app.db.store.pool())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let open = || std::sync::Arc::new(ztc_search::Index::open(dir.path()).unwrap());
        let index = open();
        assert!(matches!(
            indexer::start(&app.db.store, &index).await.unwrap(),
            indexer::Started::Rebuilt(4)
        ));
        let follower = tokio::spawn(indexer::follow(
            app.db.store.clone(),
            index.clone(),
            Duration::from_millis(20),
            Duration::from_millis(50),
        ));
        tokio::time::sleep(Duration::from_millis(400)).await;
        follower.abort();
        let _ = follower.await;
        drop(index);
        // The cursor stays on the outbox's last event, so the next start
        // catches up instead of taking the index for another database's.
        let index = open();
        let started = indexer::start(&app.db.store, &index).await.unwrap();
        assert!(
            matches!(started, indexer::Started::CaughtUp(_)),
            "{:?}: rebuilt after a quiet run",
            app.db
        );
        assert_eq!(index.doc_count(), 4);
    }
}
