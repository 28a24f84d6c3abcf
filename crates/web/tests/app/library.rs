//! The achievement library: public pages, the form, disclosure.

use axum::http::StatusCode;
use ztc_domain::achievement::Status;
use ztc_store::achievements::{self, Filter};

use crate::support::TestApp;

/// A complete form, as a browser sends it.
fn complete<'a>(title: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("title", title),
        ("subfield", "5.2"),
        ("keywords", "固态电池，电解质"),
        ("summary", "一种硫化物固态电解质。"),
        ("technical", "掺杂改性提高离子电导率。"),
        ("advantages", "较液态电解质安全性显著提高。"),
        ("indicators", "室温电导率 10 mS/cm。"),
        ("tech_level", "domestic_leading"),
        ("trl", "6"),
        ("stage", "pilot"),
        ("ip_type", "invention_patent"),
        ("ip_title", "一种固态电解质"),
        ("ip_number", "201710601862.3"),
        ("ip_status", "granted"),
        ("independent_ip", "on"),
        ("no_dispute", "on"),
        ("cooperation_modes", "licence"),
        ("cooperation_modes", "joint_development"),
        ("price_min", "100"),
        ("price_max", "300"),
        ("market_path", "中试后许可给电池企业。"),
        ("applications", "动力电池、储能。"),
        ("source", "self_developed"),
        ("contact_name", "张伟"),
        ("contact_phone", "020-88886666"),
        ("willing_to_present", "yes"),
        ("create_key", "k-1"),
    ];
    for (k, v) in extra {
        f.retain(|(fk, _)| fk != k);
        f.push((k, v));
    }
    f
}

