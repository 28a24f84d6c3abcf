//! Script and SQL fragments, emoji, control characters and over-long text in every
//! text field of every form: each is refused with a clear message or stored
//! literally and shown escaped — never a server error.

use axum::http::StatusCode;

use crate::support::TestApp;

const HOSTILE: &[&str] = &[
    "<script>alert('x')</script>",
    "'; DROP TABLE users; --",
    "\" OR 1=1 --",
    "{{ 7*7 }} ${7*7} %s %n",
    "😀👩‍🔬 科研",
    "a\u{0}b\u{1b}[31m",
    "\u{202e}evil",
];

fn long() -> String {
    "长".repeat(5000)
}

#[tokio::test]
async fn no_form_field_breaks_the_platform() {
    let app = TestApp::new().await;
    let mut anon = app.client();
    let mut admin = app.login("gd-admin").await;
    let mut torch = app.login("torch").await;
    let mut holder = app.login("holder").await;
    let pending = app.member("new-holder").await.user.id;
    let big = long();
    let mut values: Vec<&str> = HOSTILE.to_vec();
    values.push(&big);
    for (i, v) in values.iter().enumerate() {
        let uname = format!("hostile{i}");
        let mut results = Vec::new();
        // Registration: every text field in turn.
        for field in [
            "username",
            "display_name",
            "email",
            "phone",
            "org_name",
            "credit_code",
            "password",
        ] {
            let mut f = vec![
                ("role", "holder"),
                ("username", uname.as_str()),
                ("display_name", "测试"),
                ("password", "a-strong-password-1"),
                ("org_name", "测试大学"),
                ("org_kind", "university"),
                ("region", "440100"),
            ];
            f.retain(|(k, _)| *k != field);
            f.push((field, v));
            results.push((
                format!("register.{field}"),
                anon.post("/register", &f).await,
            ));
            if anon.signed_in() {
                anon.post("/logout", &[]).await;
            }
        }
        for field in ["username", "password", "next"] {
            let mut f = vec![
                ("username", "holder"),
                ("password", "wrong-password-1"),
                ("next", "/me"),
            ];
            f.retain(|(k, _)| *k != field);
            f.push((field, v));
            results.push((format!("login.{field}"), anon.post("/login", &f).await));
        }
        for field in [
            "name",
            "credit_code",
            "contact_name",
            "contact_phone",
            "contact_email",
        ] {
            let mut f = vec![("name", "测试机构"), ("kind", "host"), ("region", "440100")];
            f.retain(|(k, _)| *k != field);
            f.push((field, v));
            results.push((format!("org.{field}"), admin.post("/admin/orgs", &f).await));
        }
        for field in [
            "username",
            "display_name",
            "email",
            "phone",
            "org_id",
            "role",
            "password",
        ] {
            let org = app.member("holder").await.user.org_id;
            let mut f = vec![
                ("org_id", org.as_str()),
                ("role", "expert"),
                ("username", "someone"),
                ("display_name", "某人"),
                ("password", "initial-pass-123"),
            ];
            f.retain(|(k, _)| *k != field);
            f.push((field, v));
            results.push((
                format!("user.{field}"),
                admin.post("/admin/users", &f).await,
            ));
        }
        results.push((
            "token.name".into(),
            holder.post("/me/tokens", &[("name", v)]).await,
        ));
        results.push((
            "password.current".into(),
            holder
                .post(
                    "/me/password",
                    &[("current", v), ("password", v), ("confirm", v)],
                )
                .await,
        ));
        results.push((
            "reject.reason".into(),
            torch
                .post(
                    &format!("/admin/registrations/{pending}/reject"),
                    &[("reason", v)],
                )
                .await,
        ));
        for q in [
            "/admin/users?q=",
            "/admin/orgs?q=",
            "/admin/audit?actor=",
            "/admin/audit?object_id=",
            "/admin/audit?from=",
        ] {
            let url = format!(
                "{q}{}",
                form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            );
            results.push((q.to_owned(), torch.get(&url).await));
        }
        for (what, r) in results {
            assert!(
                !r.status.is_server_error(),
                "{what} with {v:?}: {}",
                r.status
            );
            assert!(!r.body.contains("<script>alert"), "{what} echoed unescaped");
            // 401: a failed sign-in; 409: the registration was already rejected.
            if r.status.is_client_error()
                && r.status != StatusCode::UNAUTHORIZED
                && r.status != StatusCode::CONFLICT
            {
                assert!(
                    r.body.contains("class=\"error\"")
                        || r.body.contains("field-error")
                        || r.body.contains("您没有权限")
                        || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                    "{what}: a clear message"
                );
            }
        }
    }
    // Whatever was accepted is stored literally: the first value went in as a token name.
    let tokens = ztc_store::sessions::tokens(&app.db.store, &app.member("holder").await.user.id)
        .await
        .unwrap();
    assert!(tokens.iter().any(|t| t.name == HOSTILE[0]));
    assert!(tokens.iter().any(|t| t.name == HOSTILE[1]));
    assert!(
        !tokens.iter().any(|t| t.name.contains('\u{0}')),
        "control characters are refused"
    );
}

