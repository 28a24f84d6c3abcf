//! Reading the outbox: the events every change writes in its own transaction (see
//! [`crate::change`]). Followers (the search index of each process) read events in
//! (time, id) order from a cursor of their own; nothing here is consumed or deleted,
//! so any number of processes follow the same outbox.

use sqlx::Row;

use crate::{Result, Store};

/// One event, as a follower needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    /// Epoch ms, taken inside the writing transaction.
    pub at: i64,
    /// The action, e.g. `achievement.create`.
    pub topic: String,
    pub object_type: String,
    pub object_id: String,
}

/// A position in the outbox: after the event (`at`, `id`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub at: i64,
    pub id: String,
}

impl Cursor {
    /// The cursor as stored with a search-index commit: `at:id`.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.at, self.id)
    }

    /// Reads [`Cursor::encode`]'s form; anything else is `None` (start over).
    pub fn decode(s: &str) -> Option<Cursor> {
        let (at, id) = s.split_once(':')?;
        Some(Cursor {
            at: at.parse().ok()?,
            id: id.to_owned(),
        })
    }
}

/// Up to `limit` events after `from`, oldest first.
pub async fn after(store: &Store, from: &Cursor, limit: i64) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT id, at, topic, object_type, object_id FROM outbox
         WHERE at > $1 OR (at = $1 AND id > $2) ORDER BY at, id LIMIT $3",
    )
    .bind(from.at)
    .bind(&from.id)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                topic: r.try_get("topic")?,
                object_type: r.try_get("object_type")?,
                object_id: r.try_get("object_id")?,
            })
        })
        .collect()
}

/// The newest event's position (where a full rebuild leaves its cursor).
pub async fn head(store: &Store) -> Result<Cursor> {
    let row = sqlx::query("SELECT id, at FROM outbox ORDER BY at DESC, id DESC LIMIT 1")
        .fetch_optional(store.pool())
        .await?;
    Ok(match row {
        Some(r) => Cursor {
            at: r.try_get("at")?,
            id: r.try_get("id")?,
        },
        None => Cursor::default(),
    })
}