#[tokio::test]
async fn holders_save_drafts_and_submit_complete_forms() {
    for app in TestApp::all().await {
        let mut holder = app.login("holder").await;
        assert_eq!(holder.get("/achievements/new").await.status, StatusCode::OK);
        let r = holder
            .post(
                "/achievements",
                &[
                    ("title", "只写了名字的草稿"),
                    ("action", "save"),
                    ("create_key", "draft-1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?}", app.db);
        assert!(r.location().ends_with("/edit?done=saved"));
        let edit = holder.get(r.location()).await;
        assert!(edit.body.contains("草稿已保存") && edit.body.contains("只写了名字的草稿"));
        // Submitting the incomplete draft lists what is missing and keeps the input.
        let url = r.location().trim_end_matches("/edit?done=saved").to_owned();
        let incomplete = holder
            .post(
                &url,
                &[
                    ("title", "只写了名字的草稿"),
                    ("action", "submit"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
        for msg in [
            "提交前请填写成果简介",
            "提交前请填写意向合作方式",
            "提交前请填写技术就绪水平",
        ] {
            assert!(incomplete.body.contains(msg), "{msg}");
        }
        let mut form = complete(
            "固态锂电池电解质",
            &[("action", "submit"), ("version", "1")],
        );
        form.retain(|(k, _)| *k != "create_key");
        let ok = holder.post(&url, &form).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let id = url.trim_start_matches("/achievements/");
        let a = achievements::get(&app.db.store, id).await.unwrap().unwrap();
        assert_eq!((a.status, a.version), (Status::Submitted, 2));
        assert_eq!(
            a.details.cooperation_modes,
            vec!["licence", "joint_development"]
        );
        assert_eq!(
            a.owner_id.as_deref(),
            Some(app.member("holder").await.user.id.as_str())
        );
        // Under review it can no longer be edited; the edit page shows it instead.
        assert_eq!(holder.get(&format!("{url}/edit")).await.location(), url);
        assert_eq!(holder.post(&url, &form).await.status, StatusCode::FORBIDDEN);
        // Not public, and invisible to others.
        assert!(
            app.client()
                .get(&url)
                .await
                .location()
                .starts_with("/login?next=%2Fachievements%2F")
        );
        assert_eq!(
            app.login("enterprise").await.get(&url).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.login("gd-admin").await.get(&url).await.status,
            StatusCode::OK,
            "the region's administrator sees it"
        );
        assert_eq!(
            app.login("js-admin").await.get(&url).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn double_submission_and_concurrent_edits() {
    let app = TestApp::new().await;
    let mut holder = app.login("holder").await;
    let form = complete("重复提交测试", &[("action", "save")]);
    let first = holder.post("/achievements", &form).await;
    let second = holder.post("/achievements", &form).await;
    assert_eq!(
        first.location(),
        second.location(),
        "the same form twice is one record"
    );
    let mine = achievements::list(
        &app.db.store,
        &Filter {
            q: Some("重复提交测试".into()),
            ..Filter::default()
        },
        1,
        10,
    )
    .await
    .unwrap();
    assert_eq!(mine.total, 1);

    let url = first
        .location()
        .trim_end_matches("/edit?done=saved")
        .to_owned();
    let mut agency = app.login("agency").await;
    let mine_edit = complete("持有人的修改", &[("action", "save"), ("version", "1")]);
    let theirs = complete("机构的修改", &[("action", "save"), ("version", "1")]);
    assert_eq!(
        agency.post(&url, &theirs).await.status,
        StatusCode::SEE_OTHER
    );
    let clash = holder.post(&url, &mine_edit).await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    assert!(
        clash.body.contains("已被他人修改") && clash.body.contains("持有人的修改"),
        "the holder's text is kept on the page"
    );
    let a = achievements::get(&app.db.store, url.trim_start_matches("/achievements/"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        a.details.title, "机构的修改",
        "nothing was silently overwritten"
    );
}

#[tokio::test]
async fn bad_values_get_messages_beside_the_fields() {
    let app = TestApp::new().await;
    let mut holder = app.login("holder").await;
    let long = "长".repeat(501);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            complete("x", &[("ip_number", "201710601862.4")]),
            "校验位不正确",
        ),
        (complete("x", &[("subfield", "5")]), "请选择到子领域"),
        (
            complete("x", &[("subfield", "<script>")]),
            "技术领域请从列表中选择",
        ),
        (complete("x", &[("trl", "12")]), "1 到 9 级"),
        (
            complete("x", &[("summary", &long)]),
            "成果简介不能超过 500 个字符（现有 501 个）",
        ),
        (
            complete("x", &[("price_min", "500"), ("price_max", "100")]),
            "最低价格不能高于最高价格",
        ),
        (
            complete("x", &[("cooperation_modes", "donation")]),
            "合作方式请从列表中选择",
        ),
        (complete("", &[]), "请填写成果名称"),
    ];
    for (form, expect) in cases {
        let mut f = form;
        f.push(("action", "save"));
        let r = holder.post("/achievements", &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{expect}");
        assert!(r.body.contains(expect), "{expect}");
        assert!(
            r.body.contains("掺杂改性提高离子电导率"),
            "the rest of the form is kept"
        );
    }
    assert_eq!(
        achievements::list(&app.db.store, &Filter::default(), 1, 10)
            .await
            .unwrap()
            .total,
        0,
        "nothing half-saved"
    );
}

#[tokio::test]
async fn agencies_collect_for_holders_of_their_region_only() {
    let app = TestApp::new().await;
    let mut agency = app.login("agency").await;
    let gd_uni = app.member("holder").await.user.org_id;
    let js_inst = app.member("js-holder").await.user.org_id;
    let mut f = complete(
        "机构代为填报",
        &[
            ("action", "submit"),
            ("holder_org", &gd_uni),
            ("channel", "national_programme"),
            ("channel_ref", "2022YFB0001"),
        ],
    );
    let r = agency.post("/achievements", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = achievements::list(&app.db.store, &Filter::default(), 1, 10)
        .await
        .unwrap();
    let a = achievements::get(&app.db.store, &list.items[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            a.holder_org_id.as_str(),
            a.owner_id.as_deref(),
            a.channel_ref.as_deref()
        ),
        (gd_uni.as_str(), None, Some("2022YFB0001"))
    );
    f.retain(|(k, _)| *k != "holder_org" && *k != "create_key");
    f.push(("holder_org", &js_inst));
    assert_eq!(
        agency.post("/achievements", &f).await.status,
        StatusCode::FORBIDDEN,
        "not in its unit"
    );
    let mut no_ref = complete(
        "缺少项目编号",
        &[
            ("action", "save"),
            ("holder_org", &gd_uni),
            ("channel", "national_programme"),
            ("create_key", "k-2"),
        ],
    );
    no_ref.retain(|(k, _)| *k != "channel_ref");
    let r = agency.post("/achievements", &no_ref).await;
    assert!(r.body.contains("国家科技计划项目渠道请填写项目编号"));
    assert_eq!(
        app.login("enterprise")
            .await
            .get("/achievements/new")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn public_pages_show_public_fields_and_audit_protected_views() {
    let app = TestApp::new().await;
    ztc_web::demo_library::load(&app.db.store).await.unwrap();
    let mut anon = app.client();
    let list = anon.get("/achievements").await;
    assert!(
        !list.body.contains("pager.total") && list.body.contains("共 5"),
        "{}",
        &list.body[..200.min(list.body.len())]
    );
    let published = achievements::list(
        &app.db.store,
        &Filter {
            status: Some(Status::Published),
            ..Filter::default()
        },
        1,
        1000,
    )
    .await
    .unwrap();
    assert!(published.total > 500);
    let licence = anon.get("/achievements?mode=licence&trl=7").await;
    assert!(licence.status == StatusCode::OK);
    let draft = achievements::list(
        &app.db.store,
        &Filter {
            status: Some(Status::Draft),
            ..Filter::default()
        },
        1,
        1,
    )
    .await
    .unwrap()
    .items
    .remove(0);
    assert!(
        !anon
            .get(&format!(
                "/achievements?q={}",
                form_urlencoded::byte_serialize(draft.title.as_bytes()).collect::<String>()
            ))
            .await
            .body
            .contains(&format!("/achievements/{}", draft.id)),
        "drafts are not listed"
    );

    let one = &published.items[0];
    let a = achievements::get(&app.db.store, &one.id)
        .await
        .unwrap()
        .unwrap();
    let page = anon.get(&format!("/achievements/{}", one.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&a.holder_org_name) && page.body.contains("protected-hidden"));
    let phone = a.details.contact_phone.clone().unwrap();
    assert!(!page.body.contains(&phone), "contacts are not public");
    // A verified enterprise sees the protected part, and the view is audited.
    let mut ent = app.login("enterprise").await;
    let page = ent.get(&format!("/achievements/{}", one.id)).await;
    assert!(page.body.contains(&phone) && page.body.contains("data-testid=\"protected\""));
    let audit = ztc_store::audit::list(
        &app.db.store,
        &ztc_store::audit::Filter {
            object_id: Some(one.id.clone()),
            actor: Some("enterprise".into()),
            ..Default::default()
        },
        1,
        10,
    )
    .await
    .unwrap();
    assert!(
        audit
            .items
            .iter()
            .any(|r| r.action == "achievement.view_protected")
    );
    // An expert (not on the demand side) and a pending enterprise do not.
    assert!(
        !app.login("expert")
            .await
            .get(&format!("/achievements/{}", one.id))
            .await
            .body
            .contains(&phone)
    );
    assert!(
        !app.login("new-enterprise")
            .await
            .get(&format!("/achievements/{}", one.id))
            .await
            .body
            .contains(&phone)
    );
    // The owner sees unmet collection conditions flagged.
    let flagged = achievements::list(
        &app.db.store,
        &Filter {
            owner: Some(app.member("holder").await.user.id),
            ..Filter::default()
        },
        1,
        1000,
    )
    .await
    .unwrap();
    assert!(flagged.total > 10);
    let mine = app.login("holder").await.get("/library/mine").await;
    assert!(mine.body.contains(&flagged.items[0].title));
}

#[tokio::test]
async fn library_entries_are_versioned_and_substantive_edits_go_back_to_review() {
    let app = TestApp::new().await;
    let mut holder = app.login("holder").await;
    let r = holder
        .post(
            "/achievements",
            &complete("可更新的入库成果", &[("action", "submit")]),
        )
        .await;
    let id = r
        .location()
        .trim_start_matches("/achievements/")
        .trim_end_matches("/edit?done=submitted")
        .to_owned();
    let s = &app.db.store;
    let ctx = ztc_store::Ctx::system("test");
    let mut a = achievements::get(s, &id).await.unwrap().unwrap();
    for to in [Status::UnderReview, Status::InEvaluation, Status::Published] {
        a = achievements::set_status(s, &ctx, &a, to, None)
            .await
            .unwrap();
    }
    let v = a.version.to_string();
    // A library entry must stay complete.
    let r = holder
        .post(
            &format!("/achievements/{id}"),
            &complete("可更新的入库成果", &[("summary", ""), ("version", &v)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("提交前请填写成果简介"));
    // Contacts change: stays in the library.
    let r = holder
        .post(
            &format!("/achievements/{id}"),
            &complete(
                "可更新的入库成果",
                &[("contact_phone", "0755-12345678"), ("version", &v)],
            ),
        )
        .await;
    assert_eq!(r.location(), format!("/achievements/{id}?done=updated"));
    assert!(
        holder
            .get(r.location())
            .await
            .body
            .contains("成果保持入库状态")
    );
    let a = achievements::get(s, &id).await.unwrap().unwrap();
    assert_eq!(
        (a.status, a.details.contact_phone.as_deref()),
        (Status::Published, Some("0755-12345678"))
    );
    // The summary changes: back to review, out of the public library.
    let v = a.version.to_string();
    let r = holder
        .post(
            &format!("/achievements/{id}"),
            &complete(
                "可更新的入库成果",
                &[
                    ("contact_phone", "0755-12345678"),
                    ("summary", "全新的成果简介"),
                    ("version", &v),
                ],
            ),
        )
        .await;
    assert!(
        r.location().ends_with("/edit?done=resubmitted"),
        "{}",
        r.location()
    );
    assert_eq!(
        achievements::get(s, &id).await.unwrap().unwrap().status,
        Status::Submitted
    );
    assert!(
        !app.client()
            .get("/achievements?q=可更新的入库成果")
            .await
            .body
            .contains(&id)
    );
    let history = holder.get(&format!("/achievements/{id}/versions")).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(
        history.body.contains("全新的成果简介") && history.body.contains("一种硫化物固态电解质。"),
        "before and after"
    );
    assert!(
        history.body.contains("需重新审核"),
        "the substantive change is marked"
    );
    assert!(history.body.contains("0755-12345678"));
    assert_eq!(
        app.login("enterprise")
            .await
            .get(&format!("/achievements/{id}/versions"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
