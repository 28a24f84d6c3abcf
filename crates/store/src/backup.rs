//! Logical backup and restore: every table as JSON, so a backup taken from SQLite
//! restores into PostgreSQL and back. Restore runs in one transaction: a bad file
//! changes nothing.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Column, Row};

use crate::{Backend, Result, Store, StoreError};

/// Tables carried by a backup, parents before children. Sessions and the login
/// throttle are deliberately left out: a restore signs everyone out. Attachment
/// files live in the object store (`data/files` by default) and are backed up with
/// it, not in this file.
pub const TABLES: &[&str] = &[
    "meta",
    "units",
    "regions",
    "vocab_items",
    "organisations",
    "users",
    "api_tokens",
    "achievements",
    "achievement_versions",
    "achievement_reviews",
    "evaluation_assignments",
    "evaluations",
    "achievement_services",
    "achievement_attachments",
    "search_terms",
    "demand_windows",
    "demands",
    "demand_answers",
    "interests",
    "interest_messages",
    "follows",
    "digests",
    "digest_items",
    "mail_outbox",
    "audit_log",
    "outbox",
];

pub const FORMAT: &str = "ztc-backup";
pub const FORMAT_VERSION: i64 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Dump {
    pub format: String,
    pub version: i64,
    /// The newest migration applied in the source database.
    pub schema: i64,
    pub created_at: i64,
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    Int,
    Float,
    Text,
}

async fn column_types(store: &Store, table: &str) -> Result<Vec<(String, Ty)>> {
    let sql = match store.backend() {
        Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid".to_owned(),
        Backend::Postgres => "SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS type FROM information_schema.columns
             WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position"
            .to_owned(),
    };
    let rows = sqlx::query(&sql)
        .bind(table)
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let name: String = r.try_get("name")?;
            let ty: String = r.try_get::<String, _>("type")?.to_lowercase();
            let ty = if ty.contains("int") {
                Ty::Int
            } else if ty.contains("double") || ty.contains("real") || ty.contains("float") {
                Ty::Float
            } else {
                Ty::Text
            };
            Ok((name, ty))
        })
        .collect()
}

async fn schema_version(store: &Store) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
            .fetch_one(store.pool())
            .await?,
    )
}

/// Reads every table into a [`Dump`].
pub async fn dump(store: &Store) -> Result<Dump> {
    let mut tables = Vec::new();
    for &name in TABLES {
        let cols = column_types(store, name).await?;
        let list = cols
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!("SELECT {list} FROM {name} ORDER BY 1"))
            .fetch_all(store.pool())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut vals = Vec::with_capacity(cols.len());
            for (i, (_, ty)) in cols.iter().enumerate() {
                let v = match ty {
                    Ty::Int => r.try_get::<Option<i64>, _>(i)?.map(Value::from),
                    Ty::Float => r.try_get::<Option<f64>, _>(i)?.map(Value::from),
                    Ty::Text => r.try_get::<Option<String>, _>(i)?.map(Value::from),
                };
                vals.push(v.unwrap_or(Value::Null));
            }
            out.push(vals);
        }
        let columns = rows
            .first()
            .map(|r| r.columns().iter().map(|c| c.name().to_owned()).collect())
            .unwrap_or_else(|| cols.iter().map(|(c, _)| c.clone()).collect());
        tables.push(Table {
            name: name.to_owned(),
            columns,
            rows: out,
        });
    }
    Ok(Dump {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        schema: schema_version(store).await?,
        created_at: crate::now_ms(),
        tables,
    })
}

/// Writes a gzip-compressed JSON backup.
pub async fn write(store: &Store, out: impl Write) -> Result<usize> {
    let d = dump(store).await?;
    let rows = d.tables.iter().map(|t| t.rows.len()).sum();
    let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    serde_json::to_writer(&mut gz, &d).map_err(|e| StoreError::Other(e.to_string()))?;
    gz.finish().map_err(|e| StoreError::Other(e.to_string()))?;
    Ok(rows)
}

/// Reads a backup file's content.
pub fn read(input: impl Read) -> Result<Dump> {
    let gz = flate2::read::GzDecoder::new(input);
    let d: Dump = serde_json::from_reader(gz)
        .map_err(|e| StoreError::Other(format!("不是有效的备份文件：{e}")))?;
    if d.format != FORMAT || d.version != FORMAT_VERSION {
        return Err(StoreError::Other("备份文件格式不符".into()));
    }
    Ok(d)
}

/// Replaces the content of the (migrated) database with `d`, in one transaction.
pub async fn restore(store: &Store, d: &Dump) -> Result<usize> {
    let current = schema_version(store).await?;
    if d.schema > current {
        return Err(StoreError::Other(format!(
            "备份来自更新的版本（数据结构 {}），当前程序只支持到 {current}，请先升级程序",
            d.schema
        )));
    }
    let mut tx = store.pool().begin().await?;
    sqlx::query("DELETE FROM sessions")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM login_throttle")
        .execute(&mut *tx)
        .await?;
    for name in TABLES.iter().rev() {
        sqlx::query(&format!("DELETE FROM {name}"))
            .execute(&mut *tx)
            .await?;
    }
    let mut n = 0;
    for name in TABLES {
        let Some(t) = d.tables.iter().find(|t| t.name == *name) else {
            continue;
        };
        let types = column_types(store, name).await?;
        let mut tys = Vec::with_capacity(t.columns.len());
        for c in &t.columns {
            let ty = types
                .iter()
                .find(|(n, _)| n == c)
                .map(|(_, ty)| *ty)
                .ok_or_else(|| {
                    StoreError::Other(format!("备份中的列 {name}.{c} 在当前数据库中不存在"))
                })?;
            tys.push(ty);
        }
        let placeholders = (1..=t.columns.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {name} ({}) VALUES ({placeholders})",
            t.columns.join(", ")
        );
        for row in &t.rows {
            let mut q = sqlx::query(&sql);
            for (v, ty) in row.iter().zip(&tys) {
                q = match (ty, v) {
                    (Ty::Int, v) => q.bind(v.as_i64()),
                    (Ty::Float, v) => q.bind(v.as_f64()),
                    (Ty::Text, v) => q.bind(v.as_str().map(str::to_owned)),
                };
            }
            q.execute(&mut *tx).await?;
            n += 1;
        }
    }
    tx.commit().await?;
    Ok(n)
}
