//! Batch import through the pages: template, preview with every problem, all valid
//! rows or nothing, export that re-imports.

use axum::http::StatusCode;
use ztc_domain::achievement::{self, Status};
use ztc_exchange::{ExportOptions, ExportRow};
use ztc_store::achievements::{self, Filter};

use crate::support::TestApp;

fn details(title: &str) -> achievement::Details {
    let f = achievement::Form {
        title: title.into(),
        subfield: "7.2".into(),
        summary: "一种高效的废水处理工艺。".into(),
        technical: "膜生物反应器与高级氧化耦合。".into(),
        advantages: "能耗比传统工艺降低 30%。".into(),
        tech_level: "domestic_leading".into(),
        trl: "7".into(),
        stage: "small_batch".into(),
        cooperation_modes: vec!["licence".into()],
        market_path: "与环保工程公司合作推广。".into(),
        applications: "工业园区污水处理。".into(),
        source: "self_developed".into(),
        contact_name: "陈工".into(),
        contact_phone: "020-88886666".into(),
        willing_to_present: "yes".into(),
        independent_ip: "on".into(),
        no_dispute: "on".into(),
        ..achievement::Form::default()
    };
    achievement::validate(&f, &ztc_domain::vocab::Vocabulary::builtin().unwrap(), true).unwrap()
}

#[tokio::test]
async fn preview_then_import_all_valid_rows() {
    let app = TestApp::new().await;
    let vocab = ztc_domain::vocab::Vocabulary::builtin().unwrap();
    let mut agency = app.login("agency").await;
    let t = agency.get("/import/template.xlsx").await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(
        t.headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    // A library entry that the file repeats.
    let mut holder = app.login("holder").await;
    holder
        .post(
            "/achievements",
            &[
                ("title", "园区废水处理工艺C"),
                ("action", "save"),
                ("create_key", "dup"),
            ],
        )
        .await;

    let rows: Vec<ExportRow> = [
        "园区废水处理工艺A",
        "园区废水处理工艺B",
        "园区废水处理工艺C",
    ]
    .iter()
    .map(|t| ExportRow::from(details(t)))
    .collect();
    let xlsx = ztc_exchange::export_xlsx(&rows, &vocab, &ExportOptions::default()).unwrap();
    let uni = app.member("holder").await.user.org_id;
    let parts = |bytes: Vec<u8>, name: &'static str| {
        vec![
            ("holder_org", None, uni.clone().into_bytes()),
            ("channel", None, b"agency_mining".to_vec()),
            ("file", Some(name), bytes),
        ]
    };
    let preview = agency
        .post_multipart("/import", &parts(xlsx, "成果.xlsx"))
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("共 3 · 有效 2 · 有问题 1"), "summary");
    assert!(preview.body.contains("库中已有同名成果“园区废水处理工艺C”"));
    let token = preview
        .body
        .split("action=\"/import/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        achievements::list(
            &app.db.store,
            &Filter {
                q: Some("园区废水处理工艺".into()),
                ..Filter::default()
            },
            1,
            10
        )
        .await
        .unwrap()
        .total,
        1,
        "nothing imported before confirming"
    );

    let done = agency
        .post(
            &format!("/import/{token}/confirm"),
            &[("holder_org", &uni), ("channel", "agency_mining")],
        )
        .await;
    assert_eq!(done.location(), "/library/mine?imported=2");
    let imported = achievements::list(
        &app.db.store,
        &Filter {
            q: Some("园区废水处理工艺".into()),
            status: Some(Status::Submitted),
            ..Filter::default()
        },
        1,
        10,
    )
    .await
    .unwrap();
    assert_eq!(imported.total, 2, "imported into review");
    let again = agency
        .post(
            &format!("/import/{token}/confirm"),
            &[("holder_org", &uni), ("channel", "agency_mining")],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::GONE,
        "a confirmation cannot run twice"
    );

    // Whole-file problems are clear messages; nothing is kept.
    let bad = agency
        .post_multipart(
            "/import",
            &parts(b"this is not a spreadsheet".to_vec(), "x.xlsx"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("data-testid=\"import-error\""));
    let js_org = app.member("js-holder").await.user.org_id;
    let other = agency
        .post_multipart(
            "/import",
            &[
                ("holder_org", None, js_org.into_bytes()),
                ("file", Some("a.xlsx"), b"PK".to_vec()),
            ],
        )
        .await;
    assert!(
        other.body.contains("请选择成果持有单位"),
        "only organisations of its own unit"
    );
    assert_eq!(
        app.login("enterprise").await.get("/import").await.status,
        StatusCode::FORBIDDEN
    );

    // The export re-imports to the same achievements.
    let x = agency
        .get("/library/mine/export.xlsx?status=submitted")
        .await;
    assert_eq!(x.status, StatusCode::OK);
    let back =
        ztc_exchange::parse_xlsx(&x.bytes, &vocab, &ztc_exchange::Limits::default()).unwrap();
    let mut titles: Vec<String> = back.valid_rows().map(|(_, d)| d.title.clone()).collect();
    titles.sort();
    assert_eq!(titles, vec!["园区废水处理工艺A", "园区废水处理工艺B"]);
    let first = imported
        .items
        .iter()
        .find(|i| i.title == "园区废水处理工艺A")
        .unwrap();
    let stored = achievements::get(&app.db.store, &first.id)
        .await
        .unwrap()
        .unwrap();
    let (_, again) = back
        .valid_rows()
        .find(|(_, d)| d.title == "园区废水处理工艺A")
        .unwrap();
    assert_eq!(again, &stored.details, "unchanged");
}

