//! Digests: an enterprise follows fields and keywords, receives digests of new
//! library entries (in the site, and in the mail outbox), unsubscribes with one
//! click from the mail; administrators see the outbox without SMTP.

use axum::http::StatusCode;
use ztc_domain::achievement::Status;
use ztc_store::achievements;

use crate::support::TestApp;

async fn publish(app: &TestApp, title: &str, subfield: &str) -> String {
    let mut holder = app.login("holder").await;
    let r = holder
        .post("/achievements", &[("title", title), ("action", "save")])
        .await;
    let id = r
        .location()
        .trim_start_matches("/achievements/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let s = &app.db.store;
    let mut a = achievements::get(s, &id).await.unwrap().unwrap();
    let mut d = a.details.clone();
    d.field = subfield.split('.').next().map(str::to_owned);
    d.subfield = Some(subfield.into());
    d.summary = Some(format!("{title}的技术摘要"));
    a = achievements::update(s, &ztc_store::Ctx::system("test"), &a, &d, Status::Draft)
        .await
        .unwrap();
    for to in [
        Status::Submitted,
        Status::UnderReview,
        Status::InEvaluation,
        Status::Published,
    ] {
        a = achievements::set_status(s, &ztc_store::Ctx::system("test"), &a, to, None)
            .await
            .unwrap();
    }
    id
}

#[tokio::test]
async fn an_enterprise_follows_fields_gets_digests_and_unsubscribes_in_one_click() {
    for app in TestApp::all().await {
        let mut ent = app.login("enterprise").await;
        assert_eq!(ent.get("/me/follow").await.status, StatusCode::OK);
        // Bad input: nothing followed, an unknown field, a one-character keyword.
        for (form, expect) in [
            (
                vec![("frequency", "weekly")],
                "请至少选择一个关注领域或填写一个关键词",
            ),
            (
                vec![("fields", "99"), ("frequency", "weekly")],
                "关注领域请从列表中选择",
            ),
            (vec![("keywords", "热"), ("frequency", "daily")], "过短"),
            (
                vec![("keywords", "热泵"), ("frequency", "hourly")],
                "接收频率请从列表中选择",
            ),
        ] {
            let r = ent.post("/me/follow", &form).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{expect}");
            assert!(r.body.contains(expect), "{expect}: {}", r.body.len());
        }
        let r = ent
            .post(
                "/me/follow",
                &[
                    ("fields", "2.1"),
                    ("keywords", "热误差，石墨烯"),
                    ("frequency", "daily"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/me/follow?done=saved");
        let page = ent.get("/me/follow").await;
        assert!(
            page.body.contains("热误差"),
            "the form shows what is followed"
        );
        // Other roles have no digests.
        let mut holder = app.login("holder").await;
        assert_eq!(holder.get("/me/follow").await.status, StatusCode::FORBIDDEN);

        let hit = publish(&app, "机床主轴热误差补偿", "2.1").await;
        let other = publish(&app, "水稻抗旱品种选育", "4.3").await;
        // Entries published in the last few minutes wait for the next run; run later.
        let later = ztc_store::now_ms() + 3_600_000;
        let report = ztc_web::mailer::run_digests(&app.db.store, "https://ztc.example", later)
            .await
            .unwrap();
        assert!(report.digests >= 1, "{report:?}");
        let list = ent.get("/me/digests").await;
        assert_eq!(list.status, StatusCode::OK);
        let link = list
            .body
            .split("href=\"/me/digests/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a digest")
            .to_owned();
        let digest = ent.get(&format!("/me/digests/{link}")).await;
        assert!(digest.body.contains(&hit), "the followed entry");
        assert!(!digest.body.contains(&other), "not an unfollowed one");
        assert!(
            digest.body.contains("智能制造装备"),
            "the reason names the field"
        );
        // Someone else's digest does not exist for them.
        let mut torch = app.login("torch").await;
        assert_eq!(
            torch.get(&format!("/me/digests/{link}")).await.status,
            StatusCode::FORBIDDEN
        );
        // The mail waits in the outbox (no SMTP here), visible to the national admin.
        let outbox = torch.get("/admin/mail").await;
        assert!(outbox.body.contains("enterprise@demo.ztc.example"));
        assert!(outbox.body.contains("未配置 SMTP"));
        assert_eq!(
            app.login("gd-admin").await.get("/admin/mail").await.status,
            StatusCode::FORBIDDEN
        );
        let mail = ztc_store::mail::list(&app.db.store, &Default::default(), 1, 10)
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|m| m.kind == "digest")
            .expect("a digest mail");
        let token = mail
            .body_text
            .split("/unsubscribe/")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .expect("an unsubscribe link")
            .to_owned();
        // The link shows a confirmation; the one-click POST needs no session or CSRF.
        let mut stranger = app.client();
        let page = stranger.get(&format!("/unsubscribe/{token}")).await;
        assert!(page.body.contains("确认退订"));
        let r = stranger
            .post_raw(
                &format!("/unsubscribe/{token}"),
                &[("List-Unsubscribe", "One-Click")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("已退订"));
        let again = stranger
            .post_raw(&format!("/unsubscribe/{token}"), &[])
            .await;
        assert_eq!(again.status, StatusCode::OK, "idempotent");
        let unknown = stranger.post_raw("/unsubscribe/not-a-token", &[]).await;
        assert_eq!(unknown.status, StatusCode::OK, "no oracle for tokens");
        let f = ztc_store::follows::get(&app.db.store, &app.member("enterprise").await.user.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.settings.frequency, ztc_domain::digest::Frequency::Off);
        // Other POSTs still need their CSRF token.
        assert_eq!(
            stranger
                .post_raw("/me/follow", &[("frequency", "daily")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn administrators_requeue_a_failed_mail() {
    let app = TestApp::new().await;
    let s = &app.db.store;
    let queued = ztc_store::mail::enqueue(
        s,
        &ztc_store::mail::NewMail {
            to: "not-an-address".into(),
            subject: "测试".into(),
            body_text: "正文".into(),
            kind: "test".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut torch = app.login("torch").await;
    let page = torch.get("/admin/mail?status=failed").await;
    assert!(page.body.contains("not-an-address"));
    // A bad address cannot be retried: the reason is shown, nothing is lost.
    let r = torch
        .post(&format!("/admin/mail/{}/retry", queued.id), &[])
        .await;
    assert!(
        r.location().starts_with("/admin/mail?error="),
        "{}",
        r.location()
    );
    let page = torch.get(r.location()).await;
    assert!(page.body.contains("role=\"alert\""));
    assert_eq!(
        app.login("enterprise")
            .await
            .post(&format!("/admin/mail/{}/retry", queued.id), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
