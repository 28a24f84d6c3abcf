//! `TestApp` (a migrated database with the demo data) and `Client` (cookies, CSRF).

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;
use ztc_store::testing::TestDb;
use ztc_web::{App, Settings, demo};

pub const PW: &str = demo::PASSWORD;

pub struct TestApp {
    pub db: TestDb,
    /// The data folder (attachment files) of this app.
    pub dir: tempfile::TempDir,
    pub router: Router,
    pub state: ztc_web::AppState,
}

impl TestApp {
    async fn from_db(db: TestDb) -> TestApp {
        demo::load(&db.store).await.expect("demo data");
        let dir = tempfile::tempdir().expect("data folder");
        let settings = Settings {
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        let app = App::with_store(db.store.clone(), settings).expect("app");
        let router = app.router();
        TestApp {
            db,
            dir,
            router,
            state: app.state,
        }
    }

    pub async fn new() -> TestApp {
        TestApp::from_db(TestDb::sqlite().await).await
    }

    /// SQLite, and PostgreSQL when it is available.
    pub async fn all() -> Vec<TestApp> {
        let mut v = Vec::new();
        for db in TestDb::all().await {
            v.push(TestApp::from_db(db).await);
        }
        v
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: BTreeMap::new(),
            headers: HeaderMap::new(),
        }
    }

    /// A client signed in as `username` (demo password).
    pub async fn login(&self, username: &str) -> Client {
        let mut c = self.client();
        let r = c.login(username, PW).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login as {username}: {}",
            r.body
        );
        c
    }

    pub async fn member(&self, username: &str) -> ztc_store::users::Member {
        ztc_store::users::member_by_username(&self.db.store, username)
            .await
            .unwrap()
            .expect("member exists")
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (for files).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn csrf(&self) -> Option<String> {
        let i = self.body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
        Some(self.body[i..].split('"').next()?.to_owned())
    }
}

pub struct Client {
    router: Router,
    cookies: BTreeMap<String, String>,
    /// Extra headers sent with every request (e.g. Authorization).
    pub headers: HeaderMap,
}

impl Client {
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let c = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            b = b.header(header::COOKIE, c);
        }
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        for (k, v) in &self.headers {
            b = b.header(k, v);
        }
        let res = self
            .router
            .clone()
            .oneshot(b.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        for sc in res.headers().get_all(header::SET_COOKIE) {
            let s = sc.to_str().unwrap();
            let (kv, attrs) = s.split_once(';').unwrap_or((s, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Method::GET, path, None, Vec::new()).await
    }

    /// The CSRF token this client's forms carry now.
    pub async fn csrf(&mut self) -> String {
        let page = if self.signed_in() {
            "/me/password"
        } else {
            "/login"
        };
        let r = self.get(page).await;
        r.csrf()
            .unwrap_or_else(|| panic!("no csrf on {page}: {} {}", r.status, r.body))
    }

    /// Posts a form with a valid CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts a form exactly as given (no CSRF added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await
    }

    pub async fn post_json(&mut self, path: &str, json: &serde_json::Value) -> Resp {
        self.send(
            Method::POST,
            path,
            Some("application/json"),
            json.to_string().into_bytes(),
        )
        .await
    }

    /// Posts `multipart/form-data`: (field, file name, bytes). The CSRF token goes in
    /// the query, as the upload forms do.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        parts: &[(&str, Option<&str>, Vec<u8>)],
    ) -> Resp {
        let token = self.csrf().await;
        let boundary = "ztc-test-boundary-7d3f";
        let mut body = Vec::new();
        for (name, file, bytes) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match file {
                Some(f) => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes()),
                None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
            }
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = if path.contains("csrf=") {
            path.to_owned()
        } else {
            format!("{path}{sep}csrf={token}")
        };
        self.send(
            Method::POST,
            &url,
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
        )
        .await
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        self.post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/me"),
            ],
        )
        .await
    }

    pub fn signed_in(&self) -> bool {
        self.cookies.contains_key("ztc_session")
    }
}
