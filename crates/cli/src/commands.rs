//! What each subcommand does.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use tracing_subscriber::EnvFilter;
use ztc_domain::{AccountStatus, OrgKind, Role, password, text};
use ztc_store::orgs::{self, NewOrg};
use ztc_store::users::{self, NewUser};
use ztc_store::{Ctx, Store, backup, redact_url};
use ztc_web::{App, Settings, batch, demo};

use crate::{Command, ImportCommand, UserCommand};

fn init_logging(settings: &Settings) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.log));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// Creates the data folder and its sub-folders, and proves it is writable.
fn prepare_data_dir(settings: &Settings) -> anyhow::Result<()> {
    let dir = &settings.data_dir;
    let fail = |e: std::io::Error| {
        anyhow!(
            "无法写入数据目录 {} / data folder not writable: {e}",
            dir.display()
        )
    };
    for sub in ["", "index", "files"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(fail)?;
    }
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    if settings.uses_sqlite() {
        prepare_data_dir(settings)?;
    }
    let url = settings.database_url();
    let store = tokio::time::timeout(Duration::from_secs(15), Store::connect(&url))
        .await
        .map_err(|_| {
            anyhow!(
                "连接数据库超时 / database connection timed out: {}",
                redact_url(&url)
            )
        })?
        .map_err(|e| {
            anyhow!(
                "无法连接数据库 / cannot open the database {}: {e}",
                redact_url(&url)
            )
        })?;
    store
        .migrate()
        .await
        .map_err(|e| anyhow!("数据库迁移失败 / migration failed: {e}"))?;
    Ok(store)
}

async fn load_library(store: &Store) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message("载入演示成果库 / loading the demo library (1,000 achievements)…");
    spinner.enable_steady_tick(Duration::from_millis(120));
    let added = ztc_web::demo_library::load(store).await?;
    spinner.finish_and_clear();
    if added > 0 {
        println!(
            "演示成果库已载入 {added} 项 / demo library: {added} achievements in {:.1}s",
            started.elapsed().as_secs_f64()
        );
    }
    let demands = ztc_web::demo_demands::load(store).await?;
    if demands > 0 {
        println!("演示技术需求已载入 {demands} 项 / demo demands: {demands}");
    }
    Ok(())
}

fn print_logins(logins: &[demo::Login]) {
    println!("演示账号 / demo accounts (password: {}):", demo::PASSWORD);
    for l in logins {
        let note = if l.status == AccountStatus::Pending {
            "  （待审核 / pending）"
        } else {
            ""
        };
        println!(
            "  {:<16} {:<22} {}{}",
            l.username,
            l.role.label_zh(),
            l.org,
            note
        );
    }
}

pub async fn run(cmd: Command, settings: Settings) -> anyhow::Result<()> {
    init_logging(&settings);
    match cmd {
        Command::Serve {
            demo: with_demo, ..
        } => serve(settings, with_demo).await,
        Command::Migrate => {
            let store = open_store(&settings).await?;
            println!(
                "数据库已是最新 / database migrated: {}",
                redact_url(&settings.database_url())
            );
            store.close().await;
            Ok(())
        }
        Command::Demo => {
            let store = open_store(&settings).await?;
            let logins = demo::load(&store).await?;
            load_library(&store).await?;
            print_logins(&logins);
            store.close().await;
            Ok(())
        }
        Command::User { command } => user(command, &settings).await,
        Command::Reindex => reindex(&settings).await,
        Command::Import { command } => import(command, &settings).await,
        Command::Backup { file } => {
            let store = open_store(&settings).await?;
            let out = std::fs::File::create(&file)
                .with_context(|| format!("无法创建备份文件 {}", file.display()))?;
            let rows = backup::write(&store, std::io::BufWriter::new(out)).await?;
            println!(
                "已备份 {rows} 行到 {} / backed up {rows} rows",
                file.display()
            );
            Ok(())
        }
        Command::Restore { file, yes } => {
            if !yes {
                bail!(
                    "恢复会替换数据库中的全部内容；确认请加 --yes / restore replaces all content: add --yes to confirm"
                );
            }
            let input = std::fs::File::open(&file)
                .with_context(|| format!("无法打开备份文件 {}", file.display()))?;
            let dump = backup::read(std::io::BufReader::new(input))?;
            let store = open_store(&settings).await?;
            let rows = backup::restore(&store, &dump).await?;
            println!("已恢复 {rows} 行 / restored {rows} rows");
            Ok(())
        }
    }
}

