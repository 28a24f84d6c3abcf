//! Settings, passed explicitly to [`crate::App::build`]. The CLI layers them:
//! defaults → optional TOML file → environment (`ZTC_BIND`, `ZTC_DATA_DIR`,
//! `DATABASE_URL`, `ZTC_SMTP_URL`, …). Secrets never appear in `Debug` output.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A secret string (a URL with a password, a key): `Debug` shows it redacted.
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let red = ztc_store::redact_url(&self.0);
        if red == self.0 && !self.0.starts_with("sqlite:") {
            f.write_str("\"***\"")
        } else {
            write!(f, "{red:?}")
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub bind: String,
    /// Folder for the SQLite database, the search index and attachments.
    pub data_dir: PathBuf,
    /// `postgres://…` switches to PostgreSQL; empty means SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    /// Outgoing mail (`smtp://user:pass@host:587?from=…`, `smtps://…`, or
    /// `file:///dir` to write `.eml` files); empty keeps mail in the outbox, which
    /// administrators see at `/admin/mail`.
    pub smtp_url: Option<Secret>,
    /// The address users reach the platform at (links in mail, one-click
    /// unsubscribe); empty means `http://{bind}`.
    pub public_url: Option<String>,
    /// Mark cookies `Secure` (set when the platform is served over HTTPS).
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-For` from a reverse proxy for the client address.
    pub trust_proxy: bool,
    /// Megabytes of recent search answers kept in memory (0 turns the cache off).
    pub search_cache_mb: u32,
    /// Log filter, e.g. `info` or `ztc_web=debug`.
    pub log: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            smtp_url: None,
            public_url: None,
            secure_cookies: false,
            trust_proxy: false,
            search_cache_mb: 32,
            log: "info".into(),
        }
    }
}

impl Settings {
    /// The database URL in effect: the configured one, or SQLite in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.expose().trim().is_empty() => u.expose().trim().to_owned(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("ztc.db").display()
            ),
        }
    }

    /// The base of absolute links (no trailing slash).
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(u) if !u.trim().is_empty() => u.trim().trim_end_matches('/').to_owned(),
            _ => format!("http://{}", self.bind),
        }
    }

    pub fn uses_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let s = Settings {
            database_url: Some(Secret::new("postgres://ztc:hunter2@db:5432/ztc")),
            smtp_url: Some(Secret::new("smtps://mailer:topsecret@mail.example.cn")),
            ..Settings::default()
        };
        let dbg = format!("{s:?}");
        assert!(
            !dbg.contains("hunter2") && !dbg.contains("topsecret"),
            "{dbg}"
        );
        assert!(dbg.contains("postgres://ztc:***@db:5432/ztc"), "{dbg}");
        assert_eq!(format!("{:?}", Secret::new("plain-key")), "\"***\"");
    }

    #[test]
    fn default_database_is_sqlite_in_data_dir() {
        let s = Settings::default();
        assert_eq!(s.database_url(), "sqlite://./data/ztc.db?mode=rwc");
        assert!(s.uses_sqlite());
    }
}
