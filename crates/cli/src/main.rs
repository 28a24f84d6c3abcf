//! `ztc` — the 火炬科技成果直通车 platform in one binary.

mod commands;
mod settings;

use std::process::ExitCode;

/// mimalloc instead of the system allocator: searches allocate many small
/// strings and vectors, and glibc malloc took a fifth of the server's CPU
/// under load (perf, bench/search-http).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ztc", version, about = "火炬科技成果直通车平台 — the Torch Technology Achievement Through-Train platform", long_about = None)]
pub struct Cli {
    /// Settings file (TOML). Environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Data folder (SQLite database, search index, attachments). Env: ZTC_DATA_DIR.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Start the web server (creates ./data and migrates on first start).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080. Env: ZTC_BIND.
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
        /// Also load demo organisations and one account per role, and print their logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and load reference data, then exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write a backup of the whole database to FILE (gzip-compressed JSON).
    Backup {
        /// Where to write the backup.
        file: std::path::PathBuf,
    },
    /// Replace the database's content with a backup (all sessions end).
    Restore {
        /// The backup file written by `ztc backup`.
        file: std::path::PathBuf,
        /// Confirm that the current content may be replaced.
        #[arg(long)]
        yes: bool,
    },
    /// Load demo organisations and accounts into the database and print their logins.
    Demo,
    /// Rebuild the search index of the data folder from the database (stop `ztc serve`
    /// on that folder first; a server also catches up by itself when it starts).
    Reindex,
    /// Import data from a file.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import achievements from a filled template (.xlsx) or a CSV with the same
    /// headers. Every problem is printed by row and column; nothing is imported while
    /// any row has a problem, unless --skip-invalid.
    Achievements {
        /// The .xlsx or .csv file.
        file: std::path::PathBuf,
        /// The holder organisation (name or id) the achievements belong to.
        #[arg(long)]
        org: String,
        /// The account recorded as collecting them (default: the first national administrator).
        #[arg(long)]
        by: Option<String>,
        /// Import the valid rows and skip the others.
        #[arg(long)]
        skip_invalid: bool,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input (or asked for).
    Add {
        /// Login name (letters, digits, _ . - @).
        #[arg(long)]
        username: String,
        /// The person's name as shown on pages.
        #[arg(long)]
        name: String,
        /// national_admin, szse_partner, provincial_admin, host, agency, expert, holder or enterprise.
        #[arg(long)]
        role: String,
        /// Organisation name (or id). Created when --org-kind and --region are given and it does not exist.
        #[arg(long)]
        org: String,
        /// Kind of a new organisation, e.g. torch_center, provincial_dept, university.
        #[arg(long)]
        org_kind: Option<String>,
        /// Region code (GB/T 2260) of a new organisation, e.g. 110100.
        #[arg(long)]
        region: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match settings::load(&cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ztc: 配置错误 / configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ztc: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(commands::run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One clear line; the chain of causes joined.
            let msg = e
                .chain()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": ");
            eprintln!("ztc: {msg}");
            ExitCode::from(1)
        }
    }
}
