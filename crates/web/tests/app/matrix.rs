//! The role × route matrix: every route of `ROUTES`, requested as every kind of
//! visitor, classified as `ok` (past the policy), `deny` (403), `login` (asked to
//! sign in) or `hidden` (404: it does not exist for this visitor). The table is a snapshot: loosening (or tightening) any rule changes it
//! and fails this test until the new table is reviewed and accepted.

use axum::http::{Method, StatusCode};
use ztc_domain::{AccountStatus, Role, password};
use ztc_store::users::{self, NewUser};
use ztc_web::routes::ROUTES;

use crate::support::{Client, Resp, TestApp};

const VISITORS: &[&str] = &[
    "anonymous",
    "torch",
    "szse",
    "gd-admin",
    "js-admin",
    "host",
    "agency",
    "expert",
    "holder",
    "enterprise",
    "new-holder",
];

/// What the rows act upon, in Guangdong (unit 44) and in Jiangsu (unit 32).
struct Targets {
    /// A draft of a Guangdong university, owned by an account nobody signs in as.
    gd_draft: String,
    gd_user: String,
    js_user: String,
    gd_org: String,
    js_org: String,
}

/// Extra accounts to act upon, so that the demo logins stay usable.
async fn targets(app: &TestApp) -> Targets {
    let s = &app.db.store;
    let ctx = ztc_store::Ctx::system("test");
    let gd_org = app.member("holder").await.user.org_id;
    let js_org = app.member("js-holder").await.user.org_id;
    let mk = |name: &str| NewUser {
        username: name.into(),
        display_name: name.into(),
        email: None,
        phone: None,
        password_hash: password::hash("target-password-1"),
        role: Role::Holder,
        status: AccountStatus::Active,
        must_change_password: false,
    };
    let gd = users::create(s, &ctx, &gd_org, &mk("gd-target"))
        .await
        .unwrap();
    let js = users::create(s, &ctx, &js_org, &mk("js-target"))
        .await
        .unwrap();
    let draft = ztc_store::achievements::NewAchievement {
        details: ztc_domain::achievement::Details {
            title: "矩阵测试草稿".into(),
            ..Default::default()
        },
        status: ztc_domain::achievement::Status::Draft,
        holder_org_id: gd_org.clone(),
        owner_id: Some(gd.id.clone()),
        channel: ztc_domain::achievement::Channel::SelfNomination,
        channel_ref: None,
        create_key: None,
    };
    let a = ztc_store::achievements::create(s, &ctx, &gd.id, &draft)
        .await
        .unwrap();
    Targets {
        gd_draft: a.id,
        gd_user: gd.id,
        js_user: js.id,
        gd_org,
        js_org,
    }
}

fn classify(path: &str, r: &Resp) -> &'static str {
    let api = path.starts_with("/api/");
    let login = if api {
        r.status == StatusCode::UNAUTHORIZED && r.body.contains("login_required")
    } else {
        r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next=")
    };
    if login {
        "login"
    } else if r.status == StatusCode::FORBIDDEN {
        "deny"
    } else if r.status == StatusCode::NOT_FOUND {
        "hidden"
    } else if r.status.is_server_error() {
        "ERROR"
    } else {
        "ok"
    }
}

/// Concrete requests for a route pattern: (label, path).
fn instances(pattern: &str, t: &Targets) -> Vec<(String, String)> {
    let (gd, js) = if pattern.contains("/admin/orgs/{id}") {
        (&t.gd_org, &t.js_org)
    } else {
        (&t.gd_user, &t.js_user)
    };
    if pattern.contains("/admin/users/{id}")
        || pattern.contains("/admin/registrations/{id}")
        || pattern.contains("/admin/orgs/{id}")
    {
        return vec![
            (
                pattern.replace("{id}", "{same-unit(44)}"),
                pattern.replace("{id}", gd),
            ),
            (
                pattern.replace("{id}", "{other-unit(32)}"),
                pattern.replace("{id}", js),
            ),
        ];
    }
    if pattern.starts_with("/achievements/{id}") || pattern == "/api/v1/achievements/{id}" {
        return vec![(
            pattern.replace("{id}", "{gd-draft}"),
            pattern.replace("{id}", &t.gd_draft),
        )];
    }
    let path = pattern
        .replace("{code}", "en")
        .replace("{vocab}", "trl")
        .replace("{id}", "no-such-token");
    vec![(pattern.to_owned(), path)]
}

async fn request(c: &mut Client, method: &str, path: &str) -> Resp {
    match method {
        "GET" => c.get(path).await,
        "POST" if path.starts_with("/api/") => {
            let token = c.csrf().await;
            c.headers.insert("x-csrf-token", token.parse().unwrap());
            let r = c.post_json(path, &serde_json::json!({})).await;
            c.headers.remove("x-csrf-token");
            r
        }
        // `status=bogus` keeps the status route from changing anything.
        "POST" => c.post(path, &[("status", "bogus")]).await,
        _ => {
            c.send(
                Method::from_bytes(method.as_bytes()).unwrap(),
                path,
                None,
                Vec::new(),
            )
            .await
        }
    }
}

#[tokio::test]
async fn role_route_matrix() {
    let app = TestApp::new().await;
    let t = targets(&app).await;
    let mut clients = Vec::new();
    for v in VISITORS {
        clients.push(if *v == "anonymous" {
            app.client()
        } else {
            app.login(v).await
        });
    }
    let mut table = String::new();
    table.push_str(&format!("{:<52}", "route"));
    for v in VISITORS {
        table.push_str(&format!(" {v:>10}"));
    }
    table.push('\n');
    for (method, pattern) in ROUTES {
        // Signing out would end the visitor's session for the following rows.
        if *pattern == "/logout" {
            continue;
        }
        for (label, path) in instances(pattern, &t) {
            table.push_str(&format!("{:<52}", format!("{method} {label}")));
            for c in clients.iter_mut() {
                let r = request(c, method, &path).await;
                table.push_str(&format!(" {:>10}", classify(&path, &r)));
            }
            table.push('\n');
        }
    }
    assert!(
        !table.contains("ERROR"),
        "a request failed with a server error:\n{table}"
    );
    insta::assert_snapshot!(table);
}

#[test]
fn routes_list_matches_the_router_source() {
    let sources = [
        include_str!("../../src/routes/mod.rs"),
        include_str!("../../src/api.rs"),
    ];
    let mut declared = Vec::new();
    for src in sources {
        // Whitespace removed, so that routes rustfmt wrapped over lines read the same.
        let flat: String = src.split_whitespace().collect();
        for part in flat.split(".route(\"").skip(1) {
            let path = part.split('"').next().unwrap();
            let handlers = part.split(".route(").next().unwrap_or_default();
            for (m, needles) in [("GET", [",get(", ".get("]), ("POST", [",post(", ".post("])] {
                if needles.iter().any(|n| handlers.contains(n)) {
                    declared.push((m.to_owned(), path.to_owned()));
                }
            }
        }
    }
    declared.sort();
    let mut listed: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    listed.sort();
    assert_eq!(
        declared, listed,
        "ROUTES must list exactly the routes the router declares"
    );
}
