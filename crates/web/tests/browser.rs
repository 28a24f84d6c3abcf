//! Browser journeys: headless Chromium, driven over WebDriver (chromedriver) with
//! fantoccini, against a running `ztc serve --demo`.
//!
//! Every test returns early (and passes) unless `ZTC_E2E_URL` names the server, so
//! a plain `cargo test` works on a machine without a browser. `scripts/e2e` starts
//! the server and chromedriver, sets `ZTC_E2E_URL` and `ZTC_WEBDRIVER_URL`
//! (default `http://127.0.0.1:9515`) and runs this file.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const PASSWORD: &str = "ztc-demo-2026";
const WAIT: Duration = Duration::from_secs(15);

/// One demo account: username, role code, workbench heading (zh-CN), role label (zh-CN).
struct Account {
    username: &'static str,
    role: &'static str,
    heading: &'static str,
    label: &'static str,
}

const ACCOUNTS: &[Account] = &[
    Account {
        username: "torch",
        role: "national_admin",
        heading: "火炬中心工作台",
        label: "火炬中心管理员",
    },
    Account {
        username: "szse",
        role: "szse_partner",
        heading: "深交所合作工作台",
        label: "深交所合作方",
    },
    Account {
        username: "gd-admin",
        role: "provincial_admin",
        heading: "省级科技管理部门工作台",
        label: "省级科技管理部门",
    },
    Account {
        username: "host",
        role: "host",
        heading: "承办单位工作台",
        label: "承办单位",
    },
    Account {
        username: "agency",
        role: "agency",
        heading: "技术转移机构工作台",
        label: "技术转移机构",
    },
    Account {
        username: "expert",
        role: "expert",
        heading: "评价专家工作台",
        label: "评价专家",
    },
    Account {
        username: "holder",
        role: "holder",
        heading: "成果持有人工作台",
        label: "成果持有人",
    },
    Account {
        username: "enterprise",
        role: "enterprise",
        heading: "企业工作台",
        label: "企业/园区/投资机构",
    },
];

/// The server under test, or `None` (test skipped) when `ZTC_E2E_URL` is unset.
fn base_url(test: &str) -> Option<String> {
    match std::env::var("ZTC_E2E_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u.trim().trim_end_matches('/').to_owned()),
        _ => {
            eprintln!("SKIPPED {test}: set ZTC_E2E_URL (and ZTC_WEBDRIVER_URL) or run scripts/e2e");
            None
        }
    }
}

fn webdriver_url() -> String {
    std::env::var("ZTC_WEBDRIVER_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:9515".to_owned())
}

