//! Expressions of interest: a verified enterprise writes to the holder of a
//! published achievement; only that holder accepts or declines; contacts and
//! messages after acceptance; one record per enterprise and achievement; expiry
//! with a reminder before.

use axum::http::StatusCode;
use ztc_domain::achievement::Status;
use ztc_store::achievements;

use crate::support::TestApp;

/// A published achievement entered by the demo holder.
async fn published(app: &TestApp) -> String {
    let mut holder = app.login("holder").await;
    let r = holder
        .post(
            "/achievements",
            &[("title", "高精度主轴热误差补偿系统"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r
        .location()
        .trim_start_matches("/achievements/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let s = &app.db.store;
    let mut a = achievements::get(s, &id).await.unwrap().unwrap();
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

fn interest_id(location: &str) -> String {
    location
        .trim_start_matches("/interests/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_enterprise_expresses_interest_and_the_holder_answers() {
    for app in TestApp::all().await {
        let id = published(&app).await;
        let url = format!("/achievements/{id}/interest");
        let mut ent = app.login("enterprise").await;
        let page = ent.get(&format!("/achievements/{id}")).await;
        assert!(page.body.contains("interest-form"));
        // Bad input keeps what was typed.
        let r = ent
            .post(
                &url,
                &[("message", "希望洽谈独家许可"), ("cooperation_mode", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("希望洽谈独家许可") && r.body.contains("请选择合作方式"));
        let r = ent
            .post(
                &url,
                &[
                    ("message", "希望洽谈独家许可"),
                    ("cooperation_mode", "licence"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let iid = interest_id(r.location());
        // Asking again is the same record, with the new message.
        let r = ent
            .post(
                &url,
                &[
                    ("message", "也可以考虑技术入股"),
                    ("cooperation_mode", "equity"),
                ],
            )
            .await;
        assert_eq!(interest_id(r.location()), iid, "one record per enterprise");
        let all =
            ztc_store::interests::list(&app.db.store, &ztc_store::interests::Filter::default(), 10)
                .await
                .unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].message, "也可以考虑技术入股");
        // The holder sees it, with the verified badge, and no contacts yet.
        let mut holder = app.login("holder").await;
        let list = holder.get("/interests").await;
        assert!(list.body.contains("高精度主轴热误差补偿系统"));
        let page = holder.get(&format!("/interests/{iid}")).await;
        assert!(page.body.contains("也可以考虑技术入股"));
        assert!(page.body.contains("data-testid=\"verified\""));
        assert!(!page.body.contains("data-testid=\"contacts\""));
        // Nobody else sees it or answers for the holder.
        for who in ["js-holder", "gd-admin", "agency", "torch"] {
            let mut c = app.login(who).await;
            assert_eq!(
                c.get(&format!("/interests/{iid}")).await.status,
                StatusCode::NOT_FOUND,
                "{who}"
            );
            let r = c
                .post(
                    &format!("/interests/{iid}/decision"),
                    &[("decision", "accept")],
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
        }
        // The enterprise cannot accept its own request.
        assert_eq!(
            ent.post(
                &format!("/interests/{iid}/decision"),
                &[("decision", "accept")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        // Messages wait for acceptance.
        let r = ent
            .post(&format!("/interests/{iid}/messages"), &[("body", "您好")])
            .await;
        assert!(r.location().ends_with("error=interest_not_accepted"));
        // Declining needs a reason.
        let r = holder
            .post(
                &format!("/interests/{iid}/decision"),
                &[("decision", "decline")],
            )
            .await;
        assert!(r.location().ends_with("error=reason_required"));
        let r = holder
            .post(
                &format!("/interests/{iid}/decision"),
                &[("decision", "accept")],
            )
            .await;
        assert_eq!(r.location(), format!("/interests/{iid}?done=accepted"));
        // Contacts both ways; messages.
        let page = ent.get(&format!("/interests/{iid}")).await;
        assert!(page.body.contains("data-testid=\"contacts\""));
        assert!(page.body.contains("张伟"), "the holder's name");
        let r = ent
            .post(
                &format!("/interests/{iid}/messages"),
                &[("body", "下周三可否面谈？")],
            )
            .await;
        assert_eq!(r.location(), format!("/interests/{iid}#messages"));
        let r = ent
            .post(&format!("/interests/{iid}/messages"), &[("body", "  ")])
            .await;
        assert!(r.location().contains("error=field_required"));
        let page = holder.get(&format!("/interests/{iid}")).await;
        assert!(page.body.contains("下周三可否面谈？"));
        assert!(page.body.contains("王强"), "the enterprise's contact");
        // Accepted is final; expressing again is refused with a message.
        let r = ent
            .post(
                &url,
                &[("message", "再次联系"), ("cooperation_mode", "licence")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("对方已接受贵单位的合作意向"));
        let audit = ztc_store::audit::list(&app.db.store, &Default::default(), 1, 200)
            .await
            .unwrap();
        let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
        for a in [
            "interest.express",
            "interest.renew",
            "interest.decide",
            "interest.message",
        ] {
            assert!(actions.contains(&a), "{a} audited");
        }
        // Each side was told by mail (held in the outbox here).
        let mails = ztc_store::mail::list(&app.db.store, &Default::default(), 1, 50)
            .await
            .unwrap()
            .items;
        let sent = |kind: &str, to: &str| {
            mails
                .iter()
                .any(|m| m.kind == kind && m.to_addr == to && m.body_text.contains(&iid))
        };
        assert!(sent("interest_new", "holder@demo.ztc.example"));
        assert!(sent("interest_answer", "enterprise@demo.ztc.example"));
    }
}

#[tokio::test]
async fn unverified_enterprises_and_unpublished_entries_get_no_interest() {
    let app = TestApp::new().await;
    let id = published(&app).await;
    let mut pending = app.login("new-enterprise").await;
    let page = pending.get(&format!("/achievements/{id}")).await;
    assert!(!page.body.contains("interest-form"));
    let r = pending
        .post(
            &format!("/achievements/{id}/interest"),
            &[("message", "想了解"), ("cooperation_mode", "licence")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A holder does not express interest; a draft takes none.
    let mut holder = app.login("holder").await;
    let r = holder
        .post(
            &format!("/achievements/{id}/interest"),
            &[("message", "想了解"), ("cooperation_mode", "licence")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = holder
        .post(
            "/achievements",
            &[("title", "草稿成果"), ("action", "save")],
        )
        .await;
    let draft = r
        .location()
        .trim_start_matches("/achievements/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let mut ent = app.login("enterprise").await;
    let r = ent
        .post(
            &format!("/achievements/{draft}/interest"),
            &[("message", "想了解"), ("cooperation_mode", "licence")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unanswered_requests_remind_the_holder_then_expire() {
    let app = TestApp::new().await;
    let id = published(&app).await;
    let mut ent = app.login("enterprise").await;
    let r = ent
        .post(
            &format!("/achievements/{id}/interest"),
            &[("message", "希望洽谈"), ("cooperation_mode", "licence")],
        )
        .await;
    let iid = interest_id(r.location());
    let s = &app.db.store;
    let ctx = ztc_store::Ctx::system("test");
    let day = ztc_domain::interest::DAY_MS;
    let now = ztc_store::now_ms();
    // Nothing due today.
    let swept = ztc_store::interests::sweep(s, &ctx, now, "http://x")
        .await
        .unwrap();
    assert_eq!(swept, ztc_store::interests::Swept::default());
    // Twelve days on: reminded once, with a mail to the holder.
    let later = now + 12 * day;
    let swept = ztc_store::interests::sweep(s, &ctx, later, "http://x")
        .await
        .unwrap();
    assert_eq!(swept.reminded, 1);
    let again = ztc_store::interests::sweep(s, &ctx, later + 1000, "http://x")
        .await
        .unwrap();
    assert_eq!(again.reminded, 0, "reminded once");
    let mails = ztc_store::mail::list(s, &Default::default(), 1, 10)
        .await
        .unwrap();
    let addr = app.member("holder").await.user.email.expect("demo address");
    assert!(
        mails.items.iter().any(|m| m.to_addr == addr
            && m.kind == "interest_reminder"
            && m.body_text.contains(&iid)),
        "a reminder in the outbox"
    );
    // Fifteen days on: expired; the holder can no longer accept.
    let swept = ztc_store::interests::sweep(s, &ctx, now + 15 * day, "http://x")
        .await
        .unwrap();
    assert_eq!(swept.expired, 1);
    let mut holder = app.login("holder").await;
    let page = holder.get(&format!("/interests/{iid}")).await;
    assert!(page.body.contains("已过期"));
    let r = holder
        .post(
            &format!("/interests/{iid}/decision"),
            &[("decision", "accept")],
        )
        .await;
    assert!(r.location().ends_with("error=interest_status_invalid"));
    // The enterprise may ask again: the same record, pending anew.
    let r = ent
        .post(
            &format!("/achievements/{id}/interest"),
            &[("message", "再次希望洽谈"), ("cooperation_mode", "licence")],
        )
        .await;
    assert_eq!(interest_id(r.location()), iid);
}
