//! Technology demands through the pages: the enterprise's form, the region's
//! review, the public list, holders' proposals and the enterprise's decisions,
//! deadlines and renewal, collection windows, and the JSON API.

use axum::http::StatusCode;

use crate::support::{Client, TestApp};

/// A deadline `days` from today (Asia/Shanghai), as the form takes it.
fn day_in(days: i64) -> String {
    let today = ztc_domain::demand::today(ztc_store::now_ms());
    ztc_domain::demand::day_string(today + days)
}

fn demand_form(deadline: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", "数控机床主轴热变形在线补偿".into()),
        ("subfield", "2.1".into()),
        ("keywords", "热误差，主轴，在线补偿".into()),
        (
            "problem",
            "我公司生产的立式加工中心连续运行四小时后主轴热伸长约 30 微米，精加工件尺寸超差，目前靠停机等待降温。".into(),
        ),
        ("goals", "热误差补偿后定位偏差不超过 5 微米".into()),
        ("cooperation_modes", "joint_development".into()),
        ("cooperation_modes", "licence".into()),
        ("trl_min", "5".into()),
        ("budget", "100_500".into()),
        ("deadline", deadline.into()),
        ("public", "1".into()),
        ("contact_name", "王强".into()),
        ("contact_phone", "020-87654321".into()),
        ("contact_email", "wangqiang@example.cn".into()),
    ]
}

async fn post(c: &mut Client, path: &str, fields: &[(&str, String)]) -> crate::support::Resp {
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(path, &f).await
}

fn id_of(location: &str) -> String {
    location
        .trim_start_matches("/demands/")
        .split(['?', '#'])
        .next()
        .unwrap()
        .to_owned()
}

