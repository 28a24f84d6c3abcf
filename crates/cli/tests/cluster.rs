//! Two `ztc serve` processes against one PostgreSQL database, each with its own data
//! folder and search index: a change made through one is searchable through the
//! other within seconds (each index follows the shared outbox).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ztc_store::testing::TestDb;

/// A running server; killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(url: &str, data: &std::path::Path, demo: bool) -> Server {
    let port = free_port();
    let mut c = Command::new(env!("CARGO_BIN_EXE_ztc"));
    for var in ["ZTC_BIND", "ZTC_DATA_DIR", "ZTC_DATABASE_URL", "RUST_LOG"] {
        c.env_remove(var);
    }
    c.env("DATABASE_URL", url)
        .env("ZTC_LOG", "warn")
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")]);
    if demo {
        c.arg("--demo");
    }
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines {
        if line.unwrap().contains("listening on") {
            return Server { child, port };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("ztc serve exited before listening");
}

/// A response: status, the `Set-Cookie` values, the body.
struct Resp {
    status: u16,
    cookies: Vec<String>,
    body: String,
}

fn http(port: u16, method: &str, path: &str, cookie: &str, form: &[(&str, &str)]) -> Resp {
    let body: String = form_urlencoded(form);
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nCookie: {cookie}\r\n"
    );
    if method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let cookies = head
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
        .collect();
    let chunked = head.to_lowercase().contains("transfer-encoding: chunked");
    Resp {
        status,
        cookies,
        body: if chunked {
            dechunk(rest)
        } else {
            rest.to_owned()
        },
    }
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(after.get(..n).unwrap_or(after));
        rest = after.get(n + 2..).unwrap_or("");
    }
    out
}

fn form_urlencoded(form: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    form.iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The CSRF token of the first form on a page.
fn csrf(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

fn merge(jar: &mut Vec<String>, set: &[String]) {
    for c in set {
        let name = c.split('=').next().unwrap_or_default().to_owned();
        jar.retain(|x| !x.starts_with(&format!("{name}=")));
        jar.push(c.clone());
    }
}

#[tokio::test]
async fn a_change_through_one_server_is_searchable_through_the_other() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let dirs = tempfile::tempdir().unwrap();
    let a = serve(&db.url, &dirs.path().join("a"), true);
    let b = serve(&db.url, &dirs.path().join("b"), false);

    // Sign in on A as the agency and save a draft there.
    let mut jar = Vec::new();
    let login = http(a.port, "GET", "/login", "", &[]);
    merge(&mut jar, &login.cookies);
    let r = http(
        a.port,
        "POST",
        "/login",
        &jar.join("; "),
        &[
            ("csrf", &csrf(&login.body)),
            ("username", "agency"),
            ("password", "ztc-demo-2026"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    merge(&mut jar, &r.cookies);
    let cookie = jar.join("; ");
    let form = http(a.port, "GET", "/achievements/new", &cookie, &[]);
    assert_eq!(form.status, 200);
    let holder = form
        .body
        .split("<select id=\"holder_org\"")
        .nth(1)
        .and_then(|s| s.split("<option value=\"").nth(2))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let title = "跨进程同步验证：钒液流储能电池双极板";
    let saved = http(
        a.port,
        "POST",
        "/achievements",
        &cookie,
        &[
            ("csrf", &csrf(&form.body)),
            ("title", title),
            ("holder_org", &holder),
            ("channel", "agency_mining"),
            ("action", "save"),
            ("create_key", "cluster-1"),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let saved_at = Instant::now();

    // B finds it in the agency's manage view (same session: it lives in the database).
    let path = "/api/v1/search?q=%E9%92%92%E6%B6%B2%E6%B5%81&manage=1";
    let found = loop {
        let r = http(b.port, "GET", path, &cookie, &[]);
        assert_eq!(r.status, 200, "{}", r.body);
        if r.body.contains(title) {
            break saved_at.elapsed();
        }
        assert!(
            saved_at.elapsed() < Duration::from_secs(5),
            "not searchable through the other server after 5 s: {}",
            r.body
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!("searchable through the other server after {found:?}");
    // Not public: a draft is found only in the manage view.
    let public = http(b.port, "GET", path.trim_end_matches("&manage=1"), "", &[]);
    assert!(!public.body.contains(title), "{}", public.body);
    drop((a, b));
}
