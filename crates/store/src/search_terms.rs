//! The administrators' search dictionary: technical terms the Chinese segmenter
//! should keep whole. Every change is audited and goes to the outbox, so every
//! process's index learns the term.

use serde_json::json;
use sqlx::Row;

use crate::change::{Event, record};
use crate::{Ctx, Result, Store, StoreError, now_ms};

/// One term with who added it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub term: String,
    pub added_by: Option<String>,
    pub at: i64,
}

/// Every term, newest first.
pub async fn list(store: &Store) -> Result<Vec<Term>> {
    let rows = sqlx::query("SELECT term, added_by, at FROM search_terms ORDER BY at DESC, term")
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Term {
                term: r.try_get("term")?,
                added_by: r.try_get("added_by")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Adds `term` (already checked by the caller); a term that is there is a conflict.
pub async fn add(store: &Store, ctx: &Ctx, term: &str) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    sqlx::query("INSERT INTO search_terms (term, added_by, at) VALUES ($1, $2, $3)")
        .bind(term)
        .bind(ctx.actor_id.clone())
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::unique("term_exists", "词典中已有这个词"))?;
    let ev = Event {
        action: "search_term.add",
        object_type: "search_term",
        object_id: term,
        unit_code: None,
        before: None,
        after: Some(json!({ "term": term })),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes `term`; `NotFound` when it is not there.
pub async fn remove(store: &Store, ctx: &Ctx, term: &str) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    let n = sqlx::query("DELETE FROM search_terms WHERE term = $1")
        .bind(term)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let ev = Event {
        action: "search_term.remove",
        object_type: "search_term",
        object_id: term,
        unit_code: None,
        before: Some(json!({ "term": term })),
        after: None,
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}
