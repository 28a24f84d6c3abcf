//! The shell: home page, language, security headers, errors, health and metrics.

use axum::http::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn home_page_explains_the_programme_with_security_headers() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    for text in [
        "火炬科技成果直通车",
        "年度工作流程",
        "项目路演",
        "跟踪服务",
        "项目征集条件",
        "lang=\"zh-CN\"",
    ] {
        assert!(r.body.contains(text), "{text}");
    }
    let h = |n: &str| {
        r.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert!(h("content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(h("x-frame-options"), "DENY");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert!(!h("x-request-id").is_empty());
    assert!(h("set-cookie").contains("HttpOnly") && h("set-cookie").contains("SameSite=Strict"));
}

#[tokio::test]
async fn english_is_one_click_away() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.get("/lang/en?next=/login").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"));
    let page = c.get("/login").await;
    assert!(page.body.contains("lang=\"en\"") && page.body.contains("Sign in"));
    assert!(
        c.get("/nowhere")
            .await
            .body
            .contains("The page or record you asked for does not exist")
    );
    c.get("/lang/zh?next=/").await;
    assert!(c.get("/login").await.body.contains("登录"));
    assert_eq!(
        c.get("/lang/en?next=https://evil.example/")
            .await
            .location(),
        "/",
        "no open redirect"
    );
    assert_eq!(c.get("/lang/xx").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn errors_are_pages_in_chinese() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("您要找的页面或记录不存在") && r.body.contains("返回首页"));
    let r = c
        .send(axum::http::Method::DELETE, "/", None, Vec::new())
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "unsafe methods need a CSRF token first"
    );
    let mut holder = app.login("holder").await;
    let r = holder.get("/admin/users").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("您没有权限执行此操作"));
    let big = "x".repeat(3 * 1024 * 1024);
    let r = holder.post("/me/tokens", &[("name", &big)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("提交的内容过大"));
}

#[tokio::test]
async fn every_role_lands_on_its_own_workbench() {
    let app = TestApp::new().await;
    for (user, heading, has_admin) in [
        ("torch", "火炬中心工作台", true),
        ("szse", "深交所合作工作台", false),
        ("gd-admin", "省级科技管理部门工作台", true),
        ("host", "承办单位工作台", false),
        ("agency", "技术转移机构工作台", false),
        ("expert", "评价专家工作台", false),
        ("holder", "成果持有人工作台", false),
        ("enterprise", "企业工作台", false),
    ] {
        let mut c = app.login(user).await;
        let r = c.get("/me").await;
        assert!(r.body.contains(heading), "{user}");
        assert_eq!(
            r.body.contains("href=\"/admin/users\""),
            has_admin,
            "{user}: account management link"
        );
    }
    let mut torch = app.login("torch").await;
    let r = torch.get("/me").await;
    assert!(
        r.body.contains("<span class=\"count\">2</span>"),
        "two registrations wait for the national administrator"
    );
}

#[tokio::test]
async fn health_readiness_metrics_and_assets() {
    let app = TestApp::new().await;
    let mut c = app.client();
    assert_eq!(c.get("/healthz").await.body, "ok");
    assert_eq!(c.get("/readyz").await.body, "ready");
    c.get("/").await;
    // The same search twice: the second is answered from the cache.
    c.get("/api/v1/search?q=%E7%94%B5%E6%B1%A0").await;
    c.get("/api/v1/search?q=%E7%94%B5%E6%B1%A0").await;
    let m = c.get("/metrics").await;
    assert!(m.body.contains("http_requests_total"), "{}", m.body);
    assert!(m.body.contains("route=\"/\""));
    assert!(m.body.contains("ztc_search_cache_hits 1\n"), "{}", m.body);
    assert!(m.body.contains("ztc_search_cache_misses 1\n"), "{}", m.body);
    let css = c.get("/static/app.css").await;
    assert_eq!(
        css.headers.get("content-type").unwrap(),
        "text/css; charset=utf-8"
    );
    app.db.store.close().await;
    let r = c.get("/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}
