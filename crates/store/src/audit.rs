//! Reading the audit trail (writing is in [`crate::change`]).

use serde::Serialize;
use sqlx::Row;

use crate::orgs::Page;
use crate::{Result, Store};

#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub id: String,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub unit_code: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// What to look for. Every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only records of this programme unit (a provincial administrator's view).
    pub unit: Option<String>,
    /// The actor's name contains this.
    pub actor: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Epoch ms, inclusive.
    pub from: Option<i64>,
    /// Epoch ms, exclusive.
    pub to: Option<i64>,
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

const FILTER: &str = "($1 IS NULL OR unit_code = $1)
    AND ($2 IS NULL OR LOWER(actor_name) LIKE $2 ESCAPE '\\')
    AND ($3 IS NULL OR object_type = $3)
    AND ($4 IS NULL OR object_id = $4)
    AND ($5 IS NULL OR at >= $5)
    AND ($6 IS NULL OR at < $6)";

pub async fn list(store: &Store, f: &Filter, page: i64, per_page: i64) -> Result<Page<Record>> {
    let actor = f
        .actor
        .as_deref()
        .map(|a| format!("%{}%", escape_like(&a.to_lowercase())));
    macro_rules! bound {
        ($q:expr) => {
            $q.bind(&f.unit)
                .bind(&actor)
                .bind(&f.object_type)
                .bind(&f.object_id)
                .bind(f.from)
                .bind(f.to)
        };
    }
    let total: i64 = bound!(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM audit_log WHERE {FILTER}"
    )))
    .fetch_one(store.pool())
    .await?;
    let page = page.max(1);
    let sql = format!(
        "SELECT id, at, actor_id, actor_name, action, object_type, object_id, unit_code, before_json, after_json, ip, request_id
         FROM audit_log WHERE {FILTER} ORDER BY at DESC, id DESC LIMIT $7 OFFSET $8"
    );
    let rows = bound!(sqlx::query(&sql))
        .bind(per_page)
        .bind((page - 1) * per_page)
        .fetch_all(store.pool())
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(Record {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor_id: r.try_get("actor_id")?,
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                object_type: r.try_get("object_type")?,
                object_id: r.try_get("object_id")?,
                unit_code: r.try_get("unit_code")?,
                before_json: r.try_get("before_json")?,
                after_json: r.try_get("after_json")?,
                ip: r.try_get("ip")?,
                request_id: r.try_get("request_id")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// Outbox events after `after_id` (ids are time-ordered), oldest first.
pub async fn outbox_since(
    store: &Store,
    after_id: &str,
    limit: i64,
) -> Result<Vec<(String, String, String, String)>> {
    let rows = sqlx::query(
        "SELECT id, topic, object_type, object_id FROM outbox WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("topic")?,
                r.try_get("object_type")?,
                r.try_get("object_id")?,
            ))
        })
        .collect()
}
