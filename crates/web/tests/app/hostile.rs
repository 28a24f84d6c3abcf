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