#[tokio::test]
async fn one_import_at_a_time_per_account() {
    let app = TestApp::new().await;
    let vocab = ztc_domain::vocab::Vocabulary::builtin().unwrap();
    let mut agency = app.login("agency").await;
    let agency_id = app.member("agency").await.user.id;
    let uni = app.member("holder").await.user.org_id;
    let rows = vec![ExportRow::from(details("并发导入测试成果"))];
    let xlsx = ztc_exchange::export_xlsx(&rows, &vocab, &ExportOptions::default()).unwrap();
    let parts = vec![
        ("holder_org", None, uni.clone().into_bytes()),
        ("channel", None, b"agency_mining".to_vec()),
        ("file", Some("成果.xlsx"), xlsx),
    ];
    // Another import of this account is still running.
    let running = app.state.imports.try_take(&agency_id).unwrap();
    let busy = agency.post_multipart("/import", &parts).await;
    assert_eq!(busy.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        busy.body.contains("您已有一个导入正在进行"),
        "{}",
        busy.body
    );
    // Other accounts are not held up by it.
    let mut holder = app.login("holder").await;
    let other = holder.post_multipart("/import", &parts).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    drop(running);
    let ok = agency.post_multipart("/import", &parts).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("共 1 · 有效 1 · 有问题 0"), "{}", ok.body);
}

/// Published entries of the holder organisations of Guangdong (44) and Jiangsu (32).
async fn published_in_two_units(app: &TestApp) {
    let by = app.member("torch").await.user.id;
    let mut items = Vec::new();
    for (who, title) in [
        ("holder", "粤港澳废水处理工艺"),
        ("js-holder", "苏南废水处理工艺"),
    ] {
        items.push(achievements::NewAchievement {
            details: details(title),
            status: Status::Published,
            holder_org_id: app.member(who).await.user.org_id,
            owner_id: None,
            channel: achievement::Channel::AgencyMining,
            channel_ref: None,
            create_key: None,
        });
    }
    achievements::create_many(
        &app.db.store,
        &ztc_store::Ctx::system("test"),
        &by,
        &items,
        |_| {},
    )
    .await
    .unwrap();
}

fn exported(bytes: &[u8]) -> Vec<ztc_exchange::Row> {
    let vocab = ztc_domain::vocab::Vocabulary::builtin().unwrap();
    let mut rows = Vec::new();
    ztc_exchange::parse_xlsx_each(bytes, &vocab, &ztc_exchange::Limits::default(), |r| {
        rows.push(r)
    })
    .unwrap();
    rows
}

#[tokio::test]
async fn library_exports_by_role_mask_contacts_for_those_who_do_not_need_them() {
    let app = TestApp::new().await;
    published_in_two_units(&app).await;
    let url = "/achievements/export.xlsx?q=废水处理";

    // The Guangdong agency: its own unit only, whatever it asks for; contacts whole.
    let mut agency = app.login("agency").await;
    let list = agency.get("/achievements?q=废水处理").await;
    assert!(list.body.contains("data-testid=\"library-export\""));
    assert!(!list.body.contains("已脱敏"));
    let x = agency.get(&format!("{url}&unit=32")).await;
    assert_eq!(x.status, StatusCode::OK);
    let rows = exported(&x.bytes);
    assert_eq!(rows.len(), 1, "own unit only");
    let d = rows[0]
        .details
        .as_ref()
        .expect("an unmasked export re-imports");
    assert_eq!(d.title, "粤港澳废水处理工艺");
    assert_eq!(d.contact_phone.as_deref(), Some("020-88886666"));

    // The host: its unit, contacts masked (so the row no longer validates).
    let mut host = app.login("host").await;
    assert!(host.get("/achievements").await.body.contains("已脱敏"));
    let x = host.get(url).await;
    assert_eq!(x.status, StatusCode::OK);
    let rows = exported(&x.bytes);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].details.is_err(), "a masked phone is not a phone");
    assert_eq!(rows[0].form.title, "粤港澳废水处理工艺");
    assert_eq!(rows[0].form.contact_name, "陈**");
    assert_eq!(rows[0].form.contact_phone, "020****6666");

    // The exchange: every unit, masked.
    let mut szse = app.login("szse").await;
    let rows = exported(&szse.get(url).await.bytes);
    let mut titles: Vec<&str> = rows.iter().map(|r| r.form.title.as_str()).collect();
    titles.sort();
    assert_eq!(titles, vec!["粤港澳废水处理工艺", "苏南废水处理工艺"]);
    assert!(rows.iter().all(|r| r.form.contact_phone == "020****6666"));

    // Enterprises read entries one by one; strangers sign in first.
    let mut enterprise = app.login("enterprise").await;
    assert!(
        !enterprise
            .get("/achievements")
            .await
            .body
            .contains("library-export")
    );
    assert_eq!(enterprise.get(url).await.status, StatusCode::FORBIDDEN);
    assert_ne!(app.client().get(url).await.status, StatusCode::OK);

    // Every export is audited with its count and whether it was masked.
    let log = ztc_store::audit::list(
        &app.db.store,
        &ztc_store::audit::Filter {
            object_type: Some("library".into()),
            ..Default::default()
        },
        1,
        10,
    )
    .await
    .unwrap();
    assert_eq!(log.total, 3, "agency, host, exchange");
}