/// Submits the demo enterprise's demand and has the Guangdong administrator publish it.
async fn published(app: &TestApp) -> String {
    let mut ent = app.login("enterprise").await;
    let mut form = demand_form(&day_in(30));
    form.push(("action", "submit".into()));
    let r = post(&mut ent, "/demands", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = id_of(r.location());
    let mut gd = app.login("gd-admin").await;
    let r = gd
        .post(
            &format!("/demands/{id}/review"),
            &[("decision", "publish"), ("note", "")],
        )
        .await;
    assert_eq!(r.location(), format!("/demands/{id}?done=review_published"));
    id
}

#[tokio::test]
async fn an_enterprise_writes_a_demand_and_the_region_reviews_it() {
    for app in TestApp::all().await {
        let mut ent = app.login("enterprise").await;
        let page = ent.get("/demands/new").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("王强"),
            "the contact starts from the organisation's"
        );
        // Submitting needs the problem, a field, a mode, a deadline and a contact.
        let r = ent
            .post(
                "/demands",
                &[
                    ("title", "只有标题的需求"),
                    ("action", "submit"),
                    ("contact_name", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("只有标题的需求"), "the form is kept");
        for field in ["subfield", "problem", "deadline"] {
            assert!(
                r.body.contains(&format!("for=\"{field}\"")),
                "{field} is on the page"
            );
        }
        assert!(r.body.contains("请填写需求描述"), "{}", r.body);
        // A deadline in the past, then one more than a year away.
        for (deadline, expect) in [(day_in(-1), "截止日期"), (day_in(400), "一年以内")] {
            let mut f = demand_form(&deadline);
            f.push(("action", "submit".into()));
            let r = post(&mut ent, "/demands", &f).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{deadline}");
            assert!(r.body.contains(expect), "{deadline}: {expect}");
        }
        // A draft needs only its title; the same form key twice is one demand.
        let r = ent
            .post(
                "/demands",
                &[
                    ("title", "草稿需求"),
                    ("action", "save"),
                    ("create_key", "k-1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let draft = id_of(r.location());
        let r = ent
            .post(
                "/demands",
                &[
                    ("title", "草稿需求"),
                    ("action", "save"),
                    ("create_key", "k-1"),
                ],
            )
            .await;
        assert_eq!(
            id_of(r.location()),
            draft,
            "a repeated post is the same demand"
        );
        // Drafts are the enterprise's own.
        let mut holder = app.login("holder").await;
        assert_eq!(
            holder.get(&format!("/demands/{draft}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.client().get(&format!("/demands/{draft}")).await.status,
            StatusCode::SEE_OTHER,
            "visitors are asked to sign in"
        );

        let mut f = demand_form(&day_in(30));
        f.push(("action", "submit".into()));
        let r = post(&mut ent, "/demands", &f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id = id_of(r.location());
        let mine = ent.get("/demands/mine").await;
        assert!(mine.body.contains("数控机床主轴热变形在线补偿"));
        assert!(mine.body.contains("待审核"));
        // Not public until reviewed.
        let list = app.client().get("/demands").await;
        assert!(!list.body.contains("数控机床主轴热变形在线补偿"));

        // Another province's administrator neither sees nor reviews it.
        let mut js = app.login("js-admin").await;
        assert_eq!(
            js.post(&format!("/demands/{id}/review"), &[("decision", "publish")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut gd = app.login("gd-admin").await;
        let queue = gd.get("/demands/review").await;
        assert!(
            queue.body.contains("数控机床主轴热变形在线补偿"),
            "in the queue"
        );
        let r = gd
            .post(&format!("/demands/{id}/review"), &[("decision", "return")])
            .await;
        assert!(r.location().ends_with("error=return_note_required#actions"));
        let page = gd.get(r.location()).await;
        assert!(page.body.contains("退回修改时请填写审核意见"));
        let r = gd
            .post(
                &format!("/demands/{id}/review"),
                &[("decision", "return"), ("note", "请补充现有设备型号")],
            )
            .await;
        assert_eq!(r.location(), format!("/demands/{id}?done=review_returned"));
        let page = ent.get(&format!("/demands/{id}/edit")).await;
        assert!(
            page.body.contains("请补充现有设备型号"),
            "the note reaches the form"
        );
        let mut f = demand_form(&day_in(30));
        f.push(("basis", "已有三台样机".into()));
        f.push(("action", "submit".into()));
        let r = post(&mut ent, &format!("/demands/{id}"), &f).await;
        assert_eq!(r.location(), format!("/demands/{id}?done=submitted"));
        let r = gd
            .post(&format!("/demands/{id}/review"), &[("decision", "publish")])
            .await;
        assert_eq!(r.location(), format!("/demands/{id}?done=review_published"));

        // Public now: the list, the page with the verified badge, no contact.
        let mut visitor = app.client();
        let list = visitor.get("/demands?open=1").await;
        assert!(list.body.contains("数控机床主轴热变形在线补偿"));
        assert!(list.body.contains("已认证"), "the verified badge");
        let page = visitor.get(&format!("/demands/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("已有三台样机"));
        assert!(
            !page.body.contains("020-87654321"),
            "no contact for visitors"
        );
        let filtered = visitor.get("/demands?mode=transfer").await;
        assert!(!filtered.body.contains("数控机床主轴热变形在线补偿"));
        let filtered = visitor.get("/demands?mode=licence&q=主轴").await;
        assert!(filtered.body.contains("数控机床主轴热变形在线补偿"));
        // The enterprise and the reviewer see the contact.
        assert!(
            ent.get(&format!("/demands/{id}"))
                .await
                .body
                .contains("020-87654321")
        );
        // The API: the public part for everyone.
        let api = visitor.get("/api/v1/demands?open=true").await.json();
        assert_eq!(api["total"], 1);
        assert_eq!(api["items"][0]["id"], id.as_str());
        assert!(api["items"][0]["contact"].is_null());
        let one = visitor.get(&format!("/api/v1/demands/{id}")).await.json();
        assert_eq!(one["org_verified"], true);
        assert_eq!(
            visitor
                .get(&format!("/api/v1/demands/{draft}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // Closing takes it out of the public list; reopening sends it to review.
        let r = ent
            .post(&format!("/demands/{id}/status"), &[("action", "close")])
            .await;
        assert_eq!(r.location(), format!("/demands/{id}?done=closed"));
        assert!(!visitor.get("/demands").await.body.contains("数控机床主轴"));
        let r = ent
            .post(&format!("/demands/{id}/status"), &[("action", "reopen")])
            .await;
        assert_eq!(r.location(), format!("/demands/{id}?done=reopened"));
    }
}

#[tokio::test]
async fn a_private_demand_is_kept_for_matching_only() {
    let app = TestApp::new().await;
    let mut ent = app.login("enterprise").await;
    let mut f = demand_form(&day_in(10));
    f.retain(|(k, _)| *k != "public");
    f.push(("action", "submit".into()));
    let r = post(&mut ent, "/demands", &f).await;
    let id = id_of(r.location());
    let mut gd = app.login("gd-admin").await;
    let r = gd
        .post(&format!("/demands/{id}/review"), &[("decision", "publish")])
        .await;
    assert!(r.location().ends_with("error=demand_not_public#actions"));
    let r = gd
        .post(&format!("/demands/{id}/review"), &[("decision", "private")])
        .await;
    assert_eq!(r.location(), format!("/demands/{id}?done=review_private"));
    assert_eq!(
        app.client()
            .get("/demands")
            .await
            .body
            .matches("demand-card")
            .count(),
        0
    );
    let mut holder = app.login("holder").await;
    assert_eq!(
        holder.get(&format!("/demands/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn holders_propose_and_the_enterprise_decides() {
    for app in TestApp::all().await {
        let id = published(&app).await;
        let mut holder = app.login("holder").await;
        let page = holder.get(&format!("/demands/{id}")).await;
        assert!(
            page.body.contains("answer-form"),
            "a verified holder may answer"
        );
        assert!(!page.body.contains("020-87654321"));
        // Bad proposals keep what was typed.
        let r = holder
            .post(
                &format!("/demands/{id}/answers"),
                &[
                    ("approach", "基于温度场建模的补偿"),
                    ("trl", "12"),
                    ("team", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("基于温度场建模的补偿"));
        assert!(r.body.contains("请填写团队情况"));
        assert!(r.body.contains("请选择合作方式"));
        assert!(r.body.contains("技术成熟度应为 1–9 级"));
        let answer = [
            (
                "approach",
                "基于多点温度测量与神经网络模型的主轴热误差实时补偿",
            ),
            ("trl", "6"),
            ("team", "教授 1 人、博士 3 人，已在两家企业完成验证"),
            ("cooperation_mode", "joint_development"),
        ];
        let r = holder
            .post(&format!("/demands/{id}/answers"), &answer)
            .await;
        assert_eq!(
            r.location(),
            format!("/demands/{id}?done=answered#answers"),
            "{}",
            r.body
        );
        // Answering again changes the same proposal.
        let mut again = answer;
        again[1] = ("trl", "7");
        let r = holder.post(&format!("/demands/{id}/answers"), &again).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let list = ztc_store::demands::answers::for_demand(&app.db.store, &id)
            .await
            .unwrap();
        assert_eq!(list.len(), 1, "one proposal per holder and demand");
        assert_eq!(list[0].proposal.trl, Some(7));
        let aid = list[0].id.clone();
        // Other holders see only their own proposals; the enterprise sees all.
        let mut other = app.login("js-holder").await;
        assert!(
            !other
                .get(&format!("/demands/{id}"))
                .await
                .body
                .contains("神经网络模型")
        );
        let mut ent = app.login("enterprise").await;
        let page = ent.get(&format!("/demands/{id}")).await;
        assert!(page.body.contains("神经网络模型"));
        assert!(
            !page.body.contains("answer-contact"),
            "no contact before acceptance"
        );
        // Only the enterprise decides; declining needs a reason.
        assert_eq!(
            holder
                .post(
                    &format!("/answers/{aid}/decision"),
                    &[("decision", "accept")]
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut gd = app.login("gd-admin").await;
        assert_eq!(
            gd.post(
                &format!("/answers/{aid}/decision"),
                &[("decision", "accept")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "a reviewer cannot accept on the enterprise's behalf"
        );
        let r = ent
            .post(
                &format!("/answers/{aid}/decision"),
                &[("decision", "decline")],
            )
            .await;
        assert!(r.location().ends_with("error=reason_required#answers"));
        let r = ent
            .post(
                &format!("/answers/{aid}/decision"),
                &[("decision", "shortlist")],
            )
            .await;
        assert!(r.location().ends_with("done=answer_shortlisted#answers"));
        // A shortlisted proposal can no longer be changed by its holder.
        let r = holder
            .post(&format!("/demands/{id}/answers"), &answer)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("企业已处理您的方案"));
        let r = ent
            .post(
                &format!("/answers/{aid}/decision"),
                &[("decision", "accept")],
            )
            .await;
        assert!(r.location().ends_with("done=answer_accepted#answers"));
        // Contacts released both ways.
        let page = ent.get(&format!("/demands/{id}")).await;
        assert!(page.body.contains("answer-contact"));
        let page = holder.get(&format!("/demands/{id}")).await;
        assert!(
            page.body.contains("020-87654321"),
            "the holder sees the enterprise's contact"
        );
        // Accepted is final.
        let r = ent
            .post(
                &format!("/answers/{aid}/decision"),
                &[("decision", "decline"), ("reason", "改变主意")],
            )
            .await;
        assert!(
            r.location()
                .ends_with("error=answer_status_invalid#answers")
        );
        let audit = ztc_store::audit::list(&app.db.store, &Default::default(), 1, 200)
            .await
            .unwrap();
        let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
        for a in [
            "answer.submit",
            "answer.update",
            "answer.decide",
            "demand.status",
        ] {
            assert!(actions.contains(&a), "{a} audited");
        }
        let mails = ztc_store::mail::list(&app.db.store, &Default::default(), 1, 50)
            .await
            .unwrap()
            .items;
        assert!(
            mails
                .iter()
                .any(|m| m.kind == "answer_new" && m.to_addr == "enterprise@demo.ztc.example"),
            "the enterprise hears of the proposal"
        );
        let decided: Vec<&str> = mails
            .iter()
            .filter(|m| m.kind == "answer_decided" && m.to_addr == "holder@demo.ztc.example")
            .map(|m| m.subject.as_str())
            .collect();
        assert_eq!(decided.len(), 2, "shortlisted, then accepted: {decided:?}");
    }
}

#[tokio::test]
async fn an_expired_demand_takes_no_answers_until_renewed() {
    let app = TestApp::new().await;
    let id = published(&app).await;
    // The deadline passes.
    sqlx::query("UPDATE demands SET deadline = $1 WHERE id = $2")
        .bind(ztc_store::now_ms() - 1000)
        .bind(&id)
        .execute(app.db.store.pool())
        .await
        .unwrap();
    let mut visitor = app.client();
    let page = visitor.get(&format!("/demands/{id}")).await;
    assert!(page.body.contains("已截止"));
    assert!(
        !visitor
            .get("/demands?open=1")
            .await
            .body
            .contains("数控机床")
    );
    let mut holder = app.login("holder").await;
    let page = holder.get(&format!("/demands/{id}")).await;
    assert!(!page.body.contains("answer-form"));
    assert!(page.body.contains("该需求已过截止日期"));
    let r = holder
        .post(
            &format!("/demands/{id}/answers"),
            &[
                ("approach", "方案"),
                ("team", "团队"),
                ("cooperation_mode", "licence"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("该需求已过截止日期，不再接受方案"));
    // Renewal: a past date is refused, a future one reopens it without review.
    let mut ent = app.login("enterprise").await;
    let r = ent
        .post(
            &format!("/demands/{id}/status"),
            &[("action", "renew"), ("deadline", &day_in(-3))],
        )
        .await;
    assert!(r.location().ends_with("error=deadline_past#actions"));
    let r = ent
        .post(
            &format!("/demands/{id}/status"),
            &[("action", "renew"), ("deadline", &day_in(60))],
        )
        .await;
    assert_eq!(r.location(), format!("/demands/{id}?done=renewed"));
    let page = holder.get(&format!("/demands/{id}")).await;
    assert!(page.body.contains("answer-form"));
}

#[tokio::test]
async fn unverified_accounts_can_neither_post_nor_answer() {
    let app = TestApp::new().await;
    let id = published(&app).await;
    let mut pending = app.login("new-enterprise").await;
    assert_eq!(
        pending.get("/demands/new").await.status,
        StatusCode::FORBIDDEN
    );
    let r = pending
        .post(
            "/demands",
            &[("title", "未认证企业的需求"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut pending_holder = app.login("new-holder").await;
    let page = pending_holder.get(&format!("/demands/{id}")).await;
    assert!(page.body.contains("通过审核后才能提交方案"));
    let r = pending_holder
        .post(
            &format!("/demands/{id}/answers"),
            &[
                ("approach", "方案"),
                ("team", "团队"),
                ("cooperation_mode", "licence"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Enterprises do not answer demands.
    let mut ent = app.login("enterprise").await;
    let r = ent
        .post(
            &format!("/demands/{id}/answers"),
            &[
                ("approach", "方案"),
                ("team", "团队"),
                ("cooperation_mode", "licence"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn administrators_open_collection_windows() {
    let app = TestApp::new().await;
    let mut gd = app.login("gd-admin").await;
    let r = gd
        .post(
            "/admin/windows",
            &[
                ("title", "2026 年第四季度智能制造需求征集"),
                ("opens", &day_in(0)),
                ("closes", "2026-13-40"),
                ("fields", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("截止日期格式应为 年-月-日"));
    assert!(r.body.contains("2026 年第四季度智能制造需求征集"), "kept");
    let r = gd
        .post(
            "/admin/windows",
            &[
                ("title", "2026 年第四季度智能制造需求征集"),
                ("opens", &day_in(5)),
                ("closes", &day_in(1)),
            ],
        )
        .await;
    assert!(r.body.contains("截止日期不能早于开始日期"));
    let r = gd
        .post(
            "/admin/windows",
            &[
                ("title", "2026 年第四季度智能制造需求征集"),
                ("opens", &day_in(0)),
                ("closes", &day_in(30)),
                ("fields", "2"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/admin/windows?done=created");
    let page = gd.get("/admin/windows").await;
    assert!(page.body.contains("征集中"));
    // Enterprises choose it; a demand outside its fields is refused on the form.
    let mut ent = app.login("enterprise").await;
    let form = ent.get("/demands/new").await;
    assert!(form.body.contains("2026 年第四季度智能制造需求征集"));
    let window = ztc_store::demands::windows::list(&app.db.store, Some("44"))
        .await
        .unwrap()
        .remove(0);
    let mut f = demand_form(&day_in(20));
    f.push(("window_id", window.id.clone()));
    f.push(("action", "submit".into()));
    let r = post(&mut ent, "/demands", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut f = demand_form(&day_in(20));
    f.retain(|(k, _)| *k != "subfield");
    f.push(("subfield", "4.1".into()));
    f.push(("window_id", window.id.clone()));
    f.push(("action", "submit".into()));
    let r = post(&mut ent, "/demands", &f).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("需求所属领域不在该征集批次的领域范围内"));
    // Others may not open windows.
    let mut host = app.login("host").await;
    assert_eq!(
        host.get("/admin/windows").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ent.post("/admin/windows", &[("title", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn published_demands_are_searchable_apart_from_the_library() {
    let app = TestApp::new().await;
    let id = published(&app).await;
    // A second demand kept for matching only.
    let mut ent = app.login("enterprise").await;
    let mut f = demand_form(&day_in(10));
    f.retain(|(k, _)| *k != "public" && *k != "title");
    f.push(("title", "主轴轴承预紧力自适应调节".into()));
    f.push(("action", "submit".into()));
    let r = post(&mut ent, "/demands", &f).await;
    let private = id_of(r.location());
    let mut gd = app.login("gd-admin").await;
    gd.post(
        &format!("/demands/{private}/review"),
        &[("decision", "private")],
    )
    .await;
    ztc_web::indexer::catch_up(&app.db.store, &app.state.search)
        .await
        .unwrap();
    let mut visitor = app.client();
    let page = visitor.get("/search?q=主轴&kind=demand").await;
    assert!(
        page.body.contains(&format!("/demands/{id}")),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&private), "kept for matching only");
    let page = visitor.get("/search?q=主轴").await;
    assert!(
        !page.body.contains(&format!("/demands/{id}")),
        "not among achievements"
    );
    let api = visitor
        .get("/api/v1/search?q=热变形&kind=demand")
        .await
        .json();
    assert_eq!(api["hits"][0]["kind"], "demand");
    assert_eq!(api["hits"][0]["id"], id.as_str());
    // A rebuild indexes demands too.
    ztc_web::indexer::rebuild(&app.db.store, &app.state.search, |_, _| {})
        .await
        .unwrap();
    let page = visitor.get("/search?q=主轴&kind=demand").await;
    assert!(page.body.contains(&format!("/demands/{id}")));
    assert!(!page.body.contains(&private));
    // Closing it takes it out of the search.
    ent.post(&format!("/demands/{id}/status"), &[("action", "close")])
        .await;
    ztc_web::indexer::catch_up(&app.db.store, &app.state.search)
        .await
        .unwrap();
    let page = visitor.get("/search?q=主轴&kind=demand").await;
    assert!(!page.body.contains(&format!("/demands/{id}")));
}

#[tokio::test]
async fn the_demo_posts_the_quality_set_demands_in_every_state() {
    let app = TestApp::new().await;
    ztc_web::demo_library::load(&app.db.store).await.unwrap();
    let n = ztc_web::demo_demands::load(&app.db.store).await.unwrap();
    assert_eq!(n, 102);
    assert_eq!(
        ztc_web::demo_demands::load(&app.db.store).await.unwrap(),
        0,
        "loaded once"
    );
    let mut visitor = app.client();
    let list = visitor.get("/demands").await;
    let cards = list.body.matches("data-testid=\"demand-card\"").count();
    assert_eq!(cards, 20, "a full first page");
    assert!(list.body.contains("印染"), "real demand text");
    let mut ent = app.login("enterprise").await;
    let mine = ent.get("/demands/mine").await;
    assert!(mine.body.matches("demand-card").count() >= 3);
    let mut gd = app.login("gd-admin").await;
    assert!(gd.get("/demands/review").await.body.contains("demand-card"));
    let mut holder = app.login("holder").await;
    let interests = holder.get("/interests").await;
    assert!(interests.body.contains("/interests/"), "the demo interest");
}

#[tokio::test]
async fn matching_suggests_achievements_for_a_demand_and_enterprises_for_an_achievement() {
    let app = TestApp::new().await;
    ztc_web::demo_library::load(&app.db.store).await.unwrap();
    ztc_web::demo_demands::load(&app.db.store).await.unwrap();
    ztc_web::indexer::rebuild(&app.db.store, &app.state.search, |_, _| {})
        .await
        .unwrap();
    // The demo enterprise's demand about dyeing wastewater is not its own (its
    // demands are in equipment), so look at one of its own published ones.
    let mine = ztc_store::demands::list(
        &app.db.store,
        &ztc_store::demands::Filter {
            org_id: Some(app.member("enterprise").await.user.org_id),
            statuses: vec![ztc_domain::demand::DemandStatus::Published],
            ..Default::default()
        },
        1,
        50,
    )
    .await
    .unwrap();
    let d = mine
        .items
        .iter()
        .find(|d| !d.expired_at(ztc_store::now_ms()))
        .expect("a live demo demand");
    let mut ent = app.login("enterprise").await;
    let page = ent.get(&format!("/demands/{}", d.id)).await;
    let suggestions = page
        .body
        .split("data-testid=\"suggestions\"")
        .nth(1)
        .expect("the suggestions panel")
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        suggestions.contains("/achievements/"),
        "suggested achievements"
    );
    assert!(
        suggestions.contains("匹配词："),
        "each with its matched words"
    );
    // Visitors do not see the enterprise's suggestions.
    let public = app.client().get(&format!("/demands/{}", d.id)).await;
    assert!(!public.body.contains("data-testid=\"suggestions\""));

    // The other way: the first suggested achievement's page shows the enterprise
    // to a steward, with the demand it came from.
    let first = suggestions
        .split("/achievements/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let mut torch = app.login("torch").await;
    let page = torch.get(&format!("/achievements/{first}")).await;
    let leads = page
        .body
        .split("data-testid=\"leads\"")
        .nth(1)
        .expect("the leads panel for a steward")
        .split("</section>")
        .next()
        .unwrap();
    assert!(leads.contains("data-testid=\"lead\""), "{leads}");
    assert!(leads.contains("有相符的技术需求"));
    // Enterprises see no leads.
    let page = ent.get(&format!("/achievements/{first}")).await;
    assert!(!page.body.contains("data-testid=\"leads\""));
}

#[tokio::test]
async fn an_unknown_window_or_a_concurrent_edit_keeps_the_form() {
    let app = TestApp::new().await;
    let mut ent = app.login("enterprise").await;
    // A window that does not exist: refused on the form, nothing created.
    let mut f = demand_form(&day_in(20));
    f.push(("window_id", "no-such-window".into()));
    f.push(("action", "submit".into()));
    let r = post(&mut ent, "/demands", &f).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("所选征集批次不存在"), "{}", r.body.len());
    assert!(
        r.body.contains("数控机床主轴热变形在线补偿"),
        "the form is kept"
    );
    let count = ztc_store::demands::count(&app.db.store).await.unwrap();
    assert_eq!(count, 0, "nothing half-created");
    // Two tabs edit the same draft: the second save is refused, its text kept.
    let r = ent
        .post(
            "/demands",
            &[("title", "并发编辑的草稿"), ("action", "save")],
        )
        .await;
    let id = id_of(r.location());
    let first = [
        ("title", "第一次修改"),
        ("action", "save"),
        ("version", "1"),
    ];
    let r = ent.post(&format!("/demands/{id}"), &first).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let second = [
        ("title", "第二个标签页的修改"),
        ("action", "save"),
        ("version", "1"),
    ];
    let r = ent.post(&format!("/demands/{id}"), &second).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("该需求已被他人修改"));
    assert!(
        r.body.contains("第二个标签页的修改"),
        "what was typed is kept"
    );
    let d = ztc_store::demands::get(&app.db.store, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.details.title, "第一次修改", "the first save stands");
}