#[tokio::test]
async fn no_demand_side_field_breaks_the_platform() {
    let app = TestApp::new().await;
    let mut ent = app.login("enterprise").await;
    let mut gd = app.login("gd-admin").await;
    let mut holder = app.login("holder").await;
    let mut anon = app.client();
    let big = long();
    let mut values: Vec<&str> = HOSTILE.to_vec();
    values.push(&big);
    let deadline =
        ztc_domain::demand::day_string(ztc_domain::demand::today(ztc_store::now_ms()) + 20);
    // A published demand to answer.
    let r = ent
        .post(
            "/demands",
            &[
                ("title", "耐高温密封材料"),
                ("subfield", "3.6"),
                ("problem", "现有密封件在 300 度以上老化快"),
                ("cooperation_modes", "licence"),
                ("deadline", &deadline),
                ("public", "1"),
                ("contact_name", "王强"),
                ("action", "submit"),
            ],
        )
        .await;
    let id = r
        .location()
        .trim_start_matches("/demands/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    gd.post(&format!("/demands/{id}/review"), &[("decision", "publish")])
        .await;
    for v in &values {
        let enc = form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        let mut results = Vec::new();
        for field in [
            "title",
            "problem",
            "goals",
            "basis",
            "keywords",
            "subfield",
            "trl_min",
            "budget",
            "deadline",
            "window_id",
            "contact_name",
            "contact_phone",
            "contact_email",
            "cooperation_modes",
        ] {
            let mut f = vec![
                ("title", "测试需求"),
                ("subfield", "3.6"),
                ("problem", "问题描述"),
                ("cooperation_modes", "licence"),
                ("deadline", deadline.as_str()),
                ("contact_name", "王强"),
                ("action", "submit"),
            ];
            f.retain(|(k, _)| *k != field);
            f.push((field, v));
            results.push((format!("demand.{field}"), ent.post("/demands", &f).await));
        }
        for field in ["approach", "trl", "team", "cooperation_mode"] {
            let mut f = vec![
                ("approach", "方案"),
                ("team", "团队"),
                ("cooperation_mode", "licence"),
            ];
            f.retain(|(k, _)| *k != field);
            f.push((field, v));
            results.push((
                format!("answer.{field}"),
                holder.post(&format!("/demands/{id}/answers"), &f).await,
            ));
        }
        results.push((
            "review.note".into(),
            gd.post(
                &format!("/demands/{id}/review"),
                &[("decision", "return"), ("note", v)],
            )
            .await,
        ));
        results.push((
            "renew.deadline".into(),
            ent.post(
                &format!("/demands/{id}/status"),
                &[("action", "renew"), ("deadline", v)],
            )
            .await,
        ));
        for field in ["title", "description", "opens", "closes", "fields"] {
            let mut f = vec![
                ("title", "征集"),
                ("opens", deadline.as_str()),
                ("closes", deadline.as_str()),
            ];
            f.retain(|(k, _)| *k != field);
            f.push((field, v));
            results.push((
                format!("window.{field}"),
                gd.post("/admin/windows", &f).await,
            ));
        }
        results.push((
            "follow.keywords".into(),
            ent.post("/me/follow", &[("keywords", v), ("frequency", "daily")])
                .await,
        ));
        for q in ["q", "field", "unit", "mode", "page"] {
            let url = format!("/demands?{q}={enc}");
            results.push((format!("list.{q}"), anon.get(&url).await));
            let url = format!("/api/v1/demands?{q}={enc}");
            results.push((format!("api.{q}"), anon.get(&url).await));
        }
        results.push((
            "search.kind".into(),
            anon.get(&format!("/search?kind=demand&q={enc}")).await,
        ));
        results.push((
            "unsubscribe".into(),
            anon.get(&format!("/unsubscribe/{enc}")).await,
        ));
        for (what, r) in results {
            assert!(
                !r.status.is_server_error(),
                "{what} with {v:?}: {}",
                r.status
            );
            assert!(!r.body.contains("<script>alert"), "{what} echoed unescaped");
        }
    }
    let r = anon.get("/demands?page=999999").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a page out of range is an empty page"
    );
}