/// Opens a fresh headless Chromium (its own empty profile), runs `journey` in it,
/// then closes the browser whatever happened, and only then fails the test if the
/// journey failed.
async fn with_browser<F>(base: &str, journey: F)
where
    F: AsyncFnOnce(&Browser) -> Result<()>,
{
    let profile = tempfile::Builder::new()
        .prefix("ztc-e2e-chromium-")
        .tempdir_in(std::env::temp_dir())
        .expect("temporary Chromium profile");
    let args = [
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--window-size=1280,900".to_owned(),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert("goog:chromeOptions".into(), json!({ "args": args }));
    let driver = webdriver_url();
    let client = ClientBuilder::rustls()
        .expect("TLS roots for the WebDriver client")
        .capabilities(caps)
        .connect(&driver)
        .await
        .unwrap_or_else(|e| panic!("cannot start Chromium through chromedriver at {driver}: {e}"));
    let browser = Browser {
        client,
        base: base.to_owned(),
    };
    let outcome = journey(&browser).await;
    let current = browser.client.current_url().await.ok();
    let closed = browser.client.close().await;
    drop(profile);
    if let Err(e) = outcome {
        let at = current.map(|u| u.to_string()).unwrap_or_default();
        panic!("journey failed (page {at}): {e:#}");
    }
    closed.expect("closing the browser session");
}

struct Browser {
    client: Client,
    base: String,
}

impl Browser {
    async fn open(&self, path: &str) -> Result<()> {
        let url = format!("{}{path}", self.base);
        self.client
            .goto(&url)
            .await
            .with_context(|| format!("open {url}"))
    }

    async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for `{css}`"))
    }

    async fn text(&self, css: &str) -> Result<String> {
        let el = self.wait_for(css).await?;
        Ok(el
            .text()
            .await
            .with_context(|| format!("text of `{css}`"))?
            .trim()
            .to_owned())
    }

    async fn path(&self) -> Result<String> {
        Ok(self.client.current_url().await?.path().to_owned())
    }

    /// Fills and submits the login form; does not wait for the next page.
    async fn submit_login(&self, username: &str, password: &str) -> Result<()> {
        self.open("/login").await?;
        let user = self.wait_for("#username").await?;
        user.clear().await?;
        user.send_keys(username).await?;
        let pass = self.wait_for("#password").await?;
        pass.send_keys(password).await?;
        self.wait_for("main form[action=\"/login\"] button[type=submit]")
            .await?
            .click()
            .await
            .context("click the login button")?;
        Ok(())
    }

    /// Logs in and waits for the role home on `/me`.
    async fn login(&self, username: &str) -> Result<fantoccini::elements::Element> {
        self.submit_login(username, PASSWORD).await?;
        let home = self
            .wait_for("[data-testid=role-home]")
            .await
            .with_context(|| format!("role home after logging in as {username}"))?;
        let path = self.path().await?;
        ensure!(path == "/me", "{username} landed on {path}, expected /me");
        Ok(home)
    }

    /// The `href` of every link in the main navigation, in order.
    async fn nav_links(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for a in self.client.find_all(Locator::Css("nav.nav a")).await? {
            out.push(a.attr("href").await?.unwrap_or_default());
        }
        Ok(out)
    }

    async fn js_i64(&self, script: &str) -> Result<i64> {
        let v = self.client.execute(script, vec![]).await?;
        v.as_i64()
            .or_else(|| v.as_f64().map(|f| f.ceil() as i64))
            .ok_or_else(|| anyhow!("script `{script}` returned {v}"))
    }
}

#[tokio::test]
async fn every_demo_role_reaches_its_workbench() {
    let Some(base) = base_url("every_demo_role_reaches_its_workbench") else {
        return;
    };
    for acct in ACCOUNTS {
        // One browser per login: a clean cookie jar, as a real first visit.
        with_browser(&base, async |b: &Browser| {
            let home = b.login(acct.username).await?;
            let role = home.attr("data-role").await?.unwrap_or_default();
            ensure!(
                role == acct.role,
                "{}: data-role is {role:?}, expected {:?}",
                acct.username,
                acct.role
            );
            let h1 = b.text("[data-testid=role-home] h1").await?;
            ensure!(
                h1 == acct.heading,
                "{}: heading is {h1:?}, expected {:?}",
                acct.username,
                acct.heading
            );
            let who = b.text("header [data-testid=who]").await?;
            ensure!(
                who.ends_with(&format!(" · {}", acct.label)),
                "{}: who badge is {who:?}, expected it to end with the role label {:?}",
                acct.username,
                acct.label
            );
            let html_lang = b
                .client
                .find(Locator::Css("html"))
                .await?
                .attr("lang")
                .await?;
            ensure!(
                html_lang.as_deref() == Some("zh-CN"),
                "{}: <html lang> is {html_lang:?}, expected zh-CN by default",
                acct.username
            );

            let nav = b.nav_links().await?;
            ensure!(
                nav.first().map(String::as_str) == Some("/") && nav.iter().any(|h| h == "/me"),
                "{}: nav {nav:?} lacks / or /me",
                acct.username
            );
            match acct.username {
                "torch" => {
                    for want in [
                        "/admin/users",
                        "/admin/audit",
                        "/admin/reference",
                        "/admin/registrations",
                    ] {
                        ensure!(
                            nav.iter().any(|h| h == want),
                            "torch: nav {nav:?} lacks {want}"
                        );
                    }
                }
                "holder" => {
                    ensure!(
                        nav == [
                            "/",
                            "/achievements",
                            "/demands",
                            "/me",
                            "/library/mine",
                            "/interests"
                        ],
                        "holder: nav is {nav:?}, expected the library, demands, the workbench, own achievements and interest only"
                    );
                }
                "enterprise" => {
                    ensure!(
                        nav == [
                            "/",
                            "/achievements",
                            "/demands",
                            "/me",
                            "/demands/mine",
                            "/interests",
                            "/me/digests"
                        ],
                        "enterprise: nav is {nav:?}, expected /, the library, demands, /me, own demands and interest only"
                    );
                }
                _ => {}
            }
            // Pages answer with no leftover login error or pending notice.
            let errors = b
                .client
                .find_all(Locator::Css("[data-testid=form-error], .notice"))
                .await?;
            ensure!(
                errors.is_empty(),
                "{}: unexpected error/notice on the workbench",
                acct.username
            );

            // The logout button is visible: its text colour differs from the header's.
            let same_colour = b
                .js_i64(
                    "const btn = document.querySelector('header form[action=\"/logout\"] button');\
                     const top = document.querySelector('header.top');\
                     return getComputedStyle(btn).color === getComputedStyle(top).backgroundColor ? 1 : 0;",
                )
                .await?;
            ensure!(same_colour == 0, "{}: logout button has the header's colour", acct.username);

            // Logging out through the header returns to an anonymous page.
            b.wait_for("header form[action=\"/logout\"] button")
                .await?
                .click()
                .await?;
            b.client
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css("header a[href=\"/login\"]"))
                .await
                .with_context(|| format!("{}: login link after logout", acct.username))?;
            ensure!(
                b.client
                    .find_all(Locator::Css("[data-testid=who]"))
                    .await?
                    .is_empty(),
                "{}: who badge still shown after logout",
                acct.username
            );
            Ok(())
        })
        .await;
    }
}

