//! The JSON API: authentication, stable error codes, OpenAPI.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn tokens_authenticate_and_can_be_revoked() {
    let app = TestApp::new().await;
    let mut gd = app.login("gd-admin").await;
    let r = gd.post("/me/tokens", &[("name", "省平台对接")]).await;
    let secret = r
        .body
        .split("data-testid=\"token-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("secret shown")
        .to_owned();
    assert!(secret.starts_with("ztc_"));
    let mut api = app.client();
    api.headers
        .insert("authorization", format!("Bearer {secret}").parse().unwrap());
    let me = api.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["username"], "gd-admin");
    assert_eq!(me.json()["unit_code"], "44");
    let users = api.get("/api/v1/users?per_page=5").await.json();
    assert_eq!(users["per_page"], 5);
    assert!(
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["unit_code"] == "44")
    );
    // Bearer requests need no CSRF token.
    let uni = app.member("holder").await.user.org_id;
    let created = api.post_json("/api/v1/users", &json!({"org_id": uni, "role": "expert", "username": "api-expert", "display_name": "接口专家", "password": "api-password-123"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["must_change_password"], true);
    // Revoked: refused with a stable code.
    let id = ztc_store::sessions::tokens(&app.db.store, &app.member("gd-admin").await.user.id)
        .await
        .unwrap()[0]
        .id
        .clone();
    gd.post(&format!("/me/tokens/{id}/revoke"), &[]).await;
    let r = api.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "token_invalid");
}

#[tokio::test]
async fn api_errors_have_stable_codes_and_chinese_messages() {
    let app = TestApp::new().await;
    let mut anon = app.client();
    let r = anon.get("/api/v1/users").await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("login_required"))
    );
    assert_eq!(r.json()["message"], "请先登录");
    let r = anon.get("/api/v1/nothing-here").await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let r = anon.get("/api/v1/reference/no-such-list").await;
    assert_eq!(r.json()["error"], "vocab_unknown");
    let trl = anon.get("/api/v1/reference/trl").await.json();
    assert_eq!(trl.as_array().unwrap().len(), 9);
    assert_eq!(
        anon.get("/api/v1/regions")
            .await
            .json()
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["level"] == "province")
            .count(),
        32
    );

    let mut holder = app.login("holder").await;
    let r = holder.get("/api/v1/audit").await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );

    let mut torch = app.login("torch").await;
    let token = torch.csrf().await;
    // Session-authenticated changes need the CSRF header.
    let r = torch.post_json("/api/v1/users", &json!({})).await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("csrf_invalid"))
    );
    torch.headers.insert("x-csrf-token", token.parse().unwrap());
    let r = torch
        .post_json(
            "/api/v1/users",
            &json!({"username": "x", "password": "short"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input"))
    );
    let codes: Vec<&str> = r.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .map(|s| Box::leak(s.to_owned().into_boxed_str()) as &str)
        .collect();
    for c in ["choice_invalid", "username_length", "field_required"] {
        assert!(codes.contains(&c), "{c} in {codes:?}");
    }
    let r = torch
        .send(
            axum::http::Method::POST,
            "/api/v1/users",
            Some("application/json"),
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    let r = torch
        .send(
            axum::http::Method::POST,
            "/api/v1/users",
            Some("text/plain"),
            b"hello".to_vec(),
        )
        .await;
    assert_eq!(r.json()["error"], "unsupported_media_type");
    let uni = app.member("holder").await.user.org_id;
    let dup = torch.post_json("/api/v1/users", &json!({"org_id": uni, "role": "expert", "username": "holder", "display_name": "重名", "password": "some-password-1"})).await;
    assert_eq!(
        (dup.status, dup.json()["error"].as_str()),
        (StatusCode::CONFLICT, Some("username_taken"))
    );
    let r = torch.get("/api/v1/audit?from=yesterday").await;
    assert_eq!(r.json()["error"], "date_invalid");
    // English on request.
    torch
        .headers
        .insert("accept-language", "en-GB,en;q=0.9".parse().unwrap());
    let r = torch.get("/api/v1/nothing").await;
    assert_eq!(
        r.json()["message"],
        "The page or record you asked for does not exist"
    );
}

#[tokio::test]
async fn openapi_describes_the_api() {
    let app = TestApp::new().await;
    let r = app.client().get("/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in ztc_web::routes::ROUTES
        .iter()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
    {
        let op = &paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} documented"))[method.to_lowercase()];
        assert!(op.is_object(), "{method} {path} documented");
    }
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
}

#[tokio::test]
async fn the_library_through_the_api() {
    let app = TestApp::new().await;
    ztc_web::demo_library::load(&app.db.store).await.unwrap();
    let mut anon = app.client();
    let all = anon.get("/api/v1/achievements?per_page=5").await.json();
    assert!(all["total"].as_i64().unwrap() > 500);
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    let licence = anon
        .get("/api/v1/achievements?mode=licence&trl_min=7&per_page=100")
        .await
        .json();
    for item in licence["items"].as_array().unwrap() {
        assert!(item["trl"].as_i64().unwrap() >= 7);
        assert!(
            item["cooperation_modes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == "licence")
        );
    }
    let id = all["items"][0]["id"].as_str().unwrap().to_owned();
    let public = anon.get(&format!("/api/v1/achievements/{id}")).await.json();
    assert_eq!(public["status"], "published");
    assert!(public["protected"].is_null(), "no contacts for the public");
    // A verified enterprise's token sees the protected part, and the view is audited.
    let mut ent = app.login("enterprise").await;
    let page = ent.post("/me/tokens", &[("name", "采购系统")]).await;
    let secret = page
        .body
        .split("data-testid=\"token-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    let mut api = app.client();
    api.headers
        .insert("authorization", format!("Bearer {secret}").parse().unwrap());
    let full = api.get(&format!("/api/v1/achievements/{id}")).await.json();
    assert!(full["protected"]["contact_phone"].is_string(), "{full}");
    let audit = ztc_store::audit::list(
        &app.db.store,
        &ztc_store::audit::Filter {
            object_id: Some(id.clone()),
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
            .any(|r| r.action == "achievement.view_protected"
                && r.actor_name.as_deref() == Some("enterprise"))
    );
    // Drafts do not exist for outsiders.
    let draft = ztc_store::achievements::list(
        &app.db.store,
        &ztc_store::achievements::Filter {
            status: Some(ztc_domain::achievement::Status::Draft),
            ..Default::default()
        },
        1,
        1,
    )
    .await
    .unwrap()
    .items
    .remove(0);
    let r = api.get(&format!("/api/v1/achievements/{}", draft.id)).await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(
        anon.get("/api/v1/achievements?page=-5&per_page=100000")
            .await
            .status,
        StatusCode::OK,
        "odd paging is clamped"
    );
}
