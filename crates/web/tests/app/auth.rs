//! Sign-in, sign-out, registration, verification and passwords.

use axum::http::StatusCode;
use ztc_domain::AccountStatus;

use crate::support::{PW, TestApp};

#[tokio::test]
async fn sign_in_and_out_on_every_database() {
    for app in TestApp::all().await {
        let mut c = app.client();
        let r = c.login("torch", PW).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/me"),
            "{:?}",
            app.db
        );
        let me = c.get("/me").await;
        assert_eq!(me.status, StatusCode::OK);
        assert!(me.body.contains("火炬中心工作台"));
        let out = c.post("/logout", &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(!c.signed_in());
        assert_eq!(c.get("/me").await.location(), "/login?next=%2Fme");
    }
}

#[tokio::test]
async fn failures_never_reveal_whether_an_account_exists() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let wrong = c.login("holder", "wrong-password-123").await;
    let missing = c.login("nobody-here", "wrong-password-123").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("用户名或密码不正确"));
    let strip = |s: &str| s.replace("holder", "").replace("nobody-here", "");
    let (a, b) = (strip(&wrong.body), strip(&missing.body));
    // Same page but for the echoed name and the form token.
    let no_token = |s: &str| {
        s.split("name=\"csrf\"")
            .map(|p| p.split_once('>').map(|x| x.1).unwrap_or(p).to_owned())
            .collect::<String>()
    };
    assert_eq!(no_token(&a), no_token(&b));
    let empty = c.post("/login", &[]).await;
    assert_eq!(
        empty.status,
        StatusCode::UNAUTHORIZED,
        "empty form is a failed sign-in, not a 500"
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account_name() {
    let app = TestApp::new().await;
    let mut c = app.client();
    for _ in 0..5 {
        assert_eq!(
            c.login("expert", "not-the-password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = c.login("expert", PW).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body.contains("登录失败次数过多"), "{}", locked.body);
    // A name that does not exist locks the same way.
    for _ in 0..5 {
        c.login("ghost-user", "x-password-12").await;
    }
    assert_eq!(
        c.login("ghost-user", "x-password-12").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Other accounts are not affected.
    assert_eq!(c.login("holder", PW).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forged_or_missing_csrf_tokens_are_refused() {
    let app = TestApp::new().await;
    let mut anon = app.client();
    anon.get("/login").await;
    let r = anon
        .post_raw(
            "/login",
            &[
                ("csrf", "forged-token-forged-token-forged-token"),
                ("username", "torch"),
                ("password", PW),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("页面已过期"), "{}", r.body);
    let mut admin = app.login("torch").await;
    let r = admin
        .post_raw(
            "/admin/orgs",
            &[("name", "伪造机构"), ("kind", "host"), ("region", "110100")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let anon_token = anon.csrf().await;
    let r = admin
        .post_raw(
            "/admin/orgs",
            &[
                ("csrf", &anon_token),
                ("name", "伪造机构"),
                ("kind", "host"),
                ("region", "110100"),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "another visitor's token does not work"
    );
    let orgs = ztc_store::orgs::list(&app.db.store, None, Some("伪造机构"), 1, 10)
        .await
        .unwrap();
    assert_eq!(orgs.total, 0);
}

fn registration<'a>(username: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("role", "holder"),
        ("username", username),
        ("display_name", "孙悦 <b>博士</b>"),
        ("password", "a-strong-password-1"),
        ("email", "sun@example.cn"),
        ("phone", "020-88886666"),
        ("org_name", "岭南理工大学（演示）"),
        ("org_kind", "university"),
        ("region", "440100"),
        ("credit_code", ""),
        ("industry", ""),
        ("contact_name", ""),
        ("contact_phone", ""),
        ("contact_email", ""),
    ];
    for (k, v) in extra {
        if let Some(slot) = f.iter_mut().find(|(fk, _)| fk == k) {
            slot.1 = v;
        }
    }
    f
}

#[tokio::test]
async fn registration_waits_for_the_regions_verification() {
    for app in TestApp::all().await {
        let mut c = app.client();
        let r = c.post("/register", &registration("sunyue", &[])).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/me"),
            "{}",
            r.body
        );
        let me = c.get("/me").await;
        assert!(me.body.contains("账号待审核"));
        assert!(
            me.body.contains("孙悦 &#60;b&#62;博士&#60;/b&#62;"),
            "names are escaped"
        );
        assert_eq!(
            c.get("/me/tokens").await.status,
            StatusCode::FORBIDDEN,
            "pending accounts cannot use the API"
        );
        let m = app.member("sunyue").await;
        assert_eq!(m.user.status, AccountStatus::Pending);
        assert_eq!(
            m.org_name, "岭南理工大学（演示）",
            "joined the existing organisation"
        );

        // Jiangsu's administrator cannot verify a Guangdong registration.
        let mut js = app.login("js-admin").await;
        let page = js.get("/admin/registrations").await;
        assert!(!page.body.contains("sunyue"));
        let denied = js
            .post(&format!("/admin/registrations/{}/approve", m.user.id), &[])
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        // Guangdong's authorised agency can (holders only).
        let mut agency = app.login("agency").await;
        assert!(
            agency
                .get("/admin/registrations")
                .await
                .body
                .contains("sunyue")
        );
        let ok = agency
            .post(&format!("/admin/registrations/{}/approve", m.user.id), &[])
            .await;
        assert_eq!(
            (ok.status, ok.location()),
            (StatusCode::SEE_OTHER, "/admin/registrations?done=approved")
        );
        assert_eq!(
            app.member("sunyue").await.user.status,
            AccountStatus::Active
        );
        let again = agency
            .post(&format!("/admin/registrations/{}/approve", m.user.id), &[])
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.body.contains("不在待审核状态"));
        // The agency cannot verify an enterprise.
        let ent = app.member("new-enterprise").await;
        assert_eq!(
            agency
                .post(
                    &format!("/admin/registrations/{}/approve", ent.user.id),
                    &[]
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // The exchange partner verifies listed companies, with a reason on rejection.
        let mut szse = app.login("szse").await;
        let r = szse
            .post(
                &format!("/admin/registrations/{}/reject", ent.user.id),
                &[("reason", "营业执照信息与填报不一致")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.member("new-enterprise").await.user.status,
            AccountStatus::Rejected
        );
        let audit = ztc_store::audit::list(
            &app.db.store,
            &ztc_store::audit::Filter {
                object_id: Some(ent.user.id.clone()),
                ..Default::default()
            },
            1,
            10,
        )
        .await
        .unwrap();
        assert!(audit.items.iter().any(|a| a.action == "user.reject"
            && a.after_json.as_deref().unwrap_or("").contains("营业执照")));
        // A rejected account cannot sign in.
        assert_eq!(
            app.client().login("new-enterprise", PW).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn bad_registrations_get_clear_messages_and_keep_the_form() {
    let app = TestApp::new().await;
    let before = ztc_store::users::list(&app.db.store, &Default::default(), 1, 100)
        .await
        .unwrap()
        .total;
    let mut c = app.client();
    let long = "很".repeat(101);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (registration("", &[]), "请填写用户名"),
        (registration("ab", &[]), "用户名应为 3 到 40 个字符"),
        (registration("zhang san", &[]), "用户名只能使用"),
        (
            registration("newbie1", &[("password", "short")]),
            "密码至少需要 10 个字符",
        ),
        (
            registration("newbie2", &[("org_name", "")]),
            "请填写机构名称",
        ),
        (
            registration("newbie3", &[("org_name", &long)]),
            "机构名称不能超过 100 个字符（现有 101 个）",
        ),
        (
            registration("newbie4", &[("region", "999999")]),
            "请选择所在地区",
        ),
        (
            registration("newbie5", &[("email", "not-an-email")]),
            "电子邮箱格式不正确",
        ),
        (
            registration("newbie6", &[("role", "national_admin")]),
            "请选择注册身份",
        ),
        (
            registration("newbie7", &[("role", "enterprise"), ("org_kind", "park")]),
            "须填写统一社会信用代码",
        ),
        (
            registration(
                "newbie8",
                &[
                    ("role", "enterprise"),
                    ("org_kind", "park"),
                    ("credit_code", "91440300708461136A"),
                ],
            ),
            "校验位不正确",
        ),
        (
            registration(
                "newbie9",
                &[("role", "enterprise"), ("org_kind", "university")],
            ),
            "所选机构类型与注册身份不符",
        ),
        (registration("holder", &[]), "该用户名已被使用"),
        (
            registration("newbie10", &[("display_name", "a\u{7}b")]),
            "控制字符",
        ),
    ];
    for (form, expect) in cases {
        let r = c.post("/register", &form).await;
        assert!(r.status.is_client_error(), "{expect}: {}", r.status);
        assert!(r.body.contains(expect), "expected {expect:?} in the page");
        assert!(
            r.body.contains("岭南理工大学")
                || form
                    .iter()
                    .any(|(k, v)| *k == "org_name" && (v.is_empty() || v.len() > 200)),
            "the form keeps what was typed"
        );
        assert!(
            !r.body.contains("a-strong-password-1"),
            "passwords are never echoed"
        );
    }
    let users = ztc_store::users::list(&app.db.store, &Default::default(), 1, 100)
        .await
        .unwrap();
    assert_eq!(
        users.total, before,
        "no account was created by a bad registration"
    );
    // Hostile text is stored literally and shown escaped.
    let hostile = "<script>alert('x')</script>'; DROP TABLE users;--";
    let r = c
        .post(
            "/register",
            &registration(
                "hostile1",
                &[("display_name", hostile), ("org_name", hostile)],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let m = app.member("hostile1").await;
    assert_eq!(m.user.display_name, hostile);
    let page = c.get("/me").await;
    assert!(!page.body.contains("<script>alert"), "escaped on the page");
    assert!(page.body.contains("&#60;script&#62;"));
}

#[tokio::test]
async fn an_enterprise_registers_its_industry_followed_fields_and_contact() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let body = "91440101MA5BC7Q12";
    let check = ztc_domain::credit_code::check_char(body.as_bytes()).unwrap();
    let code: &'static str = Box::leak(format!("{body}{check}").into_boxed_str());
    let enterprise = |user: &'static str, extra: &[(&'static str, &'static str)]| {
        let mut f = registration(
            user,
            &[
                ("role", "enterprise"),
                ("org_kind", "high_tech_enterprise"),
                ("org_name", "岭南精密制造有限公司"),
                ("credit_code", code),
                ("industry", "C"),
            ],
        );
        for (k, v) in extra {
            match f.iter_mut().find(|(fk, _)| fk == k) {
                Some(slot) => slot.1 = v,
                None => f.push((k, v)),
            }
        }
        f
    };
    // Bad input: no industry, an unknown followed field, a bad contact e-mail.
    let cases = [
        (enterprise("ent1", &[("industry", "")]), "请选择所属行业"),
        (
            enterprise("ent2", &[("interest_fields", "99")]),
            "关注领域中有不存在的领域",
        ),
        (
            enterprise("ent3", &[("contact_email", "no-at-sign")]),
            "电子邮箱格式不正确",
        ),
    ];
    for (form, expect) in cases {
        let r = c.post("/register", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{expect}");
        let errors = r.body.split("form-error").nth(1).unwrap_or_default();
        assert!(
            errors.contains(expect),
            "expected {expect:?}: {}",
            &errors[..errors.len().min(600)]
        );
        assert!(r.body.contains("岭南精密制造有限公司"), "the form is kept");
    }
    let mut form = enterprise("ent4", &[("contact_phone", "0755-26660000")]);
    form.push(("interest_fields", "1"));
    form.push(("interest_fields", "4"));
    form.push(("interest_fields", "1"));
    let r = c.post("/register", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let m = app.member("ent4").await;
    assert_eq!(m.user.status, AccountStatus::Pending);
    let org = ztc_store::orgs::get(&app.db.store, &m.user.org_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org.industry.as_deref(), Some("C"));
    assert_eq!(org.interest_fields, vec!["1".to_owned(), "4".to_owned()]);
    // The contact defaults to the registrant where left empty.
    assert_eq!(
        org.contact_name.as_deref(),
        Some(m.user.display_name.as_str())
    );
    assert_eq!(org.contact_phone.as_deref(), Some("0755-26660000"));
    assert_eq!(org.contact_email.as_deref(), Some("sun@example.cn"));
    // A holder's registration ignores the enterprise part.
    let r = c
        .post("/register", &registration("holder9", &[("industry", "ZZ")]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let h = app.member("holder9").await;
    let org = ztc_store::orgs::get(&app.db.store, &h.user.org_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org.industry, None);
}

#[tokio::test]
async fn password_change_and_administrator_reset() {
    let app = TestApp::new().await;
    let mut holder = app.login("holder").await;
    let mut other_device = app.login("holder").await;
    let cases = [
        (
            ("wrong-current-pw", "brand-new-pass-1", "brand-new-pass-1"),
            "当前密码不正确",
        ),
        ((PW, "short", "short"), "密码至少需要 10 个字符"),
        (
            (PW, "brand-new-pass-1", "brand-new-pass-2"),
            "两次输入的新密码不一致",
        ),
        (
            (PW, "holder-password-1", "holder-password-1"),
            "密码不能包含用户名",
        ),
    ];
    for ((cur, new, confirm), expect) in cases {
        let r = holder
            .post(
                "/me/password",
                &[("current", cur), ("password", new), ("confirm", confirm)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(expect), "{expect}");
    }
    let ok = holder
        .post(
            "/me/password",
            &[
                ("current", PW),
                ("password", "brand-new-pass-1"),
                ("confirm", "brand-new-pass-1"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.body.contains("密码已修改"));
    assert_eq!(
        holder.get("/me").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        other_device.get("/me").await.status,
        StatusCode::SEE_OTHER,
        "other sessions end"
    );

    // The region's administrator resets it; the holder must change it at sign-in.
    let mut gd = app.login("gd-admin").await;
    let id = app.member("holder").await.user.id;
    let r = gd
        .post(&format!("/admin/users/{id}/reset-password"), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let temp = r
        .body
        .split("首次登录须修改）：")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .map(|s| s.trim().to_owned())
        .expect("temporary password shown");
    assert_eq!(temp.chars().count(), 14);
    assert_eq!(
        holder.get("/me").await.status,
        StatusCode::SEE_OTHER,
        "the reset ended the holder's session"
    );
    let mut again = app.client();
    let r = again.login("holder", &temp).await;
    assert_eq!(r.location(), "/me/password");
    assert_eq!(
        again.get("/me").await.location(),
        "/me/password",
        "every page asks for the new password first"
    );
    let r = again
        .post(
            "/me/password",
            &[
                ("current", &temp),
                ("password", "after-reset-pass-1"),
                ("confirm", "after-reset-pass-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(again.get("/me").await.status, StatusCode::OK);
    // Jiangsu cannot reset a Guangdong account.
    let mut js = app.login("js-admin").await;
    assert_eq!(
        js.post(&format!("/admin/users/{id}/reset-password"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
