//! Attachment records. A file is written to the object store first and its record
//! second; if the record cannot be written the file is removed again, so nothing
//! half-stored remains.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use ztc_domain::attachment::Kind;

use crate::change::{Event, record};
use crate::files::Files;
use crate::{Ctx, Result, Store, StoreError, new_id, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    pub id: String,
    pub achievement_id: String,
    pub kind: Kind,
    pub name: String,
    pub content_type: Option<String>,
    pub size: i64,
    pub object_key: Option<String>,
    pub url: Option<String>,
    pub is_public: bool,
    pub at: i64,
}

/// A file or a link to attach.
pub struct NewAttachment {
    pub kind: Kind,
    pub name: String,
    pub content_type: Option<String>,
    /// The file's bytes; `None` for a video link.
    pub bytes: Option<Vec<u8>>,
    pub url: Option<String>,
    pub is_public: bool,
}

const COLUMNS: &str =
    "id, achievement_id, kind, name, content_type, size, object_key, url, is_public, at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Attachment> {
    let kind: String = r.try_get("kind")?;
    Ok(Attachment {
        id: r.try_get("id")?,
        achievement_id: r.try_get("achievement_id")?,
        kind: Kind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("attachment kind {kind}")))?,
        name: r.try_get("name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        object_key: r.try_get("object_key")?,
        url: r.try_get("url")?,
        is_public: r.try_get::<i64, _>("is_public")? != 0,
        at: r.try_get("at")?,
    })
}

pub async fn add(
    store: &Store,
    files: &Files,
    ctx: &Ctx,
    achievement_id: &str,
    unit_code: &str,
    new: NewAttachment,
) -> Result<Attachment> {
    let id = new_id();
    let size = new.bytes.as_ref().map_or(0, Vec::len) as i64;
    let object_key = match new.bytes {
        Some(bytes) => {
            let key = format!("achievements/{achievement_id}/{id}");
            files.put(&key, bytes).await?;
            Some(key)
        }
        None => None,
    };
    let written = async {
        let mut tx = store.pool().begin().await?;
        sqlx::query(&format!("INSERT INTO achievement_attachments ({COLUMNS}, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
            .bind(&id)
            .bind(achievement_id)
            .bind(new.kind.as_str())
            .bind(&new.name)
            .bind(&new.content_type)
            .bind(size)
            .bind(&object_key)
            .bind(&new.url)
            .bind(i64::from(new.is_public))
            .bind(now_ms())
            .bind(ctx.actor_id.clone())
            .execute(&mut *tx)
            .await?;
        let after = json!({ "attachment": id, "kind": new.kind, "name": new.name, "size": size, "public": new.is_public });
        let ev = Event { action: "achievement.attach", object_type: "achievement", object_id: achievement_id, unit_code: Some(unit_code), before: None, after: Some(after) };
        record(&mut tx, ctx, ev).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(())
    }
    .await;
    if let Err(e) = written {
        if let Some(k) = &object_key {
            let _ = files.delete(k).await;
        }
        return Err(e);
    }
    get(store, &id).await?.ok_or(StoreError::NotFound)
}

pub async fn get(store: &Store, id: &str) -> Result<Option<Attachment>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM achievement_attachments WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list(store: &Store, achievement_id: &str) -> Result<Vec<Attachment>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM achievement_attachments WHERE achievement_id = $1 ORDER BY at, id"
    ))
    .bind(achievement_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Removes an attachment: its record (audited) and then its file.
pub async fn remove(
    store: &Store,
    files: &Files,
    ctx: &Ctx,
    a: &Attachment,
    unit_code: &str,
) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    sqlx::query("DELETE FROM achievement_attachments WHERE id = $1")
        .bind(&a.id)
        .execute(&mut *tx)
        .await?;
    let ev = Event {
        action: "achievement.detach",
        object_type: "achievement",
        object_id: &a.achievement_id,
        unit_code: Some(unit_code),
        before: Some(json!({ "attachment": a.id, "name": a.name })),
        after: None,
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    if let Some(k) = &a.object_key {
        let _ = files.delete(k).await;
    }
    Ok(())
}

/// Records a download of a protected file (SPEC §6).
pub async fn record_download(
    store: &Store,
    ctx: &Ctx,
    a: &Attachment,
    unit_code: &str,
) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    let ev = Event {
        action: "achievement.download",
        object_type: "achievement",
        object_id: &a.achievement_id,
        unit_code: Some(unit_code),
        before: None,
        after: Some(json!({ "attachment": a.id, "name": a.name })),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}
