//! The `ztc` binary as a user meets it: help, bad configurations (one clear line and
//! a non-zero exit), accounts, backup and restore, and `serve --demo`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};

fn ztc(data: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ztc"));
    for var in [
        "DATABASE_URL",
        "ZTC_BIND",
        "ZTC_DATA_DIR",
        "ZTC_DATABASE_URL",
        "ZTC_LOG",
        "RUST_LOG",
    ] {
        c.env_remove(var);
    }
    c.arg("--data-dir").arg(data);
    c
}

fn run(mut c: Command, stdin: &str) -> Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failure: non-zero exit and exactly one line on stderr containing `expect`.
fn assert_one_line_failure(o: &Output, expect: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "should fail: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(expect), "{expect:?} in {err:?}");
}

#[test]
fn help_names_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        {
            let mut c = ztc(dir.path());
            c.arg("--help");
            c
        },
        "",
    );
    let out = String::from_utf8_lossy(&o.stdout);
    for sub in ["serve", "migrate", "user", "backup", "restore", "demo"] {
        assert!(out.contains(sub), "{sub}");
    }
    let o = run(
        {
            let mut c = ztc(dir.path());
            c.args(["serve", "--help"]);
            c
        },
        "",
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("--demo"));
}

#[test]
fn unwritable_data_folder_stops_with_one_line() {
    let o = run(
        {
            let mut c = ztc(std::path::Path::new("/proc/ztc-cannot-write-here"));
            c.arg("migrate");
            c
        },
        "",
    );
    assert_one_line_failure(&o, "数据目录");
}

#[test]
fn unreachable_database_stops_with_one_line_and_no_password() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = ztc(dir.path());
    c.env("DATABASE_URL", "postgres://ztc:s3cret-pw@127.0.0.1:1/ztc")
        .arg("migrate");
    let o = run(c, "");
    assert_one_line_failure(&o, "无法连接数据库");
    assert!(
        !stderr(&o).contains("s3cret-pw"),
        "the password is redacted"
    );
}

#[test]
fn port_in_use_stops_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut c = ztc(dir.path());
    c.args(["serve", "--bind", &addr]);
    assert_one_line_failure(&run(c, ""), "无法监听");
}

#[test]
fn bad_settings_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ztc.toml");
    std::fs::write(&file, "bnid = \"127.0.0.1:1\"\n").unwrap();
    let mut c = ztc(dir.path());
    c.arg("--config").arg(&file).arg("migrate");
    assert_one_line_failure(&run(c, ""), "配置错误");
    let mut c = ztc(dir.path());
    c.arg("--config")
        .arg(dir.path().join("missing.toml"))
        .arg("migrate");
    assert_one_line_failure(&run(c, ""), "配置文件不存在");
}

#[test]
fn a_bad_search_cache_size_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["abc", "-5", "1.5"] {
        let mut c = ztc(dir.path());
        c.env("ZTC_SEARCH_CACHE_MB", bad).arg("migrate");
        assert_one_line_failure(&run(c, ""), "配置错误");
    }
    let file = dir.path().join("ztc.toml");
    std::fs::write(&file, "search_cache_mb = \"lots\"\n").unwrap();
    let mut c = ztc(dir.path());
    c.arg("--config").arg(&file).arg("migrate");
    assert_one_line_failure(&run(c, ""), "配置错误");
}

fn add_admin(data: &std::path::Path, username: &str, password: &str) -> Output {
    let mut c = ztc(data);
    c.args([
        "user",
        "add",
        "--username",
        username,
        "--name",
        "平台管理员",
        "--role",
        "national_admin",
        "--org",
        "科技部火炬中心",
        "--org-kind",
        "torch_center",
        "--region",
        "110100",
    ]);
    run(c, &format!("{password}\n"))
}

#[test]
fn user_add_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("a");
    let ok = add_admin(&data, "root-admin", "first-admin-password");
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("root-admin"));
    assert_one_line_failure(
        &add_admin(&data, "root-admin", "first-admin-password"),
        "该用户名已被使用",
    );
    assert_one_line_failure(
        &add_admin(&data, "second", "short"),
        "密码至少需要 10 个字符",
    );
    let mut c = ztc(&data);
    c.args([
        "user",
        "add",
        "--username",
        "x1x",
        "--name",
        "某人",
        "--role",
        "superuser",
        "--org",
        "科技部火炬中心",
    ]);
    assert_one_line_failure(&run(c, "long-enough-password\n"), "未知角色");
    let mut c = ztc(&data);
    c.args([
        "user",
        "add",
        "--username",
        "x2x",
        "--name",
        "某人",
        "--role",
        "holder",
        "--org",
        "不存在的大学",
    ]);
    assert_one_line_failure(&run(c, "long-enough-password\n"), "机构不存在");

    let backup = dir.path().join("ztc-backup.json.gz");
    let mut c = ztc(&data);
    c.arg("backup").arg(&backup);
    let o = run(c, "");
    assert!(o.status.success(), "{}", stderr(&o));

    let other = dir.path().join("b");
    let mut c = ztc(&other);
    c.arg("restore").arg(&backup);
    assert_one_line_failure(&run(c, ""), "--yes");
    let garbage = dir.path().join("garbage.gz");
    std::fs::write(&garbage, b"this is not a backup").unwrap();
    let mut c = ztc(&other);
    c.arg("restore").arg(&garbage).arg("--yes");
    assert_one_line_failure(&run(c, ""), "不是有效的备份文件");
    let mut c = ztc(&other);
    c.arg("restore").arg(&backup).arg("--yes");
    let o = run(c, "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_one_line_failure(
        &add_admin(&other, "root-admin", "first-admin-password"),
        "该用户名已被使用",
    );
}

