//! Review and evaluation: from submission through experts to the library.

use axum::http::StatusCode;
use ztc_domain::achievement::Status;
use ztc_store::achievements;

use crate::support::{Client, TestApp};

/// Submits a complete achievement as the demo holder; returns its id.
async fn submitted(holder: &mut Client, title: &str) -> String {
    let f = [
        ("title", title),
        ("subfield", "1.5"),
        ("summary", "基于深度学习的缺陷检测。"),
        ("technical", "卷积网络与小样本学习。"),
        ("advantages", "检出率高于人工。"),
        ("tech_level", "domestic_leading"),
        ("trl", "6"),
        ("stage", "pilot"),
        ("cooperation_modes", "licence"),
        ("market_path", "与设备厂商合作。"),
        ("applications", "电子制造质检。"),
        ("source", "self_developed"),
        ("contact_name", "张伟"),
        ("contact_phone", "020-88886666"),
        ("willing_to_present", "yes"),
        ("independent_ip", "on"),
        ("no_dispute", "on"),
        ("action", "submit"),
        ("create_key", title),
    ];
    let r = holder.post("/achievements", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/achievements/")
        .trim_end_matches("/edit?done=submitted")
        .to_owned()
}

async fn decide(c: &mut Client, id: &str, fields: &[(&str, &str)]) -> String {
    let r = c.post(&format!("/achievements/{id}/review"), fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().to_owned()
}

fn score(rec: &str) -> Vec<(&str, &str)> {
    vec![
        ("leadership", "8"),
        ("feasibility", "7"),
        ("prospects", "8"),
        ("ip", "7"),
        ("team", "8"),
        ("trl", "6"),
        ("recommendation", rec),
        ("comment", "技术成熟，建议入库。"),
    ]
}

#[tokio::test]
async fn from_submission_through_experts_into_the_library() {
    for app in TestApp::all().await {
        let mut holder = app.login("holder").await;
        let id = submitted(&mut holder, "视觉缺陷检测系统").await;
        let mut agency = app.login("agency").await;
        assert!(
            agency
                .get("/review")
                .await
                .body
                .contains("视觉缺陷检测系统"),
            "in the queue"
        );
        assert_eq!(
            app.login("js-admin")
                .await
                .post(
                    &format!("/achievements/{id}/review"),
                    &[("decision", "take")]
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.login("enterprise").await.get("/review").await.status,
            StatusCode::FORBIDDEN
        );

        assert!(
            decide(&mut agency, &id, &[("decision", "take")])
                .await
                .ends_with("#review")
        );
        let page = agency.get(&format!("/achievements/{id}")).await;
        assert!(
            page.body.contains("赵敏 研究员"),
            "an expert of another organisation is offered"
        );
        assert!(
            !page.body.contains("李华 教授"),
            "the expert of the holder's own university is not"
        );
        let e1 = app.member("expert2").await.user.id;
        let loc = decide(
            &mut agency,
            &id,
            &[("decision", "accept"), ("experts", &e1)],
        )
        .await;
        assert!(loc.contains("review_error=experts_required"), "{loc}");
        assert!(
            agency
                .get(&loc)
                .await
                .body
                .contains("请至少选派 2 位评价专家")
        );
        let own = app.member("expert").await.user.id;
        assert!(
            decide(
                &mut agency,
                &id,
                &[("decision", "accept"), ("experts", &e1), ("experts", &own)]
            )
            .await
            .contains("expert_invalid")
        );

        // A second outside expert, then send it to both.
        let mut torch = app.login("torch").await;
        let org = app.member("torch").await.user.org_id;
        let f = [
            ("org_id", org.as_str()),
            ("role", "expert"),
            ("username", "expert9"),
            ("display_name", "钱程 研究员"),
            ("password", "initial-pass-123"),
        ];
        assert_eq!(
            torch.post("/admin/users", &f).await.status,
            StatusCode::SEE_OTHER
        );
        let e2 = app.member("expert9").await.user.id;
        decide(
            &mut agency,
            &id,
            &[("decision", "accept"), ("experts", &e1), ("experts", &e2)],
        )
        .await;
        assert_eq!(
            achievements::get(&app.db.store, &id)
                .await
                .unwrap()
                .unwrap()
                .status,
            Status::InEvaluation
        );

        // Experts see their assignments; bad scores are explained.
        let mut x1 = app.login("expert2").await;
        assert!(
            x1.get("/evaluations")
                .await
                .body
                .contains("视觉缺陷检测系统")
        );
        let bad = x1
            .post(
                &format!("/evaluations/{id}"),
                &[("leadership", "11"), ("recommendation", "maybe")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("请为“技术领先性”打 1 到 10 分")
                && bad.body.contains("请选择评价结论")
        );
        assert_eq!(
            x1.post(&format!("/evaluations/{id}"), &score("recommend"))
                .await
                .location(),
            "/evaluations?done=1"
        );
        // Publishing with one evaluation is refused.
        assert!(
            decide(&mut agency, &id, &[("decision", "publish")])
                .await
                .contains("not_publishable")
        );
        // The other expert recuses, then (after the review) a fresh one would be needed;
        // here they evaluate instead.
        let mut x2 = app.client();
        x2.login("expert9", "initial-pass-123").await;
        x2.post(
            "/me/password",
            &[
                ("current", "initial-pass-123"),
                ("password", "expert-three-pass"),
                ("confirm", "expert-three-pass"),
            ],
        )
        .await;
        let recuse = x2
            .post(&format!("/evaluations/{id}"), &[("conflict", "on")])
            .await;
        assert!(recuse.body.contains("请填写利益冲突说明"));
        assert_eq!(
            x2.post(&format!("/evaluations/{id}"), &score("recommend"))
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        // An expert who is not assigned cannot see or score it.
        assert_eq!(
            app.login("expert")
                .await
                .get(&format!("/evaluations/{id}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        let page = agency.get(&format!("/achievements/{id}")).await;
        assert!(
            page.body.contains("评价结果符合入库条件") && page.body.contains("7.60"),
            "aggregate shown"
        );
        decide(&mut agency, &id, &[("decision", "publish")]).await;
        let a = achievements::get(&app.db.store, &id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.status, Status::Published, "{:?}", app.db);
        assert!(
            app.client()
                .get("/achievements")
                .await
                .body
                .contains("视觉缺陷检测系统"),
            "in the public library"
        );
        // Public services are recorded against the library entry.
        let svc = format!("/achievements/{id}/services");
        assert!(
            agency
                .post(
                    &svc,
                    &[
                        ("service", "coaching"),
                        ("given_on", "2026-03-15"),
                        ("note", "商业计划书辅导两次")
                    ]
                )
                .await
                .location()
                .ends_with("#services")
        );
        assert!(
            agency
                .post(&svc, &[("service", "coaching"), ("given_on", "15/03/2026")])
                .await
                .location()
                .contains("service_error=date_invalid")
        );
        assert!(
            agency
                .post(&svc, &[("service", "coaching"), ("given_on", "2099-01-01")])
                .await
                .location()
                .contains("service_error=date_in_future")
        );
        assert!(
            agency
                .post(
                    &svc,
                    &[("service", "free_lunch"), ("given_on", "2026-03-15")]
                )
                .await
                .location()
                .contains("service_error=choice_invalid")
        );
        assert_eq!(
            app.login("host")
                .await
                .post(&svc, &[("service", "roadshow"), ("given_on", "2026-04-01")])
                .await
                .status,
            StatusCode::SEE_OTHER,
            "the region's host"
        );
        assert_eq!(
            holder
                .post(&svc, &[("service", "roadshow"), ("given_on", "2026-04-01")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let public = app.client().get(&format!("/achievements/{id}")).await;
        assert!(
            public.body.contains("路演辅导和商业计划书完善")
                && public.body.contains("2026-03-15")
                && public.body.contains("提供路演机会和场所")
        );
        assert!(
            !public.body.contains("商业计划书辅导两次"),
            "notes are for those who manage it"
        );
        assert!(
            agency
                .get(&format!("/achievements/{id}"))
                .await
                .body
                .contains("商业计划书辅导两次")
        );
        let late = x1
            .post(&format!("/evaluations/{id}"), &score("reject"))
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT, "evaluation closed");
    }
}

#[tokio::test]
async fn returned_submissions_show_the_holder_what_to_fix() {
    let app = TestApp::new().await;
    let mut holder = app.login("holder").await;
    let id = submitted(&mut holder, "需要补充的成果").await;
    let mut gd = app.login("gd-admin").await;
    assert!(
        decide(&mut gd, &id, &[("decision", "return")])
            .await
            .contains("reasons_required")
    );
    assert!(
        decide(
            &mut gd,
            &id,
            &[("decision", "return"), ("reasons", "no_such_reason")]
        )
        .await
        .contains("choice_invalid")
    );
    // A decision made on an old version is refused: someone else decided first.
    assert!(
        decide(
            &mut gd,
            &id,
            &[
                ("decision", "return"),
                ("reasons", "incomplete"),
                ("version", "0")
            ]
        )
        .await
        .contains("review_error=stale")
    );
    decide(
        &mut gd,
        &id,
        &[
            ("decision", "return"),
            ("reasons", "incomplete"),
            ("reasons", "unclear_ip"),
            ("note", "请补充专利证书和对比数据"),
        ],
    )
    .await;
    let edit = holder.get(&format!("/achievements/{id}/edit")).await;
    assert_eq!(
        edit.status,
        StatusCode::OK,
        "returned achievements are editable again"
    );
    assert!(
        edit.body.contains("退回修改") && edit.body.contains("请补充专利证书和对比数据"),
        "reasons shown"
    );
    let a = achievements::get(&app.db.store, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.status, Status::Returned);
    // Nothing more to decide while it is with the holder.
    assert!(
        decide(&mut gd, &id, &[("decision", "reject"), ("note", "x")])
            .await
            .contains("review_error=achievement_status_invalid")
    );
}

/// A new outside expert (created by the Torch Center), signed in with a password of
/// their own.
async fn new_expert(app: &TestApp, username: &str, name: &str) -> (String, Client) {
    let mut torch = app.login("torch").await;
    let org = app.member("torch").await.user.org_id;
    let f = [
        ("org_id", org.as_str()),
        ("role", "expert"),
        ("username", username),
        ("display_name", name),
        ("password", "initial-pass-123"),
    ];
    assert_eq!(
        torch.post("/admin/users", &f).await.status,
        StatusCode::SEE_OTHER
    );
    let mut c = app.client();
    c.login(username, "initial-pass-123").await;
    c.post(
        "/me/password",
        &[
            ("current", "initial-pass-123"),
            ("password", "own-expert-pass-9"),
            ("confirm", "own-expert-pass-9"),
        ],
    )
    .await;
    (app.member(username).await.user.id, c)
}

#[tokio::test]
async fn a_recused_expert_is_replaced_during_evaluation() {
    let app = TestApp::new().await;
    let mut holder = app.login("holder").await;
    let id = submitted(&mut holder, "晶圆缺陷检测系统").await;
    let mut agency = app.login("agency").await;
    // Experts cannot be added before the evaluation starts.
    let e1 = app.member("expert2").await.user.id;
    decide(&mut agency, &id, &[("decision", "take")]).await;
    assert!(
        decide(
            &mut agency,
            &id,
            &[("decision", "add_experts"), ("experts", &e1)]
        )
        .await
        .contains("achievement_status_invalid")
    );
    let (e2, mut x2) = new_expert(&app, "expert9", "钱程 研究员").await;
    let (e3, mut x3) = new_expert(&app, "expert8", "孙立 教授").await;
    decide(
        &mut agency,
        &id,
        &[("decision", "accept"), ("experts", &e1), ("experts", &e2)],
    )
    .await;

    // expert3 recuses: one valid evaluation at most, so it cannot be published.
    let recuse = x2
        .post(
            &format!("/evaluations/{id}"),
            &[
                ("conflict", "on"),
                ("conflict_note", "曾与该团队合作发表论文"),
            ],
        )
        .await;
    assert_eq!(recuse.status, StatusCode::SEE_OTHER, "{}", recuse.body);
    let mut x1 = app.login("expert2").await;
    x1.post(&format!("/evaluations/{id}"), &score("recommend"))
        .await;
    assert!(
        decide(&mut agency, &id, &[("decision", "publish")])
            .await
            .contains("not_publishable")
    );

    // The panel offers only experts not yet assigned; one is added.
    let page = agency.get(&format!("/achievements/{id}")).await;
    let form = page
        .body
        .split("data-testid=\"add-experts\"")
        .nth(1)
        .expect("the add-experts form")
        .split("</form>")
        .next()
        .unwrap()
        .to_owned();
    assert!(form.contains("孙立 教授"), "{form}");
    assert!(!form.contains("钱程 研究员") && !form.contains(&e1));
    assert!(
        decide(&mut agency, &id, &[("decision", "add_experts")])
            .await
            .contains("expert_required")
    );
    assert!(
        decide(
            &mut agency,
            &id,
            &[("decision", "add_experts"), ("experts", &e3)]
        )
        .await
        .ends_with("#review")
    );
    let a = achievements::get(&app.db.store, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.status, Status::InEvaluation, "still in evaluation");
    assert!(
        x3.get("/evaluations")
            .await
            .body
            .contains("晶圆缺陷检测系统")
    );
    assert_eq!(
        x3.post(&format!("/evaluations/{id}"), &score("recommend"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    decide(&mut agency, &id, &[("decision", "publish")]).await;
    let a = achievements::get(&app.db.store, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.status, Status::Published);
    let history = agency.get(&format!("/achievements/{id}")).await.body;
    assert!(
        history.contains("增派专家"),
        "the decision is in the history"
    );
}
