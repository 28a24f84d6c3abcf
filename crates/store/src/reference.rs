//! Reference data in the database: programme units, regions and controlled lists.
//! The built-in data is loaded at migration time; rows an administrator added stay.

use sha2::{Digest, Sha256};
use sqlx::Row;
use ztc_domain::vocab::{Item, Region, Unit, Vocabulary};

use crate::{Result, Store};

/// Loads the built-in vocabulary when it differs from what was loaded last.
pub async fn sync_builtin(store: &Store, vocab: &Vocabulary) -> Result<()> {
    let json = serde_json::to_string(vocab).map_err(|e| crate::StoreError::Other(e.to_string()))?;
    let digest = hex::encode(Sha256::digest(json.as_bytes()));
    let current: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'vocab_digest'")
            .fetch_optional(store.pool())
            .await?;
    if current.as_deref() == Some(digest.as_str()) {
        return Ok(());
    }
    let mut tx = store.pool().begin().await?;
    for u in &vocab.units {
        sqlx::query(
            "INSERT INTO units (code, name, kind, name_en) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, name_en = excluded.name_en",
        )
        .bind(&u.code)
        .bind(&u.name)
        .bind(&u.kind)
        .bind(&u.name_en)
        .execute(&mut *tx)
        .await?;
    }
    for r in &vocab.regions {
        sqlx::query(
            "INSERT INTO regions (code, name, level, parent_code, unit_code) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
               parent_code = excluded.parent_code, unit_code = excluded.unit_code",
        )
        .bind(&r.code)
        .bind(&r.name)
        .bind(&r.level)
        .bind(&r.parent_code)
        .bind(&r.unit_code)
        .execute(&mut *tx)
        .await?;
    }
    for list in &vocab.lists {
        for (pos, item) in list.items.iter().enumerate() {
            let extra = serde_json::to_string(&item.extra)
                .map_err(|e| crate::StoreError::Other(e.to_string()))?;
            sqlx::query(
                "INSERT INTO vocab_items (vocab, code, name, name_en, parent_code, extra, position, builtin)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 1)
                 ON CONFLICT (vocab, code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en,
                   parent_code = excluded.parent_code, extra = excluded.extra, position = excluded.position, builtin = 1",
            )
            .bind(list.key)
            .bind(&item.code)
            .bind(&item.name)
            .bind(&item.name_en)
            .bind(&item.parent_code)
            .bind(extra)
            .bind(pos as i64)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('vocab_digest', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(&digest)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn units(store: &Store) -> Result<Vec<Unit>> {
    let rows = sqlx::query("SELECT code, name, kind, name_en FROM units ORDER BY code")
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Unit {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                name_en: r.try_get("name_en")?,
            })
        })
        .collect()
}

fn region_from(r: &sqlx::any::AnyRow) -> Result<Region> {
    Ok(Region {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        level: r.try_get("level")?,
        parent_code: r.try_get("parent_code")?,
        unit_code: r.try_get("unit_code")?,
    })
}

pub async fn regions(store: &Store) -> Result<Vec<Region>> {
    let rows =
        sqlx::query("SELECT code, name, level, parent_code, unit_code FROM regions ORDER BY code")
            .fetch_all(store.pool())
            .await?;
    rows.iter().map(region_from).collect()
}

pub async fn region(store: &Store, code: &str) -> Result<Option<Region>> {
    let row = sqlx::query(
        "SELECT code, name, level, parent_code, unit_code FROM regions WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(store.pool())
    .await?;
    row.as_ref().map(region_from).transpose()
}

/// The items of one list, in their order.
pub async fn items(store: &Store, vocab: &str) -> Result<Vec<Item>> {
    let rows = sqlx::query(
        "SELECT code, name, name_en, parent_code, extra FROM vocab_items WHERE vocab = $1 ORDER BY position, code",
    )
    .bind(vocab)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let extra: String = r.try_get("extra")?;
            Ok(Item {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                name_en: r.try_get("name_en")?,
                parent_code: r.try_get("parent_code")?,
                extra: serde_json::from_str(&extra)
                    .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?,
            })
        })
        .collect()
}
