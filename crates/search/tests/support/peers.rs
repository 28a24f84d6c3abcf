//! The SQLite FTS5 peers (rusqlite with the bundled SQLite, the same
//! libsqlite3-sys that sqlx uses), in memory.
//!
//! - `trigram`: `tokenize='trigram'` over the raw text. Query: for keywords,
//!   each whitespace-separated keyword of 3+ characters as a quoted string
//!   (a substring match), OR-ed; shorter keywords cannot match a trigram
//!   index and are dropped. For free text (titles), the text's trigrams
//!   (overlapping 3-character windows of each run of letters), quoted, OR-ed.
//! - `jieba`: the text segmented by jieba-rs (default dictionary, default
//!   mode, HMM on), words joined by spaces, default `unicode61` tokenizer;
//!   the query segmented the same way, each word quoted, OR-ed.
//!
//! Both rank by `bm25(t, 0, 3, 2, 1)`: title ×3, keywords ×2, body ×1, the
//! same weights as ours.
#![allow(dead_code)]

use jieba_rs::Jieba;
use rusqlite::{Connection, params};

pub struct PeerDoc<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub keywords: &'a [String],
    pub body: &'a str,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PeerKind {
    Trigram,
    Jieba,
}

pub struct Peer {
    conn: Connection,
    kind: PeerKind,
    jieba: Option<Jieba>,
}

/// A quoted FTS5 string.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn segment(jieba: &Jieba, text: &str) -> Vec<String> {
    jieba
        .cut(text, true)
        .into_iter()
        .map(|t| t.word.to_lowercase())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect()
}

impl Peer {
    pub fn new(kind: PeerKind) -> rusqlite::Result<Peer> {
        Peer::with_connection(kind, Connection::open_in_memory()?)
    }

    /// A peer in a database file (created when missing; the table is created
    /// only if absent).
    pub fn open(kind: PeerKind, path: &std::path::Path) -> rusqlite::Result<Peer> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")?;
        Peer::with_connection(kind, conn)
    }

    fn with_connection(kind: PeerKind, conn: Connection) -> rusqlite::Result<Peer> {
        let tokenize = match kind {
            PeerKind::Trigram => "trigram",
            PeerKind::Jieba => "unicode61",
        };
        conn.execute_batch(&format!(
            "CREATE VIRTUAL TABLE IF NOT EXISTS t USING fts5(id UNINDEXED, title, keywords, body, tokenize='{tokenize}');"
        ))?;
        let jieba = (kind == PeerKind::Jieba).then(Jieba::new);
        Ok(Peer { conn, kind, jieba })
    }

    /// SQLite's version and whether the FTS5 trigram tokenizer exists.
    pub fn sqlite_version(&self) -> rusqlite::Result<String> {
        self.conn
            .query_row("SELECT sqlite_version()", [], |r| r.get(0))
    }

    fn prepare_text(&self, text: &str) -> String {
        match &self.jieba {
            Some(j) => segment(j, text).join(" "),
            None => text.to_string(),
        }
    }

    pub fn insert_all(&mut self, docs: &[PeerDoc<'_>]) -> rusqlite::Result<()> {
        let prepared: Vec<(String, String, String)> = docs
            .iter()
            .map(|d| {
                (
                    self.prepare_text(d.title),
                    self.prepare_text(&d.keywords.join(" ; ")),
                    self.prepare_text(d.body),
                )
            })
            .collect();
        let tx = self.conn.transaction()?;
        {
            let mut st =
                tx.prepare("INSERT INTO t(id, title, keywords, body) VALUES (?1, ?2, ?3, ?4)")?;
            for (d, (title, keywords, body)) in docs.iter().zip(prepared) {
                st.execute(params![d.id, title, keywords, body])?;
            }
        }
        tx.commit()
    }

    /// The FTS5 MATCH expression for a keyword query (whitespace-separated
    /// keywords) or a free-text query; `None` when nothing can match.
    pub fn match_expr(&self, text: &str, keywords: bool) -> Option<String> {
        let mut terms: Vec<String> = Vec::new();
        match (&self.jieba, keywords) {
            (Some(j), _) => terms.extend(segment(j, text)),
            (None, true) => terms.extend(
                text.split_whitespace()
                    .filter(|k| k.chars().count() >= 3)
                    .map(str::to_string),
            ),
            (None, false) => {
                for run in text.split(|c: char| !c.is_alphanumeric()) {
                    let chars: Vec<char> = run.chars().collect();
                    for w in chars.windows(3) {
                        terms.push(w.iter().collect());
                    }
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        terms.retain(|t| seen.insert(t.clone()));
        terms.truncate(64);
        if terms.is_empty() {
            return None;
        }
        Some(
            terms
                .iter()
                .map(|t| quote(t))
                .collect::<Vec<_>>()
                .join(" OR "),
        )
    }

    /// Top `limit` ids for a query.
    pub fn search(
        &self,
        text: &str,
        keywords: bool,
        limit: usize,
    ) -> rusqlite::Result<Vec<String>> {
        let Some(expr) = self.match_expr(text, keywords) else {
            return Ok(Vec::new());
        };
        let mut st = self.conn.prepare_cached(
            "SELECT id FROM t WHERE t MATCH ?1 ORDER BY bm25(t, 0.0, 3.0, 2.0, 1.0) LIMIT ?2",
        )?;
        let rows = st.query_map(params![expr, limit as i64], |r| r.get::<_, String>(0))?;
        rows.collect()
    }

    pub fn kind(&self) -> PeerKind {
        self.kind
    }
}