async fn serve(settings: Settings, with_demo: bool) -> anyhow::Result<()> {
    tracing::info!(?settings, "starting");
    let listener = tokio::net::TcpListener::bind(&settings.bind)
        .await
        .map_err(|e| {
            anyhow!(
                "无法监听 {} / cannot listen on {}: {e}",
                settings.bind,
                settings.bind
            )
        })?;
    let store = open_store(&settings).await?;
    if with_demo {
        let logins = demo::load(&store).await?;
        load_library(&store).await?;
        print_logins(&logins);
    }
    let smtp = ztc_web::mailer::SmtpSettings::from_settings(&settings)
        .map_err(|e| anyhow!("邮件服务器设置有误 / bad smtp_url: {e}"))?;
    let app = App::with_store(store.clone(), settings.clone())?;
    let index = app.state.search.clone();
    match ztc_web::indexer::start(&store, &index).await? {
        ztc_web::indexer::Started::Rebuilt(n) => {
            tracing::info!(documents = n, "search index rebuilt")
        }
        ztc_web::indexer::Started::CaughtUp(n) => {
            tracing::info!(events = n, "search index caught up")
        }
    }
    tokio::spawn(ztc_web::indexer::follow(
        store.clone(),
        index,
        Duration::from_millis(500),
        Duration::from_secs(10),
    ));
    let purger = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = ztc_store::sessions::purge_expired(&purger).await {
                tracing::warn!(error = %e, "session purge failed");
            }
        }
    });
    // Background work that stops with the server: the mail sender, the digests
    // and the sweep of unanswered expressions of interest.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let base_url = settings.base_url();
    let mut background = vec![
        ztc_web::mailer::spawn(store.clone(), smtp, stopped.clone()),
        ztc_web::mailer::spawn_digests(
            store.clone(),
            base_url.clone(),
            Duration::from_secs(600),
            stopped.clone(),
        ),
    ];
    let sweeper = store.clone();
    let mut sweep_stop = stopped;
    background.push(tokio::spawn(async move {
        let ctx = ztc_store::Ctx::system("interest-sweep");
        loop {
            match ztc_store::interests::sweep(&sweeper, &ctx, ztc_store::now_ms(), &base_url).await
            {
                Ok(s) if s.reminded + s.expired > 0 => {
                    tracing::info!(reminded = s.reminded, expired = s.expired, "interest sweep")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "interest sweep failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(600)) => {}
                _ = sweep_stop.changed() => break,
            }
        }
    }));
    let addr = listener.local_addr()?;
    println!("火炬科技成果直通车平台已启动 / listening on http://{addr}");
    axum::serve(
        listener,
        app.router()
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    let _ = stop.send(true);
    for task in background {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    store.close().await;
    Ok(())
}

/// Rebuilds this data folder's search index from the database, with progress.
async fn reindex(settings: &Settings) -> anyhow::Result<()> {
    let dir = settings.data_dir.join("index");
    let index = ztc_search::Index::open_with(
        &dir,
        ztc_search::Options {
            writer_threads: 2,
            writer_memory: 256 << 20,
            ..Default::default()
        },
    )
    .map_err(|e| {
        anyhow!(
            "无法打开搜索索引 {}：{e}（运行中的 ztc serve 会占用它：请先停止，或让它在启动时自动追平）/ cannot open the index",
            dir.display()
        )
    })?;
    let index = std::sync::Arc::new(index);
    let store = open_store(settings).await?;
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let n = ztc_web::indexer::rebuild(&store, &index, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "已重建搜索索引：{n} 项，用时 {:.1}s / reindexed {n} documents in {:.1}s",
        started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let p1 = rpassword::prompt_password("密码 / password: ")?;
        let p2 = rpassword::prompt_password("再次输入 / again: ")?;
        if p1 != p2 {
            bail!("两次输入的密码不一致 / the passwords differ");
        }
        Ok(p1)
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

async fn user(cmd: UserCommand, settings: &Settings) -> anyhow::Result<()> {
    let UserCommand::Add {
        username,
        name,
        role,
        org,
        org_kind,
        region,
    } = cmd;
    let username = text::username(&username).map_err(|e| anyhow!("{}", e.message))?;
    let display_name =
        text::required("name", "姓名", &name, 50).map_err(|e| anyhow!("{}", e.message))?;
    let role = Role::parse(&role).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow!(
            "未知角色 / unknown role {role:?}; one of: {}",
            all.join(", ")
        )
    })?;
    let pw = read_password()?;
    password::check_new(&pw, &username).map_err(|e| anyhow!("{}", e.message))?;
    let store = open_store(settings).await?;
    let ctx = Ctx::system("cli");
    let found = match orgs::get(&store, &org).await? {
        Some(o) => Some(o),
        None => orgs::list(&store, None, Some(&org), 1, 100)
            .await?
            .items
            .into_iter()
            .find(|o| o.name == org),
    };
    let organisation = match (found, org_kind, region) {
        (Some(o), _, _) => o,
        (None, Some(kind), Some(region)) => {
            let kind = OrgKind::parse(&kind)
                .ok_or_else(|| anyhow!("未知机构类型 / unknown organisation kind {kind:?}"))?;
            let new = NewOrg {
                name: text::required("org", "机构名称", &org, 100)
                    .map_err(|e| anyhow!("{}", e.message))?,
                kind,
                region_code: region,
                credit_code: None,
                status: AccountStatus::Active,
                contact_name: None,
                contact_phone: None,
                contact_email: None,
                industry: None,
                interest_fields: Vec::new(),
            };
            orgs::create(&store, &ctx, &new).await?
        }
        (None, _, _) => bail!(
            "机构不存在 / no organisation named {org:?}; give --org-kind and --region to create it"
        ),
    };
    let new = NewUser {
        username,
        display_name,
        email: None,
        phone: None,
        password_hash: password::hash(&pw),
        role,
        status: AccountStatus::Active,
        must_change_password: false,
    };
    let user = users::create(&store, &ctx, &organisation.id, &new)
        .await
        .map_err(|e| match e {
            ztc_store::StoreError::Conflict { message, .. } => anyhow!("{message}"),
            other => anyhow!(other),
        })?;
    println!(
        "已创建账号 / created {} ({}) in {}",
        user.username,
        role.label_zh(),
        organisation.name
    );
    store.close().await;
    Ok(())
}

async fn import(cmd: ImportCommand, settings: &Settings) -> anyhow::Result<()> {
    let ImportCommand::Achievements {
        file,
        org,
        by,
        skip_invalid,
    } = cmd;
    let bytes = std::fs::read(&file).with_context(|| format!("无法读取文件 {}", file.display()))?;
    let store = open_store(settings).await?;
    let vocab = ztc_domain::vocab::Vocabulary::builtin()?;
    let started = std::time::Instant::now();
    // The command line reads larger files than the web (an operator's own machine).
    let limits = ztc_exchange::Limits {
        max_bytes: 512 * 1024 * 1024,
        max_rows: 1_000_000,
        max_uncompressed: 4 * 1024 * 1024 * 1024,
        ..Default::default()
    };
    let organisation = match orgs::get(&store, &org).await? {
        Some(o) => o,
        None => orgs::list(&store, None, Some(&org), 1, 100)
            .await?
            .items
            .into_iter()
            .find(|o| o.name == org)
            .ok_or_else(|| anyhow!("机构不存在 / no organisation named {org:?}"))?,
    };
    if !organisation.kind.is_holder_side() {
        bail!(
            "{} 不是成果持有单位 / not a holder organisation",
            organisation.name
        );
    }
    let collector = match by {
        Some(u) => users::member_by_username(&store, &u.to_lowercase())
            .await?
            .ok_or_else(|| anyhow!("账号不存在 / no account {u:?}"))?,
        None => users::list(
            &store,
            &users::Filter {
                status: Some(AccountStatus::Active),
                ..Default::default()
            },
            1,
            10_000,
        )
        .await?
        .items
        .into_iter()
        .find(|m| m.user.role == Role::NationalAdmin)
        .ok_or_else(|| anyhow!("请用 --by 指定导入人账号 / give --by USERNAME"))?,
    };

    // Pass 1: check every row (titles only are kept); pass 2 streams the valid rows
    // into one transaction (ztc_web::batch).
    let source = batch::Source {
        vocab: std::sync::Arc::new(vocab),
        bytes: std::sync::Arc::new(bytes),
        limits,
    };
    let checked = batch::check(&store, &source)
        .await
        .map_err(|e| anyhow!("{e}（{}）", e.code()))?;
    for p in checked.problems.iter().take(200) {
        eprintln!(
            "第 {} 行 {} 列（{}）：{}",
            p.row, p.column, p.header, p.message
        );
    }
    if checked.problems.len() > 200 {
        eprintln!("……另有 {} 个问题", checked.problems.len() - 200);
    }
    let (rows, to_import, bad) = (checked.rows, checked.to_import, checked.bad_rows.len());
    println!("共 {rows} 行，有效 {to_import} 行，有问题 {bad} 行 / {rows} rows, {to_import} valid");
    if bad > 0 && !skip_invalid {
        bail!(
            "有 {bad} 行存在问题，未导入任何数据；修改后重试，或加 --skip-invalid 只导入有效行 / nothing imported"
        );
    }
    let bar = indicatif::ProgressBar::new(to_import as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let ctx = Ctx {
        actor_id: Some(collector.user.id.clone()),
        actor_name: Some(format!("cli:{}", collector.user.username)),
        ip: None,
        request_id: None,
    };
    let plan = batch::Plan {
        holder_org_id: organisation.id.clone(),
        owner_id: None,
        channel: ztc_domain::achievement::Channel::AgencyMining,
        status: ztc_domain::achievement::Status::Submitted,
        collected_by: collector.user.id.clone(),
    };
    let written = batch::write(&store, &ctx, source, checked, plan, |n| {
        bar.set_position(n as u64)
    })
    .await
    .map_err(|e| anyhow!("{e}（{}）", e.code()))?;
    bar.finish_and_clear();
    let total = started.elapsed();
    println!(
        "已导入 {} 项到 {}（待审核）/ imported {} in {:.1}s: {:.0} rows/s",
        written,
        organisation.name,
        written,
        total.as_secs_f64(),
        written as f64 / total.as_secs_f64().max(0.001)
    );
    store.close().await;
    Ok(())
}