#[test]
fn serve_demo_prints_logins_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = ztc(dir.path());
    c.args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .env("ZTC_LOG", "warn");
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("listening on") {
            break;
        }
    }
    assert!(
        seen.contains("ztc-demo-2026") && seen.contains("gd-admin") && seen.contains("torch"),
        "{seen}"
    );
    assert!(seen.contains(&format!("http://127.0.0.1:{port}")), "{seen}");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        resp.starts_with("HTTP/1.1 200") && resp.ends_with("ok"),
        "{resp}"
    );
    assert!(
        dir.path().join("ztc.db").exists()
            && dir.path().join("index").is_dir()
            && dir.path().join("files").is_dir()
    );
}

fn sample(title: &str) -> ztc_domain::achievement::Details {
    let f = ztc_domain::achievement::Form {
        title: title.into(),
        subfield: "1.5".into(),
        summary: "视觉检测。".into(),
        technical: "深度学习。".into(),
        advantages: "更准。".into(),
        tech_level: "domestic_leading".into(),
        trl: "6".into(),
        stage: "pilot".into(),
        cooperation_modes: vec!["licence".into()],
        market_path: "许可。".into(),
        applications: "质检。".into(),
        source: "self_developed".into(),
        contact_name: "王工".into(),
        contact_phone: "020-88886666".into(),
        willing_to_present: "yes".into(),
        ..Default::default()
    };
    ztc_domain::achievement::validate(&f, &ztc_domain::vocab::Vocabulary::builtin().unwrap(), true)
        .unwrap()
}

#[test]
fn import_achievements_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    assert!(
        add_admin(&data, "importer", "bulk-loader-pass-1")
            .status
            .success()
    );
    let mut c = ztc(&data);
    c.args([
        "user",
        "add",
        "--username",
        "prof-wu",
        "--name",
        "吴教授",
        "--role",
        "holder",
        "--org",
        "东海大学",
        "--org-kind",
        "university",
        "--region",
        "310100",
    ]);
    assert!(run(c, "long-enough-password\n").status.success());
    let vocab = ztc_domain::vocab::Vocabulary::builtin().unwrap();
    let good: Vec<ztc_exchange::ExportRow> = ["导入一", "导入二"]
        .iter()
        .map(|t| sample(t).into())
        .collect();
    let file = dir.path().join("good.xlsx");
    std::fs::write(
        &file,
        ztc_exchange::export_xlsx(&good, &vocab, &Default::default()).unwrap(),
    )
    .unwrap();
    let mut c = ztc(&data);
    c.args(["import", "achievements"])
        .arg(&file)
        .args(["--org", "东海大学"]);
    let o = run(c, "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("已导入 2 项"));

    // One bad row: nothing imported, every problem printed with its row.
    let mut bad = good.clone();
    bad[0].details.title = "导入三".into();
    bad[1].details.title = "很".repeat(120);
    let file = dir.path().join("bad.xlsx");
    std::fs::write(
        &file,
        ztc_exchange::export_xlsx(&bad, &vocab, &Default::default()).unwrap(),
    )
    .unwrap();
    let mut c = ztc(&data);
    c.args(["import", "achievements"])
        .arg(&file)
        .args(["--org", "东海大学"]);
    let o = run(c, "");
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("第 3 行") && stderr(&o).contains("成果名称不能超过 100 个字符"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("未导入任何数据"));
    let mut c = ztc(&data);
    c.args(["import", "achievements"])
        .arg(&file)
        .args(["--org", "东海大学", "--skip-invalid"]);
    let o = run(c, "");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("已导入 1 项"),
        "{}",
        stderr(&o)
    );
    // The same file again: its valid row is now a duplicate of the library.
    let mut c = ztc(&data);
    c.args(["import", "achievements"])
        .arg(&file)
        .args(["--org", "东海大学", "--skip-invalid"]);
    let o = run(c, "");
    assert!(stderr(&o).contains("库中已有同名成果“导入三”"));
    let garbage = dir.path().join("x.xlsx");
    std::fs::write(&garbage, b"PK\x03\x04 truncated").unwrap();
    let mut c = ztc(&data);
    c.args(["import", "achievements"])
        .arg(&garbage)
        .args(["--org", "东海大学"]);
    let o = run(c, "");
    assert!(
        !o.status.success() && stderr(&o).trim().lines().count() == 1,
        "{}",
        stderr(&o)
    );
}

#[test]
fn reindex_rebuilds_and_refuses_while_a_server_holds_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = ztc(dir.path());
    c.arg("demo");
    let o = run(c, "");
    assert!(o.status.success(), "{}", stderr(&o));
    let mut c = ztc(dir.path());
    c.arg("reindex");
    let o = run(c, "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("已重建搜索索引：1000 项"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // A running server holds the index: a clear line, nothing changed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = ztc(dir.path());
    c.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("ZTC_LOG", "warn");
    let mut server = c
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let up = lines.any(|l| l.is_ok_and(|l| l.contains("listening on")));
    let mut c = ztc(dir.path());
    c.arg("reindex");
    let o = run(c, "");
    server.kill().unwrap();
    let _ = server.wait();
    assert!(up, "the server started");
    assert_one_line_failure(&o, "运行中的 ztc serve");
}
