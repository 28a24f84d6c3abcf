//! Settings: defaults → optional TOML file (`--config`) → environment → flags.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use ztc_web::Settings;

use crate::{Cli, Command};

const ENV_KEYS: &[&str] = &[
    "bind",
    "data_dir",
    "database_url",
    "smtp_url",
    "public_url",
    "secure_cookies",
    "trust_proxy",
    "search_cache_mb",
    "log",
];

pub fn load(cli: &Cli) -> Result<Settings, String> {
    let mut fig = Figment::from(Serialized::defaults(Settings::default()));
    if let Some(path) = &cli.config {
        if !path.exists() {
            return Err(format!(
                "配置文件不存在 / settings file not found: {}",
                path.display()
            ));
        }
        fig = fig.merge(Toml::file(path));
    }
    fig = fig.merge(Env::prefixed("ZTC_").only(ENV_KEYS)).merge(
        Env::raw()
            .only(&["DATABASE_URL"])
            .map(|_| "database_url".into()),
    );
    if let Some(dir) = &cli.data_dir {
        fig = fig.merge(Serialized::default("data_dir", dir));
    }
    if let Command::Serve { bind: Some(b), .. } = &cli.command {
        fig = fig.merge(Serialized::default("bind", b));
    }
    fig.extract::<Settings>().map_err(|e| e.to_string())
}
