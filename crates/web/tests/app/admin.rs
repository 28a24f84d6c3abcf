//! Accounts, organisations, reference data and the audit trail.

use axum::http::StatusCode;
use ztc_domain::AccountStatus;

use crate::support::TestApp;

#[tokio::test]
async fn provincial_lists_show_only_their_own_unit() {
    let app = TestApp::new().await;
    let mut gd = app.login("gd-admin").await;
    let page = gd.get("/admin/users").await;
    assert!(
        page.body.contains("holder") && !page.body.contains("js-holder"),
        "Guangdong sees its own accounts only"
    );
    let orgs = gd.get("/admin/orgs").await;
    assert!(orgs.body.contains("岭南理工大学") && !orgs.body.contains("江南先进材料研究院"));
    let mut torch = app.login("torch").await;
    let all = torch.get("/admin/users?q=holder").await;
    assert!(all.body.contains("js-holder") && all.body.contains("new-holder"));
    let pending = torch.get("/admin/users?status=pending").await;
    assert!(pending.body.contains("new-holder") && !pending.body.contains(">torch<"));
    assert_eq!(
        torch.get("/admin/users?page=99999999999").await.status,
        StatusCode::OK,
        "pages out of range are empty, not errors"
    );
    assert_eq!(
        torch.get("/admin/users?page=abc").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn administrators_create_accounts_within_their_power() {
    let app = TestApp::new().await;
    let mut gd = app.login("gd-admin").await;
    let uni = app.member("holder").await.user.org_id;
    let form = |username: &'static str, role: &'static str, org: String| {
        vec![
            ("org_id", org),
            ("role", role.to_owned()),
            ("username", username.to_owned()),
            ("display_name", "新同事".to_owned()),
            ("password", "initial-pass-123".to_owned()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| f;
    let f = post(form("new-expert", "expert", uni.clone()));
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = gd.post("/admin/users", &refs).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/admin/users?done=created")
    );
    let m = app.member("new-expert").await;
    assert!(m.user.must_change_password);
    assert_eq!(m.user.status, AccountStatus::Active);

    // Same name again: a clear conflict, nothing created.
    let r = gd.post("/admin/users", &refs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("该用户名已被使用"));
    // A role that does not fit the organisation.
    let f = form("odd-one", "host", uni.clone());
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert!(
        gd.post("/admin/users", &refs)
            .await
            .body
            .contains("该角色不能属于这一类机构")
    );
    // An organisation in another unit: refused outright.
    let js_org = app.member("js-holder").await.user.org_id;
    let f = form("intruder", "holder", js_org);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        gd.post("/admin/users", &refs).await.status,
        StatusCode::FORBIDDEN
    );
    // A national role: refused.
    let torch_org = app.member("torch").await.user.org_id;
    let f = form("fake-torch", "national_admin", torch_org);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        gd.post("/admin/users", &refs).await.status,
        StatusCode::FORBIDDEN
    );
    // Empty form: every problem listed.
    let r = gd.post("/admin/users", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in ["请选择所属机构", "请选择角色", "请填写用户名", "请填写姓名"]
    {
        assert!(r.body.contains(msg), "{msg}");
    }
}

#[tokio::test]
async fn organisations_are_validated() {
    let app = TestApp::new().await;
    let mut gd = app.login("gd-admin").await;
    let good = [
        ("name", "佛山市科学技术局"),
        ("kind", "host"),
        ("region", "440600"),
        ("contact_phone", "0757-83031234"),
    ];
    let r = gd.post("/admin/orgs", &good).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/admin/orgs?done=created")
    );
    let park = [
        ("name", "示例产业园"),
        ("kind", "park"),
        ("region", "440100"),
        ("credit_code", "9144030071526726XG"),
    ];
    assert_eq!(
        gd.post("/admin/orgs", &park).await.status,
        StatusCode::SEE_OTHER
    );
    let dup = [
        ("name", "另一个园区"),
        ("kind", "park"),
        ("region", "440100"),
        ("credit_code", "9144030071526726XG"),
    ];
    let r = gd.post("/admin/orgs", &dup).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("该统一社会信用代码已被其他机构登记"));
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("name", ""), ("kind", "host"), ("region", "440100")],
            "请填写机构名称",
        ),
        (
            &[("name", "x"), ("kind", "spaceship"), ("region", "440100")],
            "请选择机构类型",
        ),
        (
            &[("name", "x"), ("kind", "park"), ("region", "440100")],
            "须填写统一社会信用代码",
        ),
        (
            &[
                ("name", "x"),
                ("kind", "park"),
                ("region", "440100"),
                ("credit_code", "123"),
            ],
            "应为 18 位",
        ),
        (
            &[
                ("name", "x"),
                ("kind", "host"),
                ("region", "440100"),
                ("contact_email", "a@b"),
            ],
            "电子邮箱格式不正确",
        ),
    ];
    for (form, expect) in cases {
        let r = gd.post("/admin/orgs", form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{expect}");
        assert!(r.body.contains(expect), "{expect}");
    }
    // Outside its unit (深圳 is a 计划单列市) or a national kind: refused.
    assert_eq!(
        gd.post(
            "/admin/orgs",
            &[("name", "深圳某局"), ("kind", "host"), ("region", "440300")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        gd.post(
            "/admin/orgs",
            &[
                ("name", "假火炬"),
                ("kind", "torch_center"),
                ("region", "440100")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn disable_and_enable_accounts() {
    let app = TestApp::new().await;
    let mut gd = app.login("gd-admin").await;
    let mut ent = app.login("enterprise").await;
    let id = app.member("enterprise").await.user.id;
    let r = gd
        .post(
            &format!("/admin/users/{id}/status"),
            &[("status", "disabled")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        ent.get("/me").await.status,
        StatusCode::SEE_OTHER,
        "a disabled account's sessions end"
    );
    assert_eq!(
        app.client()
            .login("enterprise", crate::support::PW)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        gd.post(
            &format!("/admin/users/{id}/status"),
            &[("status", "disabled")]
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        gd.post(
            &format!("/admin/users/{id}/status"),
            &[("status", "active")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.client()
            .login("enterprise", crate::support::PW)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let own = app.member("gd-admin").await.user.id;
    let r = gd
        .post(
            &format!("/admin/users/{own}/status"),
            &[("status", "disabled")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("不能停用自己的账号"));
    assert_eq!(
        gd.post("/admin/users/no-such-id/status", &[("status", "disabled")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn reference_data_is_visible_to_administrators() {
    let app = TestApp::new().await;
    let mut torch = app.login("torch").await;
    let r = torch.get("/admin/reference").await;
    assert_eq!(r.status, StatusCode::OK);
    for text in [
        "新一代信息技术产业",
        "人工智能",
        "技术许可",
        "中试熟化",
        "基本原理清晰",
        "碳达峰碳中和",
        "新疆生产建设兵团",
        "深圳市",
        "石河子市",
    ] {
        assert!(r.body.contains(text), "{text}");
    }
    let mut holder = app.login("holder").await;
    assert_eq!(
        holder.get("/admin/reference").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn audit_trail_records_administrators_actions() {
    for app in TestApp::all().await {
        let mut gd = app.login("gd-admin").await;
        gd.post(
            "/admin/orgs",
            &[
                ("name", "审计测试机构"),
                ("kind", "host"),
                ("region", "440100"),
            ],
        )
        .await;
        let page = gd.get("/admin/audit?actor=gd-admin").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("org.create") && page.body.contains("审计测试机构"),
            "{:?}",
            app.db
        );
        assert!(page.body.contains("auth.login"));
        let bad = gd.get("/admin/audit?from=2026-13-45").await;
        assert_eq!(bad.status, StatusCode::OK);
        assert!(bad.body.contains("日期格式应为"));
        // Guangdong does not see Jiangsu's records.
        let mut js = app.login("js-admin").await;
        js.post(
            "/admin/orgs",
            &[
                ("name", "江苏审计机构"),
                ("kind", "host"),
                ("region", "320100"),
            ],
        )
        .await;
        assert!(!gd.get("/admin/audit").await.body.contains("江苏审计机构"));
        let mut torch = app.login("torch").await;
        let all = torch.get("/admin/audit?object_type=organisation").await;
        assert!(all.body.contains("江苏审计机构") && all.body.contains("审计测试机构"));
        let none = torch.get("/admin/audit?from=2099-01-01").await;
        assert!(none.body.contains("暂无记录"));
    }
}

#[tokio::test]
async fn only_authorised_agencies_verify_registrations() {
    let app = TestApp::new().await;
    let mut gd = app.login("gd-admin").await;
    // A second agency in Guangdong, not yet authorised, with one account.
    gd.post(
        "/admin/orgs",
        &[
            ("name", "珠三角技术市场（演示）"),
            ("kind", "agency"),
            ("region", "440600"),
        ],
    )
    .await;
    let org = ztc_store::orgs::list(&app.db.store, None, Some("珠三角技术市场"), 1, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    assert!(!org.verifier);
    let f = [
        ("org_id", org.id.as_str()),
        ("role", "agency"),
        ("username", "agency2"),
        ("display_name", "吴凡"),
        ("password", "initial-pass-123"),
    ];
    assert_eq!(
        gd.post("/admin/users", &f).await.status,
        StatusCode::SEE_OTHER
    );
    let mut a2 = app.client();
    a2.login("agency2", "initial-pass-123").await;
    a2.post(
        "/me/password",
        &[
            ("current", "initial-pass-123"),
            ("password", "second-agency-pass"),
            ("confirm", "second-agency-pass"),
        ],
    )
    .await;
    assert!(!app.member("agency2").await.user.must_change_password);
    let pending = app.member("new-holder").await.user.id;
    assert!(
        !a2.get("/me")
            .await
            .body
            .contains("href=\"/admin/registrations\""),
        "no verification link"
    );
    assert_eq!(
        a2.post(&format!("/admin/registrations/{pending}/approve"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Jiangsu cannot authorise a Guangdong agency; Guangdong can.
    let mut js = app.login("js-admin").await;
    assert_eq!(
        js.post(
            &format!("/admin/orgs/{}/verifier", org.id),
            &[("verifier", "1")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = gd
        .post(
            &format!("/admin/orgs/{}/verifier", org.id),
            &[("verifier", "1")],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/admin/orgs?done=verifier")
    );
    assert!(
        a2.get("/me")
            .await
            .body
            .contains("href=\"/admin/registrations\"")
    );
    assert_eq!(
        a2.post(&format!("/admin/registrations/{pending}/approve"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // Only agencies can be authorised; the change is audited.
    let uni = app.member("holder").await.user.org_id;
    let r = gd
        .post(&format!("/admin/orgs/{uni}/verifier"), &[("verifier", "1")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("只能授权技术转移机构"));
    assert_eq!(
        gd.post(
            &format!("/admin/orgs/{}/verifier", org.id),
            &[("verifier", "maybe")]
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    let audit = gd.get(&format!("/admin/audit?object_id={}", org.id)).await;
    assert!(audit.body.contains("org.verifier"));
}