#[tokio::test]
async fn wrong_password_shows_error_and_stays_on_login() {
    let Some(base) = base_url("wrong_password_shows_error_and_stays_on_login") else {
        return;
    };
    with_browser(&base, async |b: &Browser| {
        b.submit_login("torch", "not-the-password").await?;
        let err = b.text("[data-testid=form-error]").await?;
        ensure!(err.contains("用户名或密码不正确"), "error text is {err:?}");
        let path = b.path().await?;
        ensure!(
            path == "/login",
            "after a wrong password the page is {path}"
        );
        ensure!(
            b.client
                .find_all(Locator::Css("[data-testid=role-home], [data-testid=who]"))
                .await?
                .is_empty(),
            "a wrong password must not sign in"
        );
        // The username is kept, the password is not echoed back.
        let user = b.wait_for("#username").await?.prop("value").await?;
        ensure!(
            user.as_deref() == Some("torch"),
            "username field holds {user:?}"
        );
        let pass = b.wait_for("#password").await?.prop("value").await?;
        ensure!(
            pass.as_deref().unwrap_or_default().is_empty(),
            "password field was refilled"
        );
        // And the form still works afterwards (fresh csrf token).
        let home = b.login("torch").await?;
        let role = home.attr("data-role").await?;
        ensure!(
            role.as_deref() == Some("national_admin"),
            "retry landed as {role:?}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn pending_holder_sees_waiting_notice() {
    let Some(base) = base_url("pending_holder_sees_waiting_notice") else {
        return;
    };
    with_browser(&base, async |b: &Browser| {
        let home = b.login("new-holder").await?;
        let role = home.attr("data-role").await?;
        ensure!(role.as_deref() == Some("holder"), "data-role is {role:?}");
        let notice = b.text(".notice").await?;
        ensure!(notice.contains("等待"), "pending notice is {notice:?}");
        let nav = b.nav_links().await?;
        ensure!(
            nav == ["/", "/achievements", "/demands", "/me"],
            "pending account nav is {nav:?}, expected only /, the library, demands and /me"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn language_switch_round_trip() {
    let Some(base) = base_url("language_switch_round_trip") else {
        return;
    };
    with_browser(&base, async |b: &Browser| {
        b.login("torch").await?;
        let zh = b.text("[data-testid=role-home] h1").await?;
        ensure!(zh == "火炬中心工作台", "Chinese heading is {zh:?}");

        b.open("/lang/en?next=/me").await?;
        b.wait_for("[data-testid=role-home]").await?;
        let path = b.path().await?;
        ensure!(path == "/me", "after /lang/en the page is {path}");
        let en = b.text("[data-testid=role-home] h1").await?;
        ensure!(en == "Torch Center workbench", "English heading is {en:?}");
        let lang = b
            .client
            .find(Locator::Css("html"))
            .await?
            .attr("lang")
            .await?;
        ensure!(
            lang.as_deref() == Some("en"),
            "<html lang> in English is {lang:?}"
        );
        let who = b.text("[data-testid=who]").await?;
        ensure!(
            who.ends_with("Torch Center administrator"),
            "English who badge is {who:?}"
        );
        // The choice sticks across pages (cookie).
        b.open("/").await?;
        let lang = b
            .client
            .find(Locator::Css("html"))
            .await?
            .attr("lang")
            .await?;
        ensure!(
            lang.as_deref() == Some("en"),
            "English did not stick: {lang:?}"
        );

        b.open("/lang/zh?next=/me").await?;
        b.wait_for("[data-testid=role-home]").await?;
        let back = b.text("[data-testid=role-home] h1").await?;
        ensure!(
            back == "火炬中心工作台",
            "heading after /lang/zh is {back:?}"
        );
        let lang = b
            .client
            .find(Locator::Css("html"))
            .await?
            .attr("lang")
            .await?;
        ensure!(
            lang.as_deref() == Some("zh-CN"),
            "<html lang> back in Chinese is {lang:?}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn phone_width_has_no_horizontal_overflow() {
    let Some(base) = base_url("phone_width_has_no_horizontal_overflow") else {
        return;
    };
    with_browser(&base, async |b: &Browser| {
        b.client.set_window_size(390, 844).await?;
        let check = async |what: &str| -> Result<()> {
            let inner = b.js_i64("return window.innerWidth;").await?;
            ensure!(
                inner <= 420,
                "{what}: viewport is {inner}px wide, the phone-size window did not apply"
            );
            let scroll = b
                .js_i64("return document.documentElement.scrollWidth;")
                .await?;
            if scroll > inner + 1 {
                let wide = b
                    .client
                    .execute(
                        "const w = window.innerWidth; return Array.from(document.querySelectorAll('body *'))\
                         .filter(e => e.getBoundingClientRect().right > w + 1)\
                         .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));",
                        vec![],
                    )
                    .await?;
                bail!("{what}: page is {scroll}px wide in a {inner}px viewport; too wide: {wide}");
            }
            Ok(())
        };
        b.open("/").await?;
        b.wait_for("main").await?;
        check("home page").await?;
        b.open("/login").await?;
        b.wait_for("#username").await?;
        check("login page").await?;
        // The busiest header: the national admin's, with every admin link.
        b.login("torch").await?;
        check("torch workbench").await?;
        Ok(())
    })
    .await;
}

impl Browser {
    /// Types `text` into the field with id `id` (after clearing it).
    async fn fill(&self, id: &str, text: &str) -> Result<()> {
        let el = self.wait_for(&format!("#{id}")).await?;
        el.clear().await?;
        el.send_keys(text)
            .await
            .with_context(|| format!("typing into #{id}"))
    }

    async fn select(&self, id: &str, value: &str) -> Result<()> {
        self.wait_for(&format!("select#{id}"))
            .await?
            .select_by_value(value)
            .await
            .with_context(|| format!("choosing {value} in #{id}"))
    }

    async fn click(&self, css: &str) -> Result<()> {
        self.wait_for(css)
            .await?
            .click()
            .await
            .with_context(|| format!("clicking `{css}`"))
    }

    /// Ticks the checkbox or radio whose label contains `label` inside `scope`.
    async fn tick(&self, scope: &str, label: &str) -> Result<()> {
        for l in self
            .client
            .find_all(Locator::Css(&format!("{scope} label.check")))
            .await?
        {
            if l.text().await?.contains(label) {
                return l
                    .find(Locator::Css("input"))
                    .await?
                    .click()
                    .await
                    .with_context(|| format!("ticking {label:?}"));
            }
        }
        bail!("no choice labelled {label:?} in `{scope}`")
    }

    /// Waits until the page at `path` has loaded (after a form post and redirect).
    async fn wait_path(&self, want: impl Fn(&str) -> bool) -> Result<String> {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let path = self.path().await?;
            if want(&path) {
                return Ok(path);
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "still on {path} after {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Opens the link whose text is `text` inside `scope`.
    async fn follow(&self, scope: &str, text: &str) -> Result<()> {
        self.wait_for(scope).await?;
        for a in self
            .client
            .find_all(Locator::Css(&format!("{scope} a")))
            .await?
        {
            if a.text().await?.trim() == text {
                return a
                    .click()
                    .await
                    .with_context(|| format!("following {text:?}"));
            }
        }
        bail!("no link {text:?} in `{scope}`")
    }
}

/// One evaluation through the form, as an expert.
async fn evaluate_in_browser(base: &str, expert: &str, title: &str) {
    with_browser(base, async |b: &Browser| {
        b.login(expert).await?;
        b.open("/evaluations").await?;
        b.follow("main table", title).await?;
        for (dim, score) in [
            ("leadership", "8"),
            ("feasibility", "7"),
            ("prospects", "8"),
            ("ip", "7"),
            ("team", "8"),
        ] {
            b.fill(dim, score).await?;
        }
        b.select("trl", "6").await?;
        b.click("input[name=recommendation][value=recommend]")
            .await?;
        b.fill("comment", "技术路线清晰，中试数据可信，建议入库。")
            .await?;
        b.click("main form button[type=submit]").await?;
        b.wait_path(|p| p == "/evaluations").await?;
        let notice = b.text(".success").await?;
        ensure!(notice.contains("评价已提交"), "{expert}: notice {notice:?}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_holder_submits_and_the_achievement_goes_through_review_into_the_library() {
    let Some(base) = base_url("a_holder_submits_and_the_achievement_goes_through_review") else {
        return;
    };
    // Unique per run, so the journey can run again against the same server.
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() % 1_000_000)
        .unwrap_or_default();
    let title = format!("柔性钙钛矿太阳能电池封装工艺{stamp}");

    // The holder saves a draft, is told what is missing, completes it and submits.
    let mut id = String::new();
    with_browser(&base, async |b: &Browser| {
        b.login("holder").await?;
        b.open("/achievements/new").await?;
        b.fill("title", &title).await?;
        b.click("button[name=action][value=save]").await?;
        let path = b.wait_path(|p| p.ends_with("/edit")).await?;
        let notice = b.text("[data-testid=notice]").await?;
        ensure!(notice.contains("草稿已保存"), "draft notice {notice:?}");

        b.fill("summary", "一种柔性钙钛矿电池的封装工艺，水氧阻隔性能好。")
            .await?;
        b.click("button[name=action][value=submit]").await?;
        let errors = b.text("[data-testid=form-error]").await?;
        ensure!(errors.contains("请"), "submission errors {errors:?}");
        let beside = b.client.find_all(Locator::Css(".field-error")).await?.len();
        ensure!(beside >= 5, "only {beside} messages beside the fields");
        let kept = b.wait_for("#summary").await?.prop("value").await?;
        ensure!(
            kept.as_deref().is_some_and(|v| v.contains("柔性钙钛矿")),
            "the typed summary was lost: {kept:?}"
        );

        b.select("subfield", "6.3").await?;
        b.fill("technical", "原子层沉积氧化铝与柔性阻隔膜复合封装。")
            .await?;
        b.fill("advantages", "水汽透过率较传统封装降低两个数量级。")
            .await?;
        b.select("tech_level", "domestic_leading").await?;
        b.select("trl", "6").await?;
        b.select("stage", "pilot").await?;
        b.tick("fieldset", "技术许可").await?;
        b.fill("market_path", "与组件厂商合作建设中试线。").await?;
        b.fill("applications", "建筑光伏一体化、可穿戴设备。")
            .await?;
        b.select("source", "self_developed").await?;
        b.fill("contact_name", "张伟").await?;
        b.fill("contact_phone", "020-88886666").await?;
        b.click("input[name=willing_to_present][value=yes]").await?;
        b.click("input[name=independent_ip]").await?;
        b.click("input[name=no_dispute]").await?;
        b.click("button[name=action][value=submit]").await?;
        let done = b
            .wait_path(|p| p.starts_with("/achievements/") && !p.ends_with("/edit"))
            .await?;
        ensure!(
            done == path.trim_end_matches("/edit"),
            "submitted page {done}, draft was {path}"
        );
        let state = b.text("[data-testid=achievement] .eyebrow").await?;
        ensure!(
            state.contains("待审核"),
            "status after submitting: {state:?}"
        );
        id = done.trim_start_matches("/achievements/").to_owned();
        Ok(())
    })
    .await;

    // The region's agency takes it and sends it to two outside experts.
    with_browser(&base, async |b: &Browser| {
        b.login("agency").await?;
        b.open("/review").await?;
        b.follow("main table", &title).await?;
        b.click("button[name=decision][value=take]").await?;
        b.wait_for("[data-testid=review] button[name=decision][value=accept]")
            .await?;
        let offered = b.text("[data-testid=review]").await?;
        ensure!(
            !offered.contains("李华 教授"),
            "the expert of the holder's own university is offered"
        );
        b.tick("[data-testid=review]", "赵敏 研究员").await?;
        b.tick("[data-testid=review]", "孙立 高级工程师").await?;
        b.click("button[name=decision][value=accept]").await?;
        b.wait_for("[data-testid=add-experts], [data-testid=verdict]")
            .await?;
        let state = b.text("[data-testid=achievement] .eyebrow").await?;
        ensure!(
            state.contains("专家评价中"),
            "status after accepting: {state:?}"
        );
        Ok(())
    })
    .await;

    evaluate_in_browser(&base, "expert2", &title).await;
    evaluate_in_browser(&base, "expert3", &title).await;

    // The evaluation supports publication; the agency publishes; everyone sees it.
    with_browser(&base, async |b: &Browser| {
        b.login("agency").await?;
        b.open(&format!("/achievements/{id}")).await?;
        let verdict = b.text("[data-testid=verdict]").await?;
        ensure!(
            verdict.contains("符合入库条件"),
            "verdict before publishing: {verdict:?}"
        );
        b.click("button[name=decision][value=publish]").await?;
        b.wait_for("button[name=decision][value=archive]").await?;
        Ok(())
    })
    .await;
    with_browser(&base, async |b: &Browser| {
        b.open(&format!("/achievements?q={title}")).await?;
        b.follow("main", &title).await?;
        let page = b.text("[data-testid=achievement]").await?;
        ensure!(page.contains("柔性钙钛矿"), "public page: {page:?}");
        b.wait_for("[data-testid=protected-hidden]").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn searching_the_library_with_facets_and_suggestions() {
    let Some(base) = base_url("searching_the_library_with_facets_and_suggestions") else {
        return;
    };
    with_browser(&base, async |b: &Browser| {
        b.open("/").await?;
        let input = b
            .wait_for("[data-testid=home-search] input[name=q]")
            .await?;
        input.send_keys("电池").await?;
        b.click("[data-testid=home-search] button").await?;
        b.wait_path(|p| p == "/search").await?;
        let count = b.text("[data-testid=result-count]").await?;
        let total: u64 = count
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0);
        ensure!(total > 0, "no results for 电池: {count:?}");
        let marks = b
            .js_i64("return document.querySelectorAll('[data-testid=hit] mark').length;")
            .await?;
        ensure!(marks > 0, "no highlighted words");

        // A facet narrows the results and shows as a removable filter.
        let facet = b.wait_for("[data-testid=facets] li a").await?;
        let label = facet.text().await?;
        facet.click().await?;
        b.wait_for("[data-testid=active-filters]").await?;
        let narrowed = b.text("[data-testid=result-count]").await?;
        ensure!(
            narrowed != count,
            "the facet {label:?} did not narrow {count:?}"
        );
        b.click("[data-testid=active-filters] a").await?;
        b.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid=facets]"))
            .await?;

        // Suggestions while typing come from titles and keywords.
        let q = b.wait_for("input[data-suggest]").await?;
        q.clear().await?;
        q.send_keys("基于").await?;
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let n = b
                .js_i64("return document.querySelectorAll('#search-suggestions option').length;")
                .await?;
            if n > 0 {
                break;
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "no suggestions for 基于"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // Nothing found: a helpful answer rather than an empty page.
        b.open("/search?q=qwzxvkj").await?;
        let none = b.text("[data-testid=no-results]").await?;
        ensure!(none.contains("没有找到"), "empty answer: {none:?}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn an_enterprise_posts_a_demand_a_holder_proposes_and_they_connect() {
    let Some(base) = base_url("an_enterprise_posts_a_demand_a_holder_proposes") else {
        return;
    };
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() % 1_000_000)
        .unwrap_or_default();
    let title = format!("注塑件缩痕在线检测{stamp}");
    let mut url = String::new();
    // The enterprise is told what is missing, completes the form and submits.
    with_browser(&base, async |b: &Browser| {
        b.login("enterprise").await?;
        b.open("/demands/new").await?;
        b.fill("title", &title).await?;
        b.click("button[name=action][value=submit]").await?;
        let errors = b.text("[data-testid=form-error]").await?;
        ensure!(errors.contains("请填写需求描述"), "errors {errors:?}");
        b.select("subfield", "2.1").await?;
        b.fill(
            "problem",
            "我厂注塑车间每天生产约三万件家电外壳，缩痕和银纹靠人工目检，漏检率约百分之三，希望用机器视觉在线检测。",
        )
        .await?;
        b.tick("fieldset", "合作开发").await?;
        b.select("trl_min", "5").await?;
        b.client
            .execute(
                "const d = new Date(Date.now() + 30 * 864e5); document.getElementById('deadline').value = d.toISOString().slice(0, 10);",
                vec![],
            )
            .await?;
        b.click("button[name=action][value=submit]").await?;
        let path = b
            .wait_path(|p| p.starts_with("/demands/") && p.len() > 20)
            .await?;
        let state = b.text("[data-testid=demand-status]").await?;
        ensure!(state.contains("待审核"), "state {state:?}");
        url = path;
        Ok(())
    })
    .await;
    // The region's administrator publishes it.
    with_browser(&base, async |b: &Browser| {
        b.login("gd-admin").await?;
        b.open("/demands/review").await?;
        b.follow("main", &title).await?;
        b.click("button[name=decision][value=publish]").await?;
        let notice = b.text("[data-testid=notice]").await?;
        ensure!(notice.contains("公开"), "notice {notice:?}");
        Ok(())
    })
    .await;
    // A holder finds it in the public list and proposes.
    with_browser(&base, async |b: &Browser| {
        b.login("holder").await?;
        b.open("/demands?q=注塑件缩痕").await?;
        b.follow("main", &title).await?;
        b.fill("approach", "基于深度学习的表面缺陷检测，已在两条产线验证。")
            .await?;
        b.select("trl", "6").await?;
        b.fill("team", "教授 1 人，工程师 3 人。").await?;
        b.select("cooperation_mode", "joint_development").await?;
        b.click("[data-testid=answer-form] button[type=submit]")
            .await?;
        let notice = b.text("[data-testid=notice]").await?;
        ensure!(notice.contains("方案已提交"), "notice {notice:?}");
        Ok(())
    })
    .await;
    // The enterprise accepts; the holder then sees its contact.
    with_browser(&base, async |b: &Browser| {
        b.login("enterprise").await?;
        b.open(&url).await?;
        b.click("[data-testid=answer] button[name=decision][value=accept]")
            .await?;
        // The page after the decision carries a notice; the one before does not.
        let notice = b.text("[data-testid=notice]").await?;
        ensure!(notice.contains("已接受"), "notice {notice:?}");
        let state = b.text("[data-testid=answer-status]").await?;
        ensure!(state.contains("已接受"), "answer state {state:?}");
        b.wait_for("[data-testid=answer-contact]").await?;
        Ok(())
    })
    .await;
    with_browser(&base, async |b: &Browser| {
        b.login("holder").await?;
        b.open(&url).await?;
        let contact = b.text("[data-testid=demand-contact]").await?;
        ensure!(!contact.is_empty(), "no contact after acceptance");
        Ok(())
    })
    .await;
}
